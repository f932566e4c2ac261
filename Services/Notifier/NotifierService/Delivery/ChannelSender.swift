import Logging
import Metrics
import ServiceLifecycle

/// Sends one channel's pending notifications: claims a batch of due rows, sends them concurrently,
/// records each outcome (sent; retried after a backoff; failed and dead-lettered when permanent or out of
/// attempts). Each channel has its own sender, so a slow or dead gateway holds up only its own channel.
public struct ChannelSender: Service {
    /// The channel.
    public let channel: NotificationChannel
    private let store: NotificationStore
    private let transport: any NotificationTransport
    private let policy: RetryPolicy
    private let batchSize: Int
    private let loops: Int
    private let handoff: NotificationHandoff?
    private let idleDelay: Duration
    private let logger: Logger
    private let sent: Counter
    private let retried: Counter
    private let failed: Counter

    /// Creates a sender sending up to `batchSize` notifications at a time in each of `loops` loops (more than
    /// one: a batch is claimed while the previous one is still being sent and recorded), taking fresh ones
    /// from `handoff` before claiming from the table. Idle, a loop polls the table every `idleDelay`, or —
    /// with a hand-off, which wakes it for fresh notifications — every `idleDelay` × 10.
    public init(channel: NotificationChannel, store: NotificationStore, transport: any NotificationTransport, policy: RetryPolicy,
                batchSize: Int = 64, loops: Int = 1, handoff: NotificationHandoff? = nil, idleDelay: Duration = .milliseconds(50),
                logger: Logger) {
        self.handoff = handoff
        self.channel = channel
        self.store = store
        self.transport = transport
        self.policy = policy
        self.batchSize = batchSize
        self.loops = max(loops, 1)
        self.idleDelay = idleDelay
        var logger = logger
        logger[metadataKey: "channel"] = "\(channel.rawValue)"
        self.logger = logger
        sent = Counter(label: "open137_notifications_total", dimensions: [("channel", channel.rawValue), ("outcome", "sent")])
        retried = Counter(label: "open137_notifications_total", dimensions: [("channel", channel.rawValue), ("outcome", "retried")])
        failed = Counter(label: "open137_notifications_total", dimensions: [("channel", channel.rawValue), ("outcome", "failed")])
    }

    /// Sends until graceful shutdown (the batches in hand are finished and recorded first).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for _ in 0..<loops {
                    group.addTask { await sendUntilCancelled() }
                }
            }
        }
    }

    /// One loop: claims, sends and records batches until cancelled; idles briefly when nothing is due.
    private func sendUntilCancelled() async {
        while !Task.isCancelled {
            let sentCount: Int
            do {
                sentCount = try await sendBatch()
            } catch is CancellationError {
                return
            } catch {
                logger.warning("could not take or record notifications; trying again shortly", metadata: ["error": "\(error)"])
                sentCount = 0
                try? await Task.sleep(for: .seconds(1))
            }
            guard sentCount == 0 else { continue }
            if let handoff {
                // Fresh notifications arrive through the hand-off and wake this loop; the table is claimed
                // from again after `idleDelay` × 10 (retries that came due, ended leases, overflow).
                await handoff.waitForWork(channel, upTo: idleDelay * 10)
            } else {
                try? await Task.sleep(for: idleDelay)
            }
        }
    }

    /// Takes (from the hand-off) or claims (from the table) and sends one batch; returns how many it took.
    func sendBatch() async throws -> Int {
        var batch = handoff?.take(channel, limit: batchSize) ?? []
        if batch.isEmpty { batch = try await store.claim(channel, limit: batchSize) }
        guard !batch.isEmpty else { return 0 }
        let outcomes = await withTaskGroup(of: (ClaimedNotification, SendOutcome).self) { group in
            for notification in batch {
                group.addTask { (notification, await transport.send(notification)) }
            }
            var outcomes: [(ClaimedNotification, SendOutcome)] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
        // Recorded even when shutdown began meanwhile: what was sent must not be sent again.
        try await withTaskCancellationHandler {
            try await record(outcomes)
        } onCancel: {}
        return batch.count
    }

    private func record(_ outcomes: [(ClaimedNotification, SendOutcome)]) async throws {
        var done: [(id: Int64, gatewayID: String?)] = []
        for (notification, outcome) in outcomes {
            let metadata: Logger.Metadata = [
                "notification_id": "\(notification.id)", "event_id": "\(notification.eventID)",
                "report_id": "\(notification.reportID ?? "-")", "attempt": "\(notification.attempt)",
            ]
            switch outcome {
            case .sent(let gatewayID):
                done.append((notification.id, gatewayID))
                logger.debug("notification sent", metadata: metadata)
            case .retry(let reason) where notification.attempt < policy.maxAttempts:
                let reason = ReasonRedaction.redact(reason)
                let delay = policy.delay(afterAttempt: notification.attempt)
                try await store.markRetry(notification.id, after: delay, reason: reason)
                retried.increment()
                logger.warning("notification not sent; retrying later", metadata: metadata.merging(["reason": "\(reason)", "delay": "\(delay)"]) { $1 })
            case .retry(let reason):
                let reason = ReasonRedaction.redact(reason)
                try await store.markFailed(notification, code: "retries-exhausted", reason: "failed \(notification.attempt) times; last: \(reason)")
                failed.increment()
                logger.error("notification failed after its last attempt; dead-lettered", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
            case .permanent(let reason):
                let reason = ReasonRedaction.redact(reason)
                try await store.markFailed(notification, code: "rejected", reason: reason)
                failed.increment()
                logger.error("notification refused; dead-lettered", metadata: metadata.merging(["reason": "\(reason)"]) { $1 })
            }
        }
        try await store.markSent(done)
        sent.increment(by: done.count)
    }
}
