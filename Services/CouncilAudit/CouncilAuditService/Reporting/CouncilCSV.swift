import Foundation

/// The CSV forms of the committee's views (UTF-8, Persian service names next to the codes).
public enum CouncilCSV {
    static func time(_ date: Date?) -> String? { date.map(Timestamp.format) }
    static func number(_ value: Double?) -> String? { value.map { String(format: "%.2f", $0) } }

    /// One line per report.
    public static func reports(_ page: ReportPage) -> String {
        var csv = CSVWriter()
        csv.row(["report_id", "tracking_code", "service_code", "service_name_fa", "service_name_en", "child_friendly", "priority",
                 "unit", "district", "channel", "reporter_type", "status", "received_at", "deadline", "overdue", "assigned_at",
                 "first_action_at", "resolved_at", "referral_count", "reopen_count", "escalation_level", "rejected_reason",
                 "linked_to", "linked_to_tracking_code", "repeat_reasons"])
        for r in page.reports {
            csv.row([r.reportID, r.trackingCode, r.serviceCode, r.serviceNameFa, r.serviceNameEn, r.childFriendly.map { "\($0)" },
                     r.priority, r.unit, r.district, r.channel, r.reporterType, r.status, time(r.receivedAt), time(r.deadline),
                     "\(r.overdue)", time(r.assignedAt), time(r.firstActionAt), time(r.resolvedAt), "\(r.referralCount)",
                     "\(r.reopenCount)", "\(r.escalationLevel)", r.rejectedReason, r.linkedTo, r.linkedToTrackingCode,
                     r.repeatReasons.joined(separator: " ")])
        }
        return csv.output
    }

    /// One line per log entry of a report.
    public static func timeline(_ entries: [TimelineEntry]) -> String {
        var csv = CSVWriter()
        csv.row(["seq", "event_id", "type", "time", "appended_at", "prev_hash", "hash", "original_sha256", "redacted", "event"])
        for e in entries {
            let event = String(decoding: CanonicalJSON.bytes(e.event), as: UTF8.self)
            csv.row(["\(e.seq)", e.eventID, e.type, time(e.time), time(e.appendedAt), e.prevHash, e.hash, e.originalSha256, "\(e.redacted)", event])
        }
        return csv.output
    }

    /// The summary as one table: section, three keys, a value.
    public static func summary(_ s: CouncilSummary) -> String {
        var csv = CSVWriter()
        csv.row(["section", "key", "key2", "key3", "value"])
        csv.row(["period", time(s.from), time(s.to), nil, "\(s.reports)"])
        for c in s.byCodeDistrictMonth {
            csv.row(["code_district_month", c.serviceCode + (c.serviceNameFa.map { " — \($0)" } ?? ""), c.district, c.month, "\(c.count)"])
        }
        for r in s.byReporterType { csv.row(["reporter_type", r.reporterType, nil, nil, "\(r.count)"]) }
        for t in s.timings {
            csv.row(["time_to_\(t.measure)_hours", "median", "\(t.count)", nil, number(t.medianHours)])
            csv.row(["time_to_\(t.measure)_hours", "p90", "\(t.count)", nil, number(t.p90Hours)])
        }
        for u in s.overdueByUnit { csv.row(["overdue_by_unit", u.unit, nil, nil, "\(u.count)"]) }
        csv.row(["reopen_rate", "\(s.reopened)", "\(s.reports)", nil, String(format: "%.4f", s.reopenRate)])
        for b in s.bounced { csv.row(["bounced", b.reportID, b.trackingCode, b.unit, "\(b.referralCount)"]) }
        for r in s.rejected { csv.row(["rejected", r.reportID, r.trackingCode, r.unit, r.reason]) }
        return csv.output
    }
}
