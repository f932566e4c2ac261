import Events
import Logging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport

/// Group commit for classification, as the router's `RoutingBatchWriter`: the worker's concurrent
/// handlers each classify one report (the CPU work stays concurrent) and hand in the result, then wait
/// while a writer stores everything waiting in one statement (``InsertClassificationBatch``: one
/// transaction, one WAL flush, one prepared plan) instead of five statements and a commit per report; the
/// worker acks each delivery only after its batch committed. Idle, a report is written at once; under load
/// batches grow by themselves.
struct ClassificationBatchWriter: Service {
    /// What storing one item did.
    enum Outcome: Sendable, Equatable {
        /// Stored now, with its `report.classified`.
        case classified
        /// The event was new but its report was already classified (a second `report.received` for it):
        /// nothing changed and no second `report.classified` is sent.
        case alreadyClassified
        /// The event was applied before (a redelivery).
        case duplicate
    }

    private let commit: GroupCommit<ClassificationBatchItem, Outcome>

    /// A writer storing through `client`: `writers` batches in flight at most, each of at most `maxBatch` reports.
    init(
        client: PostgresClient, consumer: String, notificationChannel: String, exchange: String = Open137Topology.eventsExchange,
        writers: Int = 3, maxBatch: Int = 256, logger: Logger
    ) {
        let target = Target(consumer: consumer, notificationChannel: notificationChannel, exchange: exchange)
        commit = GroupCommit(writers: writers, maxBatch: maxBatch, stoppedError: { ClassificationUnavailable() }) { items in
            try await Self.write(items, client: client, target: target, logger: logger)
        }
    }

    /// Stores `item` in the next batch and returns once that batch committed (or throws: nothing of it was stored).
    func store(_ item: ClassificationBatchItem) async throws -> Outcome {
        try await commit.submit(item)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what still waits and stop.
    func run() async throws {
        try await commit.run()
    }

    /// Where a batch goes: the inbox's consumer, the outbox's NOTIFY channel, the events' exchange.
    private struct Target: Sendable {
        var consumer: String
        var notificationChannel: String
        var exchange: String
    }

    private static func write(
        _ batch: [ClassificationBatchItem], client: PostgresClient, target: Target, logger: Logger
    ) async throws -> [Outcome] {
        var json = JSONText()
        json.reserveCapacity(batch.count * 600)
        var bodies: [String] = []
        bodies.reserveCapacity(batch.count)
        json.raw("[")
        for (index, item) in batch.enumerated() {
            if index > 0 { json.raw(",") }
            item.write(to: &json, bodies: &bodies)
        }
        json.raw("]")
        let statement = InsertClassificationBatch(
            document: json.text, bodies: bodies, consumer: target.consumer, notificationChannel: target.notificationChannel,
            exchange: target.exchange, eventType: EventType.reportClassified, contentType: "application/cloudevents+json")
        do {
            // An explicit transaction: a lone statement commits only at the protocol's Sync, after its rows
            // have been read — a database crash in between would lose acked reports. COMMIT's own answer
            // says the batch is durable.
            let outcomes = try await client.withTransaction(logger: logger) { connection in
                var outcomes: [String: Outcome] = [:]
                for try await (eventID, fresh, stored) in try await connection.execute(statement, logger: logger) {
                    // An event twice in one batch: the row that stored it wins.
                    let outcome: Outcome = stored ? .classified : fresh ? .alreadyClassified : .duplicate
                    if outcomes[eventID] != .classified { outcomes[eventID] = outcome }
                }
                return outcomes
            }
            // The statement answers for every input row; a missing answer must not pass for a duplicate
            // (its delivery would be acked unstored): fail the batch, and its redeliveries meet the inbox.
            return try batch.map { item in
                guard let outcome = outcomes[item.eventID] else {
                    throw ClassificationUnavailable(code: "batch-answer-missing", message: "no answer for event \(item.eventID)")
                }
                return outcome
            }
        } catch {
            logger.warning("a batch of classified reports could not be stored; nothing of it was", metadata: [
                "reports": "\(batch.count)", "error": "\(String(reflecting: error))",
            ])
            throw error
        }
    }
}
