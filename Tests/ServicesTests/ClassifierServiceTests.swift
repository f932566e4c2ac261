import ClassifierService
import Events
import Foundation
import Messaging
import PostgresNIO
import ServiceLifecycle
import ServiceSupport
import TestSupport
import Testing

/// The whole classifier service, as deployed: `report.received` from the events exchange through
/// `classifier.reports`, the decision stored in `classifier.classifications`, `report.classified` out
/// through the outbox, once per event; poison dead-lettered with the reason.
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
        let dead = observer("classifier_dead", exchange: Open137Topology.deadLetterExchange, routingKey: ClassifierService.reportsQueue)
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
}
