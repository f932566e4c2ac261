/// The data of `report.status-changed`: a unit's update (or a reopening by the council or the reporter) moved the report
/// through the router's state machine.
public struct ReportStatusChangedData: Sendable, Hashable, Codable {
    /// The report's id (also the event's `subject`).
    public var reportID: String
    /// The unit the report is assigned to after the change.
    public var unit: String
    /// The status before (`assigned`, `acknowledged`, `in_progress`, `resolved`, `rejected`, `reopened`).
    public var fromStatus: String
    /// The status now (same values).
    public var status: String
    /// What the unit wrote, for the reporter and the committee (no personal data expected).
    public var note: String?
    /// Why, for a rejection.
    public var reason: String?
    /// When the change was applied (RFC 3339).
    public var at: String
    /// Who asked for the change: the unit's code, or `council` / `reporter` for a reopening.
    public var by: String

    /// Creates the data of one status change.
    public init(reportID: String, unit: String, fromStatus: String, status: String, note: String?, reason: String?, at: String, by: String) {
        self.reportID = reportID
        self.unit = unit
        self.fromStatus = fromStatus
        self.status = status
        self.note = note
        self.reason = reason
        self.at = at
        self.by = by
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", unit, fromStatus = "from_status", status, note, reason, at, by
    }
}
