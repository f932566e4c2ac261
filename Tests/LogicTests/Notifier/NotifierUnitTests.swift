import BrokerTopology
import Contracts
import Foundation
import JalaliCalendar
import JSON
import NotifierService
import Testing

/// The notifier's pieces without servers: dates, templates, signatures, SMTP formatting, topic patterns.
@Suite("Notifier pieces")
struct NotifierUnitTests {
    @Test("Persian dates are Solar Hijri in Persian digits and Tehran time; English Gregorian")
    func dates() throws {
        let nowruz = try #require(MessageDates.parse("2025-03-21T08:30:00Z"))
        #expect(MessageDates.format(nowruz, language: "fa") == "۱۴۰۴/۰۱/۰۱ ساعت ۱۲:۰۰")
        #expect(MessageDates.format(nowruz, language: "en") == "21 March 2025, 12:00 (Tehran time)")
        // 21:00 UTC on 20 March is already 1404/01/01 in Tehran (00:30).
        #expect(MessageDates.format(rfc3339: "2025-03-20T21:00:00.000Z", language: "fa") == "۱۴۰۴/۰۱/۰۱ ساعت ۰۰:۳۰")
        #expect(MessageDates.format(rfc3339: "2025-09-23T06:00:00Z", language: "fa") == "۱۴۰۴/۰۷/۰۱ ساعت ۰۹:۳۰")
    }

    @Test("the shipped templates have every kind in both languages; placeholders fill")
    func templates() throws {
        let templates = try MessageTemplates.bundled()
        for kind in MessageTemplates.kinds {
            #expect(templates.template(kind, language: "fa") != nil)
            #expect(templates.template(kind, language: "en")?.text.isEmpty == false)
        }
        #expect(MessageTemplates.fill("code {tracking_code} at {x}", ["tracking_code": "42"]) == "code 42 at {x}")
        #expect(throws: NotifierError.self) { try MessageTemplates.parse(yaml: "version: 1\ntemplates: {received: {fa: {subject: a, text: b}}}") }
    }

