import Foundation
import Logging
import ServiceLifecycle
// `UnixSignal` appears in this module's API; re-exported so callers can name it.
@_exported import UnixSignals

/// Assembles and runs a service process: the ops server plus the service's own long-running parts in
/// one `ServiceGroup` with SIGTERM/SIGINT graceful shutdown.
public enum ServiceHost {
    /// The signals that shut a service down gracefully: SIGTERM and SIGINT.
    public static let defaultGracefulShutdownSignals: [UnixSignal] = [.sigterm, .sigint]

    /// Builds the group: the ops server first, then `services` in dependency order (each one after the
    /// services it uses, e.g. `[postgresClient, amqpConnection, outboxRelay, consumer]`).
    /// `ServiceGroup` starts all of them together and shuts them down in reverse order, so the last
    /// (the consumers) stop first and the ops server keeps answering `/health` until the very end.
    /// The group ends, shutting the rest down gracefully, when any service returns or throws.
    /// `gracefulShutdownSignals` (SIGTERM and SIGINT by default) shut the group down gracefully; tests pass
    /// `[]` and end the group with `triggerGracefulShutdown()`. A graceful shutdown
    /// that takes longer than `maximumGracefulShutdownDuration` turns into cancellation.
    public static func makeGroup(
        opsServer: OpsServer,
        services: [any Service],
        logger: Logger,
        gracefulShutdownSignals: [UnixSignal] = defaultGracefulShutdownSignals,
        maximumGracefulShutdownDuration: Duration? = .seconds(30)
    ) -> ServiceGroup {
        let all: [any Service] = [opsServer] + services
        var configuration = ServiceGroupConfiguration(
            services: all.map {
                ServiceGroupConfiguration.ServiceConfiguration(
                    service: $0,
                    successTerminationBehavior: .gracefullyShutdownGroup,
                    failureTerminationBehavior: .gracefullyShutdownGroup
                )
            },
            gracefulShutdownSignals: gracefulShutdownSignals,
            cancellationSignals: [],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = maximumGracefulShutdownDuration
        return ServiceGroup(configuration: configuration)
    }

    /// Builds the group with `makeGroup` and runs it until it shuts down.
    public static func run(
        opsServer: OpsServer,
        services: [any Service],
        logger: Logger,
        gracefulShutdownSignals: [UnixSignal] = defaultGracefulShutdownSignals
    ) async throws {
        let group = makeGroup(
            opsServer: opsServer,
            services: services,
            logger: logger,
            gracefulShutdownSignals: gracefulShutdownSignals
        )
        try await group.run()
    }

    /// The whole life of a service executable, for its `@main`: reads and validates the configuration
    /// (common keys plus `Settings`), bootstraps logging and metrics, builds the service's group with
    /// `build`, runs it, and exits the process: 0 after a clean shutdown, 1 on a configuration error
    /// (printed to standard error, naming every bad key), 2 when the group fails.
    public static func main(
        name: String,
        defaultOpsPort: Int,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        build: @Sendable (ServiceSetup<NoServiceSettings>) async throws -> ServiceGroup
    ) async -> Never {
        await main(name: name, defaultOpsPort: defaultOpsPort, settings: NoServiceSettings.self, environment: environment, build: build)
    }

    /// `main(name:defaultOpsPort:environment:build:)` for a service with its own `Settings`, read and
    /// validated together with the common keys.
    public static func main<Settings: ServiceSettings>(
        name: String,
        defaultOpsPort: Int,
        settings: Settings.Type,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        build: @Sendable (ServiceSetup<Settings>) async throws -> ServiceGroup
    ) async -> Never {
        let loaded: (service: ServiceConfiguration, settings: Settings)
        do {
            loaded = try ServiceConfiguration.load(settings, environment: environment, defaultOpsPort: defaultOpsPort)
        } catch {
            FileHandle.standardError.write(Data("\(name): invalid configuration\n".utf8))
            for problem in error.problems {
                FileHandle.standardError.write(Data("  - \(problem)\n".utf8))
            }
            exit(1)
        }
        LoggingBootstrap.bootstrap(level: loaded.service.logLevel)
        var logger = Logger(label: name)
        logger.logLevel = loaded.service.logLevel
        let registry = MetricsBootstrap.bootstrap()
        let context = ServiceSetup(
            name: name,
            configuration: loaded.service,
            settings: loaded.settings,
            logger: logger,
            registry: registry
        )
        do {
            let group = try await build(context)
            try await group.run()
            logger.info("stopped")
            exit(0)
        } catch {
            logger.critical("service failed", metadata: ["error": "\(error)"])
            exit(2)
        }
    }
}
