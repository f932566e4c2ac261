import Contracts
import Logging
import Messaging
import ServiceHosting
import Stages

/// Keeps the public read model (tracking, Open311 `GET requests`) up to date from the later events of
/// each report, once per event (inbox), applied in groups by a ``ReadModelBatchWriter``. A `report.linked` or
/// `report.unlinked` whose data does not match the contract is rejected (dead-lettered with the reason).
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
            // A link or a split whose data does not match the contract would leave the report following a case
            // it never joined (or none): refused, so an operator sees it in the dead-letter queue.
            if ReportStore.strictlyRead.contains(event.type) {
                throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue,
                                        reason: "event \(event.id): data is not a valid \(event.type) of its subject")
            }
            logger.debug("event intake does not show; skipped", metadata: ["event_id": "\(event.id)", "type": "\(event.type)"])
            return
        }
        if try await writer.apply(item) == .unknownReport {
            logger.debug("event of a report intake does not know; skipped", metadata: ["event_id": "\(event.id)", "type": "\(event.type)"])
        }
    }
}
