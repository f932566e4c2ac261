import Foundation
@testable import Messaging
import TestSupport
import Testing

/// Failover between the nodes of a three-node RabbitMQ cluster: `AMQP_URL` names all three, and the node a
/// publisher is connected to is killed under it. Only `infra/local/cluster.sh` runs it
/// (`OPEN137_CLUSTER_TESTS=1`, against the cluster it started): `make test` has a single node.
@Suite("Cluster failover: a publisher and a consumer move to another node", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["OPEN137_CLUSTER_TESTS"] == "1"))
struct ClusterFailoverTests {
    let logger = TestEnvironment.logger("cluster-tests")

    @Test("SIGKILL of the publisher's node: it goes on on another node, every publish confirmed, nothing confirmed lost")
    func publisherFailsOver() async throws {
        let exchange = TestEnvironment.uniqueName("x_failover")
        let queue = TestEnvironment.uniqueName("q_failover")
        let topology = Topology(
            exchanges: [ExchangeDefinition(name: exchange, kind: .topic)],
            queues: [QueueDefinition(name: queue, arguments: ["x-queue-type": .string("quorum")])],
            bindings: [BindingDefinition(exchange: exchange, queue: queue, routingKey: "#")])
        let publisherConfiguration = try TestEnvironment.amqpConfiguration(name: "failover-publisher")
        try #require(publisherConfiguration.endpoints.count == 3, "AMQP_URL must name the cluster's three nodes")
        // The node the publisher starts on (the rotation's choice by name; all three are up, so it connects there).
        let publisherNode = EndpointRotation.start(for: publisherConfiguration.connectionName, count: 3) + 1
        // The consumer on another node, so it keeps its connection while the publisher's node goes.
        var consumerName = "failover-consumer"
        var suffix = 0
        while EndpointRotation.start(for: consumerName, count: 3) + 1 == publisherNode {
            suffix += 1
            consumerName = "failover-consumer-\(suffix)"
        }
        let publisher = AMQPPublisher(configuration: publisherConfiguration, topology: topology, publishTimeout: .seconds(60), logger: logger)
        try await publisher.waitUntilConnected()
        #expect(publisher.connections == 1)
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: consumerName), queue: queue, topology: topology, logger: logger)
        try await consumer.waitUntilConnected()

        let record = FaultPublishing()
        let publishing = Task { await record.publishBatches(publisher, exchange: exchange, batches: 40) }
        try await Task.sleep(for: .milliseconds(800))
        let killedAt = ContinuousClock.now
        try TestEnvironment.cluster("node-kill", "\(publisherNode)")
        await publishing.value
        let publishedIn = killedAt.duration(to: .now)

        // The publisher moved to another node and resent what its node had not confirmed.
        #expect(record.failed.withLock { $0.isEmpty }, "publishes failed: \(record.failed.withLock { $0.prefix(3) })")
        let expected = record.confirmed.withLock { $0 }
        #expect(expected.count == 2_000)
        #expect(publisher.connections >= 2)
        #expect(publisher.isConnected)

        let received = try await FaultPublishing.receive(from: consumer, untilAllOf: expected)
        #expect(received.isSuperset(of: expected))
        logger.info("failover test: publishing went on after the node was killed", metadata: [
            "node": "\(publisherNode)", "confirmed": "\(expected.count)", "seconds_after_kill": "\(publishedIn)",
            "publisher_connections": "\(publisher.connections)", "consumer_connections": "\(consumer.connections)",
        ])
        await consumer.stop()
        await publisher.close()
        // The cluster whole again for whatever runs next: the node rejoins with its data.
        try TestEnvironment.cluster("node-start", "\(publisherNode)")
    }
}
