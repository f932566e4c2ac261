import BrokerTopology
import Foundation
import Logging
import Messaging
import ServiceHosting
import Stages
import Testing
import TestSupport

/// How a `DeliveryWorker` settles what its handler did, against the test broker: a handler's own
/// `AMQPError` is retried and its delivery settled (not taken for a failed ack), and failures while the
/// dependency probe reports an outage do not spend the retry budget. Each test has its own work queue,
/// `.dlq` and a `.retry` queue with a short TTL (the topology's waits 5 s), so retries come back quickly.
@Suite("DeliveryWorker: settlement and the retry budget", .timeLimit(.minutes(2)))
struct DeliveryWorkerSettlementTests {
    let logger = TestEnvironment.logger("delivery-worker-tests")

    /// What a handler failing for a test throws: a transient failure, not a rejection.
    private struct TransientFailure: Error {}

    /// The attempts header of every delivery the handler saw, in order, by message id.
    private actor Calls {
        private(set) var seen: [(messageID: String, attempts: Int64?)] = []
        func record(_ delivery: AMQPDelivery) -> Int {
            seen.append((delivery.messageID ?? "-", delivery.headers[DeliveryWorker.attemptsHeader]?.intValue))
            return seen.filter { $0.messageID == delivery.messageID }.count
        }
        func attempts(of messageID: String) -> [Int64?] { seen.filter { $0.messageID == messageID }.map(\.attempts) }
    }

    /// What the probe answers; the test flips it.
    private actor Health {
        var healthy: Bool
        init(_ healthy: Bool) { self.healthy = healthy }
        func set(_ healthy: Bool) { self.healthy = healthy }
    }

    /// A unique work queue with its `.dlq` and a `.retry` queue that waits 100 ms, and a publisher declaring them.
    private struct Fixture {
        let work: WorkQueue
        let publisher: AMQPPublisher

        init(logger: Logger) async throws {
            let work = WorkQueue(name: TestEnvironment.uniqueName("worker.work"), owner: .router, sources: [])
            var topology = Topology(exchanges: Open137Topology.exchanges).merging(work.topology)
            topology.queues = topology.queues.map { queue in
                guard queue.name == work.retryQueue else { return queue }
                var short = queue
                short.arguments["x-message-ttl"] = .int(100)
                return short
            }
            self.work = work
            publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "worker-tests"), topology: topology, logger: logger)
            try await publisher.waitUntilConnected()
        }

        /// Publishes straight to the work queue.
        func send(_ messageID: String, headers: [String: AMQPFieldValue] = [:]) async throws {
            try await publisher.publish(OutgoingMessage(exchange: "", routingKey: work.name, body: Array(messageID.utf8), messageID: messageID, headers: headers))
        }

        /// Runs a worker over the work queue (prefetch 1, one at a time) while `body` runs, then stops it.
        func withWorker(
            maxAttempts: Int = 120,
            dependencyProbe: (@Sendable () async -> Bool)? = nil,
            logger: Logger,
            handler: @escaping @Sendable (AMQPDelivery) async throws -> Void,
            _ body: @escaping @Sendable () async throws -> Void
        ) async throws {
            let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "worker-tests-consumer"), queue: work.name, prefetch: 1, logger: logger)
            let worker = DeliveryWorker(consumer: consumer, publisher: publisher, concurrency: 1, maxAttempts: maxAttempts,
                                        dependencyProbe: dependencyProbe, logger: logger, handler: handler)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await worker.run() }
                try await body()
                group.cancelAll()
                try await group.waitForAll()
            }
        }

        /// Waits until `condition` holds.
        func waitFor(_ what: String, _ condition: @escaping @Sendable () async throws -> Bool) async throws {
            try await withTimeout(.seconds(20), what) {
                while !(try await condition()) { try await Task.sleep(for: .milliseconds(50)) }
            }
        }

        /// The one dead letter in the DLQ, acked.
        func takeDeadLetter() async throws -> AMQPDelivery {
            let dead = try #require(try await publisher.get(from: work.deadLetterQueue))
            try await dead.ack()
            return dead
        }
    }

    @Test("a handler that throws AMQPError is retried, and its delivery is settled rather than left unacked")
    func handlerAMQPErrorIsRetried() async throws {
        let fixture = try await Fixture(logger: logger)
        let calls = Calls()
        try await fixture.withWorker(logger: logger, handler: { delivery in
            // The first try fails as intake's reply publish does while the broker is blocked.
            if await calls.record(delivery) == 1, delivery.messageID == "first" {
                throw AMQPError(.publishTimedOut, "no confirm before the deadline")
            }
        }) {
            try await fixture.send("first")
            try await fixture.send("second")
            // With prefetch 1, "second" arrives only once "first" was settled.
            try await fixture.waitFor("both messages handled, the first one retried") {
                let first = await calls.attempts(of: "first"), second = await calls.attempts(of: "second")
                return first.count == 2 && second.count == 1
            }
            #expect(await calls.attempts(of: "first") == [nil, 1])
            #expect(try await fixture.publisher.messageCount(of: fixture.work.deadLetterQueue) == 0)
            try await fixture.waitFor("no message unacked on \(fixture.work.name) (management API)") {
                try await ManagementQueueStats.settled(fixture.work.name, acks: 3)
            }
        }
        await fixture.publisher.close()
    }

    @Test("failures while the probe reports an outage never spend the retry budget; once healthy, the budget runs out as before")
    func outageKeepsTheBudget() async throws {
        let fixture = try await Fixture(logger: logger)
        let calls = Calls()
        let health = Health(false)
        let maxAttempts = 3
        try await fixture.withWorker(maxAttempts: maxAttempts, dependencyProbe: { await health.healthy }, logger: logger, handler: { delivery in
            _ = await calls.record(delivery)
            throw TransientFailure()
        }) {
            // One failure short of the budget: counted, the next would dead-letter it.
            try await fixture.send("outage", headers: [DeliveryWorker.attemptsHeader: .int(Int64(maxAttempts - 1))])
            try await fixture.waitFor("\(3 * maxAttempts) failures during the outage") {
                await calls.attempts(of: "outage").count >= 3 * maxAttempts
            }
            #expect(await calls.attempts(of: "outage").allSatisfy { $0 == Int64(maxAttempts - 1) })
            #expect(try await fixture.publisher.messageCount(of: fixture.work.deadLetterQueue) == 0)

            await health.set(true)
            try await fixture.waitFor("the message dead-lettered once healthy") {
                try await fixture.publisher.messageCount(of: fixture.work.deadLetterQueue) == 1
            }
            let dead = try await fixture.takeDeadLetter()
            #expect(dead.messageID == "outage")
            #expect(dead.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "retries-exhausted")
        }
        await fixture.publisher.close()
    }

    @Test("with a healthy probe a message failing every time is dead-lettered after maxAttempts")
    func healthyProbeSpendsTheBudget() async throws {
        let fixture = try await Fixture(logger: logger)
        let calls = Calls()
        let maxAttempts = 3
        try await fixture.withWorker(maxAttempts: maxAttempts, dependencyProbe: { true }, logger: logger, handler: { delivery in
            _ = await calls.record(delivery)
            throw TransientFailure()
        }) {
            try await fixture.send("poison")
            try await fixture.waitFor("the poison dead-lettered") {
                try await fixture.publisher.messageCount(of: fixture.work.deadLetterQueue) == 1
            }
            let dead = try await fixture.takeDeadLetter()
            #expect(dead.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "retries-exhausted")
            #expect(await calls.attempts(of: "poison") == [nil, 1, 2])
        }
        await fixture.publisher.close()
    }
}
