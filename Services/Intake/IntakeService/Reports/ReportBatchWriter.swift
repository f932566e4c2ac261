import Foundation
import Logging
import Persistence
import ServiceHosting
import ServiceLifecycle

/// Group commit for reports (on the shared ``GroupCommit``): concurrent submissions are stored together in
/// one statement — one transaction, one WAL flush — so a busy front door costs the database a few commits
/// a second instead of one per report. `201` still comes only after the report's batch committed. A
/// report's Idempotency-Key is claimed in the same statement; a key seen before (a client's retry) and the
/// rare tracking code drawn twice go to the store's single path, which answers from the first report.
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

    /// Stores `draft` in the next batch and returns once that batch committed; with an idempotency claim, a
    /// key seen before returns the first report (same body) or throws `.idempotencyConflict` (another
    /// body). A caller that gives up (cancellation) before its report was taken into a batch leaves
    /// nothing stored.
    public func write(_ draft: ReportDraft, idempotency: IdempotencyClaim? = nil, correlationID: String? = nil) async throws -> AcceptedReport {
        try await commit.submit(ReportStore.batchItem(draft, idempotency: idempotency, correlationID: correlationID)).get()
    }

    /// Runs the writers until graceful shutdown; then they store what is still waiting and stop.
    public func run() async throws {
        try await commit.run()
    }

    private static func write(_ items: [ReportStore.BatchItem], store: ReportStore) async throws -> [Result<AcceptedReport, any Error>] {
        // One claim of a key per statement: a second report under the same key (a client's retry racing its
        // first try) waits for the single path, which then answers from the first report.
        var keys = Set<IdempotencyClaim.Key>()
        let batched = items.filter { item in item.idempotency.map { keys.insert($0.scopedKey).inserted } ?? true }
        let stored = try await store.insertBatch(batched)
        var outcomes: [Result<AcceptedReport, any Error>] = []
        for item in items {
            if stored.contains(item.reportID) {
                outcomes.append(.success(AcceptedReport(
                    reportID: item.reportID, trackingCode: item.trackingCode, status: "received", receivedAt: item.receivedAt, replayed: false
                )))
            } else {
                do {
                    outcomes.append(.success(try await store.store(item.draft, idempotency: item.idempotency, correlationID: item.correlationID)))
                } catch {
                    outcomes.append(.failure(error))
                }
            }
        }
        return outcomes
    }
}
