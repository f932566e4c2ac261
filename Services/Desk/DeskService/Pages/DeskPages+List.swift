import Contracts
import Foundation
import Hummingbird
import WebPages

extension DeskPages {
    /// `GET /desk/{unit}` (the unit's cases, filtered by the query) and `GET /desk/{unit}/changes` (JSON
    /// `{"version": n}`, which grows with every change: the pages poll it).
    func addListPages(to router: Router<DeskRequestContext>) {
        router.get("/desk/:unit") { request, context in
            let unit = context.parameters.get("unit") ?? ""
            return try await asUnitStaff(request, context, unit: unit) { staff, store in
                try await listPage(request, staff: staff, store: store)
            }
        }
        router.get("/desk/:unit/changes") { request, context in
            let unit = context.parameters.get("unit") ?? ""
            guard let session = await gate.session(request, logger: context.logger), Self.mayWork(session.account, unit: unit),
                  let store = desks[unit]
            else {
                return Response(status: .forbidden, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                                body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"error":{"code":"not-signed-in","message":"sign in as the unit's staff"}}"#)))
            }
            let version = try await store.version()
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: #"{"version":\#(version)}"#)))
        }
    }

    private func listPage(_ request: Request, staff: StaffPagesSession, store: DeskStore) async throws -> Response {
        let language = staff.language
        let query = { (name: String) in request.formQuery(name) }
        let filter = DeskCaseFilter(district: query("district"), status: query("status") ?? "open",
                                    serviceCode: query("service_code"), trackingCode: query("code"))
        let now = Date()
        async let cases = store.cases(filter)
        async let counts = store.counts(at: now)
        async let version = store.version()
        let unitName = unitName(store.unit, language)
        let (rows, (open, overdue), current) = try await (cases, counts, version)
        let statuses = ["open", ""] + ReportStatus.lifecycle.map(\.rawValue).sorted() + [ReportStatus.referred.rawValue]
        let codes = Set(units.unit(named: store.unit)?.serviceCodes ?? []).union(rows.map(\.serviceCode)).sorted()
        let view = ListView(
            heading: language.pick("پرونده‌های \(unitName)", "\(unitName): cases"),
            openLine: language.digits(language.pick("\(open) پرونده باز", "\(open) open")),
            overdueLine: language.digits(language.pick("\(overdue) پرونده دیرکرد", "\(overdue) overdue")),
            anyOverdue: overdue > 0,
            pollURL: "/desk/\(store.unit)/changes", version: String(current),
            liveNotice: language.pick("پرونده‌ها تغییر کرده‌اند؛ برای دیدن، صفحه را تازه کنید.", "Cases have changed; reload the page to see them."),
            filterHeading: language.pick("پالایش", "Filter"),
            districtLabel: language.pick("منطقه", "District"),
            districts: [ListView.Option(value: "", label: language.pick("همه", "All"), selected: filter.district == nil)]
                + (1...22).map { number in
                    let value = String(format: "%02d", number)
                    return ListView.Option(value: value, label: language.digits(language.pick("منطقه \(number)", "District \(number)")), selected: filter.district == value)
                },
            statusLabel: language.pick("وضعیت", "Status"),
            statuses: statuses.map { value in
                ListView.Option(value: value, label: statusFilterName(value, language), selected: (filter.status ?? "") == value)
            },
            serviceLabel: language.pick("موضوع", "Service"),
            services: [ListView.Option(value: "", label: language.pick("همه", "All"), selected: filter.serviceCode == nil)]
                + codes.map { ListView.Option(value: $0, label: serviceName($0, language), selected: filter.serviceCode == $0) },
            codeLabel: language.pick("کد پیگیری", "Tracking code"), codeValue: filter.trackingCode ?? "",
            filterButton: language.pick("نمایش", "Show"),
            empty: rows.isEmpty ? language.pick("پرونده‌ای با این پالایش نیست.", "No cases match this filter.") : nil,
            headers: ListView.Headers(code: language.pick("کد", "Code"), service: language.pick("موضوع", "Service"),
                                      district: language.pick("منطقه", "District"), status: language.pick("وضعیت", "Status"),
                                      deadline: language.pick("مهلت", "Deadline")),
            rows: rows.map { row(for: $0, unit: store.unit, now: now, language) })
        let frame = PageFrame(title: view.heading, language: language, path: request.pathWithoutLanguage,
                              links: links(language, current: "/desk"), staff: staff)
        return renderer.render("desk-cases", view, frame: frame)
    }

