import Metrics
import Prometheus

/// Sets up swift-metrics once per process with a Prometheus backend whose registry the ops server's
/// `/metrics` endpoint renders.
///
/// `MetricsSystem.bootstrap` may only be called once per process; `bootstrap()` may be called any
/// number of times (from several services or tests in one process) and always returns the same registry.
public enum MetricsBootstrap {
    /// Bootstraps swift-metrics on the first call and returns the process-wide registry that every
    /// swift-metrics `Counter`, `Gauge`, `Recorder` and `Timer` of this process reports into.
    @discardableResult
    public static func bootstrap() -> PrometheusCollectorRegistry {
        processRegistry
    }

    /// Creates a Prometheus metrics factory over `registry` (not installed anywhere), for code that
    /// wants a swift-metrics factory of its own, such as tests with a private registry.
    public static func makeFactory(registry: PrometheusCollectorRegistry) -> PrometheusMetricsFactory {
        PrometheusMetricsFactory(registry: registry)
    }

    /// The registry installed into `MetricsSystem`; created, and the system bootstrapped, on first access
    /// (Swift initialises a static stored property exactly once, thread-safely).
    private static let processRegistry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(makeFactory(registry: registry))
        return registry
    }()
}
