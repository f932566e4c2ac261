import Foundation
import Hummingbird
import Logging
import StaffAccounts

/// `GET/POST /staff/sign-in` and `POST /staff/sign-out`: the same pages on every service with staff
/// pages. A wrong password, an unknown name and a disabled account get one answer; from the fifth wrong
/// password in a row the account locks, longer each time (``SignInThrottle``).
public struct StaffSignInPages: Sendable {
    /// The gate (directory, cookie settings).
    public let gate: StaffGate
    /// The renderer (its bundle's templates plus the layout and `sign-in`).
    public let renderer: PageRenderer
    /// Where a freshly signed-in account goes when no `next` was given.
    public let home: @Sendable (StaffAccount) -> String

    /// The pages.
    public init(gate: StaffGate, renderer: PageRenderer, home: @escaping @Sendable (StaffAccount) -> String) {
        self.gate = gate
        self.renderer = renderer
        self.home = home
    }

    /// Adds the routes.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        router.get("/staff/sign-in") { request, _ in
            let language = request.pageLanguage
            let (token, cookie) = FormToken.token(for: request, secure: gate.secureCookies)
            return page(language: language, path: request.pathWithoutLanguage, csrf: token, next: request.uri.queryParameters["next"].map(String.init),
                        username: "", error: nil, status: .ok)
                .setting(cookie).setting(request.languageCookie)
        }
        router.post("/staff/sign-in") { request, context in
            try await signIn(request, logger: context.logger)
        }
        router.post("/staff/sign-out") { request, context in
            let form = await request.form(SignOutForm.self)
            if let token = request.cookies[StaffGate.cookieName]?.value,
               let session = await gate.session(request, logger: context.logger) {
                guard StaffGate.verifyCSRF(form?._csrf, session: session) else {
                    return PageRenderer.html("Forbidden: the form is out of date; reload the page.", status: .forbidden)
                }
                try? await gate.directory.signOut(token: token)
            }
            return PageRenderer.redirect("/staff/sign-in").setting(gate.expiredCookie())
        }
    }

    private struct SignInForm: Decodable {
        var username: String?
        var password: String?
        var next: String?
        var _csrf: String?
    }

    private struct SignOutForm: Decodable {
        var _csrf: String?
    }

    private func signIn(_ request: Request, logger: Logger) async throws -> Response {
        let language = request.pageLanguage
        let path = "/staff/sign-in"
        let (token, cookie) = FormToken.token(for: request, secure: gate.secureCookies)
        guard let form = await request.form(SignInForm.self) else {
            return page(language: language, path: path, csrf: token, next: nil, username: "",
                        error: language.pick("فرم ناقص رسید؛ دوباره تلاش کنید.", "The form arrived incomplete; try again."), status: .badRequest)
                .setting(cookie)
        }
        guard FormToken.verify(form: form._csrf, request: request) else {
            return page(language: language, path: path, csrf: token, next: form.next, username: form.username ?? "",
                        error: language.pick("این فرم کهنه شده است؛ دوباره وارد شوید.", "This form has expired; please sign in again."), status: .forbidden)
                .setting(cookie)
        }
        let username = (form.username ?? "").trimmingCharacters(in: .whitespaces)
        let password = form.password ?? ""
        guard !username.isEmpty, !password.isEmpty else {
            return page(language: language, path: path, csrf: token, next: form.next, username: username,
                        error: language.pick("نام کاربری و گذرواژه را وارد کنید.", "Enter your username and password."), status: .badRequest)
        }
        let outcome: SignInOutcome
        do {
            outcome = try await gate.directory.signIn(username: username, password: password)
        } catch {
            logger.warning("staff sign-in failed", metadata: ["error": "\(error.code.rawValue)"])
            return page(language: language, path: path, csrf: token, next: form.next, username: username,
                        error: language.pick("سامانه موقتاً در دسترس نیست؛ کمی بعد دوباره تلاش کنید.", "The system is unavailable for a moment; try again shortly."),
                        status: .serviceUnavailable)
        }
        switch outcome {
        case .signedIn(let session, let sessionToken):
            let destination = StaffGate.safeReturnPath(form.next) ?? home(session.account)
            return PageRenderer.redirect(destination).setting(gate.sessionCookie(token: sessionToken))
        case .refused:
            return page(language: language, path: path, csrf: token, next: form.next, username: username,
                        error: language.pick("نام کاربری یا گذرواژه درست نیست.", "The username or password is wrong."), status: .unauthorized)
        case .locked(let seconds):
            var response = page(language: language, path: path, csrf: token, next: form.next, username: username,
                                error: language.digits(language.pick(
                                    "به دلیل تلاش‌های نادرست پی‌درپی، ورود این حساب \(seconds) ثانیه بسته است.",
                                    "Too many wrong passwords: this account is locked for \(seconds) seconds.")),
                                status: .tooManyRequests)
            response.headers[.retryAfter] = String(seconds)
            return response
        }
    }

    private struct SignInPage {
        var heading: String
        var usernameLabel: String
        var passwordLabel: String
        var submitLabel: String
        var username: String
        var csrf: String
        var next: String?
        var error: String?
    }

    private func page(language: PageLanguage, path: String, csrf: String, next: String?, username: String, error: String?,
                      status: HTTPResponse.Status) -> Response {
        let content = SignInPage(
            heading: language.pick("ورود کارکنان", "Staff sign-in"),
            usernameLabel: language.pick("نام کاربری", "Username"),
            passwordLabel: language.pick("گذرواژه", "Password"),
            submitLabel: language.pick("ورود", "Sign in"),
            username: username, csrf: csrf, next: StaffGate.safeReturnPath(next), error: error
        )
        return renderer.render("sign-in", content, frame: PageFrame(title: content.heading, language: language, path: path), status: status)
    }
}