    private func row(for item: DeskCase, unit: String, now: Date, _ language: PageLanguage) -> ListView.Row {
        let overdue = item.isOverdue(at: now)
        return ListView.Row(
            href: "/desk/\(unit)/cases/\(item.reportID.uuidString.lowercased())",
            codeText: language.digits(item.trackingCode),
            service: serviceName(item.serviceCode, language),
            child: item.childFriendly ? language.pick("کودک‌محور", "Child-friendly") : nil,
            urgent: item.priority == "P0" ? language.pick("فوری", "Urgent (P0)") : nil,
            district: language.digits(String(Int(item.district) ?? 0)),
            status: statusName(item, language),
            pending: item.pending.map { _ in language.pick("در انتظار تأیید", "awaiting confirmation") },
            reports: item.linkedCount > 0 ? Self.reportCount(1 + item.linkedCount, language) : nil,
            deadline: item.isOpen ? DeskTime.remaining(until: item.deadline, now: now, language) : SolarHijriFormat.date(item.deadline, language),
            machineDeadline: SolarHijriFormat.machine(item.deadline),
            countdown: item.isOpen, lang: language.rawValue,
            rowClass: overdue ? "overdue" : "")
    }

    /// "3 reports of this hazard", said short for a badge.
    static func reportCount(_ count: Int, _ language: PageLanguage) -> String {
        language.pick("\(language.digits(String(count))) گزارش", "\(count) reports")
    }

    /// A status as the desk says it (`referred` says to whom).
    func statusName(_ item: DeskCase, _ language: PageLanguage) -> String {
        let name = ReportStatusWords.name(item.status, language)
        guard item.status == ReportStatus.referred.rawValue, let target = item.referredTo else { return name }
        return name + " (" + unitName(target, language) + ")"
    }

    /// A service code's name in `language`, with the code.
    func serviceName(_ code: String, _ language: PageLanguage) -> String {
        guard let service = taxonomy.service(code) else { return code }
        return language.pick(service.name.fa, service.name.en)
    }

    private func statusFilterName(_ value: String, _ language: PageLanguage) -> String {
        switch value {
        case "open": language.pick("باز", "Open")
        case "": language.pick("همه", "All")
        default: ReportStatusWords.name(value, language)
        }
    }

    struct ListView {
        var heading: String
        var openLine: String
        var overdueLine: String
        var anyOverdue: Bool
        var pollURL: String
        var version: String
        var liveNotice: String
        var filterHeading: String
        var districtLabel: String
        var districts: [Option]
        var statusLabel: String
        var statuses: [Option]
        var serviceLabel: String
        var services: [Option]
        var codeLabel: String
        var codeValue: String
        var filterButton: String
        var empty: String?
        var headers: Headers
        var rows: [Row]

        struct Option {
            var value: String
            var label: String
            var selected: Bool
        }

        struct Headers {
            var code: String
            var service: String
            var district: String
            var status: String
            var deadline: String
        }

        struct Row {
            var href: String
            var codeText: String
            var service: String
            var child: String?
            var urgent: String?
            var district: String
            var status: String
            var pending: String?
            /// How many reports the case has, when the router linked others to it.
            var reports: String?
            var deadline: String
            var machineDeadline: String
            var countdown: Bool
            var lang: String
            var rowClass: String
        }
    }
}
