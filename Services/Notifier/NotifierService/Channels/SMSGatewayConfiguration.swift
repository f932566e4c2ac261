/// Where the HTTP SMS gateway is and the key it wants.
public struct SMSGatewayConfiguration: Sendable, Hashable {
    /// Base URL; messages go to `<base>/messages`.
    public var baseURL: String
    /// Sent as `Authorization: Bearer …`.
    public var apiKey: String

    /// Creates a configuration.
    public init(baseURL: String, apiKey: String) {
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    /// The URL messages are POSTed to.
    public var messagesURL: String {
        (baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL) + "/messages"
    }
}
