import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// Group commit for routing, as intake's `ReportBatchWriter`: the worker's concurrent handlers each hand
/// in one classified report and wait while a writer stores everything waiting in one statement
/// (``InsertRoutingBatch``: one transaction, one WAL flush); the worker acks each delivery only after its
/// batch committed. Idle, a report is written at once; under load batches grow by themselves.
final class RoutingBatchWriter: Service, Sendable {
    /// What storing one item did.
    enum Outcome: Sendable, Equatable {
        /// Stored now, with its messages.
        case routed
        /// The event was new but its report was already routed (a re-classification): nothing changed.
        case alreadyRouted
        /// The event was applied before (a redelivery).
        case duplicate
    }

    private let client: PostgresClient
    private let consumer: String
    private let notificationChannel: String
    private let writers: Int
    private let maxBatch: Int
    private let logger: Logger
    private let state = Mutex(State())

    private struct Waiting: Sendable {
        let item: RoutingBatchItem
        let continuation: CheckedContinuation<Outcome, any Error>
    }

    private struct State: Sendable {
        var waiting: [Waiting] = []
        var idleWriters: [CheckedContinuation<Void, Never>] = []
        var stopping = false
    }

    /// A writer storing through `client`: `writers` batches in flight at most, each of at most `maxBatch` reports.
    init(client: PostgresClient, consumer: String, notificationChannel: String, writers: Int = 3, maxBatch: Int = 128, logger: Logger) {
        precondition(writers > 0 && maxBatch > 0, "a batch writer needs at least one writer and one report per batch")
        self.client = client
        self.consumer = consumer
        self.notificationChannel = notificationChannel
        self.writers = writers
        self.maxBatch = maxBatch
        self.logger = logger
    }

    /// Stores `item` in the next batch and returns once that batch committed (or throws: nothing of it was stored).
    func store(_ item: RoutingBatchItem) async throws -> Outcome {
        try await withCheckedThrowingContinuation { continuation in
            let (accepted, writer) = state.withLock { state -> (Bool, CheckedContinuation<Void, Never>?) in
                guard !state.stopping else { return (false, nil) }
                state.waiting.append(Waiting(item: item, continuation: continuation))
                return (true, state.idleWriters.popLast())
            }
            guard accepted else {
                continuation.resume(throwing: RoutingUnavailable())
                return
            }
            writer?.resume()
        }
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what still waits and stop.
    func run() async throws {
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
            await write(batch)
        }
    }

    private func write(_ batch: [Waiting]) async {
        var json = JSONText()
        json.raw("[")
        for (index, waiting) in batch.enumerated() {
            if index > 0 { json.raw(",") }
            waiting.item.write(to: &json)
        }
        json.raw("]")
        let statement = InsertRoutingBatch(document: json.text, consumer: consumer, notificationChannel: notificationChannel)
        do {
            var outcomes: [String: Outcome] = [:]
            for try await (eventID, fresh, stored) in try await client.execute(statement, logger: logger) {
                // An event twice in one batch: the row that stored it wins.
                let outcome: Outcome = stored ? .routed : fresh ? .alreadyRouted : .duplicate
                if outcomes[eventID] != .routed { outcomes[eventID] = outcome }
            }
            for waiting in batch {
                waiting.continuation.resume(returning: outcomes[waiting.item.eventID] ?? .duplicate)
            }
        } catch {
            logger.warning("a batch of routed reports could not be stored; nothing of it was", metadata: [
                "reports": "\(batch.count)", "error": "\(String(reflecting: error))",
            ])
            for waiting in batch { waiting.continuation.resume(throwing: error) }
        }
    }
}
