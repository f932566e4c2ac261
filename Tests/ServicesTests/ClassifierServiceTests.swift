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
    func withClassifier(_ body: @Sendable () async throws -> Void) async throws {
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
    func observer(_ name: String, exchange: String, routingKey: String) -> (queue: String, topology: Topology) {
        let queue = TestEnvironment.uniqueName("q_\(name)")
        return (queue, Topology(
            exchanges: Open137Topology.exchanges,
            queues: [QueueDefinition(name: queue, arguments: ["x-expires": .int(120_000)])],
            bindings: [BindingDefinition(exchange: exchange, queue: queue, routingKey: routingKey)]
        ))
    }

    /// The first delivery on `consumer` that `matches`, acking everything seen.
    func first(_ consumer: AMQPConsumer, _ what: String, timeout: Duration = .seconds(30), matching matches: @escaping @Sendable (AMQPDelivery) -> Bool) async throws -> AMQPDelivery {
        try await withTimeout(timeout, what) {
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                if matches(delivery) { return delivery }
            }
            throw TimedOut(what: what)
        }
    }

    /// A `report.received` event as intake emits it.
    func received(_ description: String, channelCode: String?) throws -> (event: CloudEvent, reportID: String) {
        let reportID = UUID().uuidString.lowercased()
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: "1370000017", channel: "web", description: description, serviceCode: channelCode,
            attributes: [:], location: ReportLocation(lat: 35.7, long: 51.4, district: 6),
            reporter: ReporterProfile(type: "parent", language: "fa"), contact: nil, contactAllowed: false, mediaURLs: [],
            receivedAt: CloudEvent.formatTime(Date()))
        let event = try CloudEvent(source: ServiceName.intake.eventSource, type: EventType.reportReceived, subject: reportID, payload: report, correlationID: "journey-\(reportID)")
        return (event, reportID)
    }

    func publish(_ publisher: AMQPPublisher, body: [UInt8], id: String, routingKey: String = EventType.reportReceived) async throws {
        try await publisher.publish(OutgoingMessage(
            exchange: Open137Topology.eventsExchange, routingKey: routingKey, body: body, messageID: id
        ))
    }

    /// Rows of `classifier.classifications` for `reportID`.
    func storedClassifications(_ reportID: String) async throws -> [(serviceCode: String, eventID: String)] {
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
    func withDatabase<T: Sendable>(schema: String? = nil, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
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
    func count(_ query: PostgresQuery, client: PostgresClient) async throws -> Int {
        for try await value in try await client.query(query, logger: TestEnvironment.logger("classifier-tests")).decode(Int64.self) { return Int(value) }
        throw TimedOut(what: "a row from \(query.sql)")
    }

    /// Collects deliveries on `consumer` (acking each) until `done` says the collection is complete.
    func collect(
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
    static func subjects(_ deliveries: [AMQPDelivery]) -> [String] {
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

}
