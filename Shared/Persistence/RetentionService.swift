import Logging
import Metrics
import PostgresNIO
import ServiceLifecycle

/// Deletes expired history on a timer, as a ServiceLifecycle `Service`: every `interval` (the first time
/// `firstRunAfter` after start) each rule's rows older than its window are deleted, `batchSize` per
/// statement, each statement raced against `deadline`. Every stage runs one for its inbox (StageRuntime);
/// intake adds its Idempotency-Keys. The audit log and the read models have no rule: they keep everything.
///
/// A failed run (the database down, a statement past its deadline) is logged and counted, and the next
/// period tries again; the service never ends because of it. On graceful shutdown it stops at once: the
/// batch in flight is abandoned (it is one statement, so it either committed or rolled back whole).
///
/// Metrics (dimensions `schema`, `table`): `open137_retention_deleted_total`,
/// `open137_retention_errors_total` (runs of a table that failed).
public struct RetentionService: Service {
    /// Tuning of the timer and the batches.
    public struct Configuration: Sendable {
        /// Rows per delete statement when none is given: a few milliseconds of locks and WAL each.
        public static let defaultBatchSize = 5_000

        /// Time between runs.
        public var interval: Duration
        /// Pause between start (after migrations) and the first run, so that a stage catching up after a
        /// restart is not slowed by a purge at the same moment.
        public var firstRunAfter: Duration
        /// Most rows deleted by one statement.
        public var batchSize: Int
        /// How long one statement may take before it is abandoned and the run counted as failed.
        public var deadline: Duration

        /// Creates a configuration; the defaults suit a stage's inbox.
        public init(
            interval: Duration = .seconds(600),
            firstRunAfter: Duration = .seconds(30),
            batchSize: Int = Configuration.defaultBatchSize,
            deadline: Duration = .seconds(60)
        ) {
            self.interval = interval
            self.firstRunAfter = firstRunAfter
            self.batchSize = max(1, batchSize)
            self.deadline = deadline
        }
    }

    /// The rules, each with its counters.
    private struct Entry: Sendable {
        let rule: RetentionRule
        let deleted: Counter
        let errors: Counter
    }

    private let client: PostgresClient
    private let entries: [Entry]
    private let configuration: Configuration
    private let logger: Logger

    /// A service applying `rules` over `client` (which must be running).
    public init(client: PostgresClient, rules: [RetentionRule], configuration: Configuration = Configuration(), logger: Logger) {
        self.client = client
        self.configuration = configuration
        self.logger = logger
        entries = rules.map { rule in
            let dimensions = [("schema", rule.rows.schema), ("table", rule.rows.table)]
            return Entry(
                rule: rule,
                deleted: Counter(label: "open137_retention_deleted_total", dimensions: dimensions),
                errors: Counter(label: "open137_retention_errors_total", dimensions: dimensions)
            )
        }
    }

    /// Runs every `interval` until cancelled or shut down gracefully. Failures do not end it.
    public func run() async throws {
        logger.info("retention started", metadata: [
            "tables": "\(entries.map { "\($0.rule.rows) (\($0.rule.window))" })", "interval": "\(configuration.interval)",
        ])
        // Cancelling on graceful shutdown ends a sleep (or a batch) at once instead of after the period.
        await cancelWhenGracefulShutdown {
            try? await Task.sleep(for: configuration.firstRunAfter)
            while !Task.isCancelled {
                await runOnce()
                try? await Task.sleep(for: configuration.interval)
            }
        }
        logger.info("retention stopped")
    }

    /// Purges every rule's expired rows once, in batches; logs and counts what it deleted and what failed.
    /// A failure ends that table's purge for this run only; the other tables are still purged.
    @discardableResult
    public func runOnce() async -> RetentionRun {
        var run = RetentionRun()
        for entry in entries {
            if Task.isCancelled { break }
            let name = entry.rule.rows.description
            var deleted = 0
            do {
                while !Task.isCancelled {
                    let batch = try await deleteBatch(entry.rule)
                    deleted += batch
                    entry.deleted.increment(by: batch)
                    if batch < configuration.batchSize { break }
                }
                run.deleted[name] = deleted
                logger.info("retention: deleted expired rows", metadata: [
                    "table": "\(name)", "rows": "\(deleted)", "window": "\(entry.rule.window)",
                ])
            } catch {
                run.deleted[name] = deleted
                if Task.isCancelled { break }
                run.failures[name] = "\(error)"
                entry.errors.increment()
                logger.warning("retention: purge failed; trying again at the next period", metadata: [
                    "table": "\(name)", "rows": "\(deleted)", "error": "\(error)",
                ])
            }
        }
        return run
    }

    /// One batch of `rule`, abandoned after the deadline (postgres-nio can queue a request for ever while the
    /// database is down).
    private func deleteBatch(_ rule: RetentionRule) async throws -> Int {
        let (client, logger, limit) = (client, logger, configuration.batchSize)
        return try await DatabaseDeadline(timeout: configuration.deadline).run("purging \(rule.rows)") {
            try await rule.rows.deleteBatch(olderThan: rule.window, limit: limit, client: client, logger: logger)
        }
    }
}
