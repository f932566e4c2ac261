import BrokerTopology
import Contracts
import DeskService
import Foundation
import Messaging
import PostgresNIO
import Testing
import TestSupport

/// The units' desk as deployed, against the real router, broker and database: deliveries reach only their
/// unit's desk, a unit's staff cannot open another unit's case, the actions follow the state machine and
/// are confirmed (or refused, with the router's reason) by the router's answers, referral moves a case to
/// the other desk, and a redelivered or unreadable message neither duplicates a case nor stops the queue.
@Suite("Units' desk end to end", .serialized, .timeLimit(.minutes(5)))
struct DeskServiceTests {
    /// The case page of `reportID` on `unit`'s desk, in English.
    static func casePath(_ unit: String, _ reportID: String) -> String { "/desk/\(unit)/cases/\(reportID)?lang=en" }

    /// Polls `path` until its body satisfies `done`.
    static func until(_ browser: DeskBrowser, _ path: String, _ what: String, timeout: Duration = .seconds(30),
                      _ done: @escaping @Sendable (DeskBrowser.Page) -> Bool) async throws -> DeskBrowser.Page {
        try await withTimeout(timeout, what) {
            while true {
                let page = try await browser.get(path)
                if done(page) { return page }
                try await Task.sleep(for: .milliseconds(250))
            }
        }
    }

    /// Posts an action form on the case page and returns the answer.
    static func act(_ browser: DeskBrowser, _ unit: String, _ reportID: String, _ fields: [(String, String)]) async throws -> DeskBrowser.Page {
        let page = try await browser.get(casePath(unit, reportID))
        return try await browser.post("/desk/\(unit)/cases/\(reportID)?lang=en", [("_csrf", browser.csrf(on: page))] + fields)
    }

    @Test("a parks report is on the parks desk only; traffic staff get 403/404, never the case; acknowledge, in progress, resolve (a note required) confirmed by the router")
    func worksACaseToResolved() async throws {
        try await DeskStack.run { stack in
            let parks = try await stack.signedIn(stack.parksStaff)
            let traffic = try await stack.signedIn(stack.trafficStaff)
            let (reportID, code) = try await stack.report("CFC-PLAY", district: 6, contactAllowed: true, description: "desk test swing broken \(UUID())")

            let list = try await Self.until(parks, "/desk/parks?lang=en", "the case on the parks desk") { $0.body.contains(code) }
            #expect(list.status == 200 && list.body.contains("Child-friendly"))
            #expect(!(try await traffic.get("/desk/traffic?status=&lang=en")).body.contains(code))

            // Another unit's staff: 403 on the parks desk, 404 for the parks case under their own desk; never the case.
            let foreign = try await traffic.get(Self.casePath("parks", reportID))
            #expect(foreign.status == 403 && !foreign.body.contains("desk test swing"))
            let guessed = try await traffic.get(Self.casePath("traffic", reportID))
            #expect(guessed.status == 404 && !guessed.body.contains("desk test swing"))
            #expect((try await traffic.get("/desk/traffic/cases/not-an-id")).status == 404)
            #expect((try await DeskBrowser(base: stack.deskURL).get(Self.casePath("parks", reportID))).status == 303)

            // The case: the description, the reporter's contact (allowed), only the actions the state machine allows.
            var page = try await parks.get(Self.casePath("parks", reportID))
            #expect(page.body.contains("desk test swing") && page.body.contains("+989121234567"))
            #expect(page.body.contains("action-acknowledge") && page.body.contains("action-reject") && page.body.contains("action-refer"))
            #expect(!page.body.contains("action-resolve") && !page.body.contains("action-start"))

            // Resolve is not offered yet, and refused if posted anyway.
            var answer = try await Self.act(parks, "parks", reportID, [("action", "resolve"), ("note", "done")])
            #expect(answer.status == 422 && answer.body.contains("id=\"action-error\""))
            // A stale or forged form is refused.
            answer = try await parks.post("/desk/parks/cases/\(reportID)?lang=en", [("_csrf", "forged"), ("action", "acknowledge")])
            #expect(answer.status == 403)

            answer = try await Self.act(parks, "parks", reportID, [("action", "acknowledge")])
            #expect(answer.status == 303)
            page = try await parks.get(Self.casePath("parks", reportID))
            #expect(page.body.contains("id=\"pending\"") || page.body.contains("Seen by the unit"))
            page = try await Self.until(parks, Self.casePath("parks", reportID), "acknowledged confirmed") { $0.body.contains("action-start") }
            #expect(page.body.contains("Seen by the unit") && !page.body.contains("id=\"pending\""))

            #expect(try await Self.act(parks, "parks", reportID, [("action", "start")]).status == 303)
            _ = try await Self.until(parks, Self.casePath("parks", reportID), "in progress confirmed") { $0.body.contains("action-resolve") }

            // Resolve without a note: refused beside the field; with one: sent and confirmed.
            answer = try await Self.act(parks, "parks", reportID, [("action", "resolve"), ("note", "   ")])
            #expect(answer.status == 422 && answer.body.contains("id=\"note-error\""))
            #expect(try await Self.act(parks, "parks", reportID, [("action", "resolve"), ("note", "The swing was replaced.")]).status == 303)
            page = try await Self.until(parks, Self.casePath("parks", reportID), "resolved confirmed") { $0.body.contains("id=\"no-actions\"") && !$0.body.contains("id=\"pending\"") }
            #expect(page.body.contains("Resolved") && page.body.contains("The swing was replaced."))
            #expect((try await parks.get("/desk/parks?lang=en")).body.contains(code) == false, "a resolved case leaves the open list")
            #expect((try await parks.get("/desk/parks?status=resolved&lang=en")).body.contains(code))

            // A report whose reporter did not allow contact shows none.
            let (privateID, _) = try await stack.report("CFC-PLAY", district: 6, contactAllowed: false, description: "desk test private \(UUID())")
            page = try await Self.until(parks, Self.casePath("parks", privateID), "the private case") { $0.status == 200 }
            #expect(!page.body.contains("+989121234567") && !page.body.contains("id=\"contact\""))
        }
    }

