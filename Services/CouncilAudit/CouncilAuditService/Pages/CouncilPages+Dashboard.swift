import Foundation
import Hummingbird
import WebPages

extension CouncilPages {
    /// `GET /dashboard` (the overview of a period, its charts and lists) and `GET /dashboard/print` (the
    /// same for print: the quarterly report on A4).
    func addDashboardPages(to router: Router<CouncilRequestContext>) {
        router.get("/dashboard") { request, context in
            await asCouncil(request, context) { staff in
                try await dashboard(DashboardQuery(request), staff: staff, path: request.pathWithoutLanguage, printable: false)
            }
        }
        router.get("/dashboard/print") { request, context in
            await asCouncil(request, context) { staff in
                try await dashboard(DashboardQuery(request), staff: staff, path: request.pathWithoutLanguage, printable: true)
            }
        }
    }

    /// What the dashboard reads for a query: the API's summary of the period and of the previous one, the
    /// overdue reports and the resolved ones (their times to resolution).
    struct DashboardData {
        var summary: CouncilSummary
        var previous: CouncilSummary
        var overdue: ReportPage
        var resolved: [CouncilReportRow]
        var resolvedTotal: Int
        var hazards: [RepeatHazard]
        /// The period's cases the router raised as repeat hazards, newest first.
        var raised: ReportPage
    }

    /// The most reports a list or a distribution reads (pages of 500).
    static let listLimit = 500
    /// The most pages of resolved reports the time-to-resolution chart reads.
    static let resolvedPages = 20

    /// Reads what the page of `query` shows (the summaries and the overdue list at once).
    func readData(_ query: DashboardQuery) async throws -> DashboardData {
        let overdueFilter = query.filter.with { $0.overdue = true; $0.pageSize = Self.listLimit }
        async let summary = queries.summary(query.filter)
        async let previous = queries.summary(query.previousFilter)
        async let overdue = queries.reports(overdueFilter)
        async let hazards = queries.repeatHazards(query.filter)
        async let raised = queries.reports(query.filter.with { $0.repeatHazard = true; $0.pageSize = Self.listLimit })
        var resolvedFilter = query.filter.with { $0.status = "resolved"; $0.pageSize = Self.listLimit }
        var resolved: [CouncilReportRow] = []
        var total = 0
        for page in 1...Self.resolvedPages {
            resolvedFilter.page = page
            let rows = try await queries.reports(resolvedFilter)
            resolved += rows.reports
            total = rows.total
            if resolved.count >= rows.total || rows.reports.isEmpty { break }
        }
        return DashboardData(summary: try await summary, previous: try await previous, overdue: try await overdue, resolved: resolved, resolvedTotal: total,
                             hazards: try await hazards, raised: try await raised)
    }

