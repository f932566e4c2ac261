import Foundation
import Logging
import PostgresNIO

/// Gives a service its own PostgreSQL role: it logs in with a password, owns its schema (so its migrations
/// run as itself) and has no other rights — not superuser, no CREATEDB, CREATEROLE, REPLICATION or
/// BYPASSRLS, nothing on the other services' schemas, and in `public.open137_migrations` only its own
/// schema's rows (row-level security). Run as the administrator; idempotent: a second run sets the new
/// password, repairs the attributes and takes back whatever another role created in the schema (an
/// `open137 migrate` by an older release ran as the administrator and left its tables behind).
public struct ServiceRoleProvisioner: Sendable {
    /// The shortest password accepted: a service password is generated, never typed.
    public static let minimumPasswordLength = 16

    private let client: PostgresClient
    private let logger: Logger

    /// A provisioner over `client` (running), connected as a role that may create roles and schemas.
    public init(client: PostgresClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Creates or repairs `role` as the owner of `schema` with `password`, a member of `memberOf` (roles
    /// created `NOLOGIN` when missing, such as the council audit log's writer), and revokes `CREATE` on
    /// the `public` schema from everyone.
    ///
    /// - Throws: `PersistenceError` with `invalidIdentifier` (a name or the password is not of the accepted
    ///   form; the password is never quoted back) or `queryFailed` (SQLSTATE only: the statements carry the
    ///   password).
    ///
    /// Without a password the role is `NOLOGIN`: the owner of a schema several services share (the staff
    /// accounts), whose services are its members — the migrator runs as the owner for them.
    public func provision(role: String, schema: String, password: String?, memberOf: [String] = []) async throws {
        try await provision(role: role, schemas: [schema], password: password, memberOf: memberOf)
    }

    /// Creates or repairs `role` as the owner of every schema in `schemas` (the desk keeps one per unit),
    /// otherwise as ``provision(role:schema:password:memberOf:)``.
    public func provision(role: String, schemas: [String], password: String?, memberOf: [String] = []) async throws {
        let roleName = try SQLIdentifier(role)
        let schemaNames = try schemas.map { try SQLIdentifier($0) }
        guard !schemaNames.isEmpty else { throw PersistenceError(.invalidIdentifier, "role \(role) needs at least one schema") }
        let schema = schemas.joined(separator: ", ")
        let groups = try memberOf.map { try SQLIdentifier($0) }
        let login = try password.map { "LOGIN PASSWORD \(try Self.passwordLiteral($0))" } ?? "NOLOGIN"
        try await Migrator(client: client, logger: logger).bootstrap()
        do {
            try await client.inTransaction(logger: logger, "provisioning role \(role)") { connection in
                // Roles are cluster-wide: two provisioners at once would race on CREATE ROLE.
                try await connection.query("SELECT pg_advisory_xact_lock(138, 1)", logger: logger)
                for group in groups where !(try await exists(role: group, on: connection)) {
                    try await connection.query("CREATE ROLE \(unescaped: group.quoted) NOLOGIN", logger: logger)
                }
                if !(try await exists(role: roleName, on: connection)) {
                    try await connection.query("CREATE ROLE \(unescaped: roleName.quoted)", logger: logger)
                }
                try await connection.query(PostgresQuery(unsafeSQL: """
                    ALTER ROLE \(roleName.quoted) WITH NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS \(login)
                    """), logger: logger)
                for group in groups {
                    try await connection.query("GRANT \(unescaped: group.quoted) TO \(unescaped: roleName.quoted)", logger: logger)
                }
                for schemaName in schemaNames {
                    try await takeOwnership(of: schemaName, for: roleName, on: connection)
                }
                try await connection.query("GRANT SELECT, INSERT ON public.open137_migrations TO \(unescaped: roleName.quoted)", logger: logger)
                try await connection.query("ALTER TABLE public.open137_migrations ENABLE ROW LEVEL SECURITY", logger: logger)
                try await connection.query("DROP POLICY IF EXISTS \(unescaped: roleName.quoted) ON public.open137_migrations", logger: logger)
                // The schema names are checked identifiers ([a-z0-9_]), so they are safe as literals here.
                let owned = schemaNames.map { "'\($0.name)'" }.joined(separator: ", ")
                try await connection.query("""
                    CREATE POLICY \(unescaped: roleName.quoted) ON public.open137_migrations TO \(unescaped: roleName.quoted)
                    USING (schema_name IN (\(unescaped: owned))) WITH CHECK (schema_name IN (\(unescaped: owned)))
                    """, logger: logger)
                try await connection.query("REVOKE CREATE ON SCHEMA public FROM PUBLIC", logger: logger)
            }
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "provisioning role \(role) for schema \(schema)")
        }
        logger.info("service role provisioned", metadata: ["role": "\(role)", "schema": "\(schema)"])
    }

    /// The password as a SQL string literal. Passwords cannot be bound in `ALTER ROLE`, so only
    /// URL-safe base64 characters are accepted (what `open137 services provision` generates): nothing
    /// to escape, and the password fits a URL as it is.
    static func passwordLiteral(_ password: String) throws(PersistenceError) -> String {
        let valid = password.utf8.count >= minimumPasswordLength && password.utf8.count <= 256
            && password.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
        guard valid else {
            throw PersistenceError(.invalidIdentifier, "a service password must be \(minimumPasswordLength)–256 characters of A–Z, a–z, 0–9, '-' and '_'")
        }
        return "'\(password)'"
    }

    private func exists(role: SQLIdentifier, on connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT count(*) FROM pg_roles WHERE rolname = \(role.name)", logger: logger)
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        return count > 0
    }

    /// Makes `role` the owner of `schema` (created when missing) and of every table, view, sequence, routine
    /// and type in it. Tables take their indexes and owned sequences with them; the statements are written
    /// by the server (`format('%I')`), since the objects' names come from the catalog.
    private func takeOwnership(of schema: SQLIdentifier, for role: SQLIdentifier, on connection: PostgresConnection) async throws {
        let rows = try await connection.query("SELECT count(*) FROM pg_namespace WHERE nspname = \(schema.name)", logger: logger)
        var count = 0
        for try await value in rows.decode(Int.self) { count = value }
        if count == 0 {
            try await connection.query("CREATE SCHEMA \(unescaped: schema.quoted) AUTHORIZATION \(unescaped: role.quoted)", logger: logger)
            return
        }
        try await connection.query("ALTER SCHEMA \(unescaped: schema.quoted) OWNER TO \(unescaped: role.quoted)", logger: logger)
        let statements = try await connection.query(
            """
            SELECT format('ALTER %s %I.%I OWNER TO %I',
                          CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                         WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                          n.nspname, c.relname, \(role.name)::text)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = \(schema.name) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
              AND pg_get_userbyid(c.relowner) <> \(role.name)
              AND NOT (c.relkind = 'S' AND EXISTS (
                  SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
            UNION ALL
            SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, \(role.name)::text)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = \(schema.name) AND pg_get_userbyid(p.proowner) <> \(role.name)
            UNION ALL
            SELECT format('ALTER TYPE %I.%I OWNER TO %I', n.nspname, t.typname, \(role.name)::text)
            FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = \(schema.name) AND t.typtype IN ('e', 'd', 'r') AND pg_get_userbyid(t.typowner) <> \(role.name)
            """,
            logger: logger
        )
        var pending: [String] = []
        for try await statement in statements.decode(String.self) { pending.append(statement) }
        for statement in pending {
            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
        }
    }
}
