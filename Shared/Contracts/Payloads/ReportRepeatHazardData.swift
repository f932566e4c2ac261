/// The data of `report.repeat-hazard`: a case the router found to be a hazard that keeps coming back, so it
/// raised the case's priority one step (P2 → P1 → P0) and its deadline with it (never later than it was).
/// Three ways, each raising a case at most once:
/// - `reports`: the case now has ``ReportRepeatHazardData/reportsThreshold`` reports of the hazard (itself and
///   those linked to it);
/// - `reopenings`: it was reopened for the ``ReportRepeatHazardData/reopeningsThreshold``th time;
/// - `returning`: a new case at a place where ``ReportRepeatHazardData/returningThreshold`` cases of the same
///   kind were resolved within ``ReportRepeatHazardData/returningWindowDays`` days — fixed, and back again.
///
/// On `open137.events` (routing key `report.repeat-hazard`) and, for the unit, `<unit>.repeat-hazard` (same
/// id). No personal data.
public struct ReportRepeatHazardData: Sendable, Hashable, Codable {
    /// Reports of one hazard that make it a repeat hazard.
    public static let reportsThreshold = 3
    /// Reopenings of one case that make it a repeat hazard.
    public static let reopeningsThreshold = 2
    /// Resolved cases of the same kind at one place that make a new case there a repeat hazard.
    public static let returningThreshold = 2
    /// How far back resolved cases count for `returning`.
    public static let returningWindowDays = 90

    /// Why the case is a repeat hazard.
    public enum Reason: String, Sendable, Hashable, Codable, CaseIterable {
        /// Many reports of the hazard while it is open.
        case reports
        /// Reopened again and again.
        case reopenings
        /// Resolved cases of the same kind at the place before it.
        case returning
    }

    /// The case (also the event's `subject`).
    public var reportID: String
    /// The case's tracking code.
    public var trackingCode: String
    /// The unit handling it.
    public var unit: String
    /// The case's service code.
    public var serviceCode: String
    /// Whether it is a child-friendly city case.
    public var childFriendly: Bool
    /// The district as two digits (`00` when unknown).
    public var district: String
    /// Why.
    public var reason: Reason
    /// Reports of the hazard (`reports`), reopenings (`reopenings`) or resolved cases before it (`returning`).
    public var count: Int
    /// The priority before.
    public var fromPriority: String
    /// The priority now.
    public var priority: String
    /// The deadline now (RFC 3339).
    public var deadline: String
    /// When it was raised (RFC 3339).
    public var at: String

    /// Creates the data of one raise.
    public init(
        reportID: String, trackingCode: String, unit: String, serviceCode: String, childFriendly: Bool, district: String, reason: Reason,
        count: Int, fromPriority: String, priority: String, deadline: String, at: String
    ) {
        self.reportID = reportID
        self.trackingCode = trackingCode
        self.unit = unit
        self.serviceCode = serviceCode
        self.childFriendly = childFriendly
        self.district = district
        self.reason = reason
        self.count = count
        self.fromPriority = fromPriority
        self.priority = priority
        self.deadline = deadline
        self.at = at
    }

    /// The priority one step more urgent than `priority` (P0 stays P0).
    public static func raised(_ priority: String) -> String {
        switch priority {
        case "P2": "P1"
        default: "P0"
        }
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", unit, serviceCode = "service_code", childFriendly = "child_friendly"
        case district, reason, count, fromPriority = "from_priority", priority, deadline, at
    }
}
