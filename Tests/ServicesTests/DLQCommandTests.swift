import AdminCommands
import BrokerTopology
import Foundation
import Logging
import Messaging
import ServiceHosting
import Stages
import Testing
import TestSupport

/// `open137 dlq`: a poison message dead-lettered for real by a `DeliveryWorker` (and one by the broker, and
/// one with no origin) in a work queue of its own, then listed, shown, replayed to its origin and purged
/// with the command's library code; the binary for its refusals. Each test has its own work queue and
/// `.dlq`, so tests running beside it (and the shared topology's DLQs) are untouched.
@Suite("open137 dlq", .timeLimit(.minutes(2)))
struct DLQCommandTests {
    let logger = TestEnvironment.logger("dlq-tests")

    /// A fresh work queue fed from the events exchange by a routing key of its own, its DLQ, a publisher
    /// declaring them and a tool over just that DLQ.
    private struct Fixture {
        let work: WorkQueue
        let routingKey: String
        let publisher: AMQPPublisher
        let tool: DeadLetterTool

        init(logger: Logger) async throws {
            let routingKey = TestEnvironment.uniqueName("test.dlq")
            work = WorkQueue(name: TestEnvironment.uniqueName("dlq-tool.work"), owner: .router, sources: [(Open137Topology.eventsExchange, routingKey)])
            self.routingKey = routingKey
            let topology = Topology(exchanges: Open137Topology.exchanges).merging(work.topology)
            publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "dlq-tool"), topology: topology, logger: logger)
            try await publisher.waitUntilConnected()
            tool = DeadLetterTool(publisher: publisher, queues: [DeadLetterQueue(name: work.deadLetterQueue, workQueue: work.name)])
        }

        /// Waits until the DLQ holds `count` messages.
        func waitForDLQ(_ count: Int) async throws {
            try await withTimeout(.seconds(20), "\(count) message(s) in \(work.deadLetterQueue)") { [publisher, work] in
                while try await publisher.messageCount(of: work.deadLetterQueue) != count { try await Task.sleep(for: .milliseconds(100)) }
            }
        }

        /// The next message on the work queue, acked.
        func receiveOnWorkQueue(logger: Logger) async throws -> AMQPDelivery {
            let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "dlq-tool-work"), queue: work.name, logger: logger)
            do {
                let delivery = try await withTimeout(.seconds(10), "the replayed message on \(work.name)") {
                    for await delivery in consumer.deliveries {
                        try await delivery.ack()
                        return delivery
                    }
                    throw TimedOut(what: "the replayed message")
                }
                await consumer.stop()
                return delivery
            } catch {
                await consumer.stop()
                throw error
            }
        }

        /// Deletes nothing (quorum queues of unique names stay empty); closes the publisher.
        func close() async { await publisher.close() }
    }

    @Test("a message a DeliveryWorker dead-lettered is listed, shown with its reason, replayed to its origin, and the DLQ is empty")
    func workerDeadLetterRoundTrip() async throws {
        let fixture = try await Fixture(logger: logger)
        let body = Array(#"{"id":"evt-1","data":{"reporter":{"phone":"+989121234567","email":"someone@example.org"}}}"#.utf8)
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "dlq-tool-worker"), queue: fixture.work.name, logger: logger)
        let worker = DeliveryWorker(consumer: consumer, publisher: fixture.publisher, logger: logger) { _ in
            throw DeliveryRejection(code: "test-poison", reason: "the test refuses it")
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await worker.run() }
            try await fixture.publisher.publish(OutgoingMessage(
                exchange: Open137Topology.eventsExchange, routingKey: fixture.routingKey, body: body, messageID: "poison-1",
                type: "report.test", headers: ["traceparent": .string("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]))
            try await fixture.waitForDLQ(1)
            // The worker would take the replayed message again: stop it before replaying.
            group.cancelAll()
            try await group.waitForAll()
        }

        let depths = try await fixture.tool.depths()
        #expect(depths.map { $0.messages } == [1])
        #expect(DLQCommand.List.table(depths).contains(fixture.work.deadLetterQueue))

        let shown = try await fixture.tool.show(fixture.work.deadLetterQueue, limit: 10)
        let message = try #require(shown.first)
        #expect(shown.count == 1)
        #expect(message.messageID == "poison-1")
        #expect(message.reasonCode == "test-poison")
        #expect(message.reason == "the test refuses it")
        #expect(message.origin == DeadLetterOrigin(exchange: Open137Topology.eventsExchange, routingKey: fixture.routingKey))
        // Without --body nothing of the body is printed; with it, the contact is masked.
        let text = DLQCommand.Show.text(shown, body: false)
        #expect(text.contains("test-poison") && !text.contains("989121234567") && !text.contains("evt-1"))
        let withBody = DLQCommand.Show.text(shown, body: true)
        #expect(withBody.contains("evt-1") && !withBody.contains("989121234567") && !withBody.contains("someone@example.org"))
        // show gave it back.
        try await fixture.waitForDLQ(1)

        let outcome = try await fixture.tool.replay(fixture.work.deadLetterQueue)
        #expect(outcome.replayed.map { $0.messageID } == ["poison-1"])
        #expect(outcome.unknownOrigin.isEmpty && outcome.failed.isEmpty)
        let replayed = try await fixture.receiveOnWorkQueue(logger: logger)
        #expect(replayed.messageID == "poison-1")
        #expect(replayed.body == body)
        #expect(replayed.exchange == Open137Topology.eventsExchange && replayed.routingKey == fixture.routingKey)
        #expect(replayed.type == "report.test")
        #expect(replayed.headers["traceparent"]?.stringValue == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
        #expect(replayed.headers[AMQPDelivery.reasonCodeHeader] == nil)
        #expect(try await fixture.publisher.messageCount(of: fixture.work.deadLetterQueue) == 0)
        await fixture.close()
    }

    @Test("a message the broker dead-lettered is replayed by its x-death origin; one without an origin stays; purge removes one or all")
    func brokerDeadLetterUnknownOriginAndPurge() async throws {
        let fixture = try await Fixture(logger: logger)
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "dlq-tool-reject"), queue: fixture.work.name, logger: logger)
        try await fixture.publisher.publish(OutgoingMessage(exchange: Open137Topology.eventsExchange, routingKey: fixture.routingKey, body: [1, 2], messageID: "rejected-1"))
        let first = try await withTimeout(.seconds(10), "the message") {
            for await delivery in consumer.deliveries { return delivery }
            throw TimedOut(what: "the message")
        }
        try await first.reject()
        await consumer.stop()
        // Published straight to the dead-letter exchange: no header and no x-death names where it came from.
        for id in ["orphan-1", "orphan-2"] {
            try await fixture.publisher.publish(OutgoingMessage(exchange: Open137Topology.deadLetterExchange, routingKey: fixture.work.name, body: [3], messageID: id))
        }
        try await fixture.waitForDLQ(3)

        let outcome = try await fixture.tool.replay(fixture.work.deadLetterQueue)
        #expect(outcome.replayed.map { $0.messageID } == ["rejected-1"])
        #expect(Set(outcome.unknownOrigin.map { $0.messageID }) == ["orphan-1", "orphan-2"])
        let replayed = try await fixture.receiveOnWorkQueue(logger: logger)
        #expect(replayed.messageID == "rejected-1" && replayed.body == [1, 2])
        #expect(replayed.headers["x-death"] == nil)
        try await fixture.waitForDLQ(2)

        let one = try await fixture.tool.purge(fixture.work.deadLetterQueue, messageID: "orphan-2")
        #expect(one.map { $0.messageID } == ["orphan-2"])
        try await fixture.waitForDLQ(1)
        let rest = try await fixture.tool.purge(fixture.work.deadLetterQueue)
        #expect(rest.map { $0.messageID } == ["orphan-1"])
        try await fixture.waitForDLQ(0)

        await #expect(throws: DLQError.self) { _ = try await fixture.tool.show("no-such.dlq", limit: 1) }
        await fixture.close()
    }

    @Test("the origin comes from the worker's headers, then its retry headers, then x-death; never the dead-letter, retry or default exchange")
    func originResolution() {
        let exchanges = DeadLetterQueue.replayExchanges
        let events = Open137Topology.eventsExchange
        // Older dead letters recorded the dead-letter exchange as their origin: passed over for x-death.
        let old: [String: AMQPFieldValue] = [
            AMQPDelivery.originalExchangeHeader: .string(Open137Topology.deadLetterExchange),
            AMQPDelivery.originalRoutingKeyHeader: .string("report.received"),
            "x-death": .array([.table(["queue": .string("q"), "reason": .string("rejected"), "exchange": .string(events), "routing-keys": .array([.string("report.received")])])]),
        ]
        #expect(DeadLetterOrigin.resolve(headers: old, exchanges: exchanges) == DeadLetterOrigin(exchange: events, routingKey: "report.received"))
        // A retry copy arrives through the default exchange: the worker's retry headers name the origin.
        let retried: [String: AMQPFieldValue] = [
            AMQPDelivery.originalExchangeHeader: .string(""), AMQPDelivery.originalRoutingKeyHeader: .string("classifier.reports"),
            DeliveryWorker.exchangeHeader: .string(events), DeliveryWorker.routingKeyHeader: .string("report.received"),
        ]
        #expect(DeadLetterOrigin.resolve(headers: retried, exchanges: exchanges) == DeadLetterOrigin(exchange: events, routingKey: "report.received"))
        #expect(DeadLetterOrigin.resolve(headers: [DeliveryWorker.routingKeyHeader: .string("report.received")], exchanges: exchanges) == nil)
        #expect(DeadLetterOrigin.resolve(headers: [:], exchanges: exchanges) == nil)
        #expect(DeadLetterQueue.all.map(\.name).contains("intake.rejected"))
        #expect(DeadLetterQueue.all.count == Open137Topology.workQueues.count + 1)
    }

    @Test("the binary refuses an unknown queue with the valid names, and purge without --yes, with exit 2 and a JSON error")
    func binaryRefusals() throws {
        let unknown = try open137(["dlq", "show", "no-such.dlq"])
        #expect(unknown.status == 2)
        #expect(unknown.output.contains(#""code":"unknown-queue""#))
        #expect(unknown.output.contains("router.reports.dlq") && unknown.output.contains("intake.rejected"))
        let purge = try open137(["dlq", "purge", "router.reports.dlq"])
        #expect(purge.status == 2)
        #expect(purge.output.contains(#""code":"confirmation-required""#))
        let list = try open137(["dlq", "list", "--json"])
        #expect(list.status == 0)
        #expect(list.output.contains(#""queue":"classifier.reports.dlq""#))
    }

    /// Runs the built `open137` with `arguments` and `AMQP_URL` of the test stack.
    private func open137(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runOpen137(arguments, environment: ["AMQP_URL": try TestEnvironment.amqpURL(), "LOG_LEVEL": "error"])
    }
}
