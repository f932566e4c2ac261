import Classification
import Foundation
import Hummingbird
import Logging
import StaffAccounts
import Taxonomy
import WebAPI
import WebPages

extension IntakePages {
    /// The 137 operators' pages (role `operator` or `admin`): `GET /staff/call` (the call screen),
    /// `GET /staff/call/preview` (its live suggestion and the caller's recent reports, JSON),
    /// `POST /staff/call` (the report, as channel `137-phone`) and `GET /staff/today` (this operator's
    /// reports of the day).
    func addCallPages(to router: Router<IntakeRequestContext>) {
        router.get("/staff/call") { request, context in
            try await asOperator(request, context) { staff in
                callPage(ReportForm(language: nil), errors: PageFieldErrors(), staff: staff, suggestion: nil, status: .ok)
            }
        }
        router.get("/staff/call/preview") { request, context in
            let language = request.pageLanguage
            guard let session = await gate.session(request, logger: context.logger), Self.mayTakeCalls(session.account) else {
                throw APIError(.unauthorized, code: "not-signed-in", message: "sign in as an operator")
            }
            let description = request.formQuery("description") ?? ""
            let phone = request.formQuery("phone") ?? ""
            var result = try await preview(description: description, phone: phone, language: language)
            // Open reports near the caller's place, of the chosen service or else the suggested one.
            let service = ReportForm.blankless(request.formQuery("service_code")) ?? result.suggestion?.serviceCode
            let place = nearbyQuery(serviceCode: service, lat: nil, long: nil, district: request.formQuery("district"), address: request.formQuery("address"))
            result.nearby = try await nearby(place, language: language)
            return try IntakeAPI.json(result, status: .ok)
        }
        router.post("/staff/call") { request, context in
            try await asOperator(request, context) { staff in
                try await takeCall(request, context: context, staff: staff)
            }
        }
        router.get("/staff/today") { request, context in
            try await asOperator(request, context) { staff in
                try await todayPage(staff)
            }
        }
    }

    /// Whether an account may use the call screen.
    static func mayTakeCalls(_ account: StaffAccount) -> Bool {
        account.has(.operator) || account.has(.admin)
    }

    /// Runs `page` for a signed-in operator; otherwise the sign-in page (303) or a 403 page.
    private func asOperator(_ request: Request, _ context: IntakeRequestContext,
                            _ page: (StaffPagesSession) async throws -> Response) async throws -> Response {
        let language = request.pageLanguage
        switch await gate.admit(request, language: language, logger: context.logger, allowed: Self.mayTakeCalls) {
        case .signIn:
            return PageRenderer.redirect(StaffGate.signInLocation(returningTo: request.method == .get ? request.uri.path : "/staff/call"))
        case .forbidden(let staff):
            return messagePage(language.pick("دسترسی ندارید", "Not allowed"),
                               language.pick("این صفحه برای اپراتورهای ۱۳۷ است.", "This page is for the 137 operators."),
                               language: language, path: request.uri.path, status: .forbidden, staff: staff)
        case .admitted(let staff):
            do {
                return try await page(staff).setting(request.languageCookie)
            } catch {
                return errorPage(error, language: language, path: request.uri.path, staff: staff)
            }
        }
    }

    private func takeCall(_ request: Request, context: IntakeRequestContext, staff: StaffPagesSession) async throws -> Response {
        let language = staff.language
        guard let form = await request.form(ReportForm.self, limit: api.maxBodyBytes) else {
            return callPage(ReportForm(language: nil), errors: PageFieldErrors(), staff: staff, suggestion: nil, status: .badRequest,
                            alert: language.pick("فرم ناقص رسید؛ دوباره بفرستید.", "The form arrived incomplete; send it again."))
        }
        guard StaffGate.verifyCSRF(form._csrf, session: staff.session) else {
            return callPage(form, errors: PageFieldErrors(), staff: staff, suggestion: nil, status: .forbidden,
                            alert: language.pick("این فرم کهنه شده بود؛ بازبینی کنید و دوباره بفرستید.", "This form had expired; check it and send it again."))
        }
        let draft: ReportDraft
        do {
            draft = try api.validator.validate(form.submission(channel: "137-phone"))
        } catch {
            let suggestion = try? await preview(description: form.description ?? "", phone: "", language: language).suggestion
            return callPage(form, errors: PageFieldErrors(error.problems, language: language), staff: staff, suggestion: suggestion,
                            status: .unprocessableContent)
        }
        let accepted = try await api.writer.write(draft, idempotency: Self.claim(form, scope: Self.operatorScope(staff.session.account)))
        context.logger.info("report accepted", metadata: [
            "report_id": "\(accepted.reportID.uuidString.lowercased())", "channel": "137-phone", "staff_account": "\(staff.session.account.username)",
            "replayed": "\(accepted.replayed)",
        ])
        return callReceiptPage(accepted, staff: staff)
    }

