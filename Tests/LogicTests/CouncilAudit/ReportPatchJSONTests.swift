import Contracts
@testable import CouncilAuditService
import Foundation
import JSON
import Testing

/// The projection's hand-written JSON says what `JSONEncoder` would have said.
@Suite("Report patch JSON")
struct ReportPatchJSONTests {
    @Test("same value as JSONEncoder's, with quotes, backslashes, control characters and Persian text; nil values left out")
    func matchesJSONEncoder() throws {
        var full = try #require(ReportPatch(
            type: EventType.reportStatusChanged, reportID: UUID(),
            data: ["status": "rejected", "unit": "education-d12", "reason": "خارج از حوزه, \"مدرسه\" \\ خط\nدوم\u{1}", "at": "2025-10-01T08:00:00Z"],
            eventTime: nil))
        full.childFriendly = false
        full.referralCount = 2
        full.seq = 9_007_199_254_740_000
        let sparse = try #require(ReportPatch(type: EventType.reportEscalated, reportID: UUID(), data: ["level": 3], eventTime: nil))
        let ours = try JSONValue.parse(Array(ReportPatch.jsonArray([full, sparse]).utf8))
        var theirs = try JSONValue.parse(Array(try JSONEncoder().encode([full, sparse])))
        // JSONEncoder writes UUIDs in upper case; PostgreSQL reads both.
        if case .array(var items) = theirs {
            for index in items.indices {
                if case .object(var members) = items[index], let id = members["report_id"]?.stringValue {
                    members["report_id"] = .string(id.lowercased())
                    items[index] = .object(members)
                }
            }
            theirs = .array(items)
        }
        #expect(ours == theirs)
        #expect(ours.arrayValue?[1]["status"] == nil)
        #expect(ours.arrayValue?[0]["rejected_reason"]?.stringValue == "خارج از حوزه, \"مدرسه\" \\ خط\nدوم\u{1}")
    }
}
