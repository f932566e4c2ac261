/// Why a webhook subscription cannot be stored: which part (`url`, `events`, `secret`) and what is wrong.
public struct WebhookSubscriptionProblem: Error, Sendable, Hashable, CustomStringConvertible {
    /// The part at fault.
    public var field: String
    /// What is wrong with it (never the secret itself).
    public var message: String

    /// Creates a problem.
    public init(field: String, message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}
