import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import IntakeService
import StaffAccounts
import Testing
import TestSupport

/// The citizens' pages against the real server and database: the form, its errors beside the fields,
/// the receipt, tracking and reopening — and what a forged or broken form gets.
@Suite("Citizens' pages") struct IntakePagesTests {
    static let pages = IntakeFixture.Options(pages: true)

    /// The report form's fields for a valid child report, plus `overrides`.
    static func reportFields(_ page: String, _ overrides: [(String, String)] = []) -> [(String, String)] {
        var fields: [(String, String)] = [
            ("_csrf", PageSession.field("_csrf", in: page) ?? ""), ("form_id", PageSession.field("form_id", in: page) ?? ""),
            ("service_code", "CFC-PLAY"), ("description", "تاب پارک لاله شکسته و خطرناک است"),
            ("district", "۶"), ("address", "پارک لاله، ضلع شمالی"), ("phone", "۰۹۱۲ ۱۲۳ ۴۵۶۷"), ("language", "fa"),
        ]
        for (key, value) in overrides {
            fields.removeAll { $0.0 == key }
            fields.append((key, value))
        }
        return fields
    }

    @Test("the report form is Persian and right-to-left by default, English on request, and loads nothing from elsewhere")
    func formLanguages() async throws {
        try await IntakeFixture.withAPI(Self.pages) { _, http in
            let browser = PageSession(http)
            let persian = try await browser.get("/")
            #expect(persian.status == .ok)
            let html = String(buffer: persian.body)
            #expect(html.contains("<html lang=\"fa\" dir=\"rtl\">"))
            #expect(html.contains("زمین بازی کودکان"))
            // The child-friendly group comes first.
            let child = try #require(html.range(of: "CFC-PLAY")), general = try #require(html.range(of: "value=\"ROAD\""))
            #expect(child.lowerBound < general.lowerBound)
            #expect(persian.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'self'") == true)
            #expect(!html.contains("http://") && !html.contains("https://"))
            #expect(browser.cookies["open137_csrf"] != nil)

            let english = try await browser.get("/?lang=en")
            #expect(String(buffer: english.body).contains("<html lang=\"en\" dir=\"ltr\">"))
            // The switch is remembered.
            #expect(String(buffer: try await browser.get("/").body).contains("lang=\"en\""))
            // A browser that asks for English gets it without the switch.
            let fresh = PageSession(http)
            #expect(String(buffer: try await fresh.get("/", headers: [.acceptLanguage: "en-GB,en;q=0.9"]).body).contains("lang=\"en\""))
            #expect(try await browser.get("/assets/site.css").status == .ok)
            #expect(try await browser.get("/assets/site.js").status == .ok)
        }
    }

