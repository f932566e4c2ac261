import Contracts
import Foundation
import Hummingbird
import WebAPI
import WebPages

extension IntakePages {
    /// `GET /track` (look up a code), `GET /track/{code}` (status, unit, deadline, history) and
    /// `POST /track/{code}/reopen` (the reporter's reopen with the report's secret).
    func addTrackPages(to router: Router<IntakeRequestContext>) {
        router.get("/track") { request, context in
            let language = request.pageLanguage
            if let code = request.formQuery("code"), !code.isEmpty {
                guard let parsed = TrackingCode(parsing: ReportForm.latinDigits(code)) else {
                    return lookupPage(language: language, code: code, error: language.pick("کد پیگیری ۱۰ رقم است؛ آن را بازبینی کنید.",
                                                                                             "A tracking code has 10 digits; check it."),
                                      status: .badRequest).setting(request.languageCookie)
                }
                return PageRenderer.redirect("/track/\(parsed.digits)")
            }
            return lookupPage(language: language, code: "", error: nil, status: .ok).setting(request.languageCookie)
        }
        router.get("/track/{tracking_code}") { request, context in
            let language = request.pageLanguage
            let path = request.pathWithoutLanguage
            do {
                try api.limitAddress(context)
                let text = context.parameters.get("tracking_code") ?? ""
                guard let code = TrackingCode(parsing: ReportForm.latinDigits(text.removingPercentEncoding ?? text)),
                      let report = try await api.store.report(trackingCode: code)
                else {
                    return lookupPage(language: language, code: text, error: language.pick("گزارشی با این کد پیدا نشد.", "No report has this tracking code."),
                                      status: .notFound)
                }
                let (csrf, cookie) = FormToken.token(for: request, secure: gate.secureCookies)
                return trackPage(report, language: language, path: path, csrf: csrf, notice: nil, reopenError: nil, status: .ok)
                    .setting(cookie).setting(request.languageCookie)
            } catch {
                return errorPage(error, language: language, path: path)
            }
        }
        router.post("/track/{tracking_code}/reopen") { request, context in
            let language = request.pageLanguage
            do {
                return try await reopen(request, context: context, language: language)
            } catch {
                return errorPage(error, language: language, path: "/track")
            }
        }
    }

    private struct ReopenForm: Decodable {
        var secret: String?
        var note: String?
        var _csrf: String?
    }

    private func reopen(_ request: Request, context: IntakeRequestContext, language: PageLanguage) async throws -> Response {
        try api.limitAddress(context)
        let text = context.parameters.get("tracking_code") ?? ""
        guard let code = TrackingCode(parsing: text) else {
            return lookupPage(language: language, code: text, error: language.pick("کد پیگیری ۱۰ رقم است.", "A tracking code has 10 digits."), status: .badRequest)
        }
        let (csrf, cookie) = FormToken.token(for: request, secure: gate.secureCookies)
        guard let report = try await api.store.report(trackingCode: code) else {
            return lookupPage(language: language, code: text, error: language.pick("گزارشی با این کد پیدا نشد.", "No report has this tracking code."), status: .notFound)
        }
        func again(_ error: String, _ status: HTTPResponse.Status) -> Response {
            trackPage(report, language: language, path: "/track/\(code.digits)", csrf: csrf, notice: nil, reopenError: error, status: status).setting(cookie)
        }
        guard let form = await request.form(ReopenForm.self, limit: 8_192), FormToken.verify(form: form._csrf, request: request) else {
            return again(language.pick("این فرم کهنه شده بود؛ دوباره بفرستید.", "This form had expired; send it again."), .forbidden)
        }
        if let wait = api.reopenLimiter.acquire(context.clientAddress) { throw APIError.rateLimited(retryAfter: wait) }
        guard let secret = ReportForm.blankless(form.secret).map(ReportForm.latinDigits) else {
            return again(language.pick("رمز گزارش را وارد کنید؛ همراه کد پیگیری به شما داده شد.", "Enter the report's secret, given with the tracking code."), .forbidden)
        }
        let note = ReportForm.blankless(form.note)
        if let note, note.count > 2_000 || SubmissionValidator.containsMarkup(note) {
            return again(language.pick("توضیح حداکثر ۲۰۰۰ نویسهٔ متن ساده است.", "The note is at most 2000 characters of plain text."), .unprocessableContent)
        }
        let outcome = try await api.store.reopenByReporter(code, note: note) { [reopenSecret = api.reopenSecret] reportID in
            reopenSecret.verify(secret, forReport: reportID)
        }
        switch outcome {
        case .unknown:
            return lookupPage(language: language, code: text, error: language.pick("گزارشی با این کد پیدا نشد.", "No report has this tracking code."), status: .notFound)
        case .wrongSecret:
            context.logger.notice("reopening refused: wrong secret", metadata: ["tracking_code": "\(code.digits)"])
            return again(language.pick("این رمز، رمز این گزارش نیست.", "This is not the report's secret."), .forbidden)
        case .locked(let seconds):
            return again(language.digits(language.pick("رمزهای نادرست زیادی وارد شد؛ \(seconds / 60 + 1) دقیقهٔ دیگر تلاش کنید.",
                                                       "Too many wrong secrets; try again in \(seconds / 60 + 1) minutes.")), .tooManyRequests)
        case .notResolved:
            return again(language.pick("فقط گزارش رسیدگی‌شده را می‌توان دوباره باز کرد.", "Only a resolved report can be reopened."), .conflict)
        case .limitReached(let allowed):
            return again(language.digits(language.pick("این گزارش \(allowed) بار دوباره باز شده است؛ برای بیشتر با ۱۳۷ تماس بگیرید.",
                                                        "This report was reopened \(allowed) times; call 137 for more.")), .conflict)
        case .queued(let reportID):
            context.logger.info("reopening by the reporter queued", metadata: ["report_id": "\(reportID)"])
            return trackPage(report, language: language, path: "/track/\(code.digits)", csrf: csrf,
                             notice: language.pick("درخواست بازگشایی ثبت شد؛ گزارش دوباره به واحد مسئول می‌رود.",
                                                   "Your reopening was received; the report goes back to the unit."),
                             reopenError: nil, status: .accepted, reopenable: false).setting(cookie)
        }
    }

