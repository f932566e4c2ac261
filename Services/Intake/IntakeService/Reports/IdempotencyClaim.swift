/// An `Idempotency-Key` as a client sent it, scoped to that client, with a hash of the request body.
public struct IdempotencyClaim: Sendable, Hashable {
    /// Whose key it is (the API key's id, or an AMQP channel), so two clients' keys never clash.
    public var scope: String
    /// The key the client sent.
    public var key: String
    /// SHA-256 of the request body: the same key with another body is a conflict.
    public var requestHash: [UInt8]

    /// Creates a claim.
    public init(scope: String, key: String, requestHash: [UInt8]) {
        self.scope = scope
        self.key = key
        self.requestHash = requestHash
    }

    /// A key within its scope: two claims with the same one are the same report (or a conflict).
    public struct Key: Sendable, Hashable {
        /// Whose key it is.
        public var scope: String
        /// The key the client sent.
        public var key: String
    }

    /// This claim's key within its scope (without the body's hash).
    public var scopedKey: Key { Key(scope: scope, key: key) }
}
