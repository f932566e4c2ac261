import Foundation
import Persistence
import PostgresNIO
import Testing
import TestSupport

@Suite("Migrator", .timeLimit(.minutes(2)))
struct MigratorTests {
    let logger = TestEnvironment.logger("migrator-tests")

    static let service = [
        Migration(version: 1, name: "create_reports", sql: """
            -- a comment; with a semicolon
            CREATE TABLE reports (id bigint PRIMARY KEY, note text NOT NULL DEFAULT 'a;b');
            INSERT INTO reports (id) VALUES (1);
            """),
        Migration(version: 2, name: "add_function", sql: """
            CREATE FUNCTION report_count() RETURNS bigint LANGUAGE sql SET search_path FROM CURRENT AS $$ SELECT count(*) FROM reports; $$;
            CREATE TABLE applied_twice_guard (n integer);
            INSERT INTO applied_twice_guard VALUES (1);
            """),
    ]

    @Test("applies each migration once, in its schema, and records it")
    func appliesOnceAndRecords() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("mig_once", client: client, migrate: false) { schema in
                let migrator = Migrator(client: client, logger: logger)
                let first = try await migrator.migrate(schema: schema, migrations: Self.service)
                #expect(first.applied == ["persistence/0001_outbox_inbox", "service/0001_create_reports", "service/0002_add_function"])
                #expect(first.alreadyApplied == 0)

                let second = try await migrator.migrate(schema: schema, migrations: Self.service)
                #expect(second.applied.isEmpty)
                #expect(second.alreadyApplied == 3)

                let recorded = try await migrator.appliedMigrations(schema: schema)
                #expect(recorded.map { "\($0.component)/\($0.version)/\($0.name)" } == [
                    "persistence/1/outbox_inbox", "service/1/create_reports", "service/2/add_function",
                ])
                #expect(recorded[1].checksum == Self.service[0].checksum)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).reports", client: client) == 1)
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).applied_twice_guard", client: client) == 1)
                #expect(try await TestDatabase.scalar("SELECT \(unescaped: schema).report_count()", client: client) == 1)
                // The persistence track put the outbox and inbox into this schema, not elsewhere.
                #expect(try await TestDatabase.scalar(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = \(schema) AND tablename IN ('outbox', 'inbox')", client: client) == 2)
                // A later migration is applied alone.
                let third = Migration(version: 3, name: "more", sql: "INSERT INTO reports (id) VALUES (2)")
                let later = try await migrator.migrate(schema: schema, migrations: Self.service + [third])
                #expect(later.applied == ["service/0003_more"])
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).reports", client: client) == 2)
            }
        }
    }

    @Test("N migrators starting at once apply each migration exactly once")
    func concurrentMigratorsApplyOnce() async throws {
        let slow = [
            Migration(version: 1, name: "counter", sql: "CREATE TABLE runs (n integer); INSERT INTO runs VALUES (1); SELECT pg_sleep(0.2)"),
            Migration(version: 2, name: "again", sql: "INSERT INTO runs VALUES (2); SELECT pg_sleep(0.1)"),
        ]
        try await TestDatabase.withClient { cleanupClient in
            try await TestDatabase.withSchema("mig_race", client: cleanupClient, migrate: false) { schema in
                // Four replicas, each with its own client (its own connections), start together.
                let reports = try await withThrowingTaskGroup(of: MigrationReport.self, returning: [MigrationReport].self) { group in
                    for replica in 0..<4 {
                        group.addTask {
                            try await TestDatabase.withClient { client in
                                try await Migrator(client: client, logger: TestEnvironment.logger("replica-\(replica)"))
                                    .migrate(schema: schema, migrations: slow)
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(reports.map(\.applied.count).reduce(0, +) == 3)
                #expect(reports.allSatisfy { $0.applied.count + $0.alreadyApplied == 3 })
                #expect(try await TestDatabase.scalar("SELECT count(*) FROM \(unescaped: schema).runs", client: cleanupClient) == 2)
                #expect(try await TestDatabase.scalar(
                    "SELECT count(*) FROM public.open137_migrations WHERE schema_name = \(schema)", client: cleanupClient) == 3)
            }
        }
    }

    @Test("an applied migration whose text changed is a checksum mismatch, and nothing after it runs")
    func changedChecksumFails() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("mig_sum", client: client, migrate: false) { schema in
                let migrator = Migrator(client: client, logger: logger)
                try await migrator.migrate(schema: schema, migrations: [Self.service[0]])
                let edited = Migration(version: 1, name: "create_reports", sql: Self.service[0].sql + "\n-- edited\n")
                let error = await #expect(throws: PersistenceError.self) {
                    try await migrator.migrate(schema: schema, migrations: [edited, Self.service[1]])
                }
                #expect(error?.code == .checksumMismatch)
                #expect(error?.message.contains("0001_create_reports") == true)
                #expect(try await TestDatabase.scalar(
                    "SELECT count(*) FROM public.open137_migrations WHERE schema_name = \(schema) AND component = 'service'", client: client) == 1)
            }
        }
    }

    @Test("a failing migration rolls back entirely, keeps the earlier ones, and can be fixed and re-run")
    func failingMigrationRollsBack() async throws {
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("mig_fail", client: client, migrate: false) { schema in
                let migrator = Migrator(client: client, logger: logger)
                let broken = Migration(version: 2, name: "broken", sql: "CREATE TABLE half (n integer); INSERT INTO no_such_table VALUES (1)")
                let error = await #expect(throws: PersistenceError.self) {
                    try await migrator.migrate(schema: schema, migrations: [Self.service[0], broken])
                }
                #expect(error?.code == .migrationFailed)
                #expect(error?.message.contains("42P01") == true)
                #expect(error?.message.contains("statement 2") == true)
                #expect(try await TestDatabase.scalar(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = \(schema) AND tablename = 'half'", client: client) == 0)
                let recorded = try await migrator.appliedMigrations(schema: schema).filter { $0.component == Migrator.serviceComponent }
                #expect(recorded.map(\.version) == [1])

                let fixed = Migration(version: 2, name: "broken", sql: "CREATE TABLE half (n integer)")
                let report = try await migrator.migrate(schema: schema, migrations: [Self.service[0], fixed])
                #expect(report.applied == ["service/0002_broken"])
            }
        }
    }

    @Test("each service's migrations folder applies to a fresh schema, twice without change", arguments: [
        "Services/Intake/IntakeService/Migrations",
        "Services/Classifier/ClassifierService/Migrations",
        "Services/Router/RouterService/Migrations",
        "Services/Notifier/NotifierService/Migrations",
        "Services/CouncilAudit/CouncilAuditService/Migrations",
    ])
    func serviceMigrationsApply(folder: String) async throws {
        let migrations = try Migration.load(from: URL(fileURLWithPath: try RepositoryFiles.path(folder)))
        #expect(migrations.first?.description == "0001_schema")
        try await TestDatabase.withClient { client in
            try await TestDatabase.withSchema("svc", client: client, migrate: false) { schema in
                let migrator = Migrator(client: client, logger: logger)
                let first = try await migrator.migrate(schema: schema, migrations: migrations)
                #expect(first.applied.count == migrations.count + 1)
                #expect(try await migrator.migrate(schema: schema, migrations: migrations).applied.isEmpty)
                // The files name no schema: the comment landed on the fresh one.
                #expect(try await TestDatabase.scalar(
                    "SELECT count(*) FROM pg_namespace WHERE nspname = \(schema) AND obj_description(oid, 'pg_namespace') LIKE 'Open137 %'",
                    client: client) == 1)
            }
        }
    }

    @Test("schema names that are not plain identifiers are refused before any SQL runs")
    func invalidSchemaName() async throws {
        try await TestDatabase.withClient { client in
            for bad in ["Intake", "intake; DROP TABLE x", "", "pg_catalog", "1abc", "a\"b", String(repeating: "a", count: 64)] {
                let error = await #expect(throws: PersistenceError.self) {
                    try await Migrator(client: client, logger: logger).migrate(schema: bad, migrations: [])
                }
                #expect(error?.code == .invalidIdentifier)
            }
        }
    }

    @Test("duplicate versions are refused")
    func duplicateVersions() async throws {
        try await TestDatabase.withClient { client in
            let error = await #expect(throws: PersistenceError.self) {
                try await Migrator(client: client, logger: logger).migrate(
                    schema: "t_never_created",
                    migrations: [Migration(version: 1, name: "a", sql: "SELECT 1"), Migration(version: 1, name: "b", sql: "SELECT 1")]
                )
            }
            #expect(error?.code == .invalidMigration)
        }
    }
}
