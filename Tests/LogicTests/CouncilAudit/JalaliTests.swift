import CouncilAuditService
import Foundation
import JalaliCalendar
import Testing

/// Council-audit's Jalali quarters (the date conversions are tested with `JalaliDate` in CalendarTests).
@Suite("Jalali calendar")
struct JalaliTests {
    @Test("1404-Q3 is months 7–9: 2025-09-23 … 2025-12-21, midnight to midnight in Tehran")
    func quarter() throws {
        let period = try #require(JalaliPeriod("1404-Q3"))
        #expect(period.first == JalaliDate(year: 1404, month: 7, day: 1))
        #expect(period.last == JalaliDate(year: 1404, month: 9, day: 30))
        #expect(Timestamp.format(period.start) == "2025-09-22T20:30:00.000Z")
        #expect(Timestamp.format(period.end) == "2025-12-21T20:30:00.000Z")
        #expect(JalaliPeriod("1404-Q5") == nil)
        #expect(JalaliPeriod("14040-Q1") == nil)
        #expect(JalaliPeriod.monthLabel(of: period.start) == "1404-07")
    }
}
