import BrokerTopology
import Messaging
import Testing
import TestSupport

@Suite("Work queues of Open137Topology: delayed retry and dead letters")
struct RetryPathTests {
    let logger = TestEnvironment.logger("retry-tests")

    @Test("a message sent to the retry exchange comes back to its work queue after the retry delay")
    func delayedRetryReturnsToWorkQueue() async throws {
        let queue = WorkQueue(name: TestEnvironment.uniqueName("retry.work"), owner: .classifier, sources: [(Open137Topology.eventsExchange, "test.never")])
        let topology = Topology(exchanges: Open137Topology.exchanges).merging(queue.topology)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "retry"), topology: topology, logger: logger)
        try await publisher.waitUntilConnected()
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "retry-consumer"), queue: queue.name, logger: logger)
        try await consumer.waitUntilConnected()

        let sent = ContinuousClock.now
        try await publisher.publish(OutgoingMessage(exchange: Open137Topology.retryExchange, routingKey: queue.name, body: Array("again".utf8), messageID: "retry-1"))
        let delivery = try await withTimeout(.seconds(15), "the retried message") {
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                return delivery
            }
            throw TimedOut(what: "the retried message")
        }
        let waited = sent.duration(to: .now)
        #expect(delivery.messageID == "retry-1")
        #expect(delivery.body == Array("again".utf8))
        #expect(waited >= .milliseconds(Open137Topology.retryDelayMilliseconds - 500))
        await consumer.stop()
        await publisher.close()
    }

    @Test("a work queue dead-letters to its own .dlq through the dead-letter exchange")
    func workQueueDeadLettersToItsDLQ() async throws {
        let queue = WorkQueue(name: TestEnvironment.uniqueName("dlq.work"), owner: .router, sources: [(Open137Topology.eventsExchange, "test.never")])
        let topology = Topology(exchanges: Open137Topology.exchanges).merging(queue.topology)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "dlq"), topology: topology, logger: logger)
        try await publisher.publish(OutgoingMessage(exchange: "", routingKey: queue.name, body: [1], messageID: "doomed"))
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: queue.name, logger: logger)
        let first = try await withTimeout(.seconds(10), "the message") {
            for await delivery in consumer.deliveries { return delivery }
            throw TimedOut(what: "the message")
        }
        try await first.reject()
        let dead = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: queue.deadLetterQueue, logger: logger)
        let deadLetter = try await withTimeout(.seconds(10), "the dead letter") {
            for await delivery in dead.deliveries {
                try await delivery.ack()
                return delivery
            }
            throw TimedOut(what: "the dead letter")
        }
        #expect(deadLetter.messageID == "doomed")
        await consumer.stop()
        await dead.stop()
        await publisher.close()
    }
}
