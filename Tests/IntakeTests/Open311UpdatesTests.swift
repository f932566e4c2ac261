import Contracts
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import JSON
import PostgresNIO
import Testing
import TestSupport

/// FixMyStreet's Open311 update extension: `GET servicerequestupdates` over the public history (the
/// spec's document in XML and JSON, the status words, the date window and its limits, the errors, no
/// personal data) and `POST servicerequestupdates` (a citizen's update: stored once, refused without a
/// key, for an unknown request, with a bad status, or when it would reopen a closed report).
@Suite("Open311 service request updates (FixMyStreet)") struct Open311UpdatesTests {
    /// A report submitted through the native API with the canary reporter: its tracking code and id.
    private func submit(_ http: any TestClientProtocol) async throws -> (code: String, id: UUID) {
        let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(IntakeFixture.report()))
        #expect(response.status == .created)
        let json = try IntakeFixture.json(response)
        return (try #require(json["tracking_code"]?.stringValue), try #require(json["report_id"]?.stringValue.flatMap(UUID.init(uuidString:))))
    }

    /// Adds a history row as the read model writes it.
    private func history(_ fixture: IntakeFixture, _ report: UUID, _ event: String, _ status: String, note: String? = nil, at: Date) async throws {
        try await Open311Test.execute(fixture, """
            INSERT INTO report_history (report_id, event_id, status, note, unit, at) VALUES (\(report), \(event), \(status), \(note), 'parks', \(at))
            """)
    }

    private static func time(_ text: String) throws -> Date {
        try #require(Open311Format.parseTime(text))
    }

    /// A query's `start_date`/`end_date` pair, percent-encoded.
    private static func window(_ start: Date, _ end: Date) -> String {
        "start_date=\(Open311Test.encode(Open311Format.time(start)))&end_date=\(Open311Test.encode(Open311Format.time(end)))"
    }

    /// The updates a JSON answer lists.
    private func updates(_ http: any TestClientProtocol, _ query: String) async throws -> [JSONValue] {
        let response = try await http.execute(uri: "/open311/v2/servicerequestupdates.json?\(query)", method: .get)
        #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
        return try IntakeFixture.json(response).arrayValue ?? []
    }

    @Test("the spec's document: <service_request_updates><request_update> in XML, the same array in JSON")
    func specDocument() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await submit(http)
            try await history(fixture, report.id, "evt-fixture-1", "resolved", note: "Swing replaced", at: try Self.time("2026-03-01T10:00:00Z"))
            let id = PublicUpdate.updateID(reportID: report.id, eventID: "evt-fixture-1")
            let query = "start_date=2026-03-01T00:00:00Z&end_date=2026-03-01T13:30:00%2B03:30&api_key=ignored&jurisdiction_id=tehran.ir"
            let xml = try await http.execute(uri: "/open311/v2/servicerequestupdates.xml?\(query)", method: .get)
            #expect(xml.status == .ok)
            #expect(xml.headers[.contentType] == "text/xml; charset=utf-8")
            // Written from the spec's response table: update_id, service_request_id, status, updated_datetime, description, media_url.
            #expect(String(buffer: xml.body) == """
                <?xml version="1.0" encoding="utf-8"?><service_request_updates><request_update><update_id>\(id)</update_id>\
                <service_request_id>\(report.code)</service_request_id><status>FIXED</status>\
                <updated_datetime>2026-03-01T10:00:00Z</updated_datetime><description>Swing replaced</description>\
                <media_url/></request_update></service_request_updates>
                """)
            let json = try await http.execute(uri: "/open311/v2/servicerequestupdates.json?\(query)", method: .get)
            #expect(String(buffer: json.body) == """
                [{"update_id":"\(id)","service_request_id":"\(report.code)","status":"FIXED",\
                "updated_datetime":"2026-03-01T10:00:00Z","description":"Swing replaced","media_url":null}]
                """)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "service_request_updates", item: "request_update")
            // The id is stable: the same row, the same id, in every answer.
            #expect(try await updates(http, query).first?["update_id"] == .string(id))
            #expect(id.count == 32 && id.allSatisfy(\.isHexDigit))
            // An empty span is an empty document.
            let empty = try await http.execute(uri: "/open311/v2/servicerequestupdates.xml?start_date=2025-01-01T00:00:00Z&end_date=2025-01-02T00:00:00Z", method: .get)
            #expect(String(buffer: empty.body) == #"<?xml version="1.0" encoding="utf-8"?><service_request_updates></service_request_updates>"#)
        }
    }

    @Test("each status in FixMyStreet's words: the mapping table")
    func mappingTable() {
        let expected: [ReportStatus: String] = [
            .received: "OPEN", .classified: "OPEN", .routed: "OPEN", .assigned: "OPEN", .referred: "OPEN", .reopened: "OPEN",
            .acknowledged: "INVESTIGATING", .inProgress: "IN_PROGRESS", .resolved: "FIXED", .rejected: "NO_FURTHER_ACTION",
        ]
        #expect(Set(expected.keys) == Set(ReportStatus.allCases))
        for status in ReportStatus.allCases { #expect(FixMyStreetStatus(status).rawValue == expected[status], "\(status)") }
        #expect(FixMyStreetStatus(word: "in_progress") == .inProgress)
        #expect(FixMyStreetStatus(word: "Open")?.asksToReopen == true)
        #expect(FixMyStreetStatus(word: "REOPEN")?.asksToReopen == true)
        #expect(FixMyStreetStatus(word: "CLOSED")?.asksToReopen == false)
        #expect(FixMyStreetStatus(word: "fixed - council") == nil)
    }

    @Test("the feed: every status change mapped, oldest first; unit notes masked; reopen notes, escalations and receipts left out; no personal data")
    func feed() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let first = try await submit(http)
            let second = try await submit(http)
            let base = Date().addingTimeInterval(-5 * 3600)
            func at(_ minutes: Double) -> Date { base.addingTimeInterval(minutes * 60) }
            try await history(fixture, first.id, "e1", "classified", at: at(1))
            try await history(fixture, first.id, "e2", "assigned", at: at(2))
            try await history(fixture, first.id, "e3", "acknowledged", note: "Seen — call 09121234567 or parks@example.org", at: at(3))
            try await history(fixture, first.id, "e4", "in_progress", note: "Crew sent", at: at(4))
            try await history(fixture, first.id, "e5", "escalated", at: at(5))
            try await history(fixture, first.id, "e6", "resolved", note: "Swing replaced", at: at(6))
            try await history(fixture, first.id, "e7", "reopened", note: "Still broken, Canary Reporter 09121234567", at: at(7))
            try await history(fixture, second.id, "e8", "referred", note: "For the roads unit", at: at(8))
            // Same time as e8: ties are ordered by report, then event.
            try await history(fixture, second.id, "e9", "rejected", note: "Private land", at: at(8))
            let listed = try await updates(http, "")
            let document = try JSONSchemaValidator.load(from: RepositoryFiles.path(OpenAPIContractTests.documentPath))
            for update in listed { #expect(document.validate(update, at: "/components/schemas/Open311Update").isEmpty, "\(update)") }
            let expected: [(String, String, String?)] = [
                ("e1", "OPEN", nil), ("e2", "OPEN", nil), ("e3", "INVESTIGATING", nil), ("e4", "IN_PROGRESS", "Crew sent"),
                ("e6", "FIXED", "Swing replaced"), ("e7", "OPEN", nil), ("e8", "OPEN", "For the roads unit"), ("e9", "NO_FURTHER_ACTION", "Private land"),
            ]
            #expect(listed.map { $0["update_id"]?.stringValue } == expected.map { event in
                PublicUpdate.updateID(reportID: event.0 == "e8" || event.0 == "e9" ? second.id : first.id, eventID: event.0)
            })
            #expect(listed.map { $0["status"]?.stringValue } == expected.map(\.1))
            #expect(listed.map { $0["service_request_id"]?.stringValue } == Array(repeating: first.code, count: 6) + [second.code, second.code])
            for (update, event) in zip(listed, expected) where event.0 != "e3" {
                #expect(update["description"] == (event.2.map(JSONValue.string) ?? .null), "\(event.0)")
            }
            // The unit's note is shown with the contact details in it masked.
            let acknowledged = try #require(listed[2]["description"]?.stringValue)
            #expect(acknowledged.hasPrefix("Seen") && !acknowledged.contains("09121234567") && !acknowledged.contains("parks@example.org"))
            let times = listed.compactMap { $0["updated_datetime"]?.stringValue.flatMap(Open311Format.parseTime) }
            #expect(times.count == listed.count && times == times.sorted())

            // Personal data: nothing of the canary reporter, no reopen secret, in either format.
            let json = try await http.execute(uri: "/open311/v2/servicerequestupdates.json", method: .get)
            let xml = try await http.execute(uri: "/open311/v2/servicerequestupdates.xml", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "service_request_updates", item: "request_update")
            for body in [String(buffer: json.body), String(buffer: xml.body)] {
                for secret in ["Canary", "canary@example.org", "9121234567", "Still broken",
                               IntakeFixture.reopenSecret.secret(forReport: first.id.uuidString.lowercased()),
                               IntakeFixture.reopenSecret.secret(forReport: second.id.uuidString.lowercased())] {
                    #expect(!body.contains(secret), "the feed leaked \(secret)")
                }
            }
        }
    }

    @Test("the window: both ends inclusive, a day by default, one end a day from it; at most 7 days and 10,000 updates")
    func window() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await submit(http)
            let start = try Self.time("2026-02-01T00:00:00Z")
            let end = try Self.time("2026-02-03T00:00:00Z")
            try await history(fixture, report.id, "before", "acknowledged", at: start.addingTimeInterval(-1))
            try await history(fixture, report.id, "at-start", "in_progress", at: start)
            try await history(fixture, report.id, "inside", "in_progress", at: start.addingTimeInterval(3600))
            try await history(fixture, report.id, "at-end", "resolved", at: end)
            try await history(fixture, report.id, "after", "reopened", at: end.addingTimeInterval(1))
            try await history(fixture, report.id, "recent", "acknowledged", at: Date().addingTimeInterval(-3600))
            try await history(fixture, report.id, "yesterday", "acknowledged", at: Date().addingTimeInterval(-25 * 3600))
            func events(_ query: String) async throws -> [String?] {
                let names = ["before", "at-start", "inside", "at-end", "after", "recent", "yesterday"]
                let ids = Dictionary(uniqueKeysWithValues: names.map { (PublicUpdate.updateID(reportID: report.id, eventID: $0), $0) })
                return try await updates(http, query).map { $0["update_id"]?.stringValue.flatMap { ids[$0] } }
            }
            #expect(try await events(Self.window(start, end)) == ["at-start", "inside", "at-end"])
            // The same instants written in Tehran's offset.
            #expect(try await events("start_date=2026-02-01T03:30:00%2B03:30&end_date=2026-02-03T03:30:00%2B03:30") == ["at-start", "inside", "at-end"])
            // No dates: the last day.
            #expect(try await events("") == ["recent"])
            // One end: a day from it, or to it.
            #expect(try await events("start_date=2026-02-01T00:00:00Z") == ["at-start", "inside"])
            #expect(try await events("end_date=2026-02-03T00:00:01Z") == ["at-end", "after"])
            // Exactly 7 days is allowed.
            #expect(try await events(Self.window(start, start.addingTimeInterval(7 * 24 * 3600))) == ["at-start", "inside", "at-end", "after"])

            // More updates than one answer carries: refused, never cut short.
            let busy = try Self.time("2026-04-01T00:00:00Z")
            try await Open311Test.execute(fixture, """
                INSERT INTO report_history (report_id, event_id, status, at)
                SELECT \(report.id), 'bulk-' || n, 'in_progress', \(busy)::timestamptz + n * interval '1 millisecond'
                FROM generate_series(1, \(Open311UpdateWindow.maximumUpdates + 1)) AS n
                """)
            let busyQuery = Self.window(busy, busy.addingTimeInterval(3600))
            let tooMany = try Open311Test.expectError(
                try await http.execute(uri: "/open311/v2/servicerequestupdates.xml?\(busyQuery)", method: .get), .badRequest, xml: true
            )
            #expect(tooMany.first?.contains("shorter span") == true)
            try await Open311Test.execute(fixture, "DELETE FROM report_history WHERE event_id = 'bulk-1'")
            #expect(try await updates(http, busyQuery).count == Open311UpdateWindow.maximumUpdates)
        }
    }

    @Test("bad queries are the spec's errors: a bad date, end before start, a span too long, another jurisdiction")
    func errors() async throws {
        try await IntakeFixture.withAPI { _, http in
            func get(_ format: String, _ query: String) async throws -> TestResponse {
                try await http.execute(uri: "/open311/v2/servicerequestupdates.\(format)?\(query)", method: .get)
            }
            #expect(try Open311Test.expectError(try await get("json", "start_date=yesterday"), .badRequest).first?.contains("start_date") == true)
            #expect(try Open311Test.expectError(try await get("xml", "end_date=2026-02-01T00:00:00"), .badRequest, xml: true).first?.contains("end_date") == true)
            #expect(try Open311Test.expectError(try await get("json", "start_date=2026-02-02T00:00:00Z&end_date=2026-02-01T00:00:00Z"), .badRequest) == [
                "end_date is earlier than start_date",
            ])
            try Open311Test.expectError(try await get("xml", "start_date=2026-02-02T00:00:00Z&end_date=2026-02-01T00:00:00Z"), .badRequest, xml: true)
            #expect(try Open311Test.expectError(try await get("json", "start_date=2026-02-01T00:00:00Z&end_date=2026-02-08T00:00:01Z"), .badRequest) == [
                "start_date to end_date may span at most 7 days",
            ])
            try Open311Test.expectError(try await get("json", "start_date=2026-02-01T00:00:00Z&start_date=2026-02-02T00:00:00Z"), .badRequest)
            try Open311Test.expectError(try await get("xml", "jurisdiction_id=karaj.ir"), .notFound, xml: true)
        }
    }

    /// A citizen's update as FixMyStreet's `_populate_service_request_update_params` sends it.
    private static func citizenUpdate(_ code: String, _ overrides: [(String, String)] = [], removing: Set<String> = []) -> [(String, String)] {
        var pairs: [(String, String)] = [
            ("api_key", IntakeFixture.developmentKey), ("jurisdiction_id", "tehran.ir"),
            ("service_request_id", code), ("update_id", "fms-comment-1001"), ("updated_datetime", "2026-03-02T09:15:00+03:30"),
            ("status", "OPEN"), ("description", "The slide is still sharp at the top"),
            ("first_name", "Canary"), ("last_name", "Citizen"), ("email", "canary-fms@example.org"), ("phone", "09121234567"),
            ("media_url", "https://fixmystreet.example.org/photo/c/1001.0.full.jpeg"),
        ]
        let replaced = Set(overrides.map(\.0)).union(removing)
        pairs.removeAll { replaced.contains($0.0) }
        return pairs + overrides
    }

    private func post(_ http: any TestClientProtocol, _ format: String = "json", _ pairs: [(String, String)]) async throws -> TestResponse {
        try await http.execute(uri: "/open311/v2/servicerequestupdates.\(format)", method: .post, headers: Open311Test.formHeaders, body: Open311Test.form(pairs))
    }

    @Test("POST: a citizen's update is stored once, answered with our update_id, the same on a repeat; never in the feed; no contact kept")
    func postAccepted() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await submit(http)
            let xml = try await post(http, "xml", Self.citizenUpdate(report.code))
            #expect(xml.status == .ok, "\(String(buffer: xml.body))")
            let tree = try XMLTree.parse(xml.body)
            #expect(tree.name == "service_request_updates")
            #expect(tree.children.map(\.name) == ["request_update"])
            #expect(tree.children.first?.children.map(\.name) == ["update_id"])
            let id = try #require(tree.children.first?.child("update_id")?.text)
            #expect(UUID(uuidString: id) != nil)
            // A repeat (FixMyStreet retries until it has an id), in either format: the same answer, stored once.
            let again = try await post(http, "json", Self.citizenUpdate(report.code))
            #expect(String(buffer: again.body) == #"[{"update_id":"\#(id)"}]"#)
            #expect(try await fixture.scalar("SELECT count(*) FROM citizen_updates") == 1)
            #expect(try await fixture.text("SELECT status || ' ' || description || ' ' || media_url FROM citizen_updates") ==
                "OPEN The slide is still sharp at the top https://fixmystreet.example.org/photo/c/1001.0.full.jpeg")
            // The client's name, e-mail and phone are not kept anywhere in the row.
            let row = try #require(try await fixture.text("SELECT c::text FROM citizen_updates c"))
            for secret in ["Canary", "Citizen", "canary-fms", "9121234567"] { #expect(!row.contains(secret), "stored \(secret)") }
            // Another update of the same client, status CLOSED on an open report: a comment, the status unchanged.
            let closed = try await post(http, "json", Self.citizenUpdate(report.code, [("update_id", "fms-comment-1002"), ("status", "closed")]))
            #expect(closed.status == .ok)
            #expect(try await fixture.text("SELECT status FROM reports WHERE report_id = \(report.id)") == "received")
            #expect(try await fixture.scalar("SELECT count(*) FROM citizen_updates") == 2)
            // The feed lists the city's changes only, never citizens' updates.
            let feed = try await http.execute(uri: "/open311/v2/servicerequestupdates.json?start_date=2026-03-01T00:00:00Z&end_date=2026-03-07T00:00:00Z", method: .get)
            #expect(String(buffer: feed.body) == "[]")
            let today = String(buffer: try await http.execute(uri: "/open311/v2/servicerequestupdates.json", method: .get).body)
            #expect(!today.contains("still sharp") && !today.contains(id))
            // The answer and the form as intake's OpenAPI document describes them.
            let document = try JSONSchemaValidator.load(from: RepositoryFiles.path(OpenAPIContractTests.documentPath))
            #expect(document.validate(try IntakeFixture.json(again), at: "/components/schemas/Open311UpdateAccepted").isEmpty)
            let form = JSONValue.object(Dictionary(Self.citizenUpdate(report.code).map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { $1 }))
            #expect(document.validate(form, at: "/components/schemas/Open311UpdateSubmission").isEmpty)
        }
    }

    @Test("POST refused: no key or another channel's (403), an unknown request (404), a bad status or field (400), a reused update_id (409)")
    func postRefused() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await submit(http)
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, removing: ["api_key"])), .forbidden)
            try Open311Test.expectError(try await post(http, "xml", Self.citizenUpdate(report.code, [("api_key", "not-a-key")])), .forbidden, xml: true)
            let webKey = try await fixture.api.keys.create(channel: "web")
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, [("api_key", webKey)])), .forbidden)
            // A valid tracking code no report has, and an id that is no tracking code.
            var unknown = TrackingCode.random().digits
            while unknown == report.code { unknown = TrackingCode.random().digits }
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(unknown)), .notFound)
            try Open311Test.expectError(try await post(http, "xml", Self.citizenUpdate("not-a-code")), .notFound, xml: true)
            #expect(try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, [("status", "SOLVED")])), .badRequest).first?.contains("status") == true)
            for missing in ["status", "update_id", "updated_datetime", "description", "service_request_id"] {
                #expect(try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, removing: [missing])), .badRequest)
                    .first?.contains(missing) == true, "\(missing)")
            }
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, [("updated_datetime", "2026-03-02 09:15")])), .badRequest)
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, [("media_url", "javascript:alert(1)")])), .badRequest)
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, [("description", "<script>alert(1)</script>")])), .badRequest)
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(report.code, [("jurisdiction_id", "karaj.ir")])), .notFound)
            #expect(try await fixture.scalar("SELECT count(*) FROM citizen_updates") == 0)

            // The client's update_id names one update: used again for another request, refused.
            let other = try await submit(http)
            #expect(try await post(http, "json", Self.citizenUpdate(report.code)).status == .ok)
            try Open311Test.expectError(try await post(http, "json", Self.citizenUpdate(other.code)), .conflict)
            // Another client's key has its own update ids.
            let open311Key = try await fixture.api.keys.create(channel: "open311")
            #expect(try await post(http, "json", Self.citizenUpdate(other.code, [("api_key", open311Key)])).status == .ok)
            #expect(try await fixture.scalar("SELECT count(*) FROM citizen_updates") == 2)
        }
    }

    @Test("POST OPEN on a resolved or rejected report is refused (409), nothing stored: reopening needs the reporter's secret")
    func postReopenRefused() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let report = try await submit(http)
            for status in ["resolved", "rejected"] {
                try await Open311Test.execute(fixture, "UPDATE reports SET status = \(status) WHERE report_id = \(report.id)")
                for word in ["OPEN", "reopen"] {
                    let descriptions = try Open311Test.expectError(
                        try await post(http, "xml", Self.citizenUpdate(report.code, [("status", word), ("update_id", "\(status)-\(word)")])), .conflict, xml: true
                    )
                    #expect(descriptions.first?.contains("reopen secret") == true)
                }
            }
            #expect(try await fixture.scalar("SELECT count(*) FROM citizen_updates") == 0)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox") == 1)  // the report's own report.received, nothing more
            #expect(try await fixture.text("SELECT status FROM reports WHERE report_id = \(report.id)") == "rejected")
            // A comment that leaves it closed is stored.
            #expect(try await post(http, "json", Self.citizenUpdate(report.code, [("status", "CLOSED")])).status == .ok)
            #expect(try await fixture.scalar("SELECT count(*) FROM citizen_updates") == 1)
        }
    }
}
