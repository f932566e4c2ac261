import ServiceSupport

/// Intake's own configuration: the public HTTP API's port and the channels' API key.
public struct IntakeSettings: ServiceSettings {
    /// The key of the public HTTP API's port (native and Open311), default 8137.
    public static let portKey = "INTAKE_PORT"
    /// The key of the API key channels send as `Authorization: Bearer KEY`.
    public static let apiKeyKey = "OPEN137_API_KEY"

    /// The public HTTP API's port.
    public var port: Int
    /// The API key; never logged.
    public var apiKey: String

    public init(reading environment: inout EnvironmentConfig) {
        port = environment.port(Self.portKey, default: 8137)
        apiKey = environment.apiKey(Self.apiKeyKey)
    }
}