    @Test("one hazard, one case on the desk: a second report of the hazard joins the case (a count in the list, its words on the case page, no case of its own); the case's actions carry it along; splitting needs a reason beside the field, then it becomes a case of its own")
    func linkedReportsAndSplit() async throws {
        try await DeskStack.run(linkDuplicates: true) { stack in
            let parks = try await stack.signedIn(stack.parksStaff)
            // An address of this run's own: the database outlives runs, and their open cases with it.
            let address = "بوستان آزمون \(Int.random(in: 100_000...999_999))، ضلع شمالی"
            let (caseID, caseCode) = try await stack.report("CFC-PLAY", district: 7, description: "تاب پارک شکسته است و بچه‌ها زخمی می‌شوند", address: address)
            _ = try await Self.until(parks, Self.casePath("parks", caseID), "the case") { $0.status == 200 }
            let (linkedID, linkedCode) = try await stack.report("CFC-PLAY", district: 7, description: "تاب زمین بازی پارک شکسته و خطرناک برای بچه‌ها", address: "ضلع شمالی، \(address.split(separator: "،")[0])")
            let (otherID, otherCode) = try await stack.report("CFC-PLAY", district: 7, description: "تاب پارک شکسته، بچه‌ها می‌افتند", address: address)

            var page = try await Self.until(parks, Self.casePath("parks", caseID), "both reports joined the case") {
                $0.body.contains("linked-\(linkedID)") && $0.body.contains("linked-\(otherID)")
            }
            #expect(page.body.contains("Other reports of this hazard (2)") && page.body.contains("تاب زمین بازی پارک شکسته و خطرناک برای بچه‌ها"))
            #expect(page.body.contains("Another report of this hazard joined (\(linkedCode))"))
            let list = try await parks.get("/desk/parks?lang=en&code=\(caseCode)")
            #expect(list.body.contains("3 reports"))
            #expect((try await parks.get(Self.casePath("parks", linkedID))).status == 404, "a linked report is not a case of its own")
            #expect(!(try await parks.get("/desk/parks?lang=en")).body.contains(linkedCode))

            // The case moves; the desk's page of the case says so (its linked reports follow in the router).
            #expect(try await Self.act(parks, "parks", caseID, [("action", "acknowledge")]).status == 303)
            page = try await Self.until(parks, Self.casePath("parks", caseID), "acknowledged") { $0.body.contains("action-start") }

            // Splitting: without a reason, refused beside that report's field; with one, confirmed, and the
            // report arrives as a case of its own.
            var answer = try await parks.post("/desk/parks/cases/\(caseID)/split?lang=en",
                                              [("_csrf", parks.csrf(on: page)), ("report_id", otherID), ("reason", "  ")])
            #expect(answer.status == 422 && answer.body.contains("id=\"split-reason-\(otherID)-error\""))
            answer = try await parks.post("/desk/parks/cases/\(caseID)/split?lang=en",
                                          [("_csrf", "forged"), ("report_id", otherID), ("reason", "another swing")])
            #expect(answer.status == 403)
            answer = try await parks.post("/desk/parks/cases/\(caseID)/split?lang=en",
                                          [("_csrf", parks.csrf(on: page)), ("report_id", otherID), ("reason", "The other swing, by the fountain.")])
            #expect(answer.status == 303)
            page = try await Self.until(parks, Self.casePath("parks", caseID), "the split confirmed") {
                $0.body.contains("was split off into a case of its own") && !$0.body.contains("id=\"pending\"")
            }
            #expect(page.body.contains("Other reports of this hazard (1)") && !page.body.contains("linked-\(otherID)"))
            let own = try await Self.until(parks, Self.casePath("parks", otherID), "the split report's own case") { $0.status == 200 }
            #expect(own.body.contains("تاب پارک شکسته، بچه‌ها می‌افتند") && own.body.contains("action-acknowledge"))
            #expect((try await parks.get("/desk/parks?lang=en")).body.contains(otherCode))
        }
    }

