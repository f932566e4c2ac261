import BrokerTopology
import Foundation
import Hummingbird
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle
import StaffAccounts
import Taxonomy
import UnixSignals
import Units

/// The `desk` service: the units' desk — a department's own consumer of its queue, with a web desk for its
/// staff. It uses Open137 exactly as an outside department must: per unit it logs in to RabbitMQ as the
/// unit's own user, consumes `unit.<unit>`, keeps the cases in its own schema `desk_<unit>` and publishes
/// the staff's status changes on `open137.unit-updates` with routing key `<unit>.status` through that
/// schema's outbox (publisher confirms; kept while the broker is away). It reads no other service's
/// tables; staff sign in through the shared staff accounts (role `unit:<code>`, or `admin`).
public enum DeskStage {
    /// The executable's name, also its logger label.
    public static let name = "desk"
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9106
    /// The bundle holding the desk's SQL migrations (applied to each unit's schema).
    public static var migrationsBundle: Bundle { .module }

    /// The schema of `unit`'s desk (`desk_parks`).
    public static func schema(forUnit unit: String) -> String { DeskStore.schema(forUnit: unit) }

    /// Every unit's desk schema: the desk's database role owns them all, so any unit can be served
    /// without provisioning again.
    public static var schemas: [String] { Open137Topology.unitCodes.map(schema(forUnit:)) }

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    public static func build(
        _ setup: ServiceSetup<DeskSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let logger = setup.logger
        let postgres = PostgresClient(configuration: setup.configuration.postgres, backgroundLogger: logger)
        let opsServer = setup.makeOpsServer()
        let broker = try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: name)
        let taxonomy = try Taxonomy.bundled()
        let units = try UnitDirectory.bundled(taxonomy: taxonomy)

        var desks: [DeskUnit] = []
        for account in setup.settings.units {
            desks.append(try DeskUnit(account: account, broker: broker, client: postgres, logger: logger))
        }
        let staffMigrations = MigrationService(client: postgres, schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle, logger: logger)
        let retention = RetentionService(
            client: postgres, rules: desks.map { .inbox($0.store.inbox, window: setup.configuration.inboxRetention) }, logger: logger)

        opsServer.addReadinessCheck("database", ReadinessResult.database(postgres, logger: logger))
        for desk in desks {
            opsServer.addReadinessCheck("broker-\(desk.store.unit)") { [desk] in
                desk.publisher.isConnected && desk.consumer.isConnected ? .up : .down("not connected to the broker as \(desk.account.userName)")
            }
            opsServer.addReadinessCheck("migrations-\(desk.store.unit)") { [desk] in desk.migrations.readiness() }
        }
        opsServer.addReadinessCheck("staff-migrations") { [staffMigrations] in staffMigrations.readiness() }

        let router = Router(context: DeskRequestContext.self)
        try DeskPages(desks: desks.map(\.store), units: units, taxonomy: taxonomy,
                      directory: StaffDirectory(client: postgres, logger: logger), secureCookies: setup.settings.secureCookies).add(to: router)
        let http = Application(
            router: router,
            configuration: .init(address: .hostname(setup.settings.host, port: setup.settings.port), serverName: "open137-desk"),
            logger: logger
        )

        var services: [any Service] = [postgres]
        for desk in desks {
            desk.publisher.start()
            services += [desk.publisher, desk.migrations, AfterMigrations(desk.migrations, desk.relay)]
        }
        services += [staffMigrations, AfterMigrations(staffMigrations, afterAll(desks, retention))]
        // The consumers and the web desk last, so they stop first: the relays then drain what the staff sent.
        for desk in desks {
            services.append(AfterMigrations(desk.migrations, DeskQueueConsumer(consumer: desk.consumer, store: desk.store, logger: logger)))
        }
        services.append(AfterMigrations(staffMigrations, afterAll(desks, http)))
        logger.info("desk serving units", metadata: ["units": "\(desks.map(\.store.unit).joined(separator: ","))"])
        return ServiceHost.makeGroup(opsServer: opsServer, services: services, logger: logger, gracefulShutdownSignals: gracefulShutdownSignals)
    }

    /// `service`, started once every unit's schema is migrated.
    private static func afterAll(_ desks: [DeskUnit], _ service: any Service) -> any Service {
        desks.reduce(service) { AfterMigrations($1.migrations, $0) }
    }
}
