/// A failure of the audit store (database down, a statement refused): transient for the consumer, which
/// retries the delivery. The message names no personal data.
public struct AuditStoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable code.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// An append transaction failed; nothing of it was stored.
        public static let appendFailed = Code(rawValue: "append-failed")
        /// A read (verification, query) failed.
        public static let queryFailed = Code(rawValue: "query-failed")
        /// The appender is shutting down.
        public static let stopping = Code(rawValue: "stopping")
    }
    /// What failed.
    public var code: Code
    /// Detail for the operator.
    public var message: String

    /// Creates the error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
