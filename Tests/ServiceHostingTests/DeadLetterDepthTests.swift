import BrokerTopology
import Logging
import Messaging
import ServiceHosting
import ServiceLifecycle
import Stages
import Testing
import TestSupport

/// `open137_dead_letters` on `/metrics`: a message a `DeliveryWorker` dead-lettered for real, in a work
/// queue of its own, shows in its `.dlq`'s gauge as the ops server renders it.
@Suite("DeadLetterDepth", .timeLimit(.minutes(1)))
struct DeadLetterDepthTests {
    let logger = TestEnvironment.logger("dead-letter-depth-tests")

    @Test("the stage's dead-letter queues are those bound to the dead-letter exchange")
    func queuesOfAStage() {
        #expect(DeadLetterDepth.queues(in: Open137Topology.topology(for: .intake)).sorted()
            == ["intake.events.dlq", "intake.rejected", "intake.submissions.dlq"])
        #expect(DeadLetterDepth.queues(in: Open137Topology.topology(for: .classifier)) == ["classifier.reports.dlq"])
    }

    @Test("a dead-lettered message shows as open137_dead_letters{queue=…} 1 on /metrics")
    func gaugeShowsADeadLetter() async throws {
        // The gauges report into the process registry, which must exist before they are made.
        let registry = MetricsBootstrap.bootstrap()
        let work = WorkQueue(name: TestEnvironment.uniqueName("depth.work"), owner: .router, sources: [])
        let topology = Topology(exchanges: Open137Topology.exchanges).merging(work.topology)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "depth-tests"), topology: topology, logger: logger)
        try await publisher.waitUntilConnected()
        let depth = DeadLetterDepth(publisher: publisher, queues: DeadLetterDepth.queues(in: topology), interval: .milliseconds(100), logger: logger)
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "depth-tests-consumer"), queue: work.name, logger: logger)
        let worker = DeliveryWorker(consumer: consumer, publisher: publisher, logger: logger) { _ in
            throw DeliveryRejection(code: "test-poison", reason: "the test refuses it")
        }
        let server = OpsServer(configuration: .init(host: "127.0.0.1", port: 0), registry: registry, logger: logger)
        let group = ServiceHost.makeGroup(opsServer: server, services: [depth, worker], logger: logger, gracefulShutdownSignals: [])
        let line = "\(DeadLetterDepth.metricName){queue=\"\(work.deadLetterQueue)\"}"
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await waitUntilListening(server)
            try await waitForGauge(port: port, line: line, value: 0)
            try await publisher.publish(OutgoingMessage(exchange: "", routingKey: work.name, body: [1], messageID: "poison-1"))
            try await waitForGauge(port: port, line: line, value: 1)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await publisher.close()
    }

    /// Polls `/metrics` until the sample `line` shows `value`.
    private func waitForGauge(port: Int, line: String, value: Double) async throws {
        try await withTimeout(.seconds(20), "\(line) at \(value)") {
            while true {
                let body = try await HTTPTestClient.request("GET", "/metrics", port: port).body
                let sample = body.split(separator: "\n").first { $0.hasPrefix(line + " ") }
                if let sample, Double(sample.dropFirst(line.count + 1)) == value { return }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
