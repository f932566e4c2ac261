/// Why a JSON or YAML document (a schema, the AsyncAPI contract, a repository file) could not be loaded.
public struct DocumentLoadingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong, in a form tests can match.
    public struct Code: RawRepresentable, Sendable, Hashable {
        /// The code as text.
        public var rawValue: String
        /// Creates a code.
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The file does not exist or cannot be read.
        public static let unreadable = Code(rawValue: "unreadable")
        /// The text is not valid JSON or YAML.
        public static let unparsable = Code(rawValue: "unparsable")
        /// The YAML uses something JSON cannot represent (aliases, non-string keys, …).
        public static let unsupported = Code(rawValue: "unsupported")
        /// No folder above the given file holds `Package.swift`.
        public static let repositoryNotFound = Code(rawValue: "repository-not-found")
    }

    /// What went wrong.
    public var code: Code
    /// Detail, naming the file.
    public var message: String

    /// Creates the error.
    public init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// `<code>: <message>`.
    public var description: String { "\(code.rawValue): \(message)" }
}
