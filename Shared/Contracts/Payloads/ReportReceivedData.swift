import JSON
/// The data of `report.received`: the whole report as intake accepted it, so later stages need no read
/// of intake's schema. Contact details travel only to the stages that need them (router for units that
/// may contact the reporter, notifier); logs and public views never show them.
public struct ReportReceivedData: Sendable, Hashable, Codable {
    /// The report's id (a UUID, lower case); also the events' `subject`.
    public var reportID: String
    /// The short numeric code the reporter follows the report with.
    public var trackingCode: String
    /// The channel that submitted it (`137-phone`, `1888-web`, `web`, `app`, `sms`, `open311`).
    public var channel: String
    /// What the reporter said.
    public var description: String
    /// The service code the channel chose, if any (the classifier decides the final one).
    public var serviceCode: String?
    /// The service definition's attributes the channel gave.
    public var attributes: [String: JSONValue]
    /// Where it is.
    public var location: ReportLocation?
    /// Who reported it (no contact details: see `contact`).
    public var reporter: ReporterProfile
    /// How to reach the reporter, when given.
    public var contact: ReporterContact?
    /// Whether the responsible unit may contact the reporter.
    public var contactAllowed: Bool
    /// Photos or other media the reporter linked.
    public var mediaURLs: [String]
    /// When intake accepted it (RFC 3339).
    public var receivedAt: String

    /// Creates the data of one received report.
    public init(
        reportID: String, trackingCode: String, channel: String, description: String, serviceCode: String?,
        attributes: [String: JSONValue], location: ReportLocation?, reporter: ReporterProfile,
        contact: ReporterContact?, contactAllowed: Bool, mediaURLs: [String], receivedAt: String
    ) {
        self.reportID = reportID
        self.trackingCode = trackingCode
        self.channel = channel
        self.description = description
        self.serviceCode = serviceCode
        self.attributes = attributes
        self.location = location
        self.reporter = reporter
        self.contact = contact
        self.contactAllowed = contactAllowed
        self.mediaURLs = mediaURLs
        self.receivedAt = receivedAt
    }

    enum CodingKeys: String, CodingKey {
        case reportID = "report_id", trackingCode = "tracking_code", channel, description
        case serviceCode = "service_code", attributes, location, reporter, contact
        case contactAllowed = "contact_allowed", mediaURLs = "media_urls", receivedAt = "received_at"
    }
}
