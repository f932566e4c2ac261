import Foundation
import JalaliCalendar
import WebPages

extension JalaliPeriod {
    /// What a period spans.
    public enum Kind: Sendable, Hashable {
        /// A Jalali year.
        case year
        /// A quarter (three months; Q1 is Farvardin–Khordad).
        case quarter
        /// A month.
        case month
    }

    /// Whether this is a year, a quarter or a month (from the months it spans).
    public var kind: Kind {
        if first.month == 1 && last.month == 12 { return .year }
        return first.month == last.month ? .month : .quarter
    }

    /// The label of the year, quarter or month holding `first` (`1404`, `1404-Q3`, `1404-07`).
    static func label(_ kind: Kind, year: Int, month: Int) -> String {
        switch kind {
        case .year: "\(year)"
        case .quarter: "\(year)-Q\((month - 1) / 3 + 1)"
        case .month: "\(year)-\(month < 10 ? "0" : "")\(month)"
        }
    }

    /// The period of the same kind just before this one (the overview's comparison).
    public var previous: JalaliPeriod {
        let step = kind == .year ? 12 : kind == .quarter ? 3 : 1
        let index = first.year * 12 + first.month - 1 - step
        return JalaliPeriod(Self.label(kind, year: index / 12, month: index % 12 + 1))!
    }

    /// The period of the same kind just after this one.
    public var next: JalaliPeriod {
        let step = kind == .year ? 12 : kind == .quarter ? 3 : 1
        let index = first.year * 12 + first.month - 1 + step
        return JalaliPeriod(Self.label(kind, year: index / 12, month: index % 12 + 1))!
    }

    /// The quarter holding `date` in Tehran (the dashboard's default).
    public static func quarter(containing date: Date) -> JalaliPeriod {
        let today = SolarHijriFormat.parts(date).date
        return JalaliPeriod(label(.quarter, year: today.year, month: today.month))!
    }

    /// The Jalali months this period spans, as `1404-07` labels (the months of its charts).
    public var monthLabels: [String] {
        (first.month...last.month).map { Self.label(.month, year: first.year, month: $0) }
    }

    /// The period in words: `پاییز ۱۴۰۴ (مهر تا آذر)`, `Mehr 1404`, `Year 1404`.
    public func name(_ language: PageLanguage) -> String {
        switch kind {
        case .year:
            return language.digits(language.pick("سال \(first.year)", "Year \(first.year)"))
        case .month:
            return language.digits("\(SolarHijriFormat.monthName(first.month, language)) \(first.year)")
        case .quarter:
            let quarter = (first.month - 1) / 3 + 1
            let season = language.pick(["بهار", "تابستان", "پاییز", "زمستان"][quarter - 1], "Q\(quarter)")
            let months = language.pick("\(SolarHijriFormat.monthName(first.month, language)) تا \(SolarHijriFormat.monthName(last.month, language))",
                                       "\(SolarHijriFormat.monthName(first.month, language))–\(SolarHijriFormat.monthName(last.month, language))")
            return language.digits("\(season) \(first.year) (\(months))")
        }
    }

    /// The periods the dashboard offers around `date`: this year and the last, each as the year, its
    /// quarters and its months (newest year first).
    public static func choices(around date: Date) -> [(year: Int, periods: [JalaliPeriod])] {
        let year = SolarHijriFormat.parts(date).date.year
        return [year, year - 1].map { year in
            let periods = [label(.year, year: year, month: 1)]
                + (1...4).map { label(.quarter, year: year, month: ($0 - 1) * 3 + 1) }
                + (1...12).map { label(.month, year: year, month: $0) }
            return (year, periods.compactMap { JalaliPeriod($0) })
        }
    }
}
