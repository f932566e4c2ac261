import TestSupport
import Logging
import Prometheus
@testable import ServiceHosting
import ServiceLifecycle
import Testing


/// Running a service's ops server and parts in one ServiceGroup.
@Suite("ServiceHost", .timeLimit(.minutes(1)))
struct ServiceHostTests {
    /// The logger handed to the groups.
    let logger = Logger(label: "service-host-tests")

    /// A service that records when it starts and stops, and stops on graceful shutdown.
    struct RecordingService: Service {
        /// The name written to the log.
        let name: String
        /// Where starts and stops are recorded.
        let log: Locked<[String]>

        /// Records the start, waits for graceful shutdown, records the stop.
        func run() async throws {
            log.withLock { $0.append("start \(name)") }
            try? await gracefulShutdown()
            log.withLock { $0.append("stop \(name)") }
        }
    }

    @Test("the group runs the ops server and the services, and shuts them down in reverse order")
    func runsAndShutsDownInReverseOrder() async throws {
        let log = Locked<[String]>([])
        let server = OpsServer(configuration: .init(port: 0), registry: PrometheusCollectorRegistry(), logger: logger)
        let group = ServiceHost.makeGroup(
            opsServer: server,
            services: [RecordingService(name: "database", log: log), RecordingService(name: "consumer", log: log)],
            logger: logger,
            gracefulShutdownSignals: []
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let port = try await waitUntilListening(server)
            let health = try await HTTPTestClient.request("GET", "/health", port: port)
            #expect(health.status == 200)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            #expect(await HTTPTestClient.isListening(port: port) == false)
        }
        let stops = log.withLock { $0 }.filter { $0.hasPrefix("stop") }
        #expect(stops == ["stop consumer", "stop database"])
    }

    @Test("a service that fails ends the group with its error, and the ops server stops too")
    func failingServiceEndsGroup() async throws {
        /// The failure.
        struct Boom: Error {}
        /// A service that throws shortly after starting.
        struct FailingService: Service {
            /// Throws `Boom` after 100 ms.
            func run() async throws {
                try await Task.sleep(for: .milliseconds(100))
                throw Boom()
            }
        }
        let server = OpsServer(configuration: .init(port: 0), registry: PrometheusCollectorRegistry(), logger: logger)
        let group = ServiceHost.makeGroup(opsServer: server, services: [FailingService()], logger: logger, gracefulShutdownSignals: [])
        await #expect(throws: Boom.self) { try await group.run() }
        #expect(server.localPort == nil)
    }

    @Test("an ops port in use ends the group with bindFailed naming the port")
    func opsPortInUse() async throws {
        let first = OpsServer(configuration: .init(port: 0), registry: PrometheusCollectorRegistry(), logger: logger)
        let firstGroup = ServiceHost.makeGroup(opsServer: first, services: [], logger: logger, gracefulShutdownSignals: [])
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await firstGroup.run() }
            let port = try await waitUntilListening(first)
            let second = OpsServer(configuration: .init(port: port), registry: PrometheusCollectorRegistry(), logger: logger)
            let log = Locked<[String]>([])
            let secondGroup = ServiceHost.makeGroup(
                opsServer: second,
                services: [RecordingService(name: "consumer", log: log)],
                logger: logger,
                gracefulShutdownSignals: []
            )
            let error = await #expect(throws: OpsServerError.self) { try await secondGroup.run() }
            #expect(error?.code == .bindFailed)
            #expect(error.map { "\($0)" }?.contains(":\(port)") == true)
            await firstGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
