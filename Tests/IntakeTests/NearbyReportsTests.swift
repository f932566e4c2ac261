import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import JSON
import Testing
import TestSupport

/// Open reports near a place, shown before a new report is sent: the public `/report/nearby` and the call
/// screen's preview, against the real server and database (PostGIS).
@Suite("Nearby open reports") struct NearbyReportsTests {
    /// Submits a report through the native API and returns its tracking code.
    static func submit(_ http: any TestClientProtocol, code: String, location: JSONValue, attributes: JSONValue = .object([:])) async throws -> String {
        let body = IntakeFixture.report(["service_code": .string(code), "location": location, "attributes": attributes])
        let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(), body: IntakeFixture.bytes(body))
        #expect(response.status == .created)
        return try #require(try IntakeFixture.json(response)["tracking_code"]?.stringValue)
    }

    static func point(_ lat: Double, _ long: Double) -> JSONValue {
        .object(["lat": .number(lat), "long": .number(long)])
    }

    static func codes(_ answer: JSONValue) -> [String] {
        (answer["reports"]?.arrayValue ?? []).compactMap { $0["tracking_code"]?.stringValue }
    }

    @Test("the public list: same code or child-friendly group, within the code's radius, open, of the last 30 days, nearest first; addresses by district and place; nothing personal")
    func publicList() async throws {
        try await IntakeFixture.withAPI(IntakePagesTests.pages) { fixture, http in
            let near = try await Self.submit(http, code: "CFC-PLAY", location: Self.point(35.7000, 51.4000))
            let nearer = try await Self.submit(http, code: "CFC-PLAY", location: Self.point(35.70012, 51.4000))  // ~13 m from the query
            let tooFar = try await Self.submit(http, code: "CFC-PLAY", location: Self.point(35.7010, 51.4000))  // ~100 m: past 40 m
            let road = try await Self.submit(http, code: "ROAD", location: Self.point(35.7000, 51.4000))
            let school = try await Self.submit(http, code: "CFC-SCHOOL", location: Self.point(35.70005, 51.4000))
            let resolved = try await Self.submit(http, code: "CFC-PLAY", location: Self.point(35.7000, 51.4000))
            let old = try await Self.submit(http, code: "CFC-PLAY", location: Self.point(35.7000, 51.4000))
            let byAddress = try await Self.submit(http, code: "CFC-PLAY", location: .object(["address": .string("پارک لاله، خیابان کارگر"), "district": .number(6)]))
            try await fixture.client.query("UPDATE reports SET status = 'resolved' WHERE tracking_code = \(resolved)", logger: TestEnvironment.logger("nearby"))
            try await fixture.client.query("UPDATE reports SET received_at = now() - interval '40 days' WHERE tracking_code = \(old)", logger: TestEnvironment.logger("nearby"))

            // Persian digits and the decimal separator, as a phone's keyboard types them.
            let answer = try IntakeFixture.json(try await http.execute(
                uri: "/report/nearby?service_code=CFC-PLAY&lat=\(PageSession.encode("۳۵٫۷۰۰۲"))&long=51.4", method: .get))
            #expect(Self.codes(answer) == [nearer, school, near])
            for excluded in [tooFar, road, resolved, old, byAddress] { #expect(!Self.codes(answer).contains(excluded)) }
            let first = try #require(answer["reports"]?.arrayValue?.first)
            #expect(Set((first.objectValue ?? [:]).keys) == ["tracking_code", "service_code", "service_name", "status", "status_label", "distance_m",
                                                                   "distance_label", "age_label", "label"])
            #expect(first["distance_m"]?.numberValue == 10)
            #expect(first["distance_label"]?.stringValue == "حدود ۱۰ متر")
            #expect(first["age_label"]?.stringValue == "کمتر از یک ساعت پیش")
            let persianCode = String(String.UnicodeScalarView(nearer.unicodeScalars.map { Unicode.Scalar(0x06F0 + $0.value - 0x30)! }))
            #expect(first["label"]?.stringValue?.hasPrefix(persianCode) == true)
            let text = String(buffer: try await http.execute(uri: "/report/nearby?service_code=CFC-PLAY&lat=35.7002&long=51.4", method: .get).body)
            for secret in ["Canary", "canary@", "+98", "تاب پارک", "لاله"] { #expect(!text.contains(secret)) }

            let english = try IntakeFixture.json(try await http.execute(uri: "/report/nearby?service_code=CFC-KG&lat=35.7002&long=51.4&lang=en", method: .get))
            #expect(Self.codes(english) == [nearer, school, near])  // a kindergarten is of the child-friendly group too
            #expect(english["reports"]?.arrayValue?.first?["distance_label"]?.stringValue == "about 10 m")

            // An address without a point: the same district and the same words in another order and spelling.
            let address = "خيابان كارگر - پارك لاله"
            let byPlace = try IntakeFixture.json(try await http.execute(
                uri: "/report/nearby?service_code=CFC-PLAY&district=\(PageSession.encode("۶"))&address=\(PageSession.encode(address))", method: .get))
            #expect(Self.codes(byPlace) == [byAddress])
            #expect(byPlace["reports"]?.arrayValue?.first?["distance_label"]?.stringValue == "همین نشانی")
            #expect(byPlace["reports"]?.arrayValue?.first?["distance_m"] == nil)
            let otherDistrict = try IntakeFixture.json(try await http.execute(
                uri: "/report/nearby?service_code=CFC-PLAY&district=7&address=\(PageSession.encode(address))", method: .get))
            #expect(Self.codes(otherDistrict).isEmpty)

            // Nothing to ask without a service, a place, or with a point outside the city.
            for query in ["lat=35.7&long=51.4", "service_code=CFC-PLAY", "service_code=CFC-PLAY&lat=40&long=51.4", "service_code=NOPE&lat=35.7&long=51.4"] {
                let none = try IntakeFixture.json(try await http.execute(uri: "/report/nearby?\(query)", method: .get))
                #expect(Self.codes(none).isEmpty, "\(query)")
            }

            // The report page has the (hidden) list for the script, and the page still submits without it.
            let page = String(buffer: try await http.execute(uri: "/", method: .get).body)
            #expect(page.contains("id=\"nearby-box\"") && page.contains("گزارش‌های باز همین نزدیکی"))

            // The query uses the GiST index once the table is large enough for it to matter.
            let plan = try await Self.plan(fixture)
            #expect(plan.contains("reports_location"), "\(plan)")
        }
    }

    /// The nearby query's plan with sequential scans discouraged (the test table is tiny).
    static func plan(_ fixture: IntakeFixture) async throws -> String {
        var lines: [String] = []
        try await fixture.client.withConnection { connection in
            try await connection.query("SET enable_seqscan = off", logger: TestEnvironment.logger("nearby"))
            let rows = try await connection.query("""
                EXPLAIN SELECT tracking_code FROM reports WHERE lat IS NOT NULL AND long IS NOT NULL
                  AND public.ST_DWithin(public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography,
                                        public.ST_SetSRID(public.ST_MakePoint(51.4, 35.7), 4326)::public.geography, 40.0)
                """, logger: TestEnvironment.logger("nearby"))
            for try await line in rows.decode(String.self) { lines.append(line) }
            try await connection.query("RESET enable_seqscan", logger: TestEnvironment.logger("nearby"))
        }
        return lines.joined(separator: "\n")
    }

    @Test("the public list is rate limited per client address like the other public pages")
    func rateLimited() async throws {
        var options = IntakeFixture.Options(pages: true)
        options.ratePerAddress = 3
        try await IntakeFixture.withAPI(options) { _, http in
            for _ in 1...3 {
                #expect(try await http.execute(uri: "/report/nearby?service_code=CFC-PLAY&lat=35.7&long=51.4", method: .get).status == .ok)
            }
            let refused = try await http.execute(uri: "/report/nearby?service_code=CFC-PLAY&lat=35.7&long=51.4", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] != nil)
        }
    }

    @Test("the call screen's preview lists open reports at the typed district and address, of the chosen or suggested service")
    func callScreen() async throws {
        try await IntakeFixture.withAPI(IntakePagesTests.pages) { fixture, http in
            let reported = try await Self.submit(http, code: "CFC-PLAY", location: .object(["address": .string("پارک لاله، خیابان کارگر"), "district": .number(6)]))
            let account = try await StaffPagesTests.operatorAccount(fixture)
            let browser = PageSession(http)
            _ = try await StaffPagesTests.signIn(browser, account.username, StaffPagesTests.password)
            let place = "district=6&address=\(PageSession.encode("خیابان کارگر، پارک لاله"))"
            let chosen = try IntakeFixture.json(try await browser.get("/staff/call/preview?service_code=CFC-SCHOOL&\(place)"))
            #expect(Self.codes(.object(["reports": chosen["nearby"] ?? .null])) == [reported])
            let label = try #require(chosen["nearby"]?.arrayValue?.first?["label"]?.stringValue)
            #expect(label.contains("زمین بازی کودکان") && label.contains("همین نشانی"))
            let suggested = try IntakeFixture.json(try await browser.get(
                "/staff/call/preview?description=\(PageSession.encode("تاب پارک شکسته است"))&\(place)"))
            #expect(suggested["suggestion"]?["service_code"]?.stringValue == "CFC-PLAY")
            #expect(Self.codes(.object(["reports": suggested["nearby"] ?? .null])) == [reported])
            let road = try IntakeFixture.json(try await browser.get("/staff/call/preview?service_code=ROAD&\(place)"))
            #expect(road["nearby"]?.arrayValue?.isEmpty == true)
            #expect(String(buffer: try await browser.get("/staff/call").body).contains("id=\"nearby-box\""))
        }
    }
}
