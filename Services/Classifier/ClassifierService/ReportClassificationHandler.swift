import Classification
import Events
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceSupport

/// Classifies each `report.received`: stores the decision in `classifier.classifications` and enqueues
/// `report.classified` (same correlation id, subject = the report id) in one transaction, once per event
/// (inbox). A message that is not a `report.received` event with a valid report is rejected (the worker
/// dead-letters it with the reason); a database failure is thrown as is (the worker retries it).
struct ReportClassificationHandler: Sendable {
    let classifier: ReportClassifier
    let inbox: Inbox
    let outbox: Outbox
    let client: PostgresClient
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "classifier.reports"

    func handle(_ delivery: AMQPDelivery) async throws {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard event.type == EventType.reportReceived else {
            throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not \(EventType.reportReceived)")
        }
        let report: ReportReceivedData
        do {
            report = try event.payload(as: ReportReceivedData.self)
        } catch {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data is not a report.received report")
        }
        guard UUID(uuidString: report.reportID) != nil else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): report_id is not a UUID")
        }

        let decision = classifier.classify(report.description, channelServiceCode: report.serviceCode)
        let classification = ReportClassification(
            serviceCode: decision.serviceCode, channelServiceCode: report.serviceCode,
            childFriendly: decision.childFriendly, priority: decision.priority.rawValue,
            confidence: decision.confidence, evidence: decision.evidence, triage: decision.triage,
            triageReason: decision.triageReason, modelVersion: decision.modelVersion)
        let classified = try CloudEvent(
            source: "/open137/\(ClassifierService.name)", type: EventType.reportClassified, subject: report.reportID,
            payload: ReportClassifiedData(report: report, classification: classification),
            correlationID: event.correlationid ?? event.id, traceparent: event.traceparent)
        let evidence = String(decoding: try JSONEncoder().encode(decision.evidence), as: UTF8.self)

        let outcome = try await inbox.handleOnce(client: client, eventID: event.id, consumer: Self.consumer, logger: logger) { connection in
            let reportID = UUID(uuidString: report.reportID)!
            try await connection.query(
                """
                INSERT INTO classifications
                    (report_id, event_id, service_code, channel_service_code, child_friendly, priority, confidence,
                     evidence, triage, triage_reason, model_version)
                VALUES (\(reportID), \(event.id), \(classification.serviceCode), \(classification.channelServiceCode),
                        \(classification.childFriendly), \(classification.priority), \(classification.confidence),
                        \(evidence)::jsonb, \(classification.triage), \(classification.triageReason), \(classification.modelVersion))
                ON CONFLICT (report_id) DO NOTHING
                """,
                logger: logger
            )
            try await outbox.enqueue(classified, exchange: Open137Topology.eventsExchange, on: connection, logger: logger)
        }
        logger.info("report classified", metadata: [
            "report_id": "\(report.reportID)", "event_id": "\(event.id)", "service_code": "\(classification.serviceCode)",
            "child_friendly": "\(classification.childFriendly)", "priority": "\(classification.priority)",
            "triage": "\(classification.triage)", "outcome": "\(outcome)",
        ])
    }
}
