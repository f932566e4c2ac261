/// Why the classifier could not be built or an input could not be read, naming the file or line.
public struct ClassificationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem.
    public enum Code: String, Sendable {
        /// The corpus or taxonomy file is missing or unreadable.
        case unreadable
        /// A corpus line is not a labelled report.
        case malformedLine
        /// A corpus line names a service code the taxonomy does not have.
        case unknownServiceCode
        /// There is nothing to train on.
        case emptyCorpus
    }

    /// The kind of problem.
    public var code: Code
    /// What exactly, naming the file and line.
    public var message: String

    /// Creates an error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "classification \(code.rawValue): \(message)" }
}
