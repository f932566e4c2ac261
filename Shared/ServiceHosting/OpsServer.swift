import Synchronization
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Persistence
import Prometheus
import ServiceLifecycle

/// The operations HTTP endpoint every service runs, on plain swift-nio HTTP/1.1:
///
/// - `GET /health` → 200 `{"status":"ok"}` while the process is alive;
/// - `GET /ready` → 200 when every registered readiness check passes, else 503 naming the failing ones
///   (`{"status":"unavailable","checks":{"broker":"down: …","database":"ok"}}`); each check is bounded
///   by `Configuration.readinessTimeout`;
/// - `GET /metrics` → the Prometheus text exposition of the registry;
/// - any other path → 404, another method on these paths → 405 (JSON bodies).
///
/// Every response closes its connection, and a connection that sends nothing for
/// `Configuration.idleTimeout` is closed. On graceful shutdown the listening socket and every connection
/// that has not started a request are closed at once, and requests already received are answered before
/// `run()` returns; so shutdown never waits on idle clients (at most on a request in progress, which
/// the idle timeout and the readiness timeout bound).
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
    /// Where the server logs (listening, stopping, connection errors at debug level).
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
        let connections = OpsConnectionTracker()
        let server = try await bind(tracking: connections)
        let boundPort = server.channel.localAddress?.port ?? port
        state.withLock { $0.localPort = boundPort }
        defer { state.withLock { $0.localPort = nil } }
        logger.info("ops server listening", metadata: ["ops.host": "\(host)", "ops.port": "\(boundPort)"])

        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                do {
                    try await server.executeThenClose { accepted in
                        for try await connection in accepted {
                            connections.claim(connection)
                            group.addTask { await self.serve(connection, tracker: connections) }
                        }
                    }
                } catch {
                    Self.discardUnclaimed(of: connections, in: &group)
                    throw error
                }
                Self.discardUnclaimed(of: connections, in: &group)
            }
        } onGracefulShutdown: {
            // First stop admitting and close idle connections, then the listening socket: a connection
            // accepted in between is closed by `OpsConnectionTracker.admit`, one initialized but not
            // delivered by swift-nio is closed by `discardUnclaimed` once the accept loop has ended.
            connections.beginShutdown()
            server.channel.close(promise: nil)
        }
        logger.info("ops server stopped", metadata: ["ops.port": "\(boundPort)"])
    }

    /// After the accept loop has ended: closes the remaining idle connections and, in `group`, finishes
    /// and closes the ones swift-nio initialized but never delivered to the loop (the listening socket
    /// closed while their initializer ran), which nothing else would ever close.
    private static func discardUnclaimed(
        of connections: OpsConnectionTracker,
        in group: inout ThrowingDiscardingTaskGroup<any Error>
    ) {
        for connection in connections.beginShutdownTakingUnclaimed() {
            group.addTask {
                defer { connections.remove(connection) }
                // Finishes the writer and closes the channel, which may never have been registered.
                try? await connection.executeThenClose { _, _ in }
            }
        }
    }

    /// Opens the listening socket, turning failures into `OpsServerError.bindFailed`.
    private func bind(tracking connections: OpsConnectionTracker) async throws -> NIOAsyncChannel<OpsConnection, Never> {
        let host = configuration.host
        let port = configuration.port
        let idleTimeout = TimeAmount(configuration.idleTimeout)
        do {
            return try await ServerBootstrap(group: eventLoopGroup)
                .serverChannelOption(.backlog, value: 128)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try connections.admit(channel) { channel in
                            try channel.pipeline.syncOperations.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                            try channel.pipeline.syncOperations.addHandler(CloseOnIdleHandler())
                            try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                            return try OpsConnection(wrappingChannelSynchronously: channel)
                        }
                    }
                }
        } catch let error as IOError {
            throw OpsServerError(
                .bindFailed,
                "cannot listen on \(host):\(port) (OPS_PORT \(port)): \(Self.reason(error))",
                host: host,
                port: port
            )
        } catch {
            throw OpsServerError(.bindFailed, "cannot listen on \(host):\(port) (OPS_PORT \(port)): \(error)", host: host, port: port)
        }
    }

    /// The OS reason of an I/O error, e.g. "Address already in use".
    private static func reason(_ error: IOError) -> String {
        #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
        if let text = strerror(error.errnoCode) { return "\(String(cString: text)) (errno \(error.errnoCode))" }
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
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds == seconds.rounded() ? "\(Int(seconds))s" : "\(seconds)s"
    }
}

/// One accepted HTTP connection of the ops server.
typealias OpsConnection = NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>

/// Closes a connection whose read side has been idle for the `IdleStateHandler`'s timeout, so idle
/// clients cannot hold graceful shutdown open.
final class CloseOnIdleHandler: ChannelInboundHandler, Sendable {
    /// Whatever the connection reads; passed on untouched.
    typealias InboundIn = NIOAny

    /// Closes on a read-idle event, passes any other event on.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
