import JSON
import Synchronization

/// Matches AMQP replies to the submissions waiting for them, by correlation id. A reply that arrives
/// while nobody waits (it was late, and the submission is being re-published) is kept, so the next wait
/// for that id finds it at once.
final class LoadgenReplyWaiters: Sendable {
    /// What a wait ends with.
    enum Reply: Sendable {
        case answer(JSONValue)
        case timedOut
    }

    private enum Slot {
        case pending
        case waiting(CheckedContinuation<Reply, Never>)
        case done(Reply)
    }

    private let slots = Mutex<[String: Slot]>([:])

    /// Creates an empty set of waiters.
    init() {}

    /// Waits up to `timeout` for the reply with correlation id `id`; a cancelled wait ends at once with
    /// `.timedOut`.
    func wait(for id: String, timeout: Duration) async -> Reply {
        slots.withLock { slots in
            if case .done(.answer)? = slots[id] { return }
            slots[id] = .pending
        }
        return await withTaskGroup(of: Reply?.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in self.attach(id, continuation) }
            }
            group.addTask {
                // Resolves even when cancelled: the continuation above does not see cancellation, so a wait
                // whose task is cancelled (the run ending) would otherwise never return. After an answer
                // the slot is already empty and this does nothing.
                try? await Task.sleep(for: timeout)
                self.resolve(id, .timedOut)
                return nil
            }
            var reply = Reply.timedOut
            while let next = await group.next() {
                if let next {
                    reply = next
                    group.cancelAll()
                }
            }
            return reply
        }
    }

    /// Hands `reply` to the waiter of `id`; an answer nobody waits for is kept for the next wait.
    func resolve(_ id: String, _ reply: Reply) {
        let continuation = slots.withLock { slots -> CheckedContinuation<Reply, Never>? in
            switch (slots[id], reply) {
            case (.waiting(let continuation)?, _):
                slots[id] = nil
                return continuation
            case (.pending?, _), (nil, .answer), (.done(.timedOut)?, .answer):
                slots[id] = .done(reply)
                return nil
            default:
                return nil
            }
        }
        continuation?.resume(returning: reply)
    }

    private func attach(_ id: String, _ continuation: CheckedContinuation<Reply, Never>) {
        let ready = slots.withLock { slots -> Reply? in
            if case .done(let reply)? = slots[id] {
                slots[id] = nil
                return reply
            }
            slots[id] = .waiting(continuation)
            return nil
        }
        if let ready { continuation.resume(returning: ready) }
    }
}
