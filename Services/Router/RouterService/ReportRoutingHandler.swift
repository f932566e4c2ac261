import Classification
import Contracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import Stages

/// Routes each `report.classified`: looks for an open case of the same hazard (``DuplicateCaseFinder``) and,
/// when one matches, stores the report linked to it with `report.linked` and the unit's copy instead of a
/// delivery; otherwise stores the assignment in `router.reports` and, in the same transaction
/// (outbox), the `report.assigned` delivery to `open137.units` with routing key `<unit>.d<NN>`, for child
/// reports a copy with routing key `council.child-friendly`, and `report.routed` on the events exchange —
/// once per event (inbox) and once per report (primary key). Reports are stored in groups by a
/// ``RoutingBatchWriter`` (one statement per batch); the handler returns, and the worker acks, only after its
/// report's batch committed. A message that is not a valid `report.classified` is rejected (dead-lettered
/// with the reason); a database failure is retried.
struct ReportRoutingHandler: Sendable {
    let router: ReportRouter
    let writer: RoutingBatchWriter
    /// Finds the open case a report is the same hazard as; nil when linking is off (`ROUTER_LINK_DUPLICATES`).
    let finder: DuplicateCaseFinder?
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "router.reports"

    func handle(_ delivery: AMQPDelivery) async throws {
        var item = try Self.prepare(delivery, router: router)
        // A report flagged for triage needs a person's eyes of its own; one without a place cannot match.
        if let finder, !item.decision.triage, item.delivery.location != nil {
            let found = try await finder.find(for: item.finderReport)
            item.link = found.link
            if found.link == nil, found.resolvedBefore >= ReportRepeatHazardData.returningThreshold {
                // A new case where its kind was fixed again and again: it starts one priority step higher.
                item = try Self.prepare(delivery, router: router, returningAfter: found.resolvedBefore)
            }
        }
        let outcome = try await writer.store(item)
        logger.info("report routed", metadata: [
            "report_id": "\(item.reportID)", "event_id": "\(item.eventID)", "unit": "\(item.decision.unit)",
            "district": "\(item.decision.district)", "child_friendly": "\(item.childFriendly)", "outcome": "\(outcome)",
            "linked_to": "\(item.link.map { $0.parentID.uuidString.lowercased() } ?? "-")",
        ])
    }

    /// The decision and messages of one delivery, before any database work; a delivery that can never be
    /// routed throws a ``DeliveryRejection`` with the reason.
    /// With `returningAfter` (resolved cases of its kind at its place before it), the report is a repeat
    /// hazard from the start: routed one priority step higher, with `report.repeat-hazard` after its delivery.
    static func prepare(_ delivery: AMQPDelivery, router: ReportRouter, returningAfter resolved: Int? = nil, now: Date = Date()) throws -> RoutingBatchItem {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard event.type == EventType.reportClassified else {
            throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not \(EventType.reportClassified)")
        }
        // Straight from the parsed envelope: `event.payload(as:)` would encode and decode the data again.
        guard var data = ReportClassifiedData(json: event.data) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data is not a report.classified report")
        }
        guard let reportID = UUID(uuidString: data.report.reportID) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): report_id is not a UUID")
        }
        let fromPriority = data.classification.priority
        if resolved != nil { data.classification.priority = ReportRepeatHazardData.raised(fromPriority) }
        let decision = router.route(data, now: now)
        var plan = try RoutingMessages(data: data, decision: decision, correlationID: event.correlationid ?? event.id, traceparent: event.traceparent, now: now)
        if let resolved {
            plan = try plan.withRepeatHazard(count: resolved, fromPriority: fromPriority, correlationID: event.correlationid ?? event.id, now: now)
        }
        let c = data.classification
        return RoutingBatchItem(
            eventID: event.id, reportID: reportID, trackingCode: data.report.trackingCode, serviceCode: c.serviceCode,
            childFriendly: c.childFriendly, priority: c.priority, decision: decision, delivery: plan.delivery, messages: plan.messages,
            place: data.report.location?.address.map(DuplicateCandidate.placeKey).flatMap { $0.isEmpty ? nil : $0 },
            receivedAt: CloudEvent.parseTime(data.report.receivedAt) ?? now, link: nil,
            repeatReasons: resolved == nil ? [] : [ReportRepeatHazardData.Reason.returning.rawValue],
            correlationID: event.correlationid ?? event.id, traceparent: event.traceparent)
    }
}
