import Crypto
import Foundation
import Hummingbird
import StaffAccounts
import Taxonomy
import WebAPI
import WebPages

extension IntakePages {
    /// `GET /` (the report form) and `POST /report` (its submission: the receipt, or the form again with
    /// each problem beside its field).
    func addReportPages(to router: Router<IntakeRequestContext>) {
        router.get("/") { request, context in
            let language = request.pageLanguage
            let (csrf, cookie) = FormToken.token(for: request, secure: gate.secureCookies)
            return reportFormPage(ReportForm(), errors: PageFieldErrors(), csrf: csrf, language: language, path: request.pathWithoutLanguage, status: .ok)
                .setting(cookie).setting(request.languageCookie)
        }
        router.post("/report") { request, context in
            let language = request.pageLanguage
            do {
                try api.limitAddress(context)
                return try await submitReport(request, context: context, language: language)
            } catch {
                return errorPage(error, language: language, path: "/")
            }
        }
    }

    private func submitReport(_ request: Request, context: IntakeRequestContext, language: PageLanguage) async throws -> Response {
        let (csrf, cookie) = FormToken.token(for: request, secure: gate.secureCookies)
        guard let form = await request.form(ReportForm.self, limit: api.maxBodyBytes) else {
            return reportFormPage(ReportForm(), errors: PageFieldErrors(), csrf: csrf, language: language, path: "/", status: .badRequest,
                                  alert: language.pick("فرم ناقص رسید؛ دوباره بفرستید.", "The form arrived incomplete; send it again."))
                .setting(cookie)
        }
        guard FormToken.verify(form: form._csrf, request: request) else {
            return reportFormPage(form, errors: PageFieldErrors(), csrf: csrf, language: language, path: "/", status: .forbidden,
                                  alert: language.pick("این فرم کهنه شده بود؛ آن را بازبینی کنید و دوباره بفرستید.",
                                                       "This form had expired; check it and send it again."))
                .setting(cookie)
        }
        let draft: ReportDraft
        do {
            draft = try api.validator.validate(form.submission(channel: "web"))
        } catch {
            return reportFormPage(form, errors: PageFieldErrors(error.problems, language: language), csrf: csrf, language: language, path: "/",
                                  status: .unprocessableContent)
        }
        let accepted = try await api.writer.write(draft, idempotency: Self.claim(form, scope: "web-form"))
        context.logger.info("report accepted", metadata: [
            "report_id": "\(accepted.reportID.uuidString.lowercased())", "channel": "web", "replayed": "\(accepted.replayed)",
        ])
        return receiptPage(accepted, language: language)
    }