    /// The idempotency scope of an operator's calls (the `today` list reads it back).
    static func operatorScope(_ account: StaffAccount) -> String {
        "staff:" + account.accountID.uuidString.lowercased()
    }

    // MARK: The live preview

    struct Preview: Encodable {
        var suggestion: Suggestion?
        var phoneValid: Bool?
        var phoneLabel: String?
        var recent: [Recent]
        /// Open reports near the place typed, that may be the same problem.
        var nearby: [NearbyItem] = []

        struct Suggestion: Encodable {
            var serviceCode: String
            var serviceName: String
            var childFriendly: Bool
            var childFriendlyLabel: String
            var priority: String
            var confidenceLabel: String

            enum CodingKeys: String, CodingKey {
                case serviceCode = "service_code", serviceName = "service_name", childFriendly = "child_friendly"
                case childFriendlyLabel = "child_friendly_label", priority, confidenceLabel = "confidence_label"
            }
        }

        struct Recent: Encodable {
            var trackingCode: String
            var label: String

            enum CodingKeys: String, CodingKey { case trackingCode = "tracking_code", label }
        }

        enum CodingKeys: String, CodingKey {
            case suggestion, phoneValid = "phone_valid", phoneLabel = "phone_label", recent, nearby
        }
    }

    /// What the classifier would probably say of `description`, and the caller's number checked with
    /// their reports of the last week.
    func preview(description: String, phone: String, language: PageLanguage) async throws -> Preview {
        var result = Preview(recent: [])
        let text = description.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.count >= 3 {
            let decision = try await suggestions.model().classify(String(text.prefix(SubmissionValidator.maxDescriptionLength)))
            let service = api.taxonomy.service(decision.serviceCode)
            result.suggestion = Preview.Suggestion(
                serviceCode: decision.serviceCode,
                serviceName: service?.name.text(for: language.rawValue) ?? decision.serviceCode,
                childFriendly: decision.childFriendly,
                childFriendlyLabel: decision.childFriendly ? language.pick("بله — شهر دوستدار کودک", "Yes — child-friendly city") : language.pick("خیر", "No"),
                priority: decision.priority.rawValue,
                confidenceLabel: language.digits(String(Int((decision.confidence * 100).rounded()))) + "٪"
            )
        }
        let typed = phone.trimmingCharacters(in: .whitespaces)
        if !typed.isEmpty {
            if let number = PhoneNumber(parsing: typed) {
                result.phoneValid = true
                result.phoneLabel = language.pick("شماره: ", "Number: ") + number.e164
                let since = Date().addingTimeInterval(-7 * 86_400)
                result.recent = try await api.store.reports(fromPhone: number.e164, since: since).map { entry in
                    let service = entry.serviceCode.flatMap { api.taxonomy.service($0)?.name.text(for: language.rawValue) } ?? "—"
                    return Preview.Recent(
                        trackingCode: entry.trackingCode,
                        label: language.digits(entry.trackingCode) + " · " + service + " · " + ReportStatusText.name(entry.status, language) + " · "
                            + SolarHijriFormat.dateTime(entry.receivedAt, language)
                    )
                }
            } else {
                result.phoneValid = false
                result.phoneLabel = language.pick("شمارهٔ همراه ایرانی نیست (مانند ۰۹۱۲۱۲۳۴۵۶۷).", "Not an Iranian mobile number (like 09121234567).")
            }
        }
        return result
    }

    // MARK: The pages

