import BrokerTopology
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting

/// Everything the desk runs for one unit: its store and schema migrations, and its two broker
/// connections as the unit's own user — a consumer of `unit.<unit>` and the publisher its outbox relay
/// sends the staff's status updates through. Neither declares anything: a unit's user may not (the
/// administrator's `open137 topology declare` made the queue and the exchange).
struct DeskUnit: Sendable {
    /// The unit and its broker password.
    let account: DeskUnitAccount
    /// Its cases.
    let store: DeskStore
    /// Its schema's migrations (the persistence track and the desk's own).
    let migrations: MigrationService
    /// Its queue, read as the unit's user.
    let consumer: AMQPConsumer
    /// Publishes its status updates as the unit's user, with confirms.
    let publisher: AMQPPublisher
    /// Its outbox to the publisher.
    let relay: OutboxRelay

    /// The desk of `account`'s unit on `broker` (its user and password replaced by the unit's).
    init(account: DeskUnitAccount, broker: AMQPConfiguration, client: PostgresClient, logger: Logger) throws {
        self.account = account
        var logger = logger
        logger[metadataKey: "unit"] = "\(account.unit)"
        store = try DeskStore(unit: account.unit, client: client, logger: logger)
        migrations = MigrationService(client: client, schema: store.schema, bundle: DeskStage.migrationsBundle, logger: logger)
        var configuration = broker
        configuration.user = account.userName
        configuration.password = account.password
        configuration.connectionName = "desk-\(account.unit)-consumer"
        // A desk's pace is people's: a few unacknowledged messages at a time keep redeliveries small.
        consumer = AMQPConsumer(configuration: configuration, queue: Open137Topology.unitQueue(account.unit), prefetch: 32, logger: logger)
        configuration.connectionName = "desk-\(account.unit)-publisher"
        publisher = AMQPPublisher(configuration: configuration, logger: logger)
        var relayConfiguration = OutboxRelay.Configuration(deleteWhenSent: true)
        // As every stage's relay: a stuck relay ends the process, whose supervisor starts a fresh one; the
        // outbox keeps what was not confirmed.
        relayConfiguration.onStall = { exit(70) }
        relay = OutboxRelay(client: client, outbox: store.outbox, publisher: publisher, configuration: relayConfiguration, logger: logger)
    }
}
