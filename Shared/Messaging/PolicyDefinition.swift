/// A RabbitMQ policy: settings the broker applies to every queue whose name matches `pattern`, and
/// re-applies live when the policy changes — unlike `x-` queue arguments, which are fixed when a queue is
/// created (redeclaring a durable queue with a changed argument fails with `PRECONDITION_FAILED`).
/// AMQP cannot set policies: connections declare only the exchanges, queues and bindings of a `Topology`;
/// its policies are applied through the management API (`open137 topology declare`) or a definitions import.
public struct PolicyDefinition: Sendable, Hashable {
    /// What a policy applies to (RabbitMQ 3.10: queues, exchanges or both).
    public enum Target: String, Sendable, Hashable { case queues, exchanges, all }
    /// Policy name, unique per vhost.
    public var name: String
    /// Regular expression over queue (or exchange) names; anchor it, or it matches substrings.
    public var pattern: String
    /// What the policy applies to.
    public var applyTo: Target
    /// Of the policies matching one queue only the highest-priority one applies.
    public var priority: Int
    /// The policy's keys (`dead-letter-strategy`, `overflow`, …) without the `x-` of queue arguments.
    public var definition: [String: AMQPFieldValue]

    /// Creates a policy definition.
    public init(name: String, pattern: String, applyTo: Target = .queues, priority: Int = 0, definition: [String: AMQPFieldValue]) {
        self.name = name
        self.pattern = pattern
        self.applyTo = applyTo
        self.priority = priority
        self.definition = definition
    }
}
