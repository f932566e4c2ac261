import Contracts
import Foundation
import PostgresNIO

extension DeskStore {
    /// The unit's cases under `filter`: open ones first, soonest deadline first; then the closed ones,
    /// newest change first.
    func cases(_ filter: DeskCaseFilter) async throws -> [DeskCase] {
        let open = Self.openStatuses
        let codePrefix = filter.trackingCode.map { $0 + "%" }
        let onlyOpen = filter.status == "open"
        let status = onlyOpen ? nil : filter.status
        let rows = try await client.query(
            """
            SELECT c.report_id, c.tracking_code, c.assignment, c.service_code, c.child_friendly, c.priority, c.district, c.deadline,
                   c.received_at, c.status, c.referred_to, c.updated_at, p.status, p.staff_name, p.requested_at,
                   (SELECT count(*) FROM \(unescaped: table("linked_reports")) l WHERE l.case_id = c.report_id AND l.split_at IS NULL)
            FROM \(unescaped: table("cases")) c
            LEFT JOIN LATERAL (
                SELECT a.status, a.staff_name, a.requested_at FROM \(unescaped: table("case_actions")) a
                WHERE a.report_id = c.report_id AND a.outcome = 'pending' ORDER BY a.requested_at DESC LIMIT 1
            ) p ON true
            WHERE (\(filter.district)::text IS NULL OR c.district = \(filter.district))
              AND (\(status)::text IS NULL OR c.status = \(status))
              AND (NOT \(onlyOpen) OR c.status = ANY(\(open)))
              AND (\(filter.serviceCode)::text IS NULL OR c.service_code = \(filter.serviceCode))
              AND (\(codePrefix)::text IS NULL OR c.tracking_code LIKE \(codePrefix))
            ORDER BY (c.status = ANY(\(open))) DESC,
                     CASE WHEN c.status = ANY(\(open)) THEN c.deadline END ASC,
                     c.updated_at DESC
            LIMIT \(DeskCaseFilter.limit)
            """, logger: logger)
        var cases: [DeskCase] = []
        for try await row in rows.decode((UUID, String, Int, String, Bool, String, String, Date, Date, String, String?, Date, String?, String?, Date?, Int).self) {
            var item = DeskCase(
                reportID: row.0, trackingCode: row.1, assignment: row.2, serviceCode: row.3, childFriendly: row.4, priority: row.5,
                district: row.6, deadline: row.7, receivedAt: row.8, status: row.9, referredTo: row.10, updatedAt: row.11)
            item.linkedCount = row.15
            if let status = row.12, let name = row.13, let at = row.14 {
                item.pending = DeskCase.Request(status: status, staffName: name, requestedAt: at)
            }
            cases.append(item)
        }
        return cases
    }

    /// How many cases are open, and how many of them are past their deadline at `now`.
    func counts(at now: Date) async throws -> (open: Int, overdue: Int) {
        let open = Self.openStatuses
        let rows = try await client.query(
            """
            SELECT count(*), count(*) FILTER (WHERE deadline < \(now))
            FROM \(unescaped: table("cases")) WHERE status = ANY(\(open))
            """, logger: logger)
        var counts = (open: 0, overdue: 0)
        for try await row in rows.decode((Int, Int).self) { counts = (row.0, row.1) }
        return counts
    }

    /// One case with its delivery, its pending request and its newest refusal; nil when the unit has no
    /// such case (another unit's case is not in this schema at all).
    func `case`(_ reportID: UUID) async throws -> DeskCase? {
        let rows = try await client.query(
            """
            SELECT report_id, tracking_code, assignment, service_code, child_friendly, priority, district, deadline, received_at,
                   status, referred_to, updated_at, delivery::text
            FROM \(unescaped: table("cases")) WHERE report_id = \(reportID)
            """, logger: logger)
        var found: DeskCase?
        for try await row in rows.decode((UUID, String, Int, String, Bool, String, String, Date, Date, String, String?, Date, String).self) {
            found = DeskCase(
                reportID: row.0, trackingCode: row.1, assignment: row.2, serviceCode: row.3, childFriendly: row.4, priority: row.5,
                district: row.6, deadline: row.7, receivedAt: row.8, status: row.9, referredTo: row.10, updatedAt: row.11,
                delivery: try? JSONDecoder().decode(ReportAssignedData.self, from: Data(row.12.utf8)))
        }
        guard var item = found else { return nil }
        let requests = try await client.query(
            """
            SELECT status, staff_name, requested_at, outcome, refusal_code, refusal_reason
            FROM \(unescaped: table("case_actions")) WHERE report_id = \(reportID) ORDER BY requested_at DESC LIMIT 1
            """, logger: logger)
        for try await row in requests.decode((String, String, Date, String, String?, String?).self) {
            let request = DeskCase.Request(status: row.0, staffName: row.1, requestedAt: row.2, refusalCode: row.4, refusalReason: row.5)
            if row.3 == "pending" { item.pending = request }
            if row.3 == "refused" { item.refused = request }
        }
        return item
    }

    /// The reports linked to a case and not split off, oldest first.
    func linkedReports(of caseID: UUID) async throws -> [DeskLinkedReport] {
        let rows = try await client.query(
            """
            SELECT report_id, tracking_code, description, location::text, similarity, distance_m, received_at
            FROM \(unescaped: table("linked_reports")) WHERE case_id = \(caseID) AND split_at IS NULL ORDER BY received_at
            """, logger: logger)
        var found: [DeskLinkedReport] = []
        for try await row in rows.decode((UUID, String, String?, String?, Double, Double?, Date).self) {
            found.append(DeskLinkedReport(
                reportID: row.0, trackingCode: row.1, description: row.2 ?? "",
                location: row.3.flatMap { try? JSONDecoder().decode(ReportLocation.self, from: Data($0.utf8)) },
                similarity: row.4, metres: row.5, receivedAt: row.6))
        }
        return found
    }

    /// One line of a case's history.
    struct HistoryLine: Sendable {
        var at: Date
        var kind: String
        var status: String?
        var note: String?
        var reason: String?
        var by: String?
    }

    /// A case's history, oldest first.
    func history(_ reportID: UUID) async throws -> [HistoryLine] {
        let rows = try await client.query(
            """
            SELECT at, kind, status, note, reason, by_whom FROM \(unescaped: table("case_history"))
            WHERE report_id = \(reportID) ORDER BY id
            """, logger: logger)
        var lines: [HistoryLine] = []
        for try await row in rows.decode((Date, String, String?, String?, String?, String?).self) {
            lines.append(HistoryLine(at: row.0, kind: row.1, status: row.2, note: row.3, reason: row.4, by: row.5))
        }
        return lines
    }

    /// A number that grows with every change of the unit's cases (the newest history line): the pages poll
    /// it to show other staff's changes without reloading.
    func version() async throws -> Int64 {
        let rows = try await client.query("SELECT coalesce(max(id), 0) FROM \(unescaped: table("case_history"))", logger: logger)
        var version: Int64 = 0
        for try await value in rows.decode(Int64.self) { version = value }
        return version
    }

    /// The statuses a unit still works on.
    static let openStatuses: [String] = ReportStatus.lifecycle.filter(\.isOpen).map(\.rawValue).sorted()
}
