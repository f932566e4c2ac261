import Contracts
import CouncilAuditService
import Foundation
import JSON
import Logging
import Persistence
import PostgresNIO
import ServiceHosting
import Stages
import Taxonomy
import TestSupport

/// council-audit's store over a throw-away schema of the test database, migrated with the service's own migrations.
struct AuditFixture: Sendable {
    let client: PostgresClient
    let schema: String
    let log: AuditLog
    let logger: Logger

    /// Runs `body` over a fresh, migrated schema; drops the schema after.
    static func with<T: Sendable>(_ body: @Sendable (AuditFixture) async throws -> T) async throws -> T {
        let schema = TestEnvironment.uniqueName("t_audit")
        let logger = TestEnvironment.logger("council-audit-tests")
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw FixtureError(description: "DATABASE_URL is not usable") }
        var configuration = StageRuntime.clientConfiguration(url.clientConfiguration, schema: schema)
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: CouncilAuditStage.migrationsBundle)
            let fixture = AuditFixture(client: client, schema: schema, log: AuditLog(client: client, logger: logger), logger: logger)
            do {
                let value = try await body(fixture)
                try? await fixture.drop()
                return value
            } catch {
                try? await fixture.drop()
                throw error
            }
        }
    }

    func drop() async throws {
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
        try await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
    }

    /// The single integer a query returns.
    func scalar(_ query: PostgresQuery) async throws -> Int {
        for try await value in try await client.query(query, logger: logger).decode(Int64.self) { return Int(value) }
        throw FixtureError(description: "the query returned no row")
    }

    /// Appends events (as the consumer would receive them) one batch.
    @discardableResult
    func append(_ events: [CloudEvent]) async throws -> [AppendOutcome] {
        try await log.append(events.map { try AuditRecord.make(body: try $0.encoded(), messageID: $0.id, routingKey: $0.type) })
    }

    /// An event of `type` about `reportID` at `time` with `data`.
    static func event(_ type: String, _ reportID: String, _ data: [String: JSONValue], at time: String) -> CloudEvent {
        var event = CloudEvent(source: "/open137/test", type: type, subject: reportID, data: .object(data))
        event.time = time
        return event
    }
}

/// A fixture that could not be set up.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}
