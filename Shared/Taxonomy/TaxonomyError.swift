/// A taxonomy file that cannot be used, with what is wrong.
public struct TaxonomyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        case unreadable, malformed, duplicateServiceCode, unknownGroup, missingFallback
    }

    /// The kind of problem.
    public var code: Code
    /// What exactly, naming the code or file part.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "taxonomy \(code.rawValue): \(message)" }
}
