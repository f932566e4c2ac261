import Contracts
import Logging
import Messaging
import ServiceHosting
import Stages

/// Keeps the public read model (tracking, Open311 `GET requests`) up to date from the later events of
/// each report, once per event (inbox), applied in groups by a ``ReadModelBatchWriter``.
struct ReadModelHandler: Sendable {
    let writer: ReadModelBatchWriter
    let logger: Logger

    func handle(_ delivery: AMQPDelivery) async throws {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard let item = ReadModelEvent(event) else {
            logger.debug("event intake does not show; skipped", metadata: ["event_id": "\(event.id)", "type": "\(event.type)"])
            return
        }
        if try await writer.apply(item) == .unknownReport {
            logger.debug("event of a report intake does not know; skipped", metadata: ["event_id": "\(event.id)", "type": "\(event.type)"])
        }
    }
}
