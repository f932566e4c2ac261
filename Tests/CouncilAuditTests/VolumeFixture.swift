import Contracts
import CouncilAuditService
import Foundation
import JSON

/// A quarter's worth of generated child reports (1404-Q3, Tehran time) across codes, districts and units:
/// about half resolved, some acknowledged, some referred twice, some rejected, the rest open and overdue
/// by "now" — for measuring the dashboard, not for hand-worked answers. Deterministic (no randomness).
enum VolumeFixture {
    static let codes = ["CFC-PLAY", "CFC-SCHOOL", "CFC-KG", "CFC-TRANSPORT", "CFC-OTHER", "ROAD", "LIGHT"]
    static let units = ["parks", "education", "social-affairs", "traffic", "roads", "lighting"]

    /// The events of `count` reports, in pipeline order per report.
    static func events(count: Int) -> [CloudEvent] {
        let start = Timestamp.parse("2025-09-23T06:00:00.000Z")!
        var events: [CloudEvent] = []
        events.reserveCapacity(count * 4)
        for index in 0..<count {
            let id = String(format: "10000000-0000-4000-8000-%012d", index)
            let code = codes[index % codes.count]
            let district = index % 22 + 1
            let unit = units[(index / 7) % units.count]
            // Spread over the quarter's 89 days.
            let received = start.addingTimeInterval(Double(index % 89) * 86_400 + Double(index % 13) * 3_600)
            func at(_ hours: Double) -> String { Timestamp.format(received.addingTimeInterval(hours * 3_600)) }
            events.append(AuditFixture.event(EventType.reportReceived, id, [
                "report_id": .string(id), "tracking_code": .string(String(format: "15%08d", index)), "channel": "web",
                "service_code": .string(code), "location": ["district": .number(Double(district))], "received_at": .string(at(0)),
                "reporter": ["type": index % 3 == 0 ? "child" : "parent", "language": "fa"],
            ], at: at(0)))
            events.append(AuditFixture.event(EventType.reportRouted, id, [
                "report_id": .string(id), "service_code": .string(code), "child_friendly": .bool(code.hasPrefix("CFC-")), "priority": "P1",
                "unit": .string(unit), "district": .string(String(format: "%02d", district)), "deadline": .string(at(72)),
            ], at: at(Double(index % 5) + 1)))
            func status(_ status: String, after hours: Double, reason: String? = nil) {
                var data: [String: JSONValue] = ["report_id": .string(id), "status": .string(status), "at": .string(at(hours)), "unit": .string(unit)]
                if let reason { data["reason"] = .string(reason) }
                events.append(AuditFixture.event(EventType.reportStatusChanged, id, data, at: at(hours)))
            }
            switch index % 10 {
            case 0...4: status("resolved", after: Double(12 + (index % 17) * 11))
            case 5: status("acknowledged", after: 6)
            case 6: status("rejected", after: 8, reason: "خارج از حوزه")
            case 7:
                for count in 1...2 {
                    events.append(AuditFixture.event(EventType.reportReassigned, id, [
                        "report_id": .string(id), "unit": .string(units[(index / 7 + count) % units.count]),
                        "referral_count": .number(Double(count)), "deadline": .string(at(72)),
                    ], at: at(Double(10 * count))))
                }
            default: break
            }
        }
        return events
    }

    /// Appends the reports' events in batches of 1,000 (as the appender would under load).
    static func load(count: Int, into fixture: AuditFixture) async throws {
        let all = events(count: count)
        var index = 0
        while index < all.count {
            let end = min(index + 1_000, all.count)
            try await fixture.append(Array(all[index..<end]))
            index = end
        }
    }
}
