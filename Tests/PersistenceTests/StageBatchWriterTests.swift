import Logging
import Messaging
import Persistence
import PostgresNIO
import Testing
import TestSupport

@Suite("A stage's batch writer", .timeLimit(.minutes(2)))
struct StageBatchWriterTests {
    let logger = TestEnvironment.logger("stage-batch-writer")

    struct Item: Sendable {
        var eventID: String
        var key: String
    }

    enum Outcome: Sendable, Equatable { case stored, alreadyStored, duplicate }

    struct Stopped: Error {}

    @Test("inbox, the stage's statement and the outbox in one transaction; headers kept; what committed is published at once from memory; redeliveries are duplicates")
    func storesAndDispatches() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("stage_batch", client: client) { schema in
                try await client.query("CREATE TABLE \(unescaped: schema).effects (key text PRIMARY KEY, event_id text NOT NULL)", logger: logger)
                let outbox = try Outbox(schema: schema)
                let inbox = try Inbox(schema: schema)
                let table = "\(schema).effects"
                let writer = StageBatchWriter<Item, Outcome>(
                    client: client, inbox: inbox, consumer: "test", outbox: outbox,
                    eventID: \.eventID, duplicate: .duplicate, stoppedError: { Stopped() }, logger: logger
                ) { items, connection, logger in
                    var stored = Set<String>()
                    let rows = try await connection.query(
                        """
                        INSERT INTO \(unescaped: table) (key, event_id)
                        SELECT DISTINCT ON (key) key, event_id FROM unnest(\(items.map(\.key))::text[], \(items.map(\.eventID))::text[]) AS i(key, event_id)
                        ON CONFLICT (key) DO NOTHING RETURNING event_id
                        """, logger: logger)
                    for try await eventID in rows.decode(String.self) { stored.insert(eventID) }
                    return items.map { item in
                        guard stored.contains(item.eventID) else { return .init(.alreadyStored) }
                        return .init(.stored, messages: [OutgoingMessage(
                            exchange: "open137.events", routingKey: "test.stored", body: Array(item.key.utf8), messageID: "\(item.eventID).out",
                            headers: ["traceparent": .string("00-\(String(repeating: "a", count: 32))-\(String(repeating: "b", count: 16))-01")]
                        )])
                    }
                }
                let publisher = RecordingPublisher()
                // No sweep after the first: only the hand-over in memory can publish the rows (they are leased).
                let relay = OutboxRelay(client: client, outbox: outbox, publisher: publisher, configuration: .init(pollInterval: .seconds(3600), deleteWhenSent: true), logger: logger)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await writer.run() }
                    group.addTask { try await relay.run() }
                    defer { group.cancelAll() }
                    // e1 twice at once (a redelivery beside its delivery), e2, and e3 for e2's key.
                    let items = [Item(eventID: "e1", key: "k1"), Item(eventID: "e1", key: "k1"), Item(eventID: "e2", key: "k2"), Item(eventID: "e3", key: "k2")]
                    let outcomes = try await withThrowingTaskGroup(of: (Int, Outcome).self) { stores in
                        for (index, item) in items.enumerated() { stores.addTask { (index, try await writer.store(item)) } }
                        var outcomes = [Outcome?](repeating: nil, count: items.count)
                        for try await (index, outcome) in stores { outcomes[index] = outcome }
                        return outcomes.compactMap { $0 }
                    }
                    #expect(outcomes[0] == .stored && outcomes[1] == .stored)
                    // e2 and e3 may share a batch or not; exactly one of them stores k2.
                    #expect(Set([outcomes[2], outcomes[3]]) == [.stored, .alreadyStored])
                    #expect(try await writer.store(items[0]) == .duplicate)

                    try await withTimeout(.seconds(10), "the hand-over to be published") {
                        while await publisher.confirmed.count < 2 { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    let published = await publisher.attemptedMessages
                    #expect(published.count == 2)
                    #expect(Set(published.map(\.messageID)).isSuperset(of: ["e1.out"]))
                    #expect(published.allSatisfy { $0.headers["traceparent"] != nil })
                    try await withTimeout(.seconds(10), "the settle") {
                        while try await outbox.backlog(client: client, logger: logger) > 0 { try await Task.sleep(for: .milliseconds(20)) }
                    }
                }
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).inbox", client: client) == 3)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).effects", client: client) == 2)
            }
        }
    }

    @Test("a statement that throws stores nothing: no inbox row, no effect, no outbox row, nothing handed over")
    func failureStoresNothing() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("stage_batch_fail", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                struct Refused: Error {}
                let writer = StageBatchWriter<Item, Outcome>(
                    client: client, inbox: try Inbox(schema: schema), consumer: "test", outbox: outbox,
                    eventID: \.eventID, duplicate: .duplicate, stoppedError: { Stopped() }, logger: logger
                ) { items, connection, _ in
                    _ = try await outbox.insert([OutgoingMessage(exchange: "x", routingKey: "y", body: [1], messageID: "m")], on: connection, logger: logger)
                    throw Refused()
                }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await writer.run() }
                    defer { group.cancelAll() }
                    await #expect(throws: Refused.self) { try await writer.store(Item(eventID: "e1", key: "k1")) }
                }
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).inbox", client: client) == 0)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox", client: client) == 0)
                #expect(outbox.dispatch.dropped == 0)
            }
        }
    }
}
