/// Configuration read from the environment was missing or malformed. One error names every bad key,
/// so an operator fixes all of them in one go; it never contains the values themselves.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of configuration failure this is, in a form callers can switch on.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, Hashable {
            case invalidConfiguration
        }
        fileprivate let base: Base
        /// One or more keys were missing or malformed; `problems` names each.
        public static let invalidConfiguration = Code(base: .invalidConfiguration)
        public var description: String { base.rawValue }
    }

    /// One bad key.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// Why the key is bad.
        public enum Kind: String, Sendable, Hashable {
            /// The key is not set, or set to an empty string.
            case missing
            /// The key is set, but its value is not of the expected form.
            case malformed
        }

        /// The environment key, e.g. `AMQP_URL`.
        public var key: String
        /// Whether the key is missing or malformed.
        public var kind: Kind
        /// What a valid value looks like (never the value that was found).
        public var expected: String

        /// Creates a problem.
        public init(key: String, kind: Kind, expected: String) {
            self.key = key
            self.kind = kind
            self.expected = expected
        }

        public var description: String {
            switch kind {
            case .missing: "\(key) is missing (expected \(expected))"
            case .malformed: "\(key) is malformed (expected \(expected))"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// Every bad key, in the order they were read.
    public var problems: [Problem]

    /// The bad keys, in the order they were read.
    public var keys: [String] { problems.map(\.key) }

    /// Creates an error listing `problems`.
    public init(_ code: Code = .invalidConfiguration, problems: [Problem]) {
        self.code = code
        self.problems = problems
    }

    public var description: String {
        "ConfigurationError(\(code)): " + problems.map(\.description).joined(separator: "; ")
    }
}
