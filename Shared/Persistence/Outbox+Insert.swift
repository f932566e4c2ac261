import Logging
import Messaging
import PostgresNIO

extension Outbox {
    /// Writes `messages` to the outbox on `connection` (inside the caller's transaction) in one statement,
    /// each keyed by its `messageID`, exchange and routing key; a key already present keeps its row. The
    /// rows are leased (``lease``): hand what this returns to ``dispatch`` once the transaction committed and
    /// the relay publishes it at once; should the process die first, the relay's sweep publishes it when the
    /// lease has run out. Header values must be strings, integers, booleans or doubles.
    ///
    /// - Returns: the rows written (not those whose key was already present), in the order of `messages`.
    public func insert(_ messages: [OutgoingMessage], on connection: PostgresConnection, logger: Logger) async throws -> [OutboxMessage] {
        guard !messages.isEmpty else { return [] }
        var eventIDs: [String] = [], exchanges: [String] = [], routingKeys: [String] = [], bodies: [ByteBuffer] = []
        var contentTypes: [String] = [], correlationIDs: [String] = [], replyTos: [String] = [], types: [String] = []
        var headers: [String] = [], mandatory: [Bool] = [], persistent: [Bool] = []
        for message in messages {
            eventIDs.append(message.messageID)
            exchanges.append(message.exchange)
            routingKeys.append(message.routingKey)
            bodies.append(ByteBuffer(bytes: message.body))
            contentTypes.append(message.contentType)
            // Arrays of optionals do not bind; an empty text stands for "none" (NULLIF below).
            correlationIDs.append(message.correlationID ?? "")
            replyTos.append(message.replyTo ?? "")
            types.append(message.type ?? "")
            headers.append(try OutboxHeaders.encode(message.headers))
            mandatory.append(message.mandatory)
            persistent.append(message.persistent)
        }
        var written: [String: Int64] = [:]
        do {
            let rows = try await connection.query(
                """
                INSERT INTO \(unescaped: identifier.qualified("outbox"))
                    (event_id, exchange, routing_key, body, content_type, correlation_id, reply_to, message_type,
                     headers, mandatory, persistent, available_at)
                SELECT m.event_id, m.exchange, m.routing_key, m.body, m.content_type, NULLIF(m.correlation_id, ''),
                       NULLIF(m.reply_to, ''), NULLIF(m.message_type, ''), m.headers::jsonb, m.mandatory, m.persistent,
                       now() + \(lease.milliseconds)::float8 * interval '1 millisecond'
                FROM unnest(\(eventIDs)::text[], \(exchanges)::text[], \(routingKeys)::text[], \(bodies)::bytea[],
                            \(contentTypes)::text[], \(correlationIDs)::text[], \(replyTos)::text[], \(types)::text[],
                            \(headers)::text[], \(mandatory)::bool[], \(persistent)::bool[])
                     WITH ORDINALITY AS m(event_id, exchange, routing_key, body, content_type, correlation_id, reply_to,
                                          message_type, headers, mandatory, persistent, position)
                ORDER BY m.position
                ON CONFLICT (event_id, exchange, routing_key) DO NOTHING
                RETURNING id, event_id, exchange, routing_key
                """,
                logger: logger
            )
            for try await (id, eventID, exchange, routingKey) in rows.decode((Int64, String, String, String).self) {
                written[Self.key(eventID, exchange, routingKey)] = id
            }
        } catch {
            throw PersistenceError.mapping(error, to: .queryFailed, "writing to \(identifier).outbox")
        }
        var result: [OutboxMessage] = []
        result.reserveCapacity(written.count)
        for message in messages {
            // A key twice in one call: its first message holds the row.
            if let id = written.removeValue(forKey: Self.key(message.messageID, message.exchange, message.routingKey)) {
                result.append(OutboxMessage(id: id, message: message))
            }
        }
        return result
    }

    /// Runs `body` in a transaction within `deadline` and, once it committed, hands what it wrote through
    /// ``OutboxWrites/insert(_:)`` to the relay. `body`'s error is rethrown unchanged (and nothing of it is
    /// stored); after COMMIT was sent and not answered the error is `outcomeUnknown`.
    public func transaction<T: Sendable>(
        _ what: String,
        client: PostgresClient,
        deadline: DatabaseDeadline,
        logger: Logger,
        _ body: @escaping @Sendable (OutboxWrites) async throws -> T
    ) async throws -> T {
        let (value, written) = try await deadline.withTransaction(what, client: client, logger: logger) { connection in
            let writes = OutboxWrites(outbox: self, connection: connection, logger: logger)
            let value = try await body(writes)
            return (value, writes.written)
        }
        dispatch.hand(written)
        return value
    }

    private static func key(_ eventID: String, _ exchange: String, _ routingKey: String) -> String {
        "\(eventID)\u{0}\(exchange)\u{0}\(routingKey)"
    }
}
