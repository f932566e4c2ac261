import Synchronization

/// The in-memory hand-off from the transactions that wrote outbox rows to the relay of the same process:
/// what just committed is published at once instead of being read back from the table. The rows were
/// written with a lease (`available_at` in the future), so the relay's recovery sweep leaves them alone
/// while they are in hand here; if the process dies first, the sweep publishes them when the lease runs out.
///
/// Bounded: beyond `capacity` waiting messages a hand-off is dropped (and counted in `dropped`) — the rows
/// are safe in the table and the sweep takes them after their lease — so a relay that cannot keep up (or
/// does not run, as in the admin tool) never makes the process grow.
public final class OutboxDispatch: Sendable {
    private struct State {
        var waiting: [OutboxMessage] = []
        var dropped = 0
        var doorbell: AsyncStream<Void>.Continuation?
    }

    /// Most messages waiting in memory.
    public let capacity: Int
    private let state = Mutex(State())

    /// A hand-off holding at most `capacity` messages.
    public init(capacity: Int = 50_000) {
        self.capacity = max(1, capacity)
    }

    /// Hands committed rows to the relay; call it only after the transaction that wrote them committed.
    public func hand(_ messages: [OutboxMessage]) {
        guard !messages.isEmpty else { return }
        let doorbell = state.withLock { state -> AsyncStream<Void>.Continuation? in
            guard state.waiting.count + messages.count <= capacity else {
                state.dropped += messages.count
                return nil
            }
            state.waiting.append(contentsOf: messages)
            return state.doorbell
        }
        doorbell?.yield()
    }

    /// Takes up to `limit` waiting messages, oldest first.
    func take(upTo limit: Int) -> [OutboxMessage] {
        state.withLock { state in
            let count = min(limit, state.waiting.count)
            guard count > 0 else { return [] }
            let taken = Array(state.waiting.prefix(count))
            state.waiting.removeFirst(count)
            return taken
        }
    }

    /// How many messages wait.
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// How many hand-offs were dropped because the relay was too far behind (their rows wait for the sweep).
    public var dropped: Int { state.withLock { $0.dropped } }

    /// Rings `doorbell` on every hand-off from now on (the relay's wake-up).
    func ring(_ doorbell: AsyncStream<Void>.Continuation?) {
        state.withLock { $0.doorbell = doorbell }
    }
}
