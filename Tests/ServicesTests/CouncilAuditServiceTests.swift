import CouncilAuditService
import BrokerTopology
import Contracts
import JSON
import ServiceHosting
import Foundation
import Messaging
import PostgresNIO
import ServiceLifecycle
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The whole council-audit service, as deployed: real events from the events exchange through
/// `council-audit.events` into the hash-chained log (once per event id), poison dead-lettered with its
/// reason, the committee's API on `COUNCIL_PORT`, the chain's gauge on `/metrics`.
@Suite("Council audit service end to end", .serialized, .timeLimit(.minutes(3)))
struct CouncilAuditServiceTests {
    /// The committee's key of the service under test.
    static let councilKey = "council-service-test-key-0123456789"

    /// Runs the service on free ports until `body` returns.
    private func withCouncilAudit(_ body: @Sendable (_ opsURL: String, _ councilURL: String) async throws -> Void) async throws {
        let opsPort = try freePort()
        let councilPort = try freePort()
        let service = try #require(ServiceUnderTest.all.first { $0.name == "council-audit" })
        let group = try service.build([
            "AMQP_URL": try TestEnvironment.amqpURL(),
            "DATABASE_URL": try TestEnvironment.databaseURL(),
            "OPS_PORT": String(opsPort),
            "COUNCIL_PORT": String(councilPort),
            "OPEN137_COUNCIL_KEY": Self.councilKey,
        ])
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await withTimeout(.seconds(90), "council-audit to report ready") {
            while true {
                if let (status, _) = try? await httpGet("http://127.0.0.1:\(opsPort)/ready"), status == 200 { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await body("http://127.0.0.1:\(opsPort)", "http://127.0.0.1:\(councilPort)")
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "council-audit to shut down") { try await running.value }
    }

    /// Runs `body` with a client of the test database.
    private func withDatabase<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw TimedOut(what: "a usable DATABASE_URL") }
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: TestEnvironment.logger("council-audit-tests"))
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// Entries of the log: all of one report, or of one event id.
    private func count(reportID: String? = nil, eventID: String? = nil, client: PostgresClient) async throws -> Int {
        let logger = TestEnvironment.logger("council-audit-tests")
        let rows = try await client.query(
            """
            SELECT count(*) FROM council_audit.audit_log
            WHERE (\(reportID.flatMap(UUID.init(uuidString:)))::uuid IS NULL OR report_id = \(reportID.flatMap(UUID.init(uuidString:))))
              AND (\(eventID)::text IS NULL OR event_id = \(eventID))
            """, logger: logger)
        for try await value in rows.decode(Int64.self) { return Int(value) }
        return 0
    }

    /// Waits until the event `eventID` is in the log (a batch that failed is retried after the retry delay).
    private func waitForEvent(_ eventID: String, client: PostgresClient) async throws {
        try await withTimeout(.seconds(30), "the audit entry of event \(eventID)") {
            while try await count(eventID: eventID, client: client) < 1 { try await Task.sleep(for: .milliseconds(100)) }
        }
    }

    /// Waits until `reportID` has `expected` entries.
    private func waitForEntries(_ expected: Int, of reportID: String, client: PostgresClient) async throws {
        try await withTimeout(.seconds(30), "\(expected) audit entries of \(reportID)") {
            while try await count(reportID: reportID, client: client) < expected { try await Task.sleep(for: .milliseconds(100)) }
        }
    }

    private func event(_ type: String, _ reportID: String) throws -> CloudEvent {
        CloudEvent(source: ServiceName.router.eventSource, type: type, subject: reportID, data: SampleEventData.data(for: type, reportID: reportID))
    }

    private func publish(_ publisher: AMQPPublisher, _ event: CloudEvent) async throws {
        try await publisher.publish(OutgoingMessage(
            exchange: Open137Topology.eventsExchange, routingKey: event.type, body: try event.encoded(), messageID: event.id))
    }

