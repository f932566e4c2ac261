import Messaging

/// A message stored in an outbox row: what the relay publishes and the row it settles afterwards.
public struct OutboxMessage: Sendable {
    /// The row's id.
    public var id: Int64
    /// What is published.
    public var message: OutgoingMessage

    /// A row `id` holding `message`.
    public init(id: Int64, message: OutgoingMessage) {
        self.id = id
        self.message = message
    }
}
