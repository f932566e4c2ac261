import BrokerTopology
import Foundation
import Hummingbird
import Messaging
import ServiceHosting
import ServiceLifecycle
import Stages
import StaffAccounts
import Taxonomy
import UnixSignals

/// The `council-audit` service: keeps the hash-chained, append-only audit log of every event, serves the
/// child-friendly city committee's views, and escalates overdue child reports.
///
/// Once migrated it consumes `council-audit.events` (every report event and every unit update) into the log
/// and its projection (group commit, once per event id), verifies the chain at start and every five
/// minutes (metric `open137_audit_chain_valid`), escalates overdue child reports every minute
/// (`report.escalated` through its outbox) and serves the committee's API and dashboard (`/dashboard`,
/// behind staff sign-in with role `council` or `admin`) on `COUNCIL_PORT`.
public enum CouncilAuditStage {
    /// The executable's name, also its logger label and its CloudEvents source.
    public static let name = ServiceName.councilAudit.rawValue
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9105
    /// The database schema this service owns.
    public static let schema = "council_audit"
    /// The bundle holding this service's SQL migrations (its `Migrations` folder).
    public static var migrationsBundle: Bundle { .module }
    /// The work queue of every event.
    public static let eventsQueue = "council-audit.events"
    /// The broker objects this service declares on every (re)connect.
    public static let topology = Open137Topology.topology(for: .councilAudit)

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    public static func build(
        _ setup: ServiceSetup<CouncilAuditSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let runtime = try StageRuntime(setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology)
        let logger = setup.logger
        let log = AuditLog(client: runtime.postgres, logger: logger)
        let appender = AuditAppender(log: log)
        let handler = AuditEventHandler(appender: appender, logger: logger)
        let worker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: "\(name)-events"),
                queue: eventsQueue, prefetch: 512, topology: topology, logger: logger
            ),
            // Many deliveries in flight let the appender fill its batches.
            publisher: runtime.publisher, concurrency: 256, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger,
            handler: handler.handle
        )
        let taxonomy = try Taxonomy.bundled()
        let queries = CouncilQueries(client: runtime.postgres, taxonomy: taxonomy, logger: logger)
        let api = CouncilAPI(queries: queries, apiKey: setup.settings.apiKey)
        // The dashboard beside the API, behind staff sign-in; staff accounts live in their own schema.
        let staffMigrations = MigrationService(client: runtime.postgres, schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle, logger: logger)
        // The HTTP server starts once both schemas are migrated; /ready says so only then.
        runtime.opsServer.addReadinessCheck("staff-migrations") { [staffMigrations] in staffMigrations.readiness() }
        let router = api.makeRouter()
        try CouncilPages(queries: queries, log: log, directory: StaffDirectory(client: runtime.postgres, logger: logger),
                         secureCookies: setup.settings.secureCookies).add(to: router)
        let http = Application(
            router: router,
            configuration: .init(address: .hostname(setup.settings.host, port: setup.settings.port), serverName: "open137-council"),
            logger: logger
        )
        return runtime.makeGroup(
            // The appender starts before and stops after the worker, so it appends what the worker handed it.
            stageServices: [
                AfterMigrations(runtime.migrations, appender),
                AfterMigrations(runtime.migrations, worker),
                AfterMigrations(runtime.migrations, ChainVerifierService(log: log, logger: logger)),
                AfterMigrations(runtime.migrations, Escalator(client: runtime.postgres, outbox: runtime.outbox, logger: logger)),
                AfterMigrations(runtime.migrations, staffMigrations),
                AfterMigrations(runtime.migrations, AfterMigrations(staffMigrations, http)),
            ],
            gracefulShutdownSignals: gracefulShutdownSignals
        )
    }
}
