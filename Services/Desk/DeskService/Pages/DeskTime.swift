import Foundation
import WebPages

/// How the desk says a deadline: the time left, or how far past it is, in hours and minutes (days beyond
/// two), in the page's language and digits. `site.js` says the same every half minute.
enum DeskTime {
    /// `2 h 5 min left` / `overdue by 3 h 10 min`, for `deadline` at `now`.
    static func remaining(until deadline: Date, now: Date, _ language: PageLanguage) -> String {
        let seconds = deadline.timeIntervalSince(now)
        let span = span(abs(seconds), language)
        return seconds >= 0 ? language.pick("\(span) مانده", "\(span) left") : language.pick("\(span) از مهلت گذشته", "overdue by \(span)")
    }

    /// `3 d 4 h`, `2 h 5 min` or `7 min`.
    static func span(_ seconds: TimeInterval, _ language: PageLanguage) -> String {
        let minutes = Int(seconds / 60)
        let (days, hours, rest) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60)
        let d = language.pick("روز", "d"), h = language.pick("ساعت", "h"), m = language.pick("دقیقه", "min")
        let text: String
        if days >= 2 {
            text = "\(days) \(d) \(hours) \(h)"
        } else if minutes >= 60 {
            text = "\(days * 24 + hours) \(h) \(rest) \(m)"
        } else {
            text = "\(minutes) \(m)"
        }
        return language.digits(text)
    }
}
