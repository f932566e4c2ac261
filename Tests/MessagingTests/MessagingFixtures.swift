import Messaging
import TestSupport

/// A private exchange and quorum work queue (with dead-letter queue) for one test.
struct QueueFixture {
    let exchange: String
    let queue: String
    let deadLetterExchange: String
    let deadLetterQueue: String
    let topology: Topology

    init(_ name: String, deliveryLimit: Int64 = 5) {
        exchange = TestEnvironment.uniqueName("x_\(name)")
        queue = TestEnvironment.uniqueName("q_\(name)")
        deadLetterExchange = exchange + ".dlx"
        deadLetterQueue = queue + ".dlq"
        topology = Topology(
            exchanges: [
                ExchangeDefinition(name: exchange, kind: .topic),
                ExchangeDefinition(name: deadLetterExchange, kind: .topic),
            ],
            queues: [
                QueueDefinition(name: queue, arguments: [
                    "x-queue-type": .string("quorum"),
                    "x-dead-letter-exchange": .string(deadLetterExchange),
                    "x-dead-letter-routing-key": .string(queue),
                    "x-delivery-limit": .int(deliveryLimit),
                ]),
                QueueDefinition(name: deadLetterQueue, arguments: ["x-queue-type": .string("quorum")]),
            ],
            bindings: [
                BindingDefinition(exchange: exchange, queue: queue, routingKey: "work.#"),
                BindingDefinition(exchange: deadLetterExchange, queue: deadLetterQueue, routingKey: queue),
            ]
        )
    }

    func message(_ text: String, id: String? = nil, routingKey: String = "work.item") -> OutgoingMessage {
        OutgoingMessage(exchange: exchange, routingKey: routingKey, body: Array(text.utf8), messageID: id, contentType: "text/plain")
    }
}

/// Takes `count` deliveries from a consumer, acking each, within `limit`.
func collect(_ consumer: AMQPConsumer, count: Int, ack: Bool = true, limit: Duration = .seconds(20)) async throws -> [AMQPDelivery] {
    try await withTimeout(limit, "\(count) deliveries from \(consumer.queue)") {
        var received: [AMQPDelivery] = []
        for await delivery in consumer.deliveries {
            if ack { try await delivery.ack() }
            received.append(delivery)
            if received.count == count { break }
        }
        return received
    }
}
