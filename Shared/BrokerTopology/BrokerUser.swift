/// A RabbitMQ user of a unit (or the council) with its vhost permissions (configure/write/read regular
/// expressions over resource names) and topic permissions (over routing keys, per exchange). No password:
/// passwords are set when the user is provisioned on a broker and never kept in the repository.
public struct BrokerUser: Sendable, Hashable {
    /// The user name (`unit-parks`, `council`).
    public var name: String
    /// Which exchanges and queues it may declare or delete.
    public var configure: String
    /// Which exchanges it may publish to (and queues bind to).
    public var write: String
    /// Which queues it may consume or get from (and exchanges bind from).
    public var read: String
    /// Routing keys it may publish with, per topic exchange.
    public var topicPermissions: [TopicPermission]

    /// Creates a user.
    public init(name: String, configure: String, write: String, read: String, topicPermissions: [TopicPermission]) {
        self.name = name
        self.configure = configure
        self.write = write
        self.read = read
        self.topicPermissions = topicPermissions
    }
}
