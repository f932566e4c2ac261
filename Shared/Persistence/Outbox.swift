import BrokerTopology
import Contracts
import Logging
import Messaging
import PostgresNIO

/// The transactional outbox of one schema: events are written into `<schema>.outbox` inside the caller's
/// business transaction and reach the broker later through `OutboxRelay`, so an event is published if and
/// only if the transaction that produced it committed.
///
/// ```swift
/// try await client.withTransaction(logger: logger) { connection in
///     try await connection.query("INSERT INTO intake.reports …", logger: logger)
///     try await outbox.enqueue(event, exchange: Open137Topology.eventsExchange, on: connection, logger: logger)
/// }
/// ```
///
/// Each row is unique on (event id, exchange, routing key): enqueueing the same event to the same
/// destination twice keeps one row, while one event may go to several destinations. A successful enqueue
/// also sends `pg_notify(notificationChannel, '')`, which PostgreSQL delivers only at commit, to wake the
/// relays at once.
public struct Outbox: Sendable {
    /// The schema whose `outbox` table this writes to.
    public let schema: String
    /// `schema`, checked to be a plain identifier.
    let identifier: SQLIdentifier

    /// Where rows written through ``insert(_:on:logger:)`` are handed to this process's relay once their
    /// transaction committed.
    public let dispatch: OutboxDispatch
    /// How long a row handed to the relay in memory, or claimed by its recovery sweep, is left alone by
    /// every other sweep: longer than a publish can take, short enough that rows a crashed process held go
    /// out soon after it died.
    public let lease: Duration

    /// An outbox for `schema`, a plain lower-case SQL identifier (`intake`, `council_audit`).
    public init(schema: String, lease: Duration = .seconds(30), dispatch: OutboxDispatch = OutboxDispatch()) throws(PersistenceError) {
        self.identifier = try SQLIdentifier(schema)
        self.schema = schema
        self.lease = lease
        self.dispatch = dispatch
    }

    /// The `LISTEN`/`NOTIFY` channel the relays of this schema wait on: `open137_outbox_<schema>`.
    public var notificationChannel: String { "open137_outbox_\(schema)" }

    /// Writes `event` to the outbox on `connection`, which must be inside the caller's transaction; the
    /// routing key is the event type unless `routingKey` is given, the message id is the event id.
    ///
    /// - Returns: false when the same event id was already enqueued for this exchange and routing key.
    @discardableResult
    public func enqueue(
        _ event: CloudEvent,
        exchange: String,
        routingKey: String? = nil,
        on connection: PostgresConnection,
        logger: Logger
    ) async throws -> Bool {
        try await enqueue(Self.message(event, exchange: exchange, routingKey: routingKey), on: connection, logger: logger)
    }

    /// `event` as the message the outbox stores: to `exchange`, routed by its type unless `routingKey` is given.
    static func message(_ event: CloudEvent, exchange: String, routingKey: String?) throws(PersistenceError) -> OutgoingMessage {
        var message: OutgoingMessage
        do {
            message = try event.message(exchange: exchange)
        } catch {
            throw PersistenceError(.encodingFailed, "event \(event.id) of type \(event.type) could not be encoded")
        }
        if let routingKey { message.routingKey = routingKey }
        return message
    }

    /// Writes any message to the outbox on `connection` (inside the caller's transaction), keyed by its
    /// `messageID`. Header values must be strings, integers, booleans or doubles.
    ///
    /// - Returns: false when a row with the same message id, exchange and routing key already exists.
    @discardableResult
    public func enqueue(_ message: OutgoingMessage, on connection: PostgresConnection, logger: Logger) async throws -> Bool {
        let headers = try OutboxHeaders.encode(message.headers)
        let body = ByteBuffer(bytes: message.body)
        let inserted: Int
        do {
            let rows = try await connection.query(
                """
                WITH inserted AS (
                    INSERT INTO \(unescaped: identifier.qualified("outbox"))
                        (event_id, exchange, routing_key, body, content_type, correlation_id, reply_to, message_type,
                         headers, mandatory, persistent)
                    VALUES (\(message.messageID), \(message.exchange), \(message.routingKey), \(body), \(message.contentType),
                            \(message.correlationID), \(message.replyTo), \(message.type), \(headers)::jsonb,
                            \(message.mandatory), \(message.persistent))
                    ON CONFLICT (event_id, exchange, routing_key) DO NOTHING
                    RETURNING id
                )
                SELECT pg_notify(\(notificationChannel), '') FROM inserted
                """,
                logger: logger
            )
            var count = 0
            for try await _ in rows { count += 1 }
            inserted = count
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "enqueueing into \(identifier).outbox")
        }
        if inserted == 0 {
            logger.debug("outbox already holds this event for this destination", metadata: [
                "schema": "\(schema)", "event_id": "\(message.messageID)", "exchange": "\(message.exchange)",
            ])
        }
        return inserted > 0
    }

    /// How many rows wait to be published (unsent, including those waiting for a retry).
    public func backlog(client: PostgresClient, logger: Logger) async throws -> Int {
        do {
            let rows = try await client.query(
                "SELECT count(*) FROM \(unescaped: identifier.qualified("outbox")) WHERE sent_at IS NULL",
                logger: logger
            )
            var backlog = 0
            for try await count in rows.decode(Int64.self) { backlog = Int(count) }
            return backlog
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "counting \(identifier).outbox backlog")
        }
    }
}
