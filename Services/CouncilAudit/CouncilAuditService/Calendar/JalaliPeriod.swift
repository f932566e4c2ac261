import Foundation
import JalaliCalendar

/// A period of the Jalali calendar — a year (`1404`), a quarter (`1404-Q3`) or a month (`1404-07`) — and
/// the instants it spans in Tehran's time (start inclusive, end exclusive).
public struct JalaliPeriod: Sendable, Hashable, CustomStringConvertible {
    /// The first day.
    public var first: JalaliDate
    /// The last day.
    public var last: JalaliDate
    /// How it was written.
    public var label: String

    /// Tehran's time zone (UTC+03:30; Iran keeps no daylight saving time since 2022).
    public static let tehran = TimeZone(identifier: "Asia/Tehran") ?? TimeZone(secondsFromGMT: 12_600)!

    /// Parses `1404`, `1404-Q3` or `1404-07`; nil when it is none of these.
    public init?(_ text: String) {
        let parts = text.uppercased().split(separator: "-", omittingEmptySubsequences: false)
        guard let year = Int(parts[0]), (1300...1500).contains(year), parts[0].count == 4 else { return nil }
        switch parts.count {
        case 1:
            self.init(year: year, months: 1...12, label: text)
        case 2 where parts[1].hasPrefix("Q"):
            guard let quarter = Int(parts[1].dropFirst()), (1...4).contains(quarter) else { return nil }
            self.init(year: year, months: (quarter - 1) * 3 + 1...quarter * 3, label: "\(year)-Q\(quarter)")
        case 2:
            guard parts[1].count == 2, let month = Int(parts[1]), (1...12).contains(month) else { return nil }
            self.init(year: year, months: month...month, label: text)
        default:
            return nil
        }
    }

    private init(year: Int, months: ClosedRange<Int>, label: String) {
        first = JalaliDate(year: year, month: months.lowerBound, day: 1)
        last = JalaliDate(year: year, month: months.upperBound, day: JalaliDate.daysInMonth(months.upperBound, year: year))
        self.label = label
    }

    /// Midnight in Tehran at the start of the first day.
    public var start: Date { Self.tehranMidnight(first.gregorian) }

    /// Midnight in Tehran after the last day.
    public var end: Date {
        let last = self.last.gregorian
        let number = JalaliDate.dayNumber(gregorianYear: last.year, month: last.month, day: last.day) + 1
        return Self.tehranMidnight(JalaliDate.gregorian(dayNumber: number))
    }

    public var description: String { "\(label) (\(first) … \(last))" }

    /// Midnight in Tehran of a Gregorian day.
    static func tehranMidnight(_ day: (year: Int, month: Int, day: Int)) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tehran
        return calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
    }

    /// The Jalali month (`1404-07`) of an instant, in Tehran's time.
    public static func monthLabel(of date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tehran
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        let jalali = JalaliDate(gregorianYear: parts.year!, month: parts.month!, day: parts.day!)
        return "\(jalali.year)-\(jalali.month < 10 ? "0" : "")\(jalali.month)"
    }
}
