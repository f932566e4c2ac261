import Foundation
@testable import IntakeService
import JSON
import StaffAccounts
import Testing
import WebAPI
import WebPages

/// The pages' rules that need no server: the language, digits and dates, the sign-in lock, roles,
/// redirects, and how a browser's form becomes the API's submission and its errors come back.
@Suite("Pages: language, dates, sign-in rules, forms") struct PagesLogicTests {
    @Test("Persian unless English is asked for: the switch, then the cookie, then Accept-Language")
    func language() {
        #expect(PageLanguage.negotiate(query: nil, cookie: nil, acceptLanguage: nil) == .fa)
        #expect(PageLanguage.negotiate(query: nil, cookie: nil, acceptLanguage: "en-GB,en;q=0.9") == .en)
        #expect(PageLanguage.negotiate(query: nil, cookie: nil, acceptLanguage: "de-DE, fa;q=0.8, en;q=0.5") == .fa)
        #expect(PageLanguage.negotiate(query: nil, cookie: "en", acceptLanguage: "fa") == .en)
        #expect(PageLanguage.negotiate(query: "fa", cookie: "en", acceptLanguage: "en") == .fa)
        #expect(PageLanguage.negotiate(query: "xx", cookie: "yy", acceptLanguage: "de") == .fa)
        #expect(PageLanguage.fa.digits("District 12, 1405") == "District ۱۲, ۱۴۰۵")
        #expect(PageLanguage.en.digits("12") == "12")
        #expect(PageLanguage.fa.direction == "rtl" && PageLanguage.en.direction == "ltr")
    }

    @Test("dates are Solar Hijri in Tehran's time, with Persian month names and digits in Persian")
    func dates() throws {
        let date = try Date("2026-12-05T09:45:53Z", strategy: .iso8601)
        #expect(SolarHijriFormat.dateTime(date, .fa) == "۱۴ آذر ۱۴۰۵، ساعت ۱۳:۱۵")
        #expect(SolarHijriFormat.dateTime(date, .en) == "14 Azar 1405, 13:15")
        // Nowruz: 1 Farvardin 1405 is 21 March 2026; 20:30 UTC on the 20th is already the 21st in Tehran.
        #expect(SolarHijriFormat.date(try Date("2026-03-20T20:30:00Z", strategy: .iso8601), .en) == "1 Farvardin 1405")
    }

    @Test("wrong passwords: four are free, then each locks twice as long, up to fifteen minutes")
    func throttle() {
        #expect((0...4).map(SignInThrottle.lockSeconds) == [0, 0, 0, 0, 0])
        #expect(SignInThrottle.lockSeconds(afterFailures: 5) == 15)
        #expect(SignInThrottle.lockSeconds(afterFailures: 6) == 30)
        #expect(SignInThrottle.lockSeconds(afterFailures: 9) == 240)
        #expect(SignInThrottle.lockSeconds(afterFailures: 12) == 900)
        #expect(SignInThrottle.lockSeconds(afterFailures: 10_000) == 900)
    }

    @Test("roles and usernames: the stored forms round-trip; anything else is refused")
    func roles() throws {
        for text in ["operator", "council", "admin", "unit:parks", "unit:social-affairs"] {
            #expect(StaffRole(text)?.description == text)
        }
        for text in ["", "mayor", "unit:", "unit:Parks", "unit:parks;drop", "Operator"] {
            #expect(StaffRole(text) == nil, "\(text) parsed")
        }
        #expect(try StaffDirectory.checkedUsername("Op.One_2") == "op.one_2")
        #expect(throws: StaffAccountsError.self) { try StaffDirectory.checkedUsername("a") }
        #expect(throws: StaffAccountsError.self) { try StaffDirectory.checkedUsername("مریم") }
        #expect(throws: StaffAccountsError.self) { try StaffDirectory.checkedRoles([]) }
    }

    @Test("after sign-in only a path on this site is followed; CSRF tokens compare whole")
    func redirectsAndTokens() {
        #expect(StaffGate.safeReturnPath("/staff/today") == "/staff/today")
        for bad in ["//evil.example/", "https://evil.example/", "/\\evil.example", "staff", nil] {
            #expect(StaffGate.safeReturnPath(bad) == nil)
        }
        #expect(FormToken.constantTimeEqual("abc", "abc"))
        #expect(!FormToken.constantTimeEqual("abc", "abd"))
        #expect(!FormToken.constantTimeEqual("abc", "abcd"))
    }

    @Test("a form becomes the API's submission: blanks left out, Persian digits read, lat and long only together")
    func formSubmission() {
        var form = ReportForm()
        form.description = " تاب شکسته "
        form.district = "۱۲"
        form.address = "  "
        form.phone = "۰۹۱۲ ۱۲۳ ۴۵۶۷"
        form.lat = "35.7"
        form.contact_allowed = "yes"
        guard case .object(let fields) = form.submission(channel: "web") else { Issue.record("not an object"); return }
        #expect(fields["channel"] == .string("web"))
        #expect(fields["service_code"] == nil)
        #expect(fields["location"] == .object(["district": .number(12)]))
        #expect(fields["reporter"] == .object(["phone": .string("۰۹۱۲ ۱۲۳ ۴۵۶۷")]))
        #expect(fields["contact_allowed"] == .bool(true))
        // Not a number: passed on as text, so the validator names the field.
        #expect(ReportForm.number("دوازده") == .string("دوازده"))
        #expect(ReportForm.latinDigits(" ۱۲۳٤ ") == "1234")
    }

    @Test("the validator's problems land beside the form's fields, in the page's language")
    func fieldErrors() {
        let problems = [
            FieldProblem(field: "location.district", code: "required", message: "an address needs its district (1 to 22)"),
            FieldProblem(field: "reporter.phone", code: "invalid-phone", message: "an Iranian mobile number"),
            FieldProblem(field: "attributes.equipment", code: "invalid-value", message: "must be one of swing"),
        ]
        let fa = PageFieldErrors(problems, language: .fa)
        #expect(fa["district"]?.contains("شهرداری") == true)
        #expect(fa["phone"]?.contains("۰۹۱۲") == true)
        #expect(fa["service_code"] != nil)
        #expect(PageFieldErrors(problems, language: .en)["phone"] == "Give an Iranian mobile number, such as 09121234567.")
        #expect(PageFieldErrors().isEmpty)
    }
}
