import Foundation
import PostgresNIO
import ServiceHosting

extension ReportStore {
    /// The columns of a public report, in the order `publicReport(from:)` decodes them. Contact columns are
    /// deliberately absent: public reads cannot leak what they never select.
    private static let publicColumns = """
        report_id, tracking_code, channel, description, requested_service_code, service_code, child_friendly, priority,
        status, status_notes, unit, deadline, lat, long, address, district, media_urls::text, received_at, updated_at
        """

    private typealias PublicRow = (
        UUID, String, String, String, String?, String?, Bool?, String?, String, String?, String?, Date?,
        Double?, Double?, String?, Int?, String, Date, Date
    )

    /// The report with this tracking code and its public history, or nil.
    public func report(trackingCode: TrackingCode) async throws(IntakeStoreError) -> PublicReport? {
        try await bounded("reading a report") {
            let rows = try await client.query(
                "SELECT \(unescaped: Self.publicColumns) FROM reports WHERE tracking_code = \(trackingCode.digits)", logger: logger
            )
            return try await withHistory(Self.publicReports(rows).first)
        }
    }

    /// The report with this id and its public history, or nil.
    public func report(id: UUID) async throws(IntakeStoreError) -> PublicReport? {
        try await bounded("reading a report") {
            let rows = try await client.query("SELECT \(unescaped: Self.publicColumns) FROM reports WHERE report_id = \(id)", logger: logger)
            return try await withHistory(Self.publicReports(rows).first)
        }
    }

    /// Reports matching an Open311 query, newest first, one page. Tracking codes, when given, override the
    /// other filters (as the spec says of `service_request_id`).
    public func reports(matching filter: ReportQuery) async throws(IntakeStoreError) -> [PublicReport] {
        let byCode = filter.trackingCodes != nil
        let serviceCodes = byCode ? nil : filter.serviceCodes
        let start = byCode ? nil : filter.start
        let end = byCode ? nil : filter.end
        let updatedAfter = byCode ? nil : filter.updatedAfter
        let updatedBefore = byCode ? nil : filter.updatedBefore
        // nil: both statuses; true: closed only; false: open only.
        let closedOnly: Bool? = if !byCode, let statuses = filter.open311Statuses, Set(statuses).count == 1 {
            statuses.first == "closed"
        } else {
            nil
        }
        let closedStatuses = PublicReport.closedStatuses.sorted()
        let offset = (filter.page - 1) * filter.pageSize
        return try await bounded("listing reports") {
            let rows = try await client.query(
                """
                SELECT \(unescaped: Self.publicColumns) FROM reports
                WHERE (\(filter.trackingCodes)::text[] IS NULL OR tracking_code = ANY(\(filter.trackingCodes)::text[]))
                  AND (\(serviceCodes)::text[] IS NULL OR service_code = ANY(\(serviceCodes)::text[]))
                  AND (\(start)::timestamptz IS NULL OR received_at >= \(start)::timestamptz)
                  AND (\(end)::timestamptz IS NULL OR received_at <= \(end)::timestamptz)
                  AND (\(updatedAfter)::timestamptz IS NULL OR updated_at >= \(updatedAfter)::timestamptz)
                  AND (\(updatedBefore)::timestamptz IS NULL OR updated_at <= \(updatedBefore)::timestamptz)
                  AND (\(closedOnly)::boolean IS NULL OR (status = ANY(\(closedStatuses)::text[])) = \(closedOnly)::boolean)
                ORDER BY received_at DESC, report_id
                LIMIT \(filter.pageSize) OFFSET \(offset)
                """,
                logger: logger
            )
            return try await Self.publicReports(rows)
        }
    }

    private func withHistory(_ report: PublicReport?) async throws -> PublicReport? {
        guard var report else { return nil }
        report.history = try await history(of: report.reportID)
        (report.linkedTo, report.caseReports) = try await caseOf(report.reportID)
        return report
    }

    /// The case `reportID` follows (nil when it is its own case) and how many reports that case has: its
    /// first report and every report linked to it (the partial index `reports_linked_to`).
    private func caseOf(_ reportID: UUID) async throws -> (UUID?, Int) {
        let rows = try await client.query(
            """
            SELECT r.linked_to, 1 + (SELECT count(*) FROM reports c WHERE c.linked_to = COALESCE(r.linked_to, r.report_id))
            FROM reports r WHERE r.report_id = \(reportID)
            """,
            logger: logger
        )
        for try await (parent, count) in rows.decode((UUID?, Int64).self) { return (parent, Int(count)) }
        return (nil, 1)
    }

    private static func publicReports(_ rows: PostgresRowSequence) async throws -> [PublicReport] {
        var reports: [PublicReport] = []
        for try await row in rows.decode(PublicRow.self) {
            let media = (try? JSONDecoder().decode([String].self, from: Data(row.16.utf8))) ?? []
            reports.append(PublicReport(
                reportID: row.0, trackingCode: row.1, channel: row.2, description: PublicReport.masked(row.3),
                requestedServiceCode: row.4, serviceCode: row.5, childFriendly: row.6, priority: row.7, status: row.8,
                statusNotes: row.9.map(PublicReport.masked), unit: row.10, deadline: row.11, lat: row.12, long: row.13, address: row.14, district: row.15,
                mediaURLs: media, receivedAt: row.17, updatedAt: row.18, history: []
            ))
        }
        return reports
    }

    private func history(of reportID: UUID) async throws -> [PublicReport.HistoryEntry] {
        let rows = try await client.query(
            "SELECT status, note, unit, at FROM report_history WHERE report_id = \(reportID) ORDER BY at, event_id",
            logger: logger
        )
        var entries: [PublicReport.HistoryEntry] = []
        for try await (status, note, unit, at) in rows.decode((String, String?, String?, Date).self) {
            entries.append(PublicReport.HistoryEntry(status: status, note: note.map(PublicReport.masked), unit: unit, at: at))
        }
        return entries
    }
}
