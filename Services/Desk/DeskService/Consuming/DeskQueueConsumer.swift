import Logging
import Messaging
import ServiceLifecycle

/// Consumes one unit's queue `unit.<unit>` as the unit's own broker user and stores each message through
/// the unit's ``DeskStore`` before acknowledging it (ack after commit). A message the desk cannot read
/// is kept with the reason and acknowledged. While the database is away the message is tried again in
/// place (doubling pauses up to 5 s) and never acknowledged before it is stored: the unit's queue has no
/// dead-letter or retry queue — the router declares it for the unit, whose business its messages are.
/// On shutdown a message not yet stored stays unacknowledged, and the broker gives it back.
struct DeskQueueConsumer: Service {
    let consumer: AMQPConsumer
    let store: DeskStore
    let logger: Logger

    func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The consumer stops itself on graceful shutdown, which ends `deliveries` below.
            group.addTask { [consumer] in try await consumer.run() }
            for await delivery in consumer.deliveries {
                guard await store(delivery) else { break }
                do throws(AMQPError) {
                    try await delivery.ack()
                } catch {
                    // The connection went: the broker gives the message back, and the inbox knows it.
                    logger.warning("ack failed; the message will be redelivered", metadata: ["error": "\(error.code)"])
                }
            }
            try await group.waitForAll()
        }
    }

    /// Stores `delivery`, trying again while the database fails; false when shutting down first.
    private func store(_ delivery: AMQPDelivery) async -> Bool {
        var message = DeskMessage.read(delivery.body, unit: store.unit)
        var pause = Duration.milliseconds(100)
        while true {
            do {
                let stored = try await store.store(message, messageID: delivery.messageID, routingKey: delivery.routingKey, body: delivery.body)
                if case .unreadable(let reason) = message {
                    logger.warning("unreadable message kept", metadata: ["message_id": "\(delivery.messageID ?? "-")", "reason": "\(reason)"])
                } else {
                    logger.debug("message stored", metadata: ["message_id": "\(delivery.messageID ?? "-")", "outcome": "\(stored)"])
                }
                return true
            } catch let error as DeskStoreError {
                // Parsed, yet not storable: no retry will change that.
                message = .unreadable(error.description)
            } catch {
                logger.warning("storing a message failed; trying again", metadata: [
                    "message_id": "\(delivery.messageID ?? "-")", "error_type": "\(type(of: error))",
                ])
                guard !Task.isShuttingDownGracefully, !Task.isCancelled else { return false }
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(5))
            }
        }
    }
}
