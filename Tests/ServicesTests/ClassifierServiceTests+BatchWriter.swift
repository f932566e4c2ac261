import BrokerTopology
@testable import ClassifierService
import Contracts
import Foundation
import JSON
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import ServiceLifecycle
import Stages
import Testing
import TestSupport


/// The group commit on its own: ``ClassificationBatchWriter`` over a throw-away schema.
extension ClassifierServiceTests {
    /// Runs `body` with a running ``ClassificationBatchWriter`` over a fresh, migrated throw-away schema
    /// (and a client whose `search_path` is that schema); drops the schema after.
    func withWriter(_ body: @Sendable (ClassificationBatchWriter, PostgresClient) async throws -> Void) async throws {
        let schema = TestEnvironment.uniqueName("t_classifier")
        let logger = TestEnvironment.logger("classifier-tests")
        try await withDatabase(schema: schema) { client in
            try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: ClassifierStage.migrationsBundle)
            let outbox = try Outbox(schema: schema)
            let writer = ClassificationBatchWriter(
                client: client, inbox: try Inbox(schema: schema), consumer: ReportClassificationHandler.consumer, outbox: outbox, logger: logger)
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await writer.run() }
                    defer { group.cancelAll() }
                    try await body(writer, client)
                }
            } catch {
                try? await Self.drop(schema, client: client)
                throw error
            }
            try await Self.drop(schema, client: client)
        }
    }

    /// Drops `schema` and forgets its migrations.
    static func drop(_ schema: String, client: PostgresClient) async throws {
        let logger = TestEnvironment.logger("classifier-tests")
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
        try await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
    }

    /// An item as the handler makes it, for a report `reportID` carried by event `eventID`.
    func item(reportID: UUID = UUID(), eventID: String = UUID().uuidString.lowercased(), index: Int = 0) throws -> ClassificationBatchItem {
        let (event, _) = try received("item \(index): \"quoted\", a\\backslash and a new\nline", channelCode: index % 2 == 0 ? "GREEN" : nil)
        var report = try event.payload(as: ReportReceivedData.self)
        report.reportID = reportID.uuidString.lowercased()
        let classification = ReportClassification(
            serviceCode: "CFC-PLAY", channelServiceCode: report.serviceCode, childFriendly: true, priority: "P\(index % 3)",
            confidence: 0.1 + Double(index % 9) / 10, evidence: ["danger rule: \"شکسته\"", "term \(index)"], triage: index % 2 == 0,
            triageReason: index % 2 == 0 ? "channel said GREEN" : nil, modelVersion: "lr-ngram-1.test")
        let classified = EncodedEvent(
            source: ServiceName.classifier.eventSource, type: EventType.reportClassified, time: Date(), subject: report.reportID,
            data: ReportClassifiedData(report: report, classification: classification),
            correlationID: "journey-\(index)", traceparent: index % 4 == 0 ? nil : "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
        return ClassificationBatchItem(
            eventID: eventID, reportID: reportID, classification: classification, classifiedEventID: classified.id,
            correlationID: classified.correlationid, traceparent: classified.traceparent, body: try classified.encoded())
    }

    /// Stores every item concurrently and answers their outcomes in the items' order.
    func storeAll(_ items: [ClassificationBatchItem], writer: ClassificationBatchWriter) async throws -> [ClassificationBatchWriter.Outcome] {
        try await withThrowingTaskGroup(of: (Int, ClassificationBatchWriter.Outcome).self) { group in
            for (index, item) in items.enumerated() {
                group.addTask { (index, try await writer.store(item)) }
            }
            var outcomes = [ClassificationBatchWriter.Outcome?](repeating: nil, count: items.count)
            for try await (index, outcome) in group { outcomes[index] = outcome }
            return outcomes.map { $0! }
        }
    }

    @Test("the group commit: 200 concurrent stores are all classified in a few transactions, each with its row and its one outbox message as Outbox.enqueue writes it; stored again they are duplicates, and new events for the same reports are alreadyClassified, with no new message")
    func writerStoresConcurrentItemsInGroups() async throws {
        try await withWriter { writer, client in
            let items = try (0..<200).map { try item(index: $0) }
            let outcomes = try await storeAll(items, writer: writer)
            #expect(outcomes.allSatisfy { $0 == .classified }, "\(outcomes.filter { $0 != .classified })")
            #expect(try await count("SELECT count(*) FROM classifications", client: client) == 200)
            #expect(try await count("SELECT count(*) FROM inbox WHERE consumer = 'classifier.reports'", client: client) == 200)
            // now() is the transaction's start: rows written in one batch share it.
            let transactions = try await count("SELECT count(DISTINCT classified_at) FROM classifications", client: client)
            #expect(transactions < 50, "\(transactions) transactions for 200 concurrent reports: no group commit")

            // Each row as the handler decided it.
            let logger = TestEnvironment.logger("classifier-tests")
            var rows: [UUID: (String, String?, Bool, String, Double, String, Bool, String?, String)] = [:]
            for try await row in try await client.query(
                """
                SELECT report_id, event_id, channel_service_code, child_friendly, priority, confidence, evidence::text, triage,
                       triage_reason, model_version FROM classifications
                """, logger: logger
            ).decode((UUID, String, String?, Bool, String, Double, String, Bool, String?, String).self) {
                rows[row.0] = (row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9)
            }
            for item in items {
                let row = try #require(rows[item.reportID])
                let c = item.classification
                #expect(row.0 == item.eventID)
                #expect(row.1 == c.channelServiceCode && row.2 == c.childFriendly && row.3 == c.priority && row.4 == c.confidence)
                #expect(try JSONDecoder().decode([String].self, from: Data(row.5.utf8)) == c.evidence)
                #expect(row.6 == c.triage && row.7 == c.triageReason && row.8 == c.modelVersion)
            }

            // One message per report, as Outbox.enqueue(CloudEvent.message(exchange:)) wrote it.
            var messages: [String: (String, String, String, String, String?, String?, String)] = [:]
            for try await row in try await client.query(
                """
                SELECT event_id, exchange, routing_key, convert_from(body, 'UTF8'), content_type, correlation_id, message_type, headers::text,
                       mandatory AND persistent AND reply_to IS NULL FROM outbox
                """, logger: logger
            ).decode((String, String, String, String, String, String?, String?, String, Bool).self) {
                #expect(row.8)
                messages[row.0] = (row.1, row.2, row.3, row.4, row.5, row.6, row.7)
            }
            #expect(messages.count == 200)
            for item in items {
                let message = try #require(messages[item.classifiedEventID])
                var event = try CloudEvent.decode(item.body)
                event.traceparent = item.traceparent
                let expected = try event.message(exchange: Open137Topology.eventsExchange)
                #expect(message.0 == expected.exchange && message.1 == expected.routingKey && Array(message.2.utf8) == expected.body)
                #expect(message.3 == expected.contentType && message.4 == expected.correlationID && message.5 == expected.type)
                let headers = try JSONDecoder().decode([String: String].self, from: Data(message.6.utf8))
                #expect(headers == expected.headers.compactMapValues(\.stringValue))
            }

            // Again: the same events are duplicates; new events for the same reports change nothing.
            let again = try await storeAll(items, writer: writer)
            #expect(again.allSatisfy { $0 == .duplicate })
            let second = try items.enumerated().map { index, old in try item(reportID: old.reportID, index: index) }
            let secondOutcomes = try await storeAll(second, writer: writer)
            #expect(secondOutcomes.allSatisfy { $0 == .alreadyClassified })
            #expect(try await count("SELECT count(*) FROM outbox", client: client) == 200)
            #expect(try await count("SELECT count(*) FROM classifications", client: client) == 200)
        }
    }

    @Test("the group commit, one report several times at once (its event twice beside a second event for it, among 60 others): one row, one message, sent by the event that stored the row")
    func writerStoresOneReportOnceWithinABatch() async throws {
        try await withWriter { writer, client in
            for round in 0..<5 {
                let reportID = UUID()
                let first = try item(reportID: reportID, index: round)
                let second = try item(reportID: reportID, index: round + 1)
                let redelivered = try item(reportID: reportID, eventID: first.eventID, index: round)
                let others = try (0..<60).map { try item(index: $0) }
                let outcomes = try await storeAll(others + [first, redelivered, second], writer: writer)
                #expect(outcomes.prefix(60).allSatisfy { $0 == .classified })
                let (firstOutcome, redeliveredOutcome, secondOutcome) = (outcomes[60], outcomes[61], outcomes[62])

                let logger = TestEnvironment.logger("classifier-tests")
                var storedBy: [String] = []
                for try await eventID in try await client.query(
                    "SELECT event_id FROM classifications WHERE report_id = \(reportID)", logger: logger
                ).decode(String.self) { storedBy.append(eventID) }
                #expect(storedBy.count == 1)
                var sent: [String] = []
                for try await body in try await client.query(
                    "SELECT convert_from(body, 'UTF8') FROM outbox WHERE convert_from(body, 'UTF8')::jsonb->>'subject' = \(reportID.uuidString.lowercased())",
                    logger: logger
                ).decode(String.self) { sent.append(body) }
                #expect(sent.count == 1, "\(sent.count) report.classified for one report")
                if storedBy.first == first.eventID {
                    #expect(firstOutcome == .classified || redeliveredOutcome == .classified)
                    #expect(firstOutcome != .alreadyClassified && redeliveredOutcome != .alreadyClassified)
                    #expect(secondOutcome == .alreadyClassified)
                    // Either copy of the event may be the one that stored the row (each made its own
                    // report.classified, as a redelivery does); exactly one of them is sent.
                    #expect(sent.first.map { Array($0.utf8) } == first.body || sent.first.map { Array($0.utf8) } == redelivered.body)
                } else {
                    #expect(storedBy.first == second.eventID)
                    #expect(secondOutcome == .classified)
                    #expect(firstOutcome != .classified && redeliveredOutcome != .classified)
                    #expect(sent.first.map { Array($0.utf8) } == second.body)
                }
            }
        }
    }
}
