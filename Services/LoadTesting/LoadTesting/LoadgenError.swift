/// Why `open137-load loadgen` could not run at all (a usage or configuration problem, exit status 2), as
/// opposed to a run that found lost or duplicated reports (exit status 1).
struct LoadgenError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason.
    struct Code: RawRepresentable, Sendable, Hashable {
        var rawValue: String
        init(rawValue: String) { self.rawValue = rawValue }
        /// A missing or malformed environment key or option.
        static let configuration = Code(rawValue: "configuration")
        /// The corpus or the taxonomy cannot give reports for every service code.
        static let corpus = Code(rawValue: "corpus")
        /// The broker or the database could not be reached before the run started.
        static let unreachable = Code(rawValue: "unreachable")
    }

    /// The reason.
    let code: Code
    /// What to fix, for the operator.
    let message: String

    /// Creates an error.
    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    var description: String { "loadgen: \(message) [\(code.rawValue)]" }
}
