import BrokerTopology
import Contracts
import Foundation
import JSON
import Messaging
import Persistence
import PostgresNIO
import RouterService
import ServiceHosting
import ServiceLifecycle
import Stages
import Testing
import TestSupport

/// The whole router service, as deployed, against the real broker and database: `report.classified` in
/// through `router.reports`, the delivery on `open137.units` (`<unit>.d<NN>`, the council's copy) and
/// `report.routed` out through the outbox; the units' status updates through `router.unit-updates` and
/// the state machine, refusals in `router.unit-updates.dlq` with the reason.
@Suite("Router service end to end", .serialized, .timeLimit(.minutes(4)))
struct RouterServiceTests {
    /// An observer queue: private, self-expiring, bound to `exchange` with `routingKey`, consumed.
    private struct Observer {
        let consumer: AMQPConsumer

        init(_ name: String, exchange: String, routingKey: String) async throws {
            let logger = TestEnvironment.logger("router-tests")
            let queue = TestEnvironment.uniqueName("q_\(name)")
            let topology = Topology(
                exchanges: Open137Topology.exchanges,
                queues: [QueueDefinition(name: queue, arguments: ["x-expires": .int(120_000)])],
                bindings: [BindingDefinition(exchange: exchange, queue: queue, routingKey: routingKey)])
            consumer = AMQPConsumer(configuration: try TestEnvironment.amqpConfiguration(name: name), queue: queue, topology: topology, logger: logger)
            try await consumer.waitUntilConnected()
        }

        /// The first delivery that `matches`, acking everything seen.
        func first(_ what: String, timeout: Duration = .seconds(30), matching matches: @escaping @Sendable (AMQPDelivery) -> Bool) async throws -> AMQPDelivery {
            try await withTimeout(timeout, what) {
                for await delivery in consumer.deliveries {
                    try await delivery.ack()
                    if matches(delivery) { return delivery }
                }
                throw TimedOut(what: what)
            }
        }

        /// Nothing that `matches` arrives within `wait`.
        func none(within wait: Duration, matching matches: @escaping @Sendable (AMQPDelivery) -> Bool) async -> Bool {
            (try? await first("nothing", timeout: wait, matching: matches)) == nil
        }
    }

    private static func event(_ delivery: AMQPDelivery) -> CloudEvent? { try? CloudEvent.decode(delivery.body) }

