import Messaging

extension Open137Topology {
    /// The queues the broker dead-letters from: every work queue (poison at the delivery limit goes to its
    /// `.dlq`) and every retry queue (a message whose delay is over goes back to its work queue).
    public static var deadLetteringQueues: [String] {
        workQueues.flatMap { [$0.name, $0.retryQueue] }
    }

    /// Makes the broker's own dead-lettering at-least-once: a quorum queue with `dead-letter-strategy:
    /// at-least-once` keeps a dead-lettered message (counted as `messages_dlx`) until every queue it is
    /// routed to has confirmed it, and sends it again after a broker restart or when a refusing target
    /// takes it; at-most-once, the default, publishes without confirms, so a message in flight when the
    /// broker stops, or refused by its target, is gone. RabbitMQ falls back to at-most-once unless the
    /// queue's overflow is `reject-publish`; no queue has a length limit, so that changes nothing else.
    ///
    /// A policy, not queue arguments: arguments cannot change on an existing durable queue (the redeclare
    /// fails with `PRECONDITION_FAILED`), a policy reaches the queues of a running broker in place. The
    /// pattern names exactly ``deadLetteringQueues``; the priority puts it above catch-all policies of
    /// priority 0, and `open137 topology declare` checks that it is the effective one on every such queue.
    public static var deadLetteringPolicy: PolicyDefinition {
        let names = deadLetteringQueues.map(escaped)
        return PolicyDefinition(
            name: "open137-dead-letter-at-least-once", pattern: "^(" + names.joined(separator: "|") + ")$",
            applyTo: .queues, priority: 10,
            definition: ["dead-letter-strategy": .string("at-least-once"), "overflow": .string("reject-publish")])
    }
}
