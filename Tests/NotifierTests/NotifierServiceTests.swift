import BrokerTopology
import Contracts
import JSON
import ServiceHosting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Logging
import Messaging
import NotifierService
import PostgresNIO
import ReporterSecret
import ServiceLifecycle
import TestSupport
import Testing

/// The whole notifier against the real broker and database, a real SMTP server (aiosmtpd) and a
/// Hummingbird SMS gateway and webhook receiver on loopback.
@Suite("Notifier service end to end", .serialized, .timeLimit(.minutes(5)))
struct NotifierServiceTests {
    /// A mobile number no earlier run used (the per-recipient rate limit remembers an hour), ending in `suffix`.
    static func phone(_ suffix: String) -> String {
        "+98912\(Int.random(in: 1000...9999))\(suffix)"
    }

    /// Runs loopback servers, aiosmtpd and the notifier until `body` returns.
    func withNotifier(
        also extra: (_ servers: LoopbackServers) throws -> [String: String] = { _ in [:] },
        _ body: @Sendable (LoopbackServers, SMTPSink) async throws -> Void
    ) async throws {
        let servers = try LoopbackServers()
        let smtp = try SMTPSink.start()
        defer { smtp.stop() }
        let serving = Task { try await servers.run() }
        defer { serving.cancel() }
        try await clearSubscriptions()
        let opsPort = try freePort()
        let webhooks = #"[{"url": "http://127.0.0.1:\#(servers.port)/hooks", "events": ["report.*"], "secret": "\#(LoopbackServers.webhookSecret)"}, {"url": "http://127.0.0.1:\#(servers.port)/hooks", "events": ["report.escalated"], "secret": "a-wrong-secret"}]"#
        let environment = [
            "AMQP_URL": try TestEnvironment.amqpURL(), "DATABASE_URL": try TestEnvironment.databaseURL(), "OPS_PORT": String(opsPort),
            "NOTIFIER_SMS_URL": "http://127.0.0.1:\(servers.port)/sms", "NOTIFIER_SMS_KEY": LoopbackServers.gatewayKey,
            "NOTIFIER_SMTP_HOST": "127.0.0.1", "NOTIFIER_SMTP_PORT": String(smtp.port), "NOTIFIER_SMTP_FROM": "notify@open137.example",
            "NOTIFIER_WEBHOOKS": webhooks, "NOTIFIER_RETRY_BASE_MS": "200", "NOTIFIER_MAX_ATTEMPTS": "3",
            "OPEN137_REOPEN_KEY": TestEnvironment.reopenKey,
        ]
        var config = EnvironmentConfig(environment: environment.merging(try extra(servers)) { $1 })
        let common = ServiceConfiguration(reading: &config, defaultOpsPort: 1)
        let settings = NotifierSettings(reading: &config)
        try config.validate()
        let setup = ServiceSetup(name: NotifierStage.name, configuration: common, settings: settings,
                                 logger: TestEnvironment.logger("notifier"), registry: MetricsBootstrap.bootstrap())
        let group = try NotifierStage.build(setup, gracefulShutdownSignals: [])
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await withTimeout(.seconds(90), "notifier to report ready") {
            while true {
                if let status = try? await Self.status("http://127.0.0.1:\(opsPort)/ready"), status == 200 { return }
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        try await body(servers, smtp)
        await group.triggerGracefulShutdown()
        try await withTimeout(.seconds(30), "notifier to shut down") { try await running.value }
    }

    private static func status(_ url: String) async throws -> Int {
        let (_, response) = try await URLSession.shared.data(from: URL(string: url)!)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    /// Earlier runs' subscriptions point at servers that are gone.
    private func clearSubscriptions() async throws {
        try await withDatabase { client, logger in
            try await client.query("CREATE SCHEMA IF NOT EXISTS notifier", logger: logger)
            try await client.query(
                "DO $$ BEGIN IF to_regclass('notifier.webhook_subscriptions') IS NOT NULL THEN DELETE FROM notifier.webhook_subscriptions; END IF; END $$",
                logger: logger)
        }
    }

    /// Runs `body` with a client of the test database (no schema on the search path).
    func withDatabase<T: Sendable>(_ body: @Sendable (PostgresClient, Logger) async throws -> T) async throws -> T {
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw TimedOut(what: "a usable DATABASE_URL") }
        let logger = TestEnvironment.logger("notifier-tests")
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { await client.run(); return nil }
            defer { group.cancelAll() }
            return try await body(client, logger)
        }
    }

    /// (channel, status, attempts, last_error) of the report's notifications.
    func notifications(_ reportID: String) async throws -> [(channel: String, status: String, attempts: Int, error: String?)] {
        try await withDatabase { client, logger in
            let rows = try await client.query(
                "SELECT channel, status, attempts, last_error FROM notifier.notifications WHERE report_id = \(UUID(uuidString: reportID)!) ORDER BY id",
                logger: logger)
            var result: [(channel: String, status: String, attempts: Int, error: String?)] = []
            for try await (channel, status, attempts, error) in rows.decode((String, String, Int32, String?).self) {
                result.append((channel, status, Int(attempts), error))
            }
            return result
        }
    }

    /// Publishes `event` to the events exchange with a confirm.
    func publish(_ event: CloudEvent) async throws {
        let publisher = AMQPPublisher(configuration: try TestEnvironment.amqpConfiguration(name: "notifier-test"), topology: Topology(exchanges: Open137Topology.exchanges), logger: TestEnvironment.logger("publisher"))
        publisher.start()
        let message = try event.message(exchange: Open137Topology.eventsExchange)
        let result = await publisher.publish([message])
        await publisher.close()
        try result[0].get()
    }

    /// A `report.received` event with this contact (none when both are nil), optionally with `reporter.notify`.
    func received(phone: String?, email: String?, language: String = "fa", notify: Bool? = nil) throws -> CloudEvent {
        let reportID = UUID().uuidString.lowercased()
        let report = ReportReceivedData(
            reportID: reportID, trackingCode: "1370000017", channel: "web", description: "تاب پارک شکسته است", serviceCode: "CFC-PLAY",
            attributes: [:], location: nil, reporter: ReporterProfile(type: "parent", language: language),
            contact: phone == nil && email == nil ? nil : ReporterContact(name: "Sara", phone: phone, email: email), contactAllowed: false,
            mediaURLs: [], receivedAt: "2025-03-21T08:30:00Z")
        var event = try CloudEvent(source: ServiceName.intake.eventSource, type: EventType.reportReceived, subject: reportID, payload: report)
        if let notify, case .object(var data) = event.data, case .object(var reporter)? = data["reporter"] {
            reporter["notify"] = .bool(notify)
            data["reporter"] = .object(reporter)
            event.data = .object(data)
        }
        return event
    }

    /// Waits until `condition` holds, polling every 100 ms.
    func eventually(_ what: String, timeout: Duration = .seconds(30), _ condition: @escaping @Sendable () async throws -> Bool) async throws {
        try await withTimeout(timeout, what) {
            while try await !condition() { try await Task.sleep(for: .milliseconds(100)) }
        }
    }

    @Test("report.received: one SMS and one e-mail in Persian with the Jalali date, and a signed webhook; a redelivery sends nothing more")
    func receivedOnce() async throws {
        let sara = Self.phone("567")
        let mail = "sara-\(UUID().uuidString.prefix(8))@example.org"
        try await withNotifier { servers, smtp in
            let event = try received(phone: sara, email: mail)
            try await publish(event)
            try await publish(event)  // the broker redelivers the same event id
            try await eventually("SMS, e-mail and webhook") {
                let sms = await servers.recorder.requests(path: "/sms", containing: sara)
                let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" && $0.headers["open137-event-id"] == event.id }
                return !sms.isEmpty && !hooks.isEmpty && !smtp.messages().filter { $0.contains(mail) }.isEmpty
            }
            // Let a duplicate (if any) arrive before counting.
            try await Task.sleep(for: .seconds(2))
            let rows = try await notifications(event.subject!)
            #expect(rows.map(\.channel).sorted() == ["email", "sms", "webhook"])
            #expect(rows.allSatisfy { $0.status == "sent" })

            let sms = await servers.recorder.requests.filter { $0.path == "/sms" && String(decoding: $0.body, as: UTF8.self).contains(sara) }
            #expect(sms.count == 1)
            let text = String(decoding: sms.first?.body ?? [], as: UTF8.self)
            let payload = try JSONValue.parse(Array(text.utf8))
            guard case .object(let members) = payload, case .string(let smsText)? = members["text"] else { Issue.record("no SMS text"); return }
            #expect(smsText.contains("۱۴۰۴/۰۱/۰۱ ساعت ۱۲:۰۰"))
            #expect(smsText.contains("کد پیگیری: 1370000017"))
            // The reporter's reopen secret (intake's derivation), in Persian digits.
            let secret = try #require(ReopenSecret(key: TestEnvironment.reopenKey)).secret(forReport: event.subject!)
            #expect(smsText.contains(MessageDates.persianDigits(secret)))
            #expect(sms.first?.headers["idempotency-key"]?.count == 64)

            let mails = smtp.messages().filter { $0.contains(mail) }
            #expect(mails.count == 1)
            let mail = mails.first ?? ""
            #expect(mail.contains("Content-Type: text/plain; charset=utf-8"))
            #expect(mail.contains("Subject: =?UTF-8?B?"))
            #expect(mail.contains("۱۴۰۴/۰۱/۰۱"))

            let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" && $0.headers["open137-event-id"] == event.id }
            #expect(hooks.count == 1)
            #expect(hooks.first?.status == 204)
            #expect(hooks.first.map { (try? CloudEvent.decode($0.body))?.id } == event.id)
            // The subscriber gets the report without the reporter's contact (contact_allowed was false, and
            // a webhook is never the reporter's channel anyway).
            let hookBody = String(decoding: hooks.first?.body ?? [], as: UTF8.self)
            #expect(!hookBody.contains(sara) && !hookBody.contains(mail) && !hookBody.contains("Sara") && !hookBody.contains(#""contact""#))
            #expect(hookBody.contains("تاب پارک شکسته است"))
        }
    }

    @Test("routed in English (Gregorian date, unit name); gateway 500 then 200 → one SMS after a retry; 400 → failed with the reason")
    func retriesAndFailures() async throws {
        let (englishPhone, flakyPhone, refusedPhone) = (Self.phone("000"), Self.phone("500"), Self.phone("400"))
        try await withNotifier { servers, _ in
            let english = try received(phone: englishPhone, email: nil, language: "en")
            let flaky = try received(phone: flakyPhone, email: nil)
            let refused = try received(phone: refusedPhone, email: nil)
            for event in [english, flaky, refused] { try await publish(event) }
            let routed = try CloudEvent(
                source: ServiceName.router.eventSource, type: EventType.reportRouted, subject: english.subject,
                payload: ReportRoutedData(
                    reportID: english.subject!, trackingCode: "1370000017", serviceCode: "CFC-PLAY", childFriendly: true, priority: "P1",
                    unit: "parks", district: "05", deadline: "2025-03-24T08:30:00Z", channel: "web", reporterType: "parent",
                    receivedAt: "2025-03-21T08:30:00Z", triage: false))
            try await publish(routed)

            try await eventually("the English routed SMS") {
                await !servers.recorder.requests(path: "/sms", containing: "Parks and Green Space Organization").isEmpty
            }
            let routedSMS = await servers.recorder.requests(path: "/sms", containing: "Parks and Green Space Organization")
            #expect(String(decoding: routedSMS[0].body, as: UTF8.self).contains("24 March 2025, 12:00 (Tehran time)"))

            try await eventually("the flaky gateway's retry") {
                try await notifications(flaky.subject!).first { $0.channel == "sms" }?.status == "sent"
            }
            let flakyRow = try #require(try await notifications(flaky.subject!).first { $0.channel == "sms" })
            #expect(flakyRow.attempts == 2)
            let flakyCalls = await servers.recorder.requests.filter { $0.path == "/sms" && String(decoding: $0.body, as: UTF8.self).contains(flakyPhone) }
            #expect(flakyCalls.map(\.status) == [500, 200])
            #expect(Set(flakyCalls.compactMap { $0.headers["idempotency-key"] }).count == 1)

            try await eventually("the refused SMS to fail") {
                try await notifications(refused.subject!).first { $0.channel == "sms" }?.status == "failed"
            }
            let refusedRow = try #require(try await notifications(refused.subject!).first { $0.channel == "sms" })
            #expect(refusedRow.attempts == 1)
            #expect(refusedRow.error?.contains("rejected: HTTP 400") == true)
            #expect(refusedRow.error?.contains("number not allowed") == true)
        }
    }

    @Test("no contact, or opted out → no SMS or e-mail (the webhook still gets the event); a bad signature is refused by the receiver")
    func respectsTheReporter() async throws {
        let outPhone = Self.phone("770")
        try await withNotifier { servers, smtp in
            let anonymous = try received(phone: nil, email: nil)
            let optedOut = try received(phone: outPhone, email: "out@example.org", notify: false)
            try await publish(anonymous)
            try await publish(optedOut)
            let escalated = try CloudEvent(
                source: ServiceName.councilAudit.eventSource, type: EventType.reportEscalated, subject: anonymous.subject,
                payload: ReportEscalatedData(reportID: anonymous.subject!, level: 3, unit: "parks", deadline: "2025-03-24T08:30:00Z",
                                             overdueHours: 80, escalatedAt: "2025-03-27T16:30:00Z"))
            try await publish(escalated)
            try await eventually("the webhooks of both reports and the escalation") {
                let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" }.compactMap { $0.headers["open137-event-id"] }
                return hooks.contains(anonymous.id) && hooks.contains(optedOut.id) && hooks.filter { $0 == escalated.id }.count == 2
            }
            try await Task.sleep(for: .seconds(1))
            // received to report.*, escalated to report.* and to report.escalated: webhooks only.
            #expect(try await notifications(anonymous.subject!).map(\.channel) == ["webhook", "webhook", "webhook"])
            #expect(try await notifications(optedOut.subject!).map(\.channel) == ["webhook"])
            #expect(await servers.recorder.requests(path: "/sms", containing: outPhone).isEmpty)
            #expect(smtp.messages().filter { $0.contains("out@example.org") }.isEmpty)
            // The subscription with the wrong secret: the receiver refused it (401), which is permanent.
            let statuses = await servers.recorder.requests.filter { $0.headers["open137-event-id"] == escalated.id }.map(\.status).sorted()
            #expect(statuses == [204, 401])
            try await eventually("the refused webhook to be failed") {
                let failed = try await withDatabase { client, logger in
                    let rows = try await client.query(
                        "SELECT count(*) FROM notifier.notifications WHERE event_id = \(escalated.id) AND status = 'failed' AND last_error LIKE 'rejected: HTTP 401%'",
                        logger: logger)
                    var count = 0
                    for try await value in rows.decode(Int.self) { count = value }
                    return count
                }
                return failed == 1
            }
        }
    }

    @Test("a status change before report.received is stored is retried, then sent once the reporter is known")
    func statusBeforeReceived() async throws {
        let laterPhone = Self.phone("880")
        try await withNotifier { servers, _ in
            let report = try received(phone: laterPhone, email: nil)
            let resolved = try CloudEvent(
                source: ServiceName.router.eventSource, type: EventType.reportStatusChanged, subject: report.subject,
                payload: ReportStatusChangedData(reportID: report.subject!, unit: "parks", fromStatus: "in_progress", status: "resolved",
                                                 note: "تاب تعمیر شد", reason: nil, at: "2025-03-22T10:00:00Z", by: "parks"))
            try await publish(resolved)
            try await Task.sleep(for: .seconds(1))
            #expect(try await notifications(report.subject!).isEmpty)
            try await publish(report)
            try await eventually("the resolved SMS after the retry", timeout: .seconds(40)) {
                await !servers.recorder.requests(path: "/sms", containing: "تاب تعمیر شد").isEmpty
            }
            #expect(await servers.recorder.requests(path: "/sms", containing: laterPhone).count == 2)
        }
    }
}
