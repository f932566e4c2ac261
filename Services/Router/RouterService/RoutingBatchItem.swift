import Contracts
import Foundation
import JSON
import Messaging

/// One classified report ready to be stored: its decision and the messages its assignment sends.
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
    /// The delivery's data, stored with the assignment (to deliver again on a referral or a reopening).
    var delivery: ReportAssignedData
    /// The unit's delivery, the council's copy, `report.routed`.
    var messages: [OutgoingMessage]

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
        json.raw("}")
    }
}
