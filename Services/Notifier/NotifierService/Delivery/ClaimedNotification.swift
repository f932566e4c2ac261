/// A pending notification a sender took (its lease runs until the outcome is recorded or it expires).
public struct ClaimedNotification: Sendable, Hashable {
    /// Row id.
    public var id: Int64
    /// Sent as the idempotency header.
    public var idempotencyKey: String
    /// The event it is about.
    public var eventID: String
    /// The event's type.
    public var eventType: String
    /// The report, when the event names one.
    public var reportID: String?
    /// The channel.
    public var channel: NotificationChannel
    /// Phone, e-mail or URL (personal data for SMS and e-mail: never log it).
    public var recipient: String
    /// E-mail subject.
    public var subject: String?
    /// Text or event JSON.
    public var body: String
    /// This attempt's number (1 for the first).
    public var attempt: Int
    /// The webhook's signing secret.
    public var secret: String?
}
