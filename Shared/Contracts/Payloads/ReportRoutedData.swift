/// The data of `report.routed`: the router picked the responsible unit and the deadline and delivered the
/// report to the unit's queue (through its outbox, in the transaction that stored the assignment). No
/// personal data: the description and contact travel only in the unit's own delivery.
public struct ReportRoutedData: Sendable, Hashable, Codable {
    /// The report's id (also the event's `subject`).
    public var reportID: String
    /// The code the reporter follows the report with.
    public var trackingCode: String
    /// The service code the classifier decided.
    public var serviceCode: String
    /// Whether it is a child-friendly city report (also delivered to `council.child-friendly`).
    public var childFriendly: Bool
    /// `P0`, `P1` or `P2`.
    public var priority: String
    /// The responsible unit's code (`parks`, `triage`, …).
    public var unit: String
    /// The city district as two digits (`05`); `00` when unknown.
    public var district: String
    /// When the unit must have resolved it (RFC 3339).
    public var deadline: String
    /// The intake channel it came from.
    public var channel: String
    /// `child`, `parent` or `other`, when the reporter said.
    public var reporterType: String?
    /// When intake accepted it (RFC 3339); the deadline counts from here.
    public var receivedAt: String
    /// Whether it went to `triage` because the classifier asked a person to look at it.
    public var triage: Bool

    /// Creates the data of one routed report.
    public init(
        reportID: String, trackingCode: String, serviceCode: String, childFriendly: Bool, priority: String, unit: String,
        district: String, deadline: String, channel: String, reporterType: String?, receivedAt: String, triage: Bool
    ) {
        self.reportID = reportID
        self.trackingCode = trackingCode
        self.serviceCode = serviceCode
        self.childFriendly = childFriendly
        self.priority = priority
        self.unit = unit
        self.district = district
        self.deadline = deadline
        self.channel = channel
        self.reporterType = reporterType
        self.receivedAt = receivedAt
        self.triage = triage
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", serviceCode = "service_code"
        case childFriendly = "child_friendly", priority, unit, district, deadline, channel
        case reporterType = "reporter_type", receivedAt = "received_at", triage
    }
}
