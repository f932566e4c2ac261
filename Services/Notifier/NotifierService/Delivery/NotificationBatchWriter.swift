import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle

/// Group commit for the notifier's event handling: the worker's concurrent handlers each hand in one event
/// and wait while a writer handles everything waiting in one transaction — reporters stored, stored
/// reporters read, inbox rows, rate-limit counts and the pending notifications each one statement for the
/// whole batch — instead of a transaction of four or five statements per event. The worker acks each
/// delivery only after its batch committed. Idle, an event is written at once; under load batches grow.
public struct NotificationBatchWriter: Service {
    /// What handling one event came to.
    public enum Outcome: Sendable, Equatable {
        /// Handled now: this many notifications written as pending.
        case written(pending: Int)
        /// Handled before (a redelivery): nothing written.
        case duplicate
        /// A later event whose `report.received` is not stored yet: nothing written (retry it).
        case reporterUnknown
        /// The event's data does not match its type: nothing written (reject it).
        case invalid
    }

    private let commit: GroupCommit<NotificationBatchItem, Outcome>

    /// A writer over `store`, planning with `planner`: `writers` batches in flight at most, each of at most
    /// `maxBatch` events; fresh notifications go to the senders through `handoff` when it has room.
    public init(store: NotificationStore, planner: NotificationPlanner, consumer: String, handoff: NotificationHandoff? = nil,
                writers: Int = 2, maxBatch: Int = 256, logger: Logger) {
        commit = GroupCommit(writers: writers, maxBatch: maxBatch, stoppedError: {
            NotifierError(code: .database, message: "the notifier is shutting down; the event will be redelivered")
        }) { items in
            do {
                return try await store.write(items, planner: planner, consumer: consumer, handoff: handoff)
            } catch {
                logger.warning("a batch of report events could not be stored; nothing of it was", metadata: [
                    "events": "\(items.count)", "error": "\(String(reflecting: error))",
                ])
                throw error
            }
        }
    }

    /// Handles `item` in the next batch and returns once that batch committed (or throws: nothing of it was stored).
    public func handle(_ item: NotificationBatchItem) async throws -> Outcome {
        try await commit.submit(item)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they write what still waits and stop.
    public func run() async throws {
        try await commit.run()
    }
}
