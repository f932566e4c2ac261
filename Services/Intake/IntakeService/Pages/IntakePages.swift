import Foundation
import Hummingbird
import Logging
import StaffAccounts
import Taxonomy
import Units
import WebAPI
import WebPages

/// Intake's web pages: the citizens' report and track pages (public, Persian first, working without
/// JavaScript) and the 137 operators' call screen behind staff sign-in. They go through the same
/// validator, writer and store as the API — a page cannot accept what the API would refuse.
public struct IntakePages: PageSite {
    /// The API whose validator, writer, store and limits the pages use.
    let api: IntakeAPI
    /// Templates (intake's and the shared layout).
    public let renderer: PageRenderer
    /// Staff sessions.
    let gate: StaffGate
    /// Unit names for the tracking page.
    let units: UnitDirectory
    /// The model behind the call screen's live suggestion.
    let suggestions: SuggestionModel

    /// The pages over `api`, with staff signed in through `directory`.
    public init(api: IntakeAPI, directory: StaffDirectory, secureCookies: Bool) throws {
        self.api = api
        renderer = try PageRenderer(bundle: .module)
        gate = StaffGate(directory: directory, secureCookies: secureCookies)
        units = try UnitDirectory.bundled(taxonomy: api.taxonomy)
        suggestions = SuggestionModel()
    }

    /// Adds every page's routes, the sign-in pages and the assets.
    public func add(to router: Router<IntakeRequestContext>) throws {
        try PageAssets.add(to: router)
        StaffSignInPages(gate: gate, renderer: renderer, home: { _ in "/staff/call" }).add(to: router)
        addReportPages(to: router)
        addNearbyRoute(to: router)
        addTrackPages(to: router)
        addCallPages(to: router)
    }

    /// The header links of the public pages.
    public var headerLinks: [(href: String, fa: String, en: String)] {
        [("/", "ثبت گزارش", "Report a problem"), ("/track", "پیگیری گزارش", "Track a report")]
    }

    /// The page for an error thrown by the shared steps (rate limits, the store being down).
    func errorPage(_ error: any Error, language: PageLanguage, path: String, staff: StaffPagesSession? = nil) -> Response {
        let apiError = (error as? APIError) ?? APIError.intake(error) ?? .unavailable
        let title: String, message: String
        switch apiError.status {
        case .tooManyRequests:
            title = language.pick("کمی صبر کنید", "Please wait a moment")
            message = language.pick("درخواست‌های زیادی از این نشانی رسیده است؛ چند ثانیه بعد دوباره تلاش کنید.",
                                    "Too many requests from this address; try again in a few seconds.")
        case .conflict:
            title = language.pick("این فرم پیش‌تر فرستاده شده است", "This form was already sent")
            message = language.pick("همین فرم با محتوای دیگری فرستاده شده بود؛ صفحه را دوباره باز کنید.",
                                    "This form was sent before with other contents; open the page again.")
        default:
            title = language.pick("سامانه موقتاً در دسترس نیست", "Temporarily unavailable")
            message = language.pick("گزارش شما ثبت نشد. چند لحظه بعد دوباره بفرستید یا با ۱۳۷ تماس بگیرید.",
                                    "Your report was not stored. Send it again in a moment, or call 137.")
        }
        var response = messagePage(title, message, language: language, path: path, status: apiError.status, staff: staff)
        if let retry = apiError.headers[.retryAfter] { response.headers[.retryAfter] = retry }
        return response
    }
}
