import Foundation
import Messaging
import ServiceLifecycle
import TestSupport
import Testing

/// Every service starts for real against the test broker and database: it migrates its schema,
/// declares its queues, reports ready, serves metrics, and shuts down gracefully.
@Suite("The five services start, become ready and stop", .timeLimit(.minutes(3)))
struct ServiceSkeletonTests {
    @Test("the service migrates, declares its queues, reports ready and stops gracefully", arguments: ServiceUnderTest.all)
    func serviceStartsAndStops(_ service: ServiceUnderTest) async throws {
        let opsPort = try freePort()
        let environment = [
            "AMQP_URL": try TestEnvironment.amqpURL(),
            "DATABASE_URL": try TestEnvironment.databaseURL(),
            "OPS_PORT": String(opsPort),
            "OPEN137_API_KEY": "test-key-0123456789abcdef",
            "OPEN137_REOPEN_KEY": TestEnvironment.reopenKey,
            "OPEN137_COUNCIL_KEY": "test-council-key-0123456789",
        ]
        let group = try service.build(environment)
        let running = Task { try await group.run() }
        defer { running.cancel() }

        let ready = try await withTimeout(.seconds(60), "\(service.name) to report ready") {
            while true {
                if let (status, body) = try? await httpGet("http://127.0.0.1:\(opsPort)/ready"), status == 200 {
                    return body
                }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        #expect(ready.contains("broker"))
        #expect(ready.contains("database"))
        #expect(ready.contains("migrations"))
        let health = try await httpGet("http://127.0.0.1:\(opsPort)/health")
        #expect(health.status == 200)
        let metrics = try await httpGet("http://127.0.0.1:\(opsPort)/metrics")
        #expect(metrics.status == 200)

        // What it owns exists on the broker: a consumer of each of its queues can subscribe.
        for queue in service.ownedQueues {
            let probe = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "probe"), queue: queue, prefetch: 1, logger: TestEnvironment.logger("probe"))
            try await probe.waitUntilConnected(timeout: .seconds(5))
            await probe.stop()
        }

        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "\(service.name) to shut down") {
            try await running.value
        }
        await #expect(throws: (any Error).self) { _ = try await httpGet("http://127.0.0.1:\(opsPort)/health") }
    }

    @Test("an unreachable broker keeps the service up but not ready, and says why")
    func notReadyWithoutBroker() async throws {
        let opsPort = try freePort()
        let environment = [
            "AMQP_URL": "amqp://guest:guest@127.0.0.1:\(try freePort())/",
            "DATABASE_URL": try TestEnvironment.databaseURL(),
            "OPS_PORT": String(opsPort),
        ]
        let classifier = try #require(ServiceUnderTest.all.first { $0.name == "classifier" })
        let group = try classifier.build(environment)
        let running = Task { try await group.run() }
        defer { running.cancel() }
        let health = try await withTimeout(.seconds(30), "the ops server") {
            while true {
                if let response = try? await httpGet("http://127.0.0.1:\(opsPort)/health") { return response }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(health.status == 200)
        let ready = try await httpGet("http://127.0.0.1:\(opsPort)/ready")
        #expect(ready.status == 503)
        #expect(ready.body.contains("broker"))
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "shutdown") { try await running.value }
    }
}
