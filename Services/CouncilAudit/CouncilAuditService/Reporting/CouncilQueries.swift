import Contracts
import Foundation
import JalaliCalendar
import JSON
import Logging
import PostgresNIO
import ServiceHosting
import Taxonomy

/// The committee's queries over the projection (`reports`) and the log (`audit_log`). Every filter value
/// is a bind; a filter left out is a NULL bind that matches everything.
public struct CouncilQueries: Sendable {
    /// The client, with `search_path` at the schema.
    public let client: PostgresClient
    /// Names of the service codes.
    public let taxonomy: Taxonomy
    /// The logger.
    public let logger: Logger

    /// Queries over `client`.
    public init(client: PostgresClient, taxonomy: Taxonomy, logger: Logger) {
        self.client = client
        self.taxonomy = taxonomy
        self.logger = logger
    }

    /// `select` + the filter's WHERE clause + `tail`; `select` and `tail` are constant SQL of this module
    /// (this file and its extensions).
    func filtered(_ select: String, _ filter: ReportFilter, _ tail: String = "") -> PostgresQuery {
        """
        \(unescaped: select)
        WHERE (\(filter.childFriendly)::boolean IS NULL OR child_friendly = \(filter.childFriendly))
          AND (\(filter.serviceCode)::text IS NULL OR service_code = \(filter.serviceCode))
          AND (\(filter.unit)::text IS NULL OR unit = \(filter.unit))
          AND (\(filter.district)::text IS NULL OR district = \(filter.district))
          AND (\(filter.status)::text IS NULL OR status = \(filter.status))
          AND (\(filter.overdue)::boolean IS NULL OR \(filter.overdue) =
               COALESCE(deadline < \(filter.now) AND status NOT IN ('resolved', 'rejected'), false))
          AND (\(filter.repeatHazard)::boolean IS NULL OR \(filter.repeatHazard) = (cardinality(repeat_reasons) > 0))
          AND (\(filter.from)::timestamptz IS NULL OR received_at >= \(filter.from))
          AND (\(filter.to)::timestamptz IS NULL OR received_at < \(filter.to))
        \(unescaped: tail)
        """
    }

    /// A page of reports, newest first.
    public func reports(_ filter: ReportFilter) async throws -> ReportPage {
        var total = 0
        for try await count in try await client.query(filtered("SELECT count(*) FROM reports", filter), logger: logger).decode(Int64.self) {
            total = Int(count)
        }
        let query = try filtered(
            """
            SELECT report_id, tracking_code, service_code, child_friendly, priority, unit, district, channel, reporter_type,
                   status, received_at, deadline, assigned_at, first_action_at, resolved_at, referral_count, reopen_count,
                   escalation_level, rejected_reason, linked_to, linked_to_tracking_code, repeat_reasons
            FROM reports
            """, filter, "ORDER BY received_at DESC NULLS LAST, report_id LIMIT $LIMIT OFFSET $OFFSET")
            .binding("$LIMIT", filter.pageSize).binding("$OFFSET", (filter.page - 1) * filter.pageSize)
        var rows: [CouncilReportRow] = []
        for try await row in try await client.query(query, logger: logger).decode(
            (UUID, String?, String?, Bool?, String?, String?, String?, String?, String?, String, Date?, Date?, Date?, Date?, Date?, Int32, Int32, Int32, String?,
             UUID?, String?, [String]).self
        ) {
            let service = row.2.flatMap(taxonomy.service)
            let open = row.9 != "resolved" && row.9 != "rejected"
            rows.append(CouncilReportRow(
                reportID: row.0.uuidString.lowercased(), trackingCode: row.1, serviceCode: row.2,
                serviceNameFa: service?.name.fa, serviceNameEn: service?.name.en, childFriendly: row.3, priority: row.4,
                unit: row.5, district: row.6, channel: row.7, reporterType: row.8, status: row.9, receivedAt: row.10,
                deadline: row.11, overdue: open && (row.11.map { $0 < filter.now } ?? false), assignedAt: row.12,
                firstActionAt: row.13, resolvedAt: row.14, referralCount: Int(row.15), reopenCount: Int(row.16),
                escalationLevel: Int(row.17), rejectedReason: row.18, linkedTo: row.19?.uuidString.lowercased(), linkedToTrackingCode: row.20,
                repeatReasons: row.21))
        }
        return ReportPage(reports: rows, page: filter.page, pageSize: filter.pageSize, total: total)
    }

    /// Every log entry of a report, in chain order; nil when the log holds nothing of it.
    public func timeline(reportID: UUID) async throws -> [TimelineEntry]? {
        var entries: [TimelineEntry] = []
        let rows = try await client.query(
            """
            SELECT seq, event_id, event_type, event_time, appended_at, prev_hash, hash, original_sha256, redacted, body
            FROM audit_log WHERE report_id = \(reportID) ORDER BY seq
            """, logger: logger)
        for try await row in rows.decode((Int64, String, String, Date?, Date, ByteBuffer, ByteBuffer, ByteBuffer, Bool, ByteBuffer).self) {
            let event = (try? JSONValue.parse(Array(row.9.readableBytesView))) ?? .null
            entries.append(TimelineEntry(
                seq: row.0, eventID: row.1, type: row.2, time: row.3, appendedAt: row.4,
                prevHash: Hex.lowercase(row.5.readableBytesView), hash: Hex.lowercase(row.6.readableBytesView),
                originalSha256: Hex.lowercase(row.7.readableBytesView), redacted: row.8, event: event,
                link: TimelineLink(type: row.2, event: event)))
        }
        return entries.isEmpty ? nil : entries
    }

