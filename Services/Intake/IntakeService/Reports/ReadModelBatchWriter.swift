import Logging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle

/// Group commit for the read model (on the shared ``GroupCommit``): the event worker's concurrent handlers
/// each hand in one later event and wait while a writer applies everything waiting in one transaction
/// (``ApplyReadModelBatch``, one statement per round); the worker acks each delivery only after its batch
/// committed. Idle, an event is applied at once; under load batches grow by themselves.
struct ReadModelBatchWriter: Service {
    private let commit: GroupCommit<ReadModelEvent, ReadModelOutcome>

    /// A writer applying through `store`: `writers` batches in flight at most, each of at most `maxBatch` events.
    /// One writer by default: two batches updating the same reports in flight at once deadlocked
    /// (SQLSTATE 40P01, the whole batch retried seconds later); one batch at a time grows as large as the
    /// load needs instead.
    init(store: ReportStore, writers: Int = 1, maxBatch: Int = 256, logger: Logger) {
        commit = GroupCommit(
            writers: writers, maxBatch: maxBatch,
            stoppedError: { IntakeStoreError(.unavailable, "intake is shutting down") }
        ) { events in
            do {
                return try await store.client.withTransaction(within: .seconds(20), "applying read-model events", logger: logger) { connection in
                    try await store.applyToReadModel(events, on: connection)
                }
            } catch {
                logger.warning("a batch of read-model events could not be applied; nothing of it was", metadata: [
                    "events": "\(events.count)", "error": "\(ReportStore.unavailable(error, "applying read-model events"))",
                ])
                throw error
            }
        }
    }

    /// Applies `event` in the next batch and returns once that batch committed (or throws: nothing of it was applied).
    func apply(_ event: ReadModelEvent) async throws -> ReadModelOutcome {
        try await commit.submit(event)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they apply what still waits and stop.
    func run() async throws {
        try await commit.run()
    }
}
