import Foundation
import Hummingbird
import StaffAccounts

/// CSRF protection for forms that no session stands behind (the citizens' report, track and reopen, and
/// the sign-in itself): a random token in a cookie and the same token in the form's `_csrf` field. A
/// page of another site can make the browser send the cookie, but cannot read it to put it in the form.
/// Staff forms carry their session's token instead (``StaffGate``).
public enum FormToken {
    /// The cookie's name.
    public static let cookieName = "open137_csrf"
    /// The form field's name.
    public static let fieldName = "_csrf"

    /// The request's token, or a new one (and the cookie to set for it).
    public static func token(for request: Request, secure: Bool) -> (token: String, cookie: Cookie?) {
        if let existing = request.cookies[cookieName]?.value, isWellFormed(existing) { return (existing, nil) }
        let token = StaffDirectory.randomToken()
        return (token, Cookie(name: cookieName, value: token, path: "/", secure: secure, httpOnly: true, sameSite: .strict))
    }

    /// Whether a posted form's token matches the cookie's (compared in constant time).
    public static func verify(form: String?, request: Request) -> Bool {
        guard let form, let cookie = request.cookies[cookieName]?.value, isWellFormed(cookie) else { return false }
        return constantTimeEqual(form, cookie)
    }

    /// Whether two tokens are equal, in time that does not depend on where they differ.
    public static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    private static func isWellFormed(_ token: String) -> Bool {
        token.utf8.count == 43 && token.utf8.allSatisfy { $0 == 0x2D || $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }
}
