import BrokerTopology
import Classification
import Foundation
import Messaging
import Persistence
import ServiceHosting
import ServiceLifecycle
import Stages
import Taxonomy
import Units
import UnixSignals

/// The `router` service: sends each report to the unit responsible with a deadline and applies the units' status updates.
///
/// It loads the taxonomy, the units file and the district boundaries (a broken file stops it, naming
/// the file), migrates its schema `router`, declares its queues and the units' (`unit.<unit>`,
/// `council.child-friendly`), consumes `router.reports` (`report.classified` → the assignment and its
/// deliveries through the outbox, stored in groups by a `RoutingBatchWriter`) and `router.unit-updates` (the state machine) with a `DeliveryWorker`
/// each, relays its outbox, and serves `/health`, `/ready` and `/metrics`.
public enum RouterStage {
    /// The executable's name, also its logger label and its CloudEvents source.
    public static let name = ServiceName.router.rawValue
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9103
    /// The database schema this service owns.
    public static let schema = "router"
    /// The bundle holding this service's SQL migrations (its `Migrations` folder).
    public static var migrationsBundle: Bundle { .module }
    /// The work queue of `report.classified` events.
    public static let reportsQueue = "router.reports"
    /// The work queue of the units' status updates.
    public static let unitUpdatesQueue = "router.unit-updates"
    /// The broker objects this service declares on every (re)connect.
    public static let topology = Open137Topology.topology(for: .router)

    /// The routing rules from the bundled taxonomy and units file and the configured district boundaries.
    public static func makeReportRouter(districtsPath: String?) throws -> ReportRouter {
        let taxonomy = try Taxonomy.bundled()
        let units = try UnitDirectory.bundled(taxonomy: taxonomy)
        let districts = try districtsPath.map { path throws(RouterError) in try DistrictLocator.load(path: path) } ?? DistrictLocator()
        return ReportRouter(taxonomy: taxonomy, units: units, districts: districts)
    }

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    public static func build(
        _ setup: ServiceSetup<RouterSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let router = try makeReportRouter(districtsPath: setup.settings.districtsPath)
        // Each routed report puts 2–3 messages into the outbox: the relay claims them in batches of 512 and
        // deletes them once confirmed (the audit log keeps every event; the router's table keeps the delivery).
        let runtime = try StageRuntime(
            setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology,
            relay: OutboxRelay.Configuration(batchSize: 512, deleteWhenSent: true))
        let logger = setup.logger
        logger.info("router rules loaded", metadata: [
            "units": "\(router.units.units.count)", "district_areas": "\(router.districts.areaCount)",
        ])
        let repeats = RepeatHazards(router: router, logger: logger)
        let writer = RoutingBatchWriter(
            client: runtime.postgres, inbox: runtime.inbox, consumer: ReportRoutingHandler.consumer, outbox: runtime.outbox, repeats: repeats,
            logger: logger)
        let finder = setup.settings.linkDuplicates
            ? DuplicateCaseFinder(matcher: DuplicateMatcher(taxonomy: router.taxonomy), client: runtime.postgres, logger: logger) : nil
        let routing = ReportRoutingHandler(router: router, writer: writer, finder: finder, logger: logger)
        let updates = UnitUpdateHandler(
            router: router, repeats: repeats, inbox: runtime.inbox, outbox: runtime.outbox, client: runtime.postgres,
            unknownReportRetries: setup.settings.unknownReportRetries, outOfOrderRetries: setup.settings.outOfOrderRetries, logger: logger)
        let amqpURL = setup.configuration.amqpURL
        let reportsWorker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: amqpURL, connectionName: "\(name)-reports"),
                queue: reportsQueue, prefetch: 512, topology: topology, logger: logger),
            // Handlers mostly wait for their group commit: many in flight make the batches large.
            publisher: runtime.publisher, concurrency: 256, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger, handler: routing.handle)
        let updatesWorker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: amqpURL, connectionName: "\(name)-unit-updates"),
                queue: unitUpdatesQueue, prefetch: 32, topology: topology, logger: logger),
            publisher: runtime.publisher, concurrency: 8, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger, handler: updates.handle)
        return runtime.makeGroup(
            stageServices: [
                AfterMigrations(runtime.migrations, writer), AfterMigrations(runtime.migrations, reportsWorker),
                AfterMigrations(runtime.migrations, updatesWorker),
            ],
            gracefulShutdownSignals: gracefulShutdownSignals
        )
    }
}
