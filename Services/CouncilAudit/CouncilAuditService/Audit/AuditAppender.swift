import Foundation
import Logging
import Persistence
import ServiceHosting
import ServiceLifecycle

/// Group commit for the audit log: concurrent deliveries wait here while a writer appends everything that
/// is waiting in one transaction (one chain-head lock, one insert, one commit). Idle, an event is appended
/// at once; under load batches grow by themselves. A delivery is acked only after its batch committed.
///
/// Two writers run so that one prepares its batch while the other holds the chain head; since the head is
/// one row, more would only queue on its lock.
public struct AuditAppender: Service {
    private let commit: GroupCommit<AuditRecord, AppendOutcome>

    /// An appender over `log`: at most `writers` batches in flight, each of at most `maxBatch` events.
    public init(log: AuditLog, writers: Int = 2, maxBatch: Int = 512) {
        commit = GroupCommit(
            writers: writers, maxBatch: maxBatch, stoppedError: { AuditStoreError(.stopping, "the audit appender is shutting down") }
        ) { records in
            // Throwing rolls the whole batch back: every delivery in it is retried by its worker.
            try await log.append(records)
        }
    }

    /// Appends `record` in the next batch and returns once that batch committed.
    public func append(_ record: AuditRecord) async throws -> AppendOutcome {
        try await commit.submit(record)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they append what is still waiting and stop.
    public func run() async throws {
        try await commit.run()
    }
}
