/// Why the report store could not do what was asked.
public struct IntakeStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of failure.
    public enum Code: String, Sendable {
        /// The Idempotency-Key was used before with another body.
        case idempotencyConflict = "idempotency-conflict"
        /// The database could not be reached or the transaction failed; nothing was stored.
        case unavailable
    }

    /// The kind of failure.
    public var code: Code
    /// What happened (no personal data, no bound values).
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
