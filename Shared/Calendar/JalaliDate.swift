import Foundation

/// A date in the Jalali (Solar Hijri) calendar, Iran's civil calendar, converted exactly to and from the
/// Gregorian calendar by the 2820-year-free arithmetic of Borkowski's algorithm as used by jalaali-js
/// (its leap-year "breaks" table covers Jalali years −61…3177). Months 1–6 have 31 days, 7–11 have 30,
/// month 12 has 29 (30 in a leap year).
public struct JalaliDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The Jalali year (1404 began on 2025-03-21).
    public var year: Int
    /// 1…12.
    public var month: Int
    /// 1…31.
    public var day: Int

    /// Creates a date (not checked; use `isValid`).
    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The Jalali date of a Gregorian date.
    public init(gregorianYear: Int, month: Int, day: Int) {
        self = Self.fromDayNumber(Self.dayNumber(gregorianYear: gregorianYear, month: month, day: day))
    }

    /// The Gregorian year, month and day of this date.
    public var gregorian: (year: Int, month: Int, day: Int) {
        let calendar = Self.calendar(year)
        let number = Self.dayNumber(gregorianYear: calendar.gregorianYear, month: 3, day: calendar.march)
            + (month - 1) * 31 - (month / 7) * (month - 7) + day - 1
        return Self.gregorian(dayNumber: number)
    }

    /// Whether the year is a leap year (Esfand has 30 days).
    public static func isLeap(_ year: Int) -> Bool { calendar(year).leap == 0 }

    /// Days in a month of a year.
    public static func daysInMonth(_ month: Int, year: Int) -> Int {
        month <= 6 ? 31 : month <= 11 ? 30 : (isLeap(year) ? 30 : 29)
    }

    /// `yyyy/mm/dd`.
    public var description: String {
        "\(year)/\(month < 10 ? "0" : "")\(month)/\(day < 10 ? "0" : "")\(day)"
    }

    public static func < (lhs: JalaliDate, rhs: JalaliDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    // MARK: The arithmetic (integer division truncates toward zero, as in the reference).

    private static let breaks = [-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324, 2394, 2456, 3178]

    /// For a Jalali year: `leap` (0 when it is a leap year), the Gregorian year it begins in, and the day
    /// of March of its first day (Nowruz).
    private static func calendar(_ jy: Int) -> (leap: Int, gregorianYear: Int, march: Int) {
        let gy = jy + 621
        var leapJ = -14
        var jp = breaks[0]
        var jump = 0
        for index in 1..<breaks.count {
            let jm = breaks[index]
            jump = jm - jp
            if jy < jm { break }
            leapJ += (jump / 33) * 8 + (jump % 33) / 4
            jp = jm
        }
        var n = jy - jp
        leapJ += (n / 33) * 8 + ((n % 33) + 3) / 4
        if jump % 33 == 4 && jump - n == 4 { leapJ += 1 }
        let leapG = gy / 4 - ((gy / 100 + 1) * 3) / 4 - 150
        let march = 20 + leapJ - leapG
        if jump - n < 6 { n = n - jump + ((jump + 4) / 33) * 33 }
        var leap = (((n + 1) % 33) - 1) % 4
        if leap == -1 { leap = 4 }
        return (leap, gy, march)
    }

    /// The Julian day number of a Gregorian date.
    public static func dayNumber(gregorianYear gy: Int, month gm: Int, day gd: Int) -> Int {
        var d = ((gy + (gm - 8) / 6 + 100_100) * 1461) / 4 + (153 * ((gm + 9) % 12) + 2) / 5 + gd - 34_840_408
        d = d - (((gy + 100_100 + (gm - 8) / 6) / 100) * 3) / 4 + 752
        return d
    }

    /// The Gregorian date of a Julian day number.
    public static func gregorian(dayNumber jdn: Int) -> (year: Int, month: Int, day: Int) {
        var j = 4 * jdn + 139_361_631
        j = j + (((4 * jdn + 183_187_720) / 146_097) * 3) / 4 * 4 - 3908
        let i = ((j % 1461) / 4) * 5 + 308
        let gd = (i % 153) / 5 + 1
        let gm = (i / 153) % 12 + 1
        let gy = j / 1461 - 100_100 + (8 - gm) / 6
        return (gy, gm, gd)
    }

    /// The Jalali date of a Julian day number.
    public static func fromDayNumber(_ jdn: Int) -> JalaliDate {
        let gy = gregorian(dayNumber: jdn).year
        var jy = gy - 621
        let cal = calendar(jy)
        let first = dayNumber(gregorianYear: gy, month: 3, day: cal.march)
        var k = jdn - first
        if k >= 0 {
            if k <= 185 { return JalaliDate(year: jy, month: 1 + k / 31, day: k % 31 + 1) }
            k -= 186
        } else {
            jy -= 1
            k += 179
            if cal.leap == 1 { k += 1 }
        }
        return JalaliDate(year: jy, month: 7 + k / 30, day: k % 30 + 1)
    }
}
