import Synchronization
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import Persistence
import Prometheus
import ServiceLifecycle

/// The operations HTTP endpoint every service runs, a Hummingbird application:
///
/// - `GET /health` → 200 `{"status":"ok"}` while the process is alive;
/// - `GET /ready` → 200 when every registered readiness check passes, else 503 naming the failing ones
///   (`{"status":"unavailable","checks":{"broker":"down: …","database":"ok"}}`); each check is bounded
///   by `Configuration.readinessTimeout`;
/// - `GET /metrics` → the Prometheus text exposition of the registry;
/// - any other path → 404, another method on these paths → 405 (JSON bodies).
///
/// A connection that sends nothing for `Configuration.idleTimeout` is closed (Hummingbird's HTTP/1
/// idle timeout). On graceful shutdown Hummingbird closes the listening socket and every idle
/// connection at once, and answers the requests already received before `run()` returns; so shutdown
/// never waits on idle clients (at most on a request in progress, which the readiness timeout bounds).
public final class OpsServer: Service, Sendable, CustomStringConvertible {
    /// Where and how the ops server listens.
    public struct Configuration: Sendable {
        /// The address to listen on (`127.0.0.1` by default; `0.0.0.0` in containers).
        public var host: String
        /// The port to listen on; 0 picks a free one (see `OpsServer.localPort`).
        public var port: Int
        /// The longest one readiness check may take before it counts as down.
        public var readinessTimeout: Duration
        /// How long a connection may stay without sending anything before it is closed.
        public var idleTimeout: Duration

        /// Creates a configuration.
        public init(
            host: String = ServiceConfiguration.defaultOpsHost,
            port: Int,
            readinessTimeout: Duration = .seconds(2),
            idleTimeout: Duration = .seconds(5)
        ) {
            self.host = host
            self.port = port
            self.readinessTimeout = readinessTimeout
            self.idleTimeout = idleTimeout
        }
    }

    /// The content type of `/metrics`: the Prometheus text exposition format 0.0.4.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Where and how this server listens.
    public let configuration: Configuration
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// Where the server logs (listening, stopping, failing readiness at debug level).
    let logger: Logger
    /// The event loops serving the sockets.
    let eventLoopGroup: any EventLoopGroup
    private let checks = Mutex<[String: ReadinessCheck]>([:])
    private let state = Mutex(RunState())

    /// Whether `run()` was called, and the port while listening.
    private struct RunState: Sendable {
        var started = false
        var localPort: Int?
    }

    /// Creates a server; it listens only once `run()` is called (normally by a `ServiceGroup`).
    public init(
        configuration: Configuration,
        registry: PrometheusCollectorRegistry,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
    }

    /// Creates a server on `host:port` with default timeouts.
    public convenience init(
        host: String = ServiceConfiguration.defaultOpsHost,
        port: Int,
        registry: PrometheusCollectorRegistry,
        logger: Logger
    ) {
        self.init(configuration: Configuration(host: host, port: port), registry: registry, logger: logger)
    }

    /// Registers (or replaces) the readiness check called `name`; `/ready` reports it under that name.
    public func addReadinessCheck(_ name: String, _ check: @escaping ReadinessCheck) {
        checks.withLock { $0[name] = check }
    }

    /// The names of the registered readiness checks, sorted.
    public var readinessCheckNames: [String] {
        checks.withLock { $0.keys.sorted() }
    }

    /// The port actually listened on while `run()` is serving (useful with port 0); nil otherwise.
    public var localPort: Int? {
        state.withLock { $0.localPort }
    }

    public var description: String { "OpsServer(\(configuration.host):\(configuration.port))" }

    /// Runs every readiness check concurrently, each bounded by `configuration.readinessTimeout`.
    public func readiness() async -> ReadinessReport {
        let registered = checks.withLock { $0 }
        let timeout = configuration.readinessTimeout
        let results = await withTaskGroup(of: (String, ReadinessResult).self) { group in
            for (name, check) in registered {
                group.addTask { (name, await Self.evaluate(check, timeout: timeout)) }
            }
            var results: [String: ReadinessResult] = [:]
            for await (name, result) in group { results[name] = result }
            return results
        }
        return ReadinessReport(results: results)
    }

    /// Listens and serves until graceful shutdown (or cancellation); throws `OpsServerError` with code
    /// `bindFailed`, naming host and port, when the port cannot be opened.
    public func run() async throws {
        let host = configuration.host
        let port = configuration.port
        let alreadyStarted = state.withLock { state in
            defer { state.started = true }
            return state.started
        }
        if alreadyStarted {
            throw OpsServerError(.alreadyRunning, "the ops server on \(host):\(port) was already started", host: host, port: port)
        }
        let application = Application(
            router: makeRouter(),
            server: .http1(configuration: .init(idleTimeout: TimeAmount(configuration.idleTimeout))),
            configuration: ApplicationConfiguration(address: .hostname(host, port: port)),
            onServerRunning: { channel in
                let boundPort = channel.localAddress?.port ?? port
                self.state.withLock { $0.localPort = boundPort }
                self.logger.info("ops server listening", metadata: ["ops.host": "\(host)", "ops.port": "\(boundPort)"])
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger
        )
        defer { state.withLock { $0.localPort = nil } }
        do {
            try await application.run()
        } catch where localPort == nil {
            // Hummingbird only throws from `run()` when the listening socket cannot be opened; the
            // port is known once it listens, so an error before that is the bind's.
            throw OpsServerError(
                .bindFailed,
                "cannot listen on \(host):\(port) (OPS_PORT \(port)): \(Self.reason(error))",
                host: host,
                port: port
            )
        }
        logger.info("ops server stopped", metadata: ["ops.port": "\(localPort ?? port)"])
    }

    /// The OS reason of a bind error, e.g. "Address already in use (errno 98)".
    private static func reason(_ error: any Error) -> String {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        if let error = error as? IOError, let text = strerror(error.errnoCode) {
            return "\(String(cString: text)) (errno \(error.errnoCode))"
        }
        #endif
        return "\(error)"
    }

    /// Runs one check with a deadline: the first of its result and the timeout wins. The race runs outside
    /// structured concurrency (``DatabaseDeadline/run(_:onTimeout:_:)``): a task group would return only
    /// when the check does, and a check waiting on postgres-nio may never return — `/ready` and the
    /// delivery worker's ``DependencyProbe`` must answer anyway.
    public static func evaluate(_ check: @escaping ReadinessCheck, timeout: Duration) async -> ReadinessResult {
        do {
            return try await DatabaseDeadline(timeout: timeout).run("a readiness check") { await check() }
        } catch is CancellationError {
            return .down("cancelled")
        } catch {
            return .down("timed out after \(Self.format(timeout))")
        }
    }

    /// A duration as seconds, e.g. `2s` or `0.25s`.
    private static func format(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}
