import Events
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceSupport

/// Keeps the public read model (tracking, Open311 `GET requests`) up to date from the later events of
/// each report, once per event (inbox).
struct ReadModelHandler: Sendable {
    let store: ReportStore
    let inbox: Inbox
    let client: PostgresClient
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "intake.read-model"

    func handle(_ delivery: AMQPDelivery) async throws {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        _ = try await inbox.handleOnce(client: client, eventID: event.id, consumer: Self.consumer, logger: logger) { connection in
            let applied = try await store.applyToReadModel(event, on: connection)
            if !applied {
                logger.debug("event of a report intake does not show; skipped", metadata: ["event_id": "\(event.id)", "type": "\(event.type)"])
            }
        }
    }
}
