/// What went wrong in the notifier, with a machine-readable code. Never carries personal data.
public struct NotifierError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The templates file is missing or incomplete.
        public static let badTemplates = Code(rawValue: "bad-templates")
        /// A later event came before the report's `report.received` was stored (retried).
        public static let reporterUnknown = Code(rawValue: "reporter-unknown")
        /// A database call failed.
        public static let database = Code(rawValue: "database")
    }
    /// The reason.
    public var code: Code
    /// What is wrong, without personal data.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