    @Test("refer moves the case to the traffic desk; a stale action is refused with the router's reason")
    func refersAndShowsRefusals() async throws {
        try await DeskStack.run { stack in
            let parks = try await stack.signedIn(stack.parksStaff)
            let traffic = try await stack.signedIn(stack.trafficStaff)
            let (reportID, code) = try await stack.report("CFC-PLAY", district: 7, description: "desk test referral \(UUID())")
            _ = try await Self.until(parks, Self.casePath("parks", reportID), "the case on the parks desk") { $0.status == 200 }

            var answer = try await Self.act(parks, "parks", reportID, [("action", "refer"), ("referred_to", "traffic")])
            #expect(answer.status == 422 && answer.body.contains("id=\"reason-error\""))
            answer = try await Self.act(parks, "parks", reportID, [("action", "refer"), ("reason", "a crossing, not a playground"), ("referred_to", "parks")])
            #expect(answer.status == 422 && answer.body.contains("id=\"referred_to-error\""))
            answer = try await Self.act(parks, "parks", reportID, [("action", "refer"), ("reason", "a crossing, not a playground"), ("referred_to", "traffic")])
            #expect(answer.status == 303)

            let moved = try await Self.until(traffic, Self.casePath("traffic", reportID), "the case on the traffic desk") { $0.status == 200 }
            #expect(moved.body.contains("desk test referral"))
            #expect((try await traffic.get("/desk/traffic?lang=en")).body.contains(code))
            let left = try await Self.until(parks, Self.casePath("parks", reportID), "referred on the parks desk") { $0.body.contains("Referred to another unit") }
            #expect(left.body.contains("id=\"no-actions\""))

            // The parks desk's view made stale (as if the referral's answer had not arrived): an action the router
            // refuses comes back as a refusal with its reason, and the case is not left pending.
            try await stack.database { client in
                _ = try await client.query("UPDATE desk_parks.cases SET status = 'assigned' WHERE report_id = \(UUID(uuidString: reportID)!)", logger: stack.logger)
            }
            #expect(try await Self.act(parks, "parks", reportID, [("action", "acknowledge")]).status == 303)
            let refused = try await Self.until(parks, Self.casePath("parks", reportID), "the refusal") { $0.body.contains("id=\"refused\"") }
            #expect(refused.body.contains("wrong-unit") && refused.body.contains("assigned to traffic"))
            #expect(!refused.body.contains("id=\"pending\""))
        }
    }

