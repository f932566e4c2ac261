import Foundation
import Logging
import PostgresNIO

/// Applies versioned SQL migrations to a service's schema, each exactly once, safely when N replicas start
/// at the same time.
///
/// Two tracks go into every schema, each numbered on its own: first the persistence library's own
/// (`outbox` and `inbox`, see ``Migration/persistenceTrack()``), then the service's. Every migration runs in
/// its own transaction that first takes `pg_advisory_xact_lock(137, hashtext(schema))`, re-reads
/// `public.open137_migrations` under that lock and only then runs the SQL (with `search_path` set to the
/// schema) and records it, so concurrent migrators serialise per schema and each file applies once. A file
/// whose text changed after it was applied is a `checksumMismatch`; a failing file rolls back alone and
/// stops the run with `migrationFailed`.
public struct Migrator: Sendable {
    /// The `component` recorded for the persistence library's own migrations.
    public static let persistenceComponent = "persistence"
    /// The `component` recorded for a service's migrations.
    public static let serviceComponent = "service"

    private static let lockClass: Int32 = 137
    private static let bootstrapLockClass: Int32 = 138

    private let client: PostgresClient
    private let logger: Logger

    /// A migrator over `client`, which must be running (`client.run()` in a task or a `ServiceGroup`).
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Applies the persistence track and then the migrations a target ships in its resource folder: the one
    /// call a service makes at start, `try await Migrator(client:logger:).migrate(schema: "intake", bundle: .module)`.
    @discardableResult
    public func migrate(schema: String, bundle: Bundle, subdirectory: String = "Migrations") async throws -> MigrationReport {
        try await migrate(schema: schema, migrations: Migration.load(bundle: bundle, subdirectory: subdirectory))
    }

    /// Creates `schema` when missing, then applies the persistence track and `migrations` (in version
    /// order) that are not yet recorded for it.
    ///
    /// - Throws: `PersistenceError` with `invalidIdentifier`, `invalidMigration`, `checksumMismatch`,
    ///   `migrationFailed` or `databaseUnavailable`.
    @discardableResult
    public func migrate(schema: String, migrations: [Migration]) async throws -> MigrationReport {
        let schemaName = try SQLIdentifier(schema)
        let tracks = [
            (Self.persistenceComponent, try Migration.persistenceTrack()),
            (Self.serviceComponent, try Migration.sorted(migrations)),
        ]
        try await bootstrap()
        var report = MigrationReport(schema: schema, applied: [], alreadyApplied: 0)
        for (component, track) in tracks {
            let recorded = try await recordedChecksums(schema: schemaName, component: component)
            for migration in track {
                if let checksum = recorded[migration.version] {
                    try Self.verify(checksum, of: migration, schema: schemaName, component: component)
                    report.alreadyApplied += 1
                } else if try await apply(migration, schema: schemaName, component: component) {
                    report.applied.append("\(component)/\(migration)")
                } else {
                    report.alreadyApplied += 1
                }
            }
            let known = Set(track.map(\.version))
            let unknown = recorded.keys.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty {
                logger.warning("schema has migrations this build does not know (a newer release ran?)", metadata: [
                    "schema": "\(schema)", "component": "\(component)", "versions": "\(unknown)",
                ])
            }
        }
        logger.info("migrations up to date", metadata: [
            "schema": "\(schema)", "applied": "\(report.applied.count)", "already_applied": "\(report.alreadyApplied)",
        ])
        return report
    }

