import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import StaffAccounts
import Testing
import TestSupport

/// Staff sign-in and the operators' call screen against the real server and database.
@Suite("Staff sign-in and the call screen") struct StaffPagesTests {
    static let password = "correct-horse-battery"

    /// A fresh operator account (usernames are unique: the `staff` schema is shared by the tests).
    static func operatorAccount(_ fixture: IntakeFixture, roles: [String] = ["operator"]) async throws -> StaffAccount {
        try await fixture.staff.add(username: TestEnvironment.uniqueName("op").lowercased(), displayName: "اپراتور آزمون", roles: roles, password: password)
    }

    /// Signs `browser` in; returns the response to the sign-in post.
    static func signIn(_ browser: PageSession, _ username: String, _ password: String, next: String? = nil) async throws -> TestResponse {
        let form = String(buffer: try await browser.get("/staff/sign-in").body)
        var fields = [("_csrf", PageSession.field("_csrf", in: form) ?? ""), ("username", username), ("password", password)]
        if let next { fields.append(("next", next)) }
        return try await browser.post("/staff/sign-in", fields)
    }

    @Test("the directory: a good password signs in, a wrong one does not, repeated wrong ones lock the account longer each time")
    func directory() async throws {
        try await IntakeFixture.withAPI(IntakePagesTests.pages) { fixture, _ in
            let account = try await Self.operatorAccount(fixture)
            let directory = fixture.staff
            guard case .signedIn(let session, let token) = try await directory.signIn(username: account.username.uppercased(), password: Self.password) else {
                Issue.record("a good password did not sign in"); return
            }
            #expect(session.account.roles == [.operator])
            #expect(try await directory.session(token: token)?.account.accountID == account.accountID)
            #expect(try await directory.session(token: token + "x") == nil)
            // The table keeps the token's hash, never the token.
            #expect(try await fixture.scalar("SELECT count(*) FROM staff.sessions WHERE token_hash = convert_to(\(token), 'UTF8')") == 0)

            for _ in 1...SignInThrottle.freeAttempts {
                guard case .refused = try await directory.signIn(username: account.username, password: "wrong-password-1") else {
                    Issue.record("a wrong password was not refused"); return
                }
            }
            guard case .locked(let first) = try await directory.signIn(username: account.username, password: "wrong-password-1") else {
                Issue.record("the fifth wrong password did not lock the account"); return
            }
            #expect(first == SignInThrottle.firstLockSeconds)
            // While locked, even the right password is not checked.
            guard case .locked = try await directory.signIn(username: account.username, password: Self.password) else {
                Issue.record("a locked account signed in"); return
            }
            try await fixture.client.query("UPDATE staff.accounts SET locked_until = now() WHERE account_id = \(account.accountID)", logger: TestEnvironment.logger("staff"))
            guard case .locked(let second) = try await directory.signIn(username: account.username, password: "wrong-password-1") else {
                Issue.record("the sixth wrong password did not lock the account"); return
            }
            #expect(second == 2 * first)

            // An admin's new password lifts the lock and ends the sessions; disabling ends them too.
            try await directory.setPassword(username: account.username, password: "another-good-password")
            #expect(try await directory.session(token: token) == nil)
            guard case .signedIn(_, let token2) = try await directory.signIn(username: account.username, password: "another-good-password") else {
                Issue.record("the new password did not sign in"); return
            }
            try await directory.disable(username: account.username)
            #expect(try await directory.session(token: token2) == nil)
            guard case .refused = try await directory.signIn(username: account.username, password: "another-good-password") else {
                Issue.record("a disabled account signed in"); return
            }
            guard case .refused = try await directory.signIn(username: "nobody-\(UUID())", password: "whatever-password") else {
                Issue.record("an unknown name was not refused"); return
            }
        }
    }

    @Test("account rules: weak passwords, bad names, unknown roles and duplicates are refused with their codes")
    func accountRules() async throws {
        try await IntakeFixture.withAPI(IntakePagesTests.pages) { fixture, _ in
            let directory = fixture.staff
            let name = TestEnvironment.uniqueName("rules").lowercased()
            let weak = await #expect(throws: StaffAccountsError.self) { try await directory.add(username: name, displayName: "x", roles: ["operator"], password: "short") }
            #expect(weak?.code == .weakPassword)
            await #expect(throws: StaffAccountsError.self) { try await directory.add(username: "A B", displayName: "x", roles: ["operator"], password: Self.password) }
            await #expect(throws: StaffAccountsError.self) { try await directory.add(username: name, displayName: "x", roles: ["mayor"], password: Self.password) }
            try await directory.add(username: name, displayName: "x", roles: ["unit:parks", "council"], password: Self.password)
            await #expect(throws: StaffAccountsError.self) { try await directory.add(username: name, displayName: "y", roles: ["operator"], password: Self.password) }
            await #expect(throws: StaffAccountsError.self) { try await directory.disable(username: "nobody-\(UUID())") }
            let listed = try await directory.list().first { $0.username == name }
            #expect(listed?.roles == [.unit("parks"), .council])
        }
    }