    /// The dashboard (or its print version) of `query`.
    func dashboard(_ query: DashboardQuery, staff: StaffPagesSession, path: String, printable: Bool) async throws -> Response {
        let language = staff.language
        let data = try await readData(query)
        let heading: String = printable
            ? language.pick("گزارش فصلی کمیتهٔ شهر دوستدار کودک", "The child-friendly committee's quarterly report")
            : language.pick("داشبورد کمیتهٔ شهر دوستدار کودک", "Child-friendly committee dashboard")
        let shown = data.overdue.reports.count, total = data.overdue.total
        let overdueNote: String? = total > shown
            ? language.digits(language.pick("\(shown) گزارش از \(total) نشان داده شده است؛ همه در CSV.", "\(shown) of \(total) shown; all of them in the CSV."))
            : nil
        let overdueEmpty: String? = total == 0 ? language.pick("گزارش از مهلت گذشته‌ای نیست.", "No report is overdue.") : nil
        let rejectedEmpty: String? = data.summary.rejected.isEmpty ? language.pick("گزارشی نپذیرفته نشده است.", "No report was rejected.") : nil
        let bouncedEmpty: String? = data.summary.bounced.isEmpty ? language.pick("گزارشی دو بار ارجاع نشده است.", "No report was referred twice.") : nil
        let rejected: [DashboardView.ListedReport] = data.summary.rejected.map {
            listed(reportID: $0.reportID, trackingCode: $0.trackingCode, unit: $0.unit, reason: $0.reason, language)
        }
        let bounced: [DashboardView.ListedReport] = data.summary.bounced.map { entry in
            var report = listed(reportID: entry.reportID, trackingCode: entry.trackingCode, unit: entry.unit, reason: nil, language)
            report.listReferrals = DashboardNumbers.count(entry.referralCount, language)
            return report
        }
        let form: DashboardView.FilterForm? = printable ? nil : filterForm(query, language)
        let hazardsEmpty: String? = data.hazards.isEmpty ? language.pick("جایی با سه گزارش یا بیشتر نیست.", "No place has three or more reports.") : nil
        let view = DashboardView(
            heading: heading,
            periodName: query.period.name(language),
            previousName: query.period.previous.name(language),
            scopeText: scopeText(query, language),
            generated: language.pick("ساخته‌شده در ", "Made on ") + SolarHijriFormat.dateTime(query.filter.now, language),
            printable: printable,
            form: form,
            metricsHeading: language.pick("نمای کلی", "Overview"),
            measureHeader: language.pick("شاخص", "Measure"),
            currentHeader: query.period.name(language),
            previousHeader: query.period.previous.name(language) + language.pick(" (دورهٔ پیش)", " (previous)"),
            metrics: metrics(data.summary, previous: data.previous, language),
            chartsHeading: language.pick("نمودارها", "Charts"),
            charts: charts(query, data, language),
            overdueHeading: language.pick("گزارش‌های از مهلت گذشته، به تفکیک واحد", "Overdue reports by unit"),
            overdueEmpty: overdueEmpty,
            overdueNote: overdueNote,
            overdueGroups: overdueGroups(data.overdue, now: query.filter.now, language),
            codeHeader: language.pick("کد پیگیری", "Tracking code"),
            serviceHeader: language.pick("موضوع", "Subject"),
            districtHeader: language.pick("منطقه", "District"),
            deadlineHeader: language.pick("مهلت", "Deadline"),
            daysHeader: language.pick("روز از مهلت گذشته", "Days overdue"),
            unitHeader: language.pick("واحد", "Unit"),
            reasonHeader: language.pick("دلیل واحد", "The unit's reason"),
            referralsHeader: language.pick("بار ارجاع", "Referrals"),
            hazardsHeading: language.pick("خطرهای تکراری", "Repeat hazards"),
            hazardsText: language.pick(
                "سه گزارش یا بیشتر در یک مربع حدوداً ۱۰۰ متری (مختصات گردشده تا سه رقم اعشار، از ثبت هر گزارش در دفتر ممیزی). گزارش‌هایی که فقط نشانی و منطقه دارند در این فهرست نیستند.",
                "Three or more reports in one square of about 100 m (coordinates rounded to three decimals, from each report's entry in the audit log). Reports given by address and district alone are not placed here."),
            hazardsEmpty: hazardsEmpty,
            hazards: hazards(data.hazards, language),
            raisedText: language.pick(
                "پرونده‌هایی که سامانه اولویتشان را بالا برد: سه گزارش از یک مورد، دومین بار بازگشایی، یا پرونده‌ای تازه جایی که دو پروندهٔ همین نوع در ۹۰ روز گذشته رسیدگی شده بود.",
                "Cases the system raised in priority: three reports of one hazard, a second reopening, or a new case where two cases of its kind were resolved in the last 90 days."),
            raisedEmpty: data.raised.reports.isEmpty ? language.pick("پرونده‌ای به‌عنوان خطر تکراری بالا نرفته است.", "No case was raised as a repeat hazard.") : nil,
            raised: data.raised.reports.map { report in
                var row = listed(reportID: report.reportID, trackingCode: report.trackingCode, unit: report.unit,
                                 reason: report.repeatReasons.map { Self.repeatReason($0, language) }.joined(separator: language.pick("؛ ", "; ")), language)
                row.listService = serviceName(report.serviceCode, language)
                row.listDistrict = Self.districtName(report.district, language)
                row.listStatus = ReportStatusWords.name(report.status, language)
                row.listPriority = report.priority ?? "—"
                return row
            },
            whyHeader: language.pick("چرا", "Why"),
            priorityHeader: language.pick("اولویت", "Priority"),
            statusHeader: language.pick("وضعیت", "Status"),
            placeHeader: language.pick("مکان (عرض، طول)", "Place (latitude, longitude)"),
            countHeader: language.pick("گزارش", "Reports"),
            rejectedHeading: language.pick("گزارش‌های نپذیرفته و دلیل واحدها", "Rejected reports and the units' reasons"),
            rejectedEmpty: rejectedEmpty,
            rejected: rejected,
            bouncedHeading: language.pick("گزارش‌های دست‌به‌دست‌شده (دو بار یا بیشتر ارجاع)", "Bounced reports (referred twice or more)"),
            bouncedEmpty: bouncedEmpty,
            bounced: bounced,
            exportsHeading: language.pick("خروجی‌ها", "Exports"),
            exportsText: language.pick(
                "همان CSVهای API کمیته، برای همین دوره و فیلترها؛ با ورود شما و بدون کلید API.",
                "The committee API's own CSVs for this period and these filters — with your sign-in, no API key needed."),
            exports: exports(query, language),
            definitionsHeading: language.pick("هر عدد چه می‌گوید", "What each number means"),
            definitions: definitions(language)
        )
        let title = view.heading + " — " + view.periodName
        return renderer.render("dashboard", view, frame: PageFrame(title: title, language: language, path: path,
                                                                   links: links(language, current: printable ? "/dashboard/print" : "/dashboard"),
                                                                   staff: staff))
    }

