import CouncilAuditService
import Foundation
import Taxonomy
import Testing

/// The committee's summary over ``SummaryFixture``, against answers worked out by hand.
@Suite("Council summary", .serialized, .timeLimit(.minutes(2)))
struct CouncilSummaryTests {
    private func summary(_ parameters: [String: String], fixture: AuditFixture) async throws -> CouncilSummary {
        let queries = CouncilQueries(client: fixture.client, taxonomy: try Taxonomy.bundled(), logger: fixture.logger)
        return try await queries.summary(try ReportFilter(parameters: parameters, now: SummaryFixture.now))
    }

    private func close(_ value: Double?, _ expected: Double) -> Bool {
        guard let value else { return false }
        return abs(value - expected) < 1e-6
    }

    @Test("1404-Q3, every report: counts by code × district × Jalali month, reporter types, times, overdue, reopen rate, bounced, rejected")
    func quarter() async throws {
        try await AuditFixture.with { fixture in
            try await SummaryFixture.load(into: fixture)
            let s = try await summary(["period": "1404-Q3"], fixture: fixture)
            // r5 arrived half an hour after the quarter ended in Tehran; r4 half an hour before.
            #expect(s.reports == 7)
            #expect(s.byCodeDistrictMonth.map { "\($0.serviceCode)|\($0.district)|\($0.month)=\($0.count)" } == [
                "CFC-PLAY|05|1404-07=3", "CFC-PLAY|05|1404-08=1", "CFC-SCHOOL|12|1404-08=1", "CFC-SCHOOL|12|1404-09=1", "ROAD|05|1404-07=1",
            ])
            #expect(s.byCodeDistrictMonth.first?.serviceNameFa == "زمین بازی کودکان")
            #expect(s.byReporterType.map { "\($0.reporterType)=\($0.count)" } == ["child=2", "other=1", "parent=3", "unknown=1"])

            let timings = Dictionary(uniqueKeysWithValues: s.timings.map { ($0.measure, $0) })
            // Assignment [1, 2, 2, 3, 4, 5, 6] h: median 3; p90 at rank 5.4 → 5 + 0.4 × 1.
            #expect(timings["assignment"]?.count == 7)
            #expect(close(timings["assignment"]?.medianHours, 3))
            #expect(close(timings["assignment"]?.p90Hours, 5.4))
            // First action [4, 6, 8, 10] h (rejection counts): median 7; p90 at rank 2.7 → 8 + 0.7 × 2.
            #expect(timings["first_action"]?.count == 4)
            #expect(close(timings["first_action"]?.medianHours, 7))
            #expect(close(timings["first_action"]?.p90Hours, 9.4))
            // Resolution [24, 72] h (r2's last resolution counts): median 48; p90 24 + 0.9 × 48.
            #expect(timings["resolution"]?.count == 2)
            #expect(close(timings["resolution"]?.medianHours, 48))
            #expect(close(timings["resolution"]?.p90Hours, 67.2))

            #expect(s.overdueByUnit.map { "\($0.unit)=\($0.count)" } == ["parks-d05=2", "education-d12=1", "roads-d05=1"])
            #expect(s.reopened == 1)
            #expect(close(s.reopenRate, 1.0 / 7.0))
            #expect(s.bounced.map(\.reportID) == [SummaryFixture.ids[2]])
            #expect(s.bounced.first?.referralCount == 2)
            #expect(s.bounced.first?.unit == "education-d12")
            #expect(s.rejected.map(\.reportID) == [SummaryFixture.ids[3]])
            #expect(s.rejected.first?.reason == SummaryFixture.rejectedReason)
            #expect(s.rejected.first?.trackingCode == SummaryFixture.trackingCodes[3])
        }
    }

    @Test("child reports only; one district; one unit; a month; overdue only")
    func filters() async throws {
        try await AuditFixture.with { fixture in
            try await SummaryFixture.load(into: fixture)
            let child = try await summary(["period": "1404-Q3", "child_friendly": "true"], fixture: fixture)
            #expect(child.reports == 6)
            let assignment = try #require(child.timings.first { $0.measure == "assignment" })
            // [1, 2, 2, 3, 5, 6] h: median 2.5; p90 at rank 4.5 → 5 + 0.5 × 1.
            #expect(close(assignment.medianHours, 2.5) && close(assignment.p90Hours, 5.5))
            #expect(close(child.reopenRate, 1.0 / 6.0))
            #expect(!child.byCodeDistrictMonth.contains { $0.serviceCode == "ROAD" })
            #expect(child.byReporterType.map { "\($0.reporterType)=\($0.count)" } == ["child=2", "other=1", "parent=3"])

            let d12 = try await summary(["period": "1404-Q3", "district": "12"], fixture: fixture)
            #expect(d12.reports == 2 && d12.bounced.count == 1 && d12.rejected.count == 1)
            #expect(d12.overdueByUnit.map(\.unit) == ["education-d12"])

            let mehr = try await summary(["period": "1404-07"], fixture: fixture)
            #expect(mehr.reports == 4)  // r1, r2, r6, r7
            let azar = try await summary(["period": "1404-09"], fixture: fixture)
            #expect(azar.reports == 1 && azar.rejected.count == 1)  // r4 only: r5 is Dey
            let dey = try await summary(["period": "1404-10"], fixture: fixture)
            #expect(dey.reports == 1 && dey.byCodeDistrictMonth.map(\.month) == ["1404-10"])

            let overdue = try await summary(["period": "1404-Q3", "overdue": "true"], fixture: fixture)
            #expect(overdue.reports == 4)
            let parks = try await summary(["period": "1404-Q3", "unit": "parks-d05"], fixture: fixture)
            #expect(parks.reports == 4 && parks.overdueByUnit.map { "\($0.unit)=\($0.count)" } == ["parks-d05=2"])

            let none = try await summary(["period": "1404-Q1"], fixture: fixture)
            #expect(none.reports == 0 && none.reopenRate == 0 && none.byCodeDistrictMonth.isEmpty)
            #expect(none.timings.allSatisfy { $0.count == 0 && $0.medianHours == nil })
        }
    }
}