    /// The form's id as an idempotency claim in `scope`, when it has a well-formed one.
    static func claim(_ form: ReportForm, scope: String) -> IdempotencyClaim? {
        guard let id = form.form_id, (16...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0 < 0x80 && $0 > 0x20 }) else { return nil }
        return IdempotencyClaim(scope: scope, key: id, requestHash: Array(SHA256.hash(data: form.fingerprint)))
    }

    // MARK: The pages

    struct ServiceOption {
        var code: String
        var id: String
        var name: String
        var help: String
        var checked: Bool
    }

    struct ServiceGroupView {
        var legend: String
        var services: [ServiceOption]
    }

    struct Option {
        var value: String
        var label: String
        var selected: Bool
    }

    /// Each form field's message, for the templates (`{{#errors.phone}}`).
    struct FieldError {
        init(_ errors: PageFieldErrors) {
            (description, service_code, district, address, location) = (errors["description"], errors["service_code"], errors["district"], errors["address"], errors["location"])
            (name, phone, email, language) = (errors["name"], errors["phone"], errors["email"], errors["language"])
        }

        var description: String?
        var service_code: String?
        var district: String?
        var address: String?
        var location: String?
        var name: String?
        var phone: String?
        var email: String?
        var language: String?
    }

    struct ReportPage {
        var heading: String
        var intro: String
        var alert: String?
        var errorSummary: String?
        var csrf: String
        var formID: String
        var serviceLegend: String
        var serviceHint: String
        var groups: [ServiceGroupView]
        var unknownLabel: String
        var unknownChecked: Bool
        var descriptionLabel: String
        var descriptionHint: String
        var description: String
        var placeLegend: String
        var placeHint: String
        var districtLabel: String
        var districtChoose: String
        var districts: [Option]
        var addressLabel: String
        var address: String
        var lat: String
        var long: String
        var locationLabel: String
        var locationWaiting: String
        var locationFound: String
        var locationFailed: String
        var locationStatus: String
        var contactLegend: String
        var contactHint: String
        var nameLabel: String
        var name: String
        var phoneLabel: String
        var phone: String
        var emailLabel: String
        var email: String
        var languageLabel: String
        var languages: [Option]
        var contactAllowedLabel: String
        var contactAllowed: Bool
        var nearbyHeading: String
        var nearbyHint: String
        var submitLabel: String
        var errors: FieldError
    }

    func reportFormPage(_ form: ReportForm, errors: PageFieldErrors, csrf: String, language: PageLanguage, path: String,
                        status: HTTPResponse.Status, alert: String? = nil) -> Response {
        let taxonomy = api.taxonomy
        let chosen = form.service_code ?? ""
        let groups = Self.childFriendlyGroupsFirst(taxonomy).map { group in
            ServiceGroupView(
                legend: group.name.text(for: language.rawValue),
                services: taxonomy.services.filter { $0.group == group.code }.map { service in
                    ServiceOption(code: service.code, id: "service-\(service.code)", name: service.name.text(for: language.rawValue),
                                  help: service.description.text(for: language.rawValue), checked: service.code == chosen)
                }
            )
        }
        let districts = Self.districtOptions(form, language) { language.pick("منطقهٔ \($0)", "District \($0)") }
        let spoken = form.language ?? language.rawValue
        let page = ReportPage(
            heading: language.pick("گزارش یک مشکل در شهر", "Report a problem in the city"),
            intro: language.pick("مشکلی در زمین بازی، مسیر مدرسه، مهدکودک یا هر جای شهر دیده‌اید؟ اینجا بنویسید؛ کد پیگیری می‌گیرید.",
                                 "Seen a problem at a playground, on the way to school, at a kindergarten or anywhere in the city? Tell us here; you get a tracking code."),
            alert: alert,
            errorSummary: errors.isEmpty ? nil : language.pick("گزارش ثبت نشد. خطاها را کنار هر بخش ببینید.", "The report was not sent. See the message beside each field."),
            csrf: csrf,
            formID: form.form_id ?? StaffDirectory.randomToken(),
            serviceLegend: language.pick("موضوع", "Subject"),
            serviceHint: language.pick("اگر مطمئن نیستید، «نمی‌دانم» را بگذارید؛ سامانه از روی شرح تشخیص می‌دهد.",
                                       "If unsure, leave \"I don't know\": the system works it out from the description."),
            groups: groups,
            unknownLabel: language.pick("نمی‌دانم", "I don't know"),
            unknownChecked: chosen.isEmpty,
            descriptionLabel: language.pick("شرح", "Description"),
            descriptionHint: language.pick("چه دیدید، کجا دقیقاً، و آیا برای کودکان خطر فوری دارد؟", "What you saw, exactly where, and whether it endangers children now."),
            description: form.description ?? "",
            placeLegend: language.pick("محل", "Place"),
            placeHint: language.pick("منطقه و نشانی، یا «موقعیت من».", "District and address, or \"use my location\"."),
            districtLabel: language.pick("منطقهٔ شهرداری", "District"),
            districtChoose: language.pick("انتخاب کنید", "Choose"),
            districts: districts,
            addressLabel: language.pick("نشانی", "Address"),
            address: form.address ?? "",
            lat: form.lat ?? "", long: form.long ?? "",
            locationLabel: language.pick("موقعیت من", "Use my location"),
            locationWaiting: language.pick("در حال یافتن موقعیت…", "Finding your location…"),
            locationFound: language.pick("موقعیت شما ثبت شد.", "Your location was added."),
            locationFailed: language.pick("موقعیت پیدا نشد؛ منطقه و نشانی را بنویسید.", "No location; give the district and address."),
            locationStatus: (form.lat?.isEmpty == false) ? language.pick("موقعیت شما ثبت شد.", "Your location was added.") : "",
            contactLegend: language.pick("تماس با شما (اختیاری)", "Contacting you (optional)"),
            contactHint: language.pick("شماره یا ایمیل فقط برای خبر دادن از گزارش است و هرگز منتشر نمی‌شود.",
                                       "A number or e-mail is only for news of this report and is never published."),
            nameLabel: language.pick("نام", "Name"), name: form.name ?? "",
            phoneLabel: language.pick("تلفن همراه", "Mobile phone"), phone: form.phone ?? "",
            emailLabel: language.pick("ایمیل", "E-mail"), email: form.email ?? "",
            languageLabel: language.pick("زبان پیام‌ها", "Language of messages"),
            languages: PageLanguage.allCases.map { Option(value: $0.rawValue, label: $0.ownName, selected: $0.rawValue == spoken) },
            contactAllowedLabel: language.pick("واحد مسئول می‌تواند برای پرسش بیشتر با من تماس بگیرد.", "The unit may contact me with questions."),
            contactAllowed: form.contact_allowed == "yes",
            nearbyHeading: language.pick("گزارش‌های باز همین نزدیکی", "Open reports near here"),
            nearbyHint: language.pick("اگر یکی از اینها همان مشکل است، می‌توانید آن را پیگیری کنید؛ گزارش تازه هم پذیرفته می‌شود.",
                                      "If one of these is the same problem you can track it instead; a new report is still accepted."),
            submitLabel: language.pick("ثبت گزارش", "Send report"),
            errors: FieldError(errors)
        )
        return renderer.render("report", page, frame: PageFrame(title: page.heading, language: language, path: path, links: links(language, current: "/")),
                               status: status)
    }

    /// The taxonomy's groups, the child-friendly city's first.
    static func childFriendlyGroupsFirst(_ taxonomy: Taxonomy) -> [ServiceGroupDefinition] {
        taxonomy.groups.filter { $0.code == Taxonomy.childFriendlyGroup } + taxonomy.groups.filter { $0.code != Taxonomy.childFriendlyGroup }
    }

    /// Districts 1–22 as options, the form's (in any digits) selected.
    static func districtOptions(_ form: ReportForm, _ language: PageLanguage, label: (Int) -> String) -> [Option] {
        let chosen: Int? = form.district.flatMap { if case .number(let value) = ReportForm.number($0) { Int(exactly: value) } else { nil } }
        return (1...22).map { Option(value: String($0), label: language.digits(label($0)), selected: chosen == $0) }
    }

    struct ReceiptPage {
        var heading: String
        var codeLabel: String
        var code: String
        var codeSpoken: String
        var copyLabel: String
        var copiedLabel: String
        var secretLabel: String
        var secret: String
        var secretHint: String
        var nextHeading: String
        var next: String
        var trackURL: String
        var trackLabel: String
        var anotherLabel: String
    }

    func receiptPage(_ accepted: AcceptedReport, language: PageLanguage) -> Response {
        let code = accepted.trackingCode.digits
        let page = ReceiptPage(
            heading: language.pick("گزارش شما ثبت شد", "Your report was received"),
            codeLabel: language.pick("کد پیگیری", "Tracking code"),
            code: code,
            codeSpoken: language.digits(code),
            copyLabel: language.pick("رونوشت کد", "Copy the code"),
            copiedLabel: language.pick("رونوشت شد", "Copied"),
            secretLabel: language.pick("رمز گزارش", "Report secret"),
            secret: language.digits(api.reopenSecret.secret(forReport: accepted.reportID.uuidString)),
            secretHint: language.pick("این رمز را نگه دارید: اگر گزارش رسیدگی‌شده اعلام شد ولی مشکل برطرف نشده بود، با آن گزارش را دوباره باز می‌کنید. آن را به کسی ندهید.",
                                      "Keep this secret: if the report is marked resolved but the problem is still there, it lets you reopen it. Do not share it."),
            nextHeading: language.pick("بعد چه می‌شود؟", "What happens next?"),
            next: ReportStatusText.next(accepted.status, language),
            trackURL: "/track/\(code)",
            trackLabel: language.pick("پیگیری همین گزارش", "Track this report"),
            anotherLabel: language.pick("ثبت گزارش دیگر", "Report another problem")
        )
        return renderer.render("receipt", page, frame: PageFrame(title: page.heading, language: language, path: "/track/\(code)",
                                                                  links: links(language, current: "")),
                               status: accepted.replayed ? .ok : .created)
    }
}
