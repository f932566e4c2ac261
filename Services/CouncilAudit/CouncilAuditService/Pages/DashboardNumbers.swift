import Foundation
import WebPages

/// Numbers as the dashboard shows them: Persian digits and decimal separator in Persian, a dash for a
/// time no report has yet.
enum DashboardNumbers {
    /// A count.
    static func count(_ value: Int, _ language: PageLanguage) -> String {
        language.digits(String(value))
    }

    /// A decimal with `places` digits after the point (`۱۲٫۵`), or a dash.
    static func decimal(_ value: Double?, places: Int, _ language: PageLanguage) -> String {
        guard let value else { return "—" }
        let text = String(format: "%.\(places)f", value)
        return language == .fa ? language.digits(text).replacingOccurrences(of: ".", with: "٫") : text
    }

    /// Hours with one decimal (`۴۸٫۰ ساعت`), or a dash.
    static func hours(_ value: Double?, _ language: PageLanguage) -> String {
        guard value != nil else { return "—" }
        return decimal(value, places: 1, language) + language.pick(" ساعت", " h")
    }

    /// A rate as a percentage with one decimal (`۱۴٫۳٪`).
    static func percent(_ rate: Double, _ language: PageLanguage) -> String {
        decimal(rate * 100, places: 1, language) + language.pick("٪", "%")
    }
}
