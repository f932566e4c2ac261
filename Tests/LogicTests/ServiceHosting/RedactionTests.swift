import Logging
@testable import ServiceHosting
import Testing


/// Removing phone numbers, e-mail addresses and URL passwords from log text.
@Suite("Redaction", .timeLimit(.minutes(1)))
struct RedactionTests {
    @Test(
        "Iranian phone numbers are redacted in every common form",
        arguments: [
            "09121234567",
            "0912 123 4567",
            "0912-123-4567",
            "+989121234567",
            "+98 912 123 4567",
            "+98 0912 123 4567",
            "00989121234567",
            "0098 912 123 4567",
            "989121234567",
            "02188887777",
            "021 8888 7777",
            "+98 21 8888 7777",
            "۰۹۱۲۱۲۳۴۵۶۷",
            "۰۹۱۲ ۱۲۳ ۴۵۶۷",
            "+۹۸۹۱۲۱۲۳۴۵۶۷",
            "٠٩١٢١٢٣٤٥٦٧",
            "۰۰۹۸۹۱۲۱۲۳۴۵۶۷",
        ]
    )
    func phoneForms(number: String) {
        #expect(Redaction.redactPhoneNumbers("call \(number) now") == "call [phone] now")
        #expect(Redaction.redactPhoneNumbers(number) == "[phone]")
        #expect(Redaction.redact("tel:\(number),") == "tel:[phone],")
    }

    @Test("phone numbers inside Persian text are redacted")
    func persianText() {
        #expect(Redaction.redactPhoneNumbers("شماره تماس: ۰۹۱۲۱۲۳۴۵۶۷ است") == "شماره تماس: [phone] است")
        #expect(Redaction.redactPhoneNumbers("تلفن۰۹۱۲۱۲۳۴۵۶۷") == "تلفن[phone]")
    }

    @Test(
        "numbers that are not phone numbers are kept",
        arguments: [
            "order 12345",
            "0912123456",  // ten digits: too short
            "091212345678",  // twelve digits: too long
            "00121234567",  // 0 then 0: no such area code
            "id a09121234567 x",  // inside an identifier
            "event 550e8400-e29b-41d4-a716-09121234567a",
            "port 5672 and 2024-05-01",
            "+1 212 555 0100",
        ]
    )
    func nonPhones(text: String) {
        #expect(Redaction.redactPhoneNumbers(text) == text)
    }

    @Test("several numbers in one string are all redacted")
    func severalNumbers() {
        let text = "from 09121234567 to +98 21 8888 7777, and 0912 123 4567 2 times"
        #expect(Redaction.redactPhoneNumbers(text) == "from [phone] to [phone], and [phone] 2 times")
    }

    @Test(
        "e-mail addresses are redacted",
        arguments: [
            ("reporter a.b+c@example.org wrote", "reporter [email] wrote"),
            ("<Mina_R@mail.tehran.ir>", "<[email]>"),
            ("two: x@y.io, z@w.com.", "two: [email], [email]."),
            ("no address @ here", "no address @ here"),
            ("user@localhost", "user@localhost"),
            ("amqp://guest@rabbit.example.com/vhost", "amqp://guest@rabbit.example.com/vhost"),
        ]
    )
    func emails(input: String, expected: String) {
        #expect(Redaction.redactEmailAddresses(input) == expected)
    }

    @Test(
        "URL passwords are replaced with ***, the user kept",
        arguments: [
            ("amqp://user:pass@host:5672/", "amqp://user:***@host:5672/"),
            ("connect amqps://guest:s3cr%40t@broker/ failed", "connect amqps://guest:***@broker/ failed"),
            ("postgres://app:p@ss@db:5432/open137", "postgres://app:***@db:5432/open137"),
            ("postgresql://postgres@127.0.0.1:5433/open137", "postgresql://postgres@127.0.0.1:5433/open137"),
            ("https://example.org/a:b@c", "https://example.org/a:b@c"),
            ("a=amqp://u:x@h b=postgres://v:y@k", "a=amqp://u:***@h b=postgres://v:***@k"),
            ("no url here: a:b@c", "no url here: a:b@c"),
        ]
    )
    func urlCredentials(input: String, expected: String) {
        #expect(Redaction.redactURLCredentials(input) == expected)
    }

    @Test("redact() applies every redaction, and URL users are not mistaken for e-mail addresses")
    func everything() {
        let text = "amqp://guest:guest@broker.example.com/ reporter mina@example.ir +989121234567"
        #expect(Redaction.redact(text) == "amqp://guest:***@broker.example.com/ reporter [email] [phone]")
    }

    @Test("log metadata is redacted recursively")
    func metadata() {
        let metadata: Logger.Metadata = [
            "phone": "09121234567",
            "nested": ["email": "a@b.ir", "list": ["amqp://u:p@h/", "plain"]],
            "count": .stringConvertible(3),
        ]
        let redacted = Redaction.redact(metadata)
        #expect(redacted["phone"] == "[phone]")
        #expect(redacted["nested"] == ["email": "[email]", "list": ["amqp://u:***@h/", "plain"]])
        #expect(redacted["count"] == "3")
    }
}