    @Test("the call screen needs an operator: anonymous goes to sign-in, a unit's account gets 403, a wrong password 401")
    func signInPages() async throws {
        try await IntakeFixture.withAPI(IntakePagesTests.pages) { fixture, http in
            let anonymous = PageSession(http)
            let redirect = try await anonymous.get("/staff/call")
            #expect(redirect.status == .seeOther)
            #expect(redirect.headers[.location] == "/staff/sign-in?next=%2Fstaff%2Fcall")
            #expect(try await anonymous.get("/staff/call/preview?description=x").status == .unauthorized)

            let account = try await Self.operatorAccount(fixture)
            let wrong = try await Self.signIn(PageSession(http), account.username, "wrong-password")
            #expect(wrong.status == .unauthorized)
            #expect(String(buffer: wrong.body).contains("id=\"form-error\""))
            // Empty fields and a body that is no form get the sign-in page back with a message, never a 5xx.
            let emptyBrowser = PageSession(http)
            let emptyForm = String(buffer: try await emptyBrowser.get("/staff/sign-in").body)
            let empty = try await emptyBrowser.post("/staff/sign-in", [("_csrf", PageSession.field("_csrf", in: emptyForm) ?? ""), ("username", " "), ("password", "")])
            #expect(empty.status == .badRequest)
            #expect(String(buffer: empty.body).contains("id=\"form-error\""))
            let notAForm = try await http.execute(uri: "/staff/sign-in", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(notAForm.status == .badRequest)
            #expect(String(buffer: notAForm.body).contains("id=\"form-error\""))
            // Without the form's CSRF cookie, even the right password does not sign in.
            let forged = try await PageSession(http).post("/staff/sign-in", [("_csrf", "x"), ("username", account.username), ("password", Self.password)])
            #expect(forged.status == .forbidden)

            let unit = try await Self.operatorAccount(fixture, roles: ["unit:parks"])
            let unitBrowser = PageSession(http)
            #expect(try await Self.signIn(unitBrowser, unit.username, Self.password).status == .seeOther)
            #expect(try await unitBrowser.get("/staff/call").status == .forbidden)

            let browser = PageSession(http)
            let signedIn = try await Self.signIn(browser, account.username, Self.password, next: "//evil.example/x")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/staff/call")  // never another origin
            let cookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix("open137_staff=") })
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"))
            let page = try await browser.get("/staff/call")
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("اپراتور آزمون"))

            // Sign-out needs the session's CSRF token, then ends the session everywhere.
            let csrf = try #require(PageSession.field("_csrf", in: String(buffer: page.body)))
            #expect(try await browser.post("/staff/sign-out", [("_csrf", "wrong")]).status == .forbidden)
            #expect(try await browser.post("/staff/sign-out", [("_csrf", csrf)]).status == .seeOther)
            #expect(try await browser.get("/staff/call").status == .seeOther)
        }
    }

    @Test("an operator takes a call: live suggestion, the caller's earlier reports, the report stored as 137-phone, listed as today's")
    func takeCall() async throws {
        try await IntakeFixture.withAPI(IntakePagesTests.pages) { fixture, http in
            let account = try await Self.operatorAccount(fixture)
            let browser = PageSession(http)
            _ = try await Self.signIn(browser, account.username, Self.password)
            let preview = try IntakeFixture.json(try await browser.get("/staff/call/preview?description=\(PageSession.encode("سرسره پارک شکسته و بچه ها زخمی شدند"))&phone=\(PageSession.encode("0912 765 4321"))"))
            #expect(preview["suggestion"]?["service_code"]?.stringValue == "CFC-PLAY")
            #expect(preview["suggestion"]?["child_friendly"]?.boolValue == true)
            #expect(preview["phone_valid"]?.boolValue == true)
            #expect(preview["recent"]?.arrayValue?.isEmpty == true)
            #expect(try IntakeFixture.json(try await browser.get("/staff/call/preview?phone=123"))["phone_valid"]?.boolValue == false)

            let form = String(buffer: try await browser.get("/staff/call").body)
            let fields = [
                ("_csrf", PageSession.field("_csrf", in: form) ?? ""), ("form_id", PageSession.field("form_id", in: form) ?? ""),
                ("phone", "0912 765 4321"), ("description", "سرسره پارک شکسته و بچه ها زخمی شدند"), ("service_code", ""),
                ("district", "3"), ("address", "پارک ملت"), ("language", "fa"),
            ]
            let bad = try await browser.post("/staff/call", fields.map { $0.0 == "district" ? ($0.0, "") : $0 })
            #expect(bad.status == .unprocessableContent)
            #expect(String(buffer: bad.body).contains("id=\"district-error\""))
            let noToken = try await browser.post("/staff/call", fields.map { $0.0 == "_csrf" ? ($0.0, "x") : $0 })
            #expect(noToken.status == .forbidden)
            let taken = try await browser.post("/staff/call", fields)
            #expect(taken.status == .created)
            let html = String(buffer: taken.body)
            let code = try #require(html.range(of: "data-value=\"").map { String(html[$0.upperBound...].prefix(10)) })
            #expect(try await fixture.text("SELECT channel FROM reports WHERE tracking_code = \(code)") == "137-phone")
            #expect(try await browser.post("/staff/call", fields).status == .ok)  // the same form again: the same report
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 1)

            let again = try IntakeFixture.json(try await browser.get("/staff/call/preview?phone=%2B989127654321"))
            #expect(again["recent"]?.arrayValue?.first?["tracking_code"]?.stringValue == code)
            let today = String(buffer: try await browser.get("/staff/today").body)
            #expect(today.contains("/track/\(code)"))
            // Another operator's list does not show it.
            let other = try await Self.operatorAccount(fixture)
            let otherBrowser = PageSession(http)
            _ = try await Self.signIn(otherBrowser, other.username, Self.password)
            #expect(!String(buffer: try await otherBrowser.get("/staff/today").body).contains(code))
        }
    }
}
