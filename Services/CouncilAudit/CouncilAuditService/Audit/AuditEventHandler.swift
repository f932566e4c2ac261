import Logging
import Messaging
import ServiceHosting
import Stages

/// Handles each delivery of `council-audit.events`: every event of the pipeline and every unit update
/// becomes an entry of the audit log (and updates the report's projection) — once per event id. A message
/// that is not a JSON object (or a CloudEvent without id or type) is dead-lettered with the reason; a
/// database failure is thrown as is, so the worker retries it.
public struct AuditEventHandler: Sendable {
    let appender: AuditAppender
    let logger: Logger

    /// A handler appending through `appender`.
    public init(appender: AuditAppender, logger: Logger) {
        self.appender = appender
        self.logger = logger
    }

    /// Appends the delivery's event.
    public func handle(_ delivery: AMQPDelivery) async throws {
        let record: AuditRecord
        do {
            record = try AuditRecord.make(body: delivery.body, messageID: delivery.messageID, routingKey: delivery.routingKey)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        let outcome = try await appender.append(record)
        logger.debug("event in the audit log", metadata: [
            "event_id": "\(record.eventID)", "type": "\(record.eventType)", "outcome": "\(outcome)",
        ])
    }
}
