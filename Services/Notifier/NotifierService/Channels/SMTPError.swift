/// Why an SMTP conversation failed. `transient` says whether another attempt may succeed (network
/// trouble, timeouts, 4xx replies) or not (5xx replies).
public struct SMTPError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What failed.
    public var message: String
    /// The server's reply code, when it answered.
    public var replyCode: Int?
    /// Whether to try again.
    public var transient: Bool

    /// Creates an error.
    public init(_ message: String, replyCode: Int? = nil, transient: Bool) {
        self.message = message
        self.replyCode = replyCode
        self.transient = transient
    }

    public var description: String { replyCode.map { "\($0) \(message)" } ?? message }
}
