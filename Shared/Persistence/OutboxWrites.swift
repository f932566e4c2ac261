import Contracts
import Logging
import Messaging
import PostgresNIO
import Synchronization

/// The connection of a transaction opened by ``Outbox/transaction(_:client:deadline:logger:_:)`` and what
/// it wrote to the outbox, which is handed to the relay once the transaction committed.
public final class OutboxWrites: Sendable {
    /// The transaction's connection, for the caller's own statements.
    public let connection: PostgresConnection
    private let outbox: Outbox
    private let logger: Logger
    private let rows = Mutex<[OutboxMessage]>([])

    init(outbox: Outbox, connection: PostgresConnection, logger: Logger) {
        self.outbox = outbox
        self.connection = connection
        self.logger = logger
    }

    /// Writes `messages` to the outbox in this transaction (see ``Outbox/insert(_:on:logger:)``).
    ///
    /// - Returns: how many were new (a message whose id, exchange and routing key are already there is not).
    @discardableResult
    public func insert(_ messages: [OutgoingMessage]) async throws -> Int {
        let written = try await outbox.insert(messages, on: connection, logger: logger)
        rows.withLock { $0.append(contentsOf: written) }
        return written.count
    }

    /// Writes `event` to `exchange` in this transaction; the routing key is the event type unless
    /// `routingKey` is given, the message id is the event id.
    ///
    /// - Returns: false when the same event was already there for this destination.
    @discardableResult
    public func insert(_ event: CloudEvent, exchange: String, routingKey: String? = nil) async throws -> Bool {
        try await insert([Outbox.message(event, exchange: exchange, routingKey: routingKey)]) > 0
    }

    /// Everything written so far.
    var written: [OutboxMessage] { rows.withLock { $0 } }
}
