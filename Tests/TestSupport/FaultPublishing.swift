import Messaging
import Synchronization

/// Publishing through a fault (a broker restart, a cluster node killed): numbered batches go out while the
/// fault happens, and every publish is recorded as confirmed or failed; afterwards the confirmed ones are
/// looked for in the queue. Shared by the fault tests, so that each states only its fault.
public final class FaultPublishing: Sendable {
    /// Message ids the broker confirmed.
    public let confirmed = Mutex<Set<String>>([])
    /// Errors of the publishes that ended without a confirm.
    public let failed = Mutex<[AMQPError]>([])

    /// An empty record.
    public init() {}

    /// Publishes `batches` batches of 50 messages (`b<batch>-<index>`) to `exchange` with routing key `r`,
    /// 100 ms apart, recording each outcome; returns when every publish has ended.
    public func publishBatches(_ publisher: AMQPPublisher, exchange: String, batches: Int) async {
        for batch in 0..<batches {
            let messages = (0..<50).map { index in
                OutgoingMessage(exchange: exchange, routingKey: "r", body: Array("m".utf8), messageID: "b\(batch)-\(index)", contentType: "text/plain")
            }
            let results = await publisher.publish(messages)
            for (message, result) in zip(messages, results) {
                switch result {
                case .success: confirmed.withLock { _ = $0.insert(message.messageID) }
                case .failure(let error): failed.withLock { $0.append(error) }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    /// The message ids `consumer` receives (each acked) until they include all of `expected`, within 60 s.
    public static func receive(from consumer: AMQPConsumer, untilAllOf expected: Set<String>) async throws -> Set<String> {
        try await withTimeout(.seconds(60), "the confirmed messages") {
            var ids: Set<String> = []
            for await delivery in consumer.deliveries {
                try? await delivery.ack()
                if let id = delivery.messageID { ids.insert(id) }
                if ids.isSuperset(of: expected) { break }
            }
            return ids
        }
    }
}
