import ServiceSupport

/// The council-audit service's own configuration: the committee's HTTP API port and its read key.
public struct CouncilAuditSettings: ServiceSettings {
    /// The key of the committee API's port, default 8138.
    public static let portKey = "COUNCIL_PORT"
    /// The key of the committee's read-only API key.
    public static let apiKeyKey = "OPEN137_COUNCIL_KEY"

    /// The committee API's port.
    public var port: Int
    /// The committee's API key; never logged.
    public var apiKey: String

    public init(reading environment: inout EnvironmentConfig) {
        port = environment.port(Self.portKey, default: 8138)
        apiKey = environment.apiKey(Self.apiKeyKey)
    }
}
