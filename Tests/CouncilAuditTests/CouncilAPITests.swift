import Contracts
import CouncilAuditService
import Foundation
import Hummingbird
import HummingbirdTesting
import JSON
import Taxonomy
import Testing
import TestSupport

/// The committee's HTTP API against the real server (HummingbirdTesting `.live`) over ``SummaryFixture``:
/// the key, every filter, paging, bad filters, the timeline with its chain hashes, JSON and CSV.
@Suite("Council API", .serialized, .timeLimit(.minutes(3)))
struct CouncilAPITests {
    /// The committee's key in these tests.
    static let key = "council-test-key-0123456789"

    /// Runs `body` against the API over a fresh schema loaded with ``SummaryFixture``.
    private func withAPI(_ body: @Sendable @escaping (AuditFixture, any TestClientProtocol) async throws -> Void) async throws {
        try await AuditFixture.with { fixture in
            try await SummaryFixture.load(into: fixture)
            let api = CouncilAPI(queries: CouncilQueries(client: fixture.client, taxonomy: try Taxonomy.bundled(), logger: fixture.logger), apiKey: Self.key)
            let app = Application(router: api.makeRouter(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: fixture.logger)
            try await app.test(.live) { http in try await body(fixture, http) }
        }
    }

    private func get(_ http: any TestClientProtocol, _ uri: String, key: String? = key, accept: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[.authorization] = "Bearer \(key)" }
        if let accept { headers[.accept] = accept }
        return try await http.execute(uri: uri, method: .get, headers: headers, body: nil)
    }

    private func json(_ response: TestResponse) throws -> JSONValue {
        try JSONValue.parse(Array(response.body.readableBytesView))
    }

    /// The report ids of a reports page, in order.
    private func ids(_ http: any TestClientProtocol, _ query: String) async throws -> [String] {
        let response = try await get(http, "/api/v1/council/reports?\(query)")
        #expect(response.status == .ok, "\(query): \(String(buffer: response.body))")
        return try json(response)["reports"]?.arrayValue?.compactMap { $0["report_id"]?.stringValue } ?? []
    }

    private func index(_ ids: [String]) -> [Int] {
        ids.compactMap { SummaryFixture.ids.firstIndex(of: $0) }.map { $0 + 1 }.sorted()
    }

    @Test("no key is 401 (WWW-Authenticate: Bearer), another key 403, on every route; nothing is read without the key")
    func keys() async throws {
        try await withAPI { _, http in
            let id = SummaryFixture.ids[0]
            for path in ["reports", "reports.csv", "reports/\(id)/timeline", "reports/\(id)/timeline.csv", "summary", "summary.csv"] {
                let none = try await get(http, "/api/v1/council/\(path)", key: nil)
                #expect(none.status == .unauthorized, "\(path)")
                #expect(none.headers[.wwwAuthenticate] == "Bearer")
                #expect(try json(none)["error"]?["code"]?.stringValue == "unauthorized")
                #expect(!String(buffer: none.body).contains(id))
                let wrong = try await get(http, "/api/v1/council/\(path)", key: "another-key-0123456789")
                #expect(wrong.status == .forbidden, "\(path)")
                #expect(try json(wrong)["error"]?["code"]?.stringValue == "forbidden")
                let basic = try await http.execute(uri: "/api/v1/council/\(path)", method: .get, headers: [.authorization: "Basic \(Self.key)"], body: nil)
                #expect(basic.status == .unauthorized)
            }
        }
    }

    @Test("each filter selects the reports worked out by hand; no personal data in the rows")
    func filters() async throws {
        try await withAPI { _, http in
            #expect(index(try await ids(http, "")) == [1, 2, 3, 4, 5, 6, 7, 8])
            #expect(index(try await ids(http, "child_friendly=true")) == [1, 2, 3, 4, 5, 7, 8])
            #expect(index(try await ids(http, "child_friendly=false")) == [6])
            #expect(index(try await ids(http, "service_code=CFC-SCHOOL")) == [3, 4])
            #expect(index(try await ids(http, "unit=parks-d05")) == [1, 2, 5, 7, 8])
            #expect(index(try await ids(http, "unit=education-d12")) == [3, 4])  // r3 after its second referral
            #expect(index(try await ids(http, "district=12")) == [3, 4])
            #expect(index(try await ids(http, "district=5&service_code=ROAD")) == [6])
            #expect(index(try await ids(http, "status=rejected")) == [4])
            #expect(index(try await ids(http, "status=resolved")) == [1, 2])
            // Every open report's deadline is in 2025: all of them are overdue today.
            #expect(index(try await ids(http, "overdue=true")) == [3, 5, 6, 7, 8])
            #expect(index(try await ids(http, "overdue=false")) == [1, 2, 4])
            #expect(index(try await ids(http, "period=1404-Q3")) == [1, 2, 3, 4, 6, 7, 8])
            #expect(index(try await ids(http, "period=1404-10")) == [5])
            #expect(index(try await ids(http, "from=2025-11-01&to=2025-12-22")) == [3, 4, 8])
            #expect(index(try await ids(http, "period=1404-Q3&child_friendly=true&overdue=true")) == [3, 7, 8])

            let response = try await get(http, "/api/v1/council/reports?status=rejected")
            let row = try #require(try json(response)["reports"]?.arrayValue?.first)
            #expect(row["rejected_reason"]?.stringValue == SummaryFixture.rejectedReason)
            #expect(row["service_name_fa"]?.stringValue == "ایمنی اطراف مدارس ابتدایی")
            #expect(row["tracking_code"]?.stringValue == SummaryFixture.trackingCodes[3])
            #expect(row["referral_count"]?.numberValue == 0)
            let all = String(buffer: try await get(http, "/api/v1/council/reports?page_size=500").body)
            #expect(!all.contains("Canary") && !all.contains("989121234567"))
        }
    }

