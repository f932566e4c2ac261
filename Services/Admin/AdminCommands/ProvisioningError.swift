/// Why provisioning the broker users or policies failed, naming the user and the management API's answer (never a password).
public struct ProvisioningError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Code: String, Sendable {
        /// The management URL or the administrator's credentials are missing or malformed.
        case misconfigured
        /// The management API could not be reached.
        case unreachable
        /// The management API refused the administrator (401/403).
        case unauthorized
        /// The management API answered something else than expected.
        case unexpectedAnswer = "unexpected-answer"
        /// A policy was set but is not in effect on a queue it names (another policy outranks it, or a
        /// queue argument overrides it).
        case policyNotEffective = "policy-not-effective"
    }

    /// The kind of failure.
    public var code: Code
    /// What exactly.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "provisioning \(code.rawValue): \(message)" }
}