    struct CallPage {
        var heading: String
        var alert: String?
        var errorSummary: String?
        var csrf: String
        var formID: String
        var channelNote: String
        var keysNote: String
        var phoneLabel: String
        var phone: String
        var descriptionLabel: String
        var description: String
        var suggestionHeading: String
        var suggestedServiceLabel: String
        var suggestedChildLabel: String
        var suggestedPriorityLabel: String
        var suggestedConfidenceLabel: String
        var suggestion: Preview.Suggestion?
        var serviceLabel: String
        var serviceAuto: String
        var groups: [ServiceGroupOptions]
        var districtLabel: String
        var districtChoose: String
        var districts: [Option]
        var addressLabel: String
        var address: String
        var nameLabel: String
        var name: String
        var languageLabel: String
        var languages: [Option]
        var contactAllowedLabel: String
        var contactAllowed: Bool
        var recentHeading: String
        var nearbyHeading: String
        var submitLabel: String
        var errors: FieldError
    }

    struct ServiceGroupOptions {
        var label: String
        var options: [Option]
    }

    func callPage(_ form: ReportForm, errors: PageFieldErrors, staff: StaffPagesSession, suggestion: Preview.Suggestion?,
                  status: HTTPResponse.Status, alert: String? = nil) -> Response {
        let language = staff.language
        let chosen = form.service_code ?? ""
        let taxonomy = api.taxonomy
        let groups = Self.childFriendlyGroupsFirst(taxonomy).map { group in
            ServiceGroupOptions(label: group.name.text(for: language.rawValue), options: taxonomy.services.filter { $0.group == group.code }.map {
                Option(value: $0.code, label: "\($0.name.text(for: language.rawValue)) (\($0.code))", selected: $0.code == chosen)
            })
        }
        let spoken = form.language ?? "fa"
        let page = CallPage(
            heading: language.pick("ثبت تماس ۱۳۷", "Take a 137 call"),
            alert: alert,
            errorSummary: errors.isEmpty ? nil : language.pick("ثبت نشد؛ خطای هر بخش کنار آن است.", "Not sent; each field shows its problem."),
            csrf: staff.session.csrfToken,
            formID: form.form_id ?? StaffDirectory.randomToken(),
            channelNote: language.pick("کانال: تلفن ۱۳۷", "Channel: 137 phone"),
            keysNote: language.pick("Tab برای رفتن به بخش بعد · Ctrl+Enter برای ثبت · Alt+A برای پذیرفتن پیشنهاد",
                                    "Tab to the next field · Ctrl+Enter sends · Alt+A takes the suggestion"),
            phoneLabel: language.pick("شمارهٔ تماس‌گیرنده", "Caller's number"), phone: form.phone ?? "",
            descriptionLabel: language.pick("شرح (همان‌طور که تماس‌گیرنده می‌گوید)", "Description (as the caller says it)"),
            description: form.description ?? "",
            suggestionHeading: language.pick("پیشنهاد سامانه", "Suggested"),
            suggestedServiceLabel: language.pick("موضوع", "Service"),
            suggestedChildLabel: language.pick("کودک", "Child"),
            suggestedPriorityLabel: language.pick("اولویت", "Priority"),
            suggestedConfidenceLabel: language.pick("اطمینان", "Confidence"),
            suggestion: suggestion,
            serviceLabel: language.pick("موضوع", "Service"),
            serviceAuto: language.pick("تشخیص خودکار از شرح", "Decide from the description"),
            groups: groups,
            districtLabel: language.pick("منطقه", "District"),
            districtChoose: language.pick("انتخاب کنید", "Choose"),
            districts: Self.districtOptions(form, language) { String($0) },
            addressLabel: language.pick("نشانی", "Address"), address: form.address ?? "",
            nameLabel: language.pick("نام تماس‌گیرنده", "Caller's name"), name: form.name ?? "",
            languageLabel: language.pick("زبان پیام‌ها", "Language of messages"),
            languages: PageLanguage.allCases.map { Option(value: $0.rawValue, label: $0.ownName, selected: $0.rawValue == spoken) },
            contactAllowedLabel: language.pick("تماس‌گیرنده اجازهٔ تماس دوباره می‌دهد", "The caller may be contacted"),
            contactAllowed: form.contact_allowed == "yes",
            recentHeading: language.pick("گزارش‌های همین شماره در هفتهٔ اخیر", "This number's reports this week"),
            nearbyHeading: language.pick("گزارش‌های باز همین نزدیکی (شاید همان مشکل)", "Open reports near here (perhaps the same problem)"),
            submitLabel: language.pick("ثبت گزارش", "Submit report"),
            errors: FieldError(errors)
        )
        return renderer.render("call", page, frame: staffFrame(page.heading, staff: staff, path: "/staff/call"), status: status)
    }

