import Foundation
import Messaging
import TestSupport
import Testing

@Suite("Consumer: manual acks, dead letters, redelivery, poison messages")
struct ConsumerTests {
    let logger = TestEnvironment.logger("consumer-tests")

    @Test("a nack without requeue lands in the dead-letter queue with the broker's reason")
    func nackGoesToDeadLetterQueue() async throws {
        let fixture = QueueFixture("nack")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        try await publisher.publish(fixture.message("bad", id: "bad-1"))
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, logger: logger)
        let delivery = try #require(try await collect(consumer, count: 1, ack: false).first)
        try await delivery.nack(requeue: false)

        let dead = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.deadLetterQueue, logger: logger)
        let deadLetter = try #require(try await collect(dead, count: 1).first)
        #expect(deadLetter.messageID == "bad-1")
        #expect(deadLetter.body == Array("bad".utf8))
        let reason = deadLetter.headers["x-first-death-reason"]?.stringValue
        #expect(reason == "rejected")
        await consumer.stop()
        await dead.stop()
        await publisher.close()
    }

    @Test("a consumer dead-letters a bad message with its own reason, body intact")
    func deadLetterWithReason() async throws {
        let fixture = QueueFixture("reason")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        try await publisher.publish(fixture.message("{not json", id: "broken-1"))
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, logger: logger)
        let delivery = try #require(try await collect(consumer, count: 1, ack: false).first)
        try await delivery.deadLetter(to: fixture.deadLetterExchange, routingKey: fixture.queue, reasonCode: "malformed-envelope", reason: "not JSON", publisher: publisher)

        let dead = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.deadLetterQueue, logger: logger)
        let deadLetter = try #require(try await collect(dead, count: 1).first)
        #expect(deadLetter.body == Array("{not json".utf8))
        #expect(deadLetter.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "malformed-envelope")
        #expect(deadLetter.headers[AMQPDelivery.reasonHeader]?.stringValue == "not JSON")
        #expect(deadLetter.messageID == "broken-1")
        // Acked after the copy was confirmed: the work queue is empty now.
        await consumer.stop()
        let again = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, logger: logger)
        await #expect(throws: TimedOut.self) { _ = try await collect(again, count: 1, limit: .seconds(1)) }
        await again.stop()
        await dead.stop()
        await publisher.close()
    }

    @Test("a consumer that dies without acking gets its message redelivered to another")
    func redeliveryAfterCrash() async throws {
        let fixture = QueueFixture("crash")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        try await publisher.publish(fixture.message("work", id: "w-1"))
        let crashing = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "crashing"), queue: fixture.queue, logger: logger)
        let first = try #require(try await collect(crashing, count: 1, ack: false).first)
        #expect(first.redelivered == false)

        let survivor = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "survivor"), queue: fixture.queue, logger: logger)
        try await survivor.waitUntilConnected()
        await crashing.abort()
        let second = try #require(try await collect(survivor, count: 1).first)
        #expect(second.messageID == "w-1")
        #expect(second.redelivered)
        // The crashed consumer's delivery can no longer be settled.
        await #expect(throws: AMQPError.self) { try await first.ack() }
        await survivor.stop()
        await publisher.close()
    }

    @Test("a poison message stops at the delivery limit in the dead-letter queue while the queue keeps flowing")
    func poisonMessageStopsAtDeliveryLimit() async throws {
        let fixture = QueueFixture("poison", deliveryLimit: 2)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        var batch = [fixture.message("poison", id: "poison")]
        batch += (0..<20).map { fixture.message("good \($0)", id: "good-\($0)") }
        let results = await publisher.publish(batch)
        #expect(results.allSatisfy { (try? $0.get()) != nil })

        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, prefetch: 10, logger: logger)
        let good = try await withTimeout(.seconds(20), "the good messages") {
            var good: Set<String> = []
            var poisonAttempts = 0
            for await delivery in consumer.deliveries {
                if delivery.messageID == "poison" {
                    poisonAttempts += 1
                    try await delivery.nack(requeue: true)   // the handler keeps crashing on it
                } else {
                    try await delivery.ack()
                    good.insert(delivery.messageID ?? "")
                }
                if good.count == 20 && poisonAttempts >= 3 { break }
            }
            return good
        }
        #expect(good.count == 20)
        let dead = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.deadLetterQueue, logger: logger)
        let deadLetter = try #require(try await collect(dead, count: 1).first)
        #expect(deadLetter.messageID == "poison")
        #expect(deadLetter.headers["x-first-death-reason"]?.stringValue == "delivery_limit")
        await consumer.stop()
        await dead.stop()
        await publisher.close()
    }

    @Test("an idle connection stays open on heartbeats")
    func heartbeatsKeepIdleConnectionAlive() async throws {
        let fixture = QueueFixture("idle")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(heartbeatSeconds: 1), topology: fixture.topology, logger: logger)
        try await publisher.waitUntilConnected()
        #expect(publisher.connections == 1)
        try await Task.sleep(for: .seconds(5))
        try await publisher.publish(fixture.message("still here"))
        #expect(publisher.connections == 1)
        await publisher.close()
    }

    @Test("a graceful stop hands out what was received, lets it be acked, and ends the sequence")
    func gracefulStopDrains() async throws {
        let fixture = QueueFixture("drain")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        _ = await publisher.publish((0..<50).map { fixture.message("m\($0)") })
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, prefetch: 10, logger: logger)
        let first = try #require(try await collect(consumer, count: 1, ack: false).first)
        let stopping = Task { await consumer.stop() }
        try await first.ack()
        let rest = try await withTimeout(.seconds(15), "the sequence to end") {
            var count = 0
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                count += 1
            }
            return count
        }
        await stopping.value
        #expect(rest <= 10)   // prefetch 10: at most ten more were on their way when the cancel went out
        // What was not handed out stays in the queue for the next consumer.
        let next = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, logger: logger)
        let remaining = try await collect(next, count: 49 - rest)
        #expect(remaining.count == 49 - rest)
        await next.stop()
        await publisher.close()
    }
}