    @Test("events in → entries appended (contact removed); a redelivered event adds nothing; poison is dead-lettered; the timeline over HTTP; /metrics shows the chain verified")
    func appendsOnceAndDeadLettersPoison() async throws {
        let logger = TestEnvironment.logger("council-audit-tests")
        let deadQueue = TestEnvironment.uniqueName("q_council_dead")
        let deadConsumer = AMQPConsumer(
            configuration: try TestEnvironment.amqpConfiguration(name: "dead"), queue: deadQueue,
            topology: Topology(
                exchanges: Open137Topology.exchanges,
                queues: [QueueDefinition(name: deadQueue, arguments: ["x-expires": .int(120_000)])],
                bindings: [BindingDefinition(exchange: Open137Topology.deadLetterExchange, queue: deadQueue, routingKey: CouncilAuditStage.eventsQueue)]),
            logger: logger)
        try await deadConsumer.waitUntilConnected()
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "pipeline"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)

        try await withCouncilAudit { opsURL, councilURL in
            try await withDatabase { client in
                let reportID = UUID().uuidString.lowercased()
                let received = try event(EventType.reportReceived, reportID)
                let published = [received, try event(EventType.reportRouted, reportID), try event(EventType.reportStatusChanged, reportID)]
                for item in published {
                    try await publish(publisher, item)
                }
                // Each of this test's events (other services of a parallel run may add their own for the report).
                for item in published { try await waitForEvent(item.id, client: client) }

                // The same event again (a redelivery), then another report: once that one is in the log,
                // the redelivery has been handled too — without a second entry.
                try await publish(publisher, received)
                let otherID = UUID().uuidString.lowercased()
                try await publish(publisher, try event(EventType.reportReceived, otherID))
                try await waitForEntries(1, of: otherID, client: client)
                try await Task.sleep(for: .milliseconds(500))
                // Other services of a parallel test run may react to these events (a classifier classifies the
                // report): count this test's own events, each exactly once.
                for item in published {
                    #expect(try await count(eventID: item.id, client: client) == 1, "\(item.type)")
                }

                // Not JSON: dead-lettered with the reason, body intact, never in the log.
                let poisonID = UUID().uuidString.lowercased()
                let poison = Array("<<not an event>>".utf8)
                try await publisher.publish(OutgoingMessage(exchange: Open137Topology.eventsExchange, routingKey: EventType.reportReceived, body: poison, messageID: poisonID))
                let deadLetter = try await withTimeout(.seconds(30), "the poison message in council-audit.events.dlq") {
                    for await delivery in deadConsumer.deliveries {
                        try await delivery.ack()
                        if delivery.messageID == poisonID { return delivery }
                    }
                    throw TimedOut(what: "the poison message")
                }
                #expect(deadLetter.body == poison)
                #expect(deadLetter.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == AuditRecordError.Code.malformedEnvelope.rawValue)
                #expect(try await count(eventID: poisonID, client: client) == 0)

                // The committee reads the timeline over HTTP: the contact never entered the log.
                var request = URLRequest(url: URL(string: "\(councilURL)/api/v1/council/reports/\(reportID)/timeline")!)
                request.setValue("Bearer \(Self.councilKey)", forHTTPHeaderField: "Authorization")
                let (data, response) = try await URLSession.shared.data(for: request)
                #expect((response as? HTTPURLResponse)?.statusCode == 200)
                let timeline = try JSONValue.parse(Array(data))
                // Deliveries are handled concurrently, so the log may hold them in another order than published.
                let types = Set(timeline["entries"]?.arrayValue?.compactMap { $0["type"]?.stringValue } ?? [])
                #expect(types.isSuperset(of: [EventType.reportReceived, EventType.reportRouted, EventType.reportStatusChanged]), "\(types)")
                #expect(!String(decoding: data, as: UTF8.self).contains("989121234567"))
                let unauthorized = try await httpGet("\(councilURL)/api/v1/council/reports")
                #expect(unauthorized.status == 401)

                // Verified at start; the gauge says so (1 = the chain verifies).
                let metrics = try await httpGet("\(opsURL)/metrics").body
                let valid = metrics.split(separator: "\n").first { $0.hasPrefix("open137_audit_chain_valid") }
                #expect(valid?.split(separator: " ").last.flatMap { Double($0) } == 1, "\(valid ?? "no open137_audit_chain_valid in /metrics")")
                #expect(metrics.contains("open137_audit_chain_entries"))
            }
        }
        await deadConsumer.stop()
        await publisher.close()
    }
}
