import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Group commit for the audit log: concurrent deliveries wait here while a writer appends everything that
/// is waiting in one transaction (one chain-head lock, one insert, one commit). Idle, an event is appended
/// at once; under load batches grow by themselves. A delivery is acked only after its batch committed.
///
/// Two writers run so that one prepares its batch while the other holds the chain head; since the head is
/// one row, more would only queue on its lock.
public final class AuditAppender: Service, Sendable {
    private let log: AuditLog
    private let writers: Int
    private let maxBatch: Int
    private let state = Mutex(State())

    private struct Waiting: Sendable {
        let record: AuditRecord
        let continuation: CheckedContinuation<AppendOutcome, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var stopping = false
    }

    /// An appender over `log`: at most `writers` batches in flight, each of at most `maxBatch` events.
    public init(log: AuditLog, writers: Int = 2, maxBatch: Int = 512) {
        precondition(writers > 0 && maxBatch > 0, "an appender needs at least one writer and one event per batch")
        self.log = log
        self.writers = writers
        self.maxBatch = maxBatch
    }

    /// Appends `record` in the next batch and returns once that batch committed.
    public func append(_ record: AuditRecord) async throws -> AppendOutcome {
        try await withCheckedThrowingContinuation { continuation in
            let (accepted, writer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.stopping else { return (false, nil) }
                state.waiting.append(Waiting(record: record, continuation: continuation))
                return (true, state.idleWriters.popLast())
            }
            guard accepted else {
                continuation.resume(throwing: AuditStoreError(.stopping, "the audit appender is shutting down"))
                return
            }
            writer?.resume()
        }
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they append what is still waiting and stop.
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
            do {
                let outcomes = try await log.append(batch.map(\.record))
                for (waiting, outcome) in zip(batch, outcomes) { waiting.continuation.resume(returning: outcome) }
            } catch {
                // The whole batch rolled back: every delivery in it is retried by its worker.
                for waiting in batch { waiting.continuation.resume(throwing: error) }
            }
        }
    }
}
