import Foundation
import Logging
import ServiceLifecycle
import ServiceSupport

/// Group commit for reports (on the shared ``GroupCommit``): concurrent submissions are stored together in
/// one statement — one transaction, one WAL flush — so a busy front door costs the database a few commits
/// a second instead of one per report. `201` still comes only after the report's batch committed. Reports
/// with an Idempotency-Key take the store's single path instead.
public struct ReportBatchWriter: Service {
    private let commit: GroupCommit<ReportStore.BatchItem, Result<AcceptedReport, any Error>>

    /// A writer over `store`: `writers` batches in flight at most, each of at most `maxBatch` reports.
    public init(store: ReportStore, writers: Int = 4, maxBatch: Int = 256, logger: Logger) {
        commit = GroupCommit(
            writers: writers, maxBatch: maxBatch,
            stoppedError: { IntakeStoreError(.unavailable, "intake is shutting down") }
        ) { items in
            do {
                return try await Self.write(items, store: store)
            } catch {
                logger.warning("a batch of reports could not be stored; nothing of it was", metadata: [
                    "reports": "\(items.count)", "error": "\(error)",
                ])
                throw error
            }
        }
    }

    /// Stores `draft` in the next batch and returns once that batch committed. A caller that gives up
    /// (cancellation) before its report was taken into a batch leaves nothing stored.
    public func accept(_ draft: ReportDraft, correlationID: String? = nil) async throws -> AcceptedReport {
        try await commit.submit(ReportStore.batchItem(draft, correlationID: correlationID)).get()
    }

    /// Runs the writers until graceful shutdown; then they store what is still waiting and stop.
    public func run() async throws {
        try await commit.run()
    }

    private static func write(_ items: [ReportStore.BatchItem], store: ReportStore) async throws -> [Result<AcceptedReport, any Error>] {
        let stored = try await store.insertBatch(items)
        var outcomes: [Result<AcceptedReport, any Error>] = []
        for item in items {
            if stored.contains(item.reportID) {
                outcomes.append(.success(AcceptedReport(
                    reportID: item.reportID, trackingCode: item.trackingCode, status: "received", receivedAt: item.receivedAt, replayed: false
                )))
            } else {
                // Its tracking code was taken: rare; the single path draws another.
                do {
                    outcomes.append(.success(try await store.accept(item.draft, idempotency: nil, correlationID: item.correlationID)))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
        }
        return outcomes
    }
}
