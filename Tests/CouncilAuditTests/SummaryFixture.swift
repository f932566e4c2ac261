import Contracts
import CouncilAuditService
import Foundation
import JSON

/// Eight reports whose summary was worked out by hand (the answers are in ``CouncilSummaryTests`` and
/// ``CouncilAPITests``). Times are UTC; Tehran is UTC+03:30, so 1404-Q3 is 2025-09-22T20:30Z … 2025-12-21T20:30Z.
///
/// | report | code, district | reporter | received (Jalali day in Tehran) | to assignment | first action | resolution | end state |
/// |---|---|---|---|---|---|---|---|
/// | r1 | CFC-PLAY 05 | child | 2025-10-01 08:00 (1404-07-09) | 2 h | 4 h (acknowledged) | 24 h | resolved |
/// | r2 | CFC-PLAY 05 | parent | 2025-10-02 08:00 (1404-07-10) | 1 h | 10 h (in_progress) | 72 h (resolved at 48 h, reopened, resolved again) | resolved, reopened once |
/// | r3 | CFC-SCHOOL 12 | parent | 2025-11-10 08:00 (1404-08-19) | 3 h | — | — | open, referred twice (parks → social affairs → education), overdue |
/// | r4 | CFC-SCHOOL 12 | other | 2025-12-21 20:00 (1404-09-30, 23:30 in Tehran: last half hour of Q3) | 5 h | 6 h (rejected) | — | rejected with a reason |
/// | r5 | CFC-PLAY 05 | child | 2025-12-21 21:00 (1404-10-01, 00:30 in Tehran: Q4) | 1 h | — | — | outside 1404-Q3 |
/// | r6 | ROAD 05 (not a child report) | — | 2025-10-05 08:00 (1404-07-13) | 4 h | — | — | open, overdue (roads-d05) |
/// | r7 | CFC-PLAY 05 | child | 2025-10-20 08:00 (1404-07-28) | 6 h | 8 h (acknowledged) | — | open, overdue (parks-d05) |
/// | r8 | CFC-PLAY 05 | parent | 2025-11-01 08:00 (1404-08-10) | 2 h | — | — | open, overdue (parks-d05) |
enum SummaryFixture {
    /// The reports' ids, r1 … r8 at index 0 … 7.
    static let ids: [String] = (1...8).map { String(format: "00000000-0000-4000-8000-%012d", $0) }
    /// Tracking codes, one per report.
    static let trackingCodes: [String] = (1...8).map { "13700000\($0)\($0)" }
    /// r4's reason: Persian, with a comma and quotes so that CSV must quote it.
    static let rejectedReason = "خارج از حوزه شهرداری, \"مدرسه غیردولتی\""
    /// "Now" for overdue: every open report's deadline has passed.
    static let now = Timestamp.parse("2025-12-25T00:00:00.000Z")!

    /// RFC 3339 of `base` plus `hours`.
    static func at(_ base: String, plus hours: Double) -> String {
        Timestamp.format(Timestamp.parse(base)!.addingTimeInterval(hours * 3600))
    }

