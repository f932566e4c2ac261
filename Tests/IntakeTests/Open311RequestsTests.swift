import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import IntakeService
import JSON
import Taxonomy
import Testing
import TestSupport

/// Open311 `GET requests`, `GET requests/{id}` and `GET tokens/{token}` over a read model set up in the
/// database: the spec's filters and defaults, the paging and update-time extensions, extended
/// attributes, both formats, and every bad query as a 400/404.
@Suite("Open311 GET requests and tokens") struct Open311RequestsTests {
    /// Four reports: a closed child report routed to parks, an old road report (95 days ago, updated
    /// today), a road report updated two days ago, and a fresh lighting one.
    private struct Seeded {
        var closedChild: String
        var old: String
        var updatedEarlier: String
        var fresh: String
        var childReportID: String
    }

    private func seed(_ fixture: IntakeFixture, _ http: any TestClientProtocol) async throws -> Seeded {
        func submit(_ code: String, _ attributes: [String: JSONValue] = [:]) async throws -> (code: String, id: String) {
            let body = IntakeFixture.report(["service_code": .string(code), "attributes": .object(attributes)])
            let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(body))
            #expect(response.status == .created)
            let json = try IntakeFixture.json(response)
            return (try #require(json["tracking_code"]?.stringValue), try #require(json["report_id"]?.stringValue))
        }
        let child = try await submit("CFC-PLAY", ["equipment": .string("swing")])
        let old = try await submit("ROAD")
        let earlier = try await submit("ROAD")
        let fresh = try await submit("LIGHT")
        try await Open311Test.execute(fixture, """
            UPDATE reports SET status = 'resolved', status_notes = 'Swing replaced', unit = 'parks', child_friendly = true, priority = 'P1',
                district = 6, deadline = '2026-01-10T12:00:00Z', received_at = now() - interval '3 hours', updated_at = now() - interval '1 hour'
            WHERE tracking_code = \(child.code)
            """)
        try await Open311Test.execute(fixture, "UPDATE reports SET received_at = now() - interval '95 days', updated_at = now() WHERE tracking_code = \(old.code)")
        try await Open311Test.execute(fixture, "UPDATE reports SET received_at = now() - interval '3 days', updated_at = now() - interval '2 days' WHERE tracking_code = \(earlier.code)")
        try await Open311Test.execute(fixture, "UPDATE reports SET child_friendly = false WHERE tracking_code = \(fresh.code)")
        return Seeded(closedChild: child.code, old: old.code, updatedEarlier: earlier.code, fresh: fresh.code, childReportID: child.id)
    }

    /// The ids a `GET requests` answers, in order, after checking the answer against requests.json.
    private func ids(_ http: any TestClientProtocol, _ query: String) async throws -> [String] {
        let response = try await http.execute(uri: "/open311/v2/requests.json\(query)", method: .get)
        #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
        let body = try IntakeFixture.json(response)
        try Open311Test.expectValid(body, "requests.json")
        return body.arrayValue?.compactMap { $0["service_request_id"]?.stringValue } ?? []
    }

    private static func time(_ offset: TimeInterval) -> String {
        Open311Test.encode(Date().addingTimeInterval(offset).formatted(Date.ISO8601FormatStyle()))
    }

