import Contracts
import Foundation
import Messaging
import Persistence
import PostgresNIO
import Testing
import TestSupport

/// A business error that aborts a transaction.
struct Abort: Error {}

/// A test event about report `n`.
func testEvent(_ n: Int, type: String = "report.received") -> CloudEvent {
    CloudEvent(source: "/open137/test", type: type, subject: "report-\(n)", data: .object(["n": .number(Double(n))]),
               correlationID: "corr-\(n)", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
}

@Suite("Outbox", .timeLimit(.minutes(2)))
struct OutboxTests {
    let logger = TestEnvironment.logger("outbox-tests")

    @Test("a rolled-back business transaction leaves no outbox row; a committed one leaves exactly one")
    func transactional() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("outbox_tx", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                try await client.query("CREATE TABLE \(unescaped: schema).reports (id text PRIMARY KEY)", logger: logger)

                let rolledBack = testEvent(1)
                await #expect(throws: (any Error).self) {
                    try await client.withTransaction(logger: logger) { connection in
                        try await connection.query("INSERT INTO \(unescaped: schema).reports VALUES ('r1')", logger: logger)
                        try await outbox.enqueue(rolledBack, exchange: "open137.events", on: connection, logger: logger)
                        throw Abort()
                    }
                }
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox", client: client) == 0)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).reports", client: client) == 0)

                let committed = testEvent(2)
                let inserted = try await client.withTransaction(logger: logger) { connection in
                    try await connection.query("INSERT INTO \(unescaped: schema).reports VALUES ('r2')", logger: logger)
                    return try await outbox.enqueue(committed, exchange: "open137.events", on: connection, logger: logger)
                }
                #expect(inserted)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox", client: client) == 1)
                let rows = try await client.query(
                    "SELECT event_id, exchange, routing_key, body, sent_at IS NULL, attempts FROM \(unescaped: schema).outbox", logger: logger)
                for try await (eventID, exchange, routingKey, body, unsent, attempts) in rows.decode((String, String, String, ByteBuffer, Bool, Int32).self) {
                    #expect(eventID == committed.id)
                    #expect(exchange == "open137.events")
                    #expect(routingKey == "report.received")
                    #expect(try CloudEvent.decode(Array(body.readableBytesView)) == committed)
                    #expect(unsent)
                    #expect(attempts == 0)
                }
            }
        }
    }

    @Test("enqueueing the same event to the same destination twice keeps one row; another destination adds one")
    func idempotentPerDestination() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("outbox_dup", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                let event = testEvent(3)
                let results = try await client.withTransaction(logger: logger) { connection in
                    [
                        try await outbox.enqueue(event, exchange: "open137.events", on: connection, logger: logger),
                        try await outbox.enqueue(event, exchange: "open137.events", on: connection, logger: logger),
                        try await outbox.enqueue(event, exchange: "open137.units", routingKey: "parks.d06", on: connection, logger: logger),
                    ]
                }
                #expect(results == [true, false, true])
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).outbox", client: client) == 2)
            }
        }
    }

    @Test("a commit notifies the schema's channel")
    func notifiesOnCommit() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("outbox_notify", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                let (listening, listeningContinuation) = AsyncStream.makeStream(of: Void.self)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        defer { listeningContinuation.finish() }
                        try await withTimeout(.seconds(10), "a notification on \(outbox.notificationChannel)") {
                            try await client.withConnection { connection in
                                try await connection.listen(on: outbox.notificationChannel) { notifications in
                                    listeningContinuation.yield()
                                    for try await _ in notifications { return }
                                }
                            }
                        }
                    }
                    for await _ in listening { break }
                    try await TestDatabase.waitForListener(on: outbox.notificationChannel, client: client)
                    _ = try await client.withTransaction(logger: logger) { connection in
                        try await outbox.enqueue(testEvent(4), exchange: "open137.events", on: connection, logger: logger)
                    }
                    try await group.waitForAll()
                }
            }
        }
    }

    @Test("every property of the message and its headers survives the round trip through the table")
    func messageRoundTrip() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("outbox_props", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                let message = OutgoingMessage(
                    exchange: "open137.units", routingKey: "parks.d06", body: Array("not json \u{0}\u{1}".utf8),
                    messageID: "m-1", contentType: "text/plain", correlationID: "c-1", replyTo: "replies", type: "t",
                    headers: ["s": .string("x"), "i": .int(-42), "b": .bool(true), "d": .double(2.5)],
                    mandatory: false, persistent: false
                )
                _ = try await client.withTransaction(logger: logger) { connection in
                    try await outbox.enqueue(message, on: connection, logger: logger)
                }
                let publisher = RecordingPublisher(.fail(AMQPError(.nacked, "test refuses")))
                let relay = OutboxRelay(client: client, outbox: outbox, publisher: publisher, logger: logger)
                try await relay.relayBatch()
                let seen = try #require(await publisher.attemptedMessages.first)
                #expect(seen.exchange == message.exchange)
                #expect(seen.routingKey == message.routingKey)
                #expect(seen.body == message.body)
                #expect(seen.messageID == message.messageID)
                #expect(seen.contentType == message.contentType)
                #expect(seen.correlationID == message.correlationID)
                #expect(seen.replyTo == message.replyTo)
                #expect(seen.type == message.type)
                #expect(seen.headers == message.headers)
                #expect(seen.mandatory == false)
                #expect(seen.persistent == false)
            }
        }
    }

    @Test("headers the table cannot hold are refused")
    func unsupportedHeader() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("outbox_hdr", client: client) { schema in
                let outbox = try Outbox(schema: schema)
                let message = OutgoingMessage(exchange: "x", routingKey: "k", body: [], headers: ["t": .table([:])])
                let error = await #expect(throws: PersistenceError.self) {
                    try await client.withConnection { connection in
                        try await outbox.enqueue(message, on: connection, logger: logger)
                    }
                }
                #expect(error?.code == .encodingFailed)
            }
        }
    }
}