    @Test("webhook signature: t and v1 as Stripe signs; a changed body, secret or old time fails")
    func signature() {
        let body = Array(#"{"id":"e1"}"#.utf8)
        let header = WebhookSignature.header(secret: "s3cret", timestamp: 1_700_000_000, body: body)
        #expect(header.hasPrefix("t=1700000000,v1="))
        #expect(header.count == "t=1700000000,v1=".count + 64)
        #expect(WebhookSignature.verify(header: header, secret: "s3cret", body: body, now: 1_700_000_010))
        #expect(!WebhookSignature.verify(header: header, secret: "other", body: body, now: 1_700_000_010))
        #expect(!WebhookSignature.verify(header: header, secret: "s3cret", body: body + [32], now: 1_700_000_010))
        #expect(!WebhookSignature.verify(header: header, secret: "s3cret", body: body, now: 1_700_001_000))
    }

    @Test("SMTP data: CRLF, dot-stuffing, RFC 2047 subject, UTF-8 plain text")
    func smtpData() {
        let data = String(decoding: SMTPMessage.data(
            from: "n@open137.example", to: "r@example.org", subject: "گزارش شما ثبت شد", body: "line one\n.hidden\n..two", messageID: "k1"), as: UTF8.self)
        #expect(data.contains("\r\n..hidden\r\n...two\r\n"))
        #expect(data.contains("Content-Type: text/plain; charset=utf-8\r\n"))
        #expect(data.contains("Subject: =?UTF-8?B?"))
        #expect(!data.contains("\n.hidden"))
        #expect(SMTPMessage.encodedHeader("plain") == "plain")
        let long = SMTPMessage.encodedHeader(String(repeating: "گزارش ", count: 20))
        #expect(long.components(separatedBy: "\r\n ").allSatisfy { $0.count <= 75 })
    }

    @Test("topic patterns as the broker's: * one word, # any")
    func patterns() {
        #expect(WebhookSubscription.matches(pattern: "report.*", type: "report.received"))
        #expect(WebhookSubscription.matches(pattern: "report.#", type: "report.status-changed"))
        #expect(WebhookSubscription.matches(pattern: "#", type: "report.escalated"))
        #expect(!WebhookSubscription.matches(pattern: "report.escalated", type: "report.routed"))
        #expect(!WebhookSubscription.matches(pattern: "unit.*", type: "report.routed"))
    }

    @Test("retry delays grow exponentially with jitter and stop at the cap")
    func backoff() {
        let policy = RetryPolicy(maxAttempts: 8, base: .seconds(2), cap: .seconds(60))
        for _ in 0..<20 {
            let first = policy.delay(afterAttempt: 1)
            #expect(first >= .seconds(1) && first <= .seconds(2))
            let fourth = policy.delay(afterAttempt: 4)
            #expect(fourth >= .seconds(8) && fourth <= .seconds(16))
            #expect(policy.delay(afterAttempt: 30) <= .seconds(60))
        }
    }

    @Test("a signature's hex is HMAC-SHA256 of \"<t>.<body>\" in lower case (value computed with Python's hmac)")
    func signatureVector() {
        let body = Array(#"{"id":"e1"}"#.utf8)
        #expect(WebhookSignature.hex(secret: "key", timestamp: 1_700_000_000, body: body) == "bef8ad98fc8bc281e228c29d99d0b38086051703dbf3bbb8b3fee5b801ad1976")
        #expect(NotificationPlan(eventID: "e", channel: .webhook, recipient: "u", subscriptionID: 1, subject: nil, body: "")
            .idempotencyKey.count == 64)
    }

    @Test("the reporter of report.received read from its data: language, contact, notify; a wrong shape is nil")
    func reporterFromReceived() throws {
        let id = "0B7C6E3A-55B1-4C1F-9A57-2E4C7D0F1A22"
        func data(_ extra: String) throws -> JSONValue {
            try JSONValue.parse(Array(#"{"report_id":"\#(id)","tracking_code":"1370000017",\#(extra)}"#.utf8))
        }
        let full = try #require(NotificationPlanner.reporter(received: try data(
            #""reporter":{"language":"en","notify":false},"contact":{"phone":"+989121234567","email":"a@b.example"}"#)))
        #expect(full == ReporterRecord(reportID: id.lowercased(), trackingCode: "1370000017", language: "en",
                                       phone: "+989121234567", email: "a@b.example", notify: false))
        let bare = try #require(NotificationPlanner.reporter(received: try data(#""reporter":{},"contact":null"#)))
        #expect(bare.language == "fa" && bare.phone == nil && bare.email == nil && bare.notify && !bare.reachable)
        #expect(NotificationPlanner.reporter(received: try data(#""reporter":{"notify":"no"}"#)) == nil)
        #expect(NotificationPlanner.reporter(received: try data(#""reporter":{},"contact":{"phone":5}"#)) == nil)
        #expect(NotificationPlanner.reporter(received: try data(#""contact":{}"#)) == nil)
        #expect(NotificationPlanner.reporter(received: try JSONValue.parse(Array(#"{"report_id":"x","tracking_code":"1","reporter":{}}"#.utf8))) == nil)
    }

    @Test("NOTIFIER_WEBHOOKS parses a list and refuses bad entries")
    func webhookList() {
        let list = WebhookSubscriptionRequest.parseList(#"[{"url": "https://cc.example/hook", "events": ["report.*"], "secret": "x"}, {"url": "http://a.example/b", "events": "report.escalated", "secret": "y"}]"#)
        #expect(list?.count == 2)
        #expect(list?.last?.events == ["report.escalated"])
        #expect(WebhookSubscriptionRequest.parseList(#"[{"url": "ftp://x", "events": ["a"], "secret": "s"}]"#) == nil)
        #expect(WebhookSubscriptionRequest.parseList(#"[{"url": "https://x.example", "events": [], "secret": "s"}]"#) == nil)
        #expect(WebhookSubscriptionRequest.parseList("not json") == nil)
    }
}

/// What webhook subscribers receive: events without the reporter's contact, free text masked.
@Suite("Webhook copies carry no personal data")
struct WebhookCopyTests {
    let canaryPhone = "09127775533"
    let canaryMail = "canary.reporter@example.org"

    var canaries: [String] { [canaryPhone, canaryMail, "Canary Reporter", #""contact""#] }

    func planner() throws -> NotificationPlanner {
        try NotifierStage.makePlanner(reporterChannels: [])
    }

    func webhookBodies(_ event: CloudEvent) throws -> [String] {
        let body = String(decoding: try event.encoded(), as: UTF8.self)
        let subscription = WebhookSubscription(id: 1, url: "http://127.0.0.1:1/hooks", events: ["report.*"], secret: "s")
        return try planner().plans(event: event, body: body, reporter: nil, subscriptions: [subscription]).map(\.body)
    }

    func receivedEvent() throws -> CloudEvent {
        try CloudEvent(
            source: ServiceName.intake.eventSource, type: EventType.reportReceived, subject: "3f0c3f5e-6a43-4f51-9d6e-2f1b0f3f9a10",
            payload: ReportReceivedData(
                reportID: "3f0c3f5e-6a43-4f51-9d6e-2f1b0f3f9a10", trackingCode: "1370000017", channel: "web",
                description: "تاب شکسته است، با من تماس بگیرید \(canaryPhone) یا \(canaryMail)", serviceCode: "CFC-PLAY",
                attributes: [:], location: nil, reporter: ReporterProfile(type: "parent", language: "fa"),
                contact: ReporterContact(name: "Canary Reporter", phone: canaryPhone, email: canaryMail), contactAllowed: false,
                mediaURLs: [], receivedAt: "2025-03-21T08:30:00Z"))
    }

    @Test("report.received: no contact member, no name, phone or e-mail anywhere; the rest of the event as sent")
    func receivedCopy() throws {
        let event = try receivedEvent()
        let bodies = try webhookBodies(event)
        #expect(bodies.count == 1)
        let body = try #require(bodies.first)
        for canary in canaries { #expect(!body.contains(canary), "\(canary) in \(body)") }
        let copy = try CloudEvent.decode(Array(body.utf8))
        #expect(copy.id == event.id && copy.type == event.type && copy.subject == event.subject)
        #expect(copy.data["tracking_code"]?.stringValue == "1370000017")
        #expect(copy.data["description"]?.stringValue?.contains("[phone]") == true)
    }

    @Test("report.classified: the report inside it loses its contact too")
    func classified() throws {
        let received = try receivedEvent()
        var classified = received
        classified.type = EventType.reportClassified
        let classification: JSONValue = .object(["service_code": .string("CFC-PLAY")])
        classified.data = JSONValue.object(["report": received.data, "classification": classification])
        let body = try #require(try webhookBodies(classified).first)
        for canary in canaries { #expect(!body.contains(canary), "\(canary) in \(body)") }
        #expect(try CloudEvent.decode(Array(body.utf8)).data["classification"]?["service_code"]?.stringValue == "CFC-PLAY")
    }

    @Test("an event with nothing personal goes out byte for byte; a unit's note quoting a number is masked")
    func statusEvents() throws {
        let plain = CloudEvent(source: "/open137/router", type: EventType.reportStatusChanged, subject: "r",
                               data: .object(["report_id": .string("r"), "unit": .string("parks"), "status": .string("resolved"), "note": .string("fixed")]))
        let plainBody = String(decoding: try plain.encoded(), as: UTF8.self)
        #expect(try webhookBodies(plain) == [plainBody])
        let quoting = CloudEvent(source: "/open137/router", type: EventType.reportStatusChanged, subject: "r",
                                 data: .object(["report_id": .string("r"), "unit": .string("parks"), "status": .string("resolved"),
                                                 "note": .string("called \(canaryPhone)")]))
        let body = try #require(try webhookBodies(quoting).first)
        #expect(!body.contains(canaryPhone) && body.contains("[phone]"))
    }
}
