import Events
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
        /// The history row's status (an escalation is history without a status change).
        var historyStatus: String
    }

    /// The change an event makes, or nil for an event the read model does not show.
    static func readModelChange(of event: CloudEvent) -> ReadModelChange? {
        let data = event.data
        let unit = data["unit"]?.stringValue ?? data["to_unit"]?.stringValue
        let deadline = data["deadline"]?.stringValue.flatMap(parseTime)
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
        default:
            return nil
        }
    }

    /// Applies a later event of a report to the read model on `connection` (inside the inbox transaction).
    /// Returns false when intake does not know the report (nothing to update).
    @discardableResult
    func applyToReadModel(_ event: CloudEvent, on connection: PostgresConnection) async throws -> Bool {
        guard let change = Self.readModelChange(of: event), let subject = event.subject, let reportID = UUID(uuidString: subject) else {
            return false
        }
        let at = Self.parseTime(event.time) ?? Date()
        let rows = try await connection.query(
            """
            UPDATE reports SET
                service_code = COALESCE(\(change.serviceCode), service_code),
                child_friendly = COALESCE(\(change.childFriendly), child_friendly),
                priority = COALESCE(\(change.priority), priority),
                status = CASE WHEN \(change.status)::text IS NOT NULL AND (status_at IS NULL OR status_at <= \(at))
                              THEN \(change.status) ELSE status END,
                status_notes = CASE WHEN \(change.status)::text IS NOT NULL AND (status_at IS NULL OR status_at <= \(at))
                              THEN COALESCE(\(change.note), status_notes) ELSE status_notes END,
                unit = CASE WHEN status_at IS NULL OR status_at <= \(at) THEN COALESCE(\(change.unit), unit) ELSE unit END,
                deadline = CASE WHEN status_at IS NULL OR status_at <= \(at) THEN COALESCE(\(change.deadline), deadline) ELSE deadline END,
                status_at = CASE WHEN \(change.status)::text IS NOT NULL THEN GREATEST(status_at, \(at)) ELSE status_at END,
                updated_at = GREATEST(updated_at, \(at))
            WHERE report_id = \(reportID)
            RETURNING 1
            """,
            logger: logger
        )
        var found = false
        for try await _ in rows { found = true }
        guard found else { return false }
        try await connection.query(
            """
            INSERT INTO report_history (report_id, event_id, status, note, unit, at)
            VALUES (\(reportID), \(event.id), \(change.historyStatus), \(change.note), \(change.unit), \(at))
            ON CONFLICT DO NOTHING
            """,
            logger: logger
        )
        return true
    }

    /// RFC 3339 with or without fractional seconds.
    static func parseTime(_ text: String) -> Date? {
        (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text))
    }
}