    /// What `public.open137_migrations` records for `schema`, both tracks, in order.
    public func appliedMigrations(schema: String) async throws -> [AppliedMigration] {
        let schemaName = try SQLIdentifier(schema)
        try await bootstrap()
        do {
            let rows = try await client.query(
                """
                SELECT component, version, name, checksum, applied_at FROM public.open137_migrations
                WHERE schema_name = \(schemaName.name)
                ORDER BY component = \(Self.persistenceComponent) DESC, component, version
                """,
                logger: logger
            )
            var result: [AppliedMigration] = []
            for try await (component, version, name, checksum, appliedAt) in rows.decode((String, Int32, String, String, Date).self) {
                result.append(AppliedMigration(schema: schema, component: component, version: Int(version), name: name, checksum: checksum, appliedAt: appliedAt))
            }
            return result
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "reading applied migrations")
        }
    }

    /// Creates the record table once, under a database-wide advisory lock because `CREATE TABLE IF NOT
    /// EXISTS` is not safe against a concurrent twin.
    func bootstrap() async throws {
        do {
            let rows = try await client.query("SELECT to_regclass('public.open137_migrations') IS NOT NULL", logger: logger)
            var exists = false
            for try await value in rows.decode(Bool.self) { exists = value }
            if exists { return }
            try await client.inTransaction(logger: logger, "creating public.open137_migrations") { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.bootstrapLockClass), 0)", logger: logger)
                try await connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS public.open137_migrations (
                        schema_name  text        NOT NULL,
                        component    text        NOT NULL,
                        version      integer     NOT NULL,
                        name         text        NOT NULL,
                        checksum     text        NOT NULL,
                        applied_at   timestamptz NOT NULL DEFAULT now(),
                        execution_ms integer     NOT NULL,
                        PRIMARY KEY (schema_name, component, version)
                    )
                    """,
                    logger: logger
                )
            }
        } catch {
            throw PersistenceError.mapping(error, to: .migrationFailed, "creating public.open137_migrations")
        }
    }

    private func recordedChecksums(schema: SQLIdentifier, component: String) async throws -> [Int: String] {
        do {
            let rows = try await client.query(
                """
                SELECT version, checksum FROM public.open137_migrations
                WHERE schema_name = \(schema.name) AND component = \(component)
                """,
                logger: logger
            )
            var result: [Int: String] = [:]
            for try await (version, checksum) in rows.decode((Int32, String).self) { result[Int(version)] = checksum }
            return result
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "reading applied migrations of \(schema)")
        }
    }

    /// Applies one migration in its own transaction under the schema's advisory lock; false when another
    /// migrator applied it while this one waited for the lock.
    private func apply(_ migration: Migration, schema: SQLIdentifier, component: String) async throws -> Bool {
        let label = "\(schema)/\(component)/\(migration)"
        let clock = ContinuousClock()
        let start = clock.now
        let applied: Bool
        do {
            applied = try await client.inTransaction(logger: logger, "applying \(label)") { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.lockClass), hashtext(\(schema.name)))", logger: logger)
                let rows = try await connection.query(
                    """
                    SELECT checksum FROM public.open137_migrations
                    WHERE schema_name = \(schema.name) AND component = \(component) AND version = \(Int32(migration.version))
                    """,
                    logger: logger
                )
                var recorded: String?
                for try await checksum in rows.decode(String.self) { recorded = checksum }
                if let recorded {
                    try Self.verify(recorded, of: migration, schema: schema, component: component)
                    return false
                }
                try await Self.becomeSchemaOwner(schema, on: connection, logger: logger)
                try await connection.query("SET LOCAL search_path TO \(unescaped: schema.quoted)", logger: logger)
                for (index, statement) in SQLScript.statements(in: migration.sql).enumerated() {
                    do {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    } catch {
                        throw PersistenceError.mapping(error, to: .migrationFailed, "\(label), statement \(index + 1)")
                    }
                }
                let milliseconds = Int32(clamping: (clock.now - start).milliseconds)
                try await connection.query(
                    """
                    INSERT INTO public.open137_migrations (schema_name, component, version, name, checksum, execution_ms)
                    VALUES (\(schema.name), \(component), \(Int32(migration.version)), \(migration.name), \(migration.checksum), \(milliseconds))
                    """,
                    logger: logger
                )
                return true
            }
        } catch {
            throw PersistenceError.mapping(error, to: .migrationFailed, "applying \(label)")
        }
        if applied {
            logger.info("applied migration", metadata: [
                "schema": "\(schema)", "component": "\(component)", "migration": "\(migration)",
                "duration": "\(clock.now - start)",
            ])
        }
        return applied
    }

    /// Creates the schema when it is missing; otherwise, when the connecting role is not the schema's owner
    /// but may act as it (the administrator running `open137 migrate` after `open137 services provision`),
    /// runs the rest of the transaction as the owner, so every object a migration creates belongs to the
    /// service's own role and the service can migrate its schema later without the administrator. The
    /// existence check comes first because `CREATE SCHEMA IF NOT EXISTS` needs the database's CREATE
    /// privilege even when the schema exists, and a service's role has none.
    private static func becomeSchemaOwner(_ schema: SQLIdentifier, on connection: PostgresConnection, logger: Logger) async throws {
        // format('%I') quotes the owner's name on the server: it comes from the catalog, not from us.
        let rows = try await connection.query(
            """
            SELECT n.nspowner <> r.oid AND pg_has_role(n.nspowner, 'MEMBER'), format('SET LOCAL ROLE %I', pg_get_userbyid(n.nspowner))
            FROM pg_namespace n, pg_roles r WHERE n.nspname = \(schema.name) AND r.rolname = current_user
            """,
            logger: logger
        )
        var owner: (switchRole: Bool, statement: String)?
        for try await (switchRole, statement) in rows.decode((Bool, String).self) { owner = (switchRole, statement) }
        guard let owner else {
            try await connection.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: schema.quoted)", logger: logger)
            return
        }
        if owner.switchRole {
            try await connection.query(PostgresQuery(unsafeSQL: owner.statement), logger: logger)
        }
    }

    private static func verify(_ recorded: String, of migration: Migration, schema: SQLIdentifier, component: String) throws(PersistenceError) {
        guard recorded == migration.checksum else {
            throw PersistenceError(
                .checksumMismatch,
                "migration \(component)/\(migration) of schema \(schema) was changed after it was applied (recorded sha256 \(recorded.prefix(12))…, file \(migration.checksum.prefix(12))…); add a new migration instead of editing an applied one"
            )
        }
    }
}
