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

    /// `event` as if it happened at `time` (the read model orders a report's events by their time).
    private func timed(_ time: Date, _ event: CloudEvent) -> CloudEvent {
        var event = event
        event.time = CloudEvent.formatTime(time)
        return event
    }

    /// POSTs a report over HTTP; its id and tracking code.
    private func submit(_ baseURL: String, _ description: String) async throws -> (id: String, code: String) {
        var request = URLRequest(url: URL(string: "\(baseURL)/api/v1/reports")!)
        request.httpMethod = "POST"
        request.setValue("Bearer \(Self.apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(#"{"channel":"web","description":"\#(description)","location":{"lat":35.7,"long":51.4}}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        #expect((response as? HTTPURLResponse)?.statusCode == 201)
        let receipt = try JSONDecoder().decode(JSONValue.self, from: data)
        return (try #require(receipt["report_id"]?.stringValue), try #require(receipt["tracking_code"]?.stringValue))
    }

    /// The public tracking JSON of `code` once `condition` holds (the read model consumes asynchronously).
    private func tracking(_ baseURL: String, _ code: String, _ what: String, until condition: @escaping @Sendable (JSONValue) -> Bool) async throws -> JSONValue {
        try await withTimeout(.seconds(30), what) {
            while true {
                let (status, body) = try await httpGet("\(baseURL)/api/v1/track/\(code)")
                if status == 200, let json = try? JSONValue.parse(Array(body.utf8)), condition(json) { return json }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    @Test("report.linked, a status change of the linked report, report.unlinked: the read model, the track page in both languages, Open311 requests and the updates feed; a malformed report.linked is dead-lettered with the reason")
    func linkedReports() async throws {
        let logger = TestEnvironment.logger("links")
        let dead = observer("read_model_dead", exchange: Open137Topology.deadLetterExchange, routingKey: "intake.events")
        let deadConsumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: "dead"), queue: dead.queue, topology: dead.topology, logger: logger)
        try await deadConsumer.waitUntilConnected()
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "router"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        @Sendable func publish(_ event: CloudEvent) async throws {
            try await publisher.publish(OutgoingMessage(exchange: Open137Topology.eventsExchange, routingKey: event.type, body: try event.encoded(), messageID: event.id))
        }

        try await withIntake { baseURL in
            let canary = "Canarycase \(UUID().uuidString.prefix(6))"
            let parent = try await submit(baseURL, "تاب پارک لاله شکسته است \(canary)")
            let child = try await submit(baseURL, "تاب پارک لاله خراب است")
            let start = Date()
            try await publish(CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportRouted, time: start, subject: parent.id, data: [
                "report_id": .string(parent.id), "unit": "parks", "deadline": "2026-12-01T08:00:00Z",
            ]))
            try await publish(timed(start + 1, try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportLinked, subject: child.id, payload: ReportLinkedData(
                reportID: child.id, trackingCode: child.code, parentReportID: parent.id, parentTrackingCode: parent.code, unit: "parks",
                serviceCode: "CFC-PLAY", childFriendly: true, district: "06", status: "acknowledged", deadline: "2026-12-01T08:00:00Z",
                similarity: 0.62, distanceMetres: 12, receivedAt: CloudEvent.formatTime(start), at: CloudEvent.formatTime(start + 1)))))
            // Both conditions: tracking reads the row and its history in two statements, so a poll between the
            // two may see the history ahead of the row.
            let linked = try await tracking(baseURL, child.code, "the link in the read model") {
                $0["status"]?.stringValue == "acknowledged" && $0["history"]?.arrayValue?.contains { $0["status"]?.stringValue == "linked" } == true
            }
            #expect(linked["status"]?.stringValue == "acknowledged")
            #expect(linked["unit"]?.stringValue == "parks")
            #expect(linked["deadline"]?.stringValue == "2026-12-01T08:00:00Z")

            // The case moves; the router tells the linked report too, with its own id.
            try await publish(CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportStatusChanged, time: start + 2, subject: child.id, data: [
                "report_id": .string(child.id), "unit": "parks", "status": "in_progress", "note": "قطعه سفارش داده شد",
            ]))
            let following = try await tracking(baseURL, child.code, "the case's status on the linked report") { $0["status"]?.stringValue == "in_progress" }
            #expect(following["history"]?.arrayValue?.compactMap { $0["status"]?.stringValue }.suffix(2) == ["linked", "in_progress"])

            // The track page: it joined a case about the same hazard, of 2 reports; nothing of the other report.
            let english = try await httpGet("\(baseURL)/track/\(child.code)?lang=en").body
            #expect(english.contains("This report joined a case already open about the same hazard; that case has 2 reports."))
            #expect(english.contains("Joined a case already open about the same hazard"))
            #expect(english.contains("In progress"))
            let persian = try await httpGet("\(baseURL)/track/\(child.code)?lang=fa").body
            #expect(persian.contains("آن پرونده ۲ گزارش دارد"))
            for page in [english, persian] {
                #expect(!page.contains(parent.code) && !page.contains(canary) && !page.contains("تاب پارک لاله شکسته"), "the case's report leaked")
            }
            let casePage = try await httpGet("\(baseURL)/track/\(parent.code)?lang=en").body
            #expect(casePage.contains("This case has 2 reports about the same hazard."))
            #expect(!casePage.contains(child.code))

            // Open311 GET requests: the linked report as an ordinary open request.
            let (requestsStatus, requestsBody) = try await httpGet("\(baseURL)/open311/v2/requests.json?service_request_id=\(child.code)")
            #expect(requestsStatus == 200)
            let request = try JSONValue.parse(Array(requestsBody.utf8)).arrayValue?.first
            #expect(request?["status"]?.stringValue == "open")
            #expect(request?["service_request_id"]?.stringValue == child.code)

            // The split: a case of its own again, assigned, its own deadline, the link gone.
            try await publish(timed(start + 3, try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportUnlinked, subject: child.id, payload: ReportUnlinkedData(
                reportID: child.id, parentReportID: parent.id, unit: "parks", reason: "تاب دیگری است، آن سر پارک",
                deadline: "2026-12-03T08:00:00Z", at: CloudEvent.formatTime(start + 3)))))
            let split = try await tracking(baseURL, child.code, "the split in the read model") {
                $0["status"]?.stringValue == "assigned" && $0["history"]?.arrayValue?.contains { $0["status"]?.stringValue == "unlinked" } == true
            }
            #expect(split["status"]?.stringValue == "assigned")
            #expect(split["deadline"]?.stringValue == "2026-12-03T08:00:00Z")
            #expect(split["status_notes"]?.stringValue == "تاب دیگری است، آن سر پارک")
            let afterSplit = try await httpGet("\(baseURL)/track/\(child.code)?lang=en").body
            #expect(!afterSplit.contains("joined a case already open") && afterSplit.contains("Split off: now a case of its own"))
            #expect(!(try await httpGet("\(baseURL)/track/\(parent.code)?lang=en").body.contains("reports about the same hazard")))

            // The updates feed: the link as the case's status in FixMyStreet's words, the split as OPEN,
            // no description on either (the case is another report).
            // The events are dated a few seconds ahead of now: ask for a window around them.
            let w3c = ISO8601DateFormatter()
            let window = "start_date=\(w3c.string(from: start - 60))&end_date=\(w3c.string(from: start + 60))"
            let (feedStatus, feedBody) = try await httpGet("\(baseURL)/open311/v2/servicerequestupdates.json?\(window)")
            #expect(feedStatus == 200)
            let ours = (try JSONValue.parse(Array(feedBody.utf8)).arrayValue ?? []).filter { $0["service_request_id"]?.stringValue == child.code }
            #expect(ours.map { $0["status"]?.stringValue ?? "-" } == ["INVESTIGATING", "IN_PROGRESS", "OPEN"])
            #expect(ours.first?["description"] == .null && ours.last?["description"] == .null)

            // A report.linked without its case: dead-lettered with the reason, the report unchanged.
            var malformed = timed(start + 4, try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportLinked, subject: child.id, payload: ReportLinkedData(
                reportID: child.id, trackingCode: child.code, parentReportID: parent.id, parentTrackingCode: parent.code, unit: "parks",
                serviceCode: "CFC-PLAY", childFriendly: true, district: "06", status: "acknowledged", deadline: "2026-12-01T08:00:00Z",
                similarity: 0.62, distanceMetres: 12, receivedAt: CloudEvent.formatTime(start), at: CloudEvent.formatTime(start + 4))))
            if case .object(var data) = malformed.data { data.removeValue(forKey: "parent_report_id"); malformed.data = .object(data) }
            try await publish(malformed)
            let malformedID = malformed.id
            let deadLetter = try await first(deadConsumer, "the malformed report.linked in intake.events.dlq") { $0.messageID == malformedID }
            #expect(deadLetter.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "invalid-payload")
            #expect(deadLetter.headers[AMQPDelivery.reasonHeader]?.stringValue?.contains("report.linked") == true)
            let unchanged = try await tracking(baseURL, child.code, "the report after the refused link") { _ in true }
            #expect(unchanged["status"]?.stringValue == "assigned")
        }
        await deadConsumer.stop()
        await publisher.close()
    }
}