    private func scopeText(_ query: DashboardQuery, _ language: PageLanguage) -> String {
        var parts = [
            query.child == "true" ? language.pick("گزارش‌های شهر دوستدار کودک", "Child-friendly city reports")
                : query.child == "false" ? language.pick("گزارش‌های دیگر (غیر کودک)", "Other reports (not child-friendly)")
                : language.pick("همهٔ گزارش‌ها", "Every report"),
        ]
        if let district = query.district { parts.append(Self.districtName(district.count == 1 ? "0" + district : district, language)) }
        if let code = query.serviceCode { parts.append(serviceName(code, language)) }
        if let unit = query.unit { parts.append(unitName(unit, language)) }
        return parts.joined(separator: language.pick("، ", ", "))
    }

    private func filterForm(_ query: DashboardQuery, _ language: PageLanguage) -> DashboardView.FilterForm {
        DashboardView.FilterForm(
            formLabel: language.pick("دوره و فیلترها", "Period and filters"),
            periodLabel: language.pick("دوره", "Period"),
            periodGroups: periodChoices(query).map { group in
                DashboardView.PeriodGroup(groupLabel: language.digits(String(group.year)), choices: group.periods.map {
                    DashboardView.Choice(choiceValue: $0.label, choiceLabel: $0.name(language), selected: $0.label == query.period.label)
                })
            },
            childLabel: language.pick("گزارش‌ها", "Reports"),
            childOptions: [
                DashboardView.Choice(choiceValue: "true", choiceLabel: language.pick("شهر دوستدار کودک", "Child-friendly city"), selected: query.child == "true"),
                DashboardView.Choice(choiceValue: "all", choiceLabel: language.pick("همه", "All"), selected: query.child == "all"),
                DashboardView.Choice(choiceValue: "false", choiceLabel: language.pick("غیر کودک", "Not child-friendly"), selected: query.child == "false"),
            ],
            districtLabel: language.pick("منطقه", "District"),
            districtOptions: [DashboardView.Choice(choiceValue: "", choiceLabel: language.pick("همهٔ منطقه‌ها", "Every district"), selected: query.district == nil)]
                + (1...22).map { number in
                    DashboardView.Choice(choiceValue: String(number), choiceLabel: Self.districtName(String(number), language),
                           selected: query.district.flatMap { Int($0) } == number)
                },
            applyLabel: language.pick("نمایش", "Show"),
            previousLink: query.link("/dashboard", ["period": query.period.previous.label]),
            previousLabel: language.pick("دورهٔ پیش", "Previous period"),
            nextLink: query.link("/dashboard", ["period": query.period.next.label]),
            nextLabel: language.pick("دورهٔ بعد", "Next period"),
            printLink: query.link("/dashboard/print"),
            printLabel: language.pick("نسخهٔ چاپی (A4)", "Printable version (A4)"),
            lookupLabel: language.pick("کد پیگیری گزارش", "A report's tracking code"),
            lookupButton: language.pick("باز کردن سابقه", "Open its timeline")
        )
    }

