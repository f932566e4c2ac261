import Foundation
import Hummingbird
import Logging
import StaffAccounts
import Taxonomy
import Units
import WebPages

/// The child-friendly committee's dashboard, served by council-audit beside its API and behind staff
/// sign-in (role `council` or `admin`): the overview of a Jalali period with charts and lists, a report's
/// timeline with its chain verified on request, CSV exports and the printable quarterly report. Every
/// number comes from the API's own queries (``CouncilQueries``), so a page and the API never disagree.
public struct CouncilPages: PageSite {
    /// The committee's queries (the API's).
    let queries: CouncilQueries
    /// The audit log (a report's chain verification).
    let log: AuditLog
    /// Templates (council-audit's and the shared layout).
    public let renderer: PageRenderer
    /// Staff sessions.
    let gate: StaffGate
    /// Unit names.
    let units: UnitDirectory

    /// The pages over `queries` and `log`, with staff signed in through `directory`.
    public init(queries: CouncilQueries, log: AuditLog, directory: StaffDirectory, secureCookies: Bool) throws {
        self.queries = queries
        self.log = log
        renderer = try PageRenderer(bundle: .module)
        gate = StaffGate(directory: directory, secureCookies: secureCookies)
        units = try UnitDirectory.bundled(taxonomy: queries.taxonomy)
    }

    /// Adds every page's routes, the sign-in pages and the assets.
    public func add(to router: Router<CouncilRequestContext>) throws {
        try PageAssets.add(to: router)
        StaffSignInPages(gate: gate, renderer: renderer, home: { _ in "/dashboard" }).add(to: router)
        router.get("/") { _, _ in PageRenderer.redirect("/dashboard") }
        addDashboardPages(to: router)
        addTimelinePages(to: router)
        addExportRoutes(to: router)
    }

    /// Whether an account may see the dashboard.
    static func mayFollowReports(_ account: StaffAccount) -> Bool {
        account.has(.council) || account.has(.admin)
    }

    /// Runs `page` for a signed-in council member; otherwise the sign-in page (303) or a 403 page. An error
    /// thrown by `page` becomes a page with words (never a bare 5xx).
    func asCouncil(_ request: Request, _ context: CouncilRequestContext,
                   _ page: (StaffPagesSession) async throws -> Response) async -> Response {
        let language = request.pageLanguage
        let path = request.pathWithoutLanguage
        switch await gate.admit(request, language: language, logger: context.logger, allowed: Self.mayFollowReports) {
        case .signIn:
            return PageRenderer.redirect(StaffGate.signInLocation(returningTo: path))
        case .forbidden(let staff):
            return messagePage(language.pick("دسترسی ندارید", "Not allowed"),
                               language.pick("این داشبورد برای کمیتهٔ شهر دوستدار کودک شورای شهر است.",
                                             "This dashboard is for the city council's child-friendly committee."),
                               language: language, path: path, status: .forbidden, staff: staff)
        case .admitted(let staff):
            do {
                return try await page(staff).setting(request.languageCookie)
            } catch let error as FilterError {
                return messagePage(language.pick("این نشانی را نمی‌توان نشان داد", "This view cannot be shown"),
                                   language.pick("پارامتر «\(error.parameter)» درست نیست: \(error.message)",
                                                 "The parameter “\(error.parameter)” is wrong: \(error.message)"),
                                   language: language, path: path, status: .badRequest, staff: staff)
            } catch {
                // The error's type and code, never its text: a database error's text can carry the statement's values.
                let code = (error as? AuditStoreError)?.code.rawValue ?? "\(type(of: error))"
                context.logger.warning("a dashboard page could not be read", metadata: ["error": "\(code)"])
                return messagePage(language.pick("سامانه موقتاً در دسترس نیست", "Temporarily unavailable"),
                                   language.pick("داده‌های کمیته اکنون خوانده نشد؛ چند لحظه بعد صفحه را دوباره باز کنید.",
                                                 "The committee's data could not be read just now; open the page again in a moment."),
                                   language: language, path: path, status: .serviceUnavailable, staff: staff)
            }
        }
    }

    /// The header links of the dashboard's pages.
    public var headerLinks: [(href: String, fa: String, en: String)] {
        [("/dashboard", "داشبورد کمیته", "Committee dashboard"), ("/dashboard/print", "گزارش فصلی", "Quarterly report")]
    }

    /// A service's name in `language` (its code when the taxonomy does not know it).
    func serviceName(_ code: String?, _ language: PageLanguage) -> String {
        guard let code, code != "-" else { return language.pick("نامعلوم", "Unknown") }
        return queries.taxonomy.service(code)?.name.text(for: language.rawValue) ?? code
    }

    /// A unit's name in `language` (its code when the units file does not know it).
    func unitName(_ code: String?, _ language: PageLanguage) -> String {
        guard let code, code != "-" else { return language.pick("نامعلوم", "Unknown") }
        return units.unit(named: code)?.name.text(for: language.rawValue) ?? code
    }

    /// A district's name (`منطقهٔ ۵`, `District 5`).
    static func districtName(_ district: String?, _ language: PageLanguage) -> String {
        guard let district, let number = Int(district) else { return language.pick("نامعلوم", "Unknown") }
        return language.digits(language.pick("منطقهٔ \(number)", "District \(number)"))
    }
}
