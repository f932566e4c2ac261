import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle
import UnixSignals

/// What every pipeline stage runs on: its PostgreSQL client, its schema migrations, a confirming
/// publisher that declares the stage's part of the topology, the outbox relay of its schema, and the ops
/// server whose `/ready` checks broker, database and migrations. A stage's `build` function adds its own
/// consumers and HTTP servers and asks for the group.
public struct StageRuntime: Sendable {
    /// The stage's database client (run as a service of the group).
    public let postgres: PostgresClient
    /// The stage's publisher (the outbox relay's; the stage itself emits only through the outbox).
    public let publisher: AMQPPublisher
    /// The stage's outbox, to enqueue events in business transactions.
    public let outbox: Outbox
    /// The stage's inbox, to make every consumer idempotent.
    public let inbox: Inbox
    /// Migrates the stage's schema at start.
    public let migrations: MigrationService
    /// Relays the outbox to the broker.
    public let outboxRelay: OutboxRelay
    /// Deletes the inbox's records past `OPEN137_INBOX_RETENTION_HOURS`, and what else the stage asked for.
    public let retention: RetentionService
    /// `/health`, `/ready`, `/metrics`.
    public let opsServer: OpsServer
    /// The logger of the stage.
    public let logger: Logger
    /// The stage's database and broker checks (those of `/ready`), for its ``DeliveryWorker``s: a handler
    /// failing while either is down does not spend the message's retry budget.
    public let dependencyProbe: DependencyProbe
    /// Keeps `open137_dead_letters{queue=…}` on `/metrics` up to date for the stage's dead-letter queues.
    public let deadLetterDepth: DeadLetterDepth

    /// Builds the runtime of a stage that owns `schema` (migrations from `bundle`) and `topology`; `relay`
    /// tunes its outbox relay (a stage that emits several messages per event relays in larger batches).
    /// A stage's relay deletes what the broker confirmed: every stage de-duplicates with its inbox, the
    /// audit log keeps every event, and each row is then written once instead of twice. `retaining` adds
    /// the stage's own expiring tables to the inbox's retention (intake's Idempotency-Keys).
    public init<Settings: ServiceSettings>(
        setup: ServiceSetup<Settings>,
        schema: String,
        migrationsBundle bundle: Bundle,
        topology: Topology,
        relay: OutboxRelay.Configuration = OutboxRelay.Configuration(deleteWhenSent: true),
        retaining retentionRules: [RetentionRule] = []
    ) throws {
        let logger = setup.logger
        self.logger = logger
        postgres = PostgresClient(configuration: Self.clientConfiguration(setup.configuration.postgres, schema: schema), backgroundLogger: logger)
        let amqp = try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: "\(setup.name)-publisher")
        publisher = AMQPPublisher(configuration: amqp, topology: topology, logger: logger)
        outbox = try Outbox(schema: schema)
        inbox = try Inbox(schema: schema)
        migrations = MigrationService(client: postgres, schema: schema, bundle: bundle, logger: logger)
        var relay = relay
        if relay.onStall == nil {
            // A stuck relay stops the stage's events for good while the rest of it looks healthy: exit, so
            // that the supervisor (make run's, or the orchestrator) starts a fresh process, which relays
            // what is waiting. Crash-only: nothing committed is lost, the outbox keeps it.
            relay.onStall = { exit(70) }
        }
        outboxRelay = OutboxRelay(client: postgres, outbox: outbox, publisher: publisher, configuration: relay, logger: logger)
        retention = RetentionService(
            client: postgres, rules: [.inbox(inbox, window: setup.configuration.inboxRetention)] + retentionRules, logger: logger
        )
        opsServer = setup.makeOpsServer()
        let broker: ReadinessCheck = { [publisher] in
            publisher.isConnected ? .up : .down("not connected to the broker")
        }
        let database = ReadinessResult.database(postgres, logger: logger)
        opsServer.addReadinessCheck("broker", broker)
        opsServer.addReadinessCheck("database", database)
        dependencyProbe = DependencyProbe(checks: [broker, database])
        deadLetterDepth = DeadLetterDepth(publisher: publisher, queues: DeadLetterDepth.queues(in: topology), logger: logger)
        opsServer.addReadinessCheck("migrations") { [migrations] in migrations.readiness() }
    }

    /// The client configuration of a stage: every connection starts with `search_path` set to the stage's
    /// schema, so its SQL names its own tables unqualified, as its migrations do.
    public static func clientConfiguration(_ configuration: PostgresClient.Configuration, schema: String) -> PostgresClient.Configuration {
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("search_path", "\"\(schema)\", public"))
        return configuration
    }

    /// The group in dependency order — database client, publisher, migrations, outbox relay, retention, then the
    /// stage's own services — so that on shutdown the stage's consumers stop first and the relay drains
    /// before the publisher and the database client close.
    public func makeGroup(
        stageServices: [any Service] = [],
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) -> ServiceGroup {
        publisher.start()
        // After the publisher it reads through, before the stage's own services, which stop first.
        let stageServices = [deadLetterDepth as any Service] + stageServices
        return ServiceHost.makeGroup(
            opsServer: opsServer,
            services: [postgres, publisher, migrations, AfterMigrations(migrations, outboxRelay), AfterMigrations(migrations, retention)] + stageServices,
            logger: logger,
            gracefulShutdownSignals: gracefulShutdownSignals
        )
    }
}
