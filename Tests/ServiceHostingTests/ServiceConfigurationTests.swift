import Logging
@testable import ServiceHosting
import Testing


/// The configuration every service reads, and services' own extra keys.
@Suite("ServiceConfiguration", .timeLimit(.minutes(1)))
struct ServiceConfigurationTests {
    /// A service's extra settings for the tests.
    struct SampleSettings: ServiceSettings {
        /// `SAMPLE_BATCH_SIZE`.
        var batchSize: Int
        /// `SAMPLE_API_KEY`.
        var apiKey: String

        /// Reads both keys.
        init(reading environment: inout EnvironmentConfig) {
            batchSize = environment.int("SAMPLE_BATCH_SIZE", default: 50, range: 1...500)
            apiKey = environment.required("SAMPLE_API_KEY", expected: "the API key")
        }
    }

    /// The smallest valid environment.
    let validEnvironment = [
        "AMQP_URL": "amqp://guest:guest@127.0.0.1:5672/",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5433/open137",
    ]

    @Test("a minimal environment loads, and defaults apply")
    func defaults() throws {
        let config = try ServiceConfiguration.load(environment: validEnvironment, defaultOpsPort: 9102)
        #expect(config.amqpURL == "amqp://guest:guest@127.0.0.1:5672/")
        #expect(config.opsPort == 9102)
        #expect(config.opsHost == "127.0.0.1")
        #expect(config.logLevel == .info)
        #expect(config.database.host == "127.0.0.1")
        #expect(config.database.port == 5433)
        #expect(config.database.username == "postgres")
        #expect(config.database.password == nil)
        #expect(config.database.database == "open137")
        #expect(config.database.tlsMode == .disable)
        let postgres = config.postgres
        #expect(postgres.host == "127.0.0.1")
        #expect(postgres.port == 5433)
        #expect(postgres.username == "postgres")
        #expect(postgres.database == "open137")
    }

    @Test("explicit values override the defaults")
    func overrides() throws {
        var environment = validEnvironment
        environment["OPS_PORT"] = "19102"
        environment["OPS_HOST"] = "0.0.0.0"
        environment["LOG_LEVEL"] = "debug"
        let config = try ServiceConfiguration.load(environment: environment, defaultOpsPort: 9102)
        #expect(config.opsPort == 19102)
        #expect(config.opsHost == "0.0.0.0")
        #expect(config.logLevel == .debug)
    }

    @Test("an empty environment fails naming both required keys")
    func missingRequired() {
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration.load(environment: [:], defaultOpsPort: 9101)
        }
        #expect(error?.keys == ["AMQP_URL", "DATABASE_URL"])
        #expect(error?.problems.allSatisfy { $0.kind == .missing } == true)
    }

    @Test("every bad key is named at once, common and service-specific, and no password leaks")
    func everyBadKeyNamed() {
        let environment = [
            "AMQP_URL": "amqp//guest:amqp-s3cret@broker",
            "DATABASE_URL": "postgres://app:db-s3cret@db.example:5432/open137?sslmode=sometimes",
            "OPS_PORT": "0",
            "LOG_LEVEL": "verbose",
            "SAMPLE_BATCH_SIZE": "9999",
        ]
        let error = #expect(throws: ConfigurationError.self) {
            try ServiceConfiguration.load(SampleSettings.self, environment: environment, defaultOpsPort: 9101)
        }
        #expect(error?.keys == ["AMQP_URL", "DATABASE_URL", "OPS_PORT", "LOG_LEVEL", "SAMPLE_BATCH_SIZE", "SAMPLE_API_KEY"])
        let kinds = error?.problems.map(\.kind)
        #expect(kinds == [.malformed, .malformed, .malformed, .malformed, .malformed, .missing])
        let text = error.map { "\($0)" } ?? ""
        #expect(!text.contains("amqp-s3cret"))
        #expect(!text.contains("db-s3cret"))
    }

    @Test("a service's settings load together with the common configuration")
    func settingsLoad() throws {
        var environment = validEnvironment
        environment["SAMPLE_API_KEY"] = "k"
        let (service, settings) = try ServiceConfiguration.load(SampleSettings.self, environment: environment, defaultOpsPort: 9104)
        #expect(service.opsPort == 9104)
        #expect(settings.batchSize == 50)
        #expect(settings.apiKey == "k")
    }

    @Test("the keys a service reads are listed: the common ones, then its own")
    func keysRead() {
        #expect(ServiceConfiguration.keys == ["AMQP_URL", "DATABASE_URL", "OPS_HOST", "OPS_PORT", "LOG_LEVEL", "OPEN137_INBOX_RETENTION_HOURS"])
        #expect(ServiceConfiguration.keys(with: NoServiceSettings.self) == ServiceConfiguration.keys)
        #expect(
            ServiceConfiguration.keys(with: SampleSettings.self)
                == ServiceConfiguration.keys + ["SAMPLE_BATCH_SIZE", "SAMPLE_API_KEY"]
        )
    }

    @Test("the inbox retention is read in hours, 7 days by default, never under a day")
    func inboxRetention() throws {
        #expect(try ServiceConfiguration.load(environment: validEnvironment, defaultOpsPort: 9101).inboxRetention == .seconds(168 * 3600))
        var environment = validEnvironment
        environment["OPEN137_INBOX_RETENTION_HOURS"] = "72"
        #expect(try ServiceConfiguration.load(environment: environment, defaultOpsPort: 9101).inboxRetention == .seconds(72 * 3600))
        for bad in ["12", "0", "a week"] {
            environment["OPEN137_INBOX_RETENTION_HOURS"] = bad
            #expect(throws: ConfigurationError.self) { try ServiceConfiguration.load(environment: environment, defaultOpsPort: 9101) }
        }
    }

    @Test("the description hides passwords")
    func descriptionRedacts() throws {
        let environment = [
            "AMQP_URL": "amqp://guest:amqp-s3cret@127.0.0.1:5672/",
            "DATABASE_URL": "postgres://app:db-s3cret@127.0.0.1:5432/open137",
        ]
        let config = try ServiceConfiguration.load(environment: environment, defaultOpsPort: 9101)
        let text = "\(config)"
        #expect(!text.contains("amqp-s3cret"))
        #expect(!text.contains("db-s3cret"))
        #expect(text.contains("amqp://guest:***@127.0.0.1:5672/"))
        #expect(text.contains("postgres://app:***@127.0.0.1:5432/open137"))
    }
}

