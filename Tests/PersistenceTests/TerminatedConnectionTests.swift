import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import Testing
import TestSupport

/// The relay stall `make chaos` saw: a statement sent on a pooled connection whose server process has gone
/// is never answered by postgres-nio (the closed channel drops it, and its promise with it), and a deadline
/// built on a task group waits for that statement. These tests end the server process of a leased
/// connection (`pg_terminate_backend`) and check that every database step of the relay returns on time.
@Suite("A connection whose server process was terminated", .timeLimit(.minutes(2)))
struct TerminatedConnectionTests {
    let logger = TestEnvironment.logger("terminated-connection")

    /// A client whose connections carry `application_name`, so a test ends its own server processes only.
    func withNamedClient<T: Sendable>(_ body: (PostgresClient, String) async throws -> T) async throws -> T {
        let name = TestEnvironment.uniqueName("terminated")
        var configuration = try TestDatabase.configuration()
        configuration.options.additionalStartupParameters = [("application_name", name)]
        // One connection: after the deadline closed the stuck one (still leased by the abandoned operation),
        // the pool must open a new one for the next request, or the client is dead.
        configuration.options.maximumConnections = 1
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        return try await body(client, name)
    }

    /// Ends every server process of the connections named `name` (from `other`, a different client).
    func terminate(_ name: String, from other: PostgresClient) async throws -> Int {
        let rows = try await other.query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \(name)", logger: logger
        )
        var count = 0
        for try await _ in rows { count += 1 }
        return count
    }

    @Test("the deadline returns on time from an operation that never returns and ignores cancellation")
    func deadlineReturnsFromAStuckOperation() async throws {
        let started = ContinuousClock.now
        await #expect(throws: PersistenceError.self) {
            try await DatabaseDeadline(timeout: .milliseconds(300)).run("a stuck operation") {
                // As postgres-nio's unanswered request: deaf to cancellation, never resumed.
                await withUnsafeContinuation { (_: UnsafeContinuation<Void, Never>) in }
            }
        }
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    @Test("a query on a terminated leased connection ends at the deadline with databaseUnavailable; after COMMIT was sent, outcomeUnknown")
    func terminatedTransaction() async throws {
        try await TestDatabase.withClient { other in
            try await withNamedClient { client, name in
                let deadline = DatabaseDeadline(timeout: .seconds(2))
                let started = ContinuousClock.now
                let error = await #expect(throws: PersistenceError.self) {
                    try await deadline.withTransaction("a statement after the termination", client: client, logger: logger) { connection in
                        #expect(try await terminate(name, from: other) >= 1)
                        try await Task.sleep(for: .milliseconds(200))
                        try await connection.query("SELECT 1", logger: logger)
                    }
                }
                #expect(error?.code == .databaseUnavailable)
                #expect(ContinuousClock.now - started < .seconds(10))

                // The pool replaced the closed connection: the same client works again.
                let one = try await deadline.withTransaction("after", client: client, logger: logger) { connection -> Int in
                    var one = 0
                    for try await value in try await connection.query("SELECT 1", logger: logger).decode(Int.self) { one = value }
                    return one
                }
                #expect(one == 1)

                // The process ends after the body: COMMIT goes to a closed channel, and whether the transaction
                // committed cannot be known from here.
                let unknown = await #expect(throws: PersistenceError.self) {
                    try await deadline.withTransaction("COMMIT after the termination", client: client, logger: logger) { connection in
                        try await connection.query("SELECT 1", logger: logger)
                        #expect(try await terminate(name, from: other) >= 1)
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
                #expect(unknown?.code == .outcomeUnknown)
            }
        }
    }

    @Test("the relay settles on a fresh connection when the database ends its connections while it publishes")
    func relaySurvivesTerminationDuringPublish() async throws {
        try await TestDatabase.withClient { other in
            try await TestDatabase.withSchema("relay_terminated", client: other) { schema in
                try await withNamedClient { client, name in
                    let outbox = try Outbox(schema: schema)
                    let events = (0..<5).map { testEvent($0) }
                    try await other.withTransaction(logger: logger) { connection in
                        for event in events { try await outbox.enqueue(event, exchange: "open137.events", on: connection, logger: logger) }
                    }
                    let publisher = RecordingPublisher()
                    let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
                    let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
                    await publisher.holdNextPublish(started: startedContinuation, release: release)
                    let configuration = OutboxRelay.Configuration(deadline: .seconds(3))
                    let relay = OutboxRelay(client: client, outbox: outbox, publisher: publisher, configuration: configuration, logger: logger)

                    async let batch = DatabaseDeadline(timeout: .seconds(20)).run("the relay's batch") { try await relay.relayBatch() }
                    for await _ in started { break }
                    // While the messages are with the broker, the database ends the relay client's connections
                    // (a restart, a failover). The old relay held one of them in its open transaction and
                    // waited for ever on the statement that settles the batch.
                    _ = try await terminate(name, from: other)
                    try await Task.sleep(for: .milliseconds(300))
                    releaseContinuation.yield()
                    let report = try await batch
                    #expect(report == .init(claimed: 5, published: 5, failed: 0))
                    #expect(try await outbox.backlog(client: other, logger: logger) == 0)
                    #expect(await publisher.confirmed == events.map(\.id))
                }
            }
        }
    }
}
