import Foundation

/// One report as the committee sees it: no personal data (the projection holds none).
public struct CouncilReportRow: Sendable, Hashable, Encodable {
    public var reportID: String
    public var trackingCode: String?
    public var serviceCode: String?
    /// The service's name in Persian (from the taxonomy).
    public var serviceNameFa: String?
    /// The service's name in English.
    public var serviceNameEn: String?
    public var childFriendly: Bool?
    public var priority: String?
    public var unit: String?
    public var district: String?
    public var channel: String?
    public var reporterType: String?
    public var status: String
    public var receivedAt: Date?
    public var deadline: Date?
    public var overdue: Bool
    public var assignedAt: Date?
    public var firstActionAt: Date?
    public var resolvedAt: Date?
    public var referralCount: Int
    public var reopenCount: Int
    public var escalationLevel: Int
    public var rejectedReason: String?
    /// The case this report follows while it is linked to one (the case's first report), else nil.
    public var linkedTo: String?
    /// That case's tracking code.
    public var linkedToTrackingCode: String?
    /// Why the router raised it as a repeat hazard (`reports`, `reopenings`, `returning`), in the order it did.
    public var repeatReasons: [String] = []
}
