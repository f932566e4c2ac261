import Foundation
import WebPages

extension CouncilPages {
    /// The overview's numbers of a summary, as the API's JSON gives them (`machine`), derived only from
    /// ``CouncilSummary`` so that the page and the API agree.
    struct OverviewNumbers: Equatable {
        var received: Int
        var resolved: Int
        var rejected: Int
        var open: Int
        var overdue: Int
        var reopened: Int
        var reopenRate: Double
        var bounced: Int
        var timings: [String: CouncilSummary.Timing]

        init(_ summary: CouncilSummary) {
            timings = Dictionary(summary.timings.map { ($0.measure, $0) }, uniquingKeysWith: { first, _ in first })
            received = summary.reports
            resolved = timings["resolution"]?.count ?? 0
            rejected = summary.rejected.count
            open = max(0, received - resolved - rejected)
            overdue = summary.overdueByUnit.reduce(0) { $0 + $1.count }
            reopened = summary.reopened
            reopenRate = summary.reopenRate
            bounced = summary.bounced.count
        }
    }

    /// The overview: counts, times (median and 90th percentile), reopen rate and bounced, each with the
    /// previous period's beside it.
    func metrics(_ summary: CouncilSummary, previous: CouncilSummary, _ language: PageLanguage) -> [DashboardView.MetricView] {
        let now = OverviewNumbers(summary), before = OverviewNumbers(previous)
        func count(_ id: String, _ fa: String, _ en: String, _ hintFa: String, _ hintEn: String, _ value: (OverviewNumbers) -> Int) -> DashboardView.MetricView {
            DashboardView.MetricView(metricID: id, metricLabel: language.pick(fa, en), metricHint: language.pick(hintFa, hintEn),
                       current: DashboardNumbers.count(value(now), language), machineValue: String(value(now)),
                       previous: DashboardNumbers.count(value(before), language))
        }
        func time(_ measure: String, _ fa: String, _ en: String) -> [DashboardView.MetricView] {
            let current = now.timings[measure], earlier = before.timings[measure]
            let reports = language.digits(language.pick("از \(current?.count ?? 0) گزارش", "of \(current?.count ?? 0) reports"))
            return [
                DashboardView.MetricView(metricID: "metric-\(measure)-median", metricLabel: language.pick("میانهٔ زمان \(fa)", "Median time to \(en)"),
                           metricHint: reports, current: DashboardNumbers.hours(current?.medianHours, language),
                           machineValue: current?.medianHours.map { String(format: "%.2f", $0) } ?? "",
                           previous: DashboardNumbers.hours(earlier?.medianHours, language)),
                DashboardView.MetricView(metricID: "metric-\(measure)-p90", metricLabel: language.pick("صدک ۹۰ زمان \(fa)", "90th percentile time to \(en)"),
                           metricHint: reports, current: DashboardNumbers.hours(current?.p90Hours, language),
                           machineValue: current?.p90Hours.map { String(format: "%.2f", $0) } ?? "",
                           previous: DashboardNumbers.hours(earlier?.p90Hours, language)),
            ]
        }
        return [
            count("metric-received", "دریافت‌شده", "Received", "در این دوره", "in the period") { $0.received },
            count("metric-resolved", "رسیدگی‌شده", "Resolved", "وضعیت کنونی", "now") { $0.resolved },
            count("metric-open", "باز", "Open", "نه رسیدگی‌شده، نه نپذیرفته", "neither resolved nor rejected") { $0.open },
            count("metric-overdue", "از مهلت گذشته", "Overdue", "باز و پس از مهلت", "open and past the deadline") { $0.overdue },
            count("metric-rejected", "نپذیرفته", "Rejected", "با دلیل واحد", "with the unit's reason") { $0.rejected },
        ]
            + time("assignment", "تا واگذاری", "assignment")
            + time("first_action", "تا نخستین اقدام", "first action")
            + time("resolution", "تا رسیدگی", "resolution")
            + [
                DashboardView.MetricView(metricID: "metric-reopen-rate", metricLabel: language.pick("نرخ بازگشایی", "Reopen rate"),
                           metricHint: language.digits(language.pick("\(now.reopened) گزارش دوباره باز شد", "\(now.reopened) reports reopened")),
                           current: DashboardNumbers.percent(now.reopenRate, language), machineValue: String(format: "%.4f", now.reopenRate),
                           previous: DashboardNumbers.percent(before.reopenRate, language)),
                count("metric-bounced", "دست‌به‌دست‌شده", "Bounced", "دو بار یا بیشتر ارجاع", "referred twice or more") { $0.bounced },
            ]
    }

