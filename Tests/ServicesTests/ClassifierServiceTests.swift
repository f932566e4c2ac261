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

/// The whole classifier service, as deployed: `report.received` from the events exchange through
/// `classifier.reports`, the decision stored in `classifier.classifications`, `report.classified` out
/// through the outbox, once per event; poison dead-lettered with the reason. Also the group commit on its
/// own (``ClassificationBatchWriter`` over a throw-away schema) and the hand-written event body.
@Suite("Classifier service end to end", .serialized, .timeLimit(.minutes(3)))
struct ClassifierServiceTests {
    /// Runs the classifier service on a free ops port until `body` returns.
    private func withClassifier(_ body: @Sendable () async throws -> Void) async throws {
        let opsPort = try freePort()
        let classifier = try #require(ServiceUnderTest.all.first { $0.name == "classifier" })
        let group = try classifier.build([
            "AMQP_URL": try TestEnvironment.amqpURL(),
            "DATABASE_URL": try TestEnvironment.databaseURL(),
            "OPS_PORT": String(opsPort),
        ])
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await withTimeout(.seconds(90), "classifier to report ready") {
            while true {
                if let (status, _) = try? await httpGet("http://127.0.0.1:\(opsPort)/ready"), status == 200 { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await body()
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "classifier to shut down") { try await running.value }
    }

    /// A private, self-expiring queue bound to `exchange` with `routingKey`.
    private func observer(_ name: String, exchange: String, routingKey: String) -> (queue: String, topology: Topology) {
        let queue = TestEnvironment.uniqueName("q_\(name)")
        return (queue, Topology(
            exchanges: Open137Topology.exchanges,
            queues: [QueueDefinition(name: queue, arguments: ["x-expires": .int(120_000)])],
            bindings: [BindingDefinition(exchange: exchange, queue: queue, routingKey: routingKey)]
        ))
    }

    /// The first delivery on `consumer` that `matches`, acking everything seen.
    private func first(_ consumer: AMQPConsumer, _ what: String, timeout: Duration = .seconds(30), matching matches: @escaping @Sendable (AMQPDelivery) -> Bool) async throws -> AMQPDelivery {
        try await withTimeout(timeout, what) {
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                if matches(delivery) { return delivery }
            }
            throw TimedOut(what: what)
        }
    }

    /// A `report.received` event as intake emits it.
    private func received(_ description: String, channelCode: String?) throws -> (event: CloudEvent, reportID: String) {
        let reportID = UUID().uuidString.lowercased()
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: "1370000017", channel: "web", description: description, serviceCode: channelCode,
            attributes: [:], location: ReportLocation(lat: 35.7, long: 51.4, district: 6),
            reporter: ReporterProfile(type: "parent", language: "fa"), contact: nil, contactAllowed: false, mediaURLs: [],
            receivedAt: CloudEvent.formatTime(Date()))
        let event = try CloudEvent(source: ServiceName.intake.eventSource, type: EventType.reportReceived, subject: reportID, payload: report, correlationID: "journey-\(reportID)")
        return (event, reportID)
    }

    private func publish(_ publisher: AMQPPublisher, body: [UInt8], id: String, routingKey: String = EventType.reportReceived) async throws {
        try await publisher.publish(OutgoingMessage(
            exchange: Open137Topology.eventsExchange, routingKey: routingKey, body: body, messageID: id
        ))
    }