    @Test("a redelivered delivery does not duplicate a case; an unreadable message is kept with its reason and the queue goes on")
    func redeliveryAndUnreadable() async throws {
        try await DeskStack.run { stack in
            let parks = try await stack.signedIn(stack.parksStaff)
            let reportID = UUID().uuidString.lowercased()
            let trackingCode = String(Int.random(in: 1_000_000_000...9_999_999_999))
            let delivery = ReportAssignedData(
                reportID: reportID, trackingCode: trackingCode, serviceCode: "CFC-PLAY", childFriendly: true, priority: "P0", unit: "parks",
                deadline: CloudEvent.formatTime(Date().addingTimeInterval(-3600)), district: "03", location: ReportLocation(district: 3),
                description: "desk test redelivered", attributes: [:], mediaURLs: [], reporter: ReporterProfile(type: "child", language: "fa"),
                contact: nil, assignment: 1, receivedAt: CloudEvent.formatTime(Date()))
            let event = EncodedEvent(id: "\(reportID).a1", source: "/open137/router", type: EventType.reportAssigned, time: Date(), subject: reportID,
                                     data: delivery, correlationID: reportID)
            var message = try event.message(exchange: Open137Topology.unitsExchange)
            message.routingKey = "parks.d03"
            let garbage = OutgoingMessage(exchange: Open137Topology.unitsExchange, routingKey: "parks.d03", body: Array("not json \(reportID)".utf8), messageID: "garbage-\(reportID)")
            for outgoing in [message, garbage, message] { try await stack.publisher.publish(outgoing) }

            let page = try await Self.until(parks, Self.casePath("parks", reportID), "the delivered case") { $0.status == 200 }
            #expect(page.body.contains("Urgent (P0)") && page.body.contains("overdue by"))
            let list = try await parks.get("/desk/parks?lang=en")
            #expect(list.body.contains("class=\"overdue\"") && list.body.contains("overdue by"))
            try await withTimeout(.seconds(20), "the unreadable message kept") {
                while true {
                    let kept = try await stack.database { client in
                        let rows = try await client.query("SELECT reason FROM desk_parks.unreadable_messages WHERE message_id = \("garbage-\(reportID)")", logger: stack.logger)
                        var reasons: [String] = []
                        for try await reason in rows.decode(String.self) { reasons.append(reason) }
                        return reasons
                    }
                    if let reason = kept.first { #expect(reason.contains("malformed")); return }
                    try await Task.sleep(for: .milliseconds(200))
                }
            }
            // The second copy came after the garbage: once it is applied (or skipped), there is still one case and one delivery line.
            try await Task.sleep(for: .seconds(1))
            let (cases, lines) = try await stack.database { client in
                let uuid = UUID(uuidString: reportID)!
                var counts = (0, 0)
                for try await n in try await client.query("SELECT count(*) FROM desk_parks.cases WHERE report_id = \(uuid)", logger: stack.logger).decode(Int.self) { counts.0 = n }
                for try await n in try await client.query("SELECT count(*) FROM desk_parks.case_history WHERE report_id = \(uuid) AND kind = 'delivered'", logger: stack.logger).decode(Int.self) { counts.1 = n }
                return counts
            }
            #expect(cases == 1 && lines == 1)
            let changes = try await parks.get("/desk/parks/changes")
            #expect(changes.status == 200 && changes.body.hasPrefix("{\"version\":"))
            #expect((try await DeskBrowser(base: stack.deskURL).get("/desk/parks/changes")).status == 403)
        }
    }
}