    @Test("a bad phone and an address without district come back beside their fields, in Persian and in English, and nothing is stored")
    func fieldErrors() async throws {
        try await IntakeFixture.withAPI(Self.pages) { fixture, http in
            let browser = PageSession(http)
            let form = String(buffer: try await browser.get("/").body)
            let refused = try await browser.post("/report", Self.reportFields(form, [("phone", "12345"), ("district", "")]))
            #expect(refused.status == .unprocessableContent)
            let html = String(buffer: refused.body)
            #expect(html.contains("id=\"phone-error\">شمارهٔ همراه ایرانی بنویسید"))
            #expect(html.contains("id=\"district-error\">برای نشانی، منطقهٔ شهرداری"))
            // What was typed is kept.
            #expect(html.contains("تاب پارک لاله شکسته و خطرناک است"))
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)

            let english = try await browser.post("/report?lang=en", Self.reportFields(form, [("phone", "12345")]))
            #expect(String(buffer: english.body).contains("id=\"phone-error\">Give an Iranian mobile number"))
            let empty = try await browser.post("/report", Self.reportFields(form, [("description", "  ")]))
            #expect(String(buffer: empty.body).contains("id=\"description-error\""))
        }
    }

    @Test("a good report gets its tracking code and secret; posting the same form again is the same report")
    func receipt() async throws {
        try await IntakeFixture.withAPI(Self.pages) { fixture, http in
            let browser = PageSession(http)
            let form = String(buffer: try await browser.get("/").body)
            let created = try await browser.post("/report", Self.reportFields(form))
            #expect(created.status == .created)
            let html = String(buffer: created.body)
            let code = try #require(html.range(of: "data-value=\"").map { String(html[$0.upperBound...].prefix(10)) })
            #expect(TrackingCode(parsing: code) != nil)
            #expect(html.contains("id=\"reopen-secret\""))
            #expect(try await fixture.text("SELECT channel FROM reports WHERE tracking_code = \(code)") == "web")
            #expect(try await fixture.text("SELECT contact_phone FROM reports WHERE tracking_code = \(code)") == "+989121234567")

            let again = try await browser.post("/report", Self.reportFields(form))
            #expect(again.status == .ok)
            #expect(String(buffer: again.body).contains(code))
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 1)

            // The tracking page shows it with Solar Hijri dates and Persian digits, and no personal data.
            let track = String(buffer: try await browser.get("/track/\(code)").body)
            #expect(track.contains("دریافت شد"))
            #expect(track.contains("۱۴۰"))  // a Jalali year of this century, in Persian digits
            #expect(!track.contains("0912") && !track.contains("+98912") && !track.contains("تاب پارک لاله"))
        }
    }

    @Test("a form without its CSRF token, or with another browser's, is refused with a message and stores nothing")
    func csrf() async throws {
        try await IntakeFixture.withAPI(Self.pages) { fixture, http in
            let browser = PageSession(http)
            let form = String(buffer: try await browser.get("/").body)
            let forged = try await browser.post("/report", Self.reportFields(form, [("_csrf", "forged")]))
            #expect(forged.status == .forbidden)
            #expect(String(buffer: forged.body).contains("role=\"alert\""))
            let stranger = PageSession(http)
            let replayed = try await stranger.post("/report", Self.reportFields(form))
            #expect(replayed.status == .forbidden)
            let notAForm = try await http.execute(uri: "/report", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: "{}"))
            #expect(notAForm.status == .badRequest)
            #expect(String(buffer: notAForm.body).contains("<html"))
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 0)
        }
    }

    @Test("tracking: a malformed code and an unknown code are told apart; reopen needs the right secret and a resolved report")
    func trackAndReopen() async throws {
        try await IntakeFixture.withAPI(Self.pages) { fixture, http in
            let browser = PageSession(http)
            #expect(try await browser.get("/track?code=123").status == .badRequest)
            #expect(try await browser.get("/track?code=%DB%B1%DB%B2").status == .badRequest)
            #expect(try await browser.get("/track/0000000000").status == .notFound)

            let form = String(buffer: try await browser.get("/").body)
            let html = String(buffer: try await browser.post("/report", Self.reportFields(form)).body)
            let code = try #require(html.range(of: "data-value=\"").map { String(html[$0.upperBound...].prefix(10)) })
            let secret = try #require(html.range(of: "id=\"reopen-secret\">").map { String(html[$0.upperBound...].prefix(8)) })
            #expect(try await browser.get("/track?code=\(code)").status == .seeOther)

            // Not resolved yet: no reopen form; a posted reopen is refused with the reason.
            let page = String(buffer: try await browser.get("/track/\(code)").body)
            #expect(!page.contains("id=\"reopen-form\""))
            let csrf = try #require(browser.cookies["open137_csrf"])
            let early = try await browser.post("/track/\(code)/reopen", [("_csrf", csrf), ("secret", secret)])
            #expect(early.status == .conflict)

            try await fixture.client.query("UPDATE reports SET status = 'resolved', status_at = now(), unit = 'parks' WHERE tracking_code = \(code)", logger: TestEnvironment.logger("pages"))
            let resolved = String(buffer: try await browser.get("/track/\(code)").body)
            #expect(resolved.contains("id=\"reopen-form\""))
            #expect(resolved.contains("id=\"unit\">سازمان بوستان‌ها"))
            // The history's entry (received, no unit) does not borrow the report's unit.
            let start = try #require(resolved.range(of: "<ol class=\"history\""))
            let end = try #require(resolved.range(of: "</ol>", range: start.upperBound..<resolved.endIndex))
            let history = resolved[start.lowerBound..<end.lowerBound]
            #expect(!history.contains("سازمان"))
            let wrong = try await browser.post("/track/\(code)/reopen", [("_csrf", csrf), ("secret", "00000000")])
            #expect(wrong.status == .forbidden)
            #expect(String(buffer: wrong.body).contains("id=\"reopen-error\""))
            let missing = try await browser.post("/track/\(code)/reopen", [("_csrf", csrf), ("secret", "")])
            #expect(missing.status == .forbidden)
            let reopened = try await browser.post("/track/\(code)/reopen", [("_csrf", csrf), ("secret", secret), ("note", "هنوز شکسته است")])
            #expect(reopened.status == .accepted)
            #expect(String(buffer: reopened.body).contains("id=\"reopen-notice\""))
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'reporter.status'") == 1)
        }
    }
}
