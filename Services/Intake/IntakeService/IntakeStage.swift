import BrokerTopology
import Foundation
import Hummingbird
import Messaging
import Persistence
import ServiceHosting
import ServiceLifecycle
import StaffAccounts
import Stages
import Taxonomy
import UnixSignals

/// The `intake` service: the front door — accepts reports from every channel (AMQP, the native HTTP API,
/// Open311 GeoReport v2), gives each a tracking code, stores it with its `report.received` event (outbox),
/// and keeps the public read model that tracking and Open311 `GET requests` show.
public enum IntakeStage {
    /// The executable's name, also its logger label and its CloudEvents source.
    public static let name = ServiceName.intake.rawValue
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9101
    /// The database schema this service owns.
    public static let schema = "intake"
    /// The bundle holding this service's SQL migrations (its `Migrations` folder).
    public static var migrationsBundle: Bundle { .module }
    /// The broker objects this service declares on every (re)connect.
    public static let topology = Open137Topology.topology(for: .intake)

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    ///
    /// Order: database, publisher, migrations, outbox relay, then — once migrated — the HTTP API and the
    /// two AMQP workers (channel submissions, read-model events). Shutdown runs it backwards: the API and
    /// the workers drain first, the relay publishes what they committed, then the connections close.
    public static func build(
        _ setup: ServiceSetup<IntakeSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        // Settings that read no usable key already failed validation; this is for a caller that built them by hand.
        guard let reopenSecret = setup.settings.reopenSecret else {
            throw ConfigurationError(problems: [.init(key: IntakeSettings.reopenKeyKey, kind: .malformed, expected: "at least 32 characters")])
        }
        let runtime = try StageRuntime(
            setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology,
            retaining: [RetentionRule(rows: try ReportStore.idempotencyKeys(schema: schema), window: setup.settings.idempotencyRetention)]
        )
        let settings = setup.settings
        let logger = setup.logger
        let taxonomy = try Taxonomy.bundled()
        let store = ReportStore(client: runtime.postgres, outbox: runtime.outbox, logger: logger)
        let validator = SubmissionValidator(taxonomy: taxonomy, bounds: settings.bounds)
        let writer = ReportBatchWriter(store: store, logger: logger)
        let keyLimiter = RateLimiter(rate: Double(settings.ratePerKey), burst: Double(settings.ratePerKey * 2))
        let addressLimiter = RateLimiter(rate: Double(settings.ratePerAddress), burst: Double(settings.ratePerAddress * 2))
        let reopenLimiter = RateLimiter(rate: Double(settings.reopensPerMinute) / 60, burst: Double(settings.reopensPerMinute))
        let api = IntakeAPI(
            validator: validator, store: store, writer: writer,
            keys: APIKeyStore(client: runtime.postgres, logger: logger, developmentKey: settings.apiKey),
            keyLimiter: keyLimiter,
            addressLimiter: addressLimiter,
            reopenSecret: reopenSecret, reopenLimiter: reopenLimiter, developmentKeyActsForUnits: settings.developmentKeyActsForUnits,
            maxBodyBytes: settings.maxBodyBytes, jurisdiction: settings.jurisdiction, logger: logger
        )
        // The pages (citizens', operators') beside the API; staff accounts live in their own schema.
        let staffMigrations = MigrationService(client: runtime.postgres, schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle, logger: logger)
        // The HTTP server starts once both schemas are migrated; /ready says so only then.
        runtime.opsServer.addReadinessCheck("staff-migrations") { [staffMigrations] in staffMigrations.readiness() }
        let router = api.makeRouter()
        try IntakePages(api: api, directory: StaffDirectory(client: runtime.postgres, logger: logger), secureCookies: settings.secureCookies)
            .add(to: router)
        let http = Application(
            router: router,
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "open137-intake"),
            logger: logger
        )

        let submissions = AMQPSubmissionHandler(
            validator: validator, writer: writer, reopenSecret: reopenSecret, publisher: runtime.publisher, logger: logger
        )
        let submissionWorker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: "\(name)-submissions"),
                queue: "intake.submissions", prefetch: UInt16(settings.amqpConcurrency * 2), topology: topology, logger: logger
            ),
            publisher: runtime.publisher, concurrency: settings.amqpConcurrency,
            deadLetterRoutingKey: Open137Topology.intakeRejectedQueue, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger,
            handler: submissions.handle
        )
        let readModelWriter = ReadModelBatchWriter(store: store, logger: logger)
        let readModel = ReadModelHandler(writer: readModelWriter, logger: logger)
        // Enough events in hand for the writer's batches to grow under load (one transaction each).
        let eventWorker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: "\(name)-events"),
                queue: "intake.events", prefetch: 512, topology: topology, logger: logger
            ),
            publisher: runtime.publisher, concurrency: 256, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger,
            handler: readModel.handle
        )
        return runtime.makeGroup(
            // The writers start before and stop after the HTTP server and the workers, so they drain what those accepted.
            stageServices: [
                keyLimiter,
                addressLimiter,
                reopenLimiter,
                AfterMigrations(runtime.migrations, writer),
                AfterMigrations(runtime.migrations, readModelWriter),
                AfterMigrations(runtime.migrations, staffMigrations),
                AfterMigrations(runtime.migrations, AfterMigrations(staffMigrations, http)),
                AfterMigrations(runtime.migrations, submissionWorker),
                AfterMigrations(runtime.migrations, eventWorker),
            ],
            gracefulShutdownSignals: gracefulShutdownSignals
        )
    }
}
