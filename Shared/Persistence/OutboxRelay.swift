import Logging
import Messaging
import Metrics
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Publishes what `Outbox` wrote, as a ServiceLifecycle `Service`, holding no transaction and no
/// connection while it waits on the broker.
///
/// Two sources feed it. What this process's transactions wrote through ``Outbox/insert(_:on:logger:)`` is
/// handed over in memory once committed (``OutboxDispatch``) and published at once: at 50 reports a second
/// that spares each report a NOTIFY, a claiming transaction and a read of the table. Everything else —
/// rows of a process that died, rows whose publish failed and whose retry time has come, rows written
/// through the older ``Outbox/enqueue(_:on:logger:)`` (which NOTIFYs) — is found by the recovery sweep,
/// which runs on `LISTEN open137_outbox_<schema>`, every `pollInterval`, and at start.
///
/// The sweep claims up to `batchSize` due rows in id order in one short statement that leases them
/// (`available_at` moves `Outbox.lease` ahead, `FOR UPDATE SKIP LOCKED`, so replicas never claim the same
/// row); then, with no transaction open, they are published pipelined through a `MessagePublishing`; then
/// one more statement settles them: confirmed rows are deleted (or marked sent), failed ones get
/// `attempts + 1`, `last_error` and a retry time with exponential back-off. Every database step runs within
/// ``DatabaseDeadline``, which returns on time even when postgres-nio never answers. Delivery is at least
/// once: if the settle fails, the rows are published again after their lease, and consumers are idempotent
/// on the event id (the inbox). Order is kept by id within a batch, not across a retry.
///
/// On graceful shutdown it finishes the batch in hand and returns; in a `ServiceGroup` list it after the
/// `PostgresClient` (services stop in reverse order) so the client outlives it.
///
/// Metrics (dimension `schema`): `open137_outbox_published_total`, `open137_outbox_failed_total`,
/// `open137_outbox_relay_errors_total` (database failures), gauge `open137_outbox_backlog`.
public struct OutboxRelay: Service {
    /// What one `relayBatch()` did.
    public struct BatchReport: Sendable, Hashable {
        /// Rows claimed.
        public var claimed: Int
        /// Rows the broker confirmed, now marked sent.
        public var published: Int
        /// Rows that failed and wait for a retry.
        public var failed: Int

        /// Creates a report.
        public init(claimed: Int, published: Int, failed: Int) {
            self.claimed = claimed
            self.published = published
            self.failed = failed
        }
    }

    let client: PostgresClient
    let outbox: Outbox
    let publisher: any MessagePublishing
    let configuration: Configuration
    let logger: Logger
    let publishedCounter: Counter
    let failedCounter: Counter
    let errorCounter: Counter
    let backlogGauge: Gauge

