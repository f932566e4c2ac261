/// A report could not be classified now (the classifier is stopping, or its batch came back incomplete);
/// the delivery is retried later.
struct ClassificationUnavailable: Error, Sendable, CustomStringConvertible {
    /// Machine-readable code.
    var code = "shutting-down"
    /// What happened.
    var message = "the classifier is stopping"

    /// The code and the message, for logs.
    var description: String { "\(code): \(message)" }
}
