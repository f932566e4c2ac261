import Contracts
import Foundation
import Persistence
import PostgresNIO
import Testing
import TestSupport

@Suite("Inbox", .timeLimit(.minutes(2)))
struct InboxTests {
    let logger = TestEnvironment.logger("inbox-tests")

    /// Creates `<schema>.effects`, the table the tests' effects write to.
    func createEffects(_ schema: String, client: PostgresClient) async throws {
        try await client.query("CREATE TABLE \(unescaped: schema).effects (id bigserial PRIMARY KEY, event_id text NOT NULL)", logger: logger)
    }

    /// How many rows the effects wrote.
    /// `handleOnce` whose effect is one row in `effects`.
    func handleWithEffect(_ inbox: Inbox, _ eventID: String, consumer: String, schema: String, client: PostgresClient) async throws -> InboxOutcome {
        try await inbox.handleOnce(client: client, eventID: eventID, consumer: consumer, logger: logger) { connection in
            try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(eventID))", logger: logger)
        }
    }

    func effects(_ schema: String, client: PostgresClient) async throws -> Int {
        try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).effects", client: client)
    }

    @Test("the same event processed twice has its effect once")
    func duplicateHasEffectOnce() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("inbox_dup", client: client) { schema in
                try await createEffects(schema, client: client)
                let inbox = try Inbox(schema: schema)
                let eventID = testEvent(1).id
                var outcomes: [InboxOutcome] = []
                for _ in 0..<2 {
                    outcomes.append(try await handleWithEffect(inbox, eventID, consumer: "router", schema: schema, client: client))
                }
                #expect(outcomes == [.processed, .duplicate])
                #expect(try await effects(schema, client: client) == 1)
                // Another consumer in the same schema sees the event once too.
                let other = try await handleWithEffect(inbox, eventID, consumer: "notifier", schema: schema, client: client)
                #expect(other == .processed)
                #expect(try await effects(schema, client: client) == 2)
            }
        }
    }

    @Test("an effect that throws rolls the inbox record back, so a redelivery processes the event")
    func throwingEffectRollsBack() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("inbox_throw", client: client) { schema in
                try await createEffects(schema, client: client)
                let inbox = try Inbox(schema: schema)
                let eventID = testEvent(2).id
                // The effect's own error comes back unchanged, for the consumer to classify.
                await #expect(throws: Abort.self) {
                    try await inbox.handleOnce(client: client, eventID: eventID, consumer: "router", logger: logger) { connection in
                        try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(eventID))", logger: logger)
                        throw Abort()
                    }
                }
                #expect(try await effects(schema, client: client) == 0)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).inbox", client: client) == 0)

                let redelivered = try await handleWithEffect(inbox, eventID, consumer: "router", schema: schema, client: client)
                #expect(redelivered == .processed)
                #expect(try await effects(schema, client: client) == 1)
            }
        }
    }

    @Test("concurrent deliveries of one event have one effect")
    func concurrentDeliveries() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("inbox_race", client: client) { schema in
                try await createEffects(schema, client: client)
                let inbox = try Inbox(schema: schema)
                let eventID = testEvent(3).id
                let outcomes = try await withThrowingTaskGroup(of: InboxOutcome.self, returning: [InboxOutcome].self) { group in
                    for _ in 0..<5 {
                        group.addTask {
                            try await inbox.handleOnce(client: client, eventID: eventID, consumer: "router", logger: logger) { connection in
                                try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(eventID))", logger: logger)
                                try await connection.query("SELECT pg_sleep(0.1)", logger: logger)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 == .processed }.count == 1)
                #expect(outcomes.filter { $0 == .duplicate }.count == 4)
                #expect(try await effects(schema, client: client) == 1)
            }
        }
    }

    @Test("a consumer records the event, applies its effect and enqueues its own event in one transaction")
    func inboxAndOutboxTogether() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("inbox_outbox", client: client) { schema in
                try await createEffects(schema, client: client)
                let inbox = try Inbox(schema: schema)
                let outbox = try Outbox(schema: schema)
                let incoming = testEvent(4)
                for _ in 0..<2 {
                    _ = try await client.withTransaction(logger: logger) { connection in
                        guard try await inbox.process(eventID: incoming.id, consumer: "classifier", on: connection, logger: logger) else { return }
                        try await connection.query("INSERT INTO \(unescaped: schema).effects (event_id) VALUES (\(incoming.id))", logger: logger)
                        let outgoing = CloudEvent(id: "classified-\(incoming.id)", source: "/open137/classifier", type: "report.classified",
                                                  subject: incoming.subject, data: .object([:]))
                        try await outbox.enqueue(outgoing, exchange: "open137.events", on: connection, logger: logger)
                    }
                }
                #expect(try await effects(schema, client: client) == 1)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox", client: client) == 1)
            }
        }
    }

    @Test("records past the retention are purged")
    func purge() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("inbox_purge", client: client) { schema in
                let inbox = try Inbox(schema: schema)
                for id in ["old", "new"] {
                    _ = try await inbox.handleOnce(client: client, eventID: id, consumer: "c", logger: logger) { _ in }
                }
                try await client.query("UPDATE \(unescaped: schema).inbox SET processed_at = now() - interval '2 days' WHERE event_id = 'old'", logger: logger)
                #expect(try await inbox.purge(olderThan: .seconds(86_400), client: client, logger: logger) == 1)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).inbox", client: client) == 1)
            }
        }
    }
}
