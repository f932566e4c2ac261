import Synchronization

/// Notifications the batch writer has just committed already claimed (first attempt counted, leased), kept
/// in memory for their channel's sender, which takes them before it claims from the table: no claim
/// statement and no polling delay for a fresh notification. Bounded: what does not fit is written as
/// plainly pending and claimed from the table. An entry older than half the lease is dropped when taken
/// (its lease may run out while it is sent; the table hands it out again after the lease). A notifier that
/// stops with entries here leaves them leased: they are sent by the next claim after the lease.
public final class NotificationHandoff: Sendable {
    private struct Entry: Sendable {
        let notification: ClaimedNotification
        let at: ContinuousClock.Instant
    }

    private let capacity: Int
    private let maxAge: Duration
    private let queues = Mutex<[NotificationChannel: [Entry]]>([:])
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
        queues.withLock { queues in
            for notification in notifications { queues[notification.channel, default: []].append(Entry(notification: notification, at: now)) }
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
