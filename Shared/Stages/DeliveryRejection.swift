import ServiceHosting
/// Thrown by a delivery handler for a message that can never succeed (not an event, wrong type, invalid
/// payload): the worker sends it, body intact and with this reason in its headers, to its dead-letter
/// route instead of retrying. The reason must not contain personal data.
public struct DeliveryRejection: Error, Sendable, Equatable, CustomStringConvertible {
    /// Machine-readable reason (`malformed-envelope`, `invalid-payload`, …).
    public var code: String
    /// What is wrong, for the operator reading the dead-letter queue.
    public var reason: String

    /// Creates a rejection.
    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code): \(reason)" }
}
