import BrokerTopology
import Contracts
import Foundation
import JSON
import Messaging
import NotifierService
import TestSupport
import Testing

/// `report.linked` and `report.unlinked` through the running notifier: the reporter's SMS in their
/// language, the linked report's later status change as today, the webhook copies without personal data,
/// and a malformed link dead-lettered with the reason.
extension NotifierServiceTests {
    @Test("report.linked → 'joins a case already open' SMS (English); its resolution as today; report.unlinked → 'a case of its own' with the deadline; webhooks carry no contact; a malformed link is dead-lettered")
    func linkedAndUnlinked() async throws {
        let phone = Self.phone("137")
        let logger = TestEnvironment.logger("links")
        let deadQueue = TestEnvironment.uniqueName("q_notifier_dead")
        let deadConsumer = AMQPConsumer(
            configuration: try TestEnvironment.amqpConfiguration(name: "dead"), queue: deadQueue,
            topology: Topology(
                exchanges: Open137Topology.exchanges,
                queues: [QueueDefinition(name: deadQueue, arguments: ["x-expires": .int(120_000)])],
                bindings: [BindingDefinition(exchange: Open137Topology.deadLetterExchange, queue: deadQueue, routingKey: NotifierStage.eventsQueue)]),
            logger: logger)
        try await deadConsumer.waitUntilConnected()
        try await withNotifier { servers, _ in
            let received = try received(phone: phone, email: nil, language: "en")
            let reportID = try #require(received.subject)
            try await publish(received)
            let linkData = ReportLinkedData(
                reportID: reportID, trackingCode: "1370000017", parentReportID: UUID().uuidString.lowercased(), parentTrackingCode: "5930284751",
                unit: "parks", serviceCode: "CFC-PLAY", childFriendly: true, district: "06", status: "acknowledged",
                deadline: "2025-03-24T08:30:00Z", similarity: 0.5, distanceMetres: 20, receivedAt: "2025-03-21T08:30:00Z", at: "2025-03-21T08:30:01Z")
            let linked = try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportLinked, subject: reportID, payload: linkData)
            try await publish(linked)
            try await eventually("the 'joins a case' SMS") {
                await !servers.recorder.requests(path: "/sms", containing: "joins a case already open about the same hazard").filter {
                    String(decoding: $0.body, as: UTF8.self).contains(phone)
                }.isEmpty
            }
            let linkSMS = await servers.recorder.requests(path: "/sms", containing: phone).map { String(decoding: $0.body, as: UTF8.self) }
            #expect(linkSMS.contains { $0.contains("Your report 1370000017 joins a case already open about the same hazard with Parks and Green Space Organization; you will hear as it moves.") })
            #expect(!linkSMS.contains { $0.contains("5930284751") }, "the case's tracking code is another reporter's")

            // The case is resolved; the router tells the linked report with its own id: the usual message.
            try await publish(CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportStatusChanged, subject: reportID, data: [
                "report_id": .string(reportID), "unit": "parks", "from_status": "acknowledged", "status": "resolved", "note": "Swing replaced",
                "at": "2025-03-22T08:00:00Z", "by": "parks",
            ]))
            try await eventually("the resolution SMS of the linked report") {
                await !servers.recorder.requests(path: "/sms", containing: "Swing replaced").filter { String(decoding: $0.body, as: UTF8.self).contains(phone) }.isEmpty
            }

            let unlinked = try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportUnlinked, subject: reportID, payload: ReportUnlinkedData(
                reportID: reportID, parentReportID: linkData.parentReportID, unit: "parks", reason: "another swing; ask the caretaker on 09121112233",
                deadline: "2025-03-25T08:30:00Z", at: "2025-03-21T09:00:00Z"))
            try await publish(unlinked)
            try await eventually("the 'case of its own' SMS") {
                await !servers.recorder.requests(path: "/sms", containing: "is now a case of its own").filter { String(decoding: $0.body, as: UTF8.self).contains(phone) }.isEmpty
            }
            let splitSMS = await servers.recorder.requests(path: "/sms", containing: "is now a case of its own").map { String(decoding: $0.body, as: UTF8.self) }
            #expect(splitSMS.contains { $0.contains("due by 25 March 2025, 12:00 (Tehran time)") })

            // Webhooks: the link byte for byte (nothing personal in it), the split's reason masked.
            try await eventually("both webhook copies") {
                let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" }
                return hooks.contains { $0.headers["open137-event-id"] == linked.id } && hooks.contains { $0.headers["open137-event-id"] == unlinked.id }
            }
            let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" && [linked.id, unlinked.id].contains($0.headers["open137-event-id"] ?? "") }
            for hook in hooks {
                let body = String(decoding: hook.body, as: UTF8.self)
                #expect(!body.contains(phone) && !body.contains("09121112233") && !body.contains(#""contact""#), "\(body)")
            }
            let linkHook = try #require(hooks.first { $0.headers["open137-event-id"] == linked.id })
            #expect(linkHook.body == (try linked.encoded()))

            // A link without its case: dead-lettered with the reason, nothing sent for it.
            var malformed = try CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportLinked, subject: reportID, payload: linkData)
            if case .object(var data) = malformed.data { data.removeValue(forKey: "parent_report_id"); malformed.data = .object(data) }
            try await publish(malformed)
            let malformedID = malformed.id
            let deadLetter = try await withTimeout(.seconds(30), "the malformed report.linked in notifier.events.dlq") {
                for await delivery in deadConsumer.deliveries {
                    try await delivery.ack()
                    if delivery.messageID == malformedID { return delivery }
                }
                throw TimedOut(what: "the malformed report.linked")
            }
            #expect(deadLetter.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "invalid-payload")
            #expect(deadLetter.headers[AMQPDelivery.reasonHeader]?.stringValue?.contains("report.linked") == true)
            let rows = try await notifications(reportID)
            #expect(rows.filter { $0.channel == "sms" }.count == 4, "received, linked, resolved, unlinked: \(rows)")
        }
        await deadConsumer.stop()
    }
}
