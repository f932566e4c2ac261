/// A user's topic permission on one topic exchange: regular expressions over the routing keys it may
/// publish (`write`) and bind to (`read`).
public struct TopicPermission: Sendable, Hashable {
    /// The exchange.
    public var exchange: String
    /// Routing keys it may publish with.
    public var write: String
    /// Routing keys its queues may bind with.
    public var read: String

    /// Creates a topic permission.
    public init(exchange: String, write: String, read: String) {
        self.exchange = exchange
        self.write = write
        self.read = read
    }
}
