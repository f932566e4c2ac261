import Foundation
import ReporterSecret
import ServiceHosting

/// The notifier's own configuration: the SMS gateway, the SMTP server, webhook subscriptions from the
/// environment, and how hard and how often a notification is tried.
public struct NotifierSettings: ServiceSettings {
    /// Base URL of the HTTP SMS gateway (messages are POSTed to `<base>/messages`); unset: no SMS.
    public static let smsURLKey = "NOTIFIER_SMS_URL"
    /// The gateway's API key (sent as `Authorization: Bearer …`).
    public static let smsKeyKey = "NOTIFIER_SMS_KEY"
    /// SMTP server host; unset: no e-mail.
    public static let smtpHostKey = "NOTIFIER_SMTP_HOST"
    /// SMTP port.
    public static let smtpPortKey = "NOTIFIER_SMTP_PORT"
    /// The sender address (`MAIL FROM` and `From:`).
    public static let smtpFromKey = "NOTIFIER_SMTP_FROM"
    /// SMTP user for AUTH (PLAIN, or LOGIN when only that is offered); unset: no AUTH.
    public static let smtpUsernameKey = "NOTIFIER_SMTP_USERNAME"
    /// SMTP password.
    public static let smtpPasswordKey = "NOTIFIER_SMTP_PASSWORD"
    /// Whether to upgrade with STARTTLS before AUTH and the message.
    public static let smtpStartTLSKey = "NOTIFIER_SMTP_STARTTLS"
    /// Webhook subscriptions as JSON: `[{"url": "https://…", "events": ["report.*"], "secret": "…"}]`.
    public static let webhooksKey = "NOTIFIER_WEBHOOKS"
    /// Attempts per notification before it is failed and dead-lettered.
    public static let maxAttemptsKey = "NOTIFIER_MAX_ATTEMPTS"
    /// The first retry delay in milliseconds (doubled per attempt, with jitter, capped at 10 minutes).
    public static let retryBaseKey = "NOTIFIER_RETRY_BASE_MS"
    /// How long one send may take (connect, request, response) before it counts as a timeout.
    public static let sendTimeoutKey = "NOTIFIER_SEND_TIMEOUT_MS"
    /// Messages per recipient (phone or e-mail) per hour; more are suppressed.
    public static let ratePerRecipientKey = "NOTIFIER_RATE_PER_RECIPIENT_PER_HOUR"

    /// The key of the reporters' reopen secrets (`OPEN137_REOPEN_KEY`, intake's key): the "received"
    /// message gives the reporter their secret. Required when SMS or e-mail is configured.
    public static let reopenKeyKey = "OPEN137_REOPEN_KEY"

    /// The SMS gateway, when configured.
    public var sms: SMSGatewayConfiguration?
    /// The SMTP server, when configured.
    public var smtp: SMTPConfiguration?
    /// Subscriptions from the environment (stored in the notifier's schema at start).
    public var webhooks: [WebhookSubscriptionRequest]
    /// Attempts before failing.
    public var maxAttempts: Int
    /// The first retry delay.
    public var retryBase: Duration
    /// One send's limit.
    public var sendTimeout: Duration
    /// Messages per recipient per hour.
    public var ratePerRecipientPerHour: Int
    /// Derives each reporter's reopen secret for the "received" message; nil when no reporter channel is configured.
    public var reopenSecret: ReopenSecret?

    public init(reading environment: inout EnvironmentConfig) {
        let smsURL = environment.optional(Self.smsURLKey)
        let smsKey = environment.optional(Self.smsKeyKey)
        if let smsURL, URL(string: smsURL)?.host == nil || !(smsURL.hasPrefix("http://") || smsURL.hasPrefix("https://")) {
            environment.problem(Self.smsURLKey, expected: "an http(s) URL such as https://sms.example/api")
        }
        if smsURL != nil && smsKey == nil {
            environment.problem(Self.smsKeyKey, expected: "the gateway's API key (set with \(Self.smsURLKey))")
        }
        sms = smsURL.map { SMSGatewayConfiguration(baseURL: $0, apiKey: smsKey ?? "") }

        let host = environment.optional(Self.smtpHostKey)
        let port = environment.port(Self.smtpPortKey, default: 25)
        let from = environment.optional(Self.smtpFromKey)
        let username = environment.optional(Self.smtpUsernameKey)
        let password = environment.optional(Self.smtpPasswordKey)
        let startTLS = environment.bool(Self.smtpStartTLSKey, default: false)
        if host != nil && from == nil {
            environment.problem(Self.smtpFromKey, expected: "the sender's e-mail address (set with \(Self.smtpHostKey))")
        }
        if (username == nil) != (password == nil) {
            environment.problem(Self.smtpPasswordKey, expected: "both \(Self.smtpUsernameKey) and \(Self.smtpPasswordKey), or neither")
        }
        smtp = host.map {
            SMTPConfiguration(host: $0, port: port, from: from ?? "", username: username, password: password, startTLS: startTLS)
        }

        if let raw = environment.optional(Self.webhooksKey) {
            if let parsed = WebhookSubscriptionRequest.parseList(raw) {
                webhooks = parsed
            } else {
                environment.problem(Self.webhooksKey, expected: #"a JSON list of {"url", "events", "secret"} with http(s) URLs"#)
                webhooks = []
            }
        } else {
            webhooks = []
        }
        let reopenKey = environment.optional(Self.reopenKeyKey)
        reopenSecret = reopenKey.flatMap(ReopenSecret.init(key:))
        if reopenKey != nil && reopenSecret == nil {
            environment.problem(Self.reopenKeyKey, expected: "at least \(ReopenSecret.minimumKeyBytes) characters (intake's key)")
        } else if reopenKey == nil && (sms != nil || smtp != nil) {
            environment.problem(Self.reopenKeyKey, expected: "intake's reopen key, to give reporters their secret by SMS or e-mail")
        }
        maxAttempts = environment.int(Self.maxAttemptsKey, default: 8, range: 1...100)
        retryBase = .milliseconds(environment.int(Self.retryBaseKey, default: 2_000, range: 1...600_000))
        sendTimeout = .milliseconds(environment.int(Self.sendTimeoutKey, default: 10_000, range: 10...300_000))
        ratePerRecipientPerHour = environment.int(Self.ratePerRecipientKey, default: 20, range: 1...100_000)
    }
}