    /// This year's and last year's periods, and the shown one when it is older (a link can name any).
    private func periodChoices(_ query: DashboardQuery) -> [(year: Int, periods: [JalaliPeriod])] {
        var groups = JalaliPeriod.choices(around: query.filter.now)
        if !groups.contains(where: { $0.periods.contains { $0.label == query.period.label } }) {
            groups.append((query.period.first.year, [query.period]))
        }
        return groups
    }

    private func exports(_ query: DashboardQuery, _ language: PageLanguage) -> [DashboardView.ExportLink] {
        let parameters = query.apiParameters
        var reports = parameters
        reports["page_size"] = String(Self.listLimit)
        var overdue = reports
        overdue["overdue"] = "true"
        return [
            DashboardView.ExportLink(exportHref: "/dashboard/export/summary.csv" + DashboardQuery.queryString(parameters),
                       exportLabel: language.pick("خلاصهٔ دوره (CSV)", "The period's summary (CSV)")),
            DashboardView.ExportLink(exportHref: "/dashboard/export/reports.csv" + DashboardQuery.queryString(reports),
                       exportLabel: language.pick("گزارش‌های دوره، ۵۰۰ تای نخست (CSV)", "The period's reports, first 500 (CSV)")),
            DashboardView.ExportLink(exportHref: "/dashboard/export/reports.csv" + DashboardQuery.queryString(overdue),
                       exportLabel: language.pick("گزارش‌های از مهلت گذشته (CSV)", "Overdue reports (CSV)")),
        ]
    }

    private func definitions(_ language: PageLanguage) -> [String] {
        [
            language.pick("دریافت‌شده: گزارش‌هایی که در این دوره (به وقت تهران) رسیده‌اند؛ همهٔ اعداد دیگر دربارهٔ همین گزارش‌ها و وضعیت امروزشان است.",
                          "Received: reports that arrived in the period (Tehran time); every other number is about these reports as they stand today."),
            language.pick("رسیدگی‌شده: وضعیت کنونی «رسیدگی شد»؛ نپذیرفته: واحد آن را رد کرده است؛ باز: بقیه.",
                          "Resolved: resolved now; rejected: a unit rejected it; open: the rest."),
            language.pick("از مهلت گذشته: مهلت گذشته و نه رسیدگی‌شده نه نپذیرفته.", "Overdue: past its deadline and neither resolved nor rejected."),
            language.pick("زمان تا واگذاری: از دریافت تا نخستین سپردن به واحد؛ تا نخستین اقدام: تا نخستین دیدن، اقدام، رسیدگی یا رد؛ تا رسیدگی: برای گزارش‌های رسیدگی‌شده. میانه و صدک ۹۰ (۹۰٪ زودتر از آن).",
                          "Time to assignment: receipt to the first hand-over to a unit; to first action: to the first acknowledgement, work, resolution or rejection; to resolution: for resolved reports. Median and 90th percentile (90% took less)."),
            language.pick("نرخ بازگشایی: گزارش‌هایی که دست‌کم یک بار دوباره باز شده‌اند، بخش بر همهٔ گزارش‌ها. دست‌به‌دست‌شده: دو بار یا بیشتر به واحد دیگری ارجاع.",
                          "Reopen rate: reports reopened at least once over all reports. Bounced: referred to another unit twice or more."),
        ]
    }
}
