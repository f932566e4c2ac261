import Foundation
import Hummingbird
import Logging
import StaffAccounts

/// The door of every staff page, in every service: the session cookie checked against the staff
/// directory (so one sign-in works on intake, the desk and the dashboard — cookies are per host, not per
/// port), the role checked, and on every form post the session's CSRF token.
public struct StaffGate: Sendable {
    /// The cookie that holds the session token (HttpOnly, SameSite=Lax, Secure behind TLS).
    public static let cookieName = "open137_staff"

    /// The accounts and sessions.
    public let directory: StaffDirectory
    /// Whether cookies get `Secure` (behind TLS: `OPEN137_COOKIE_SECURE`).
    public let secureCookies: Bool

    /// A gate over `directory`.
    public init(directory: StaffDirectory, secureCookies: Bool) {
        self.directory = directory
        self.secureCookies = secureCookies
    }

    /// What a staff page needs before it runs.
    public enum Admission: Sendable {
        /// Signed in with the role.
        case admitted(StaffPagesSession)
        /// Not signed in: send to the sign-in page (with where to come back).
        case signIn
        /// Signed in without the role: a 403 page.
        case forbidden(StaffPagesSession)
    }

    /// The session of the request's cookie, if any (a database failure counts as none, logged).
    public func session(_ request: Request, logger: Logger) async -> StaffSession? {
        guard let token = request.cookies[Self.cookieName]?.value else { return nil }
        do {
            return try await directory.session(token: token)
        } catch {
            logger.warning("staff session could not be checked", metadata: ["error": "\(error.code.rawValue)"])
            return nil
        }
    }

    /// Admits the request if it has a session whose account satisfies `allowed`.
    public func admit(_ request: Request, language: PageLanguage, logger: Logger, allowed: (StaffAccount) -> Bool) async -> Admission {
        guard let session = await session(request, logger: logger) else { return .signIn }
        let signedIn = StaffPagesSession(session: session, language: language)
        return allowed(session.account) ? .admitted(signedIn) : .forbidden(signedIn)
    }

    /// Whether a posted form carries the session's CSRF token.
    public static func verifyCSRF(_ form: String?, session: StaffSession) -> Bool {
        guard let form else { return false }
        return FormToken.constantTimeEqual(form, session.csrfToken)
    }

    /// The cookie that starts a session.
    public func sessionCookie(token: String) -> Cookie {
        Cookie(name: Self.cookieName, value: token, maxAge: Int(directory.sessionLifetime.components.seconds), path: "/",
               secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// The cookie that ends it in the browser.
    public func expiredCookie() -> Cookie {
        Cookie(name: Self.cookieName, value: "", maxAge: 0, path: "/", secure: secureCookies, httpOnly: true, sameSite: .lax)
    }

    /// The sign-in page's address that returns to `path` afterwards.
    public static func signInLocation(returningTo path: String) -> String {
        "/staff/sign-in?next=" + (path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/")
    }

    /// `next` if it is a path on this site (never another origin: an open redirect would help phishing).
    public static func safeReturnPath(_ next: String?) -> String? {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), next.count <= 512 else { return nil }
        return next
    }
}
