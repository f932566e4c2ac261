/// The data of `report.reassigned`: a unit referred the report to another unit, which gets it delivered
/// with a new deadline.
public struct ReportReassignedData: Sendable, Hashable, Codable {
    /// The report's id (also the event's `subject`).
    public var reportID: String
    /// The unit that referred it.
    public var fromUnit: String
    /// The unit it is assigned to now.
    public var unit: String
    /// The new unit's deadline (RFC 3339), counted from the referral.
    public var deadline: String
    /// Why the first unit referred it.
    public var note: String?
    /// How many referrals the report has had, this one included.
    public var referralCount: Int
    /// The city district as two digits (`00` when unknown): the new delivery's routing key uses it.
    public var district: String
    /// When the referral was applied (RFC 3339).
    public var at: String

    /// Creates the data of one referral.
    public init(reportID: String, fromUnit: String, unit: String, deadline: String, note: String?, referralCount: Int, district: String, at: String) {
        self.reportID = reportID
        self.fromUnit = fromUnit
        self.unit = unit
        self.deadline = deadline
        self.note = note
        self.referralCount = referralCount
        self.district = district
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", fromUnit = "from_unit", unit, deadline, note
        case referralCount = "referral_count", district, at
    }
}
