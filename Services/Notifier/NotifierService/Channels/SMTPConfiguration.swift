/// The SMTP server e-mail goes through.
public struct SMTPConfiguration: Sendable, Hashable {
    /// Host name or address.
    public var host: String
    /// Port (25, 587 with STARTTLS, or a test server's).
    public var port: Int
    /// The sender address.
    public var from: String
    /// AUTH user, when the server wants one.
    public var username: String?
    /// AUTH password.
    public var password: String?
    /// Upgrade with STARTTLS before AUTH and the message.
    public var startTLS: Bool
    /// The name given in EHLO.
    public var heloName: String

    /// Creates a configuration.
    public init(host: String, port: Int, from: String, username: String? = nil, password: String? = nil, startTLS: Bool = false, heloName: String = "open137-notifier") {
        self.host = host
        self.port = port
        self.from = from
        self.username = username
        self.password = password
        self.startTLS = startTLS
        self.heloName = heloName
    }
}
