import Events
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport

/// Group commit for routing, as intake's `ReportBatchWriter`: the worker's concurrent handlers each hand
/// in one classified report and wait while a writer stores everything waiting in one statement
/// (``InsertRoutingBatch``: one transaction, one WAL flush); the worker acks each delivery only after its
/// batch committed. Idle, a report is written at once; under load batches grow by themselves.
struct RoutingBatchWriter: Service {
    /// What storing one item did.
    enum Outcome: Sendable, Equatable {
        /// Stored now, with its messages.
        case routed
        /// The event was new but its report was already routed (a re-classification): nothing changed.
        case alreadyRouted
        /// The event was applied before (a redelivery).
        case duplicate
    }

    private let commit: GroupCommit<RoutingBatchItem, Outcome>

    /// A writer storing through `client`: `writers` batches in flight at most, each of at most `maxBatch` reports.
    init(client: PostgresClient, consumer: String, notificationChannel: String, writers: Int = 3, maxBatch: Int = 256, logger: Logger) {
        commit = GroupCommit(writers: writers, maxBatch: maxBatch, stoppedError: { RoutingUnavailable() }) { items in
            try await Self.write(items, client: client, consumer: consumer, notificationChannel: notificationChannel, logger: logger)
        }
    }

    /// Stores `item` in the next batch and returns once that batch committed (or throws: nothing of it was stored).
    func store(_ item: RoutingBatchItem) async throws -> Outcome {
        try await commit.submit(item)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what still waits and stop.
    func run() async throws {
        try await commit.run()
    }

    private static func write(
        _ batch: [RoutingBatchItem], client: PostgresClient, consumer: String, notificationChannel: String, logger: Logger
    ) async throws -> [Outcome] {
        var json = JSONText()
        json.reserveCapacity(batch.count * 1_200)
        var bodies: [String] = []
        bodies.reserveCapacity(batch.count * 3)
        json.raw("[")
        for (index, item) in batch.enumerated() {
            if index > 0 { json.raw(",") }
            item.write(to: &json, bodies: &bodies)
        }
        json.raw("]")
        let statement = InsertRoutingBatch(document: json.text, bodies: bodies, consumer: consumer, notificationChannel: notificationChannel)
        do {
            // An explicit transaction: a lone statement commits only at the protocol's Sync, after its rows
            // have been read — a database crash in between lost acked reports (make chaos found 3 of
            // 4,500 when PostgreSQL stopped -m immediate). COMMIT's own answer says the batch is durable.
            let outcomes = try await client.withTransaction(logger: logger) { connection in
                var outcomes: [String: Outcome] = [:]
                for try await (eventID, fresh, stored) in try await connection.execute(statement, logger: logger) {
                    // An event twice in one batch: the row that stored it wins.
                    let outcome: Outcome = stored ? .routed : fresh ? .alreadyRouted : .duplicate
                    if outcomes[eventID] != .routed { outcomes[eventID] = outcome }
                }
                return outcomes
            }
            // The statement answers for every input row; a missing answer must not pass for a duplicate
            // (its delivery would be acked unstored): fail the batch, and its redeliveries meet the inbox.
            return try batch.map { item in
                guard let outcome = outcomes[item.eventID] else {
                    throw RoutingUnavailable(code: "batch-answer-missing", message: "no answer for event \(item.eventID)")
                }
                return outcome
            }
        } catch {
            logger.warning("a batch of routed reports could not be stored; nothing of it was", metadata: [
                "reports": "\(batch.count)", "error": "\(String(reflecting: error))",
            ])
            throw error
        }
    }
}
