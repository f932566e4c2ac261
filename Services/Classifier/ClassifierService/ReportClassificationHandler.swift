import Classification
import Contracts
import Foundation
import Logging
import Messaging
import ServiceHosting
import Stages

/// Classifies each `report.received`: stores the decision in `classifier.classifications` and enqueues
/// `report.classified` (same correlation id, subject = the report id, the producer's traceparent) in one
/// transaction, once per event (inbox) and once per report (primary key). The classification runs here,
/// in the worker's concurrent handlers; the storing is grouped by a ``ClassificationBatchWriter`` (one
/// statement per batch), and the handler returns, so the worker acks, only after its report's batch
/// committed. A message that is not a `report.received` event with a valid report is rejected before
/// anything is stored (the worker dead-letters it with the reason); a database failure is thrown as is
/// (the worker retries it).
struct ReportClassificationHandler: Sendable {
    /// The trained model.
    let classifier: ReportClassifier
    /// Stores the decisions in groups.
    let writer: ClassificationBatchWriter
    /// The service's logger.
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "classifier.reports"

    /// Classifies one delivery and returns once its decision is stored (or was stored before).
    func handle(_ delivery: AMQPDelivery) async throws {
        let item = try Self.prepare(delivery, classifier: classifier)
        let outcome = try await writer.store(item)
        let c = item.classification
        logger.info("report classified", metadata: [
            "report_id": "\(item.reportID.uuidString.lowercased())", "event_id": "\(item.eventID)", "service_code": "\(c.serviceCode)",
            "child_friendly": "\(c.childFriendly)", "priority": "\(c.priority)", "triage": "\(c.triage)", "outcome": "\(outcome)",
        ])
    }

    /// The decision and the `report.classified` event of one delivery, before any database work; a
    /// delivery that can never be classified throws a ``DeliveryRejection`` with the reason.
    static func prepare(_ delivery: AMQPDelivery, classifier: ReportClassifier) throws -> ClassificationBatchItem {
        try prepare(body: delivery.body, classifier: classifier)
    }

    /// ``prepare(_:classifier:)`` from the message body alone (tests build items without a delivery).
    static func prepare(body: [UInt8], classifier: ReportClassifier) throws -> ClassificationBatchItem {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard event.type == EventType.reportReceived else {
            throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not \(EventType.reportReceived)")
        }
        // Straight from the parsed envelope: `event.payload(as:)` would encode and decode the data again.
        guard let report = ReportReceivedData(json: event.data) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data is not a report.received report")
        }
        guard let reportID = UUID(uuidString: report.reportID) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): report_id is not a UUID")
        }

        let decision = classifier.classify(report.description, channelServiceCode: report.serviceCode)
        let classification = ReportClassification(
            serviceCode: decision.serviceCode, channelServiceCode: report.serviceCode,
            childFriendly: decision.childFriendly, priority: decision.priority.rawValue,
            confidence: decision.confidence, evidence: decision.evidence, triage: decision.triage,
            triageReason: decision.triageReason, modelVersion: decision.modelVersion)
        let classified = EncodedEvent(
            source: "/open137/\(ClassifierStage.name)", type: EventType.reportClassified, time: Date(), subject: report.reportID,
            data: ReportClassifiedData(report: report, classification: classification),
            correlationID: event.correlationid ?? event.id, traceparent: event.traceparent)
        return ClassificationBatchItem(
            eventID: event.id, reportID: reportID, classification: classification, classifiedEventID: classified.id,
            correlationID: classified.correlationid, traceparent: classified.traceparent, body: try classified.encoded())
    }
}