    @Test("paging: newest first, pages do not overlap, total counts every page")
    func paging() async throws {
        try await withAPI { _, http in
            var seen: [String] = []
            for page in 1...3 {
                let response = try await get(http, "/api/v1/council/reports?page_size=3&page=\(page)")
                let body = try json(response)
                #expect(body["total"]?.numberValue == 8)
                #expect(body["page"]?.numberValue == Double(page) && body["page_size"]?.numberValue == 3)
                seen += body["reports"]?.arrayValue?.compactMap { $0["report_id"]?.stringValue } ?? []
            }
            // Newest received first: r5, r4, r3, r8, r7, r6, r2, r1.
            #expect(seen == [4, 3, 2, 7, 6, 5, 1, 0].map { SummaryFixture.ids[$0] })
            #expect(try await ids(http, "page_size=3&page=4").isEmpty)
        }
    }

    @Test("a bad filter is a 400 naming the parameter", arguments: [
        ("child_friendly=maybe", "child_friendly"), ("overdue=2", "overdue"), ("district=abc", "district"), ("district=23", "district"),
        ("period=1404-Q5", "period"), ("period=2025", "period"), ("from=yesterday", "from"), ("to=2025-13-45x", "to"),
        ("page=0", "page"), ("page=x", "page"), ("page_size=501", "page_size"), ("status=lost", "status"), ("distrct=5", "distrct"),
    ])
    func badFilters(query: String, parameter: String) async throws {
        try await withAPI { _, http in
            for path in ["reports", "summary", "reports.csv"] {
                let response = try await get(http, "/api/v1/council/\(path)?\(query)")
                #expect(response.status == .badRequest, "\(path)?\(query)")
                let error = try json(response)["error"]
                #expect(error?["code"]?.stringValue == "invalid-filter")
                #expect(error?["parameter"]?.stringValue == parameter)
                #expect(error?["message"]?.stringValue?.contains(parameter) == true)
            }
        }
    }

    @Test("the timeline lists every event of a report in chain order with hashes that recompute; by id or tracking code; 404 otherwise")
    func timeline() async throws {
        try await withAPI { _, http in
            let id = SummaryFixture.ids[1]
            let response = try await get(http, "/api/v1/council/reports/\(id)/timeline")
            #expect(response.status == .ok)
            let body = try json(response)
            #expect(body["report_id"]?.stringValue == id)
            let entries = try #require(body["entries"]?.arrayValue)
            #expect(entries.compactMap { $0["type"]?.stringValue } == [
                EventType.reportReceived, EventType.reportRouted, EventType.reportStatusChanged, EventType.reportStatusChanged,
                EventType.reportStatusChanged, EventType.reportStatusChanged,
            ])
            let seqs = entries.compactMap { $0["seq"]?.numberValue }
            #expect(seqs == seqs.sorted() && Set(seqs).count == seqs.count)
            for entry in entries {
                let previous = try #require(Self.bytes(hex: entry["prev_hash"]?.stringValue ?? ""))
                let event = try #require(entry["event"])
                // The hash is SHA-256(prev_hash ‖ canonical event): anyone can recompute it from what the API shows.
                #expect(Self.hex(AuditLog.hash(previous: previous, body: CanonicalJSON.bytes(event))) == entry["hash"]?.stringValue)
                #expect(event["data"]?["contact"] == nil)
                #expect(entry["original_sha256"]?.stringValue?.count == 64)
            }
            #expect(entries[0]["redacted"]?.boolValue == true)

