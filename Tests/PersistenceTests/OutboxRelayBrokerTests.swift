import BrokerTopology
import Contracts
import Foundation
import Messaging
import Persistence
import PostgresNIO
import Testing
import TestSupport

/// The outbox relay against the real broker: committed events arrive, each as a CloudEvent that matches
/// the AsyncAPI contract; a rolled-back one never does.
@Suite("Outbox relay to the real broker", .timeLimit(.minutes(2)))
struct OutboxRelayBrokerTests {
    let logger = TestEnvironment.logger("relay-broker-tests")

    @Test("committed events reach the broker once, match the AsyncAPI contract, and are marked sent; rolled-back ones never leave")
    func relayPublishesCommittedEvents() async throws {
        let exchange = TestEnvironment.uniqueName("x_relay")
        let queue = TestEnvironment.uniqueName("q_relay")
        let topology = Topology(
            exchanges: [ExchangeDefinition(name: exchange, kind: .topic)],
            queues: [QueueDefinition(name: queue, arguments: ["x-queue-type": .string("quorum")])],
            bindings: [BindingDefinition(exchange: exchange, queue: queue, routingKey: "report.#")]
        )
        let contract = try AsyncAPIDocument.loadContract()
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "relay"), topology: topology, logger: logger)
        try await publisher.waitUntilConnected()
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "relay-consumer"), queue: queue, topology: topology, logger: logger)
        try await consumer.waitUntilConnected()

        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("relay_broker", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                let committed = (0..<200).map { _ in Self.receivedEvent() }
                try await client.withTransaction(logger: logger) { connection in
                    for event in committed { try await outbox.enqueue(event, exchange: exchange, on: connection, logger: logger) }
                }
                struct Rollback: Error {}
                let rolledBack = Self.receivedEvent()
                await #expect(throws: (any Error).self) {
                    try await client.withTransaction(logger: logger) { connection in
                        try await outbox.enqueue(rolledBack, exchange: exchange, on: connection, logger: logger)
                        throw Rollback()
                    }
                }

                let relay = OutboxRelay(client: client, outbox: outbox, publisher: publisher, logger: logger)
                var published = 0
                while published < committed.count {
                    let report = try await relay.relayBatch()
                    #expect(report.failed == 0)
                    published += report.published
                    if report.claimed == 0 { break }
                }
                #expect(published == committed.count)
                #expect(try await outbox.backlog(client: client, logger: logger) == 0)

                let deliveries = try await withTimeout(.seconds(20), "the relayed events") {
                    var deliveries: [AMQPDelivery] = []
                    for await delivery in consumer.deliveries {
                        try await delivery.ack()
                        deliveries.append(delivery)
                        if deliveries.count == committed.count { break }
                    }
                    return deliveries
                }
                #expect(Set(deliveries.compactMap(\.messageID)) == Set(committed.map(\.id)))
                #expect(!deliveries.contains { $0.messageID == rolledBack.id })
                for delivery in deliveries {
                    #expect(delivery.routingKey == EventType.reportReceived)
                    let problems = contract.validate(eventBody: delivery.body)
                    #expect(problems.isEmpty, "\(problems)")
                    let event = try CloudEvent.decode(delivery.body)
                    #expect(event.type == EventType.reportReceived)
                }
                // Nothing more arrives: each committed event was published once, the rolled-back one never.
                await #expect(throws: TimedOut.self) {
                    try await withTimeout(.seconds(1), "an extra delivery") {
                        for await _ in consumer.deliveries { return }
                    }
                }
            }
        }
        await consumer.stop()
        await publisher.close()
    }

    static func receivedEvent() -> CloudEvent {
        let reportID = UUID().uuidString.lowercased()
        return CloudEvent(
            source: ServiceName.intake.eventSource,
            type: EventType.reportReceived,
            subject: reportID,
            data: SampleEventData.data(for: EventType.reportReceived, reportID: reportID),
            correlationID: reportID
        )
    }
}