    @Test("filters: the 90-day default, ids overriding everything, service codes, statuses, dates, paging, update times")
    func filters() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let seeded = try await seed(fixture, http)
            let day: TimeInterval = 24 * 3600
            // Newest first; the 95-day-old report is outside the default window.
            #expect(try await ids(http, "") == [seeded.fresh, seeded.closedChild, seeded.updatedEarlier])
            #expect(try await ids(http, "?service_request_id=\(seeded.old),\(seeded.closedChild),1234567890&status=open&service_code=LIGHT") == [seeded.closedChild, seeded.old])
            #expect(try await ids(http, "?service_request_id=abc") == [])
            #expect(try await ids(http, "?service_code=ROAD") == [seeded.updatedEarlier])
            #expect(try await ids(http, "?service_code=LIGHT,%20CFC-PLAY") == [seeded.fresh, seeded.closedChild])
            #expect(try await ids(http, "?status=closed") == [seeded.closedChild])
            #expect(try await ids(http, "?status=open") == [seeded.fresh, seeded.updatedEarlier])
            #expect(try await ids(http, "?status=open,closed") == [seeded.fresh, seeded.closedChild, seeded.updatedEarlier])
            #expect(try await ids(http, "?status=closed&status=open") == [seeded.fresh, seeded.closedChild, seeded.updatedEarlier])
            #expect(try await ids(http, "?service_code=LIGHT&service_code=ROAD") == [seeded.fresh, seeded.updatedEarlier])
            #expect(try await ids(http, "?start_date=\(Self.time(-100 * day))&end_date=\(Self.time(-94 * day))") == [seeded.old])
            // One end given: 90 days from it.
            #expect(try await ids(http, "?start_date=\(Self.time(-96 * day))") == [seeded.old])
            #expect(try await ids(http, "?end_date=\(Self.time(-1 * day))") == [seeded.updatedEarlier])
            #expect(try await ids(http, "?start_date=2026-01-01T00:00:00%2B03:30&end_date=2026-01-02T00:00:00Z") == [])
            // Paging (extension).
            #expect(try await ids(http, "?page_size=1") == [seeded.fresh])
            #expect(try await ids(http, "?page_size=1&page=2") == [seeded.closedChild])
            #expect(try await ids(http, "?page_size=2&page=2") == [seeded.updatedEarlier])
            #expect(try await ids(http, "?page=9") == [])
            // Update times (extension): no default window, so an old report updated today is seen.
            #expect(try await ids(http, "?updated_after=\(Self.time(-1.5 * 3600))") == [seeded.fresh, seeded.closedChild, seeded.old])
            #expect(try await ids(http, "?updated_before=\(Self.time(-1 * day))") == [seeded.updatedEarlier])
            #expect(try await ids(http, "?updated_after=\(Self.time(-3 * day))&updated_before=\(Self.time(-0.5 * 3600))") == [seeded.closedChild, seeded.updatedEarlier])
            // Empty parameters are the same as absent ones (the spec's optional arguments).
            #expect(try await ids(http, "?status=&service_code=&start_date=&page=") == [seeded.fresh, seeded.closedChild, seeded.updatedEarlier])
        }
    }

    @Test("fields: status, notes, unit, deadline, child notice; extensions=true adds extended_attributes; XML equal to JSON")
    func fieldsAndExtensions() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let seeded = try await seed(fixture, http)
            let plain = try await http.execute(uri: "/open311/v2/requests/\(seeded.closedChild).json", method: .get)
            let request = try #require(try IntakeFixture.json(plain).arrayValue?.first)
            #expect(request["status"]?.stringValue == "closed")
            #expect(request["status_notes"]?.stringValue == "Swing replaced")
            #expect(request["agency_responsible"]?.stringValue == "parks")
            #expect(request["expected_datetime"]?.stringValue == "2026-01-10T12:00:00Z")
            #expect(request["service_notice"]?.stringValue?.contains("شهر دوستدار کودک") == true)
            #expect(request["extended_attributes"] == nil)
            for field in ["address", "address_id", "zipcode"] { #expect(request[field] == .null, "\(field)") }
            let requested = try #require(request["requested_datetime"]?.stringValue.flatMap { try? Date.ISO8601FormatStyle().parse($0) })
            #expect(abs(requested.timeIntervalSinceNow + 3 * 3600) < 60)

            let json = try await http.execute(uri: "/open311/v2/requests.json?extensions=true&locale=en", method: .get)
            let body = try IntakeFixture.json(json)
            try Open311Test.expectValid(body, "requests.json")
            let items = try #require(body.arrayValue)
            let child = try #require(items.first { $0["service_request_id"] == .string(seeded.closedChild) })
            #expect(child["service_name"]?.stringValue == "Children's playgrounds")
            #expect(child["service_notice"]?.stringValue?.hasPrefix("A child-friendly city report") == true)
            #expect(child["extended_attributes"] == .object([
                "child_friendly": .bool(true), "child_friendly_code": .string("CFC-PLAY"), "priority": .string("P1"),
                "district": .number(6), "channel": .string("137-phone"), "tracking_code": .string(seeded.closedChild),
            ]))
            let light = try #require(items.first { $0["service_request_id"] == .string(seeded.fresh) })
            #expect(light["extended_attributes"]?["child_friendly"] == .bool(false))
            #expect(light["extended_attributes"]?["child_friendly_code"] == .null)
            #expect(light["extended_attributes"]?["priority"] == .null)
            #expect(light["service_notice"] == .null)
            let xml = try await http.execute(uri: "/open311/v2/requests.xml?extensions=true&locale=en", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "service_requests", item: "request")
            #expect(try XMLTree.parse(xml.body).children.first?.child("extended_attributes")?.child("child_friendly_code") != nil)

            // The single-request resource takes extensions too.
            let one = try IntakeFixture.json(try await http.execute(uri: "/open311/v2/requests/\(seeded.closedChild).json?extensions=1", method: .get))
            #expect(one.arrayValue?.first?["extended_attributes"]?["district"] == .number(6))
            // An empty list is an empty document in both formats.
            let emptyJSON = try await http.execute(uri: "/open311/v2/requests.json?service_request_id=1234567890", method: .get)
            let emptyXML = try await http.execute(uri: "/open311/v2/requests.xml?service_request_id=1234567890", method: .get)
            #expect(String(buffer: emptyJSON.body) == "[]")
            try Open311Test.expectSameDocument(json: emptyJSON, xml: emptyXML, root: "service_requests", item: "request")
        }
    }

    @Test("a report sent without a service code shows the fallback code until classified, still valid")
    func uncategorised() async throws {
        try await IntakeFixture.withAPI { _, http in
            let body = IntakeFixture.report(["service_code": .null, "attributes": .null])
            let created = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(body))
            let code = try #require(try IntakeFixture.json(created)["tracking_code"]?.stringValue)
            let read = try IntakeFixture.json(try await http.execute(uri: "/open311/v2/requests/\(code).json?extensions=true", method: .get))
            try Open311Test.expectValid(read, "requests.json")
            #expect(read.arrayValue?.first?["service_code"]?.stringValue == Taxonomy.fallbackCode)
            #expect(read.arrayValue?.first?["extended_attributes"]?["child_friendly"] == .null)
        }
    }

    @Test("bad dates, ranges, statuses, pages and flags are 400s; an unknown service code a 404")
    func queryErrors() async throws {
        try await IntakeFixture.withAPI { _, http in
            let badRequests = [
                "start_date=yesterday", "start_date=2026-01-01", "start_date=2026-01-01T00:00:00", "end_date=2026-02-30T00:00:00Z",
                "start_date=2026-01-01T25:00:00Z", "updated_after=1700000000", "updated_before=2026-13-01T00:00:00Z",
                "start_date=2026-03-01T00:00:00Z&end_date=2026-02-01T00:00:00Z", "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
                "updated_after=2026-03-01T00:00:00Z&updated_before=2026-02-01T00:00:00Z",
                "status=pending", "status=open,pending", "page=0", "page=-1", "page=abc", "page=1.5", "page=100001",
                "page_size=0", "page_size=1001", "page_size=ten", "extensions=maybe",
                "service_request_id=" + Array(repeating: "1234567890", count: 1_001).joined(separator: ","),
            ]
            for query in badRequests {
                let descriptions = try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests.json?\(query)", method: .get), .badRequest)
                let parameter = String(query.prefix { $0 != "=" })
                #expect(descriptions.contains { $0.contains(parameter) }, "\(query): \(descriptions)")
            }
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests.xml?start_date=yesterday", method: .get), .badRequest, xml: true)
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests.xml?page_size=5000", method: .get), .badRequest, xml: true)
            let unknown = try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests.json?service_code=ROAD,PIZZA", method: .get), .notFound)
            #expect(unknown.first?.contains("PIZZA") == true)
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests.json?extensions=maybe&service_request_id=1234567890", method: .get), .badRequest)
        }
    }

    @Test("one request: unknown or malformed ids are 404s in the spec's format")
    func singleRequestErrors() async throws {
        try await IntakeFixture.withAPI { _, http in
            let unknown = TrackingCode.random()
            for id in [unknown.digits, "12345", "not-a-code", "1234567891"] {
                try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests/\(id).json", method: .get), .notFound)
                try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests/\(id).xml", method: .get), .notFound, xml: true)
            }
            try Open311Test.expectError(try await http.execute(uri: "/open311/v2/requests/\(unknown.digits).json?extensions=maybe", method: .get), .badRequest)
        }
    }

    @Test("tokens: the native report id resolves to its service_request_id in both formats; unknown ones are 404s")
    func tokens() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let seeded = try await seed(fixture, http)
            let json = try await http.execute(uri: "/open311/v2/tokens/\(seeded.childReportID).json", method: .get)
            let body = try IntakeFixture.json(json)
            let item = try #require(body.arrayValue?.first)
            #expect(body.arrayValue?.count == 1)
            try Open311Test.expectValid(item, "swagger.json", at: "/definitions/TokenResponse")
            #expect(item == .object(["service_request_id": .string(seeded.closedChild), "token": .string(seeded.childReportID)]))
            let upper = try await http.execute(uri: "/open311/v2/tokens/\(seeded.childReportID.uppercased()).json", method: .get)
            #expect(try IntakeFixture.json(upper) == body)
            let xml = try await http.execute(uri: "/open311/v2/tokens/\(seeded.childReportID).xml", method: .get)
            try Open311Test.expectSameDocument(json: json, xml: xml, root: "service_requests", item: "request")
            for token in [UUID().uuidString, "not-a-token", "1234567890"] {
                try Open311Test.expectError(try await http.execute(uri: "/open311/v2/tokens/\(token).json", method: .get), .notFound)
                try Open311Test.expectError(try await http.execute(uri: "/open311/v2/tokens/\(token).xml", method: .get), .notFound, xml: true)
            }
        }
    }
}
