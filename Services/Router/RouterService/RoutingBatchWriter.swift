import Contracts
import Foundation
import JSON
import Logging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle

/// Group commit for routing on the stages' ``StageBatchWriter``: the worker's concurrent handlers each
/// hand in one classified report and wait while a writer stores everything waiting in one transaction
/// (inbox, ``InsertRoutingBatch``, the outbox rows of the reports stored); the worker acks each delivery
/// only after its batch committed. Idle, a report is written at once; under load batches grow by themselves.
struct RoutingBatchWriter: Service {
    /// What storing one item did.
    enum Outcome: Sendable, Equatable {
        /// Stored now, with its messages.
        case routed
        /// Stored now, joining an open case of the same hazard (`report.linked` instead of a delivery).
        case linked
        /// The event was new but its report was already routed (a re-classification): nothing changed.
        case alreadyRouted
        /// The event was applied before (a redelivery).
        case duplicate
    }

    private let writer: StageBatchWriter<RoutingBatchItem, Outcome>

    /// A writer storing through `client` into `outbox`, recording events in `inbox` as `consumer`: `writers`
    /// batches in flight at most, each of at most `maxBatch` reports.
    /// A case that reaches ``ReportRepeatHazardData/reportsThreshold`` reports in a batch is raised by `repeats`
    /// in that batch's transaction.
    init(client: PostgresClient, inbox: Inbox, consumer: String, outbox: Outbox, repeats: RepeatHazards, writers: Int = 3, maxBatch: Int = 256,
         logger: Logger) {
        writer = StageBatchWriter(
            client: client, inbox: inbox, consumer: consumer, outbox: outbox,
            configuration: .init(writers: writers, maxBatch: maxBatch),
            eventID: \.eventID, duplicate: .duplicate, stoppedError: { RoutingUnavailable() }, logger: logger
        ) { items, connection, logger in
            let document = JSONText.array(items, reserving: 900) { json, item in item.write(to: &json) }
            var stored: [String: (unit: String?, status: String?, deadline: Date?)] = [:]
            for try await row in try await connection.execute(InsertRoutingBatch(document: document.text), logger: logger) {
                stored[row.eventID] = (row.unit, row.status, row.deadline)
            }
            var effects: [StageBatchWriter<RoutingBatchItem, Outcome>.Effect] = []
            var joined: [UUID: Int] = [:]
            for (index, item) in items.enumerated() {
                guard let row = stored[item.eventID] else { effects.append(.init(.alreadyRouted)); continue }
                // The case was still open and locked: the report joined it and says so instead of being delivered.
                if let unit = row.unit, let status = row.status, let deadline = row.deadline, let caseID = item.link?.parentID {
                    effects.append(.init(.linked, messages: try item.linkedMessages(unit: unit, status: status, deadline: deadline)))
                    joined[caseID] = index
                } else {
                    effects.append(.init(.routed, messages: item.messages))
                }
            }
            if !joined.isEmpty {
                // Cases that now have enough reports to be a repeat hazard; their raise follows the report that made it.
                let cases = Array(joined.keys)
                // Read to the end before raising: a raise queries this connection, which queues behind this statement.
                var counts: [(UUID, Int)] = []
                for try await row in try await connection.query(
                    """
                    SELECT report_id, linked_count FROM reports
                    WHERE report_id = ANY(\(cases)) AND linked_count + 1 >= \(ReportRepeatHazardData.reportsThreshold)
                    """, logger: logger).decode((UUID, Int).self) { counts.append(row) }
                for (caseID, linked) in counts {
                    guard let index = joined[caseID] else { continue }
                    effects[index].messages += try await repeats.raise(
                        caseID, for: .reports, count: linked + 1, correlationID: items[index].correlationID, on: connection)
                }
            }
            return effects
        }
    }

    /// Stores `item` in the next batch and returns once that batch committed (or throws: it is to be tried again).
    func store(_ item: RoutingBatchItem) async throws -> Outcome {
        try await writer.store(item)
    }

    /// Runs the writers until graceful shutdown (or cancellation); then they store what still waits and stop.
    func run() async throws {
        try await writer.run()
    }
}
