import Contracts
import Foundation
import JSON
import Messaging

/// One classified report ready to be stored: its decision, the messages its assignment sends, and — when
/// the ``DuplicateCaseFinder`` matched it to an open case — the link it is stored with.
struct RoutingBatchItem: Sendable {
    /// The `report.classified` event's id (the inbox key).
    var eventID: String
    /// The report's id.
    var reportID: UUID
    /// The report's tracking code.
    var trackingCode: String
    /// The classification's service code.
    var serviceCode: String
    /// Whether it is a child-friendly report.
    var childFriendly: Bool
    /// P0–P2.
    var priority: String
    /// Where it goes and by when.
    var decision: RouteDecision
    /// The delivery's data, stored with the assignment (to deliver again on a referral or a reopening, or
    /// when a linked report is split off its case).
    var delivery: ReportAssignedData
    /// The unit's delivery, the council's copy, `report.routed`: what it sends as a case of its own.
    var messages: [OutgoingMessage]
    /// The address's place key (the duplicate matcher's), when it has an address.
    var place: String?
    /// When intake accepted it.
    var receivedAt: Date
    /// The case it joins, when one matched.
    var link: CaseLink?
    /// Why it starts as a repeat hazard (`returning`), recorded so that reason raises it once.
    var repeatReasons: [String] = []
    /// The correlation id of its journey (`report.classified`'s).
    var correlationID: String?
    /// The trace context of `report.classified`.
    var traceparent: String?

    /// What the duplicate finder compares.
    var finderReport: DuplicateCaseFinder.Report {
        DuplicateCaseFinder.Report(
            reportID: reportID, serviceCode: serviceCode, latitude: delivery.location?.lat, longitude: delivery.location?.long,
            district: decision.district, place: place, receivedAt: receivedAt, description: delivery.description)
    }

    /// The messages of this report once it joined its case, which the batch statement found with `unit`,
    /// `status` and `deadline`.
    func linkedMessages(unit: String, status: String, deadline: Date, now: Date = Date()) throws -> [OutgoingMessage] {
        guard let link else { return messages }
        return try RoutingMessages.linked(
            delivery, to: link, unit: unit, status: status, deadline: CloudEvent.formatTime(deadline),
            correlationID: correlationID, traceparent: traceparent, now: now)
    }

    /// Appends this item as one `jsonb_to_recordset` object of ``InsertRoutingBatch`` (its messages go to
    /// the outbox through ``StageBatchWriter``, not through the statement).
    func write(to json: inout JSONText) {
        json.raw("{")
        json.member("event_id", eventID, first: true)
        json.member("report_id", reportID.uuidString.lowercased())
        json.member("tracking_code", trackingCode)
        json.member("service_code", serviceCode)
        json.member("child_friendly", bool: childFriendly)
        json.member("priority", priority)
        json.member("district", decision.district)
        json.member("unit", decision.unit)
        json.member("deadline", CloudEvent.formatTime(decision.deadline))
        json.member("delivery", writing: delivery)
        if let lat = delivery.location?.lat, let long = delivery.location?.long {
            json.member("lat", number: lat)
            json.member("long", number: long)
        }
        if let place { json.member("place", place) }
        json.member("received_at", CloudEvent.formatTime(receivedAt))
        json.member("repeat_reasons", strings: repeatReasons)
        if let link {
            json.member("parent_id", link.parentID.uuidString.lowercased())
            json.member("link_similarity", number: link.similarity)
            if let metres = link.metres { json.member("link_distance_m", number: metres) }
        }
        json.raw("}")
    }
}
