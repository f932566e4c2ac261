import Logging
import Messaging
import PostgresNIO

/// The relay's SQL: the claim that leases due rows, the settle that deletes or backs them off, the purge
/// of sent rows. Each is one statement in its own short transaction, within the relay's deadline.
extension OutboxRelay {
    /// Leases up to `batchSize` due rows in one statement (its own short transaction) and reads them.
    func claim() async throws -> (messages: [OutboxMessage], unreadable: [(Int64, String)]) {
        let outboxTable = outbox.identifier.qualified("outbox")
        let batchSize = Int64(configuration.batchSize)
        let lease = outbox.lease.milliseconds
        let logger = self.logger
        let context = "claiming from \(outbox.schema).outbox"
        return try await DatabaseDeadline(timeout: configuration.deadline).withConnection(context, client: client, logger: logger) { connection in
            var messages: [OutboxMessage] = []
            var unreadable: [(Int64, String)] = []
            do {
                let rows = try await connection.query(
                    """
                    UPDATE \(unescaped: outboxTable) AS o
                    SET available_at = now() + \(lease)::float8 * interval '1 millisecond'
                    FROM (
                        SELECT id FROM \(unescaped: outboxTable)
                        WHERE sent_at IS NULL AND available_at <= now()
                        ORDER BY id
                        LIMIT \(batchSize)
                        FOR UPDATE SKIP LOCKED
                    ) AS due
                    WHERE o.id = due.id
                    RETURNING o.id, o.event_id, o.exchange, o.routing_key, o.body, o.content_type, o.correlation_id,
                              o.reply_to, o.message_type, o.headers::text, o.mandatory, o.persistent
                    """,
                    logger: logger
                )
                let columns = (Int64, String, String, String, ByteBuffer, String, String?, String?, String?, String, Bool, Bool).self
                for try await (id, eventID, exchange, routingKey, body, contentType, correlationID, replyTo, type, headers, mandatory, persistent) in rows.decode(columns) {
                    do {
                        messages.append(OutboxMessage(id: id, message: OutgoingMessage(
                            exchange: exchange, routingKey: routingKey, body: Array(body.readableBytesView), messageID: eventID,
                            contentType: contentType, correlationID: correlationID, replyTo: replyTo, type: type,
                            headers: try OutboxHeaders.decode(headers), mandatory: mandatory, persistent: persistent
                        )))
                    } catch {
                        unreadable.append((id, "\(error)"))
                    }
                }
            } catch {
                throw PersistenceError.mapping(error, to: .queryFailed, context)
            }
            messages.sort { $0.id < $1.id }
            return (messages, unreadable)
        }
    }

    /// Deletes (or marks sent) the confirmed rows and backs off the failed ones, in one statement.
    func settle(sent: [Int64], failedIDs: [Int64], failedErrors: [String]) async throws {
        guard !sent.isEmpty || !failedIDs.isEmpty else { return }
        let outboxTable = outbox.identifier.qualified("outbox")
        let retryMax = configuration.retryMaxDelay.milliseconds
        let retryBase = configuration.retryBaseDelay.milliseconds
        let deleteWhenSent = configuration.deleteWhenSent
        let logger = self.logger
        let context = "settling a batch of \(outbox.schema).outbox"
        try await DatabaseDeadline(timeout: configuration.deadline).withConnection(context, client: client, logger: logger) { connection in
            do {
                let confirmed: PostgresQuery = deleteWhenSent
                    ? "DELETE FROM \(unescaped: outboxTable) WHERE id = ANY(\(sent)) RETURNING 1"
                    : "UPDATE \(unescaped: outboxTable) SET sent_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = ANY(\(sent)) RETURNING 1"
                if !sent.isEmpty { try await connection.query(confirmed, logger: logger) }
                if !failedIDs.isEmpty {
                    try await connection.query(
                        """
                        UPDATE \(unescaped: outboxTable) AS o
                        SET attempts = o.attempts + 1,
                            last_error = f.error,
                            available_at = now() + least(\(retryMax)::float8,
                                \(retryBase)::float8 * power(2, least(o.attempts, 30))) * interval '1 millisecond'
                        FROM unnest(\(failedIDs)::bigint[], \(failedErrors)::text[]) AS f(id, error)
                        WHERE o.id = f.id
                        """,
                        logger: logger
                    )
                }
            } catch {
                throw PersistenceError.mapping(error, to: .queryFailed, context)
            }
        }
    }

    /// Deletes sent rows older than `age`, at most `limit` per statement until none are left; returns how
    /// many it deleted.
    @discardableResult
    public func purgeSent(olderThan age: Duration, limit: Int = 10_000) async throws -> Int {
        let outboxTable = outbox.identifier.qualified("outbox")
        var total = 0
        do {
            while true {
                let rows = try await client.query(
                    """
                    WITH doomed AS (
                        SELECT id FROM \(unescaped: outboxTable)
                        WHERE sent_at IS NOT NULL AND sent_at < now() - \(age.milliseconds)::float8 * interval '1 millisecond'
                        LIMIT \(Int64(max(1, limit)))
                    )
                    DELETE FROM \(unescaped: outboxTable) WHERE id IN (SELECT id FROM doomed) RETURNING 1
                    """,
                    logger: logger
                )
                var deleted = 0
                for try await _ in rows { deleted += 1 }
                total += deleted
                if deleted < max(1, limit) { return total }
            }
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "purging sent rows of \(outbox.schema).outbox")
        }
    }
}
