import BrokerTopology

/// One queue `open137 dlq` works on: a work queue's `<queue>.dlq`, or `intake.rejected` (intake's
/// submissions it could not accept, body intact, with the reason in headers).
public struct DeadLetterQueue: Sendable, Hashable {
    /// The queue's name.
    public var name: String
    /// The work queue whose messages end up here.
    public var workQueue: String

    /// A dead-letter queue holding what `workQueue` gave up on.
    public init(name: String, workQueue: String) {
        self.name = name
        self.workQueue = workQueue
    }

    /// Every dead-letter queue of `Open137Topology`: each work queue's `.dlq`, then `intake.rejected`.
    /// The rejected submissions belong here: they are dead letters of `intake.submissions` routed to a
    /// queue of their own, and an operator lists, reads, purges — or, after a fix to validation, replays —
    /// them the same way.
    public static var all: [DeadLetterQueue] {
        Open137Topology.workQueues.map { DeadLetterQueue(name: $0.deadLetterQueue, workQueue: $0.name) }
            + [DeadLetterQueue(name: Open137Topology.intakeRejectedQueue, workQueue: "intake.submissions")]
    }

    /// The exchanges a dead letter may be replayed to: where messages are first published, never the
    /// dead-letter or retry exchanges (a replay there would only come back) nor the default exchange.
    public static var replayExchanges: Set<String> {
        Set(Open137Topology.exchanges.map(\.name)).subtracting([Open137Topology.deadLetterExchange, Open137Topology.retryExchange])
    }
}
