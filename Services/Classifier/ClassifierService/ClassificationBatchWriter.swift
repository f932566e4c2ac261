import BrokerTopology
import JSON
import Logging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle

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

    private let writer: StageBatchWriter<ClassificationBatchItem, Outcome>

    /// A writer storing through `client` into `outbox` (events to `exchange`), recording events in `inbox`
    /// as `consumer`: `writers` batches in flight at most, each of at most `maxBatch` reports.
    init(
        client: PostgresClient, inbox: Inbox, consumer: String, outbox: Outbox, exchange: String = Open137Topology.eventsExchange,
        writers: Int = 3, maxBatch: Int = 256, logger: Logger
    ) {
        writer = StageBatchWriter(
            client: client, inbox: inbox, consumer: consumer, outbox: outbox,
            configuration: .init(writers: writers, maxBatch: maxBatch),
            eventID: \.eventID, duplicate: .duplicate, stoppedError: { ClassificationUnavailable() }, logger: logger
        ) { items, connection, logger in
            let document = JSONText.array(items, reserving: 500) { json, item in item.write(to: &json) }
            let stored = try await connection.storedEventIDs(InsertClassificationBatch(document: document.text), logger: logger)
            return items.map { item in
                stored.contains(item.eventID) ? .init(.classified, messages: [item.message(exchange: exchange)]) : .init(.alreadyClassified)
            }
        }
    }

    /// Stores `item` in the next batch and returns once that batch committed (or throws: it is to be tried again).
    func store(_ item: ClassificationBatchItem) async throws -> Outcome {
        try await writer.store(item)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what still waits and stop.
    func run() async throws {
        try await writer.run()
    }
}
