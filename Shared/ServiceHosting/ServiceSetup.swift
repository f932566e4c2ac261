import Logging
import Prometheus

/// What a service's `build` function gets from `ServiceHost.main`: its validated configuration, its
/// own settings, the root logger and the process-wide metrics registry.
public struct ServiceSetup<Settings: ServiceSettings>: Sendable {
    /// The service's name (the executable's, e.g. `classifier`), also the logger label.
    public var name: String
    /// The common configuration (broker, database, ops listener, log level).
    public var configuration: ServiceConfiguration
    /// The service's own settings.
    public var settings: Settings
    /// The root logger, at the configured level.
    public var logger: Logger
    /// The registry swift-metrics reports into and `/metrics` renders.
    public var registry: PrometheusCollectorRegistry

    /// Creates a setup (tests build one by hand to drive a service's `build` function).
    public init(
        name: String,
        configuration: ServiceConfiguration,
        settings: Settings,
        logger: Logger,
        registry: PrometheusCollectorRegistry
    ) {
        self.name = name
        self.configuration = configuration
        self.settings = settings
        self.logger = logger
        self.registry = registry
    }

    /// An ops server on the configured host and port, rendering `registry`.
    public func makeOpsServer() -> OpsServer {
        OpsServer(
            configuration: OpsServer.Configuration(host: configuration.opsHost, port: configuration.opsPort),
            registry: registry,
            logger: logger
        )
    }
}
