import Foundation
import WebPages

extension CouncilPages {
    /// The buckets of the time-to-resolution distribution, in hours (upper bounds; the last is open).
    static let resolutionBuckets: [(upTo: Double?, fa: String, en: String)] = [
        (24, "تا ۱ روز", "up to 1 day"), (72, "۱ تا ۳ روز", "1–3 days"), (168, "۳ تا ۷ روز", "3–7 days"), (nil, "بیش از ۷ روز", "over 7 days"),
    ]

    /// The dashboard's four charts, each with its table: reports by service over the months, by district,
    /// overdue per unit, and time to resolution per service.
    func charts(_ query: DashboardQuery, _ data: DashboardData, _ language: PageLanguage) -> [DashboardView.ChartView] {
        [byMonth(query, data.summary, language), byDistrict(data.summary, language), overdueByUnit(data.summary, language),
         resolution(data, language)]
    }

    /// A table cell's count.
    private func cell(_ value: Int, _ language: PageLanguage) -> String { DashboardNumbers.count(value, language) }

    private func byMonth(_ query: DashboardQuery, _ summary: CouncilSummary, _ language: PageLanguage) -> DashboardView.ChartView {
        var counts: [String: [String: Int]] = [:]  // month → code → count
        var totals: [String: Int] = [:]
        for entry in summary.byCodeDistrictMonth {
            counts[entry.month, default: [:]][entry.serviceCode, default: 0] += entry.count
            totals[entry.serviceCode, default: 0] += entry.count
        }
        // The seven commonest services by name, the rest as one series.
        let ranked = totals.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map(\.key)
        let shown = Array(ranked.prefix(7))
        let others = ranked.count > shown.count
        let names = shown.map { serviceName($0, language) } + (others ? [language.pick("دیگر موضوع‌ها", "Other subjects")] : [])
        let months = query.period.monthLabels
        let values: [[Int]] = months.map { month in
            let row = counts[month] ?? [:]
            return shown.map { row[$0] ?? 0 } + (others ? [row.filter { !shown.contains($0.key) }.values.reduce(0, +)] : [])
        }
        let labels = months.map { label -> String in
            guard let period = JalaliPeriod(label) else { return label }
            return period.name(language)
        }
        let title = language.pick("گزارش‌ها به تفکیک موضوع در هر ماه", "Reports by subject, month by month")
        return DashboardView.ChartView(
            chartID: "chart-months", chartTitle: title,
            svg: BarChart(bars: zip(labels, values).map { BarChart.Bar(label: $0, values: $1) }, title: title).svg(language),
            legend: names.enumerated().map { DashboardView.LegendItem(legendLabel: $1, colour: BarChart.palette[$0 % BarChart.palette.count]) },
            corner: language.pick("ماه", "Month"),
            columns: names + [language.pick("جمع", "Total")],
            rows: zip(labels, values).map { DashboardView.TableRow(rowLabel: $0, cells: $1.map { cell($0, language) } + [cell($1.reduce(0, +), language)]) },
            chartNote: nil)
    }

    private func byDistrict(_ summary: CouncilSummary, _ language: PageLanguage) -> DashboardView.ChartView {
        var counts: [String: Int] = [:]
        for entry in summary.byCodeDistrictMonth { counts[entry.district, default: 0] += entry.count }
        let districts = counts.keys.sorted { (Int($0) ?? 99, $0) < (Int($1) ?? 99, $1) }
        let labels = districts.map { Self.districtName($0, language) }
        let title = language.pick("گزارش‌ها به تفکیک منطقه", "Reports by district")
        return DashboardView.ChartView(
            chartID: "chart-districts", chartTitle: title,
            svg: BarChart(bars: zip(labels, districts).map { BarChart.Bar(label: $0, values: [counts[$1] ?? 0]) }, title: title).svg(language),
            legend: [],
            corner: language.pick("منطقه", "District"),
            columns: [language.pick("گزارش", "Reports")],
            rows: zip(labels, districts).map { DashboardView.TableRow(rowLabel: $0, cells: [cell(counts[$1] ?? 0, language)]) },
            chartNote: language.pick("نقشهٔ منطقه‌ها برای این سرویس پیکربندی نشده است؛ به جای آن نمودار میله‌ای.",
                                     "No district map is configured for this service; a bar chart instead."))
    }

    private func overdueByUnit(_ summary: CouncilSummary, _ language: PageLanguage) -> DashboardView.ChartView {
        let labels = summary.overdueByUnit.map { unitName($0.unit, language) }
        let title = language.pick("گزارش‌های از مهلت گذشته به تفکیک واحد", "Overdue reports per unit")
        return DashboardView.ChartView(
            chartID: "chart-overdue", chartTitle: title,
            svg: BarChart(bars: zip(labels, summary.overdueByUnit).map { BarChart.Bar(label: $0, values: [$1.count]) }, title: title).svg(language),
            legend: [],
            corner: language.pick("واحد", "Unit"),
            columns: [language.pick("از مهلت گذشته", "Overdue")],
            rows: zip(labels, summary.overdueByUnit).map { DashboardView.TableRow(rowLabel: $0, cells: [cell($1.count, language)]) },
            chartNote: summary.overdueByUnit.isEmpty ? language.pick("گزارش از مهلت گذشته‌ای نیست.", "No report is overdue.") : nil)
    }

    private func resolution(_ data: DashboardData, _ language: PageLanguage) -> DashboardView.ChartView {
        var counts: [String: [Int]] = [:]  // code → one count per bucket
        for report in data.resolved {
            guard let received = report.receivedAt, let resolved = report.resolvedAt else { continue }
            let hours = resolved.timeIntervalSince(received) / 3_600
            let bucket = Self.resolutionBuckets.firstIndex { $0.upTo.map { hours <= $0 } ?? true } ?? Self.resolutionBuckets.count - 1
            counts[report.serviceCode ?? "-", default: Array(repeating: 0, count: Self.resolutionBuckets.count)][bucket] += 1
        }
        let codes = counts.keys.sorted()
        let labels = codes.map { serviceName($0, language) }
        let names = Self.resolutionBuckets.map { language.pick($0.fa, $0.en) }
        let title = language.pick("زمان تا رسیدگی به تفکیک موضوع", "Time to resolution per subject")
        let partial = data.resolved.count < data.resolvedTotal
            ? language.digits(language.pick("از \(data.resolved.count) گزارش رسیدگی‌شدهٔ نخست از \(data.resolvedTotal).",
                                            "From the first \(data.resolved.count) of \(data.resolvedTotal) resolved reports."))
            : nil
        return DashboardView.ChartView(
            chartID: "chart-resolution", chartTitle: title,
            svg: BarChart(bars: zip(labels, codes).map { BarChart.Bar(label: $0, values: counts[$1] ?? []) }, title: title).svg(language),
            legend: names.enumerated().map { DashboardView.LegendItem(legendLabel: $1, colour: BarChart.palette[$0 % BarChart.palette.count]) },
            corner: language.pick("موضوع", "Subject"),
            columns: names,
            rows: zip(labels, codes).map { label, code in DashboardView.TableRow(rowLabel: label, cells: (counts[code] ?? []).map { cell($0, language) }) },
            chartNote: codes.isEmpty ? language.pick("هنوز گزارشی رسیدگی نشده است.", "No report has been resolved yet.") : partial)
    }
}
