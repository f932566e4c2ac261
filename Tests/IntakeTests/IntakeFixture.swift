import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeService
import JSON
import Logging
import Persistence
import PostgresNIO
import ReporterSecret
import ServiceHosting
import Stages
import StaffAccounts
import Taxonomy
import TestSupport

/// Intake's HTTP API over a throw-away schema of the test database, migrated with intake's own
/// migrations, served by the real Hummingbird server on a free port (HummingbirdTesting `.live`).
struct IntakeFixture: Sendable {
    /// The development key (valid for every channel).
    static let developmentKey = "test-development-key-0123456789"

    /// The reporters' secrets, as the API derives them.
    static let reopenSecret = ReopenSecret(key: TestEnvironment.reopenKey)!

    /// The API under test.
    let api: IntakeAPI
    /// The client, with `search_path` set to `schema`.
    let client: PostgresClient
    /// The throw-away schema.
    let schema: String

    /// Staff accounts (the shared `staff` schema: tests use unique usernames), with a low bcrypt cost.
    var staff: StaffDirectory { StaffDirectory(client: client, logger: TestEnvironment.logger("intake-tests"), passwordCost: 4) }

    /// The test's settings knobs.
    struct Options: Sendable {
        /// Requests one key may make in a test before it is answered 429.
        var ratePerKey = 10_000
        /// Requests one client address may make in a test before it is answered 429.
        var ratePerAddress = 10_000
        /// Public reopen requests one client address may make in a test before it is answered 429.
        var reopensPerAddress = 10_000
        /// Whether the development key may act as a unit or the council.
        var developmentKeyActsForUnits = false
        var maxBodyBytes = 65_536
        /// The logger of the API and the HTTP server (the tests' quiet logger unless set).
        var logger: Logger?
        /// Whether the web pages (and the staff schema they sign in with) are served too.
        var pages = false
    }

    /// Runs `body` with an API over a fresh, migrated schema; drops the schema after.
    static func withAPI<T: Sendable>(
        _ options: Options = Options(),
        _ body: @Sendable (IntakeFixture, any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let schema = TestEnvironment.uniqueName("t_intake")
        let logger = options.logger ?? TestEnvironment.logger("intake-tests")
        let configuration = StageRuntime.clientConfiguration(try databaseConfiguration(), schema: schema)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let running = Task { await client.run() }
        defer { running.cancel() }
        try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: IntakeStage.migrationsBundle)
        do {
            let fixture = try make(client: client, schema: schema, options: options, logger: logger)
            let router = fixture.api.makeRouter()
            if options.pages {
                try await Migrator(client: client, logger: logger).migrate(schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle)
                try IntakePages(api: fixture.api, directory: fixture.staff, secureCookies: false).add(to: router)
            }
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            let value = try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await fixture.api.writer.run(); return nil }
                let value = try await app.test(.live) { http in try await body(fixture, http) }
                group.cancelAll()
                return value
            }
            try? await drop(schema, client: client)
            return value
        } catch {
            try? await drop(schema, client: client)
            throw error
        }
    }

    /// The API's parts over `client` (also used with a client whose database is down).
    static func make(client: PostgresClient, schema: String, options: Options, logger: Logger) throws -> IntakeFixture {
        let outbox = try Outbox(schema: schema)
        let store = ReportStore(client: client, outbox: outbox, logger: logger)
        let api = IntakeAPI(
            validator: SubmissionValidator(taxonomy: try Taxonomy.bundled(), bounds: .tehran),
            store: store, writer: ReportBatchWriter(store: store, logger: logger),
            keys: APIKeyStore(client: client, logger: logger, developmentKey: developmentKey),
            // Tests count requests against the burst: the buckets refill too slowly to matter within a test.
            keyLimiter: RateLimiter(rate: 0.01, burst: Double(options.ratePerKey)),
            addressLimiter: RateLimiter(rate: 0.01, burst: Double(options.ratePerAddress)),
            reopenSecret: reopenSecret, reopenLimiter: RateLimiter(rate: 0.01, burst: Double(options.reopensPerAddress)),
            developmentKeyActsForUnits: options.developmentKeyActsForUnits,
            maxBodyBytes: options.maxBodyBytes, jurisdiction: "tehran.ir", logger: logger
        )
        return IntakeFixture(api: api, client: client, schema: schema)
    }

    /// The test database's client configuration (`DATABASE_URL`).
    static func databaseConfiguration() throws -> PostgresClient.Configuration {
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw FixtureError(description: "DATABASE_URL is not usable") }
        var configuration = url.clientConfiguration
        configuration.options.maximumConnections = 8
        return configuration
    }

    /// Drops `schema` and forgets its migrations.
    static func drop(_ schema: String, client: PostgresClient) async throws {
        let logger = TestEnvironment.logger("intake-tests")
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
        try await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
    }

    /// The single integer a query returns.
    func scalar(_ query: PostgresQuery) async throws -> Int {
        let rows = try await client.query(query, logger: TestEnvironment.logger("intake-tests"))
        for try await value in rows.decode(Int64.self) { return Int(value) }
        throw FixtureError(description: "the query returned no row")
    }

    /// The single text a query returns.
    func text(_ query: PostgresQuery) async throws -> String? {
        let rows = try await client.query(query, logger: TestEnvironment.logger("intake-tests"))
        for try await value in rows.decode(String?.self) { return value }
        return nil
    }

    /// A valid native report body, with overrides merged in at the top level.
    static func report(_ overrides: [String: JSONValue] = [:]) -> JSONValue {
        var body: [String: JSONValue] = [
            "channel": .string("137-phone"),
            "description": .string("تاب پارک محله شکسته است و بچه‌ها هنوز از آن استفاده می‌کنند"),
            "service_code": .string("CFC-PLAY"),
            "attributes": .object(["park_name": .string("پارک لاله"), "equipment": .string("swing")]),
            "location": .object(["lat": .number(35.70), "long": .number(51.40)]),
            "reporter": .object([
                "name": .string("Canary Reporter"), "phone": .string("۰۹۱۲ ۱۲۳ ۴۵۶۷"), "email": .string("canary@example.org"),
                "language": .string("fa"), "type": .string("parent"), "age_band": .string("18+"),
            ]),
            "contact_allowed": .bool(true),
            "media_urls": .array([.string("https://media.example.org/p/1.jpg")]),
        ]
        for (key, value) in overrides { body[key] = value }
        return .object(body)
    }

    /// JSON bytes of a value.
    static func bytes(_ value: JSONValue) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONEncoder().encode(value))
    }

    /// Headers with the development key (or `key`) and JSON content type.
    static func headers(key: String? = developmentKey, idempotencyKey: String? = nil) -> HTTPFields {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let idempotencyKey { headers[HTTPField.Name("Idempotency-Key")!] = idempotencyKey }
        return headers
    }

    /// The body of a response as JSON.
    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(buffer: response.body))
    }
}

/// A fixture that could not be set up.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}
