import Contracts
import Foundation
import JSON
import Messaging

/// One classified report ready to be stored: its decision (a row of `classifications`) and its
/// `report.classified` event (an outbox row).
struct ClassificationBatchItem: Sendable {
    /// The `report.received` event's id (the inbox key).
    var eventID: String
    /// The report's id.
    var reportID: UUID
    /// What the classifier decided.
    var classification: ReportClassification
    /// The `report.classified` event's id (its message id and outbox key).
    var classifiedEventID: String
    /// The journey's correlation id (the AMQP correlation id of `report.classified`).
    var correlationID: String?
    /// The W3C trace context, sent as the `traceparent` header as `CloudEvent.message(exchange:)` does.
    var traceparent: String?
    /// The `report.classified` event's JSON.
    var body: [UInt8]

    /// Appends this item as one `jsonb_to_recordset` object of ``InsertClassificationBatch`` (its event goes
    /// to the outbox through ``StageBatchWriter``, not through the statement).
    func write(to json: inout JSONText) {
        let c = classification
        json.raw("{")
        json.member("event_id", eventID, first: true)
        json.member("report_id", reportID.uuidString.lowercased())
        json.member("service_code", c.serviceCode)
        json.member("channel_service_code", c.channelServiceCode)
        json.member("child_friendly", bool: c.childFriendly)
        json.member("priority", c.priority)
        json.member("confidence", number: c.confidence)
        json.member("evidence", strings: c.evidence)
        json.member("triage", bool: c.triage)
        json.member("triage_reason", c.triageReason)
        json.member("model_version", c.modelVersion)
        json.raw("}")
    }

    /// The `report.classified` message, as `CloudEvent.message(exchange:)` would make it: routed and typed
    /// by the event type, the journey's correlation id, the trace context in `traceparent`.
    func message(exchange: String) -> OutgoingMessage {
        OutgoingMessage(
            exchange: exchange, routingKey: EventType.reportClassified, body: body, messageID: classifiedEventID,
            correlationID: correlationID, type: EventType.reportClassified,
            headers: traceparent.map { ["traceparent": .string($0)] } ?? [:]
        )
    }
}
