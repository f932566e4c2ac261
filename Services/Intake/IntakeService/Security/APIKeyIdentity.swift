/// Who a valid API key belongs to: its id (safe to log) and the channel it may submit for.
public struct APIKeyIdentity: Sendable, Hashable {
    /// The key's public id (the part after `o137_` and before the secret); safe to log.
    public var keyID: String
    /// The channel the key submits for, or `*` for a development key valid for every channel.
    public var channel: String

    /// Creates an identity.
    public init(keyID: String, channel: String) {
        self.keyID = keyID
        self.channel = channel
    }

    /// Whether the key may submit reports for `channel`.
    public func mayUse(channel: String) -> Bool {
        self.channel == "*" || self.channel == channel
    }
}
