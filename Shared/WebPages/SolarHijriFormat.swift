import Foundation
import JalaliCalendar

/// Dates as people in Tehran read them: the Solar Hijri (Jalali) calendar in Tehran's time, with Persian
/// month names and digits in Persian, transliterated month names in English.
public enum SolarHijriFormat {
    /// Tehran's time zone (UTC+3:30 all year since 2022; the fixed offset if the zone database is missing).
    public static let tehran: TimeZone = TimeZone(identifier: "Asia/Tehran") ?? TimeZone(secondsFromGMT: 12_600)!

    static let persianMonths = ["فروردین", "اردیبهشت", "خرداد", "تیر", "مرداد", "شهریور", "مهر", "آبان", "آذر", "دی", "بهمن", "اسفند"]
    static let englishMonths = ["Farvardin", "Ordibehesht", "Khordad", "Tir", "Mordad", "Shahrivar", "Mehr", "Aban", "Azar", "Dey", "Bahman", "Esfand"]

    /// A month's name (1 = Farvardin): Persian in Persian, transliterated in English.
    public static func monthName(_ month: Int, _ language: PageLanguage) -> String {
        let names = language == .fa ? persianMonths : englishMonths
        return names[(max(1, min(12, month))) - 1]
    }

    /// The Jalali date and the time of day of `date` in Tehran.
    public static func parts(_ date: Date) -> (date: JalaliDate, hour: Int, minute: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = tehran
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return (JalaliDate(gregorianYear: c.year!, month: c.month!, day: c.day!), c.hour!, c.minute!)
    }

    /// `۱۴ آذر ۱۴۰۵، ساعت ۱۲:۳۰` or `14 Azar 1405, 12:30`.
    public static func dateTime(_ date: Date, _ language: PageLanguage) -> String {
        let (day, hour, minute) = parts(date)
        let time = String(format: "%02d:%02d", hour, minute)
        switch language {
        case .fa: return language.digits("\(day.day) \(persianMonths[day.month - 1]) \(day.year)، ساعت \(time)")
        case .en: return "\(day.day) \(englishMonths[day.month - 1]) \(day.year), \(time)"
        }
    }

    /// `۱۴ آذر ۱۴۰۵` or `14 Azar 1405`.
    public static func date(_ date: Date, _ language: PageLanguage) -> String {
        let (day, _, _) = parts(date)
        switch language {
        case .fa: return language.digits("\(day.day) \(persianMonths[day.month - 1]) \(day.year)")
        case .en: return "\(day.day) \(englishMonths[day.month - 1]) \(day.year)"
        }
    }

    /// A machine-readable form for `<time datetime="…">` (ISO 8601, UTC).
    public static func machine(_ date: Date) -> String {
        date.formatted(.iso8601)
    }
}
