import ServiceHosting

/// The council-audit service's own configuration: the committee's HTTP API (and dashboard) address and
/// port, its read key, and whether the dashboard's cookies get `Secure`.
public struct CouncilAuditSettings: ServiceSettings {
    /// The key of the committee API's port, default 8138.
    public static let portKey = "COUNCIL_PORT"
    /// The key of the address the committee API listens on, default 127.0.0.1 (0.0.0.0 in containers).
    /// Its own key, not `OPS_HOST`: the ops endpoints and the committee's API are usually exposed differently.
    public static let hostKey = "COUNCIL_HOST"
    /// The key of the committee's read-only API key.
    public static let apiKeyKey = "OPEN137_COUNCIL_KEY"

    /// The key of the flag that marks cookies `Secure` (`OPEN137_COOKIE_SECURE`, default false; intake reads
    /// the same key — set it whenever the pages are served over TLS).
    public static let cookieSecureKey = "OPEN137_COOKIE_SECURE"

    /// The committee API's port.
    public var port: Int
    /// The committee API's address.
    public var host: String
    /// The committee's API key; never logged.
    public var apiKey: String
    /// Whether the dashboard's cookies (staff session, CSRF, language) get `Secure`.
    public var secureCookies: Bool

    public init(reading environment: inout EnvironmentConfig) {
        port = environment.port(Self.portKey, default: 8138)
        host = environment.optional(Self.hostKey, default: "127.0.0.1")
        apiKey = environment.apiKey(Self.apiKeyKey)
        secureCookies = environment.bool(Self.cookieSecureKey, default: false)
    }
}
