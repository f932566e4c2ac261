import Synchronization

/// Notifications the batch writer has just committed already claimed (first attempt counted, leased), kept
/// in memory for their channel's sender, which takes them before it claims from the table: no claim
/// statement and no polling delay for a fresh notification. Bounded: what does not fit is written as
/// plainly pending and claimed from the table. An entry older than half the lease is dropped when taken
/// (its lease may run out while it is sent; the table hands it out again after the lease). A notifier that
/// stops with entries here leaves them leased: they are sent by the next claim after the lease.
///
/// An idle sender waits here (``waitForWork(_:upTo:)``) instead of polling its table: a push wakes it at
/// once, and it claims from the table only when its wait runs out (retries come due, leases end).
public final class NotificationHandoff: Sendable {
    private struct Entry: Sendable {
        let notification: ClaimedNotification
        let at: ContinuousClock.Instant
    }

    /// A sender waiting for work: registered, or cancelled before it could register.
    private enum Waiter: Sendable {
        case registering(NotificationChannel)
        case waiting(NotificationChannel, CheckedContinuation<Void, Never>)
        case cancelled
    }

    private let capacity: Int
    private let maxAge: Duration
    private let queues = Mutex<[NotificationChannel: [Entry]]>([:])
    private let waiters = Mutex<(nextID: UInt64, byID: [UInt64: Waiter])>((0, [:]))
    private let channels: Set<NotificationChannel>

    /// A hand-off for the senders of `channels`, each holding at most `capacity`; entries older than `maxAge` are dropped.
    public init(channels: Set<NotificationChannel>, capacity: Int, maxAge: Duration) {
        self.channels = channels
        self.capacity = capacity
        self.maxAge = maxAge
    }

    /// How many more notifications of `channel` fit (0 for a channel without a sender here).
    func room(for channel: NotificationChannel) -> Int {
        guard channels.contains(channel) else { return 0 }
        return queues.withLock { max(capacity - ($0[channel]?.count ?? 0), 0) }
    }

    /// Adds committed, claimed notifications.
    func push(_ notifications: [ClaimedNotification]) {
        guard !notifications.isEmpty else { return }
        let now = ContinuousClock.now
        var pushed: [NotificationChannel: Int] = [:]
        queues.withLock { queues in
            for notification in notifications {
                queues[notification.channel, default: []].append(Entry(notification: notification, at: now))
                pushed[notification.channel, default: 0] += 1
            }
        }
        // One sender per 16 notifications: a woken sender takes a whole batch, and waking every one for a
        // single notification would send the others to an empty table.
        let woken = waiters.withLock { waiters -> [CheckedContinuation<Void, Never>] in
            var woken: [CheckedContinuation<Void, Never>] = []
            for (channel, count) in pushed {
                var wanted = count / 16 + 1
                for (id, waiter) in waiters.byID where wanted > 0 {
                    guard case .waiting(channel, let continuation) = waiter else { continue }
                    waiters.byID[id] = nil
                    woken.append(continuation)
                    wanted -= 1
                }
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns when notifications of `channel` are pushed (at once if some wait already), after `timeout`,
    /// or when the task is cancelled.
    func waitForWork(_ channel: NotificationChannel, upTo timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.doorbell(channel) }
            await group.next()
            group.cancelAll()
        }
    }

    private func doorbell(_ channel: NotificationChannel) async {
        let id = waiters.withLock { waiters in
            waiters.nextID += 1
            waiters.byID[waiters.nextID] = .registering(channel)
            return waiters.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // The queue is looked at under the waiters' lock: a push appends first and wakes after, so
                // it either is seen here or finds this sender registered.
                let resumeNow = waiters.withLock { waiters -> Bool in
                    let queued = queues.withLock { !($0[channel]?.isEmpty ?? true) }
                    guard !queued, case .registering = waiters.byID[id] else {
                        waiters.byID[id] = nil
                        return true
                    }
                    waiters.byID[id] = .waiting(channel, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let continuation = waiters.withLock { waiters -> CheckedContinuation<Void, Never>? in
                switch waiters.byID[id] {
                case .waiting(_, let continuation):
                    waiters.byID[id] = nil
                    return continuation
                case .registering:
                    waiters.byID[id] = .cancelled
                    return nil
                case .cancelled, nil:
                    return nil
                }
            }
            continuation?.resume()
        }
    }

    /// Takes up to `limit` of `channel`'s notifications, oldest first, dropping stale ones.
    func take(_ channel: NotificationChannel, limit: Int) -> [ClaimedNotification] {
        let oldest = ContinuousClock.now - maxAge
        return queues.withLock { queues in
            guard var queue = queues[channel], !queue.isEmpty else { return [] }
            queue.removeAll { $0.at < oldest }
            let taken = queue.prefix(limit).map(\.notification)
            queue.removeFirst(taken.count)
            queues[channel] = queue
            return taken
        }
    }
}
