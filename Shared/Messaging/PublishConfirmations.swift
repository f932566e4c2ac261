/// A publisher's confirm bookkeeping, with no socket and no rabbitmq-c: the publishes waiting for the
/// window, those in flight by delivery tag, the broker's `basic.ack`/`basic.nack` (with `multiple`),
/// `basic.return`s matched by publish tag, `connection.blocked`, deadlines, and publishing again what was
/// unconfirmed after a reconnect. Every method returns the publishes it ended; `ConnectionLoop` sends
/// what `next` names and reports the outcomes, so this can be tested without a broker.
struct PublishConfirmations {
    /// A publish that is over, and how: the loop reports `result` to the publish's caller.
    struct Outcome {
        /// The publish that ended.
        let request: PublishRequest
        /// Confirmed, or why not.
        let result: Result<Void, AMQPError>
    }

    /// How many publishes may wait for their confirm at once (at least 1 for a publisher).
    let window: Int
    /// Publishes not sent yet, in order, from `pendingHead`; the consumed prefix is dropped in bulk
    /// rather than per publish, so a long queue does not shift on every send.
    private var pending: [PublishRequest] = []
    private var pendingHead = 0
    /// Publishes sent and not confirmed, by delivery tag.
    private var inflight: [UInt64: PublishRequest] = [:]
    /// No tag below this is in flight: where a `multiple` confirm starts and deadlines are checked.
    private var lowestUnconfirmed: UInt64 = 1
    private var nextTag: UInt64 = 1
    /// Publishes the broker returned (`basic.return`, mandatory and unroutable), by their publish tag, until
    /// their confirm arrives; matched by the tag carried in `ConnectionLoop.publishTagHeader`, never by
    /// `message_id`, which two messages may share (the router's unit delivery and its council copy do).
    private var returnedTags: [UInt64: String] = [:]
    /// Why the broker blocks publishing (`connection.blocked`); nil while it does not.
    private(set) var blockedReason: String?

    /// Bookkeeping for a connection that lets `window` publishes wait for their confirm at once.
    init(window: Int) {
        self.window = window
    }

    // MARK: - Sending

    /// Queues a publish behind those already waiting.
    mutating func enqueue(_ request: PublishRequest) {
        pending.append(request)
    }

    /// Whether a publish could go out right now: one waits, the window has room and nothing blocks.
    var canPublish: Bool {
        pendingHead < pending.count && inflight.count < window && blockedReason == nil
    }

    /// The publish to send next and the delivery tag the broker will confirm it by; nil unless
    /// `canPublish`. It stays queued until `published()`: a failed write leaves it for the next connection.
    var next: (tag: UInt64, request: PublishRequest)? {
        guard canPublish else { return nil }
        return (nextTag, pending[pendingHead])
    }

