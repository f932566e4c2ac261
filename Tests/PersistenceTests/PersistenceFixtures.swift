import Foundation
import Logging
import Persistence
import PostgresNIO
import TestSupport

/// The test database (`DATABASE_URL`) and throw-away schemas in it, one per test, so runs never collide.
enum TestDatabase {
    /// A client configuration for `DATABASE_URL` with a small pool.
    static func configuration() throws -> PostgresClient.Configuration {
        let url = try TestEnvironment.databaseURL()
        guard let components = URLComponents(string: url), let host = components.host, let user = components.user else {
            throw TestDatabaseError(description: "DATABASE_URL is not a postgres://user@host:port/database URL")
        }
        var configuration = PostgresClient.Configuration(
            host: host,
            port: components.port ?? 5432,
            username: user,
            password: components.password,
            database: String(components.path.drop(while: { $0 == "/" })),
            tls: .disable
        )
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// Runs `body` with a running client, which is stopped only after `body` has finished — also when the
    /// caller is cancelled: the client runs outside the caller's cancellation, so a relay being cancelled can
    /// still end its LISTEN (UNLISTEN needs the client) instead of racing the client's own shutdown.
    static func withClient<T: Sendable>(_ body: (PostgresClient) async throws -> T) async throws -> T {
        let client = PostgresClient(configuration: try configuration(), backgroundLogger: TestEnvironment.logger("postgres"))
        let running = Task { await client.run() }
        do {
            let value = try await body(client)
            running.cancel()
            await running.value
            return value
        } catch {
            running.cancel()
            await running.value
            throw error
        }
    }

    /// Runs `body` with a fresh schema name (`t_<prefix>_<random>`), migrated with the persistence track
    /// (its outbox and inbox) unless `migrate` is false; drops the schema and its migration records after.
    static func withSchema<T: Sendable>(
        _ prefix: String,
        client: PostgresClient,
        migrate: Bool = true,
        _ body: (String) async throws -> T
    ) async throws -> T {
        let schema = TestEnvironment.uniqueName("t_\(prefix)")
        let logger = TestEnvironment.logger("persistence-tests")
        do {
            if migrate { try await Migrator(client: client, logger: logger).migrate(schema: schema, migrations: []) }
            let value = try await body(schema)
            try await drop(schema, client: client)
            return value
        } catch {
            try? await drop(schema, client: client)
            throw error
        }
    }

    /// Runs `body` with a client, a fresh migrated schema (``withSchema``) and that schema's outbox.
    static func withOutbox<T: Sendable>(_ prefix: String, _ body: (PostgresClient, String, Outbox) async throws -> T) async throws -> T {
        try await withClient { client in
            try await withSchema(prefix, client: client) { schema in
                try await body(client, schema, try Outbox(schema: schema))
            }
        }
    }

    /// Drops `schema` and forgets its migrations.
    static func drop(_ schema: String, client: PostgresClient) async throws {
        let logger = TestEnvironment.logger("persistence-tests")
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
        if try await scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'open137_migrations'", client: client) > 0 {
            try await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
        }
    }

    /// Waits until some session has `LISTEN`ed on `channel` (its last statement in `pg_stat_activity`).
    static func waitForListener(on channel: String, client: PostgresClient) async throws {
        let statement = "LISTEN \"\(channel)\";"
        for _ in 0..<200 {
            if try await scalar("SELECT count(*) FROM pg_stat_activity WHERE query = \(statement)", client: client) > 0 { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestDatabaseError(description: "nobody listens on \(channel)")
    }

    /// The single integer a query returns.
    static func scalar(_ query: PostgresQuery, client: PostgresClient) async throws -> Int {
        var result: Int?
        do {
            let rows = try await client.query(query, logger: TestEnvironment.logger("persistence-tests"))
            for try await value in rows.decode(Int64.self) { result = Int(value) }
        } catch {
            throw TestDatabaseError(description: String(reflecting: error))
        }
        guard let result else { throw TestDatabaseError(description: "query returned no row") }
        return result
    }
}

/// A fixture problem, named.
struct TestDatabaseError: Error, CustomStringConvertible {
    /// What went wrong.
    let description: String
}