    /// The frame of the operators' pages.
    func staffFrame(_ title: String, staff: StaffPagesSession, path: String) -> PageFrame {
        let language = staff.language
        return PageFrame(title: title, language: language, path: path, links: [
            PageFrame.Link(href: "/staff/call", label: language.pick("تماس تازه", "New call"), current: path == "/staff/call"),
            PageFrame.Link(href: "/staff/today", label: language.pick("تماس‌های امروز من", "My calls today"), current: path == "/staff/today"),
        ], staff: staff)
    }

    struct CallReceiptPage {
        var heading: String
        var readBack: String
        var codeLabel: String
        var code: String
        var codeSpoken: String
        var secretLabel: String
        var secret: String
        var nextCall: String
    }

    func callReceiptPage(_ accepted: AcceptedReport, staff: StaffPagesSession) -> Response {
        let language = staff.language
        let code = accepted.trackingCode.digits
        let page = CallReceiptPage(
            heading: language.pick("گزارش ثبت شد", "Report stored"),
            readBack: language.pick("کد پیگیری و رمز را برای تماس‌گیرنده بخوانید:", "Read the tracking code and secret back to the caller:"),
            codeLabel: language.pick("کد پیگیری", "Tracking code"),
            code: code,
            codeSpoken: language.digits(String(code.prefix(5)) + " " + String(code.dropFirst(5))),
            secretLabel: language.pick("رمز گزارش", "Report secret"),
            secret: language.digits(api.reopenSecret.secret(forReport: accepted.reportID.uuidString)),
            nextCall: language.pick("تماس بعدی", "Next call")
        )
        return renderer.render("call-receipt", page, frame: staffFrame(page.heading, staff: staff, path: "/staff/call/done"),
                               status: accepted.replayed ? .ok : .created)
    }

    struct TodayRow {
        var code: String
        var codeText: String
        var service: String
        var status: String
        var unit: String
        var at: String
    }

    struct TodayPage {
        var heading: String
        var countLine: String
        var codeHeader: String
        var serviceHeader: String
        var statusHeader: String
        var unitHeader: String
        var atHeader: String
        var rows: [TodayRow]
        var empty: String?
    }

    func todayPage(_ staff: StaffPagesSession) async throws -> Response {
        let language = staff.language
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = SolarHijriFormat.tehran
        let entries = try await api.store.reports(takenIn: Self.operatorScope(staff.session.account), since: calendar.startOfDay(for: Date()))
        let rows = entries.map { entry in
            TodayRow(
                code: entry.trackingCode, codeText: language.digits(entry.trackingCode),
                service: entry.serviceCode.flatMap { api.taxonomy.service($0)?.name.text(for: language.rawValue) } ?? "—",
                status: ReportStatusText.name(entry.status, language),
                unit: entry.unit.map { units.unit(named: $0)?.name.text(for: language.rawValue) ?? $0 } ?? "—",
                at: SolarHijriFormat.dateTime(entry.receivedAt, language)
            )
        }
        let page = TodayPage(
            heading: language.pick("تماس‌های امروز من", "My calls today"),
            countLine: language.digits(language.pick("\(rows.count) گزارش امروز", "\(rows.count) reports today")),
            codeHeader: language.pick("کد پیگیری", "Tracking code"), serviceHeader: language.pick("موضوع", "Service"),
            statusHeader: language.pick("وضعیت", "Status"), unitHeader: language.pick("واحد", "Unit"), atHeader: language.pick("زمان", "Time"),
            rows: rows,
            empty: rows.isEmpty ? language.pick("امروز هنوز تماسی ثبت نکرده‌اید.", "You have not taken a call today.") : nil
        )
        return renderer.render("today", page, frame: staffFrame(page.heading, staff: staff, path: "/staff/today"))
    }
}

extension ReportForm {
    /// An empty form whose messages go in `language` (the call screen's default: Persian).
    init(language: String?) {
        self.init(service_code: nil, description: nil, district: nil, address: nil, lat: nil, long: nil, name: nil, phone: nil, email: nil,
                  language: language, contact_allowed: nil, form_id: nil, _csrf: nil)
    }
}