    /// Every event of the fixture, in the order the pipeline would emit them.
    static func events() -> [CloudEvent] {
        var events: [CloudEvent] = []
        func report(_ index: Int, code: String, district: Int, reporter: String?, received: String, routedAfter: Double,
                    unit: String, deadlineAfter: Double) {
            let id = ids[index]
            var data: [String: JSONValue] = [
                "report_id": .string(id), "tracking_code": .string(trackingCodes[index]), "channel": "137-phone",
                "description": "گزارش آزمایشی", "service_code": .string(code), "location": ["district": .number(Double(district))],
                "contact": ["name": "Canary Name", "phone": "+989121234567"], "contact_allowed": true, "received_at": .string(received),
            ]
            if let reporter { data["reporter"] = ["type": .string(reporter), "language": "fa"] }
            events.append(AuditFixture.event(EventType.reportReceived, id, data, at: received))
            events.append(AuditFixture.event(EventType.reportRouted, id, [
                "report_id": .string(id), "service_code": .string(code), "child_friendly": .bool(code.hasPrefix("CFC-")),
                "priority": "P1", "unit": .string(unit), "district": .string(String(format: "%02d", district)),
                "deadline": .string(at(received, plus: deadlineAfter)),
            ], at: at(received, plus: routedAfter)))
        }
        func status(_ index: Int, _ status: String, at time: String, unit: String, reason: String? = nil) {
            var data: [String: JSONValue] = ["report_id": .string(ids[index]), "status": .string(status), "at": .string(time), "unit": .string(unit)]
            if let reason { data["reason"] = .string(reason) }
            events.append(AuditFixture.event(EventType.reportStatusChanged, ids[index], data, at: time))
        }
        func referred(_ index: Int, to unit: String, count: Int, at time: String, deadline: String) {
            events.append(AuditFixture.event(EventType.reportReassigned, ids[index], [
                "report_id": .string(ids[index]), "unit": .string(unit), "referral_count": .number(Double(count)), "deadline": .string(deadline),
            ], at: time))
        }

        let r1 = "2025-10-01T08:00:00.000Z"
        report(0, code: "CFC-PLAY", district: 5, reporter: "child", received: r1, routedAfter: 2, unit: "parks-d05", deadlineAfter: 72)
        status(0, "acknowledged", at: at(r1, plus: 4), unit: "parks-d05")
        status(0, "resolved", at: at(r1, plus: 24), unit: "parks-d05")

        let r2 = "2025-10-02T08:00:00.000Z"
        report(1, code: "CFC-PLAY", district: 5, reporter: "parent", received: r2, routedAfter: 1, unit: "parks-d05", deadlineAfter: 72)
        status(1, "in_progress", at: at(r2, plus: 10), unit: "parks-d05")
        status(1, "resolved", at: at(r2, plus: 48), unit: "parks-d05")
        status(1, "reopened", at: at(r2, plus: 60), unit: "parks-d05")
        status(1, "resolved", at: at(r2, plus: 72), unit: "parks-d05")

        let r3 = "2025-11-10T08:00:00.000Z"
        report(2, code: "CFC-SCHOOL", district: 12, reporter: "parent", received: r3, routedAfter: 3, unit: "parks-d12", deadlineAfter: 48)
        referred(2, to: "social-affairs-d12", count: 1, at: at(r3, plus: 20), deadline: at(r3, plus: 48))
        referred(2, to: "education-d12", count: 2, at: at(r3, plus: 30), deadline: at(r3, plus: 48))

        let r4 = "2025-12-21T20:00:00.000Z"
        report(3, code: "CFC-SCHOOL", district: 12, reporter: "other", received: r4, routedAfter: 5, unit: "education-d12", deadlineAfter: 48)
        status(3, "rejected", at: at(r4, plus: 6), unit: "education-d12", reason: rejectedReason)

        let r5 = "2025-12-21T21:00:00.000Z"
        report(4, code: "CFC-PLAY", district: 5, reporter: "child", received: r5, routedAfter: 1, unit: "parks-d05", deadlineAfter: 48)

        let r6 = "2025-10-05T08:00:00.000Z"
        report(5, code: "ROAD", district: 5, reporter: nil, received: r6, routedAfter: 4, unit: "roads-d05", deadlineAfter: 24)

        let r7 = "2025-10-20T08:00:00.000Z"
        report(6, code: "CFC-PLAY", district: 5, reporter: "child", received: r7, routedAfter: 6, unit: "parks-d05", deadlineAfter: 72)
        status(6, "acknowledged", at: at(r7, plus: 8), unit: "parks-d05")

        let r8 = "2025-11-01T08:00:00.000Z"
        report(7, code: "CFC-PLAY", district: 5, reporter: "parent", received: r8, routedAfter: 2, unit: "parks-d05", deadlineAfter: 48)
        return events
    }

    /// Appends the fixture in three batches (a batch then holds several events of one report, as under load).
    static func load(into fixture: AuditFixture) async throws {
        let all = events()
        let third = all.count / 3
        try await fixture.append(Array(all[..<third]))
        try await fixture.append(Array(all[third..<2 * third]))
        try await fixture.append(Array(all[(2 * third)...]))
    }
}
