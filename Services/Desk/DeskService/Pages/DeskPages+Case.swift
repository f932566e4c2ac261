import Contracts
import Foundation
import Hummingbird
import JSON
import WebPages

extension DeskPages {
    /// `GET /desk/{unit}/cases/{report_id}` (a case) and `POST` to the same address (an action on it: a
    /// form with `action`, `note`, `reason`, `referred_to` and the session's `_csrf`). A case id another
    /// unit holds, or that is not an id at all, is a 404: the page reads only this unit's store.
    func addCasePages(to router: Router<DeskRequestContext>) {
        router.get("/desk/:unit/cases/:id") { request, context in
            let unit = context.parameters.get("unit") ?? ""
            return try await asUnitStaff(request, context, unit: unit) { staff, store in
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)), let item = try await store.case(id) else {
                    return notFound(request, staff: staff)
                }
                return try await casePage(item, store: store, staff: staff, form: ActionForm(), problems: [], status: .ok)
            }
        }
        router.post("/desk/:unit/cases/:id") { request, context in
            let unit = context.parameters.get("unit") ?? ""
            return try await asUnitStaff(request, context, unit: unit) { staff, store in
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)), let item = try await store.case(id) else {
                    return notFound(request, staff: staff)
                }
                return try await act(on: item, request: request, store: store, staff: staff, context: context)
            }
        }
        router.post("/desk/:unit/cases/:id/split") { request, context in
            let unit = context.parameters.get("unit") ?? ""
            return try await asUnitStaff(request, context, unit: unit) { staff, store in
                guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)), let item = try await store.case(id) else {
                    return notFound(request, staff: staff)
                }
                return try await split(item, request: request, store: store, staff: staff, context: context)
            }
        }
    }

    /// The posted split form: which linked report, why, and the session's `_csrf`.
    struct SplitForm: Decodable, Sendable {
        var report_id: String?
        var reason: String?
        var _csrf: String?
    }

    /// What a posted split form left to show beside its field.
    struct SplitAttempt: Sendable {
        var reportID: UUID?
        var reason: String
        var problem: DeskActionRequest.Problem
    }

    private func split(_ item: DeskCase, request: Request, store: DeskStore, staff: StaffPagesSession, context: DeskRequestContext) async throws -> Response {
        let form = await request.form(SplitForm.self) ?? SplitForm()
        let linkedID = form.report_id.flatMap(UUID.init(uuidString:))
        func again(_ problem: DeskActionRequest.Problem, _ status: HTTPResponse.Status) async throws -> Response {
            try await casePage(item, store: store, staff: staff, form: ActionForm(), problems: [], status: status,
                               split: SplitAttempt(reportID: linkedID, reason: form.reason ?? "", problem: problem))
        }
        guard StaffGate.verifyCSRF(form._csrf, session: staff.session) else {
            return try await again(.init(field: "split-reason", code: "stale-form", fa: "این فرم کهنه شده بود؛ دوباره بفرستید.", en: "This form had expired; send it again."), .forbidden)
        }
        guard let linkedID else { return notFound(request, staff: staff) }
        switch try await store.requestSplit(caseID: item.reportID, linkedID: linkedID, reason: form.reason, by: staff.session.account) {
        case .noSuchCase:
            return notFound(request, staff: staff)
        case .problems(let problems):
            return try await again(problems[0], .unprocessableContent)
        case .sent(let actionID):
            context.logger.info("split requested", metadata: [
                "unit": "\(store.unit)", "report_id": "\(item.reportID.uuidString.lowercased())", "linked_report_id": "\(linkedID.uuidString.lowercased())",
                "update_id": "\(actionID.uuidString.lowercased())", "staff_account": "\(staff.session.account.username)",
            ])
            return PageRenderer.redirect("/desk/\(store.unit)/cases/\(item.reportID.uuidString.lowercased())")
        }
    }

    /// The posted action form.
    struct ActionForm: Decodable, Sendable {
        var action: String?
        var note: String?
        var reason: String?
        var referred_to: String?
        var _csrf: String?
    }

    private func act(on item: DeskCase, request: Request, store: DeskStore, staff: StaffPagesSession, context: DeskRequestContext) async throws -> Response {
        guard let form = await request.form(ActionForm.self) else {
            let problem = DeskActionRequest.Problem(field: "action", code: "malformed", fa: "فرم ناقص رسید؛ دوباره بفرستید.", en: "The form arrived incomplete; send it again.")
            return try await casePage(item, store: store, staff: staff, form: ActionForm(), problems: [problem], status: .badRequest)
        }
        guard StaffGate.verifyCSRF(form._csrf, session: staff.session) else {
            let problem = DeskActionRequest.Problem(field: "action", code: "stale-form", fa: "این فرم کهنه شده بود؛ دوباره بفرستید.", en: "This form had expired; send it again.")
            return try await casePage(item, store: store, staff: staff, form: form, problems: [problem], status: .forbidden)
        }
        let outcome = try await store.request(
            reportID: item.reportID, action: form.action, note: form.note, reason: form.reason, referredTo: form.referred_to,
            units: units.units.map(\.code), by: staff.session.account)
        switch outcome {
        case .noSuchCase:
            return notFound(request, staff: staff)
        case .problems(let problems):
            return try await casePage(item, store: store, staff: staff, form: form, problems: problems, status: .unprocessableContent)
        case .sent(let actionID):
            context.logger.info("status change requested", metadata: [
                "unit": "\(store.unit)", "report_id": "\(item.reportID.uuidString.lowercased())", "action": "\(form.action ?? "-")",
                "update_id": "\(actionID.uuidString.lowercased())", "staff_account": "\(staff.session.account.username)",
            ])
            return PageRenderer.redirect("/desk/\(store.unit)/cases/\(item.reportID.uuidString.lowercased())")
        }
    }

    private func casePage(_ item: DeskCase, store: DeskStore, staff: StaffPagesSession, form: ActionForm,
                          problems: [DeskActionRequest.Problem], status: HTTPResponse.Status, split: SplitAttempt? = nil) async throws -> Response {
        let language = staff.language
        let now = Date()
        async let history = store.history(item.reportID)
        async let version = store.version()
        async let linked = store.linkedReports(of: item.reportID)
        let (lines, current, linkedReports) = try await (history, version, linked)
        let delivery = item.delivery
        let offered = ReportStatus(rawValue: item.status).map { DeskAction.offered(from: $0, pending: item.pending != nil) } ?? []
        let problem = { (field: String) in problems.first { $0.field == field }.map { language.pick($0.fa, $0.en) } }
        let chosen = form.action ?? offered.first?.rawValue
        let path = "/desk/\(store.unit)/cases/\(item.reportID.uuidString.lowercased())"
        let view = CaseView(
            heading: language.pick("پرونده ", "Case ") + language.digits(item.trackingCode),
            backURL: "/desk/\(store.unit)", backLabel: language.pick("همهٔ پرونده‌ها", "All cases"),
            pollURL: "/desk/\(store.unit)/changes", version: String(current),
            liveNotice: language.pick("این پرونده تغییر کرده است؛ برای دیدن، صفحه را تازه کنید.", "This case has changed; reload the page to see it."),
            service: serviceName(item.serviceCode, language),
            child: item.childFriendly ? language.pick("کودک‌محور", "Child-friendly") : nil,
            urgent: item.priority == "P0" ? language.pick("فوری", "Urgent (P0)") : nil,
            statusLabel: language.pick("وضعیت", "Status"), status: statusName(item, language),
            pending: item.pending.map { request in
                language.pick("درخواست «\(Self.requestName(request.status, language))» از \(Self.isolated(request.staffName)) در انتظار تأیید سامانه است.",
                              "\(Self.isolated(request.staffName)) asked for “\(Self.requestName(request.status, language))”; waiting for the system's confirmation.")
            },
            refused: item.refused.map { request in
                language.pick("درخواست «\(Self.requestName(request.status, language))» پذیرفته نشد: ",
                              "The request “\(Self.requestName(request.status, language))” was refused: ")
                    + (request.refusalReason ?? "") + " (" + (request.refusalCode ?? "") + ")"
            },
            deadlineLabel: language.pick("مهلت", "Deadline"),
            deadline: SolarHijriFormat.dateTime(item.deadline, language),
            remaining: item.isOpen ? DeskTime.remaining(until: item.deadline, now: now, language) : nil,
            overdue: item.isOverdue(at: now), machineDeadline: SolarHijriFormat.machine(item.deadline), lang: language.rawValue,
            receivedLabel: language.pick("دریافت", "Received"), received: SolarHijriFormat.dateTime(item.receivedAt, language),
            districtLabel: language.pick("منطقه", "District"), district: language.digits(String(Int(item.district) ?? 0)),
            placeLabel: language.pick("نشانی", "Place"), place: place(delivery),
            descriptionLabel: language.pick("شرح گزارش", "Description"), description: delivery?.description ?? "",
            attributes: attributes(item.serviceCode, delivery?.attributes ?? [:], language),
            contactHeading: language.pick("تماس با گزارش‌دهنده (با اجازهٔ او)", "Contact the reporter (they allowed it)"),
            contact: contact(delivery?.contact, language),
            hasContact: !(delivery?.contact?.isEmpty ?? true),
            historyHeading: language.pick("تاریخچه", "History"),
            history: lines.map { line(for: $0, language) },
            actionsHeading: language.pick("اقدام", "Action"),
            noActions: offered.isEmpty
                ? (item.pending != nil ? language.pick("تا تأیید درخواست پیشین، اقدام دیگری ممکن نیست.", "No other action until the earlier request is confirmed.")
                                       : language.pick("این پرونده بسته است.", "This case is closed."))
                : nil,
            actionPath: path, csrf: staff.session.csrfToken,
            actionLegend: language.pick("چه کنیم؟", "What to do"),
            actionError: problem("action"),
            actions: offered.map { action in
                CaseView.Choice(value: action.rawValue, label: actionName(action, language), checked: chosen == action.rawValue)
            },
            noteLabel: language.pick("یادداشت برای گزارش‌دهنده (برای «رسیدگی شد» لازم است)", "Note for the reporter (required to resolve)"),
            noteValue: form.note ?? "", noteError: problem("note"),
            reasonLabel: language.pick("دلیل (برای رد و ارجاع لازم است)", "Reason (required to reject or refer)"),
            reasonValue: form.reason ?? "", reasonError: problem("reason"),
            referLabel: language.pick("ارجاع به واحد", "Refer to unit"),
            referOptions: [CaseView.Choice(value: "", label: "—", checked: form.referred_to == nil)]
                + units.units.filter { $0.code != store.unit }.map {
                    CaseView.Choice(value: $0.code, label: language.pick($0.name.fa, $0.name.en), checked: form.referred_to == $0.code)
                },
            referError: problem("referred_to"), canRefer: offered.contains(.refer),
            submitLabel: language.pick("ثبت اقدام", "Send"),
            linkedHeading: linkedReports.isEmpty ? nil
                : language.pick("گزارش‌های دیگر همین مورد", "Other reports of this hazard") + " (" + language.digits(String(linkedReports.count)) + ")",
            linkedIntro: language.pick(
                "سامانه این گزارش‌ها را همان مورد این پرونده دانست و به آن پیوست؛ با هر تغییر وضعیت پرونده، گزارش‌دهندهٔ هر یک هم باخبر می‌شود. اگر یکی موضوع دیگری است، آن را جدا کنید تا پروندهٔ خودش را بگیرد.",
                "The system found these reports to be the same hazard as this case and joined them to it; each reporter hears of every change of the case. If one is another hazard, split it off and it becomes a case of its own."),
            linked: linkedReports.map { report in
                let id = report.reportID.uuidString.lowercased()
                let mine = split?.reportID == report.reportID
                var match = [language.pick("شباهت شرح ", "description similarity ") + language.digits(String(format: "%.2f", report.similarity))]
                if let metres = report.metres { match.append(language.digits(String(Int(metres.rounded()))) + language.pick(" متر دورتر", " m away")) }
                return CaseView.Linked(
                    reportID: id, code: language.digits(report.trackingCode),
                    received: SolarHijriFormat.dateTime(report.receivedAt, language), machineReceived: SolarHijriFormat.machine(report.receivedAt),
                    linkedDescription: report.description, linkedPlace: place(report.location), match: match.joined(separator: " · "),
                    splitPath: path + "/split", reasonID: "split-reason-\(id)",
                    reasonLabel: language.pick("چرا موضوع دیگری است؟", "Why is it another hazard?"),
                    reasonValue: mine ? split?.reason ?? "" : "",
                    reasonError: mine ? split.map { language.pick($0.problem.fa, $0.problem.en) } : nil,
                    splitLabel: language.pick("جدا کردن: موضوع دیگری است", "Split off: another hazard"),
                    canSplit: item.pending == nil)
            })
        let frame = PageFrame(title: view.heading, language: language, path: path, links: links(language, current: ""), staff: staff)
        return renderer.render("desk-case", view, frame: frame, status: status)
    }

    /// A person's name inside a sentence of the other direction, isolated (FIRST STRONG ISOLATE … POP
    /// DIRECTIONAL ISOLATE) so that a Persian name in an English sentence keeps its own order and its
    /// parentheses where they belong.
    static func isolated(_ name: String) -> String { "\u{2068}\(name)\u{2069}" }

    private func actionName(_ action: DeskAction, _ language: PageLanguage) -> String {
        switch action {
        case .acknowledge: language.pick("دیدیم (پذیرش)", "Acknowledge")
        case .start: language.pick("در دست اقدام", "In progress")
        case .resolve: language.pick("رسیدگی شد", "Resolve")
        case .reject: language.pick("رد", "Reject")
        case .refer: language.pick("ارجاع به واحد دیگر", "Refer to another unit")
        }
    }

    /// What a request asks for, in words (a status, or splitting a linked report off).
    static func requestName(_ status: String, _ language: PageLanguage) -> String {
        status == UnitLinkSplitData.refusedStatus ? language.pick("جدا کردن گزارش", "split a report off") : ReportStatusWords.name(status, language)
    }

    private func place(_ delivery: ReportAssignedData?) -> String {
        place(delivery?.location)
    }

    private func place(_ location: ReportLocation?) -> String {
        guard let location else { return "—" }
        var parts: [String] = []
        if let address = location.address { parts.append(address) }
        if let lat = location.lat, let long = location.long { parts.append(String(format: "%.5f, %.5f", lat, long)) }
        return parts.isEmpty ? "—" : parts.joined(separator: " · ")
    }

    private func attributes(_ serviceCode: String, _ values: [String: JSONValue], _ language: PageLanguage) -> [CaseView.Fact] {
        let definition = taxonomy.service(serviceCode)
        return values.keys.sorted().map { key in
            let attribute = definition?.attributes.first { $0.code == key }
            let value = values[key]!
            let text: String
            switch value {
            case .string(let string):
                text = attribute?.values.first { $0.key == string }.map { language.pick($0.name.fa, $0.name.en) } ?? string
            case .number(let number): text = language.digits(number == number.rounded() ? String(Int(number)) : String(number))
            case .bool(let flag): text = flag ? language.pick("بله", "Yes") : language.pick("خیر", "No")
            default: text = String(decoding: (try? JSONEncoder().encode(value)) ?? Data(), as: UTF8.self)
            }
            return CaseView.Fact(label: attribute.map { language.pick($0.description.fa, $0.description.en) } ?? key, value: text)
        }
    }

    private func contact(_ contact: ReporterContact?, _ language: PageLanguage) -> [CaseView.Fact] {
        guard let contact, !contact.isEmpty else { return [] }
        var facts: [CaseView.Fact] = []
        if let name = contact.name { facts.append(CaseView.Fact(label: language.pick("نام", "Name"), value: name)) }
        if let phone = contact.phone { facts.append(CaseView.Fact(label: language.pick("تلفن", "Phone"), value: phone)) }
        if let email = contact.email { facts.append(CaseView.Fact(label: language.pick("رایانامه", "E-mail"), value: email)) }
        return facts
    }

    private func line(for line: DeskStore.HistoryLine, _ language: PageLanguage) -> CaseView.Line {
        let what: String
        switch line.kind {
        case "delivered":
            what = line.by == nil ? language.pick("به این واحد سپرده شد", "Delivered to this unit")
                                  : language.pick("دوباره به این واحد سپرده شد", "Delivered to this unit again")
        case "requested":
            what = language.pick("درخواست «\(Self.requestName(line.status ?? "", language))» از \(Self.isolated(line.by ?? ""))",
                                 "\(Self.isolated(line.by ?? "")) asked for “\(Self.requestName(line.status ?? "", language))”")
        case "refused":
            what = language.pick("سامانه درخواست «\(Self.requestName(line.status ?? "", language))» را نپذیرفت",
                                 "The system refused “\(Self.requestName(line.status ?? "", language))”")
        case "linked":
            what = language.pick("گزارش دیگری از همین مورد پیوست شد", "Another report of this hazard joined")
                + " (" + language.digits(line.note ?? "") + ")"
            return CaseView.Line(at: SolarHijriFormat.dateTime(line.at, language), machineAt: SolarHijriFormat.machine(line.at), what: what,
                                 lineNote: nil, lineReason: nil)
        case "repeat-hazard":
            let count = language.digits(line.note ?? "")
            let why: String = switch line.reason {
            case "reports": language.pick("\(count) گزارش از همین مورد", "\(count) reports of this hazard")
            case "reopenings": language.pick("\(count) بار دوباره باز شد", "reopened \(count) times")
            default: language.pick("\(count) پروندهٔ همین نوع در همین جا پیش‌تر رسیدگی شده بود", "\(count) cases of this kind were resolved here before")
            }
            what = language.pick("خطر تکراری: اولویت بالا رفت", "Repeat hazard: priority raised") + " (" + why + ")"
            return CaseView.Line(at: SolarHijriFormat.dateTime(line.at, language), machineAt: SolarHijriFormat.machine(line.at), what: what,
                                 lineNote: nil, lineReason: nil)
        case "split":
            what = language.pick("گزارش ", "Report ") + language.digits(line.note ?? "")
                + language.pick(" جدا شد و پروندهٔ خودش را گرفت", " was split off into a case of its own")
            return CaseView.Line(at: SolarHijriFormat.dateTime(line.at, language), machineAt: SolarHijriFormat.machine(line.at), what: what,
                                 lineNote: nil, lineReason: line.reason)
        case "referred":
            what = ReportStatusWords.name(ReportStatus.referred.rawValue, language) + " → " + unitName(line.by ?? "", language)
        default:
            what = ReportStatusWords.name(line.status ?? "", language)
                + (line.by.map { by in by == "council" ? language.pick(" (شورا)", " (council)") : by == "reporter" ? language.pick(" (گزارش‌دهنده)", " (reporter)") : "" } ?? "")
        }
        return CaseView.Line(at: SolarHijriFormat.dateTime(line.at, language), machineAt: SolarHijriFormat.machine(line.at), what: what,
                             lineNote: line.note, lineReason: line.reason)
    }

    struct CaseView {
        var heading: String
        var backURL: String
        var backLabel: String
        var pollURL: String
        var version: String
        var liveNotice: String
        var service: String
        var child: String?
        var urgent: String?
        var statusLabel: String
        var status: String
        var pending: String?
        var refused: String?
        var deadlineLabel: String
        var deadline: String
        var remaining: String?
        var overdue: Bool
        var machineDeadline: String
        var lang: String
        var receivedLabel: String
        var received: String
        var districtLabel: String
        var district: String
        var placeLabel: String
        var place: String
        var descriptionLabel: String
        var description: String
        var attributes: [Fact]
        var contactHeading: String
        var contact: [Fact]
        var hasContact: Bool
        var historyHeading: String
        var history: [Line]
        var actionsHeading: String
        var noActions: String?
        var actionPath: String
        var csrf: String
        var actionLegend: String
        var actionError: String?
        var actions: [Choice]
        var noteLabel: String
        var noteValue: String
        var noteError: String?
        var reasonLabel: String
        var reasonValue: String
        var reasonError: String?
        var referLabel: String
        var referOptions: [Choice]
        var referError: String?
        var canRefer: Bool
        var submitLabel: String
        var linkedHeading: String?
        var linkedIntro: String
        var linked: [Linked]

        /// A report linked to the case, with its split form.
        struct Linked {
            var reportID: String
            var code: String
            var received: String
            var machineReceived: String
            var linkedDescription: String
            var linkedPlace: String
            var match: String
            var splitPath: String
            var reasonID: String
            var reasonLabel: String
            var reasonValue: String
            var reasonError: String?
            var splitLabel: String
            var canSplit: Bool
        }

        struct Fact {
            var label: String
            var value: String
        }

        struct Choice {
            var value: String
            var label: String
            var checked: Bool
        }

        struct Line {
            var at: String
            var machineAt: String
            var what: String
            var lineNote: String?
            var lineReason: String?
        }
    }
}
