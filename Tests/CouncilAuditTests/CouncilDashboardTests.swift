import Contracts
import CouncilAuditService
import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Persistence
import StaffAccounts
import Taxonomy
import Testing
import TestSupport
import WebPages

/// The committee's dashboard against the real server (HummingbirdTesting `.live`) over ``SummaryFixture``,
/// with the API on the same router as in the service: who may see it, its numbers against the API's
/// summary, filters, a report's timeline and its verification before and after tampering, exports, print.
@Suite("Council dashboard", .serialized, .timeLimit(.minutes(3)))
struct CouncilDashboardTests {
    static let password = "correct-horse-battery"

    /// The server and a way to sign accounts in.
    struct Dashboard {
        let fixture: AuditFixture
        let http: any TestClientProtocol
        let directory: StaffDirectory

        /// The session cookie of a fresh account with `roles`.
        func session(_ roles: [String]) async throws -> String {
            let username = TestEnvironment.uniqueName("council").lowercased()
            try await directory.add(username: username, displayName: "عضو کمیته", roles: roles, password: CouncilDashboardTests.password)
            guard case .signedIn(_, let token) = try await directory.signIn(username: username, password: CouncilDashboardTests.password) else {
                throw FixtureError(description: "the new account did not sign in")
            }
            return "\(StaffGate.cookieName)=\(token)"
        }

        /// `GET uri` with `cookie`.
        func get(_ uri: String, cookie: String? = nil, key: String? = nil) async throws -> TestResponse {
            var headers: HTTPFields = [:]
            if let cookie { headers[.cookie] = cookie }
            if let key { headers[.authorization] = "Bearer \(key)" }
            return try await http.execute(uri: uri, method: .get, headers: headers, body: nil)
        }
    }

