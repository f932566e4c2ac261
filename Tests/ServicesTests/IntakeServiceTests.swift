import BrokerTopology
import Contracts
import JSON
import ServiceHosting
import Stages
import Foundation
import IntakeService
import Messaging
import ReporterSecret
import ServiceLifecycle
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The whole intake service, as deployed: HTTP on `INTAKE_PORT`, the AMQP channels, the outbox relay.
/// A report goes in over HTTP or AMQP and comes out as a `report.received` event on the broker.
@Suite("Intake service end to end", .serialized, .timeLimit(.minutes(3)))
struct IntakeServiceTests {
    static let apiKey = "intake-service-test-key-0123456789"

    /// Runs the intake service on free ports until `body` returns.
    private func withIntake(_ body: @Sendable (_ baseURL: String) async throws -> Void) async throws {
        let opsPort = try freePort()
        let intakePort = try freePort()
        let intake = try #require(ServiceUnderTest.all.first { $0.name == "intake" })
        let group = try intake.build([
            "AMQP_URL": try TestEnvironment.amqpURL(),
            "DATABASE_URL": try TestEnvironment.databaseURL(),
            "OPS_PORT": String(opsPort),
            "INTAKE_PORT": String(intakePort),
            "OPEN137_API_KEY": Self.apiKey,
            "OPEN137_REOPEN_KEY": TestEnvironment.reopenKey,
        ])
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await withTimeout(.seconds(60), "intake to report ready") {
            while true {
                if let (status, _) = try? await httpGet("http://127.0.0.1:\(opsPort)/ready"), status == 200 { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await body("http://127.0.0.1:\(intakePort)")
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "intake to shut down") { try await running.value }
    }

    /// A private, self-expiring queue bound to `exchange` with `routingKey`.
    private func observer(_ name: String, exchange: String, routingKey: String) -> (queue: String, topology: Topology) {
        let queue = TestEnvironment.uniqueName("q_\(name)")
        return (queue, Topology(
            exchanges: Open137Topology.exchanges,
            queues: [QueueDefinition(name: queue, arguments: ["x-expires": .int(120_000)])],
            bindings: exchange.isEmpty ? [] : [BindingDefinition(exchange: exchange, queue: queue, routingKey: routingKey)]
        ))
    }

    /// The first delivery on `consumer` that `matches`, acking everything seen.
    private func first(_ consumer: AMQPConsumer, _ what: String, matching matches: @escaping @Sendable (AMQPDelivery) -> Bool) async throws -> AMQPDelivery {
        try await withTimeout(.seconds(30), what) {
            for await delivery in consumer.deliveries {
                try await delivery.ack()
                if matches(delivery) { return delivery }
            }
            throw TimedOut(what: what)
        }
    }

    @Test("a report POSTed over HTTP is relayed as report.received, valid against the AsyncAPI contract")
    func httpReportIsRelayed() async throws {
        let events = observer("received", exchange: Open137Topology.eventsExchange, routingKey: EventType.reportReceived)
        let consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "observer"), queue: events.queue, topology: events.topology, logger: TestEnvironment.logger("observer"))
        try await consumer.waitUntilConnected()
        try await withIntake { baseURL in
            var request = URLRequest(url: URL(string: "\(baseURL)/api/v1/reports")!)
            request.httpMethod = "POST"
            request.setValue("Bearer \(Self.apiKey)", forHTTPHeaderField: "Authorization")
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(#"{"channel":"web","description":"چراغ پارک خاموش است","location":{"address":"پارک لاله","district":6}}"#.utf8)
            let (data, response) = try await URLSession.shared.data(for: request)
            #expect((response as? HTTPURLResponse)?.statusCode == 201)
            let receipt = try JSONDecoder().decode(JSONValue.self, from: data)
            let reportID = try #require(receipt["report_id"]?.stringValue)

            let delivery = try await first(consumer, "report.received of \(reportID)") { delivery in
                (try? CloudEvent.decode(delivery.body))?.subject == reportID
            }
            let contract = try AsyncAPIDocument.loadContract()
            #expect(contract.validate(eventBody: delivery.body).isEmpty, "\(contract.validate(eventBody: delivery.body))")
            let received = try CloudEvent.decode(delivery.body).payload(as: ReportReceivedData.self)
            #expect(received.trackingCode == receipt["tracking_code"]?.stringValue)
            #expect(received.location?.district == 6)

            let track = try await httpGet("\(baseURL)/api/v1/track/\(received.trackingCode)")
            #expect(track.status == 200)
        }
        await consumer.stop()
    }

    @Test("an AMQP submission gets a reply with its tracking code; its redelivery is the same report; an invalid one is rejected to intake.rejected with the reason, body intact")
    func amqpSubmissions() async throws {
        let replies = observer("replies", exchange: "", routingKey: "")
        let rejected = observer("rejected", exchange: Open137Topology.deadLetterExchange, routingKey: Open137Topology.intakeRejectedQueue)
        let logger = TestEnvironment.logger("channel")
        let replyConsumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "replies"), queue: replies.queue, topology: replies.topology, logger: logger)
        let rejectedConsumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "rejected"), queue: rejected.queue, topology: rejected.topology, logger: logger)
        try await replyConsumer.waitUntilConnected()
        try await rejectedConsumer.waitUntilConnected()
        let channel = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "channel"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)

        try await withIntake { _ in
            let valid = Array(#"{"description":"kart bilit daneshamouzi pesaram kar nemikone","location":{"lat":35.7,"long":51.4}}"#.utf8)
            let messageID = UUID().uuidString.lowercased()
            func submit(_ body: [UInt8], id: String, correlation: String) async throws {
                try await channel.publish(OutgoingMessage(
                    exchange: Open137Topology.intakeExchange, routingKey: "intake.sms", body: body, messageID: id,
                    contentType: "application/json", correlationID: correlation, replyTo: replies.queue
                ))
            }
            try await submit(valid, id: messageID, correlation: "first")
            let first = try await first(replyConsumer, "the reply to the first submission") { $0.correlationID == "first" }
            let firstReply = try JSONDecoder().decode(JSONValue.self, from: Data(first.body))
            #expect(firstReply["status"]?.stringValue == "accepted")
            let code = try #require(firstReply["tracking_code"]?.stringValue)
            // The reporter's reopen secret travels in the reply, as in the HTTP receipts.
            let reportID = try #require(firstReply["report_id"]?.stringValue)
            #expect(firstReply["reopen_secret"]?.stringValue == ReopenSecret(key: TestEnvironment.reopenKey)?.secret(forReport: reportID))

            // The channel resends the same message (same id): the same report, not a second one.
            try await submit(valid, id: messageID, correlation: "again")
            let again = try await self.first(replyConsumer, "the reply to the resent submission") { $0.correlationID == "again" }
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(again.body))["tracking_code"]?.stringValue == code)

            let invalid = Array(#"{"channel":"sms","location":{"lat":35.7,"long":51.4},"reporter":{"phone":"12"}}"#.utf8)
            let invalidID = UUID().uuidString.lowercased()
            try await submit(invalid, id: invalidID, correlation: "bad")
            let refusal = try await self.first(replyConsumer, "the reply to the invalid submission") { $0.correlationID == "bad" }
            let refusalBody = try JSONDecoder().decode(JSONValue.self, from: Data(refusal.body))
            #expect(refusalBody["status"]?.stringValue == "rejected")
            let fields = refusalBody["error"]?["fields"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
            #expect(Set(fields) == ["description", "reporter.phone"])

            let dead = try await self.first(rejectedConsumer, "the invalid submission in intake.rejected") { $0.messageID == invalidID }
            #expect(dead.body == invalid)
            #expect(dead.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "invalid-submission")
            #expect(dead.headers[AMQPDelivery.reasonHeader]?.stringValue?.contains("reporter.phone") == true)

            // Not JSON at all: rejected too, never dropped.
            let garbageID = UUID().uuidString.lowercased()
            try await submit(Array("<<not json>>".utf8), id: garbageID, correlation: "garbage")
            let garbage = try await self.first(rejectedConsumer, "the garbage in intake.rejected") { $0.messageID == garbageID }
            #expect(garbage.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "malformed-json")

            // A body naming another channel than its routing key: rejected, not filed under either.
            let mismatchID = UUID().uuidString.lowercased()
            try await submit(Array(#"{"channel":"web","description":"چاله","location":{"lat":35.7,"long":51.4}}"#.utf8), id: mismatchID, correlation: "mismatch")
            let mismatch = try await self.first(rejectedConsumer, "the mismatched channel in intake.rejected") { $0.messageID == mismatchID }
            #expect(mismatch.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "channel-mismatch")

            // A submission back from intake.submissions.retry (as DeliveryWorker sends it after a transient
            // failure: default exchange, the queue's name as routing key, the channel's key in a header) is
            // still the sms channel's — the chaos run found such retries rejected as channel "submissions".
            let retriedID = UUID().uuidString.lowercased()
            try await channel.publish(OutgoingMessage(
                exchange: "", routingKey: "intake.submissions", body: valid, messageID: retriedID,
                contentType: "application/json", correlationID: "retried", replyTo: replies.queue,
                headers: [DeliveryWorker.routingKeyHeader: .string("intake.sms"), DeliveryWorker.attemptsHeader: .int(1)]
            ))
            let retried = try await self.first(replyConsumer, "the reply to the retried submission") { $0.correlationID == "retried" }
            #expect(try JSONDecoder().decode(JSONValue.self, from: Data(retried.body))["status"]?.stringValue == "accepted")

            // The first message's id again with another body: a conflict, not a second report.
            try await submit(Array(#"{"description":"another report","location":{"lat":35.7,"long":51.4}}"#.utf8), id: messageID, correlation: "conflict")
            let conflict = try await self.first(rejectedConsumer, "the conflicting resend in intake.rejected") { $0.messageID == messageID }
            #expect(conflict.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "idempotency-conflict")
        }
        await replyConsumer.stop()
        await rejectedConsumer.stop()
        await channel.close()
    }
}