    /// Rows of `classifier.classifications` for `reportID`.
    private func storedClassifications(_ reportID: String) async throws -> [(serviceCode: String, eventID: String)] {
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw TimedOut(what: "a usable DATABASE_URL") }
        let logger = TestEnvironment.logger("classifier-tests")
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: [(serviceCode: String, eventID: String)]?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            let rows = try await client.query(
                "SELECT service_code, event_id FROM classifier.classifications WHERE report_id = \(UUID(uuidString: reportID)!)",
                logger: logger)
            var found: [(serviceCode: String, eventID: String)] = []
            for try await (code, eventID) in rows.decode((String, String).self) { found.append((code, eventID)) }
            return found
        }
    }

    @Test("report.received in, report.classified out (valid against the AsyncAPI contract); the same event again changes nothing; poison goes to classifier.reports.dlq with the reason")
    func classifiesOnceAndDeadLettersPoison() async throws {
        let logger = TestEnvironment.logger("classifier-tests")
        let classified = observer("classified", exchange: Open137Topology.eventsExchange, routingKey: EventType.reportClassified)
        let dead = observer("classifier_dead", exchange: Open137Topology.deadLetterExchange, routingKey: ClassifierStage.reportsQueue)
        let classifiedConsumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "classified"), queue: classified.queue, topology: classified.topology, logger: logger)
        let deadConsumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "dead"), queue: dead.queue, topology: dead.topology, logger: logger)
        try await classifiedConsumer.waitUntilConnected()
        try await deadConsumer.waitUntilConnected()
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "intake"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)

        try await withClassifier {
            // A broken swing children still ride, sent by a channel that chose GREEN.
            let (event, reportID) = try received("تاب زمین بازی پارک لاله شکسته و بچه‌ها هنوز سوارش میشن", channelCode: "GREEN")
            let body = try event.encoded()
            try await publish(publisher, body: body, id: event.id)

            let delivery = try await first(classifiedConsumer, "report.classified of \(reportID)") { delivery in
                (try? CloudEvent.decode(delivery.body))?.subject == reportID
            }
            let contract = try AsyncAPIDocument.loadContract()
            #expect(contract.validate(eventBody: delivery.body).isEmpty, "\(contract.validate(eventBody: delivery.body))")
            let out = try CloudEvent.decode(delivery.body)
            #expect(out.type == EventType.reportClassified)
            #expect(out.source == ServiceName.classifier.eventSource)
            #expect(out.correlationid == "journey-\(reportID)")
            let data = try out.payload(as: ReportClassifiedData.self)
            #expect(data.report == (try event.payload(as: ReportReceivedData.self)))
            #expect(data.classification.serviceCode == "CFC-PLAY")
            #expect(data.classification.channelServiceCode == "GREEN")
            #expect(data.classification.childFriendly)
            #expect(data.classification.priority == "P0")
            #expect(data.classification.triage)  // a confident disagreement with the channel
            #expect(data.classification.triageReason?.contains("GREEN") == true)
            #expect(data.classification.evidence.contains { $0.hasPrefix("danger rule") })
            #expect(data.classification.modelVersion.hasPrefix("lr-ngram-1."))

            // The contract is not a rubber stamp: a priority outside P0–P2 fails it.
            var tampered = try #require(try JSONDocuments.parse(json: delivery.body).objectValue)
            var tamperedData = try #require(tampered["data"]?.objectValue)
            var tamperedDecision = try #require(tamperedData["classification"]?.objectValue)
            tamperedDecision["priority"] = .string("P9")
            tamperedData["classification"] = .object(tamperedDecision)
            tampered["data"] = .object(tamperedData)
            #expect(!contract.validate(eventBody: Array(try JSONEncoder().encode(JSONValue.object(tampered)))).isEmpty)

            // The same event again (same id), then another report: once the other is classified, the
            // redelivery has been handled too — without a second report.classified or a second row.
            try await publish(publisher, body: body, id: event.id)
            let (other, otherID) = try received("چراغ خیابان ما خاموشه", channelCode: nil)
            try await publish(publisher, body: try other.encoded(), id: other.id)
            let next = try await first(classifiedConsumer, "report.classified of the second report") { delivery in
                let subject = (try? CloudEvent.decode(delivery.body))?.subject
                return subject == otherID || subject == reportID
            }
            #expect(try CloudEvent.decode(next.body).subject == otherID, "a second report.classified for the redelivered event")
            // Anything still in flight for the first report would arrive within a moment.
            let late = try? await first(classifiedConsumer, "a late duplicate", timeout: .seconds(3)) { delivery in
                (try? CloudEvent.decode(delivery.body))?.subject == reportID
            }
            #expect(late == nil, "a second report.classified for the redelivered event")
            let rows = try await storedClassifications(reportID)
            #expect(rows.count == 1)
            #expect(rows.first?.serviceCode == "CFC-PLAY")
            #expect(rows.first?.eventID == event.id)

            // Not JSON at all: dead-lettered with the reason, body intact, never dropped.
            let poisonID = UUID().uuidString.lowercased()
            let poison = Array("<<not a cloud event>>".utf8)
            try await publish(publisher, body: poison, id: poisonID)
            let deadLetter = try await first(deadConsumer, "the poison message in classifier.reports.dlq") { $0.messageID == poisonID }
            #expect(deadLetter.body == poison)
            #expect(deadLetter.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == EventDecodingError.Code.malformedEnvelope.rawValue)
            #expect(deadLetter.headers[AMQPDelivery.reasonHeader]?.stringValue?.isEmpty == false)
        }
        await classifiedConsumer.stop()
        await deadConsumer.stop()
        await publisher.close()
    }

    // MARK: - Many at once, end to end

    /// Runs `body` with a client of the test database (its `search_path` set to `schema` when given).
    private func withDatabase<T: Sendable>(schema: String? = nil, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw TimedOut(what: "a usable DATABASE_URL") }
        let logger = TestEnvironment.logger("classifier-tests")
        let configuration = schema.map { StageRuntime.clientConfiguration(url.clientConfiguration, schema: $0) } ?? url.clientConfiguration
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// The single integer `query` answers.
    private func count(_ query: PostgresQuery, client: PostgresClient) async throws -> Int {
        for try await value in try await client.query(query, logger: TestEnvironment.logger("classifier-tests")).decode(Int64.self) { return Int(value) }
        throw TimedOut(what: "a row from \(query.sql)")
    }

    /// Collects deliveries on `consumer` (acking each) until `done` says the collection is complete.
    private func collect(
        _ consumer: AMQPConsumer, _ what: String, timeout: Duration = .seconds(60),
        until done: @escaping @Sendable ([AMQPDelivery]) -> Bool
    ) async throws -> [AMQPDelivery] {
        try await withTimeout(timeout, what) {
            var seen: [AMQPDelivery] = []
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                seen.append(delivery)
                if done(seen) { return seen }
            }
            throw TimedOut(what: what)
        }
    }

    /// The subjects of the `report.classified` events among `deliveries`.
    private static func subjects(_ deliveries: [AMQPDelivery]) -> [String] {
        deliveries.compactMap { (try? CloudEvent.decode($0.body))?.subject }
    }

    @Test("300 report.received published at once are each classified once: one report.classified each (correlation id, subject, traceparent), one row each; redeliveries and second events for classified reports emit nothing")
    func classifiesManyAtOnceExactlyOnce() async throws {
        let logger = TestEnvironment.logger("classifier-tests")
        let classified = observer("classified_bulk", exchange: Open137Topology.eventsExchange, routingKey: EventType.reportClassified)
        let consumer = AMQPConsumer(
            configuration: try TestEnvironment.amqpConfiguration(name: "classified-bulk"), queue: classified.queue,
            prefetch: 512, topology: classified.topology, logger: logger)
        try await consumer.waitUntilConnected()
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "intake-bulk"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        let descriptions = ["تاب زمین بازی پارک شکسته", "چراغ خیابان ما خاموشه", "زباله‌ها سه روزه جمع نشده", "آب لوله شکسته و خیابون رو آب برداشته"]

        try await withClassifier {
            var events: [(event: CloudEvent, reportID: String)] = []
            for index in 0..<300 {
                var (event, reportID) = try received(descriptions[index % descriptions.count], channelCode: index % 3 == 0 ? "GREEN" : nil)
                event.traceparent = "00-\(String(repeating: "a", count: 24))\(String(format: "%08x", index))-00f067aa0ba902b7-01"
                events.append((event, reportID))
            }
            let wanted = Set(events.map(\.reportID))
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (event, _) in events {
                    let body = try event.encoded()
                    group.addTask { try await publish(publisher, body: body, id: event.id) }
                }
                try await group.waitForAll()
            }
            let deliveries = try await collect(consumer, "report.classified of all 300 reports") { seen in
                Set(Self.subjects(seen)).isSuperset(of: wanted)
            }
            let subjects = Self.subjects(deliveries).filter(wanted.contains)
            #expect(subjects.count == 300, "each report's report.classified exactly once")
            let byReport = Dictionary(events.map { ($0.reportID, $0.event) }, uniquingKeysWith: { first, _ in first })
            for delivery in deliveries {
                let out = try CloudEvent.decode(delivery.body)
                guard let subject = out.subject, let source = byReport[subject] else { continue }
                #expect(out.type == EventType.reportClassified)
                #expect(out.correlationid == "journey-\(subject)")
                #expect(out.traceparent == source.traceparent)
                #expect(delivery.messageID == out.id)
                #expect(delivery.correlationID == "journey-\(subject)")
                #expect(delivery.type == EventType.reportClassified)
                #expect(delivery.headers["traceparent"]?.stringValue == source.traceparent)
                #expect(try out.payload(as: ReportClassifiedData.self).report == (try source.payload(as: ReportReceivedData.self)))
            }

            // One row per report, stored by the event that was published for it.
            let uuids = events.map { UUID(uuidString: $0.reportID)! }
            let stored = try await withDatabase { client in
                var stored: [String: String] = [:]
                let rows = try await client.query(
                    "SELECT report_id::text, event_id FROM classifier.classifications WHERE report_id = ANY(\(uuids))", logger: logger)
                for try await (reportID, eventID) in rows.decode((String, String).self) { stored[reportID] = eventID }
                return stored
            }
            #expect(stored.count == 300)
            #expect(events.allSatisfy { stored[$0.reportID] == $0.event.id })

            // Ten redeliveries (same ids) and ten second events for classified reports, then a new report:
            // once it is classified, the twenty have been handled — without a report.classified.
            for (event, _) in events.prefix(10) { try await publish(publisher, body: try event.encoded(), id: event.id) }
            for (event, reportID) in events.suffix(10) {
                var again = try CloudEvent(
                    source: ServiceName.intake.eventSource, type: EventType.reportReceived, subject: reportID,
                    payload: try event.payload(as: ReportReceivedData.self), correlationID: "journey-\(reportID)")
                again.traceparent = event.traceparent
                try await publish(publisher, body: try again.encoded(), id: again.id)
            }
            let (sentinel, sentinelID) = try received("چراغ خیابان ما خاموشه", channelCode: nil)
            try await publish(publisher, body: try sentinel.encoded(), id: sentinel.id)
            var late = try await collect(consumer, "report.classified of the sentinel report") { Self.subjects($0).contains(sentinelID) }
            // Anything still in flight would arrive within a moment.
            late += (try? await collect(consumer, "late duplicates", timeout: .seconds(3)) { _ in false }) ?? []
            #expect(Self.subjects(late).filter(wanted.contains).isEmpty, "a second report.classified for a classified report")
            let rows = try await withDatabase { client in
                try await count("SELECT count(*) FROM classifier.classifications WHERE report_id = ANY(\(uuids))", client: client)
            }
            #expect(rows == 300)
        }
        await consumer.stop()
        await publisher.close()
    }

    @Test("poison of every kind (wrong type, a report id that is no UUID, data that is no report) is dead-lettered with its reason before anything is stored")
    func deadLettersPoisonBeforeStoring() async throws {
        let logger = TestEnvironment.logger("classifier-tests")
        let dead = observer("classifier_dead_kinds", exchange: Open137Topology.deadLetterExchange, routingKey: ClassifierStage.reportsQueue)
        let deadConsumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "dead-kinds"), queue: dead.queue, topology: dead.topology, logger: logger)
        try await deadConsumer.waitUntilConnected()
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "intake-poison"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)

        try await withClassifier {
            let (valid, _) = try received("چراغ خیابان ما خاموشه", channelCode: nil)
            // A report.classified sent where a report.received belongs (published with the received key).
            var wrongType = valid
            wrongType.id = UUID().uuidString.lowercased()
            wrongType.type = EventType.reportClassified
            // A report id that is not a UUID.
            var badReport = try #require(valid.data.objectValue)
            badReport["report_id"] = .string("not-a-uuid")
            var badID = valid
            badID.id = UUID().uuidString.lowercased()
            badID.data = .object(badReport)
            // Data that is no report at all.
            var notReport = valid
            notReport.id = UUID().uuidString.lowercased()
            notReport.data = .object(["hello": .string("world")])
            let poison = [(wrongType, "unexpected-type"), (badID, EventDecodingError.Code.invalidPayload.rawValue), (notReport, EventDecodingError.Code.invalidPayload.rawValue)]
            for (event, _) in poison { try await publish(publisher, body: try event.encoded(), id: event.id) }
            let ids = Set(poison.map(\.0.id))
            let deadLetters = try await collect(deadConsumer, "the three poison messages in classifier.reports.dlq") { seen in
                ids.isSubset(of: Set(seen.compactMap(\.messageID)))
            }
            for (event, code) in poison {
                let letter = try #require(deadLetters.first { $0.messageID == event.id })
                #expect(letter.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == code)
                #expect(letter.headers[AMQPDelivery.reasonHeader]?.stringValue?.isEmpty == false)
                #expect(letter.body == (try event.encoded()))
            }
            let recorded = try await withDatabase { client in
                try await count("SELECT count(*) FROM classifier.inbox WHERE event_id = ANY(\(Array(ids)))", client: client)
            }
            #expect(recorded == 0, "a poison event was recorded in the inbox")
        }
        await deadConsumer.stop()
        await publisher.close()
    }

    // MARK: - The group commit on its own

    /// Runs `body` with a running ``ClassificationBatchWriter`` over a fresh, migrated throw-away schema
    /// (and a client whose `search_path` is that schema); drops the schema after.
    private func withWriter(_ body: @Sendable (ClassificationBatchWriter, PostgresClient) async throws -> Void) async throws {
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
    private static func drop(_ schema: String, client: PostgresClient) async throws {
        let logger = TestEnvironment.logger("classifier-tests")
        try await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
        try await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
    }

    /// An item as the handler makes it, for a report `reportID` carried by event `eventID`.
    private func item(reportID: UUID = UUID(), eventID: String = UUID().uuidString.lowercased(), index: Int = 0) throws -> ClassificationBatchItem {
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
    private func storeAll(_ items: [ClassificationBatchItem], writer: ClassificationBatchWriter) async throws -> [ClassificationBatchWriter.Outcome] {
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

    // MARK: - The event body

    /// `value` with the member at `path` set to `member` (or removed when nil).
    private static func setting(_ value: JSONValue, _ path: [String], _ member: JSONValue?) -> JSONValue {
        guard let key = path.first, case .object(var object) = value else { return value }
        if path.count == 1 { object[key] = member } else { object[key] = setting(object[key] ?? .object([:]), Array(path.dropFirst()), member) }
        return .object(object)
    }

    @Test("ReportReceivedData(json:) reads what its Decodable conformance (CloudEvent.payload(as:)) reads, and refuses what it refuses")
    func readsReceivedDataAsDecodableDoes() throws {
        let (event, _) = try received("چراغ خیابان ما خاموشه", channelCode: "LIGHT")
        var full = event.data
        for (path, member) in [
            (["contact"], JSONValue.object(["name": .string("مریم"), "phone": .string("+989121234567")])),
            (["reporter", "notify"], .bool(false)), (["reporter", "age_band"], .string("6-11")),
            (["attributes"], .object(["count": .number(3), "none": .null, "nested": .object(["a": .array([.bool(true)])])])),
            (["media_urls"], .array([.string("https://example.org/a.jpg")])), (["location", "address"], .string("خیابان ولیعصر")),
            (["unknown"], .string("ignored")),
        ] as [([String], JSONValue)] { full = Self.setting(full, path, member) }
        var cases: [(String, JSONValue)] = [("as intake writes it", event.data), ("every part", full)]
        for key in ["report_id", "tracking_code", "channel", "description", "attributes", "reporter", "contact_allowed", "media_urls", "received_at"] {
            cases.append(("\(key) missing", Self.setting(full, [key], nil)))
            cases.append(("\(key) null", Self.setting(full, [key], .null)))
        }
        let variants: [([String], JSONValue?)] = [
            (["report_id"], .number(7)), (["contact_allowed"], .string("true")), (["media_urls"], .array([.string("a"), .number(1)])),
            (["media_urls"], .string("a")), (["attributes"], .array([])), (["reporter"], .string("parent")), (["description"], .bool(true)),
            (["service_code"], .null), (["service_code"], nil), (["service_code"], .number(1)),
            (["location"], .null), (["location"], nil), (["location"], .string("here")), (["location"], .object([:])),
            (["location", "lat"], .string("35.7")), (["location", "lat"], .null), (["location", "district"], .number(6.5)),
            (["location", "district"], .number(6)), (["location", "district"], .number(-3)), (["location", "district"], .string("6")),
            (["location", "address"], .number(1)),
            (["contact"], .null), (["contact"], .object([:])), (["contact", "phone"], .number(5)), (["contact"], .string("me")),
            (["reporter", "notify"], .string("no")), (["reporter", "notify"], .null), (["reporter", "notify"], .bool(true)),
            (["reporter", "age_band"], .number(7)), (["reporter", "type"], .null),
        ]
        for (path, member) in variants {
            cases.append(("\(path.joined(separator: ".")) = \(member.map { "\($0)" } ?? "absent")", Self.setting(full, path, member)))
        }
        cases.append(("data an array", .array([full])))
        cases.append(("data a string", .string("report")))
        var accepted = 0
        for (name, data) in cases {
            var carrying = event
            carrying.data = data
            let decodable = try? carrying.payload(as: ReportReceivedData.self)
            #expect(ReportReceivedData(json: data) == decodable, "\(name)")
            if decodable != nil { accepted += 1 }
        }
        #expect(accepted >= 10 && accepted < cases.count, "the table tries both kinds: \(accepted) of \(cases.count) decodable")
    }

    /// `value` changed by `change`.
    private func with<T>(_ value: T, _ change: (inout T) -> Void) -> T {
        var value = value
        change(&value)
        return value
    }

    @Test("the hand-written report.classified is byte for byte what CloudEvent(payload: ReportClassifiedData(…)).encoded() writes")
    func handWrittenEventMatchesCloudEvent() throws {
        let full = ReportReceivedData(
            reportID: UUID().uuidString.lowercased(), trackingCode: "1370000042", channel: "137-phone",
            description: "a \"quoted\" swing / slide,\ta back\\slash, a new\nline, a \u{1} and تاب شکسته 🛝",
            serviceCode: "GREEN",
            attributes: ["count": .number(3), "ratio": .number(0.25), "z": .bool(true), "a": .null, "nested": .object(["b": .array([.string("x/y"), .number(-1.5)])])],
            location: ReportLocation(lat: 35.6892, long: 51.389, address: "خیابان ولیعصر، کوچه ۳", district: 12),
            reporter: ReporterProfile(type: "child", language: "fa", ageBand: "6-11", notify: false),
            contact: ReporterContact(name: "مریم", phone: "+989121234567", email: "m@example.org"), contactAllowed: true,
            mediaURLs: ["https://example.org/a/b.jpg", "https://example.org/c?d=e&f=g"], receivedAt: CloudEvent.formatTime(Date()))
        let bare = ReportReceivedData(
            reportID: UUID().uuidString.lowercased(), trackingCode: "1370000043", channel: "web", description: "چراغ خاموشه",
            serviceCode: nil, attributes: [:], location: nil, reporter: ReporterProfile(), contact: nil, contactAllowed: false,
            mediaURLs: [], receivedAt: CloudEvent.formatTime(Date()))
        let decided = ReportClassification(
            serviceCode: "CFC-PLAY", channelServiceCode: "GREEN", childFriendly: true, priority: "P0", confidence: 0.8312345678901234,
            evidence: ["danger rule \"شکسته\"", "term: تاب"], triage: true, triageReason: "confident disagreement with GREEN",
            modelVersion: "lr-ngram-1.abc")
        let unsure = ReportClassification(
            serviceCode: "OTHER", channelServiceCode: nil, childFriendly: false, priority: "P2", confidence: 1,
            evidence: [], triage: false, triageReason: nil, modelVersion: "lr-ngram-1.abc")
        let cases: [(ReportReceivedData, ReportClassification, String?, String?)] = [
            (full, decided, "journey-1", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"),
            (bare, unsure, nil, nil), (full, unsure, "journey-2", nil), (bare, decided, nil, "00-trace"),
            (with(bare) { $0.reporter = ReporterProfile(language: "en", notify: true) }, decided, "journey-3", nil),
        ]
        for (report, classification, correlationID, traceparent) in cases {
            let written = EncodedEvent(
                source: ServiceName.classifier.eventSource, type: EventType.reportClassified, time: Date(), subject: report.reportID,
                data: ReportClassifiedData(report: report, classification: classification),
                correlationID: correlationID, traceparent: traceparent)
            var expected = try CloudEvent(
                source: ServiceName.classifier.eventSource, type: EventType.reportClassified, subject: report.reportID,
                payload: ReportClassifiedData(report: report, classification: classification), correlationID: correlationID,
                traceparent: traceparent)
            expected.id = written.id
            expected.time = written.time
            let bytes = try written.encoded()
            #expect(String(decoding: bytes, as: UTF8.self) == String(decoding: try expected.encoded(), as: UTF8.self))
            #expect(try CloudEvent.decode(bytes) == expected)
        }
    }
}