    /// Runs `body` against the API and the pages over a fresh schema loaded by `load` (``SummaryFixture``).
    private func withDashboard(load: @Sendable @escaping (AuditFixture) async throws -> Void = { try await SummaryFixture.load(into: $0) },
                               _ body: @Sendable @escaping (Dashboard) async throws -> Void) async throws {
        try await AuditFixture.with { fixture in
            try await load(fixture)
            try await Migrator(client: fixture.client, logger: fixture.logger).migrate(schema: StaffDirectory.schema, bundle: StaffDirectory.migrationsBundle)
            let directory = StaffDirectory(client: fixture.client, logger: fixture.logger, passwordCost: 4)
            let queries = CouncilQueries(client: fixture.client, taxonomy: try Taxonomy.bundled(), logger: fixture.logger)
            let router = CouncilAPI(queries: queries, apiKey: CouncilAPITests.key).makeRouter()
            try CouncilPages(queries: queries, log: fixture.log, directory: directory, secureCookies: false).add(to: router)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: fixture.logger)
            try await app.test(.live) { http in try await body(Dashboard(fixture: fixture, http: http, directory: directory)) }
        }
    }

    /// The `data-value` of the overview row `id`.
    static func value(_ id: String, in page: String) -> String? {
        guard let row = page.range(of: "id=\"\(id)\""), let start = page[row.upperBound...].range(of: "data-value=\"") else { return nil }
        let rest = page[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }

    /// The part of `page` from the element with `id` to the next `</end>`.
    static func section(_ id: String, _ end: String, in page: String) -> String {
        guard let start = page.range(of: "id=\"\(id)\"") else { return "" }
        let rest = page[start.lowerBound...]
        return String(rest[..<(rest.range(of: "</\(end)>")?.upperBound ?? rest.endIndex)])
    }

    @Test("anonymous visitors go to sign-in; unit and operator accounts get 403 in words; council and admin see the dashboard")
    func access() async throws {
        try await withDashboard { dashboard in
            for path in ["/dashboard", "/dashboard/print", "/dashboard/reports/\(SummaryFixture.ids[0])", "/dashboard/export/summary.csv"] {
                let anonymous = try await dashboard.get(path)
                #expect(anonymous.status == .seeOther, "\(path)")
                #expect(anonymous.headers[.location]?.hasPrefix("/staff/sign-in?next=") == true, "\(path)")
            }
            #expect(try await dashboard.get("/").headers[.location] == "/dashboard")
            #expect(try await dashboard.get("/staff/sign-in").status == .ok)
            for roles in [["unit:parks-d05"], ["operator"]] {
                let refused = try await dashboard.get("/dashboard?lang=en", cookie: try await dashboard.session(roles))
                #expect(refused.status == .forbidden)
                let text = String(buffer: refused.body)
                #expect(text.contains("child-friendly committee") && !text.contains("metric-received"))
                #expect(!String(buffer: try await dashboard.get("/dashboard/export/summary.csv", cookie: try await dashboard.session(roles)).body)
                    .contains("section,key"))
            }
            for roles in [["council"], ["admin"]] {
                let page = try await dashboard.get("/dashboard?period=1404-Q3", cookie: try await dashboard.session(roles))
                #expect(page.status == .ok)
                #expect(String(buffer: page.body).contains("id=\"metric-received\""))
            }
        }
    }

    @Test("the overview's numbers are the API's summary for the same filters", arguments: [
        ("period=1404-Q3", "period=1404-Q3&child_friendly=true"),
        ("period=1404-Q3&child_friendly=all", "period=1404-Q3"),
        ("period=1404-Q3&child_friendly=false", "period=1404-Q3&child_friendly=false"),
        ("period=1404-Q3&district=12", "period=1404-Q3&child_friendly=true&district=12"),
        ("period=1404-10", "period=1404-10&child_friendly=true"),
        ("period=1404&unit=parks-d05", "period=1404&child_friendly=true&unit=parks-d05"),
    ])
    func overviewEqualsSummary(page query: String, api apiQuery: String) async throws {
        try await withDashboard { dashboard in
            let cookie = try await dashboard.session(["council"])
            let page = String(buffer: try await dashboard.get("/dashboard?\(query)", cookie: cookie).body)
            let summary = try JSONValue.parse(Array(try await dashboard.get("/api/v1/council/summary?\(apiQuery)", key: CouncilAPITests.key).body.readableBytesView))
            let timings = Dictionary(uniqueKeysWithValues: (summary["timings"]?.arrayValue ?? []).map { ($0["measure"]?.stringValue ?? "", $0) })
            let reports = Int(summary["reports"]?.numberValue ?? -1)
            let resolved = Int(timings["resolution"]?["count"]?.numberValue ?? -1)
            let rejected = summary["rejected"]?.arrayValue?.count ?? -1
            let overdue = (summary["overdue_by_unit"]?.arrayValue ?? []).reduce(0) { $0 + Int($1["count"]?.numberValue ?? 0) }
            #expect(Self.value("metric-received", in: page) == String(reports), "\(query)")
            #expect(Self.value("metric-resolved", in: page) == String(resolved), "\(query)")
            #expect(Self.value("metric-rejected", in: page) == String(rejected), "\(query)")
            #expect(Self.value("metric-open", in: page) == String(reports - resolved - rejected), "\(query)")
            #expect(Self.value("metric-overdue", in: page) == String(overdue), "\(query)")
            #expect(Self.value("metric-bounced", in: page) == String(summary["bounced"]?.arrayValue?.count ?? -1), "\(query)")
            #expect(Self.value("metric-reopen-rate", in: page) == String(format: "%.4f", summary["reopen_rate"]?.numberValue ?? -1), "\(query)")
            for measure in ["assignment", "first_action", "resolution"] {
                for (suffix, key) in [("median", "median_hours"), ("p90", "p90_hours")] {
                    let expected = timings[measure]?[key]?.numberValue.map { String(format: "%.2f", $0) } ?? ""
                    #expect(Self.value("metric-\(measure)-\(suffix)", in: page) == expected, "\(query) \(measure) \(suffix)")
                }
            }
        }
    }

    @Test("a period or filter change changes the numbers, the charts' tables and the lists alike")
    func filtersChangeTables() async throws {
        try await withDashboard { dashboard in
            let cookie = try await dashboard.session(["council"])
            func page(_ query: String) async throws -> String {
                String(buffer: try await dashboard.get("/dashboard?lang=en&\(query)", cookie: cookie).body)
            }
            let quarter = try await page("period=1404-Q3")
            #expect(Self.value("metric-received", in: quarter) == "6")
            // Overdue child reports of the quarter: r3, r7, r8 (r5 arrived in Dey, r6 is not a child report).
            let overdue = Self.section("overdue-list", "div", in: quarter)
            for index in [2, 6, 7] { #expect(overdue.contains("/dashboard/reports/\(SummaryFixture.ids[index])"), "r\(index + 1)") }
            for index in [4, 5] { #expect(!overdue.contains(SummaryFixture.ids[index]), "r\(index + 1)") }
            #expect(Self.section("rejected", "table", in: quarter).contains(SummaryFixture.trackingCodes[3]))
            #expect(Self.section("bounced", "table", in: quarter).contains(SummaryFixture.trackingCodes[2]))
            let districts = Self.section("chart-districts", "figure", in: quarter)
            #expect(districts.contains("District 5") && districts.contains("District 12"))
            #expect(Self.section("chart-months", "figure", in: quarter).contains("<svg"))

            let dey = try await page("period=1404-10")
            #expect(Self.value("metric-received", in: dey) == "1")
            #expect(Self.section("overdue-list", "div", in: dey).contains(SummaryFixture.ids[4]))
            #expect(!Self.section("overdue-list", "div", in: dey).contains(SummaryFixture.ids[2]))
            // Dey's previous period is Azar: r3 (1404-08) is not in it, r4 (1404-09) is.
            #expect(dey.contains("Azar 1404 (previous)"))

            let district = try await page("period=1404-Q3&district=12")
            #expect(Self.value("metric-received", in: district) == "2")
            let only12 = Self.section("chart-districts", "figure", in: district)
            #expect(only12.contains("District 12") && !only12.contains("District 5"))
            #expect(!Self.section("overdue-list", "div", in: district).contains(SummaryFixture.ids[6]))

            let bad = try await dashboard.get("/dashboard?lang=en&period=1404-Q9", cookie: cookie)
            #expect(bad.status == .badRequest)
            #expect(String(buffer: bad.body).contains("period"))
        }
    }

    @Test("Persian first: right to left, Persian digits, Solar Hijri period names; the print version has no forms")
    func persianAndPrint() async throws {
        try await withDashboard { dashboard in
            let cookie = try await dashboard.session(["council"])
            let page = String(buffer: try await dashboard.get("/dashboard?period=1404-Q3", cookie: cookie).body)
            #expect(page.contains("dir=\"rtl\"") && page.contains("lang=\"fa\""))
            #expect(page.contains("پاییز ۱۴۰۴ (مهر تا آذر)"))
            #expect(Self.section("metric-received", "tr", in: page).contains(">۶<"))
            #expect(!page.contains("Canary") && !page.contains("989121234567") && !page.contains("گزارش آزمایشی"))
            let print = try await dashboard.get("/dashboard/print?period=1404-Q3", cookie: cookie)
            #expect(print.status == .ok)
            let printed = String(buffer: print.body)
            #expect(printed.contains("dashboard printable") && !printed.contains("id=\"filters\"") && printed.contains("<svg"))
        }
    }

    @Test("a report's timeline verifies; after one entry is changed, verify names that entry")
    func timelineVerify() async throws {
        try await withDashboard { dashboard in
            let cookie = try await dashboard.session(["council"])
            let id = SummaryFixture.ids[1]
            let timeline = String(buffer: try await dashboard.get("/dashboard/reports/\(id)?lang=en", cookie: cookie).body)
            #expect(timeline.components(separatedBy: "<time ").count - 1 == 6)
            #expect(!timeline.contains("verify-result") && !timeline.contains("Canary") && !timeline.contains("گزارش آزمایشی"))
            let byCode = try await dashboard.get("/dashboard/reports/\(SummaryFixture.trackingCodes[1])?lang=en&verify=1", cookie: cookie)
            #expect(String(buffer: byCode.body).contains("data-verified=\"true\""))
            #expect(try await dashboard.get("/dashboard/reports/\(UUID())", cookie: cookie).status == .notFound)

            let seq = try await dashboard.fixture.scalar("SELECT seq FROM audit_log WHERE report_id = \(UUID(uuidString: id)!) ORDER BY seq OFFSET 2 LIMIT 1")
            try await dashboard.fixture.client.withConnection { connection in
                try await connection.query("SET session_replication_role = replica", logger: dashboard.fixture.logger)
                try await connection.query(
                    "UPDATE audit_log SET body = convert_to(replace(convert_from(body, 'UTF8'), 'in_progress', 'resolved'), 'UTF8') WHERE seq = \(seq)",
                    logger: dashboard.fixture.logger)
                try await connection.query("SET session_replication_role = origin", logger: dashboard.fixture.logger)
            }
            let broken = String(buffer: try await dashboard.get("/dashboard/reports/\(id)?lang=en&verify=1", cookie: cookie).body)
            #expect(broken.contains("data-verified=\"false\""))
            #expect(broken.contains("The chain breaks at entry \(seq) (Status changed)"), "\(Self.section("verify-result", "p", in: broken))")
            #expect(Self.section("broken-entry", "tr", in: broken).contains(">\(seq)<"))
            // Another report's entries and links are untouched.
            let other = try await dashboard.get("/dashboard/reports/\(SummaryFixture.ids[0])?verify=1", cookie: cookie)
            #expect(String(buffer: other.body).contains("data-verified=\"true\""))
        }
    }

    @Test("the CSV exports with a session are the API's CSV with the key, byte for byte")
    func exports() async throws {
        try await withDashboard { dashboard in
            let cookie = try await dashboard.session(["council"])
            for (page, api) in [
                ("/dashboard/export/summary.csv?period=1404-Q3&child_friendly=true", "/api/v1/council/summary.csv?period=1404-Q3&child_friendly=true"),
                ("/dashboard/export/reports.csv?period=1404-Q3&overdue=true&page_size=500", "/api/v1/council/reports.csv?period=1404-Q3&overdue=true&page_size=500"),
                ("/dashboard/reports/\(SummaryFixture.ids[1])/timeline.csv", "/api/v1/council/reports/\(SummaryFixture.ids[1])/timeline.csv"),
            ] {
                let viaSession = try await dashboard.get(page, cookie: cookie)
                let viaKey = try await dashboard.get(api, key: CouncilAPITests.key)
                #expect(viaSession.status == .ok && viaSession.headers[.contentType] == "text/csv; charset=utf-8", "\(page)")
                #expect(String(buffer: viaSession.body) == String(buffer: viaKey.body), "\(page)")
            }
        }
    }

    @Test("a quarter of 3,000 reports: the overview and the print page render in a few seconds; the numbers still equal the API's")
    func quarterOfManyReports() async throws {
        let count = 3_000
        try await withDashboard(load: { try await VolumeFixture.load(count: count, into: $0) }) { dashboard in
            let cookie = try await dashboard.session(["council"])
            var times: [Double] = []
            for path in ["/dashboard?period=1404-Q3&child_friendly=all", "/dashboard?period=1404-Q3", "/dashboard/print?period=1404-Q3&child_friendly=all"] {
                let started = ContinuousClock.now
                let response = try await dashboard.get(path, cookie: cookie)
                let elapsed = ContinuousClock.now - started
                times.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                #expect(response.status == .ok, "\(path)")
                print("dashboard render: \(path) \(String(format: "%.3f", times.last ?? 0)) s, \(response.body.readableBytes) bytes")
            }
            let page = String(buffer: try await dashboard.get("/dashboard?period=1404-Q3&child_friendly=all", cookie: cookie).body)
            let summary = try JSONValue.parse(Array(try await dashboard.get("/api/v1/council/summary?period=1404-Q3", key: CouncilAPITests.key).body.readableBytesView))
            #expect(Self.value("metric-received", in: page) == String(count))
            #expect(summary["reports"]?.numberValue == Double(count))
            #expect(times.allSatisfy { $0 < 15 }, "\(times)")
        }
    }

    /// A child report (or not) received in 1404-Q3 at `lat`, `long` (nil: by district alone).
    static func placed(_ index: Int, code: String = "CFC-PLAY", lat: Double?, long: Double?) -> [CloudEvent] {
        let id = String(format: "20000000-0000-4000-8000-%012d", index)
        let received = "2025-10-1\(index % 10)T08:00:00.000Z"
        var location: [String: JSONValue] = ["district": 5]
        if let lat, let long { location["lat"] = .number(lat); location["long"] = .number(long) }
        return [
            AuditFixture.event(EventType.reportReceived, id, [
                "report_id": .string(id), "tracking_code": .string(String(format: "16%08d", index)), "channel": "web",
                "service_code": .string(code), "location": .object(location), "received_at": .string(received),
            ], at: received),
            AuditFixture.event(EventType.reportRouted, id, [
                "report_id": .string(id), "service_code": .string(code), "child_friendly": .bool(code.hasPrefix("CFC-")), "priority": "P1",
                "unit": "parks-d05", "district": "05", "deadline": .string(SummaryFixture.at(received, plus: 72)),
            ], at: SummaryFixture.at(received, plus: 1)),
        ]
    }

    @Test("repeat hazards: three or more reports in one ~100 m square are listed with links; the filter applies; a district alone places nothing")
    func repeatHazards() async throws {
        let events = [(35.70012, 51.40031), (35.70041, 51.40049), (35.69981, 51.40022), (35.70033, 51.39961)].enumerated()
            .flatMap { Self.placed($0.offset, lat: $0.element.0, long: $0.element.1) }
            + Self.placed(4, code: "ROAD", lat: 35.70001, long: 51.40002)
            + Self.placed(5, lat: 35.75, long: 51.45) + Self.placed(6, lat: 35.7502, long: 51.4501) + Self.placed(7, lat: nil, long: nil)
            // The router raised the first report's case as a repeat hazard (three reports of it).
            + [AuditFixture.event(EventType.reportRepeatHazard, "20000000-0000-4000-8000-000000000000", [
                "report_id": "20000000-0000-4000-8000-000000000000", "tracking_code": "1600000000", "unit": "parks", "service_code": "CFC-PLAY",
                "child_friendly": true, "district": "05", "reason": "reports", "count": 3, "from_priority": "P1", "priority": "P0",
                "deadline": "2025-10-11T08:00:00.000Z", "at": "2025-10-10T09:00:00.000Z",
            ], at: "2025-10-10T09:00:00.000Z")]
        try await withDashboard(load: { try await $0.append(events) }) { dashboard in
            let cookie = try await dashboard.session(["council"])
            let child = String(buffer: try await dashboard.get("/dashboard?lang=en&period=1404-Q3", cookie: cookie).body)
            let raised = Self.section("raised", "table", in: child)
            #expect(raised.contains("/dashboard/reports/20000000-0000-4000-8000-000000000000") && raised.contains("three reports of one hazard")
                    && raised.contains(">P0<"), "\(raised)")
            #expect(!raised.contains("20000000-0000-4000-8000-000000000001"), "only the raised case")
            let persian = String(buffer: try await dashboard.get("/dashboard?period=1404-Q3", cookie: cookie).body)
            #expect(Self.section("raised", "table", in: persian).contains("سه گزارش از یک مورد"))
            let table = Self.section("hazards", "table", in: child)
            #expect(table.contains("35.700, 51.400") && table.contains(">4<"), "\(table)")
            #expect(table.contains("/dashboard/reports/20000000-0000-4000-8000-000000000000") && !table.contains("35.750"))
            let all = String(buffer: try await dashboard.get("/dashboard?lang=en&period=1404-Q3&child_friendly=all", cookie: cookie).body)
            #expect(Self.section("hazards", "table", in: all).contains(">5<"))
            let queries = CouncilQueries(client: dashboard.fixture.client, taxonomy: try Taxonomy.bundled(), logger: dashboard.fixture.logger)
            let two = try await queries.repeatHazards(try ReportFilter(parameters: ["period": "1404-Q3"]), minimum: 2)
            #expect(two.map(\.count) == [5, 2])
            #expect(two.first?.serviceCodes == ["CFC-PLAY", "ROAD"])
            let none = String(buffer: try await dashboard.get("/dashboard?lang=en&period=1404-Q4", cookie: cookie).body)
            #expect(none.contains("No place has three or more reports.") && none.contains("No case was raised as a repeat hazard."))
        }
    }
}