    // MARK: The pages

    struct LookupPage {
        var heading: String
        var codeLabel: String
        var codeHint: String
        var code: String
        var error: String?
        var submitLabel: String
    }

    func lookupPage(language: PageLanguage, code: String, error: String?, status: HTTPResponse.Status) -> Response {
        let page = LookupPage(
            heading: language.pick("پیگیری گزارش", "Track a report"),
            codeLabel: language.pick("کد پیگیری", "Tracking code"),
            codeHint: language.pick("کد ۱۰ رقمی که پس از ثبت گزارش گرفتید.", "The 10-digit code you got when you reported."),
            code: code, error: error,
            submitLabel: language.pick("پیگیری", "Track")
        )
        return renderer.render("track-lookup", page, frame: PageFrame(title: page.heading, language: language, path: "/track",
                                                                      links: links(language, current: "/track")), status: status)
    }

    /// One history entry (names of its own: Mustache looks a missing value up in the enclosing page).
    struct HistoryView {
        var status: String
        var entryNote: String?
        var entryUnit: String?
        var at: String
        var machineAt: String
    }

    struct TrackPage {
        var heading: String
        var code: String
        var statusLabel: String
        var status: String
        var serviceLabel: String
        var service: String?
        var child: String?
        var unitLabel: String
        var unit: String?
        var deadlineLabel: String
        var deadline: String?
        var machineDeadline: String?
        var overdue: String?
        var receivedLabel: String
        var received: String
        var noteLabel: String
        var note: String?
        /// The report's case in words (linked, or a case with linked reports), or nil.
        var caseText: String?
        var next: String
        var historyHeading: String
        var history: [HistoryView]
        var notice: String?
        var reopenable: Bool
        var reopenHeading: String
        var reopenHint: String
        var secretLabel: String
        var noteInputLabel: String
        var reopenLabel: String
        var reopenError: String?
        var csrf: String
        var reopenURL: String
    }

    func trackPage(_ report: PublicReport, language: PageLanguage, path: String, csrf: String, notice: String?, reopenError: String?,
                   status: HTTPResponse.Status, reopenable: Bool? = nil) -> Response {
        let service = report.serviceCode.flatMap { api.taxonomy.service($0) }
        func unitName(_ code: String?) -> String? {
            code.map { units.unit(named: $0)?.name.text(for: language.rawValue) ?? $0 }
        }
        let page = TrackPage(
            heading: language.pick("گزارش", "Report") + " " + language.digits(report.trackingCode),
            code: report.trackingCode,
            statusLabel: language.pick("وضعیت", "Status"),
            status: ReportStatusText.name(report.status, language),
            serviceLabel: language.pick("موضوع", "Subject"),
            service: service?.name.text(for: language.rawValue),
            child: report.childFriendly == true ? language.pick("شهر دوستدار کودک", "Child-friendly city") : nil,
            unitLabel: language.pick("واحد مسئول", "Responsible unit"),
            unit: unitName(report.unit),
            deadlineLabel: language.pick("مهلت رسیدگی", "Deadline"),
            deadline: report.deadline.map { SolarHijriFormat.dateTime($0, language) },
            machineDeadline: report.deadline.map(SolarHijriFormat.machine),
            overdue: report.deadline.flatMap { $0 < Date() && !PublicReport.closedStatuses.contains(report.status) ? language.pick("از مهلت گذشته", "Overdue") : nil },
            receivedLabel: language.pick("زمان ثبت", "Received"),
            received: SolarHijriFormat.dateTime(report.receivedAt, language),
            noteLabel: language.pick("یادداشت واحد", "Unit's note"),
            note: report.statusNotes,
            caseText: ReportStatusText.caseText(linked: report.isLinked, caseReports: report.caseReports, language),
            next: ReportStatusText.next(report.status, language),
            historyHeading: language.pick("سابقه", "History"),
            history: report.history.map {
                HistoryView(status: ReportStatusText.name($0.status, language), entryNote: $0.note, entryUnit: unitName($0.unit),
                            at: SolarHijriFormat.dateTime($0.at, language), machineAt: SolarHijriFormat.machine($0.at))
            },
            notice: notice,
            reopenable: reopenable ?? (report.status == ReportStatus.resolved.rawValue),
            reopenHeading: language.pick("مشکل برطرف نشده است؟", "Problem still there?"),
            reopenHint: language.pick("با رمز گزارش (همراه کد پیگیری داده شد) آن را دوباره باز کنید.", "Reopen it with the report's secret (given with the tracking code)."),
            secretLabel: language.pick("رمز گزارش", "Report secret"),
            noteInputLabel: language.pick("چه چیزی هنوز درست نشده است؟ (اختیاری)", "What is still wrong? (optional)"),
            reopenLabel: language.pick("بازگشایی گزارش", "Reopen the report"),
            reopenError: reopenError,
            csrf: csrf,
            reopenURL: "/track/\(report.trackingCode)/reopen"
        )
        return renderer.render("track", page, frame: PageFrame(title: page.heading, language: language, path: path,
                                                               links: links(language, current: "/track")), status: status)
    }
}
