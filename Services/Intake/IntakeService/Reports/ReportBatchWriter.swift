import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Group commit for reports: concurrent submissions wait here while a writer stores everything that is
/// waiting in one statement (one transaction, one WAL flush), so a busy front door costs the database a
/// few commits a second instead of one per report. Idle, a report is written at once — batching adds no
/// delay, it only takes what piled up while the previous batch was being committed.
///
/// Several writers run at once so that batches overlap their round trips. `201` still comes only after
/// the report's batch committed. Reports with an Idempotency-Key take the store's single path instead.
public final class ReportBatchWriter: Service, Sendable {
    private let store: ReportStore
    private let writers: Int
    private let maxBatch: Int
    private let logger: Logger
    private let state = Mutex(State())

    private struct Waiting: Sendable {
        let id: UInt64
        let item: ReportStore.BatchItem
        let continuation: CheckedContinuation<AcceptedReport, any Error>
    }

    private struct State: Sendable {
        var nextID: UInt64 = 0
        var waiting: [Waiting] = []
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var stopping = false
    }

    /// A writer over `store`: `writers` batches in flight at most, each of at most `maxBatch` reports.
    public init(store: ReportStore, writers: Int = 4, maxBatch: Int = 256, logger: Logger) {
        precondition(writers > 0 && maxBatch > 0, "a batch writer needs at least one writer and one report per batch")
        self.store = store
        self.writers = writers
        self.maxBatch = maxBatch
        self.logger = logger
    }

    /// Stores `draft` in the next batch and returns once that batch committed. A caller that gives up
    /// (cancellation) before its report was taken into a batch leaves nothing stored.
    public func accept(_ draft: ReportDraft, correlationID: String? = nil) async throws -> AcceptedReport {
        let item = ReportStore.batchItem(draft, correlationID: correlationID)
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let (accepted, writer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                    guard !state.stopping else { return (false, nil) }
                    state.waiting.append(Waiting(id: id, item: item, continuation: continuation))
                    return (true, state.idleWriters.popLast())
                }
                guard accepted else {
                    continuation.resume(throwing: IntakeStoreError(.unavailable, "intake is shutting down"))
                    return
                }
                writer?.resume()
            }
        } onCancel: {
            let removed = state.withLock { state -> Waiting? in
                guard let index = state.waiting.firstIndex(where: { $0.id == id }) else { return nil }
                return state.waiting.remove(at: index)
            }
            removed?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what is still waiting and stop.
    public func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for _ in 0..<writers {
                        group.addTask { await self.writeUntilStopped() }
                    }
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            stop()
        }
    }

    /// Refuses new reports and wakes idle writers so they drain what waits and return.
    private func stop() {
        let idle = state.withLock { state in
            state.stopping = true
            defer { state.idleWriters.removeAll() }
            return state.idleWriters
        }
        for writer in idle { writer.resume() }
    }

    private func writeUntilStopped() async {
        while true {
            let batch = state.withLock { state -> [Waiting]? in
                if state.waiting.isEmpty { return state.stopping ? nil : [] }
                let count = min(maxBatch, state.waiting.count)
                defer { state.waiting.removeFirst(count) }
                return Array(state.waiting.prefix(count))
            }
            guard let batch else { return }
            if batch.isEmpty {
                await withCheckedContinuation { continuation in
                    let wakeNow = state.withLock { state in
                        if !state.waiting.isEmpty || state.stopping { return true }
                        state.idleWriters.append(continuation)
                        return false
                    }
                    if wakeNow { continuation.resume() }
                }
                continue
            }
            await write(batch)
        }
    }

    private func write(_ batch: [Waiting]) async {
        do {
            let stored = try await store.insertBatch(batch.map(\.item))
            for waiting in batch {
                if stored.contains(waiting.item.reportID) {
                    waiting.continuation.resume(returning: AcceptedReport(
                        reportID: waiting.item.reportID, trackingCode: waiting.item.trackingCode, status: "received",
                        receivedAt: waiting.item.receivedAt, replayed: false
                    ))
                } else {
                    // Its tracking code was taken: rare; the single path draws another.
                    await retrySingly(waiting)
                }
            }
        } catch {
            logger.warning("a batch of reports could not be stored; nothing of it was", metadata: [
                "reports": "\(batch.count)", "error": "\(error)",
            ])
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }

    private func retrySingly(_ waiting: Waiting) async {
        do {
            let accepted = try await store.accept(waiting.item.draft, idempotency: nil, correlationID: waiting.item.correlationID)
            waiting.continuation.resume(returning: accepted)
        } catch {
            waiting.continuation.resume(throwing: error)
        }
    }
}
