import Events
import Foundation
import Messaging
import ServiceLifecycle
import UnixSignals
import ServiceSupport

/// The `notifier` service: tells reporters what happened to their reports, in Persian or English, once.
///
/// At this stage of the project it starts, migrates its schema `notifier`, connects to the broker, declares
/// what it owns (its work queues with their dead-letter and retry queues, and the exchanges it publishes
/// to), relays its outbox, and serves `/health`, `/ready` and `/metrics`; it consumes nothing yet.
public enum NotifierService {
    /// The executable's name, also its logger label and its CloudEvents source.
    public static let name = ServiceName.notifier.rawValue
    /// The ops port used when `OPS_PORT` is unset.
    public static let defaultOpsPort = 9104
    /// The database schema this service owns.
    public static let schema = "notifier"
    /// The bundle holding this service's SQL migrations (its `Migrations` folder).
    public static var migrationsBundle: Bundle { .module }
    /// The broker objects this service declares on every (re)connect.
    public static let topology = Open137Topology.topology(for: .notifier)

    /// Builds the service's group; `@main` runs it, tests run it too (with `gracefulShutdownSignals: []`).
    public static func build(
        _ setup: ServiceSetup<NoServiceSettings>,
        gracefulShutdownSignals: [UnixSignal] = ServiceHost.defaultGracefulShutdownSignals
    ) throws -> ServiceGroup {
        let runtime = try StageRuntime(setup: setup, schema: schema, migrationsBundle: migrationsBundle, topology: topology)
        return runtime.makeGroup(gracefulShutdownSignals: gracefulShutdownSignals)
    }
}
