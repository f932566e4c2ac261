/// The data of `report.unlinked`: the unit handling a case said one of its linked reports is not the same
/// hazard (``UnitLinkSplitData``), so the router made it a case of its own: delivered to the unit
/// (`report.assigned`, its first assignment) with a deadline counted from the split. The unit's copy
/// (routing key `<unit>.unlinked`, with the split request's `correlationid`) answers the request.
public struct ReportUnlinkedData: Sendable, Hashable, Codable {
    /// The report split off (also the event's `subject`).
    public var reportID: String
    /// The case it was linked to.
    public var parentReportID: String
    /// The unit that split it, which now has it as a case.
    public var unit: String
    /// Why the unit split it.
    public var reason: String
    /// Its own deadline now (RFC 3339).
    public var deadline: String
    /// When it was split (RFC 3339).
    public var at: String

    /// Creates the data of one split.
    public init(reportID: String, parentReportID: String, unit: String, reason: String, deadline: String, at: String) {
        self.reportID = reportID
        self.parentReportID = parentReportID
        self.unit = unit
        self.reason = reason
        self.deadline = deadline
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", parentReportID = "parent_report_id", unit, reason, deadline, at
    }
}
