import BrokerTopology
import Classification
import Foundation
import Messaging
import ServiceHosting
import ServiceLifecycle
import Stages
import UnixSignals

/// The `classifier` service: assigns each report its service code, child-friendly flag and priority; emits `report.classified`.
///
/// It trains the model once at start (a missing or broken corpus or taxonomy stops it, naming the file),
/// migrates its schema `classifier`, consumes `classifier.reports` (`report.received`) with a
/// `DeliveryWorker`, stores the decisions in groups (a `ClassificationBatchWriter`: one statement and one
/// commit per batch) and emits `report.classified` through its outbox, once per event (inbox) and once per
/// report; poison messages are dead-lettered to `classifier.reports.dlq` with the reason.
public enum ClassifierStage {
    /// The executable's name, also its logger label and its CloudEvents source.
    public static let name = ServiceName.classifier.rawValue
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9102
    /// The database schema this service owns.
    public static let schema = "classifier"
    /// The bundle holding this service's SQL migrations (its `Migrations` folder).
    public static var migrationsBundle: Bundle { .module }
    /// The work queue of `report.received` events.
    public static let reportsQueue = "classifier.reports"
    /// The broker objects this service declares on every (re)connect.
    public static let topology = Open137Topology.topology(for: .classifier)

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    public static func build(
        _ setup: ServiceSetup<NoServiceSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let clock = ContinuousClock()
        var trained: ReportClassifier?
        let training = try clock.measure { trained = try ReportClassifier.bundled() }
        let classifier = trained!
        let runtime = try StageRuntime(setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology)
        let logger = setup.logger
        logger.info("classifier model trained", metadata: [
            "model_version": "\(classifier.modelVersion)", "reports": "\(classifier.trainingSize)",
            "features": "\(classifier.featureCount)", "training_ms": "\(Int(Double(training.components.seconds) * 1000 + Double(training.components.attoseconds) / 1e15))",
        ])
        let writer = ClassificationBatchWriter(
            client: runtime.postgres, inbox: runtime.inbox, consumer: ReportClassificationHandler.consumer, outbox: runtime.outbox,
            logger: logger)
        let handler = ReportClassificationHandler(classifier: classifier, writer: writer, logger: logger)
        let worker = DeliveryWorker(
            consumer: AMQPConsumer(
                configuration: try AMQPConfiguration(url: setup.configuration.amqpURL, connectionName: "\(name)-reports"),
                queue: reportsQueue, prefetch: 256, topology: topology, logger: logger
            ),
            // Handlers classify and then mostly wait for their group commit: many in flight make the
            // batches large (the prefetch keeps twice as many deliveries ready as are being handled).
            publisher: runtime.publisher, concurrency: 128, dependencyProbe: runtime.dependencyProbe.isHealthy, logger: logger,
            handler: handler.handle
        )
        // Dependency order: the writer runs once the schema exists, and before the worker that feeds it.
        return runtime.makeGroup(
            stageServices: [AfterMigrations(runtime.migrations, writer), AfterMigrations(runtime.migrations, worker)],
            gracefulShutdownSignals: gracefulShutdownSignals
        )
    }
}
