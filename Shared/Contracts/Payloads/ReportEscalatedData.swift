/// Data of `report.escalated`: an unresolved child report past its deadline, escalated once per level
/// (1 the unit, 2 the deputy, 3 the council's child-friendly-city committee). No personal data.
public struct ReportEscalatedData: Sendable, Hashable, Codable {
    /// The report (a UUID).
    public var reportID: String
    /// 1 = the responsible unit, 2 = the deputy, 3 = the council committee.
    public var level: Int
    /// The responsible unit when it was escalated.
    public var unit: String?
    /// The deadline that was missed (RFC 3339).
    public var deadline: String
    /// Hours past the deadline when escalated.
    public var overdueHours: Double
    /// When it was escalated (RFC 3339).
    public var escalatedAt: String

    /// Creates the payload.
    public init(reportID: String, level: Int, unit: String?, deadline: String, overdueHours: Double, escalatedAt: String) {
        self.reportID = reportID
        self.level = level
        self.unit = unit
        self.deadline = deadline
        self.overdueHours = overdueHours
        self.escalatedAt = escalatedAt
    }

    enum CodingKeys: String, CodingKey {
        case level, unit, deadline
        case reportID = "report_id"
        case overdueHours = "overdue_hours"
        case escalatedAt = "escalated_at"
    }
}