    /// The report id of a tracking code, when the projection knows it.
    public func reportID(trackingCode: String) async throws -> UUID? {
        for try await id in try await client.query(
            "SELECT report_id FROM reports WHERE tracking_code = \(trackingCode) LIMIT 1", logger: logger
        ).decode(UUID.self) {
            return id
        }
        return nil
    }

    /// The summary of the reports matching `filter` (its page is ignored).
    public func summary(_ filter: ReportFilter) async throws -> CouncilSummary {
        var reports = 0
        var reopened = 0
        for try await (count, reopenedCount) in try await client.query(
            filtered("SELECT count(*), count(*) FILTER (WHERE reopen_count > 0) FROM reports", filter), logger: logger
        ).decode((Int64, Int64).self) {
            reports = Int(count)
            reopened = Int(reopenedCount)
        }

        // Days in Tehran's time, summed into Jalali months here (PostgreSQL has no Jalali calendar).
        var cells: [String: CouncilSummary.CodeDistrictMonth] = [:]
        for try await (code, district, day, count) in try await client.query(
            filtered(
                """
                SELECT COALESCE(service_code, '-'), COALESCE(district, '-'),
                       to_char(received_at AT TIME ZONE 'Asia/Tehran', 'YYYY-MM-DD'), count(*)
                FROM reports
                """, filter, "AND received_at IS NOT NULL GROUP BY 1, 2, 3"),
            logger: logger
        ).decode((String, String, String, Int64).self) {
            let parts = day.split(separator: "-").compactMap { Int($0) }
            guard parts.count == 3 else { continue }
            let jalali = JalaliDate(gregorianYear: parts[0], month: parts[1], day: parts[2])
            let month = "\(jalali.year)-\(jalali.month < 10 ? "0" : "")\(jalali.month)"
            let key = "\(code)|\(district)|\(month)"
            cells[key, default: .init(serviceCode: code, serviceNameFa: taxonomy.service(code)?.name.fa, district: district, month: month, count: 0)].count += Int(count)
        }
        let byCell = cells.values.sorted { ($0.serviceCode, $0.district, $0.month) < ($1.serviceCode, $1.district, $1.month) }

        var byReporter: [CouncilSummary.ReporterTypeCount] = []
        for try await (type, count) in try await client.query(
            filtered("SELECT COALESCE(reporter_type, 'unknown'), count(*) FROM reports", filter, "GROUP BY 1 ORDER BY 1"), logger: logger
        ).decode((String, Int64).self) {
            byReporter.append(.init(reporterType: type, count: Int(count)))
        }

        var timings: [CouncilSummary.Timing] = []
        for try await row in try await client.query(
            filtered(
                """
                SELECT count(assigned_at),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM assigned_at - received_at) / 3600),
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM assigned_at - received_at) / 3600),
                       count(first_action_at),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_action_at - received_at) / 3600),
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_action_at - received_at) / 3600),
                       count(resolved_at) FILTER (WHERE status = 'resolved'),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) / 3600) FILTER (WHERE status = 'resolved'),
                       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM resolved_at - received_at) / 3600) FILTER (WHERE status = 'resolved')
                FROM reports
                """, filter),
            logger: logger
        ).decode((Int64, Double?, Double?, Int64, Double?, Double?, Int64, Double?, Double?).self) {
            timings = [
                .init(measure: "assignment", count: Int(row.0), medianHours: row.1, p90Hours: row.2),
                .init(measure: "first_action", count: Int(row.3), medianHours: row.4, p90Hours: row.5),
                .init(measure: "resolution", count: Int(row.6), medianHours: row.7, p90Hours: row.8),
            ]
        }

        var overdue: [CouncilSummary.UnitCount] = []
        for try await (unit, count) in try await client.query(
            try filtered(
                "SELECT COALESCE(unit, '-'), count(*) FROM reports", filter,
                "AND deadline < $NOW AND status NOT IN ('resolved', 'rejected') GROUP BY 1 ORDER BY 2 DESC, 1"
            
            ).binding("$NOW", filter.now),
            logger: logger
        ).decode((String, Int64).self) {
            overdue.append(.init(unit: unit, count: Int(count)))
        }

        var bounced: [CouncilSummary.Bounced] = []
        for try await (id, code, unit, count) in try await client.query(
            filtered("SELECT report_id, tracking_code, unit, referral_count FROM reports", filter,
                     "AND referral_count >= 2 ORDER BY referral_count DESC, received_at"),
            logger: logger
        ).decode((UUID, String?, String?, Int32).self) {
            bounced.append(.init(reportID: id.uuidString.lowercased(), trackingCode: code, unit: unit, referralCount: Int(count)))
        }

        var rejected: [CouncilSummary.Rejected] = []
        for try await (id, code, unit, reason) in try await client.query(
            filtered("SELECT report_id, tracking_code, unit, rejected_reason FROM reports", filter,
                     "AND status = 'rejected' ORDER BY received_at"),
            logger: logger
        ).decode((UUID, String?, String?, String?).self) {
            rejected.append(.init(reportID: id.uuidString.lowercased(), trackingCode: code, unit: unit, reason: reason))
        }

        return CouncilSummary(
            from: filter.from, to: filter.to, reports: reports, byCodeDistrictMonth: byCell, byReporterType: byReporter,
            timings: timings, overdueByUnit: overdue, reopened: reopened,
            reopenRate: reports == 0 ? 0 : Double(reopened) / Double(reports), bounced: bounced, rejected: rejected)
    }
}