    /// Runs the router on a free ops port with the test district map until `body` returns.
    private func withRouter(linkDuplicates: Bool = false, _ body: @Sendable () async throws -> Void) async throws {
        let districts = FileManager.default.temporaryDirectory.appendingPathComponent("districts-\(UUID().uuidString).geojson")
        try Data(routerTestDistricts.utf8).write(to: districts)
        defer { try? FileManager.default.removeItem(at: districts) }
        let opsPort = try freePort()
        let router = try #require(ServiceUnderTest.all.first { $0.name == "router" })
        let group = try router.build([
            "AMQP_URL": try TestEnvironment.amqpURL(), "DATABASE_URL": try TestEnvironment.databaseURL(), "OPS_PORT": String(opsPort),
            "ROUTER_DISTRICTS_GEOJSON": districts.path, "ROUTER_UNKNOWN_REPORT_RETRIES": "1", "ROUTER_OUT_OF_ORDER_RETRIES": "3",
            // The other tests send one sample report many times at one point: linked, they would not be delivered.
            "ROUTER_LINK_DUPLICATES": linkDuplicates ? "true" : "false",
        ])
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await withTimeout(.seconds(90), "router to report ready") {
            while true {
                if let (status, _) = try? await httpGet("http://127.0.0.1:\(opsPort)/ready"), status == 200 { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await body()
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "router to shut down") { try await running.value }
    }

    /// A `report.classified` event as the classifier emits it.
    private static func classified(code: String, location: ReportLocation, contactAllowed: Bool) throws -> (CloudEvent, String) {
        try SampleEventData.classifiedEvent(code: code, location: location, contactAllowed: contactAllowed)
    }

    private static func update(_ publisher: AMQPPublisher, _ data: UnitStatusUpdateData, routingKey: String? = nil, id: String = UUID().uuidString, asEvent: Bool = false) async throws {
        let body: [UInt8]
        if asEvent {
            body = try CloudEvent(id: id, source: "/units/\(data.unit)", type: UnitStatusUpdateData.eventType, subject: data.reportID,
                                  data: JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(data))).encoded()
        } else {
            body = Array(try JSONEncoder().encode(data))
        }
        try await publisher.publish(OutgoingMessage(
            exchange: Open137Topology.unitUpdatesExchange, routingKey: routingKey ?? "\(data.unit).status", body: body, messageID: id))
    }

    @Test("routing, deliveries, the council copy, status updates, wrong unit, illegal transition, duplicates, referral chain, reopen, out-of-order and unknown reports")
    func routesAndAppliesUpdates() async throws {
        let logger = TestEnvironment.logger("router-tests")
        let parks = try await Observer("parks", exchange: Open137Topology.unitsExchange, routingKey: "parks.#")
        let district5 = try await Observer("d05", exchange: Open137Topology.unitsExchange, routingKey: "*.d05")
        let council = try await Observer("council", exchange: Open137Topology.unitsExchange, routingKey: Open137Topology.councilQueue)
        let social = try await Observer("social", exchange: Open137Topology.unitsExchange, routingKey: "social-affairs.#")
        let traffic = try await Observer("traffic", exchange: Open137Topology.unitsExchange, routingKey: "traffic.#")
        let events = try await Observer("events", exchange: Open137Topology.eventsExchange, routingKey: "report.#")
        let dead = try await Observer("dead", exchange: Open137Topology.deadLetterExchange, routingKey: RouterStage.unitUpdatesQueue)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "router-test-publisher"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        let contract = try AsyncAPIDocument.loadContract()

        try await withRouter {
            // A child report at a point of district 5, contact given but not allowed.
            let (event, reportID) = try Self.classified(code: "CFC-PLAY", location: ReportLocation(lat: 35.2, long: 51.2), contactAllowed: false)
            try await publisher.publish(try event.message(exchange: Open137Topology.eventsExchange))

            let toParks = try await parks.first("the delivery to parks") { Self.event($0)?.subject == reportID }
            #expect(toParks.routingKey == "parks.d05")
            #expect(contract.validate(eventBody: toParks.body, messageName: "UnitDelivery").isEmpty, "\(contract.validate(eventBody: toParks.body, messageName: "UnitDelivery"))")
            let delivered = try #require(Self.event(toParks))
            #expect(delivered.type == EventType.reportAssigned)
            #expect(delivered.id == "\(reportID).a1")
            #expect(toParks.messageID == delivered.id)
            let assigned = try delivered.payload(as: ReportAssignedData.self)
            #expect(assigned.unit == "parks" && assigned.district == "05" && assigned.childFriendly && assigned.assignment == 1)
            #expect(assigned.contact == nil, "contact travels only when allowed")
            #expect(assigned.description == "تاب پارک شکسته" && assigned.attributes["park_name"] == "پارک لاله")
            let deadline = try #require(CloudEvent.parseTime(assigned.deadline))
            let received = try #require(CloudEvent.parseTime(assigned.receivedAt))
            #expect(abs(deadline.timeIntervalSince(received) - 72 * 3600) < 0.01)

            let copy = try await council.first("the council's copy") { Self.event($0)?.subject == reportID }
            #expect(copy.routingKey == Open137Topology.councilQueue)
            #expect(copy.messageID == delivered.id && copy.body == toParks.body)
            // A district office bound to *.d05 gets the delivery once, never the council's copy.
            let office = try await district5.first("the district office's copy") { Self.event($0)?.subject == reportID }
            #expect(office.routingKey == "parks.d05")
            #expect(await district5.none(within: .seconds(1)) { Self.event($0)?.subject == reportID })

            let routed = try await events.first("report.routed") { Self.event($0)?.type == EventType.reportRouted && Self.event($0)?.subject == reportID }
            #expect(contract.validate(eventBody: routed.body).isEmpty, "\(contract.validate(eventBody: routed.body))")
            let routedData = try #require(Self.event(routed)).payload(as: ReportRoutedData.self)
            #expect(routedData.unit == "parks" && routedData.district == "05" && routedData.deadline == assigned.deadline)
            #expect(routedData.reporterType == "parent" && routedData.channel == "web" && !routedData.triage)
            #expect(Self.event(routed)?.correlationid == "journey-\(reportID)")

            // The same classified event again routes nothing new.
            try await publisher.publish(try event.message(exchange: Open137Topology.eventsExchange))

            func changed(_ status: String) async throws -> ReportStatusChangedData {
                let delivery = try await events.first("status \(status)") { d in
                    let e = Self.event(d)
                    return e?.type == EventType.reportStatusChanged && e?.subject == reportID && e?.data["status"]?.stringValue == status
                }
                #expect(contract.validate(eventBody: delivery.body).isEmpty, "\(contract.validate(eventBody: delivery.body))")
                return try #require(Self.event(delivery)).payload(as: ReportStatusChangedData.self)
            }
            func deadLettered(_ id: String) async throws -> String? {
                let delivery = try await dead.first("dead letter \(id)") { $0.messageID == id }
                return delivery.headers[AMQPDelivery.reasonCodeHeader]?.stringValue
            }

            // acknowledged (bare JSON), then the same id again, then in_progress as a CloudEvent.
            let ackID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "acknowledged", note: "seen"), id: ackID)
            let ack = try await changed("acknowledged")
            #expect(ack.fromStatus == "assigned" && ack.unit == "parks" && ack.note == "seen" && ack.by == "parks")
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "acknowledged", note: "seen"), id: ackID)
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "in_progress"), asEvent: true)
            let next = try await events.first("the status after the duplicate") { d in
                Self.event(d)?.type == EventType.reportStatusChanged && Self.event(d)?.subject == reportID
            }
            #expect(Self.event(next)?.data["status"]?.stringValue == "in_progress", "the duplicate was applied twice")

            // Another unit, a routing key that disagrees with the body, an illegal transition.
            let wrongID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "roads", status: "resolved"), id: wrongID)
            #expect(try await deadLettered(wrongID) == "wrong-unit")
            let spoofID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "resolved"), routingKey: "roads.status", id: spoofID)
            #expect(try await deadLettered(spoofID) == "wrong-unit")
            let illegalID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "acknowledged"), id: illegalID)
            #expect(try await deadLettered(illegalID) == "illegal-transition")

            // Referral chain: parks → social-affairs → traffic, each a new delivery with a new deadline.
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "referred", note: "a kindergarten yard", referredTo: "social-affairs"))
            let first = try await events.first("the first referral") { Self.event($0)?.type == EventType.reportReassigned && Self.event($0)?.subject == reportID }
            #expect(contract.validate(eventBody: first.body).isEmpty, "\(contract.validate(eventBody: first.body))")
            let firstData = try #require(Self.event(first)).payload(as: ReportReassignedData.self)
            #expect(firstData.fromUnit == "parks" && firstData.unit == "social-affairs" && firstData.referralCount == 1 && firstData.note == "a kindergarten yard")
            let toSocial = try await social.first("the delivery to social-affairs") { Self.event($0)?.subject == reportID }
            #expect(toSocial.routingKey == "social-affairs.d05" && Self.event(toSocial)?.id == "\(reportID).a2")
            #expect(Self.event(toSocial)?.data["deadline"]?.stringValue == firstData.deadline)
            _ = try await council.first("the council's copy of the referral") { Self.event($0)?.id == "\(reportID).a2" }
            // The old unit can no longer move it.
            let staleID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: "resolved"), id: staleID)
            #expect(try await deadLettered(staleID) == "wrong-unit")

            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "social-affairs", status: "referred", referredTo: "traffic"))
            let second = try await events.first("the second referral") { Self.event($0)?.type == EventType.reportReassigned && Self.event($0)?.subject == reportID }
            let secondData = try #require(Self.event(second)).payload(as: ReportReassignedData.self)
            #expect(secondData.fromUnit == "social-affairs" && secondData.unit == "traffic" && secondData.referralCount == 2)
            _ = try await traffic.first("the delivery to traffic") { Self.event($0)?.id == "\(reportID).a3" }

            for status in ["acknowledged", "in_progress", "resolved"] {
                try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "traffic", status: status))
                #expect(try await changed(status).unit == "traffic")
            }
            // A unit cannot reopen; the council can, and the report goes back to traffic with a new delivery.
            let unitReopenID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "traffic", status: "reopened"), id: unitReopenID)
            #expect(try await deadLettered(unitReopenID) == "wrong-unit")
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "council", status: "reopened", note: "still broken"))
            let reopened = try await changed("reopened")
            #expect(reopened.fromStatus == "resolved" && reopened.unit == "traffic" && reopened.by == "council")
            let again = try await traffic.first("the delivery after reopening") { Self.event($0)?.id == "\(reportID).a4" }
            #expect(again.routingKey == "traffic.d05")
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "traffic", status: "acknowledged"))
            #expect(try await changed("acknowledged").fromStatus == "reopened")

            // The reporter (intake publishes for them on reporter.status) reopens a resolved report too, and may do nothing else.
            let reporterAckID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "reporter", status: "resolved"), id: reporterAckID)
            #expect(try await deadLettered(reporterAckID) == "wrong-unit")
            for status in ["in_progress", "resolved"] {
                try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "traffic", status: status))
                _ = try await changed(status)
            }
            let reporterReopenID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "reporter", status: "reopened", note: "هنوز خراب است"),
                                  id: reporterReopenID, asEvent: true)
            let byReporter = try await changed("reopened")
            #expect(byReporter.fromStatus == "resolved" && byReporter.unit == "traffic" && byReporter.by == "reporter" && byReporter.note == "هنوز خراب است")
            _ = try await traffic.first("the delivery after the reporter's reopening") { Self.event($0)?.id == "\(reportID).a5" }
            // The same reopen request again is applied once; a second one on a reopened report is illegal.
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "reporter", status: "reopened"), id: reporterReopenID, asEvent: true)
            let secondReopenID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "reporter", status: "reopened"), id: secondReopenID)
            #expect(try await deadLettered(secondReopenID) == "illegal-transition")

            // Out of order: the update comes before its report's assignment; it is retried, then applied.
            let (late, lateID) = try Self.classified(code: "ROAD", location: ReportLocation(district: 14), contactAllowed: true)
            try await Self.update(publisher, UnitStatusUpdateData(reportID: lateID, unit: "roads", status: "acknowledged"))
            try await Task.sleep(for: .milliseconds(500))
            try await publisher.publish(try late.message(exchange: Open137Topology.eventsExchange))
            let lateAck = try await events.first("the early update, applied", timeout: .seconds(40)) { d in
                Self.event(d)?.type == EventType.reportStatusChanged && Self.event(d)?.subject == lateID
            }
            #expect(Self.event(lateAck)?.data["status"]?.stringValue == "acknowledged")

            // A report nobody routed: retried once, then dead-lettered as unknown.
            let unknownID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: UUID().uuidString.lowercased(), unit: "roads", status: "acknowledged"), id: unknownID)
            let unknown = try await dead.first("the unknown report's update", timeout: .seconds(40)) { $0.messageID == unknownID }
            #expect(unknown.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "unknown-report")

            // The redelivered classified event produced no second routing.
            #expect(await events.none(within: .seconds(1)) { Self.event($0)?.type == EventType.reportRouted && Self.event($0)?.subject == reportID })
        }
        for observer in [parks, district5, council, social, traffic, events, dead] { await observer.consumer.stop() }
        await publisher.close()
    }

    @Test("one hazard, one case: a paraphrase near an open case joins it (report.linked, the unit's copy with the description, no delivery); far away, another code or a closed case do not; the linked report follows the case's status and a referral; a unit's update naming it is refused; the unit splits a wrong link and it becomes a case of its own")
    func linksDuplicatesToOneCase() async throws {
        let logger = TestEnvironment.logger("router-tests")
        let parks = try await Observer("link-parks", exchange: Open137Topology.unitsExchange, routingKey: "parks.#")
        let traffic = try await Observer("link-traffic", exchange: Open137Topology.unitsExchange, routingKey: "traffic.#")
        let roads = try await Observer("link-roads", exchange: Open137Topology.unitsExchange, routingKey: "roads.#")
        let parksAll = try await Observer("link-parks-all", exchange: Open137Topology.unitsExchange, routingKey: "parks.#")
        let trafficAll = try await Observer("link-traffic-all", exchange: Open137Topology.unitsExchange, routingKey: "traffic.#")
        let events = try await Observer("link-events", exchange: Open137Topology.eventsExchange, routingKey: "report.#")
        let dead = try await Observer("link-dead", exchange: Open137Topology.deadLetterExchange, routingKey: RouterStage.unitUpdatesQueue)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "router-link-publisher"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        let contract = try AsyncAPIDocument.loadContract()
        // A place of this run's own (the database outlives runs, and open cases of earlier runs stay open).
        let lat = 35.62 + Double.random(in: 0..<0.15), long = 51.22 + Double.random(in: 0..<0.4)
        let metre = 1.0 / 111_000

        try await withRouter(linkDuplicates: true) {
            func send(_ code: String, _ location: ReportLocation, _ description: String, trackingCode: String) async throws -> String {
                let (event, id) = try SampleEventData.classifiedEvent(code: code, location: location, contactAllowed: true, description: description, trackingCode: trackingCode)
                try await publisher.publish(try event.message(exchange: Open137Topology.eventsExchange))
                return id
            }
            func split(_ reportID: String, reason: String, id: String = UUID().uuidString) async throws {
                let body = try CloudEvent(id: id, source: "/units/parks", type: UnitLinkSplitData.eventType, subject: reportID,
                                          data: SampleEventData.encoded(UnitLinkSplitData(reportID: reportID, unit: "parks", reason: reason)),
                                          correlationID: id).encoded()
                try await publisher.publish(OutgoingMessage(exchange: Open137Topology.unitUpdatesExchange, routingKey: "parks.status", body: body, messageID: id))
            }
            func deadLettered(_ id: String) async throws -> String? {
                try await dead.first("dead letter \(id)") { $0.messageID == id }.headers[AMQPDelivery.reasonCodeHeader]?.stringValue
            }
            func changed(_ reportID: String, _ status: String) async throws -> ReportStatusChangedData {
                let d = try await events.first("\(reportID) \(status)") { d in
                    Self.event(d)?.type == EventType.reportStatusChanged && Self.event(d)?.subject == reportID && Self.event(d)?.data["status"]?.stringValue == status
                }
                return try #require(Self.event(d)).payload(as: ReportStatusChangedData.self)
            }

            let caseID = try await send("CFC-PLAY", ReportLocation(lat: lat, long: long), "تاب پارک شکسته است و بچه‌ها از آن می‌افتند", trackingCode: "5100000001")
            _ = try await parks.first("the case's delivery") { Self.event($0)?.id == "\(caseID).a1" }

            // The same swing, 15 m away, other words: it joins the case.
            let linkedID = try await send("CFC-PLAY", ReportLocation(lat: lat + 15 * metre, long: long), "تاب زمین بازی پارک شکسته، خطرناک برای بچه‌ها", trackingCode: "5100000002")
            let toParks = try await parks.first("the unit's copy of the link") { Self.event($0)?.subject == linkedID }
            #expect(toParks.routingKey == "parks.linked")
            #expect(contract.validate(eventBody: toParks.body, messageName: "report.linked").isEmpty, "\(contract.validate(eventBody: toParks.body, messageName: "report.linked"))")
            let copy = try #require(Self.event(toParks)).payload(as: ReportLinkedData.self)
            #expect(copy.parentReportID == caseID && copy.parentTrackingCode == "5100000001" && copy.trackingCode == "5100000002")
            #expect(copy.unit == "parks" && copy.status == "assigned" && copy.description == "تاب زمین بازی پارک شکسته، خطرناک برای بچه‌ها")
            #expect((copy.distanceMetres ?? 99) < 20 && copy.similarity >= 0.30)
            let linkedEvent = try await events.first("report.linked") { Self.event($0)?.type == EventType.reportLinked && Self.event($0)?.subject == linkedID }
            let public_ = try #require(Self.event(linkedEvent)).payload(as: ReportLinkedData.self)
            #expect(public_.description == nil && public_.location == nil && public_.parentReportID == caseID, "the events exchange gets no description")

            // 2 km away, or another code at the same point: cases of their own.
            let farID = try await send("CFC-PLAY", ReportLocation(lat: lat + 2_000 * metre, long: long), "تاب پارک شکسته است", trackingCode: "5100000003")
            _ = try await parks.first("the far report's delivery") { Self.event($0)?.id == "\(farID).a1" }
            let roadID = try await send("ROAD", ReportLocation(lat: lat, long: long), "چاله بزرگ در آسفالت خیابان کنار پارک", trackingCode: "5100000004")
            _ = try await roads.first("the road report's delivery") { Self.event($0)?.id == "\(roadID).a1" }

            // The case moves; the linked report follows. A unit's update naming the linked report is refused.
            try await Self.update(publisher, UnitStatusUpdateData(reportID: caseID, unit: "parks", status: "acknowledged", note: "تیم اعزام شد"))
            #expect(try await changed(caseID, "acknowledged").by == "parks")
            let followed = try await changed(linkedID, "acknowledged")
            #expect(followed.fromStatus == "assigned" && followed.unit == "parks" && followed.note == "تیم اعزام شد")
            let namingLinkedID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: linkedID, unit: "parks", status: "in_progress"), id: namingLinkedID)
            #expect(try await deadLettered(namingLinkedID) == "linked-report")
            let refusal = try await parks.first("the refusal") { Self.event($0)?.type == UnitStatusRefusedData.eventType && Self.event($0)?.data["update_id"]?.stringValue == namingLinkedID }
            #expect(refusal.routingKey == "parks.status-refused")

            // A third report of the hazard, then a referral: both linked reports move with the case, and
            // traffic learns of them after the case's delivery.
            let thirdID = try await send("CFC-PLAY", ReportLocation(lat: lat, long: long + 10 * metre), "swing in the park is broken, kids fall", trackingCode: "5100000005")
            let third = try await parks.first("the third report's link") { Self.event($0)?.subject == thirdID }
            #expect(Self.event(third)?.data["status"]?.stringValue == "acknowledged", "it joins with the case's status")
            // Three reports of one hazard: a repeat hazard, one priority step up (P1 → P0), the deadline no later.
            let repeat_ = try await parks.first("the repeat hazard") { $0.routingKey == "parks.repeat-hazard" && Self.event($0)?.subject == caseID }
            #expect(contract.validate(eventBody: repeat_.body, messageName: "report.repeat-hazard").isEmpty)
            let raised = try #require(Self.event(repeat_)).payload(as: ReportRepeatHazardData.self)
            #expect(raised.reason == .reports && raised.count == 3 && raised.fromPriority == "P1" && raised.priority == "P0")
            #expect(try #require(CloudEvent.parseTime(raised.deadline)) <= Date().addingTimeInterval(73 * 3600))

            // Splitting: without a reason, or a report that is not linked, is refused; with a reason the
            // third report becomes a case of its own, delivered, and stops following.
            let noReasonID = UUID().uuidString
            try await split(thirdID, reason: "  ", id: noReasonID)
            #expect(try await deadLettered(noReasonID) == "missing-reason")
            let notLinkedID = UUID().uuidString
            try await split(farID, reason: "not the same", id: notLinkedID)
            #expect(try await deadLettered(notLinkedID) == "not-linked")
            let splitID = UUID().uuidString
            try await split(thirdID, reason: "a different swing, the far end of the park", id: splitID)
            // The delivery first, then the answer (the outbox's order).
            let own = try await parks.first("the split report's own delivery") { Self.event($0)?.id == "\(thirdID).a1" }
            let ownData = try #require(Self.event(own)).payload(as: ReportAssignedData.self)
            #expect(ownData.unit == "parks" && ownData.description == "swing in the park is broken, kids fall")
            let answer = try await parks.first("the split's answer") { $0.routingKey == "parks.unlinked" && Self.event($0)?.subject == thirdID }
            #expect(Self.event(answer)?.correlationid == splitID)
            #expect(contract.validate(eventBody: answer.body, messageName: "report.unlinked").isEmpty)
            _ = try await events.first("report.unlinked") { Self.event($0)?.type == EventType.reportUnlinked && Self.event($0)?.subject == thirdID }

            try await Self.update(publisher, UnitStatusUpdateData(reportID: caseID, unit: "parks", status: "referred", note: "a kindergarten's yard", referredTo: "traffic"))
            _ = try await traffic.first("the case's delivery to traffic") { Self.event($0)?.id == "\(caseID).a2" }
            let moved = try await traffic.first("the linked report's copy to traffic") { $0.routingKey == "traffic.linked" && Self.event($0)?.subject == linkedID }
            #expect(Self.event(moved)?.data["status"]?.stringValue == "assigned" && Self.event(moved)?.data["description"]?.stringValue != nil)
            let reassigned = try await events.first("the linked report reassigned") { Self.event($0)?.type == EventType.reportReassigned && Self.event($0)?.subject == linkedID }
            #expect(Self.event(reassigned)?.data["unit"]?.stringValue == "traffic")

            // The case resolved; the reporter of the linked report reopens it: the case reopens.
            for status in ["acknowledged", "in_progress", "resolved"] {
                try await Self.update(publisher, UnitStatusUpdateData(reportID: caseID, unit: "traffic", status: status))
                _ = try await changed(linkedID, status)
            }
            try await Self.update(publisher, UnitStatusUpdateData(reportID: linkedID, unit: "reporter", status: "reopened", note: "هنوز شکسته"), asEvent: true)
            #expect(try await changed(caseID, "reopened").by == "reporter")
            #expect(try await changed(linkedID, "reopened").fromStatus == "resolved")
            _ = try await traffic.first("the case's delivery after the reopening") { Self.event($0)?.id == "\(caseID).a3" }

            // A report of the hazard after the case is closed starts a new case.
            try await Self.update(publisher, UnitStatusUpdateData(reportID: caseID, unit: "traffic", status: "rejected", reason: "duplicate of a city project"))
            _ = try await changed(caseID, "rejected")
            // ~36 m west of the closed case (within a playground's 40 m), ~45 m from the split-off one (not).
            let afterID = try await send("CFC-PLAY", ReportLocation(lat: lat, long: long - 45 * metre), "تاب پارک شکسته است", trackingCode: "5100000006")
            _ = try await parks.first("a new case after the old one closed") { Self.event($0)?.id == "\(afterID).a1" }

            // Everything parks and traffic received, looked through once at the end (a `none` ends its observer).
            #expect(await parksAll.none(within: .seconds(2)) { Self.event($0)?.id == "\(linkedID).a1" }, "a linked report is not delivered as a case")
            #expect(await trafficAll.none(within: .seconds(2)) { Self.event($0)?.subject == thirdID }, "the split report stayed with parks")
        }
        for observer in [parks, traffic, roads, events, dead, parksAll, trafficAll] { await observer.consumer.stop() }
        await publisher.close()
    }

    @Test("repeat hazards: a new case where two cases of its kind were resolved starts one priority step up (returning); a case reopened a second time is raised (reopenings), each reason once")
    func raisesRepeatHazards() async throws {
        let logger = TestEnvironment.logger("router-tests")
        let lighting = try await Observer("repeat-lighting", exchange: Open137Topology.unitsExchange, routingKey: "lighting.#")
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "router-repeat-publisher"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)
        let lat = 35.62 + Double.random(in: 0..<0.15), long = 51.22 + Double.random(in: 0..<0.4)
        try await withRouter(linkDuplicates: true) {
            func send(_ description: String) async throws -> String {
                let (event, id) = try SampleEventData.classifiedEvent(code: "LIGHT", location: ReportLocation(lat: lat, long: long), contactAllowed: false, description: description)
                try await publisher.publish(try event.message(exchange: Open137Topology.eventsExchange))
                return id
            }
            func resolve(_ id: String) async throws {
                for status in ["acknowledged", "in_progress", "resolved"] {
                    try await Self.update(publisher, UnitStatusUpdateData(reportID: id, unit: "lighting", status: status, note: "fixed"))
                }
                _ = try await lighting.first("\(id) resolved") { $0.routingKey == "lighting.status-changed" && Self.event($0)?.subject == id && Self.event($0)?.data["status"]?.stringValue == "resolved" }
            }
            let first = try await send("چراغ خیابان خاموش است")
            _ = try await lighting.first("the first case") { Self.event($0)?.id == "\(first).a1" }
            try await resolve(first)
            let second = try await send("تیر چراغ برق کوچه روشن نمی‌شود")
            let secondDelivery = try await lighting.first("the second case") { Self.event($0)?.id == "\(second).a1" }
            #expect(Self.event(secondDelivery)?.data["priority"]?.stringValue == "P1", "one resolved case before is not yet a repeat")
            try await resolve(second)
            let third = try await send("چراغ خیابان باز هم خاموش شده")
            let thirdDelivery = try await lighting.first("the third case") { Self.event($0)?.id == "\(third).a1" }
            #expect(Self.event(thirdDelivery)?.data["priority"]?.stringValue == "P0", "two resolved cases before: it starts raised")
            let returning = try await lighting.first("the returning hazard") { $0.routingKey == "lighting.repeat-hazard" && Self.event($0)?.subject == third }
            let data = try #require(Self.event(returning)).payload(as: ReportRepeatHazardData.self)
            #expect(data.reason == .returning && data.count == 2 && data.fromPriority == "P1" && data.priority == "P0")

            // Reopened by the council once: not yet; twice: a repeat hazard for its reopenings.
            try await resolve(third)
            try await Self.update(publisher, UnitStatusUpdateData(reportID: third, unit: "council", status: "reopened", note: "still dark"))
            _ = try await lighting.first("the first reopening") { Self.event($0)?.id == "\(third).a2" }
            try await resolve(third)
            try await Self.update(publisher, UnitStatusUpdateData(reportID: third, unit: "council", status: "reopened", note: "dark again"))
            let reopened = try await lighting.first("the reopenings hazard") { $0.routingKey == "lighting.repeat-hazard" && Self.event($0)?.subject == third }
            let again = try #require(Self.event(reopened)).payload(as: ReportRepeatHazardData.self)
            #expect(again.reason == .reopenings && again.count == 2 && again.priority == "P0")
        }
        await lighting.consumer.stop()
        await publisher.close()
    }

    /// `router.status_history` of `reportID` in the order it was written: (from, to).
    private static func history(_ reportID: String) async throws -> [String] {
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw TimedOut(what: "a usable DATABASE_URL") }
        let logger = TestEnvironment.logger("router-tests")
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: [String]?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            let rows = try await client.query(
                "SELECT from_status, status FROM router.status_history WHERE report_id = \(UUID(uuidString: reportID)!) ORDER BY id",
                logger: logger)
            var found: [String] = []
            for try await (from, to) in rows.decode((String, String).self) { found.append("\(from)→\(to)") }
            return found
        }
    }

    @Test("a unit's updates overtaking each other (resolved, in_progress, acknowledged published in reverse) wait for their predecessors and end resolved, in order, none dead-lettered; backwards is still illegal at once; one whose predecessor never comes is dead-lettered as out-of-order")
    func outOfOrderUpdatesWait() async throws {
        let logger = TestEnvironment.logger("router-tests")
        let parks = try await Observer("parks-order", exchange: Open137Topology.unitsExchange, routingKey: "parks.#")
        let roads = try await Observer("roads-order", exchange: Open137Topology.unitsExchange, routingKey: "roads.#")
        let events = try await Observer("events-order", exchange: Open137Topology.eventsExchange, routingKey: "report.status-changed")
        let dead = try await Observer("dead-order", exchange: Open137Topology.deadLetterExchange, routingKey: RouterStage.unitUpdatesQueue)
        let deadSeen = try await Observer("dead-order-all", exchange: Open137Topology.deadLetterExchange, routingKey: RouterStage.unitUpdatesQueue)
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "router-order-publisher"), topology: Topology(exchanges: Open137Topology.exchanges), logger: logger)

        try await withRouter {
            let (event, reportID) = try Self.classified(code: "CFC-PLAY", location: ReportLocation(district: 5), contactAllowed: false)
            try await publisher.publish(try event.message(exchange: Open137Topology.eventsExchange))
            _ = try await parks.first("the delivery to parks") { Self.event($0)?.subject == reportID }

            // The unit sent acknowledged, in_progress, resolved; they reach the router the other way round.
            let ids = (0..<3).map { _ in UUID().uuidString }
            for (status, id) in zip(["resolved", "in_progress", "acknowledged"], ids) {
                try await Self.update(publisher, UnitStatusUpdateData(reportID: reportID, unit: "parks", status: status), id: id)
            }
            // Each waits at most a few 5 s retries for its predecessor.
            var applied: [String] = []
            while applied.count < 3 {
                let delivery = try await events.first("status change \(applied.count + 1) of 3", timeout: .seconds(60)) { Self.event($0)?.subject == reportID }
                let data = try #require(Self.event(delivery)).payload(as: ReportStatusChangedData.self)
                applied.append("\(data.fromStatus)→\(data.status)")
            }
            let lifecycle = ["assigned→acknowledged", "acknowledged→in_progress", "in_progress→resolved"]
            #expect(applied == lifecycle)
            #expect(try await Self.history(reportID) == lifecycle)

            // Backwards on an open report never becomes legal: dead-lettered at once, not retried.
            let (road, roadID) = try Self.classified(code: "ROAD", location: ReportLocation(district: 14), contactAllowed: false)
            try await publisher.publish(try road.message(exchange: Open137Topology.eventsExchange))
            _ = try await roads.first("the delivery to roads") { Self.event($0)?.subject == roadID }
            for status in ["acknowledged", "in_progress"] {
                try await Self.update(publisher, UnitStatusUpdateData(reportID: roadID, unit: "roads", status: status))
                _ = try await events.first("roads \(status)") { Self.event($0)?.subject == roadID && Self.event($0)?.data["status"]?.stringValue == status }
            }
            let backwardsID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: roadID, unit: "roads", status: "acknowledged"), id: backwardsID)
            let backwards = try await dead.first("the backwards update", timeout: .seconds(4)) { $0.messageID == backwardsID }
            #expect(backwards.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "illegal-transition")
            #expect(backwards.headers[DeliveryWorker.attemptsHeader] == nil, "an illegal transition is not retried")

            // A step skipped for good: resolved with no in_progress ever sent waits its retries, then out-of-order.
            let (third, thirdID) = try Self.classified(code: "ROAD", location: ReportLocation(district: 14), contactAllowed: false)
            try await publisher.publish(try third.message(exchange: Open137Topology.eventsExchange))
            _ = try await roads.first("the third delivery") { Self.event($0)?.subject == thirdID }
            let skippedID = UUID().uuidString
            try await Self.update(publisher, UnitStatusUpdateData(reportID: thirdID, unit: "roads", status: "resolved"), id: skippedID)
            let skipped = try await dead.first("the update whose predecessor never came", timeout: .seconds(60)) { $0.messageID == skippedID }
            #expect(skipped.headers[AMQPDelivery.reasonCodeHeader]?.stringValue == "out-of-order")
            #expect(skipped.headers[AMQPDelivery.reasonHeader]?.stringValue?.contains("after 3 retries") == true,
                    "\(skipped.headers[AMQPDelivery.reasonHeader]?.stringValue ?? "-")")
            #expect(try await Self.history(thirdID).isEmpty)
            // None of the overtaken updates was dead-lettered along the way (read last: a timed-out read ends an observer).
            #expect(await deadSeen.none(within: .seconds(2)) { ids.contains($0.messageID ?? "") }, "an overtaken update was dead-lettered")
        }
        for observer in [parks, roads, events, dead, deadSeen] { await observer.consumer.stop() }
        await publisher.close()
    }
}
