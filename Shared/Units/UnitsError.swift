/// A units file that cannot be used, with what is wrong.
public struct UnitsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        /// The file cannot be read.
        case unreadable
        /// The file does not parse as a units file.
        case malformed
        /// The units file disagrees with itself or with the taxonomy.
        case inconsistentUnits
    }

    /// The kind of problem.
    public var code: Code
    /// What exactly, naming the unit or service code (never personal data).
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "units \(code.rawValue): \(message)" }
}
