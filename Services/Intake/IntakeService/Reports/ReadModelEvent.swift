import Contracts
import Foundation
import JSON

/// A later event of a report as the read model applies it: its id (the inbox key), the report, what it
/// changes and when it happened.
struct ReadModelEvent: Sendable, Equatable {
    /// The inbox's consumer name for the read model.
    static let consumer = "intake.read-model"

    /// The event's id.
    var eventID: String
    /// The report it is about (the event's subject).
    var reportID: UUID
    /// What it changes.
    var change: ReportStore.ReadModelChange
    /// When it happened (the event's time): an older status never overwrites a newer one.
    var at: Date

    /// The read model's view of `event`, or nil when intake does not show it (another type, no report subject).
    init?(_ event: CloudEvent) {
        guard let change = ReportStore.readModelChange(of: event), let subject = event.subject, let reportID = UUID(uuidString: subject) else {
            return nil
        }
        self.eventID = event.id
        self.reportID = reportID
        self.change = change
        self.at = CloudEvent.parseTime(event.time) ?? Date()
    }

    /// `events` as the JSON array `ApplyReadModelBatch` reads with `jsonb_to_recordset`.
    static func document(_ events: [ReadModelEvent]) -> String {
        var json = JSONText()
        json.reserveCapacity(events.count * 320)
        json.raw("[")
        for (index, event) in events.enumerated() {
            if index > 0 { json.raw(",") }
            let change = event.change
            json.raw("{")
            json.member("event_id", event.eventID, first: true)
            json.member("report_id", event.reportID.uuidString.lowercased())
            json.member("status", change.status)
            json.member("note", change.note)
            json.member("unit", change.unit)
            json.member("deadline", change.deadline.map(CloudEvent.formatTime))
            json.member("service_code", change.serviceCode)
            json.member("child_friendly", literal: change.childFriendly.map { String($0) } ?? "null")
            json.member("priority", change.priority)
            json.member("history_status", change.historyStatus)
            if let link = change.link {
                json.member("link_change", link.historyKind)
                if case .linked(let parent) = link { json.member("linked_to", parent.uuidString.lowercased()) }
                // The status the link or split moved the report to, for the updates feed.
                json.member("moved_to", change.status)
            }
            json.member("at", CloudEvent.formatTime(event.at))
            json.raw("}")
        }
        json.raw("]")
        return json.text
    }
}
