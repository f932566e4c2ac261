import Contracts
import Foundation
import Logging
import PostgresNIO

extension ReportStore {
    /// What a later event of a report changes in the public read model, read leniently from its data:
    /// the stages after intake own their payloads, intake only needs these few fields.
    struct ReadModelChange: Sendable, Equatable {
        var status: String?
        var note: String?
        var unit: String?
        var deadline: Date?
        var serviceCode: String?
        var childFriendly: Bool?
        var priority: String?
        /// The history row's status (an escalation is history without a status change; a link or a split
        /// is history of its own kind, `linked` or `unlinked`, that moves the report to `status`).
        var historyStatus: String
        /// A link or a split: the case the report now follows (`.linked`), or none any more (`.unlinked`).
        var link: LinkChange?
    }

    /// What `report.linked` and `report.unlinked` change besides the status: which case the report follows.
    enum LinkChange: Sendable, Equatable {
        /// The report follows the case whose first report is this one.
        case linked(parent: UUID)
        /// The report is a case of its own again.
        case unlinked

        /// The history kind of the change (`report_history.status`).
        var historyKind: String {
            switch self {
            case .linked: "linked"
            case .unlinked: "unlinked"
            }
        }
    }

    /// The event types whose data the read model reads strictly: a link names the case it joins, so data
    /// that does not match the contract is refused (dead-lettered with the reason) rather than applied in
    /// part. The older types stay lenient (intake needs only a few of their fields).
    static let strictlyRead: Set<String> = [EventType.reportLinked, EventType.reportUnlinked]

    /// The change an event makes, or nil for an event the read model does not show.
    static func readModelChange(of event: CloudEvent) -> ReadModelChange? {
        let data = event.data
        let unit = data["unit"]?.stringValue ?? data["to_unit"]?.stringValue
        let deadline = data["deadline"]?.stringValue.flatMap(CloudEvent.parseTime)
        switch event.type {
        case EventType.reportClassified:
            let classification = data["classification"]
            return ReadModelChange(
                status: "classified", serviceCode: classification?["service_code"]?.stringValue,
                childFriendly: classification?["child_friendly"]?.boolValue, priority: classification?["priority"]?.stringValue,
                historyStatus: "classified"
            )
        case EventType.reportRouted, EventType.reportAssigned:
            return ReadModelChange(status: "assigned", unit: unit, deadline: deadline, historyStatus: "assigned")
        case EventType.reportReassigned:
            return ReadModelChange(status: "assigned", note: data["note"]?.stringValue, unit: unit, deadline: deadline, historyStatus: "referred")
        case EventType.reportStatusChanged:
            guard let status = data["status"]?.stringValue else { return nil }
            return ReadModelChange(status: status, note: data["note"]?.stringValue, unit: unit, historyStatus: status)
        case EventType.reportEscalated:
            return ReadModelChange(historyStatus: "escalated")
        case EventType.reportRepeatHazard:
            // The router raised the case: a tighter deadline and a line saying why, in general words.
            return ReadModelChange(deadline: deadline, priority: data["priority"]?.stringValue, historyStatus: "repeat-hazard")
        case EventType.reportLinked:
            // The linked report takes the case's status, unit and deadline; its history says it joined a case,
            // never which (the case's tracking code is another reporter's).
            guard let linked = try? event.payload(as: ReportLinkedData.self), linked.reportID.lowercased() == event.subject?.lowercased(),
                  let parent = UUID(uuidString: linked.parentReportID), ReportStatus(rawValue: linked.status) != nil,
                  let deadline = CloudEvent.parseTime(linked.deadline)
            else { return nil }
            return ReadModelChange(status: linked.status, unit: linked.unit, deadline: deadline, historyStatus: LinkChange.linked(parent: parent).historyKind,
                                   link: .linked(parent: parent))
        case EventType.reportUnlinked:
            // A case of its own again: assigned to the unit that split it, with its own deadline. The unit's
            // reason is its note to the reporter (masked when shown, like every unit's note).
            guard let unlinked = try? event.payload(as: ReportUnlinkedData.self), unlinked.reportID.lowercased() == event.subject?.lowercased(),
                  UUID(uuidString: unlinked.parentReportID) != nil, let deadline = CloudEvent.parseTime(unlinked.deadline)
            else { return nil }
            return ReadModelChange(status: ReportStatus.assigned.rawValue, note: unlinked.reason, unit: unlinked.unit, deadline: deadline,
                                   historyStatus: LinkChange.unlinked.historyKind, link: .unlinked)
        default:
            return nil
        }
    }

    /// Applies a later event of a report to the read model on `connection` (inside the caller's
    /// transaction), once per event id (inbox). Returns false when intake does not show the event, does not
    /// know the report, or applied the event before (nothing to update).
    @discardableResult
    func applyToReadModel(_ event: CloudEvent, on connection: PostgresConnection) async throws -> Bool {
        guard let item = ReadModelEvent(event) else { return false }
        return try await applyToReadModel([item], on: connection) == [.applied]
    }

    /// Applies later events to the read model on `connection` (inside the caller's transaction), each once
    /// (inbox `intake.read-model`), in as few statements as the batch allows: one per round, where a round
    /// holds at most one event of each report (an `UPDATE … FROM` changes a row once per statement, so a
    /// report's second event in the batch goes to the next round, in arrival order). Answers one outcome
    /// per event, in order.
    func applyToReadModel(_ events: [ReadModelEvent], on connection: PostgresConnection) async throws -> [ReadModelOutcome] {
        // Each round holds indexes into `events`; a repeated event id lands in a later round and meets the inbox.
        var rounds: [[Int]] = []
        var seen: [UUID: Int] = [:]
        for (index, event) in events.enumerated() {
            let round = seen[event.reportID, default: 0]
            seen[event.reportID] = round + 1
            if round == rounds.count { rounds.append([]) }
            rounds[round].append(index)
        }
        var outcomes = [ReadModelOutcome?](repeating: nil, count: events.count)
        for var round in rounds {
            // Rows locked in one order (the report's id) by every batch: another intake's batch waits, never deadlocks.
            round.sort { events[$0].reportID.uuidString < events[$1].reportID.uuidString }
            let statement = ApplyReadModelBatch(document: ReadModelEvent.document(round.map { events[$0] }), consumer: ReadModelEvent.consumer)
            var answers: [String: ReadModelOutcome] = [:]
            for try await (eventID, fresh, updated) in try await connection.execute(statement, logger: logger) {
                answers[eventID] = updated ? .applied : fresh ? .unknownReport : .duplicate
            }
            for index in round { outcomes[index] = answers[events[index].eventID] }
        }
        // The statement answers for every input row; a missing answer must not pass for a duplicate (its
        // delivery would be acked unapplied): fail the batch, and its redeliveries meet the inbox.
        return try outcomes.enumerated().map { index, outcome in
            guard let outcome else {
                throw IntakeStoreError(.unavailable, "the read model's batch gave no answer for event \(events[index].eventID)")
            }
            return outcome
        }
    }
}
