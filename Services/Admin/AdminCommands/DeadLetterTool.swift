import Messaging

/// What `open137 dlq` does, over one publisher connection that also takes messages with `basic.get`:
/// counts, reads (every message given back), replays (published to its origin with a confirm, then
/// acked) and purges dead-letter queues. Messages it looks at but does not remove are held unacked until
/// the command is done and then requeued, so one run never sees a message twice; it looks at no more
/// messages than the queue held when it started, so a replay that dies again is not replayed in a loop.
public struct DeadLetterTool: Sendable {
    /// The queues it may touch.
    public let queues: [DeadLetterQueue]
    /// The exchanges a replay may publish to.
    public let exchanges: Set<String>
    private let publisher: AMQPPublisher

    /// A tool over `publisher`'s connection (which declares the queues' topology when it connects).
    public init(publisher: AMQPPublisher, queues: [DeadLetterQueue] = DeadLetterQueue.all, exchanges: Set<String> = DeadLetterQueue.replayExchanges) {
        self.publisher = publisher
        self.queues = queues
        self.exchanges = exchanges
    }

    /// One queue's depth.
    public struct Depth: Sendable, Hashable {
        /// The dead-letter queue.
        public var queue: String
        /// Its work queue.
        public var workQueue: String
        /// Messages ready (a passive declare; one held by a running `show` is not counted).
        public var messages: Int
    }

    /// What a replay did.
    public struct ReplayOutcome: Sendable {
        /// Published to their origin, confirmed, and removed from the queue.
        public var replayed: [DeadLetterMessage] = []
        /// Left in the queue: no origin could be told.
        public var unknownOrigin: [DeadLetterMessage] = []
        /// Left in the queue: the publish was not confirmed (the message, the error).
        public var failed: [(DeadLetterMessage, AMQPError)] = []
    }

    /// The queue called `name`, or `unknown-queue` with the valid names.
    public func queue(named name: String) throws(DLQError) -> DeadLetterQueue {
        guard let queue = queues.first(where: { $0.name == name }) else { throw DLQError.unknownQueue(name, queues: queues) }
        return queue
    }

    /// Every queue's depth, in the order of `queues`.
    public func depths() async throws(DLQError) -> [Depth] {
        var depths: [Depth] = []
        for queue in queues {
            depths.append(Depth(queue: queue.name, workQueue: queue.workQueue, messages: try await broker { try await publisher.messageCount(of: queue.name) }))
        }
        return depths
    }

    /// Up to `limit` messages of `queue`, oldest first, all given back.
    public func show(_ name: String, limit: Int) async throws(DLQError) -> [DeadLetterMessage] {
        let held = try await take(from: try queue(named: name), limit: limit)
        try await requeue(held)
        return held
    }

    /// Replays up to `limit` messages of `queue` (or only those with `messageID`) to their origin.
    public func replay(_ name: String, limit: Int? = nil, messageID: String? = nil) async throws(DLQError) -> ReplayOutcome {
        let queue = try queue(named: name)
        var outcome = ReplayOutcome()
        var keep: [DeadLetterMessage] = []
        var replayedCount = 0
        try await scan(queue) { message async throws(DLQError) -> Bool in
            guard messageID == nil || message.messageID == messageID, limit.map({ replayedCount < $0 }) ?? true else {
                keep.append(message)
                return true
            }
            guard let copy = message.replayMessage else {
                outcome.unknownOrigin.append(message)
                keep.append(message)
                return true
            }
            do throws(AMQPError) {
                try await publisher.publish(copy)
            } catch {
                outcome.failed.append((message, error))
                keep.append(message)
                return true
            }
            // Acked only now that the broker confirmed the copy: a failure until here leaves it in the queue.
            try await broker { try await message.delivery.ack() }
            outcome.replayed.append(message)
            replayedCount += 1
            return true
        }
        try await requeue(keep)
        return outcome
    }

    /// Removes every message of `queue`, or only those with `messageID`; answers what it removed.
    public func purge(_ name: String, messageID: String? = nil) async throws(DLQError) -> [DeadLetterMessage] {
        let queue = try queue(named: name)
        var removed: [DeadLetterMessage] = []
        var keep: [DeadLetterMessage] = []
        try await scan(queue) { message async throws(DLQError) -> Bool in
            guard messageID == nil || message.messageID == messageID else {
                keep.append(message)
                return true
            }
            try await broker { try await message.delivery.ack() }
            removed.append(message)
            return true
        }
        try await requeue(keep)
        return removed
    }

    /// Takes up to `limit` messages, unsettled.
    private func take(from queue: DeadLetterQueue, limit: Int) async throws(DLQError) -> [DeadLetterMessage] {
        var held: [DeadLetterMessage] = []
        try await scan(queue) { message async throws(DLQError) -> Bool in
            held.append(message)
            return held.count < limit
        }
        return held
    }

    /// Hands each message the queue held at the start to `body` until it answers false or the queue is empty.
    private func scan(_ queue: DeadLetterQueue, _ body: (DeadLetterMessage) async throws(DLQError) -> Bool) async throws(DLQError) {
        let initial = try await broker { try await publisher.messageCount(of: queue.name) }
        var seen = 0
        while seen < initial {
            guard let delivery = try await broker({ try await publisher.get(from: queue.name) }) else { return }
            seen += 1
            guard try await body(DeadLetterMessage(delivery: delivery, exchanges: exchanges)) else { return }
        }
    }

    /// Gives messages back to their queue.
    private func requeue(_ messages: [DeadLetterMessage]) async throws(DLQError) {
        for message in messages {
            try await broker { try await message.delivery.nack(requeue: true) }
        }
    }

    /// Runs a broker operation; its failure as a `broker` error (exit 1).
    private func broker<T>(_ operation: () async throws -> T) async throws(DLQError) -> T {
        do {
            return try await operation()
        } catch {
            throw DLQError(code: "broker", message: "\(error)", exitStatus: 1)
        }
    }
}