            let byCode = try await get(http, "/api/v1/council/reports/\(SummaryFixture.trackingCodes[1])/timeline")
            #expect(try json(byCode)["entries"]?.arrayValue?.count == 6)
            let unknown = try await get(http, "/api/v1/council/reports/\(UUID().uuidString)/timeline")
            #expect(unknown.status == .notFound)
            #expect(try json(unknown)["error"]?["code"]?.stringValue == "not-found")
            #expect(try await get(http, "/api/v1/council/reports/not-an-id/timeline").status == .notFound)

            let csv = try await get(http, "/api/v1/council/reports/\(id)/timeline.csv")
            let table = try CSVTable(parsing: String(buffer: csv.body))
            #expect(table.header.prefix(3) == ["seq", "event_id", "type"])
            #expect(table.dictionaries.map { $0["hash"] } == entries.map { $0["hash"]?.stringValue })
            // The event column is the canonical JSON itself: its hash recomputes from the CSV alone.
            for row in table.dictionaries {
                let previous = try #require(Self.bytes(hex: row["prev_hash"] ?? ""))
                #expect(Self.hex(AuditLog.hash(previous: previous, body: Array((row["event"] ?? "").utf8))) == row["hash"])
            }
        }
    }

    @Test("CSV by suffix or Accept: text/csv parses (RFC 4180), in UTF-8 with Persian names; JSON otherwise")
    func csv() async throws {
        try await withAPI { _, http in
            let suffix = try await get(http, "/api/v1/council/reports.csv?period=1404-Q3")
            let accept = try await get(http, "/api/v1/council/reports?period=1404-Q3", accept: "text/csv")
            for response in [suffix, accept] {
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
                #expect(response.headers[.contentDisposition]?.contains("council-reports.csv") == true)
                let text = String(buffer: response.body)
                #expect(text.hasPrefix("\u{FEFF}report_id,"))
                let table = try CSVTable(parsing: text)
                #expect(table.rows.count == 7)
                let rows = Dictionary(uniqueKeysWithValues: table.dictionaries.map { ($0["report_id"] ?? "", $0) })
                #expect(rows[SummaryFixture.ids[0]]?["service_name_fa"] == "زمین بازی کودکان")
                #expect(rows[SummaryFixture.ids[3]]?["rejected_reason"] == SummaryFixture.rejectedReason)
                #expect(rows[SummaryFixture.ids[2]]?["referral_count"] == "2")
                #expect(rows[SummaryFixture.ids[6]]?["overdue"] == "true")
            }
            let json = try await get(http, "/api/v1/council/reports?period=1404-Q3", accept: "application/json")
            #expect(json.headers[.contentType] == "application/json; charset=utf-8")

            let summary = try await get(http, "/api/v1/council/summary.csv?period=1404-Q3")
            let table = try CSVTable(parsing: String(buffer: summary.body))
            #expect(table.header == ["section", "key", "key2", "key3", "value"])
            let rows = table.rows
            #expect(rows.first { $0[0] == "period" }?[4] == "7")
            #expect(rows.contains(["code_district_month", "CFC-PLAY — زمین بازی کودکان", "05", "1404-07", "3"]))
            #expect(rows.contains(["time_to_assignment_hours", "p90", "7", "", "5.40"]))
            #expect(rows.contains(["time_to_resolution_hours", "median", "2", "", "48.00"]))
            #expect(rows.contains(["overdue_by_unit", "parks-d05", "", "", "2"]))
            #expect(rows.contains(["reopen_rate", "1", "7", "", "0.1429"]))
            #expect(rows.contains(["bounced", SummaryFixture.ids[2], SummaryFixture.trackingCodes[2], "education-d12", "2"]))
            #expect(rows.contains(["rejected", SummaryFixture.ids[3], SummaryFixture.trackingCodes[3], "education-d12", SummaryFixture.rejectedReason]))

            let summaryJSON = try self.json(try await get(http, "/api/v1/council/summary?period=1404-Q3&child_friendly=true"))
            #expect(summaryJSON["reports"]?.numberValue == 6)
            #expect(summaryJSON["by_reporter_type"]?.arrayValue?.count == 3)
            #expect(summaryJSON["from"]?.stringValue == "2025-09-22T20:30:00.000Z")
        }
    }

    @Test("the CSV reader used here rejects malformed CSV (so the tests above can fail)")
    func readerIsStrict() {
        #expect(throws: CSVTable.Malformed.self) { try CSVTable(parsing: "a,b\r\n1,\"2\r\n") }
        #expect(throws: CSVTable.Malformed.self) { try CSVTable(parsing: "a,b\r\n1,2\"x\r\n") }
        #expect(throws: CSVTable.Malformed.self) { try CSVTable(parsing: "a,b\r\n1\r\n") }
        #expect((try? CSVTable(parsing: "a,b\r\n\"x, \"\"y\"\"\",2\r\n"))?.rows == [["x, \"y\"", "2"]])
    }

    /// Lower-case hex of bytes.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// Bytes of a hex string.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
            out.append(byte)
        }
        return out
    }
}
