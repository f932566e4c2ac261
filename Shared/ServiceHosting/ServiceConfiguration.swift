import Foundation
import Logging
import PostgresNIO

/// The configuration every Open137 service reads from its environment: the broker, the database,
/// the ops HTTP listener and the log level.
public struct ServiceConfiguration: Sendable, CustomStringConvertible {
    /// The RabbitMQ URL key (required): `amqp://user:password@host:5672/vhost`.
    public static let amqpURLKey = "AMQP_URL"
    /// The PostgreSQL URL key (required): `postgres://user:password@host:5432/database`.
    public static let databaseURLKey = "DATABASE_URL"
    /// The ops server's listen address key (optional, default `127.0.0.1`; `0.0.0.0` in containers).
    public static let opsHostKey = "OPS_HOST"
    /// The ops server's port key (optional, default given by each service).
    public static let opsPortKey = "OPS_PORT"
    /// The log level key (optional, default `info`).
    public static let logLevelKey = "LOG_LEVEL"
    /// The inbox retention key (optional, hours, default 168 = 7 days, at least 24): how long a stage
    /// remembers the events it applied. Longer than any redelivery, so a redelivered event is never applied twice.
    public static let inboxRetentionHoursKey = "OPEN137_INBOX_RETENTION_HOURS"
    /// The inbox retention used when `OPEN137_INBOX_RETENTION_HOURS` is unset, in hours.
    public static let defaultInboxRetentionHours = 168
    /// Every key this type reads, in reading order.
    public static let keys: [String] = [amqpURLKey, databaseURLKey, opsHostKey, opsPortKey, logLevelKey, inboxRetentionHoursKey]
    /// The ops host used when `OPS_HOST` is unset.
    public static let defaultOpsHost = "127.0.0.1"

    /// The broker URL, validated as `amqp://` or `amqps://` with a host. Contains credentials: never log it
    /// without `Redaction.redactURLCredentials`.
    public var amqpURL: String
    /// The parsed database URL (its `description` hides the password).
    public var database: DatabaseURL
    /// The address the ops server listens on.
    public var opsHost: String
    /// The port the ops server listens on.
    public var opsPort: Int
    /// The log level.
    public var logLevel: Logger.Level
    /// How long the stage's inbox keeps a record of an applied event.
    public var inboxRetention: Duration

    /// Creates a configuration from explicit values (tests, tools).
    public init(
        amqpURL: String,
        database: DatabaseURL,
        opsHost: String = ServiceConfiguration.defaultOpsHost,
        opsPort: Int,
        logLevel: Logger.Level = .info,
        inboxRetention: Duration = .seconds(ServiceConfiguration.defaultInboxRetentionHours * 3600)
    ) {
        self.amqpURL = amqpURL
        self.database = database
        self.opsHost = opsHost
        self.opsPort = opsPort
        self.logLevel = logLevel
        self.inboxRetention = inboxRetention
    }

    /// Reads the common keys from `environment`, recording problems there; call `environment.validate()`
    /// before using the result.
    public init(reading environment: inout EnvironmentConfig, defaultOpsPort: Int) {
        amqpURL = environment.url(Self.amqpURLKey, schemes: ["amqp", "amqps"])
        database = environment.databaseURL(Self.databaseURLKey)
        opsHost = environment.optional(Self.opsHostKey, default: Self.defaultOpsHost)
        opsPort = environment.port(Self.opsPortKey, default: defaultOpsPort)
        logLevel = environment.logLevel(Self.logLevelKey, default: .info)
        // At least a day: a message can wait in a queue (or a DLQ before `open137 dlq replay`) for hours.
        let retentionHours = environment.int(Self.inboxRetentionHoursKey, default: Self.defaultInboxRetentionHours, range: 24...87_600)
        inboxRetention = .seconds(retentionHours * 3600)
    }

    /// Reads and validates the common keys; throws one error naming every missing or malformed key.
    public static func load(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultOpsPort: Int
    ) throws(ConfigurationError) -> ServiceConfiguration {
        try load(NoServiceSettings.self, environment: environment, defaultOpsPort: defaultOpsPort).service
    }

    /// Reads and validates the common keys and a service's own `Settings` together, so one error names
    /// every bad key of both.
    public static func load<Settings: ServiceSettings>(
        _ settings: Settings.Type,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        defaultOpsPort: Int
    ) throws(ConfigurationError) -> (service: ServiceConfiguration, settings: Settings) {
        var reader = EnvironmentConfig(environment: environment)
        let service = ServiceConfiguration(reading: &reader, defaultOpsPort: defaultOpsPort)
        let extra = Settings(reading: &reader)
        try reader.validate()
        return (service, extra)
    }

    /// Every key a service with `Settings` reads: the common `keys` followed by the settings' own keys,
    /// found by reading an empty environment (so the list cannot drift from the code that reads them).
    public static func keys<Settings: ServiceSettings>(with settings: Settings.Type) -> [String] {
        var reader = EnvironmentConfig(environment: [:])
        _ = ServiceConfiguration(reading: &reader, defaultOpsPort: 1)
        _ = Settings(reading: &reader)
        return reader.readKeys
    }

    /// The postgres-nio client configuration for `database`.
    public var postgres: PostgresClient.Configuration { database.clientConfiguration }

    public var description: String {
        "ServiceConfiguration(amqpURL: \(Redaction.redactURLCredentials(amqpURL)), "
            + "database: \(database), "
            + "ops: \(opsHost):\(opsPort), logLevel: \(logLevel), inboxRetention: \(inboxRetention))"
    }
}
