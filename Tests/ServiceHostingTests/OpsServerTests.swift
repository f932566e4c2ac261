import TestSupport
import Foundation
import Logging
import NIOCore
import Prometheus
@testable import ServiceHosting
import ServiceLifecycle
@testable import Stages
import Testing


/// The ops HTTP server over real sockets on 127.0.0.1.
@Suite("OpsServer", .timeLimit(.minutes(1)))
struct OpsServerTests {
    /// The logger handed to servers and groups.
    let logger = Logger(label: "ops-server-tests")

    @Test("GET /health answers 200 {\"status\":\"ok\"}")
    func health() async throws {
        let server = makeServer()
        try await withRunning(server) { port in
            let response = try await HTTPTestClient.request("GET", "/health", port: port)
            #expect(response.status == 200)
            #expect(response.body == #"{"status":"ok"}"#)
            #expect(response.headers["content-type"]?.hasPrefix("application/json") == true)
            #expect(response.headers["connection"] == "close")
        }
    }

    @Test("GET /ready answers 200 when every check passes")
    func readyWhenAllPass() async throws {
        let server = makeServer()
        server.addReadinessCheck("broker") { .up }
        server.addReadinessCheck("database") { .up }
        try await withRunning(server) { port in
            let response = try await HTTPTestClient.request("GET", "/ready", port: port)
            #expect(response.status == 200)
            #expect(response.body == #"{"checks":{"broker":"ok","database":"ok"},"status":"ok"}"#)
        }
    }

    @Test("GET /ready answers 503 naming the failing check, without leaking credentials")
    func readyWhenOneFails() async throws {
        let server = makeServer()
        server.addReadinessCheck("broker") { .down("cannot connect to amqp://guest:s3cret@127.0.0.1:1/") }
        server.addReadinessCheck("database") { .up }
        try await withRunning(server) { port in
            let response = try await HTTPTestClient.request("GET", "/ready", port: port)
            #expect(response.status == 503)
            let body = try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
            #expect(body["status"] as? String == "unavailable")
            let checks = try #require(body["checks"] as? [String: String])
            #expect(checks["database"] == "ok")
            #expect(checks["broker"]?.hasPrefix("down: cannot connect") == true)
            #expect(!response.body.contains("s3cret"))
        }
    }

    @Test("GET /ready answers 200 with no checks registered, and follows a check that recovers")
    func readyFollowsChecks() async throws {
        let server = makeServer()
        let brokerUp = Locked(false)
        try await withRunning(server) { port in
            let noChecks = try await HTTPTestClient.request("GET", "/ready", port: port)
            #expect(noChecks.status == 200)
            server.addReadinessCheck("broker") { brokerUp.withLock { $0 } ? .up : .down("not connected") }
            let down = try await HTTPTestClient.request("GET", "/ready", port: port)
            #expect(down.status == 503)
            brokerUp.withLock { $0 = true }
            let up = try await HTTPTestClient.request("GET", "/ready", port: port)
            #expect(up.status == 200)
        }
    }

    @Test("a readiness check that hangs is cut off by the timeout and reported down")
    func readinessTimeout() async throws {
        let server = makeServer(readinessTimeout: .milliseconds(300))
        server.addReadinessCheck("database") {
            try? await Task.sleep(for: .seconds(30))
            return .up
        }
        server.addReadinessCheck("broker") { .up }
        try await withRunning(server) { port in
            let started = ContinuousClock.now
            let response = try await HTTPTestClient.request("GET", "/ready", port: port)
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(response.status == 503)
            #expect(response.body.contains(#""database":"down: timed out after 0.3s""#))
            #expect(response.body.contains(#""broker":"ok""#))
        }
    }

    @Test("a check deaf to cancellation that never returns (a query on a dead connection) does not hold the dependency probe: it answers unhealthy on time, and again")
    func stuckCheckDoesNotHoldTheProbe() async throws {
        let probe = DependencyProbe(
            checks: [{ .up }, { await withUnsafeContinuation { (_: UnsafeContinuation<ReadinessResult, Never>) in } }],
            timeout: .milliseconds(200), cacheFor: .zero
        )
        for _ in 0..<2 {
            let started = ContinuousClock.now
            #expect(await probe.isHealthy() == false)
            #expect(ContinuousClock.now - started < .seconds(3))
        }
    }

