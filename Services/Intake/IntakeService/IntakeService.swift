import Events
import Foundation
import Messaging
import ServiceLifecycle
import UnixSignals
import ServiceSupport

/// The `intake` service: the front door — accepts reports from every channel, gives each a tracking code, stores it and emits `report.received`.
///
/// At this stage of the project it starts, migrates its schema `intake`, connects to the broker, declares
/// what it owns (its work queues with their dead-letter and retry queues, and the exchanges it publishes
/// to), relays its outbox, and serves `/health`, `/ready` and `/metrics`; it consumes nothing yet.
public enum IntakeService {
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
    public static func build(
        _ setup: ServiceSetup<IntakeSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let runtime = try StageRuntime(setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology)
        return runtime.makeGroup(gracefulShutdownSignals: gracefulShutdownSignals)
    }
}
