/// Why a message cannot enter the audit log (it is dead-lettered with this reason).
public struct AuditRecordError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Machine-readable reason.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// Not JSON, not an object, or a CloudEvent without id or type.
        public static let malformedEnvelope = Code(rawValue: "malformed-envelope")
    }
    /// The reason code.
    public var code: Code
    /// What is wrong, without personal data.
    public var message: String
    public var description: String { "\(code.rawValue): \(message)" }
}
