import Contracts
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import Stages

/// Handles each report event from `notifier.events`: decodes and checks it, then hands it to the
/// ``NotificationBatchWriter``, which in one transaction with the other events waiting — once per event
/// (inbox) — stores the reporter of a `report.received` and writes the event's notifications as pending
/// rows; the channel senders send them after the commit. A later event whose `report.received` was not
/// stored yet is retried (thrown: the worker's delayed retry), not dropped; a message that is not a report
/// event, or whose data does not match its type, is rejected (dead-lettered with the reason).
public struct NotificationEventHandler: Sendable {
    /// Writes events' notifications in batches.
    public let writer: NotificationBatchWriter
    private let logger: Logger

    /// The inbox's consumer name.
    public static let consumer = "notifier.events"

    /// Creates a handler.
    public init(writer: NotificationBatchWriter, logger: Logger) {
        self.writer = writer
        self.logger = logger
    }

    /// Handles one delivery.
    public func handle(_ delivery: AMQPDelivery) async throws {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard event.type.hasPrefix("report.") else {
            throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not a report event")
        }
        do {
            try NotificationPlanner.checkPayload(of: event)
        } catch {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data does not match \(event.type)")
        }
        var received: ReporterRecord?
        if event.type == EventType.reportReceived {
            guard let reporter = NotificationPlanner.reporter(received: event.data) else {
                throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data is not a report.received report")
            }
            received = reporter
        }
        let item = NotificationBatchItem(event: event, body: String(decoding: delivery.body, as: UTF8.self), received: received)
        let outcome = try await writer.handle(item)
        switch outcome {
        case .reporterUnknown:
            throw NotifierError(code: .reporterUnknown, message: "event \(event.id) (\(event.type)) came before report.received of \(event.subject ?? "-") was stored")
        case .invalid:
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data does not match \(event.type)")
        case .duplicate, .written:
            logger.debug("report event handled", metadata: [
                "event_id": "\(event.id)", "event_type": "\(event.type)", "report_id": "\(event.subject ?? "-")",
                "outcome": "\(outcome)",
            ])
        }
    }
}
