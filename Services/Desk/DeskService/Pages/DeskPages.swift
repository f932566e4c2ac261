import Foundation
import Hummingbird
import Logging
import StaffAccounts
import Taxonomy
import Units
import WebPages

/// The web desk: a unit's staff (role `unit:<code>`; `admin` for any unit) see their unit's cases and
/// move them on. Every page of `/desk/<unit>` reads only that unit's ``DeskStore``: a case of another
/// unit is not found there, whatever its id. Pages work without JavaScript; with it they follow the
/// other staff's changes (polling `/desk/<unit>/changes`) and count the deadlines down.
struct DeskPages: PageSite {
    /// The served units' stores, by unit code.
    let desks: [String: DeskStore]
    /// The units file (names, and where a case may be referred).
    let units: UnitDirectory
    /// Service names.
    let taxonomy: Taxonomy
    /// Templates (the desk's and the shared layout).
    let renderer: PageRenderer
    /// Staff sessions.
    let gate: StaffGate

    /// The pages over `desks`, with staff signed in through `directory`.
    init(desks: [DeskStore], units: UnitDirectory, taxonomy: Taxonomy, directory: StaffDirectory, secureCookies: Bool) throws {
        self.desks = Dictionary(uniqueKeysWithValues: desks.map { ($0.unit, $0) })
        self.units = units
        self.taxonomy = taxonomy
        renderer = try PageRenderer(bundle: .module)
        gate = StaffGate(directory: directory, secureCookies: secureCookies)
    }

    /// The header's link.
    var headerLinks: [(href: String, fa: String, en: String)] { [("/desk", "میز واحد", "Unit desk")] }

    /// Adds every route: the assets, sign-in, the unit chooser, the case list and its changes, a case and its actions.
    func add(to router: Router<DeskRequestContext>) throws {
        try PageAssets.add(to: router)
        StaffSignInPages(gate: gate, renderer: renderer, home: { _ in "/desk" }).add(to: router)
        router.get("/") { _, _ in PageRenderer.redirect("/desk") }
        router.get("/desk") { request, context in try await home(request, context) }
        addListPages(to: router)
        addCasePages(to: router)
    }

    /// Whether `account` may work `unit`'s cases.
    static func mayWork(_ account: StaffAccount, unit: String) -> Bool {
        account.has(.admin) || account.units.contains(unit)
    }

    /// The unit's name in `language`.
    func unitName(_ code: String, _ language: PageLanguage) -> String {
        guard let unit = units.unit(named: code) else { return code }
        return language.pick(unit.name.fa, unit.name.en)
    }

    /// Runs `page` for a signed-in member of `unit`'s staff with the unit's store; otherwise the sign-in
    /// page (303), a 403 page, or a 404 page for a unit this desk does not serve.
    func asUnitStaff(_ request: Request, _ context: DeskRequestContext, unit: String,
                     _ page: (StaffPagesSession, DeskStore) async throws -> Response) async throws -> Response {
        let language = request.pageLanguage
        switch await gate.admit(request, language: language, logger: context.logger, allowed: { Self.mayWork($0, unit: unit) }) {
        case .signIn:
            return PageRenderer.redirect(StaffGate.signInLocation(returningTo: request.method == .get ? request.uri.path : "/desk"))
        case .forbidden(let staff):
            return messagePage(language.pick("دسترسی ندارید", "Not allowed"),
                               language.pick("این میز برای کارکنان واحد دیگری است.", "This desk belongs to another unit's staff."),
                               language: language, path: request.uri.path, status: .forbidden, staff: staff)
        case .admitted(let staff):
            guard let store = desks[unit] else {
                return notFound(request, staff: staff)
            }
            do {
                return try await page(staff, store).setting(request.languageCookie)
            } catch {
                context.logger.error("desk page failed", metadata: ["unit": "\(unit)", "error_type": "\(type(of: error))"])
                return messagePage(language.pick("میز موقتاً در دسترس نیست", "The desk is temporarily unavailable"),
                                   language.pick("چند لحظه بعد دوباره تلاش کنید.", "Try again in a moment."),
                                   language: language, path: request.uri.path, status: .serviceUnavailable, staff: staff)
            }
        }
    }

    /// The page for a unit or case that is not here.
    func notFound(_ request: Request, staff: StaffPagesSession?) -> Response {
        let language = request.pageLanguage
        return messagePage(language.pick("پیدا نشد", "Not found"),
                           language.pick("چنین پرونده‌ای در این میز نیست.", "There is no such case on this desk."),
                           language: language, path: request.uri.path, status: .notFound, staff: staff)
    }

    /// `/desk`: straight to the staff member's unit, or a choice when they may work several.
    private func home(_ request: Request, _ context: DeskRequestContext) async throws -> Response {
        let language = request.pageLanguage
        guard let session = await gate.session(request, logger: context.logger) else {
            return PageRenderer.redirect(StaffGate.signInLocation(returningTo: "/desk"))
        }
        let staff = StaffPagesSession(session: session, language: language)
        let mine = desks.keys.filter { Self.mayWork(session.account, unit: $0) }.sorted()
        if mine.count == 1 { return PageRenderer.redirect("/desk/\(mine[0])") }
        guard !mine.isEmpty else {
            return messagePage(language.pick("دسترسی ندارید", "Not allowed"),
                               language.pick("حساب شما به هیچ واحدی در این میز وابسته نیست.", "Your account belongs to no unit served by this desk."),
                               language: language, path: request.uri.path, status: .forbidden, staff: staff)
        }
        let view = UnitChoice(heading: language.pick("واحد را برگزینید", "Choose a unit"),
                              units: mine.map { UnitChoice.Unit(href: "/desk/\($0)", name: unitName($0, language)) })
        let frame = PageFrame(title: view.heading, language: language, path: request.pathWithoutLanguage,
                              links: links(language, current: "/desk"), staff: staff)
        return renderer.render("desk-units", view, frame: frame).setting(request.languageCookie)
    }

    private struct UnitChoice {
        var heading: String
        var units: [Unit]
        struct Unit {
            var href: String
            var name: String
        }
    }
}
