import Foundation
import JalaliCalendar

/// Dates in messages: Solar Hijri with Persian digits for Persian, Gregorian for English, both in Tehran time.
public enum MessageDates {
    /// Tehran (UTC+03:30; tzdata when present).
    public static let tehran = TimeZone(identifier: "Asia/Tehran") ?? TimeZone(secondsFromGMT: 12_600)!

    /// `1404/01/01 ساعت 12:30` in Persian digits, or `21 March 2025, 12:30 (Tehran time)`.
    public static func format(_ date: Date, language: String) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tehran
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        let (year, month, day) = (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
        let time = "\(twoDigits(parts.hour ?? 0)):\(twoDigits(parts.minute ?? 0))"
        if language == "en" {
            let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                          "October", "November", "December"]
            return "\(day) \(months[month - 1]) \(year), \(time) (Tehran time)"
        }
        let jalali = JalaliDate(gregorianYear: year, month: month, day: day)
        return persianDigits("\(jalali.description) ساعت \(time)")
    }

    /// An RFC 3339 time from an event, formatted; the text itself when it does not parse.
    public static func format(rfc3339 text: String, language: String) -> String {
        guard let date = parse(text) else { return text }
        return format(date, language: language)
    }

    /// Parses RFC 3339 with or without fractional seconds.
    public static func parse(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: Date.ISO8601FormatStyle()))
    }

    /// Latin digits replaced by Persian ones (۰–۹).
    public static func persianDigits(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            ("0"..."9").contains(scalar) ? Unicode.Scalar(scalar.value - 0x30 + 0x06F0)! : scalar
        }))
    }

    private static func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
}
