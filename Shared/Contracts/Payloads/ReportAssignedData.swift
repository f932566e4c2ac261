import JSON
/// The data of `report.assigned`, the CloudEvent the router delivers on `open137.units` (routing key
/// `<unit>.d<NN>`) to the responsible unit's queue, and for child reports also to
/// `council.child-friendly`. It never goes to the events exchange: it carries the description and, only
/// when the reporter allowed it, the reporter's contact.
///
/// The event id is deterministic per report and assignment (`<report id>.a<N>`), so a unit de-duplicates
/// on it, and a redelivery or a relay retry is recognisably the same assignment.
public struct ReportAssignedData: Sendable, Hashable, Codable {
    /// The report's id (also the event's `subject`).
    public var reportID: String
    /// The code the reporter follows the report with.
    public var trackingCode: String
    /// The service code the classifier decided.
    public var serviceCode: String
    /// Whether it is a child-friendly city report.
    public var childFriendly: Bool
    /// `P0`, `P1` or `P2`.
    public var priority: String
    /// The unit it is assigned to.
    public var unit: String
    /// When the unit must have resolved it (RFC 3339).
    public var deadline: String
    /// The city district as two digits (`00` when unknown).
    public var district: String
    /// Where it is, as the reporter gave it.
    public var location: ReportLocation?
    /// What the reporter said.
    public var description: String
    /// The service definition's attributes the channel gave.
    public var attributes: [String: JSONValue]
    /// Photos or other media the reporter linked.
    public var mediaURLs: [String]
    /// `child`, `parent` or `other`, and the language to answer in — never who they are.
    public var reporter: ReporterProfile
    /// Personal data: present only when the reporter allowed the unit to contact them.
    public var contact: ReporterContact?
    /// Which assignment of the report this is: 1 when first routed, one more for each referral or reopening.
    public var assignment: Int
    /// When intake accepted it (RFC 3339).
    public var receivedAt: String

    /// Creates the data of one delivery.
    public init(
        reportID: String, trackingCode: String, serviceCode: String, childFriendly: Bool, priority: String, unit: String,
        deadline: String, district: String, location: ReportLocation?, description: String, attributes: [String: JSONValue],
        mediaURLs: [String], reporter: ReporterProfile, contact: ReporterContact?, assignment: Int, receivedAt: String
    ) {
        self.reportID = reportID
        self.trackingCode = trackingCode
        self.serviceCode = serviceCode
        self.childFriendly = childFriendly
        self.priority = priority
        self.unit = unit
        self.deadline = deadline
        self.district = district
        self.location = location
        self.description = description
        self.attributes = attributes
        self.mediaURLs = mediaURLs
        self.reporter = reporter
        self.contact = contact
        self.assignment = assignment
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", serviceCode = "service_code"
        case childFriendly = "child_friendly", priority, unit, deadline, district, location, description, attributes
        case mediaURLs = "media_urls", reporter, contact, assignment, receivedAt = "received_at"
    }
}
