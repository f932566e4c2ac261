import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle
import Testing
import TestSupport

@Suite("Retention", .timeLimit(.minutes(3)))
struct RetentionServiceTests {
    let logger = TestEnvironment.logger("retention-tests")
    static let day: Duration = .seconds(86_400)

    /// Adds `count` inbox records processed `age` ago, named `<prefix>-<n>`.
    func addInboxRecords(_ count: Int, prefix: String, age: String, schema: String, client: PostgresClient) async throws {
        try await client.query(
            """
            INSERT INTO \(unescaped: schema).inbox (consumer, event_id, processed_at)
            SELECT 'c', \(prefix) || '-' || g, now() - \(age)::interval FROM generate_series(1, \(Int64(count))) AS g
            """,
            logger: logger
        )
    }

    func count(_ schema: String, _ condition: String = "true", client: PostgresClient) async throws -> Int {
        try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).inbox WHERE \(unescaped: condition)", client: client)
    }

    /// A fast timer for tests: no pause before the first run, short periods and deadlines.
    func fast(interval: Duration = .milliseconds(200), deadline: Duration = .seconds(10)) -> RetentionService.Configuration {
        RetentionService.Configuration(interval: interval, firstRunAfter: .zero, batchSize: 5_000, deadline: deadline)
    }

    /// Runs `service` in a group until `body` returns, then shuts it down gracefully; returns how long the
    /// shutdown took.
    func running(_ service: RetentionService, _ body: () async throws -> Void) async throws -> Duration {
        let group = ServiceGroup(services: [service], gracefulShutdownSignals: [], cancellationSignals: [], logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await withTimeout(.seconds(60), "the retention service to stop") { try await group.run() } }
            do {
                try await body()
            } catch {
                tasks.cancelAll()
                throw error
            }
            let clock = ContinuousClock()
            let start = clock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return clock.now - start
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    func eventually(_ what: String, seconds: Int = 20, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
    }

    @Test("records older than the window go in batches of at most the batch size; newer ones stay")
    func purgeInBatches() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("ret_batches", client: client) { schema in
                let inbox = try Inbox(schema: schema)
                try await addInboxRecords(12_000, prefix: "old", age: "8 days", schema: schema, client: client)
                try await addInboxRecords(300, prefix: "new", age: "1 hour", schema: schema, client: client)
                // One statement deletes one batch: 5,000, 5,000, then the last 2,000.
                var batches: [Int] = []
                for _ in 0..<4 {
                    batches.append(try await inbox.expiringRows.deleteBatch(olderThan: Self.day * 7, limit: 5_000, client: client, logger: logger))
                }
                #expect(batches == [5_000, 5_000, 2_000, 0])
                #expect(try await count(schema, client: client) == 300)

                // Inbox.purge runs the batches to the end.
                try await addInboxRecords(12_000, prefix: "older", age: "30 days", schema: schema, client: client)
                #expect(try await inbox.purge(olderThan: Self.day * 7, batchSize: 5_000, client: client, logger: logger) == 12_000)
                #expect(try await count(schema, client: client) == 300)
                #expect(try await count(schema, "event_id LIKE 'new-%'", client: client) == 300)
            }
        }
    }

    @Test("the purge's delete finds expired records through the processed_at index, not a scan of the table")
    func purgeUsesTheIndex() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("ret_plan", client: client) { schema in
                try await addInboxRecords(2_000, prefix: "old", age: "8 days", schema: schema, client: client)
                try await addInboxRecords(200_000, prefix: "new", age: "1 hour", schema: schema, client: client)
                try await client.query("ANALYZE \(unescaped: schema).inbox", logger: logger)
                // The same statement as ExpiringRows.deleteBatch, with the window as a literal.
                let rows = try await client.query(
                    """
                    EXPLAIN DELETE FROM \(unescaped: schema).inbox
                    WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM \(unescaped: schema).inbox
                        WHERE processed_at < now() - 604800000::float8 * interval '1 millisecond'
                        LIMIT 5000 FOR UPDATE SKIP LOCKED))
                    """,
                    logger: logger
                )
                var plan: [String] = []
                for try await line in rows.decode(String.self) { plan.append(line) }
                let text = plan.joined(separator: "\n")
                #expect(text.contains("inbox_processed_at_idx"), "\(text)")
                #expect(text.contains("Tid Scan"), "\(text)")
                #expect(!text.contains("Seq Scan"), "\(text)")
            }
        }
    }

    @Test("the service deletes on its timer, again at each period, and stops at once on graceful shutdown")
    func deletesOnTimer() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("ret_timer", client: client) { schema in
                let inbox = try Inbox(schema: schema)
                try await addInboxRecords(12_000, prefix: "old", age: "8 days", schema: schema, client: client)
                try await addInboxRecords(10, prefix: "new", age: "1 minute", schema: schema, client: client)
                let service = RetentionService(client: client, rules: [.inbox(inbox, window: Self.day * 7)], configuration: fast(), logger: logger)
                let shutdown = try await running(service) {
                    try await eventually("the first run") { try await count(schema, client: client) == 10 }
                    // Rows that expire later go at a later period.
                    try await addInboxRecords(7_000, prefix: "later", age: "9 days", schema: schema, client: client)
                    try await eventually("a later run") { try await count(schema, client: client) == 10 }
                }
                #expect(try await count(schema, "event_id LIKE 'new-%'", client: client) == 10)
                #expect(shutdown < .seconds(2), "graceful shutdown took \(shutdown)")
            }
        }
    }

    @Test("graceful shutdown ends the wait for the next period at once")
    func stopsPromptly() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("ret_stop", client: client) { schema in
                let inbox = try Inbox(schema: schema)
                try await addInboxRecords(5, prefix: "old", age: "8 days", schema: schema, client: client)
                let service = RetentionService(client: client, rules: [.inbox(inbox, window: Self.day)], configuration: fast(interval: .seconds(3_600)), logger: logger)
                let shutdown = try await running(service) {
                    try await eventually("the first run") { try await count(schema, client: client) == 0 }
                }
                #expect(shutdown < .seconds(2), "graceful shutdown took \(shutdown)")
            }
        }
    }

    @Test("a database that cannot be reached fails the run within the deadline, the service goes on and still stops promptly")
    func closedPortIsSurvived() async throws {
        let database = try TestDatabase.configuration()
        let configuration = PostgresClient.Configuration(
            host: "127.0.0.1", port: try freePort(), username: database.username, password: nil, database: database.database, tls: .disable
        )
        let deadClient = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let clientTask = Task { await deadClient.run() }
        defer { clientTask.cancel() }
        let inbox = try Inbox(schema: "ret_unreachable")
        let service = RetentionService(
            client: deadClient, rules: [.inbox(inbox, window: Self.day)],
            configuration: fast(interval: .milliseconds(100), deadline: .milliseconds(500)), logger: logger
        )
        let clock = ContinuousClock()
        let start = clock.now
        let run = await service.runOnce()
        #expect(clock.now - start < .seconds(5))
        #expect(run.failures["ret_unreachable.inbox"] != nil)
        #expect(run.totalDeleted == 0)
        // Running, it fails period after period without ending; a shutdown still stops it promptly.
        let shutdown = try await running(service) { try await Task.sleep(for: .seconds(2)) }
        #expect(shutdown < .seconds(2), "graceful shutdown took \(shutdown)")
        clientTask.cancel()
        await clientTask.value
    }

    @Test("after an outage (the service's role may not log in) the next period purges")
    func outageThenRecovery() async throws {
        try await TestDatabase.withClient { admin in
            try await TestDatabase.withSchema("ret_outage", client: admin) { schema in
                let role = TestEnvironment.uniqueName("t_ret_role")
                // A password: the test stack lets only postgres in without one (scram-sha-256 for every other role).
                let password = "retention-\(UInt64.random(in: 0...UInt64.max))"
                try await admin.query("CREATE ROLE \(unescaped: role) NOLOGIN PASSWORD '\(unescaped: password)'", logger: logger)
                do {
                    try await purgeAfterOutage(role: role, password: password, schema: schema, admin: admin)
                } catch {
                    try? await dropRole(role, admin: admin)
                    throw error
                }
                try await dropRole(role, admin: admin)
            }
        }
    }

    /// The outage test's body, as `role` (which may not log in yet) over `schema`.
    func purgeAfterOutage(role: String, password: String, schema: String, admin: PostgresClient) async throws {
        try await admin.query("GRANT USAGE ON SCHEMA \(unescaped: schema) TO \(unescaped: role)", logger: logger)
        try await admin.query("GRANT SELECT, UPDATE, DELETE ON \(unescaped: schema).inbox TO \(unescaped: role)", logger: logger)
        try await addInboxRecords(6_000, prefix: "old", age: "8 days", schema: schema, client: admin)

        var configuration = try TestDatabase.configuration()
        configuration.username = role
        configuration.password = password
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let clientTask = Task { await client.run() }
        let inbox = try Inbox(schema: schema)
        let service = RetentionService(
            client: client, rules: [.inbox(inbox, window: Self.day)],
            configuration: fast(interval: .milliseconds(300), deadline: .milliseconds(700)), logger: logger
        )
        let failed = await service.runOnce()
        #expect(failed.failures["\(schema).inbox"] != nil)
        #expect(try await count(schema, client: admin) == 6_000)

        do {
            _ = try await running(service) {
                try await Task.sleep(for: .seconds(1))
                // The database is back for this role: a later period purges.
                try await admin.query("ALTER ROLE \(unescaped: role) LOGIN", logger: logger)
                try await eventually("a run after the outage", seconds: 30) { try await count(schema, client: admin) == 0 }
            }
        } catch {
            clientTask.cancel()
            await clientTask.value
            throw error
        }
        clientTask.cancel()
        await clientTask.value
    }

    /// Drops the outage test's role once its sessions are gone.
    func dropRole(_ role: String, admin: PostgresClient) async throws {
        try await admin.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = \(role)", logger: logger)
        try await admin.query("DROP OWNED BY \(unescaped: role)", logger: logger)
        try await admin.query("DROP ROLE \(unescaped: role)", logger: logger)
    }
}
