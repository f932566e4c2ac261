/// The data of `report.linked`: the router found a new report to be the same hazard as an open case (the
/// same service code or both child-friendly, within the code's radius or at the same district and place, in
/// the duplicate window, descriptions alike) and linked it to that case instead of delivering it as a case
/// of its own. The linked report keeps its tracking code and follows its case's status from now on.
///
/// On `open137.events` (routing key `report.linked`) it carries ids, codes and the match only. The unit's
/// copy (`open137.units`, routing key `<unit>.linked`, same id) and, for a child report, the council's copy
/// add what the reporter said and where, so the unit reads every report of its case — never the contact.
public struct ReportLinkedData: Sendable, Hashable, Codable {
    /// The linked report's id (also the event's `subject`).
    public var reportID: String
    /// The linked report's own tracking code.
    public var trackingCode: String
    /// The case it joined: the first report of the hazard.
    public var parentReportID: String
    /// The case's tracking code.
    public var parentTrackingCode: String
    /// The unit handling the case.
    public var unit: String
    /// The linked report's service code.
    public var serviceCode: String
    /// Whether the linked report is a child-friendly city report.
    public var childFriendly: Bool
    /// The district as two digits (`00` when unknown).
    public var district: String
    /// The case's status, which the linked report now has.
    public var status: String
    /// The case's deadline (RFC 3339), which the linked report now has.
    public var deadline: String
    /// How alike the descriptions are (0–1).
    public var similarity: Double
    /// Metres between the two points; nil when they met by district and place.
    public var distanceMetres: Double?
    /// When intake accepted the linked report (RFC 3339).
    public var receivedAt: String
    /// When it was linked (RFC 3339).
    public var at: String
    /// The unit's and the council's copies only: what the reporter said.
    public var description: String?
    /// The unit's and the council's copies only: where it is, as the reporter gave it.
    public var location: ReportLocation?
    /// The unit's and the council's copies only: photos or other media the reporter linked.
    public var mediaURLs: [String]?

    /// Creates the data of one link.
    public init(
        reportID: String, trackingCode: String, parentReportID: String, parentTrackingCode: String, unit: String, serviceCode: String,
        childFriendly: Bool, district: String, status: String, deadline: String, similarity: Double, distanceMetres: Double?, receivedAt: String, at: String,
        description: String? = nil, location: ReportLocation? = nil, mediaURLs: [String]? = nil
    ) {
        self.reportID = reportID
        self.trackingCode = trackingCode
        self.parentReportID = parentReportID
        self.parentTrackingCode = parentTrackingCode
        self.unit = unit
        self.serviceCode = serviceCode
        self.childFriendly = childFriendly
        self.district = district
        self.status = status
        self.deadline = deadline
        self.similarity = similarity
        self.distanceMetres = distanceMetres
        self.receivedAt = receivedAt
        self.at = at
        self.description = description
        self.location = location
        self.mediaURLs = mediaURLs
    }

    /// The same link without what the reporter said: the copy for the events exchange.
    public var withoutReport: ReportLinkedData {
        var copy = self
        copy.description = nil
        copy.location = nil
        copy.mediaURLs = nil
        return copy
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", parentReportID = "parent_report_id"
        case parentTrackingCode = "parent_tracking_code", unit, serviceCode = "service_code", childFriendly = "child_friendly"
        case district, status, deadline, similarity, distanceMetres = "distance_m", receivedAt = "received_at", at, description, location
        case mediaURLs = "media_urls"
    }
}
