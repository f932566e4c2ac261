extension OutboxRelay {
    /// Tuning of one relay.
    public struct Configuration: Sendable {
        /// Most rows claimed and published per transaction.
        public var batchSize: Int
        /// Poll period when no notification arrives; also the pause after a failed batch.
        public var pollInterval: Duration
        /// Retry delay after the first failed publish of a row; doubles per attempt.
        public var retryBaseDelay: Duration
        /// Upper bound of the retry delay.
        public var retryMaxDelay: Duration
        /// Sent rows older than this are deleted; nil keeps them forever.
        public var retention: Duration?
        /// How often the retention clean-up runs.
        public var cleanupInterval: Duration
        /// Pause before re-establishing a lost `LISTEN` connection.
        public var listenRetryDelay: Duration
        /// How long each step of a batch (the claim, the publish, the settle) or a housekeeping query may take
        /// before it is abandoned — its rows stay leased and go out again after the lease — and the relay goes
        /// on: a request can otherwise wait for ever for a connection or for an answer.
        public var deadline: Duration
        /// How long one round (a drain and its housekeeping) may go without finishing a batch before the
        /// relay counts as stuck and `onStall` is called (a long backlog is many short batches). `make chaos` saw a relay wait forever, deaf to cancellation, on a
        /// database request after `pg_ctl stop -m immediate`; a process whose relay is stuck must be
        /// restarted, and only the service can decide that.
        public var stallLimit: Duration
        /// Called (once) when a round has been under way longer than `stallLimit`; nil to only log it.
        public var onStall: (@Sendable () -> Void)?
        /// Pause after a wake-up before the first claim of a round, so that the commits of a few
        /// milliseconds go out in one batch (one transaction, one publish) instead of one round each.
        public var linger: Duration
        /// Deletes a row once the broker confirmed it instead of marking it sent (and keeping it for
        /// `retention`): for a stage whose events are many and kept elsewhere (the audit log), this spares
        /// PostgreSQL writing each row a second time. Its consumers must not rely on the outbox's
        /// uniqueness to de-duplicate a re-enqueued event (the inbox does that).
        public var deleteWhenSent: Bool

        /// Creates a configuration; the defaults suit a service relaying its own events.
        public init(
            batchSize: Int = 100,
            pollInterval: Duration = .seconds(1),
            retryBaseDelay: Duration = .seconds(1),
            retryMaxDelay: Duration = .seconds(300),
            retention: Duration? = .seconds(7 * 24 * 3600),
            cleanupInterval: Duration = .seconds(600),
            listenRetryDelay: Duration = .seconds(2),
            deadline: Duration = .seconds(20),
            stallLimit: Duration = .seconds(60),
            onStall: (@Sendable () -> Void)? = nil,
            deleteWhenSent: Bool = false,
            linger: Duration = .milliseconds(2)
        ) {
            self.linger = linger
            self.batchSize = max(1, batchSize)
            self.pollInterval = pollInterval
            self.retryBaseDelay = retryBaseDelay
            self.retryMaxDelay = retryMaxDelay
            self.retention = retention
            self.cleanupInterval = cleanupInterval
            self.listenRetryDelay = listenRetryDelay
            self.deadline = deadline
            self.stallLimit = stallLimit
            self.onStall = onStall
            self.deleteWhenSent = deleteWhenSent
        }
    }
}