/// Parsing PostgreSQL URLs into postgres-nio configurations.
@Suite("DatabaseURL", .timeLimit(.minutes(1)))
struct DatabaseURLTests {
    @Test("user, percent-encoded password, host, port and database are parsed")
    func components() throws {
        let url = try #require(DatabaseURL("postgresql://app%40x:p%3Ass%2Fw@db.example:6543/open%20137"))
        #expect(url.username == "app@x")
        #expect(url.password == "p:ss/w")
        #expect(url.host == "db.example")
        #expect(url.port == 6543)
        #expect(url.database == "open 137")
        #expect(url.tlsMode == .prefer)
        let configuration = url.clientConfiguration
        #expect(configuration.password == "p:ss/w")
        #expect(!url.description.contains("p:ss/w"))
    }

    @Test("TLS is off for loopback hosts and follows sslmode")
    func tlsModes() throws {
        #expect(DatabaseURL("postgres://u@localhost/db")?.tlsMode == .disable)
        #expect(DatabaseURL("postgres://u@127.0.0.1:5432/db")?.tlsMode == .disable)
        #expect(DatabaseURL("postgres://u@[::1]:5432/db")?.tlsMode == .disable)
        #expect(DatabaseURL("postgres://u@[::1]:5432/db")?.host == "::1")
        #expect(DatabaseURL("postgres://u@db.example/db")?.tlsMode == .prefer)
        #expect(DatabaseURL("postgres://u@127.0.0.1/db?sslmode=require")?.tlsMode == .require)
        #expect(DatabaseURL("postgres://u@db.example/db?sslmode=disable")?.tlsMode == .disable)
        #expect(DatabaseURL("postgres://u@db.example/db?sslmode=allow")?.tlsMode == .prefer)
        #expect(DatabaseURL("postgres://u@db.example/db?sslmode=verify-ca")?.tlsMode == .verifyCA)
        #expect(DatabaseURL("postgres://u@db.example/db?sslmode=verify-full")?.tlsMode == .verifyFull)
        #expect(DatabaseURL("postgres://u@db.example/db?sslmode=bogus") == nil)
    }

    @Test("URLs that are not PostgreSQL URLs are rejected")
    func rejects() {
        #expect(DatabaseURL("mysql://u@db/x") == nil)
        #expect(DatabaseURL("postgres://db.example/x") == nil)
        #expect(DatabaseURL("postgres://u@:5432/x") == nil)
        #expect(DatabaseURL("postgres://u@db:99999/x") == nil)
        #expect(DatabaseURL("not a url") == nil)
    }

    @Test("no database path leaves the database unset")
    func noDatabase() {
        #expect(DatabaseURL("postgres://u@db.example")?.database == nil)
        #expect(DatabaseURL("postgres://u@db.example/")?.database == nil)
    }
}
