/// `open137 webhooks remove` named no stored subscription (exit status 1, no usage text: the command was right).
public struct WebhookNotFound: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason.
    public let code = "webhook-not-found"
    /// The id or URL asked for.
    public var target: String

    /// Creates the error for `target`.
    public init(target: String) {
        self.target = target
    }

    public var description: String {
        "no webhook subscription \(Int64(target) != nil ? "with id \(target)" : "to \(target)") (see open137 webhooks list)"
    }
}
