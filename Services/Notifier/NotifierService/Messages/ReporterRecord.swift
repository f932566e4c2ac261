/// What the notifier keeps of a reporter from `report.received`, to tell them about later events.
/// Personal data: never logged.
public struct ReporterRecord: Sendable, Hashable {
    /// The report.
    public var reportID: String
    /// The code the reporter follows it with.
    public var trackingCode: String
    /// `fa` (default) or `en`.
    public var language: String
    /// Mobile number (E.164), when given.
    public var phone: String?
    /// E-mail address, when given.
    public var email: String?
    /// False when the reporter opted out of messages.
    public var notify: Bool

    /// Creates a record.
    public init(reportID: String, trackingCode: String, language: String, phone: String?, email: String?, notify: Bool) {
        self.reportID = reportID
        self.trackingCode = trackingCode
        self.language = language
        self.phone = phone
        self.email = email
        self.notify = notify
    }

    /// Whether any message may go to this reporter.
    public var reachable: Bool { notify && (phone != nil || email != nil) }
}
