import Messaging
import TestSupport
import Testing

@Suite("Publisher: pipelined confirms, mandatory returns, failures")
struct PublisherTests {
    let logger = TestEnvironment.logger("publisher-tests")

    @Test("every message of a pipelined batch is confirmed and lands in the queue")
    func publishAndConfirm() async throws {
        let fixture = QueueFixture("confirm")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, confirmWindow: 64, logger: logger)
        try await publisher.waitUntilConnected()
        let messages = (0..<500).map { fixture.message("m\($0)", id: "id-\($0)") }
        let results = await publisher.publish(messages)
        #expect(results.count == 500)
        #expect(results.allSatisfy { if case .success = $0 { true } else { false } })

        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, prefetch: 100, logger: logger)
        let received = try await collect(consumer, count: 500)
        #expect(Set(received.compactMap(\.messageID)) == Set((0..<500).map { "id-\($0)" }))
        #expect(received.first?.contentType == "text/plain")
        await consumer.stop()
        await publisher.close()
    }

    @Test("a mandatory publish that no queue takes fails that publish only")
    func unroutableMandatoryPublishFails() async throws {
        let fixture = QueueFixture("mandatory")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        try await publisher.waitUntilConnected()
        let results = await publisher.publish([
            fixture.message("routed"),
            fixture.message("nowhere", routingKey: "nobody.listens"),
            fixture.message("routed too"),
        ])
        #expect((try? results[0].get()) != nil)
        #expect((try? results[2].get()) != nil)
        guard case .failure(let error) = results[1] else {
            Issue.record("unroutable publish succeeded")
            return
        }
        #expect(error.code == .unroutable)
        #expect(error.replyCode == 312)
        await publisher.close()
    }

    @Test("a return is matched to its own publish, not to another with the same message id (the router's unit delivery and council copy share one)")
    func returnsAreMatchedByPublishNotByMessageID() async throws {
        let fixture = QueueFixture("shared-id")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, confirmWindow: 256, logger: logger)
        try await publisher.waitUntilConnected()
        // Each pair: a copy the quorum queue takes (confirmed once replicated) and an unroutable copy under
        // the same id (returned and confirmed at once), so returns and confirms interleave across pairs.
        var messages: [OutgoingMessage] = []
        for index in 0..<100 {
            messages.append(fixture.message("routed \(index)", id: "shared-\(index)"))
            messages.append(fixture.message("nowhere \(index)", id: "shared-\(index)", routingKey: "nobody.listens"))
        }
        let results = await publisher.publish(messages)
        for index in 0..<100 {
            #expect((try? results[2 * index].get()) != nil, "the routed copy \(index) was taken for the returned one")
            guard case .failure(let error) = results[2 * index + 1] else {
                Issue.record("the unroutable copy \(index) was counted as confirmed")
                continue
            }
            #expect(error.code == .unroutable)
        }
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(), queue: fixture.queue, prefetch: 100, logger: logger)
        let received = try await collect(consumer, count: 100)
        #expect(Set(received.compactMap(\.messageID)).count == 100)
        await consumer.stop()
        await publisher.close()
    }

    @Test("publishing to an exchange that does not exist fails and the publisher recovers")
    func missingExchangeFailsAndRecovers() async throws {
        let fixture = QueueFixture("missing")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, publishTimeout: .seconds(5), logger: logger)
        try await publisher.waitUntilConnected()
        var ghost = fixture.message("lost")
        ghost.exchange = TestEnvironment.uniqueName("no_such_exchange")
        // The broker closes the channel (404): that publish fails with the broker's reason instead of
        // being retried forever, and the publisher reconnects for the next one.
        let failed = await publisher.publish([ghost])
        guard case .failure(let error) = failed[0] else {
            Issue.record("publish to a missing exchange succeeded")
            return
        }
        #expect(error.code == .serverException)
        #expect(error.replyCode == 404)
        let ok = await publisher.publish([fixture.message("fine")])
        #expect((try? ok[0].get()) != nil)
        await publisher.close()
    }

    @Test("a bad URL and an unreachable broker fail clearly")
    func badConfigurationFails() async throws {
        #expect(throws: AMQPError.self) { try AMQPConfiguration(url: "http://example.org") }
        var configuration = try AMQPConfiguration(url: "amqp://guest:guest@127.0.0.1:1/")
        configuration.connectTimeout = .milliseconds(200)
        let publisher = AMQPPublisher(configuration: configuration, publishTimeout: .milliseconds(500), logger: logger)
        await #expect(throws: AMQPError.self) { try await publisher.waitUntilConnected(timeout: .milliseconds(800)) }
        let results = await publisher.publish([OutgoingMessage(exchange: "", routingKey: "x", body: [1])])
        guard case .failure(let error) = results[0] else {
            Issue.record("publish without a broker succeeded")
            return
        }
        #expect(error.code == .notConnected)
        await publisher.close()
    }

    @Test("declaring a queue with different arguments fails with PRECONDITION_FAILED")
    func conflictingDeclarationFails() async throws {
        let fixture = QueueFixture("conflict")
        let first = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: fixture.topology, logger: logger)
        try await first.waitUntilConnected()
        await first.close()
        var conflicting = fixture.topology
        conflicting.queues[0].arguments["x-delivery-limit"] = .int(99)
        let second = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(), topology: conflicting, logger: logger)
        do {
            try await second.waitUntilConnected(timeout: .seconds(2))
            Issue.record("conflicting declaration succeeded")
        } catch {
            #expect(error.code == .declareFailed)
            #expect(error.replyCode == 406)
        }
        await second.close()
    }
}
