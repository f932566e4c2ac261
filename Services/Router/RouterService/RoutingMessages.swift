import BrokerTopology
import Contracts
import Foundation
import Messaging

/// The messages one assignment sends, built before the transaction that enqueues them: the unit's
/// delivery (`report.assigned` on `open137.units`, routing key `<unit>.d<NN>`), the council's copy of a
/// child report (same id, routing key `council.child-friendly`) and the report's event (`report.routed`
/// first time, else the caller's). Ids are deterministic per report and assignment, so units
/// de-duplicate on them.
struct RoutingMessages: Sendable {
    /// The delivery's data (stored with the assignment, to deliver again on a referral or a reopening).
    let delivery: ReportAssignedData
    /// What goes into the outbox, in order.
    private(set) var messages: [OutgoingMessage]

    /// The source of everything the router emits.
    static let source = ServiceName.router.eventSource

    /// The id of a report's `assignment`th delivery.
    static func deliveryID(reportID: String, assignment: Int) -> String { "\(reportID).a\(assignment)" }

    /// The first assignment of a classified report, with its `report.routed`; `traceparent` (the trace
    /// context of `report.classified`) goes on with both, so a trace does not end at the router.
    init(data: ReportClassifiedData, decision: RouteDecision, correlationID: String?, traceparent: String? = nil, now: Date = Date()) throws {
        let report = data.report
        let c = data.classification
        let delivery = ReportAssignedData(
            reportID: report.reportID, trackingCode: report.trackingCode, serviceCode: c.serviceCode, childFriendly: c.childFriendly,
            priority: c.priority, unit: decision.unit, deadline: CloudEvent.formatTime(decision.deadline), district: decision.district,
            location: report.location, description: report.description, attributes: report.attributes, mediaURLs: report.mediaURLs,
            reporter: report.reporter, contact: report.contactAllowed ? report.contact : nil, assignment: 1, receivedAt: report.receivedAt)
        let routed = EncodedEvent(
            id: "\(report.reportID).routed", source: Self.source, type: EventType.reportRouted, time: now, subject: report.reportID,
            data: ReportRoutedData(
                reportID: report.reportID, trackingCode: report.trackingCode, serviceCode: c.serviceCode, childFriendly: c.childFriendly,
                priority: c.priority, unit: decision.unit, district: decision.district, deadline: delivery.deadline, channel: report.channel,
                reporterType: report.reporter.type, receivedAt: report.receivedAt, triage: decision.triage),
            correlationID: correlationID, traceparent: traceparent)
        self.delivery = delivery
        messages = try Self.deliveries(delivery, correlationID: correlationID, traceparent: traceparent, now: now)
            + [routed.message(exchange: Open137Topology.eventsExchange)]
    }

    /// A later assignment (referral or reopening): the new delivery, then `event`.
    init(delivery: ReportAssignedData, event: OutgoingMessage, correlationID: String?, now: Date = Date()) throws {
        self.delivery = delivery
        messages = try Self.deliveries(delivery, correlationID: correlationID, now: now) + [event]
    }

    /// The unit's delivery and, for a child report, the council's copy.
    static func deliveries(_ delivery: ReportAssignedData, correlationID: String?, traceparent: String? = nil, now: Date) throws -> [OutgoingMessage] {
        let event = EncodedEvent(
            id: deliveryID(reportID: delivery.reportID, assignment: delivery.assignment), source: source, type: EventType.reportAssigned,
            time: now, subject: delivery.reportID, data: delivery, correlationID: correlationID, traceparent: traceparent)
        var toUnit = try event.message(exchange: Open137Topology.unitsExchange)
        toUnit.routingKey = "\(delivery.unit).d\(delivery.district)"
        guard delivery.childFriendly else { return [toUnit] }
        var toCouncil = toUnit
        toCouncil.routingKey = Open137Topology.councilQueue
        return [toUnit, toCouncil]
    }

    /// These messages and, after them, `report.repeat-hazard` for a new case that starts raised (reason
    /// `returning`: `count` resolved cases of its kind at its place before it) with the unit's copy.
    func withRepeatHazard(count: Int, fromPriority: String, correlationID: String?, now: Date) throws -> RoutingMessages {
        let event = EncodedEvent(
            id: "\(delivery.reportID).repeat-returning", source: Self.source, type: EventType.reportRepeatHazard, time: now, subject: delivery.reportID,
            data: ReportRepeatHazardData(
                reportID: delivery.reportID, trackingCode: delivery.trackingCode, unit: delivery.unit, serviceCode: delivery.serviceCode,
                childFriendly: delivery.childFriendly, district: delivery.district, reason: .returning, count: count, fromPriority: fromPriority,
                priority: delivery.priority, deadline: delivery.deadline, at: CloudEvent.formatTime(now)),
            correlationID: correlationID)
        var toUnit = try event.message(exchange: Open137Topology.unitsExchange)
        toUnit.routingKey = Open137Topology.unitAnswerKey(delivery.unit, .repeatHazard)
        var copy = self
        copy.messages += [try event.message(exchange: Open137Topology.eventsExchange), toUnit]
        return copy
    }

    /// A report joining its case: `report.linked` on the events exchange (ids and the match only), the
    /// unit's copy with what the reporter said (routing key `<unit>.linked`) and, for a child report, the
    /// council's (`council.child-friendly`) — never the contact. `id` defaults to `<report id>.linked`; a
    /// later copy for a unit the case moved to has an id of its own.
    static func linked(
        _ delivery: ReportAssignedData, to link: CaseLink, unit: String, status: String, deadline: String, correlationID: String?,
        traceparent: String? = nil, id: String? = nil, toUnitOnly: Bool = false, now: Date = Date()
    ) throws -> [OutgoingMessage] {
        let data = ReportLinkedData(
            reportID: delivery.reportID, trackingCode: delivery.trackingCode, parentReportID: link.parentID.uuidString.lowercased(),
            parentTrackingCode: link.parentTrackingCode, unit: unit, serviceCode: delivery.serviceCode, childFriendly: delivery.childFriendly,
            district: delivery.district, status: status, deadline: deadline, similarity: (link.similarity * 1000).rounded() / 1000,
            distanceMetres: link.metres.map { ($0 * 10).rounded() / 10 }, receivedAt: delivery.receivedAt, at: CloudEvent.formatTime(now),
            description: delivery.description, location: delivery.location, mediaURLs: delivery.mediaURLs)
        let eventID = id ?? "\(delivery.reportID).linked"
        func event(_ data: ReportLinkedData) -> EncodedEvent<ReportLinkedData> {
            EncodedEvent(id: eventID, source: source, type: EventType.reportLinked, time: now, subject: delivery.reportID, data: data,
                         correlationID: correlationID, traceparent: traceparent)
        }
        var toUnit = try event(data).message(exchange: Open137Topology.unitsExchange)
        toUnit.routingKey = Open137Topology.unitAnswerKey(unit, .linked)
        var messages = [toUnit]
        if delivery.childFriendly {
            var toCouncil = toUnit
            toCouncil.routingKey = Open137Topology.councilQueue
            messages.append(toCouncil)
        }
        if !toUnitOnly { messages.append(try event(data.withoutReport).message(exchange: Open137Topology.eventsExchange)) }
        return messages
    }
}
