import ReporterSecret
import ServiceHosting

/// Intake's own configuration: the public HTTP API (native and Open311), the development API key, the
/// city's bounds, rate limits and body size.
public struct IntakeSettings: ServiceSettings {
    /// The key of the public HTTP API's port (native and Open311), default 8137.
    public static let portKey = "INTAKE_PORT"
    /// The key of the development API key channels send as `Authorization: Bearer KEY` (valid for every channel).
    public static let apiKeyKey = "OPEN137_API_KEY"

    /// The key of the reporters' reopen secrets (`OPEN137_REOPEN_KEY`, at least 32 characters; the notifier
    /// needs the same key to send each reporter their secret).
    public static let reopenKeyKey = "OPEN137_REOPEN_KEY"
    /// The key of the flag that lets the development key act as any unit or the council
    /// (`OPEN137_API_KEY_ACTS_FOR_UNITS`, default false: the development key only submits reports).
    public static let developmentKeyActsForUnitsKey = "OPEN137_API_KEY_ACTS_FOR_UNITS"

    /// The key of how long an Idempotency-Key is remembered (`INTAKE_IDEMPOTENCY_RETENTION_HOURS`, default 48,
    /// 1...8760): a client retrying the same key later than that stores a new report.
    public static let idempotencyRetentionHoursKey = "INTAKE_IDEMPOTENCY_RETENTION_HOURS"

    /// The key of the flag that marks cookies `Secure` (`OPEN137_COOKIE_SECURE`, default false; set it
    /// whenever the pages are served over TLS, as they must be beyond loopback).
    public static let cookieSecureKey = "OPEN137_COOKIE_SECURE"

    /// The public HTTP API's port.
    public var port: Int
    /// Whether cookies (staff session, CSRF, language) get `Secure`.
    public var secureCookies: Bool
    /// The address the API listens on (`INTAKE_HOST`, default 127.0.0.1; 0.0.0.0 in containers).
    public var host: String
    /// The development API key; never logged.
    public var apiKey: String
    /// Whether the development key may also post status updates as any unit or the council.
    public var developmentKeyActsForUnits: Bool
    /// Derives and checks the reporters' reopen secrets; nil only when the key is missing or short (a
    /// configuration problem is recorded then, so the service does not start).
    public var reopenSecret: ReopenSecret?
    /// The rectangle report coordinates must fall in (`INTAKE_CITY_BOUNDS` = `minLat,minLong,maxLat,maxLong`).
    public var bounds: CityBounds
    /// Requests a second per API key (`INTAKE_RATE_PER_KEY`, default 3000), bursts of twice that.
    public var ratePerKey: Int
    /// Requests a second per client address (`INTAKE_RATE_PER_ADDRESS`, default 3000), bursts of twice that.
    public var ratePerAddress: Int
    /// Public reopen requests a client address may make a minute (`INTAKE_REOPENS_PER_MINUTE`, default 10, in
    /// bursts of as many): each is a guess at a reporter's secret, so far below the general limit.
    public var reopensPerMinute: Int
    /// The largest request body in bytes (`INTAKE_MAX_BODY_BYTES`, default 65536); larger → 413.
    public var maxBodyBytes: Int
    /// The Open311 `jurisdiction_id` this server answers for (`OPEN311_JURISDICTION`, default `tehran.ir`).
    public var jurisdiction: String
    /// How many submissions from the AMQP channels are handled at once (`INTAKE_AMQP_CONCURRENCY`, default 128: enough in hand for the group commit to store them together).
    public var amqpConcurrency: Int
    /// How long an Idempotency-Key is remembered; retention deletes older keys (the reports stay).
    public var idempotencyRetention: Duration

    public init(reading environment: inout EnvironmentConfig) {
        port = environment.port(Self.portKey, default: 8137)
        host = environment.optional("INTAKE_HOST", default: "127.0.0.1")
        apiKey = environment.apiKey(Self.apiKeyKey)
        secureCookies = environment.bool(Self.cookieSecureKey, default: false)
        developmentKeyActsForUnits = environment.bool(Self.developmentKeyActsForUnitsKey, default: false)
        reopenSecret = ReopenSecret(key: environment.apiKey(Self.reopenKeyKey, minimumLength: ReopenSecret.minimumKeyBytes))
        let boundsText = environment.optional("INTAKE_CITY_BOUNDS")
        if let boundsText {
            if let parsed = CityBounds(parsing: boundsText) {
                bounds = parsed
            } else {
                environment.problem("INTAKE_CITY_BOUNDS", expected: "minLat,minLong,maxLat,maxLong with min < max")
                bounds = .tehran
            }
        } else {
            bounds = .tehran
        }
        ratePerKey = environment.int("INTAKE_RATE_PER_KEY", default: 3_000, range: 1...1_000_000)
        ratePerAddress = environment.int("INTAKE_RATE_PER_ADDRESS", default: 3_000, range: 1...1_000_000)
        reopensPerMinute = environment.int("INTAKE_REOPENS_PER_MINUTE", default: Int(IntakeAPI.reopensPerMinute), range: 1...100_000)
        maxBodyBytes = environment.int("INTAKE_MAX_BODY_BYTES", default: 65_536, range: 1_024...10_485_760)
        jurisdiction = environment.optional("OPEN311_JURISDICTION", default: "tehran.ir")
        amqpConcurrency = environment.int("INTAKE_AMQP_CONCURRENCY", default: 128, range: 1...1_024)
        idempotencyRetention = .seconds(3_600 * environment.int(Self.idempotencyRetentionHoursKey, default: 48, range: 1...8_760))
    }
}