    /// The publish `next` named was written: it waits in flight for its confirm.
    mutating func published() {
        inflight[nextTag] = pending[pendingHead]
        pendingHead += 1
        nextTag += 1
        if pendingHead > 1024, pendingHead * 2 > pending.count {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
    }

    /// Whether nothing waits to be sent or confirmed (a graceful close may proceed).
    var isDrained: Bool { pendingHead >= pending.count && inflight.isEmpty }

    /// The deadline of the next publish waiting to be sent, which bounds how long the loop may sleep.
    var nextPendingDeadline: ContinuousClock.Instant? {
        pendingHead < pending.count ? pending[pendingHead].deadline : nil
    }

    // MARK: - What the broker says

    /// A `basic.ack` (`result` success) or `basic.nack` for `tag`, or with `multiple` for every tag up to
    /// it. A success for a publish the broker returned first fails it as unroutable: the broker confirms
    /// a returned message too, since it did all it could with it.
    mutating func confirm(upTo tag: UInt64, multiple: Bool, result: Result<Void, AMQPError>) -> [Outcome] {
        var outcomes: [Outcome] = []
        func complete(_ tag: UInt64) {
            guard let entry = inflight.removeValue(forKey: tag) else { return }
            let returned = returnedTags.removeValue(forKey: tag)
            if case .success = result, let reason = returned {
                let error = AMQPError(
                    .unroutable, "no queue is bound for \(entry.message.exchange) / \(entry.message.routingKey): \(reason)",
                    replyCode: 312)
                outcomes.append(Outcome(request: entry, result: .failure(error)))
                return
            }
            outcomes.append(Outcome(request: entry, result: result))
        }
        if multiple {
            var next = lowestUnconfirmed
            while next <= tag {
                complete(next)
                next += 1
            }
        } else {
            complete(tag)
        }
        advanceLowestUnconfirmed()
        return outcomes
    }

    /// A `basic.return` of the publish with publish tag `tag`; its confirm follows and ends it.
    mutating func returned(tag: UInt64, reason: String) {
        returnedTags[tag] = reason
    }

    /// `connection.blocked`: nothing is sent until `unblocked()`; what waits past its deadline fails as `.blocked`.
    mutating func blocked(_ reason: String) {
        blockedReason = reason
    }

    /// `connection.unblocked`, or a connection that is gone (a new one starts unblocked).
    mutating func unblocked() {
        blockedReason = nil
    }

    // MARK: - Ending publishes without a confirm

    /// Fails the publishes whose deadline is at or before `now`. `unreachable` says why there is no
    /// connection (nil while connected), for publishes that never went out.
    mutating func expire(at now: ContinuousClock.Instant, unreachable: String?) -> [Outcome] {
        var outcomes: [Outcome] = []
        // One publisher has one publish timeout and publishes (and retries) in order, so deadlines never
        // decrease along `inflight` (by tag) and then `pending`: the expired ones are a prefix, and a
        // check costs one comparison while nothing has expired.
        while let request = inflight[lowestUnconfirmed], request.deadline <= now {
            inflight.removeValue(forKey: lowestUnconfirmed)
            advanceLowestUnconfirmed()
            let error = if let blockedReason {
                AMQPError(.blocked, "broker blocked publishing (\(blockedReason)) past the publish deadline; the broker may or may not have the message")
            } else {
                AMQPError(.publishTimedOut, "no confirm before the deadline; the broker may or may not have the message")
            }
            outcomes.append(Outcome(request: request, result: .failure(error)))
        }
        while pendingHead < pending.count, pending[pendingHead].deadline <= now {
            let request = pending[pendingHead]
            pendingHead += 1
            let error = if let blockedReason {
                AMQPError(.blocked, "broker blocked publishing (\(blockedReason)) past the publish deadline")
            } else if let unreachable {
                AMQPError(.notConnected, "broker unreachable past the publish deadline: \(unreachable)")
            } else {
                AMQPError(.publishTimedOut, "not published before the deadline")
            }
            outcomes.append(Outcome(request: request, result: .failure(error)))
        }
        return outcomes
    }

    /// Fails every publish to `exchange`, sent or not: the broker refuses them outright (a missing
    /// exchange, no permission), so publishing them again would only close the next channel too.
    mutating func fail(publishesTo exchange: String, _ error: AMQPError) -> [Outcome] {
        var outcomes: [Outcome] = []
        for tag in inflight.keys.sorted() where inflight[tag]?.message.exchange == exchange {
            if let entry = inflight.removeValue(forKey: tag) {
                outcomes.append(Outcome(request: entry, result: .failure(error)))
            }
        }
        advanceLowestUnconfirmed()
        let refused = pending[pendingHead...].filter { $0.message.exchange == exchange }
        guard !refused.isEmpty else { return outcomes }
        pending = pending[pendingHead...].filter { $0.message.exchange != exchange }
        pendingHead = 0
        return outcomes + refused.map { Outcome(request: $0, result: .failure(error)) }
    }

    /// Fails every publish, waiting or in flight (the connection closes for good).
    mutating func failAll(_ error: AMQPError) -> [Outcome] {
        let outcomes = pending[pendingHead...].map { Outcome(request: $0, result: .failure(error)) }
            + inflight.values.map { Outcome(request: $0, result: .failure(error)) }
        pending.removeAll()
        pendingHead = 0
        inflight.removeAll()
        return outcomes
    }

    // MARK: - A new connection

    /// A new connection with confirms enabled: its delivery tags start again at 1, and whatever was in
    /// flight on the old one goes out again first, in its order. Unconfirmed means the broker may not have
    /// it; consumers are idempotent on the message id, so a duplicate is harmless.
    mutating func reconnected() {
        nextTag = 1
        lowestUnconfirmed = 1
        let retry = inflight.sorted { $0.key < $1.key }.map(\.value)
        inflight.removeAll()
        returnedTags.removeAll()
        pending.replaceSubrange(0..<pendingHead, with: retry)
        pendingHead = 0
        blockedReason = nil
    }

    /// Moves `lowestUnconfirmed` past tags that are no longer in flight.
    private mutating func advanceLowestUnconfirmed() {
        while lowestUnconfirmed < nextTag, inflight[lowestUnconfirmed] == nil {
            lowestUnconfirmed += 1
        }
    }
}