    /// A report in a list (rejected, bounced), linking to its timeline.
    func listed(reportID: String, trackingCode: String?, unit: String?, reason: String?, _ language: PageLanguage) -> DashboardView.ListedReport {
        DashboardView.ListedReport(href: "/dashboard/reports/\(reportID)", codeText: language.digits(trackingCode ?? String(reportID.prefix(8))),
                     listService: "", listDistrict: "", listUnit: unitName(unit, language), listDeadline: "", listDays: "",
                     listReason: reason ?? "—", listReferrals: "")
    }

    /// Why the router raised a case, in words.
    static func repeatReason(_ reason: String, _ language: PageLanguage) -> String {
        switch reason {
        case "reports": language.pick("سه گزارش از یک مورد", "three reports of one hazard")
        case "reopenings": language.pick("دوباره و دوباره باز شد", "reopened again and again")
        case "returning": language.pick("همین نوع این‌جا پیش‌تر رسیدگی شده بود", "fixed here before, and back")
        default: reason
        }
    }

    /// The overdue reports grouped by unit (most first), each with its days past the deadline.
    func overdueGroups(_ page: ReportPage, now: Date, _ language: PageLanguage) -> [DashboardView.OverdueGroup] {
        var byUnit: [String: [CouncilReportRow]] = [:]
        for report in page.reports { byUnit[report.unit ?? "-", default: []].append(report) }
        return byUnit.sorted { ($1.value.count, $0.key) < ($0.value.count, $1.key) }.map { unit, reports in
            let rows = reports.sorted { ($0.deadline ?? now) < ($1.deadline ?? now) }.map { report in
                let days = report.deadline.map { Int(now.timeIntervalSince($0) / 86_400) } ?? 0
                return DashboardView.ListedReport(
                    href: "/dashboard/reports/\(report.reportID)",
                    codeText: language.digits(report.trackingCode ?? String(report.reportID.prefix(8))),
                    listService: serviceName(report.serviceCode, language), listDistrict: Self.districtName(report.district, language),
                    listUnit: unitName(report.unit, language),
                    listDeadline: report.deadline.map { SolarHijriFormat.date($0, language) } ?? "—",
                    listDays: DashboardNumbers.count(days, language), listReason: "", listReferrals: "")
            }
            return DashboardView.OverdueGroup(groupUnit: unitName(unit, language), groupCount: DashboardNumbers.count(reports.count, language), reports: rows)
        }
    }

    /// The places with several reports, their subjects in words and their first five reports.
    func hazards(_ hazards: [RepeatHazard], _ language: PageLanguage) -> [DashboardView.HazardView] {
        hazards.map { hazard in
            DashboardView.HazardView(
                place: DashboardNumbers.decimal(hazard.lat, places: 3, language) + language.pick("، ", ", ") + DashboardNumbers.decimal(hazard.long, places: 3, language),
                hazardCount: DashboardNumbers.count(hazard.count, language),
                subjects: hazard.serviceCodes.map { serviceName($0, language) }.joined(separator: language.pick("، ", ", ")),
                hazardReports: zip(hazard.reportIDs, hazard.trackingCodes).prefix(5).map { id, code in
                    DashboardView.HazardReport(hazardHref: "/dashboard/reports/\(id)", hazardCode: language.digits(code.isEmpty ? String(id.prefix(8)) : code))
                })
        }
    }
}
