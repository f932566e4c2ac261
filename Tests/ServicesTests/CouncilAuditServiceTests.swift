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

    @Test("report.linked, a status change of the linked report, report.unlinked: logged, the projection keeps the case and clears it on the split, the API lists the case and the timeline says the link and the split")
    func linkedReports() async throws {
        let logger = TestEnvironment.logger("council-audit-tests")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "pipeline"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        try await withCouncilAudit { _, councilURL in
            try await withDatabase { client in
                let caseID = UUID().uuidString.lowercased(), childID = UUID().uuidString.lowercased()
                try await publish(publisher, try event(EventType.reportReceived, caseID))
                try await publish(publisher, try event(EventType.reportRouted, caseID))
                try await publish(publisher, try event(EventType.reportReceived, childID))
                let linked = try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportLinked, subject: childID, payload: ReportLinkedData(
                    reportID: childID, trackingCode: "4820193746", parentReportID: caseID, parentTrackingCode: "4829150375", unit: "parks",
                    serviceCode: "CFC-PLAY", childFriendly: true, district: "06", status: "acknowledged", deadline: "2026-01-04T08:00:00.000Z",
                    similarity: 0.42, distanceMetres: 18.5, receivedAt: "2026-01-01T08:00:00.000Z", at: "2026-01-02T08:00:01.000Z"))
                try await publish(publisher, linked)
                try await publish(publisher, CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportStatusChanged, subject: childID, data: [
                    "report_id": .string(childID), "unit": "parks", "from_status": "acknowledged", "status": "in_progress",
                    "at": "2026-01-02T10:00:00.000Z", "by": "parks",
                ]))
                try await waitForEntries(3, of: childID, client: client)

                func projection() async throws -> (UUID?, String?, String, String?) {
                    let rows = try await client.query(
                        "SELECT linked_to, linked_to_tracking_code, status, unit FROM council_audit.reports WHERE report_id = \(UUID(uuidString: childID)!)",
                        logger: logger)
                    for try await row in rows.decode((UUID?, String?, String, String?).self) { return row }
                    return (nil, nil, "-", nil)
                }
                let following = try await projection()
                #expect(following.0 == UUID(uuidString: caseID) && following.1 == "4829150375")
                #expect(following.2 == "in_progress" && following.3 == "parks")

                func get(_ path: String) async throws -> JSONValue {
                    var request = URLRequest(url: URL(string: "\(councilURL)\(path)")!)
                    request.setValue("Bearer \(Self.councilKey)", forHTTPHeaderField: "Authorization")
                    let (data, response) = try await URLSession.shared.data(for: request)
                    #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(path)")
                    return try JSONValue.parse(Array(data))
                }
                // Narrowed to the linked report's day and district: a long-lived test database holds more than a page.
                let narrow = "district=6&from=2026-01-01&to=2026-01-02&page_size=500"
                let listed = try await get("/api/v1/council/reports?\(narrow)")["reports"]?.arrayValue?.first { $0["report_id"]?.stringValue == childID }
                #expect(listed?["linked_to"]?.stringValue == caseID)
                #expect(listed?["linked_to_tracking_code"]?.stringValue == "4829150375")
                let caseRow = try await get("/api/v1/council/reports?page_size=500")["reports"]?.arrayValue?.first { $0["report_id"]?.stringValue == caseID }
                #expect(caseRow?["linked_to"] == nil || caseRow?["linked_to"] == .null)

                try await publish(publisher, try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportUnlinked, subject: childID, payload: ReportUnlinkedData(
                    reportID: childID, parentReportID: caseID, unit: "parks", reason: "another swing, the far end of the park",
                    deadline: "2026-01-06T09:00:00.000Z", at: "2026-01-03T09:00:00.000Z")))
                try await waitForEntries(4, of: childID, client: client)
                let split = try await projection()
                #expect(split.0 == nil && split.1 == nil && split.2 == "assigned" && split.3 == "parks")

                let entries = try await get("/api/v1/council/reports/\(childID)/timeline")["entries"]?.arrayValue ?? []
                let link = entries.first { $0["type"]?.stringValue == EventType.reportLinked }?["link"]
                #expect(link?["kind"]?.stringValue == "linked" && link?["case_tracking_code"]?.stringValue == "4829150375")
                #expect(link?["similarity"]?.numberValue == 0.42 && link?["distance_m"]?.numberValue == 18.5)
                let unlink = entries.first { $0["type"]?.stringValue == EventType.reportUnlinked }?["link"]
                #expect(unlink?["kind"]?.stringValue == "unlinked" && unlink?["reason"]?.stringValue == "another swing, the far end of the park")
                #expect(entries.first { $0["type"]?.stringValue == EventType.reportStatusChanged }?["link"] == nil)

                // The router raises the case as a repeat hazard, twice for two reasons and once more for the
                // first again (a redelivery under another id): the list keeps each reason once, filters by it.
                for (reason, count) in [(ReportRepeatHazardData.Reason.reports, 3), (.reopenings, 2), (.reports, 3)] {
                    try await publish(publisher, try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportRepeatHazard, subject: caseID, payload: ReportRepeatHazardData(
                        reportID: caseID, trackingCode: "4829150375", unit: "parks", serviceCode: "CFC-PLAY", childFriendly: true, district: "06",
                        reason: reason, count: count, fromPriority: "P1", priority: "P0", deadline: "2026-01-02T20:00:00.000Z", at: "2026-01-02T08:00:00.000Z")))
                }
                try await waitForEntries(5, of: caseID, client: client)
                let raised = try await get("/api/v1/council/reports?repeat_hazard=true&page_size=500")["reports"]?.arrayValue ?? []
                let raisedCase = raised.first { $0["report_id"]?.stringValue == caseID }
                #expect(raisedCase?["repeat_reasons"]?.arrayValue?.compactMap(\.stringValue) == ["reports", "reopenings"])
                #expect(raisedCase?["priority"]?.stringValue == "P0")
                #expect(!raised.contains { $0["report_id"]?.stringValue == childID }, "only raised cases")
                let others = try await get("/api/v1/council/reports?repeat_hazard=false&\(narrow)")["reports"]?.arrayValue ?? []
                #expect(others.contains { $0["report_id"]?.stringValue == childID } && !others.contains { $0["report_id"]?.stringValue == caseID })
            }
        }
        await publisher.close()
    }
}
