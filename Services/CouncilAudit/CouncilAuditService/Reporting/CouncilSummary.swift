import Foundation

/// The committee's summary of the reports received in a period (and matching the other filters).
///
/// Definitions: times are hours from receipt; "assignment" is the earlier of the router's routing and a
/// unit's `assigned`; "first action" the first acknowledged, in_progress, resolved or rejected; "resolution"
/// the resolution of reports resolved now. Median and 90th percentile are PostgreSQL's `percentile_cont`
/// (linear interpolation). Overdue: deadline passed, not resolved or rejected. Reopen rate: reports
/// reopened at least once over all reports. Bounced: referred two or more times.
public struct CouncilSummary: Sendable, Hashable, Encodable {
    /// Counts by service code × district × Jalali month (Tehran time).
    public struct CodeDistrictMonth: Sendable, Hashable, Encodable {
        public var serviceCode: String
        public var serviceNameFa: String?
        public var district: String
        /// `1404-07`.
        public var month: String
        public var count: Int
    }
    /// Reports by reporter type (child, parent, other, unknown).
    public struct ReporterTypeCount: Sendable, Hashable, Encodable {
        public var reporterType: String
        public var count: Int
    }
    /// Median and 90th percentile of one time, in hours.
    public struct Timing: Sendable, Hashable, Encodable {
        /// `assignment`, `first_action` or `resolution`.
        public var measure: String
        /// Reports with this time.
        public var count: Int
        public var medianHours: Double?
        public var p90Hours: Double?
    }
    /// Open reports past their deadline, per unit.
    public struct UnitCount: Sendable, Hashable, Encodable {
        public var unit: String
        public var count: Int
    }
    /// A report referred two or more times.
    public struct Bounced: Sendable, Hashable, Encodable {
        public var reportID: String
        public var trackingCode: String?
        public var unit: String?
        public var referralCount: Int
    }
    /// A rejected report and the unit's reason.
    public struct Rejected: Sendable, Hashable, Encodable {
        public var reportID: String
        public var trackingCode: String?
        public var unit: String?
        public var reason: String?
    }

    /// Start of the period (nil: from the beginning).
    public var from: Date?
    /// End of the period, exclusive.
    public var to: Date?
    /// Reports in the period.
    public var reports: Int
    public var byCodeDistrictMonth: [CodeDistrictMonth]
    public var byReporterType: [ReporterTypeCount]
    public var timings: [Timing]
    public var overdueByUnit: [UnitCount]
    /// Reports reopened at least once.
    public var reopened: Int
    /// reopened / reports (0 without reports).
    public var reopenRate: Double
    public var bounced: [Bounced]
    public var rejected: [Rejected]
}
