import AsyncHTTPClient
import BrokerTopology
import Foundation
import Messaging
import ReporterSecret
import ServiceHosting
import ServiceLifecycle
import Stages
import Taxonomy
import Units
import UnixSignals

/// The `notifier` service: tells reporters what happened to their reports (SMS, e-mail) in Persian or
/// English, and subscribed systems every report event (signed webhooks), once.
///
/// It loads its templates, the taxonomy and the units file, migrates its schema `notifier`, consumes
/// `notifier.events` (every `report.*` event) with a `DeliveryWorker` that writes each event's
/// notifications as pending rows (inbox, once per event), and runs one sender per channel that sends them
/// after the commit with retries; failed ones go to `notifier.events.dlq` through the outbox.
public enum NotifierStage {
    /// The executable's name, also its logger label and its CloudEvents source.
    public static let name = ServiceName.notifier.rawValue
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9104
    /// The database schema this service owns.
    public static let schema = "notifier"
    /// The bundle holding this service's SQL migrations (its `Migrations` folder).
    public static var migrationsBundle: Bundle { .module }
    /// The work queue of report events.
    public static let eventsQueue = "notifier.events"
    /// The broker objects this service declares on every (re)connect.
    public static let topology = Open137Topology.topology(for: .notifier)

    /// The planner from the bundled templates, taxonomy and units file.
    public static func makePlanner(reporterChannels: Set<NotificationChannel>, reopenSecret: ReopenSecret? = nil) throws -> NotificationPlanner {
        let taxonomy = try Taxonomy.bundled()
        return NotificationPlanner(
            templates: try MessageTemplates.bundled(), taxonomy: taxonomy, units: try UnitDirectory.bundled(taxonomy: taxonomy),
            reporterChannels: reporterChannels, reopenSecret: reopenSecret)
    }

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    public static func build(
        _ setup: ServiceSetup<NotifierSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let settings = setup.settings
        var reporterChannels: Set<NotificationChannel> = []
        if settings.sms != nil { reporterChannels.insert(.sms) }
        if settings.smtp != nil { reporterChannels.insert(.email) }
        let planner = try makePlanner(reporterChannels: reporterChannels, reopenSecret: settings.reopenSecret)
        let runtime = try StageRuntime(setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology)
        let logger = setup.logger
        let store = NotificationStore(
            client: runtime.postgres, outbox: runtime.outbox, ratePerRecipientPerHour: settings.ratePerRecipientPerHour, logger: logger)
        // Fresh notifications go from the writer to their sender in memory (no claim); half the lease at most.
        let handoff = NotificationHandoff(channels: reporterChannels.union([.webhook]), capacity: 2_048, maxAge: store.lease / 2)
        let writer = NotificationBatchWriter(
            store: store, planner: planner, consumer: NotificationEventHandler.consumer, handoff: handoff, logger: logger)
        let handler = NotificationEventHandler(writer: writer, logger: logger)
        let worker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: "\(name)-events"),
                queue: eventsQueue, prefetch: 512, topology: topology, logger: logger),
            // Many events in flight, so the batch writer's batches can grow under load (each waits only for its commit).
            publisher: runtime.publisher, concurrency: 256, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger, handler: handler.handle)

        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        httpConfiguration.redirectConfiguration = .disallow
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        let policy = RetryPolicy(maxAttempts: settings.maxAttempts, base: settings.retryBase)
        var senders: [any Service] = [
            ChannelSender(channel: .webhook, store: store, transport: WebhookTransport(client: http, timeout: settings.sendTimeout),
                          policy: policy, batchSize: 64, loops: 4, handoff: handoff, logger: logger),  // ≤ 256 POSTs in flight over ≤ 64 connections
        ]
        if let sms = settings.sms {
            senders.append(ChannelSender(
                channel: .sms, store: store, transport: SMSGatewayTransport(client: http, configuration: sms, timeout: settings.sendTimeout),
                policy: policy, handoff: handoff, logger: logger))
        }
        if let smtp = settings.smtp {
            senders.append(ChannelSender(
                channel: .email, store: store, transport: EmailTransport(client: SMTPClient(configuration: smtp, timeout: settings.sendTimeout)),
                policy: policy, batchSize: 16, handoff: handoff, logger: logger))
        }
        logger.info("notifier channels", metadata: [
            "sms": "\(settings.sms != nil)", "email": "\(settings.smtp != nil)", "webhooks_from_environment": "\(settings.webhooks.count)",
        ])
        let seededWorker = WebhookSeeding(store: store, requests: settings.webhooks, then: worker, logger: logger)
        return runtime.makeGroup(
            // The writer comes before the worker, so it stops after it (the worker's last batch still commits).
            stageServices: [HTTPClientService(client: http)] + senders.map { AfterMigrations(runtime.migrations, $0) }
                + [AfterMigrations(runtime.migrations, writer), AfterMigrations(runtime.migrations, seededWorker)],
            gracefulShutdownSignals: gracefulShutdownSignals
        )
    }
}