    /// A relay of `outbox` over `client` (which must be running) to `publisher`.
    public init(
        client: PostgresClient,
        outbox: Outbox,
        publisher: any MessagePublishing,
        configuration: Configuration = Configuration(),
        logger: Logger
    ) {
        self.client = client
        self.outbox = outbox
        self.publisher = publisher
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "outbox_schema"] = "\(outbox.schema)"
        self.logger = logger
        let dimensions = [("schema", outbox.schema)]
        self.publishedCounter = Counter(label: "open137_outbox_published_total", dimensions: dimensions)
        self.failedCounter = Counter(label: "open137_outbox_failed_total", dimensions: dimensions)
        self.errorCounter = Counter(label: "open137_outbox_relay_errors_total", dimensions: dimensions)
        self.backlogGauge = Gauge(label: "open137_outbox_backlog", dimensions: dimensions)
    }

    /// Relays until cancelled or shut down gracefully (then after finishing the batch in hand). Database and
    /// broker failures are logged, counted and retried; they do not end the service.
    public func run() async throws {
        let (wakeups, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let sweep = SweepRequest()
        outbox.dispatch.ring(wake)
        defer { outbox.dispatch.ring(nil) }
        logger.info("outbox relay started", metadata: ["channel": "\(outbox.notificationChannel)"])
        await withGracefulShutdownHandler {
            let roundStarted = RoundStart()
            await withDiscardingTaskGroup { group in
                group.addTask { await self.listen(waking: wake, sweep: sweep) }
                group.addTask { await self.poll(waking: wake, sweep: sweep) }
                group.addTask { await self.watch(roundStarted) }
                wake.yield()
                var housekeeping = Housekeeping()
                var busy = false
                for await _ in wakeups {
                    roundStarted.nanoseconds.store(Self.now(), ordering: .relaxed)
                    busy = await drain(progress: roundStarted, sweep: sweep, linger: busy)
                    if Task.isShuttingDownGracefully || Task.isCancelled { break }
                    await housekeeping.run(self)
                    roundStarted.nanoseconds.store(0, ordering: .relaxed)
                }
                group.cancelAll()
            }
        } onGracefulShutdown: {
            wake.finish()
        }
        logger.info("outbox relay stopped")
    }

    /// One round of the recovery sweep: claims (leases) up to `batchSize` due rows, publishes them and
    /// settles them. `run()` calls it when the table may hold due rows; tests and admin tools may call it
    /// directly.
    @discardableResult
    public func relayBatch() async throws -> BatchReport {
        let (claimed, unreadable) = try await claim()
        if claimed.isEmpty && unreadable.isEmpty { return BatchReport(claimed: 0, published: 0, failed: 0) }
        return try await publishAndSettle(claimed, unreadable: unreadable)
    }

    /// Publishes `messages` (no transaction open) and settles their rows: confirmed ones deleted or marked
    /// sent, failed ones (and `unreadable` rows) given their error and a retry time.
    func publishAndSettle(_ messages: [OutboxMessage], unreadable: [(Int64, String)] = []) async throws -> BatchReport {
        let publisher = self.publisher
        let outgoing = messages.map(\.message)
        // A publish bounded as the database steps are: when it does not return, the rows stay leased and go
        // out again after the lease, and the relay goes on with the next batch.
        let results = outgoing.isEmpty ? [] : try await DatabaseDeadline(timeout: configuration.deadline).run("publishing \(outgoing.count) outbox messages") {
            await publisher.publish(outgoing)
        }
        var sent: [Int64] = []
        var failedIDs = unreadable.map(\.0)
        var failedErrors = unreadable.map(\.1)
        for (index, row) in messages.enumerated() {
            let result: Result<Void, AMQPError> = index < results.count
                ? results[index]
                : .failure(AMQPError(.protocolError, "the publisher returned no result for this message"))
            switch result {
            case .success: sent.append(row.id)
            case .failure(let error):
                failedIDs.append(row.id)
                failedErrors.append(String(error.description.prefix(1000)))
            }
        }
        publishedCounter.increment(by: sent.count)
        failedCounter.increment(by: failedIDs.count)
        if let first = failedErrors.first {
            logger.warning("outbox messages failed to publish; they will be retried", metadata: [
                "failed": "\(failedIDs.count)", "published": "\(sent.count)", "first_error": "\(first)",
            ])
        }
        try await settle(sent: sent, failedIDs: failedIDs, failedErrors: failedErrors)
        let report = BatchReport(claimed: messages.count + unreadable.count, published: sent.count, failed: failedIDs.count)
        if report.claimed > 0 {
            logger.debug("outbox batch relayed", metadata: ["published": "\(report.published)", "failed": "\(report.failed)"])
        }
        return report
    }

    /// Publishes what was handed over in memory and, when one is due, sweeps the table, until nothing is
    /// waiting in memory. At most 16 batches from memory go before each due sweep, so that under a steady
    /// load the rows waiting for a retry (or left by a process that died) are not starved by new ones.
    ///
    /// With `linger` (the last round's first batch held more than one message: load is arriving) it first
    /// waits ``Configuration/linger`` for more hand-overs to join the batch. Without load the pause would
    /// gather nothing and cost a timer; the answer says whether to linger next round.
    private func drain(progress: RoundStart, sweep: SweepRequest, linger: Bool) async -> Bool {
        if linger, configuration.linger > .zero { try? await Task.sleep(for: configuration.linger) }
        var firstBatch: Int?
        while !Task.isCancelled {
            for _ in 0..<16 {
                let handed = outbox.dispatch.take(upTo: configuration.batchSize)
                if handed.isEmpty { break }
                if firstBatch == nil { firstBatch = handed.count }
                do {
                    _ = try await publishAndSettle(handed)
                } catch {
                    // Published or not, the rows are safe: their lease runs out and the sweep takes them.
                    errorCounter.increment()
                    logger.warning("settling handed-over outbox messages failed; the sweep takes them after their lease", metadata: ["error": "\(error)"])
                }
                progress.nanoseconds.store(Self.now(), ordering: .relaxed)
                if Task.isShuttingDownGracefully { return false }
            }
            if sweep.flag.exchange(false, ordering: .relaxed) { await sweepDue(progress: progress) }
            if outbox.dispatch.waitingCount == 0 || Task.isShuttingDownGracefully { break }
        }
        return (firstBatch ?? 0) > 1
    }

    /// Sweeps batch after batch until the table has no more due rows, a batch makes no progress, or
    /// shutdown begins.
    private func sweepDue(progress: RoundStart) async {
        while !Task.isCancelled {
            do {
                let report = try await relayBatch()
                // A long backlog is many batches: the watchdog measures from the last one that finished.
                progress.nanoseconds.store(Self.now(), ordering: .relaxed)
                if report.claimed < configuration.batchSize || report.published == 0 || Task.isShuttingDownGracefully { return }
            } catch {
                if Task.isCancelled { return }
                errorCounter.increment()
                logger.warning("outbox batch failed; retrying at the next poll", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    /// Holds one pooled connection in `LISTEN` and turns each notification into a wake-up; reconnects after
    /// `listenRetryDelay` when the connection is lost.
    private func listen(waking wake: AsyncStream<Void>.Continuation, sweep: SweepRequest) async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: outbox.notificationChannel) { notifications in
                        // Catches whatever committed before the LISTEN took effect.
                        sweep.request(wake)
                        for try await _ in notifications { sweep.request(wake) }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("outbox LISTEN connection lost; polling until it is back", metadata: [
                    "error": "\(PersistenceError.mapping(error, to: .databaseUnavailable, "listening"))",
                ])
            }
            try? await Task.sleep(for: configuration.listenRetryDelay)
        }
    }

    /// Checks every second whether the round under way has made no progress (no batch finished) for
    /// longer than `stallLimit`; then logs it and calls `onStall` once.
    private func watch(_ roundStarted: RoundStart) async {
        let limit = Int64(configuration.stallLimit.components.seconds) * 1_000_000_000
            + configuration.stallLimit.components.attoseconds / 1_000_000_000
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            let started = roundStarted.nanoseconds.load(ordering: .relaxed)
            guard started != 0, Self.now() - started > limit else { continue }
            logger.critical("outbox relay stuck: a round has been under way too long; the service must be restarted", metadata: [
                "stall_limit": "\(configuration.stallLimit)",
            ])
            configuration.onStall?()
            return
        }
    }

    /// Nanoseconds on the continuous clock (never 0: 0 means no round).
    private static func now() -> Int64 {
        let elapsed = ContinuousClock.now - clockOrigin
        return max(1, Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
    }

    private static let clockOrigin = ContinuousClock.now

    /// When the round under way began or last finished a batch (nanoseconds on the continuous clock), or
    /// 0 between rounds.
    private final class RoundStart: Sendable {
        let nanoseconds = Atomic<Int64>(0)
    }

    /// Wakes the relay every `pollInterval`.
    private func poll(waking wake: AsyncStream<Void>.Continuation, sweep: SweepRequest) async {
        sweep.request(wake)
        while !Task.isCancelled {
            try? await Task.sleep(for: configuration.pollInterval)
            sweep.request(wake)
        }
    }

    /// Set when the table may hold due rows (a NOTIFY, the poll, the start), cleared by the sweep that
    /// follows; a hand-off in memory wakes the relay without it.
    private final class SweepRequest: Sendable {
        let flag = Atomic<Bool>(true)

        func request(_ wake: AsyncStream<Void>.Continuation) {
            flag.store(true, ordering: .relaxed)
            wake.yield()
        }
    }

    /// The backlog gauge (at most once per poll interval) and the retention clean-up (once per cleanup
    /// interval), between batches.
    private struct Housekeeping {
        var lastBacklog: ContinuousClock.Instant?
        var lastCleanup: ContinuousClock.Instant?

        mutating func run(_ relay: OutboxRelay) async {
            let now = ContinuousClock.now
            if lastBacklog.map({ now - $0 >= relay.configuration.pollInterval }) ?? true {
                lastBacklog = now
                let deadline = DatabaseDeadline(timeout: relay.configuration.deadline)
                if let backlog = try? await deadline.run("counting the backlog", { try await relay.outbox.backlog(client: relay.client, logger: relay.logger) }) {
                    relay.backlogGauge.record(backlog)
                }
            }
            if let retention = relay.configuration.retention,
               lastCleanup.map({ now - $0 >= relay.configuration.cleanupInterval }) ?? true {
                lastCleanup = now
                do {
                    let purged = try await DatabaseDeadline(timeout: relay.configuration.deadline).run("purging sent rows") {
                        try await relay.purgeSent(olderThan: retention)
                    }
                    if purged > 0 { relay.logger.info("purged sent outbox rows", metadata: ["rows": "\(purged)"]) }
                } catch {
                    relay.logger.warning("outbox clean-up failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
