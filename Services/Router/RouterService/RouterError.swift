/// A router configuration file (the district boundaries) that cannot be used, with what is wrong.
public struct RouterError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        /// The file cannot be read.
        case unreadable
        /// The file does not parse as what it should be.
        case malformed
    }

    /// The kind of problem.
    public var code: Code
    /// What exactly, naming the file part (never personal data).
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "router \(code.rawValue): \(message)" }
}
