import Contracts
import Crypto
import ServiceHosting

/// One notification to write as pending: the channel, whom it goes to and what it says.
public struct NotificationPlan: Sendable, Hashable {
    /// How it travels.
    public var channel: NotificationChannel
    /// Phone, e-mail address or the webhook's URL (personal data for SMS and e-mail).
    public var recipient: String
    /// The webhook subscription, for webhooks.
    public var subscriptionID: Int64?
    /// E-mail subject.
    public var subject: String?
    /// The text (SMS, e-mail) or the event's JSON (webhook).
    public var body: String
    /// Event id + channel + recipient, hashed (no personal data in it): the row's unique key and the
    /// idempotency header sent to the gateway or receiver.
    public var idempotencyKey: String

    /// A plan for `eventID`; the key is derived from the event, the channel and the recipient identity
    /// (the subscription for webhooks, so two subscriptions to one URL each get their copy).
    public init(eventID: String, channel: NotificationChannel, recipient: String, subscriptionID: Int64? = nil, subject: String?, body: String) {
        self.channel = channel
        self.recipient = recipient
        self.subscriptionID = subscriptionID
        self.subject = subject
        self.body = body
        let identity = subscriptionID.map { "subscription:\($0)" } ?? recipient
        let digest = SHA256.hash(data: Array("\(eventID)|\(channel.rawValue)|\(identity)".utf8))
        idempotencyKey = Hex.lowercase(digest)
    }
}
