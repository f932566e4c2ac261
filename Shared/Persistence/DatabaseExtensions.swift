import Logging
import PostgresNIO

/// The PostgreSQL extensions the services' schemas need, created by the administrator: PostGIS (intake's
/// nearby search keeps report locations as `geography` with a GiST index). PostGIS is not a trusted
/// extension, so the services' own roles could not create it in their migrations; it goes in `public`,
/// which every role may use, so they need no grant to call its functions and types.
public enum DatabaseExtensions {
    /// Creates the extensions when missing. Run as a superuser, before the migrations (`open137 migrate`,
    /// `open137 services provision`; the local stack's `infra/local/postgres.sh` does it too).
    ///
    /// - Throws: `PersistenceError` with `migrationFailed` when the extension is not installed on the
    ///   server (Debian's `postgresql-15-postgis-3`, the `postgis/postgis` image) or the role may not create it.
    public static func ensure(client: PostgresClient, logger: Logger) async throws {
        do {
            // Looked up first, so that a run by a role that may not create extensions passes once it exists.
            let rows = try await client.query("SELECT count(*)::int FROM pg_extension WHERE extname = 'postgis'", logger: logger)
            var present = 0
            for try await count in rows.decode(Int.self) { present = count }
            if present > 0 { return }
            try await client.query("CREATE EXTENSION IF NOT EXISTS postgis WITH SCHEMA public", logger: logger)
        } catch {
            throw PersistenceError.mapping(error, to: .migrationFailed, "creating the PostGIS extension (is PostGIS installed on the server?)")
        }
    }
}
