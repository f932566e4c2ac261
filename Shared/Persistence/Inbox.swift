import Logging
import PostgresNIO

/// The inbox of one schema: which events each consumer has applied, in `<schema>.inbox`, written in the
/// same transaction as the effect so an event redelivered by the broker has its effect once.
///
/// ```swift
/// let outcome = try await inbox.handleOnce(client: client, eventID: event.id, consumer: "router", logger: logger) { connection in
///     // the effect: writes, and outbox events, on `connection`
/// }
/// try await delivery.ack()   // after the commit, whether .processed or .duplicate
/// ```
///
/// Rows are keyed by (consumer, event id), so several consumers in one schema each see an event once. A
/// concurrent redelivery of an event still being processed waits on the first transaction's row lock and
/// then sees it as a duplicate (or, if that transaction rolled back, processes it).
public struct Inbox: Sendable {
    /// The schema whose `inbox` table this uses.
    public let schema: String
    /// `schema`, checked to be a plain identifier.
    let identifier: SQLIdentifier
    /// The inbox's rows, aged by `processed_at` (indexed by `inbox_processed_at_idx`), for retention.
    public let expiringRows: ExpiringRows

    /// An inbox for `schema`, a plain lower-case SQL identifier.
    public init(schema: String) throws(PersistenceError) {
        self.identifier = try SQLIdentifier(schema)
        self.schema = schema
        self.expiringRows = try ExpiringRows(schema: schema, table: "inbox", timestampColumn: "processed_at")
    }

    /// Records `eventID` as processed by `consumer` on `connection`, which must be inside the transaction of
    /// the effect.
    ///
    /// - Returns: true when the event is new (apply the effect), false when it was already recorded (skip it).
    public func process(eventID: String, consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        do {
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: identifier.qualified("inbox")) (consumer, event_id)
                VALUES (\(consumer), \(eventID))
                ON CONFLICT (consumer, event_id) DO NOTHING
                RETURNING 1
                """,
                logger: logger
            )
            var inserted = false
            for try await _ in rows { inserted = true }
            return inserted
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "recording an event in \(identifier).inbox")
        }
    }

    /// Records many events as processed by `consumer` in one statement on `connection` (inside the
    /// transaction of their effects).
    ///
    /// - Returns: the ids that were new (apply their effects); the others were recorded before.
    public func record(eventIDs: [String], consumer: String, on connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        guard !eventIDs.isEmpty else { return [] }
        do {
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: identifier.qualified("inbox")) (consumer, event_id)
                SELECT \(consumer), event_id FROM unnest(\(eventIDs)::text[]) AS e(event_id)
                ON CONFLICT (consumer, event_id) DO NOTHING
                RETURNING event_id
                """,
                logger: logger
            )
            var fresh = Set<String>()
            for try await eventID in rows.decode(String.self) { fresh.insert(eventID) }
            return fresh
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "recording events in \(identifier).inbox")
        }
    }

    /// Opens a transaction, records `eventID` for `consumer`, runs `effect` when the event is new, and
    /// commits, all within `deadline` (see ``DatabaseDeadline/withTransaction(_:client:logger:_:)``). When
    /// `effect` throws, the transaction (and the inbox record) rolls back and its error is rethrown
    /// unchanged, so a redelivery processes the event again.
    public func handleOnce(
        client: PostgresClient,
        eventID: String,
        consumer: String,
        deadline: DatabaseDeadline = DatabaseDeadline(timeout: .seconds(20)),
        logger: Logger,
        effect: @escaping @Sendable (PostgresConnection) async throws -> Void
    ) async throws -> InboxOutcome {
        let outcome = try await deadline.withTransaction("handling an event through \(identifier).inbox", client: client, logger: logger) { connection in
            guard try await process(eventID: eventID, consumer: consumer, on: connection, logger: logger) else {
                return InboxOutcome.duplicate
            }
            try await effect(connection)
            return InboxOutcome.processed
        }
        if outcome == .duplicate {
            logger.debug("event already processed; skipped", metadata: [
                "schema": "\(schema)", "consumer": "\(consumer)", "event_id": "\(eventID)",
            ])
        }
        return outcome
    }

    /// Deletes records older than `age`, `batchSize` per statement (short transactions, bounded WAL) until
    /// none are left; returns how many it deleted. Keep `age` well beyond any redelivery: an event id older
    /// than the retention is processed again if it ever reappears. `RetentionService` calls this on a timer.
    @discardableResult
    public func purge(olderThan age: Duration, batchSize: Int = RetentionService.Configuration.defaultBatchSize, client: PostgresClient, logger: Logger) async throws -> Int {
        try await expiringRows.delete(olderThan: age, batchSize: batchSize, client: client, logger: logger)
    }
}
