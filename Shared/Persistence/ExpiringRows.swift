import Logging
import PostgresNIO

/// Rows of one table that expire on a timestamp column — `<schema>.inbox` on `processed_at`, intake's
/// `idempotency_keys` on `created_at` — and the one way to delete them: in bounded batches, each its own
/// short statement, so a purge never holds locks for long nor writes one huge transaction to the WAL.
///
/// The timestamp column needs an index (the inbox's `inbox_processed_at_idx`, intake's
/// `idempotency_keys_created_at_idx`): without one every batch reads the whole table.
public struct ExpiringRows: Sendable, CustomStringConvertible {
    /// The schema of the table.
    public let schema: String
    /// The table, unqualified.
    public let table: String
    /// The `timestamptz` column a row's age is measured from.
    public let timestampColumn: String
    private let qualifiedTable: String
    private let column: String

    /// Rows of `schema.table` aged by `timestampColumn`; all three must be plain lower-case identifiers.
    public init(schema: String, table: String, timestampColumn: String) throws(PersistenceError) {
        let schemaName = try SQLIdentifier(schema)
        let tableName = try SQLIdentifier(table)
        let columnName = try SQLIdentifier(timestampColumn)
        self.schema = schema
        self.table = table
        self.timestampColumn = timestampColumn
        qualifiedTable = schemaName.qualified(tableName.quoted)
        column = columnName.quoted
    }

    /// `schema.table`, for logs and metrics.
    public var description: String { "\(schema).\(table)" }

    /// Deletes at most `limit` rows older than `age` in one statement; returns how many it deleted (fewer
    /// than `limit`: none are left). Rows another purger holds are skipped (`SKIP LOCKED`), so replicas of
    /// a stage purging at once neither wait on each other nor delete a row twice.
    public func deleteBatch(olderThan age: Duration, limit: Int, client: PostgresClient, logger: Logger) async throws -> Int {
        do {
            // ctid = ANY(ARRAY(…)) is a TID scan of exactly the rows the indexed sub-select found (an IN
            // (SELECT …) can become a join over the whole table); the rows are never updated, so a ctid found
            // stays the row's.
            let rows = try await client.query(
                """
                WITH gone AS (
                    DELETE FROM \(unescaped: qualifiedTable)
                    WHERE ctid = ANY(ARRAY(
                        SELECT ctid FROM \(unescaped: qualifiedTable)
                        WHERE \(unescaped: column) < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                        LIMIT \(Int64(max(1, limit)))
                        FOR UPDATE SKIP LOCKED
                    ))
                    RETURNING 1
                )
                SELECT count(*) FROM gone
                """,
                logger: logger
            )
            var deleted: Int64 = 0
            for try await count in rows.decode(Int64.self) { deleted = count }
            return Int(deleted)
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "purging \(self)")
        }
    }

    /// Deletes every row older than `age`, `batchSize` per statement, until a batch comes back short or the
    /// task is cancelled; returns how many it deleted.
    public func delete(olderThan age: Duration, batchSize: Int, client: PostgresClient, logger: Logger) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let deleted = try await deleteBatch(olderThan: age, limit: batchSize, client: client, logger: logger)
            total += deleted
            if deleted < max(1, batchSize) { break }
        }
        return total
    }
}
