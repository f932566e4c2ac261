@testable import CouncilAuditService
import Foundation
import Testing
import WebPages

/// The dashboard's pure parts: periods and their neighbours, its parameters, numbers and the SVG charts.
@Suite("Council dashboard logic")
struct DashboardLogicTests {
    @Test("a period's kind, previous and next wrap across years")
    func periods() throws {
        let cases: [(String, JalaliPeriod.Kind, String, String)] = [
            ("1404-Q1", .quarter, "1403-Q4", "1404-Q2"), ("1404-Q4", .quarter, "1404-Q3", "1405-Q1"),
            ("1404-01", .month, "1403-12", "1404-02"), ("1404-12", .month, "1404-11", "1405-01"), ("1404", .year, "1403", "1405"),
        ]
        for (label, kind, previous, next) in cases {
            let period = try #require(JalaliPeriod(label))
            #expect(period.kind == kind, "\(label)")
            #expect(period.previous.label == previous, "\(label)")
            #expect(period.next.label == next, "\(label)")
            #expect(period.previous.end == period.start, "\(label): the previous period ends where this one starts")
        }
        #expect(JalaliPeriod("1404-Q3")?.monthLabels == ["1404-07", "1404-08", "1404-09"])
        // 2025-12-21T21:00Z is 00:30 on 1 Dey 1404 in Tehran: the winter quarter.
        #expect(JalaliPeriod.quarter(containing: Date(timeIntervalSince1970: 1_766_350_800)).label == "1404-Q4")
        #expect(JalaliPeriod("1404-Q3")?.name(.fa) == "پاییز ۱۴۰۴ (مهر تا آذر)")
        #expect(JalaliPeriod("1404-07")?.name(.en) == "Mehr 1404")
        #expect(JalaliPeriod.choices(around: Date()).map { $0.periods.count } == [17, 17])
    }

    @Test("the dashboard's parameters become the API's: child reports by default, `all` for every report; bad ones name themselves")
    func parameters() throws {
        let now = Date(timeIntervalSince1970: 1_766_350_800)
        let defaults = try DashboardQuery([:], now: now)
        #expect(defaults.period.label == "1404-Q4")
        #expect(defaults.apiParameters == ["period": "1404-Q4", "child_friendly": "true"])
        #expect(defaults.filter.childFriendly == true && defaults.previousFilter.from == JalaliPeriod("1404-Q3")?.start)
        let all = try DashboardQuery(["period": "1404-Q3", "child_friendly": "all", "district": "5"], now: now)
        #expect(all.apiParameters == ["period": "1404-Q3", "district": "5"])
        #expect(all.filter.childFriendly == nil && all.filter.district == "05")
        #expect(all.link("/dashboard", ["period": "1404-Q2"]) == "/dashboard?child_friendly=all&district=5&period=1404-Q2")
        #expect(throws: FilterError.self) { try DashboardQuery(["period": "1404-Q5"], now: now) }
        #expect(throws: FilterError.self) { try DashboardQuery(["child_friendly": "maybe"], now: now) }
        #expect(throws: FilterError.self) { try DashboardQuery(["district": "30"], now: now) }
    }

    @Test("numbers in Persian digits with the Persian decimal separator; a dash for none")
    func numbers() {
        #expect(DashboardNumbers.count(1405, .fa) == "۱۴۰۵")
        #expect(DashboardNumbers.hours(48, .fa) == "۴۸٫۰ ساعت")
        #expect(DashboardNumbers.hours(nil, .en) == "—")
        #expect(DashboardNumbers.percent(1.0 / 7.0, .fa) == "۱۴٫۳٪")
        #expect(DashboardNumbers.percent(1.0 / 7.0, .en) == "14.3%")
    }

    @Test("charts: labels escaped, bars scaled to the largest, right to left in Persian; colours as attributes, no style")
    func chart() {
        let chart = BarChart(bars: [.init(label: "<b>&\"x\"", values: [2, 2]), .init(label: "دو", values: [1, 0])], title: "A \"title\"")
        let en = chart.svg(.en)
        #expect(en.contains("&lt;b&gt;&amp;&quot;x&quot;") && !en.contains("<b>"))
        #expect(en.contains("aria-label=\"A &quot;title&quot;\"") && en.contains("role=\"img\""))
        #expect(!en.contains("style="))
        // Two segments of the largest bar fill the bar area (640 − 200 − 56 − 16 = 368) between them; the second bar is a quarter.
        #expect(en.contains("x=\"208\" y=\"9\" width=\"184\"") && en.contains("x=\"392\" y=\"9\" width=\"184\""))
        #expect(en.contains("x=\"208\" y=\"35\" width=\"92\""))
        let fa = chart.svg(.fa)
        #expect(fa.contains("x=\"636\"") && fa.contains("text-anchor=\"end\""))
        #expect(fa.contains(">۴</text>"))
        #expect(fa.contains("x=\"248\" y=\"9\" width=\"184\""))
    }
}
