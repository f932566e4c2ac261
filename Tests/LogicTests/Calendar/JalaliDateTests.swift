import JalaliCalendar
import Testing

/// The Jalali calendar against known dates (moved here with `JalaliDate` from council-audit).
@Suite("Jalali date conversions")
struct JalaliDateTests {
    @Test("known conversions both ways", arguments: [
        (2025, 3, 21, 1404, 1, 1), (2025, 3, 20, 1403, 12, 30), (2025, 9, 23, 1404, 7, 1), (2025, 12, 21, 1404, 9, 30),
        (2024, 3, 20, 1403, 1, 1), (2000, 1, 1, 1378, 10, 11), (2026, 3, 21, 1405, 1, 1), (2025, 6, 21, 1404, 3, 31),
    ])
    func conversions(gy: Int, gm: Int, gd: Int, jy: Int, jm: Int, jd: Int) {
        let jalali = JalaliDate(gregorianYear: gy, month: gm, day: gd)
        #expect(jalali == JalaliDate(year: jy, month: jm, day: jd))
        let back = jalali.gregorian
        #expect(back.year == gy && back.month == gm && back.day == gd)
    }

    @Test("1403 is a leap year, 1404 is not")
    func leapYears() {
        #expect(JalaliDate.isLeap(1403))
        #expect(!JalaliDate.isLeap(1404))
        #expect(JalaliDate.daysInMonth(12, year: 1403) == 30)
    }
}
