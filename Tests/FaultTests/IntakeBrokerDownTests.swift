import BrokerTopology
import Contracts
import JSON
import ServiceHosting
import Foundation
import IntakeService
import Messaging
import ServiceLifecycle
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Intake with the broker down: reports are still accepted (they are in the database with their event)
/// and the event reaches the broker once it is back — nothing accepted is lost. Part of the broker-fault
/// suite, so it never stops the broker while another fault test is using it (suites run in parallel).
extension BrokerFaultTests {
    @Test("intake: a report POSTed while the broker is stopped is answered 201 and relayed after the broker returns")
    func intakeAcceptsWhileBrokerDownThenRelays() async throws {
        let logger = TestEnvironment.logger("intake-broker-down")
        let observed = TestEnvironment.uniqueName("q_received_after_restart")
        let topology = Topology(
            exchanges: Open137Topology.exchanges,
            queues: [QueueDefinition(name: observed, arguments: ["x-queue-type": .string("quorum")])],
            bindings: [BindingDefinition(exchange: Open137Topology.eventsExchange, queue: observed, routingKey: EventType.reportReceived)]
        )
        let observer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "observer"), queue: observed, topology: topology, logger: logger)
        try await observer.waitUntilConnected()

        let apiKey = "broker-down-test-key-0123456789"
        let (intakePort, opsPort) = (try freePort(), try freePort())
        let configuration = try ServiceConfiguration.load(IntakeSettings.self, environment: [
            "AMQP_URL": try TestEnvironment.amqpURL(), "DATABASE_URL": try TestEnvironment.databaseURL(),
            "OPS_PORT": String(opsPort), "INTAKE_PORT": String(intakePort), "OPEN137_API_KEY": apiKey,
            "OPEN137_REOPEN_KEY": TestEnvironment.reopenKey,
        ], defaultOpsPort: 1)
        let group = try IntakeStage.build(
            ServiceSetup(name: IntakeStage.name, configuration: configuration.service, settings: configuration.settings, logger: logger, registry: MetricsBootstrap.bootstrap()),
            gracefulShutdownSignals: []
        )
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await withTimeout(.seconds(60), "intake to report ready") {
                while true {
                    if let status = try? await status(of: "http://127.0.0.1:\(opsPort)/ready"), status == 200 { return }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }

            try TestEnvironment.broker("stop")
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(intakePort)/api/v1/reports")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"channel":"137-phone","description":"سرسره پارک شکسته است","location":{"lat":35.72,"long":51.41}}"#.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            let accepted = (response as? HTTPURLResponse)?.statusCode
            try TestEnvironment.broker("start")
            #expect(accepted == 201, "accepted while the broker was down")
            let reportID = try #require(try JSONDecoder().decode(JSONValue.self, from: data)["report_id"]?.stringValue)

            let delivery = try await withTimeout(.seconds(90), "report.received of \(reportID) after the restart") {
                for await delivery in observer.deliveries {
                    try await delivery.ack()
                    if (try? CloudEvent.decode(delivery.body))?.subject == reportID { return delivery }
                }
                throw TimedOut(what: "the observer's deliveries ended")
            }
            #expect(try CloudEvent.decode(delivery.body).type == EventType.reportReceived)
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await observer.stop()
    }

    private func status(of url: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }
}