    @Test("GET /metrics renders the Prometheus text of the registry, with a counter that was incremented")
    func metrics() async throws {
        let registry = PrometheusCollectorRegistry()
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "ops_test_events", unitName: "total", helpText: "Events seen by the test.")
        )
        let server = makeServer(registry: registry)
        try await withRunning(server) { port in
            counter.increment(by: Int64(3))
            let response = try await HTTPTestClient.request("GET", "/metrics", port: port)
            #expect(response.status == 200)
            #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(response.body.contains("# TYPE ops_test_events_total counter"))
            #expect(response.body.contains("ops_test_events_total 3\n"))
            counter.increment()
            let again = try await HTTPTestClient.request("GET", "/metrics", port: port)
            #expect(again.body.contains("ops_test_events_total 4\n"))
        }
    }

    @Test("unknown paths answer 404 JSON, other methods on ops paths 405 with Allow: GET")
    func notFoundAndMethodNotAllowed() async throws {
        let server = makeServer()
        try await withRunning(server) { port in
            let missing = try await HTTPTestClient.request("GET", "/nope", port: port)
            #expect(missing.status == 404)
            #expect(missing.body == #"{"error":"not found"}"#)
            let post = try await HTTPTestClient.request("POST", "/health", port: port)
            #expect(post.status == 405)
            #expect(post.headers["allow"] == "GET")
            #expect(post.body == #"{"error":"method not allowed"}"#)
            let delete = try await HTTPTestClient.request("DELETE", "/metrics", port: port)
            #expect(delete.status == 405)
            let query = try await HTTPTestClient.request("GET", "/health?verbose=1", port: port)
            #expect(query.status == 200)
        }
    }

    @Test("a port already in use fails run() with bindFailed naming the port")
    func portInUse() async throws {
        let first = makeServer()
        try await withRunning(first) { port in
            let second = makeServer(port: port)
            let error = await #expect(throws: OpsServerError.self) {
                try await second.run()
            }
            #expect(error?.code == .bindFailed)
            #expect(error?.port == port)
            #expect(error?.message.contains("\(port)") == true)
            #expect(error?.message.contains("in use") == true)
            #expect(second.localPort == nil)
            // The first server is unaffected.
            let health = try await HTTPTestClient.request("GET", "/health", port: port)
            #expect(health.status == 200)
        }
    }

    @Test("graceful shutdown answers the request in flight, then stops listening")
    func gracefulShutdown() async throws {
        let server = makeServer()
        let (entered, enteredContinuation) = AsyncStream<Void>.makeStream()
        server.addReadinessCheck("slow") {
            enteredContinuation.yield()
            try? await Task.sleep(for: .milliseconds(500))
            return .up
        }
        let group = ServiceHost.makeGroup(opsServer: server, services: [], logger: logger, gracefulShutdownSignals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await waitUntilListening(server)
            async let inFlight = HTTPTestClient.request("GET", "/ready", port: port)
            var iterator = entered.makeAsyncIterator()
            await iterator.next()
            await group.triggerGracefulShutdown()
            let response = try await inFlight
            #expect(response.status == 200)
            try await tasks.waitForAll()
            #expect(server.localPort == nil)
            #expect(await HTTPTestClient.isListening(port: port) == false)
        }
    }

    @Test("an idle connection does not hold graceful shutdown open past the idle timeout")
    func idleConnectionDoesNotBlockShutdown() async throws {
        let server = makeServer(idleTimeout: .milliseconds(300))
        let group = ServiceHost.makeGroup(opsServer: server, services: [], logger: logger, gracefulShutdownSignals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await waitUntilListening(server)
            let idle = try await HTTPTestClient.openIdleConnection(port: port)
            try await Task.sleep(for: .milliseconds(50))
            let started = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(await HTTPTestClient.waitUntilClosed(idle, within: .seconds(5)), "the server did not close the idle connection")
            try? await idle.close()
        }
    }

    @Test("graceful shutdown closes idle connections at once, without waiting for the idle timeout")
    func shutdownClosesIdleConnections() async throws {
        let server = makeServer(idleTimeout: .seconds(60))
        let group = ServiceHost.makeGroup(opsServer: server, services: [], logger: logger, gracefulShutdownSignals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await waitUntilListening(server)
            let idle = try await HTTPTestClient.openIdleConnection(port: port)
            // Once this request is answered, the idle connection (accepted before it) is normally being served.
            let health = try await HTTPTestClient.request("GET", "/health", port: port)
            #expect(health.status == 200)
            let started = ContinuousClock.now
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(ContinuousClock.now - started < .seconds(10))
            #expect(await HTTPTestClient.waitUntilClosed(idle, within: .seconds(10)), "the server did not close the idle connection")
            try? await idle.close()
        }
    }

    @Test("graceful shutdown racing connections being accepted closes every one of them and still returns")
    func shutdownRacingNewConnections() async throws {
        // Shutting down while connections were being accepted used to leave some open forever, past any
        // idle timeout (swift-nio dropped them before registering them, so their idle timer never armed),
        // or to crash ("Deinited NIOAsyncWriter without calling finish()").
        for iteration in 0..<40 {
            let server = makeServer(idleTimeout: .seconds(1))
            let group = ServiceHost.makeGroup(opsServer: server, services: [], logger: logger, gracefulShutdownSignals: [])
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let port = try await waitUntilListening(server)
                var clients: [any Channel] = []
                for _ in 0..<3 {
                    clients.append(try await HTTPTestClient.openIdleConnection(port: port))
                }
                try await Task.sleep(for: .microseconds(Int.random(in: 0...3000)))
                let started = ContinuousClock.now
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                #expect(ContinuousClock.now - started < .seconds(10), "iteration \(iteration)")
                for client in clients {
                    let closed = await HTTPTestClient.waitUntilClosed(client, within: .seconds(5))
                    #expect(closed, "iteration \(iteration): a client connection was left open after shutdown")
                    try? await client.close()
                }
            }
        }
    }

    @Test("run() may be called only once")
    func runOnlyOnce() async throws {
        let server = makeServer()
        try await withRunning(server) { _ in
            let error = await #expect(throws: OpsServerError.self) { try await server.run() }
            #expect(error?.code == .alreadyRunning)
        }
    }

    // MARK: Helpers

    /// A server on a free port (0) unless `port` is given.
    private func makeServer(
        port: Int = 0,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        readinessTimeout: Duration = .seconds(2),
        idleTimeout: Duration = .seconds(5)
    ) -> OpsServer {
        OpsServer(
            configuration: .init(host: "127.0.0.1", port: port, readinessTimeout: readinessTimeout, idleTimeout: idleTimeout),
            registry: registry,
            logger: logger
        )
    }

    /// Runs `server` in a service group, calls `body` with its port, then shuts it down gracefully.
    private func withRunning(_ server: OpsServer, _ body: (Int) async throws -> Void) async throws {
        let group = ServiceHost.makeGroup(opsServer: server, services: [], logger: logger, gracefulShutdownSignals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            do {
                let port = try await waitUntilListening(server)
                try await body(port)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// Waits (up to 60 s) until `server` listens and returns its port.
func waitUntilListening(_ server: OpsServer) async throws -> Int {
    // Generous: under the full suite on two cores, CPU-bound tests (model training) can hold the
    // cooperative threads for seconds; what these tests check is behaviour, not start-up time.
    let deadline = ContinuousClock.now + .seconds(60)
    while ContinuousClock.now < deadline {
        if let port = server.localPort { return port }
        try await Task.sleep(for: .milliseconds(10))
    }
    throw HTTPTestClientError(message: "the ops server did not start listening within 60 s")
}
