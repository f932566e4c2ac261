/// A unit's request to split a report the router linked to one of its cases (`report.linked`) off that case:
/// the report is not the same hazard. A CloudEvent of type ``eventType`` published like a status update
/// (`open137.unit-updates`, routing key `<unit>.status`); the router answers with `<unit>.unlinked` and a
/// delivery of the report as a case of its own, or with `unit.status-refused` (status `split`).
public struct UnitLinkSplitData: Sendable, Hashable, Codable {
    /// The CloudEvents type of a split request.
    public static let eventType = "unit.link-split"
    /// The word a refusal of a split carries as its `status`.
    public static let refusedStatus = "split"

    /// The linked report to split off.
    public var reportID: String
    /// The unit asking: the one handling the case.
    public var unit: String
    /// Why it is not the same hazard (required).
    public var reason: String

    /// Creates a split request.
    public init(reportID: String, unit: String, reason: String) {
        self.reportID = reportID
        self.unit = unit
        self.reason = reason
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", unit, reason
    }
}
