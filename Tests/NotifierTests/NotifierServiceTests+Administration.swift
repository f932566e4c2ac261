import BrokerTopology
import Contracts
import JSON
import ServiceHosting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import IntakeService
import NotifierService
import ServiceLifecycle
import TestSupport
import Testing

/// `open137 webhooks` (the built CLI) against a running notifier, and the reporter's opt-out through
/// intake's HTTP API. In the end-to-end suite: they run a notifier, which must not compete with another's.
extension NotifierServiceTests {
    /// The output and exit status of the built `open137` with `arguments` (DATABASE_URL of the test stack).
    func open137(_ arguments: String...) async throws -> (status: Int32, output: String, errors: String) {
        try await open137(arguments: arguments)
    }

    /// The output and exit status of the built `open137` with `arguments`.
    func open137(arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
        let executable = folder.appendingPathComponent("open137").path
        guard FileManager.default.isExecutableFile(atPath: executable) else { throw TimedOut(what: "the built open137 at \(executable)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = try TestEnvironment.databaseURL()
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Polling, not waitUntilExit (which can hang inside a test's async context on Linux); the output is small.
        try await withTimeout(.seconds(60), "open137 \(arguments.joined(separator: " "))") {
            while process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        }
        return (process.terminationStatus,
                String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self),
                String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test("open137 webhooks add/list/remove: a subscription added while the notifier runs gets the next events (signed), list shows no secret, removed gets nothing more; bad URL, pattern or secret refused naming it")
    func webhooksCommand() async throws {
        let refusals: [([String], String)] = [
            (["webhooks", "add", "ftp://127.0.0.1/hooks", "--events", "report.*", "--secret", "s"], "URL"),
            (["webhooks", "add", "http://", "--events", "report.*", "--secret", "s"], "URL"),
            (["webhooks", "add", "http://127.0.0.1/hooks", "--events", "report..received", "--secret", "s"], "--events"),
            (["webhooks", "add", "http://127.0.0.1/hooks", "--events", "report.rec*", "--secret", "s"], "--events"),
            (["webhooks", "add", "http://127.0.0.1/hooks", "--events", "report.*", "--secret", ""], "--secret"),
            (["webhooks", "remove", "not-an-id"], "subscription id"),
        ]
        for (arguments, named) in refusals {
            let result = try await open137(arguments: arguments)
            #expect(result.status != 0, "\(arguments)")
            #expect(result.errors.contains(named), "\(arguments): \(result.errors)")
        }
        try await withNotifier { servers, _ in
            let url = "http://127.0.0.1:\(servers.port)/hooks/cli"
            let added = try await open137("webhooks", "add", url, "--events", "report.received,report.routed", "--secret", "first-secret")
            #expect(added.status == 0, "\(added.errors)")
            #expect(added.output.contains("added: \(url) events report.received,report.routed"))
            let id = try #require(added.output.split(separator: " ").dropFirst().first.flatMap { Int($0) })
            // The same URL and patterns again: the secret is replaced (the receiver checks the test secret).
            let replaced = try await open137("webhooks", "add", url, "--events", "report.received", "--events", "report.routed",
                                             "--secret", LoopbackServers.webhookSecret)
            #expect(replaced.output.contains("webhook \(id) exists") && replaced.output.contains("secret replaced"), "\(replaced.output)")

            let listed = try await open137("webhooks", "list")
            #expect(listed.status == 0)
            #expect(listed.output.contains("\(id)\t\(url)\treport.received,report.routed\t"))
            #expect(!listed.output.contains(LoopbackServers.webhookSecret) && !listed.output.contains("first-secret"))

            // The running notifier re-reads subscriptions within a second.
            try await Task.sleep(for: .milliseconds(1_500))
            let first = try received(phone: nil, email: nil)
            try await publish(first)
            try await eventually("the new subscription's webhook") {
                await servers.recorder.requests.contains { $0.path == "/hooks/cli" && $0.headers["open137-event-id"] == first.id }
            }
            let delivered = await servers.recorder.requests.filter { $0.path == "/hooks/cli" && $0.headers["open137-event-id"] == first.id }
            #expect(delivered.map(\.status) == [204])

            let removed = try await open137("webhooks", "remove", String(id))
            #expect(removed.status == 0)
            #expect(removed.output.contains("webhook \(id) removed: \(url)"))
            let again = try await open137("webhooks", "remove", url)
            #expect(again.status != 0)
            #expect(again.errors.contains("no webhook subscription to \(url)"))
            #expect(!(try await open137("webhooks", "list")).output.contains(url))

            try await Task.sleep(for: .milliseconds(1_500))
            let second = try received(phone: nil, email: nil)
            try await publish(second)
            // The environment's report.* subscription gets it; the removed one does not.
            try await eventually("the environment subscription's webhook") {
                await servers.recorder.requests.contains { $0.path == "/hooks" && $0.headers["open137-event-id"] == second.id }
            }
            try await Task.sleep(for: .seconds(1))
            #expect(await !servers.recorder.requests.contains { $0.path == "/hooks/cli" && $0.headers["open137-event-id"] == second.id })
        }
    }

    @Test("a report POSTed to intake with reporter.notify false and a phone: no SMS (the webhook still fires); without it: the SMS")
    func optOutThroughIntake() async throws {
        let (outPhone, inPhone) = (Self.phone("771"), Self.phone("772"))
        let apiKey = "notifier-opt-out-test-key-0123456789"
        let intakePort = try freePort()
        let intakeOps = try freePort()
        try await withNotifier { servers, _ in
            var config = EnvironmentConfig(environment: [
                "AMQP_URL": try TestEnvironment.amqpURL(), "DATABASE_URL": try TestEnvironment.databaseURL(),
                "OPS_PORT": String(intakeOps), "INTAKE_PORT": String(intakePort), "OPEN137_API_KEY": apiKey,
                "OPEN137_REOPEN_KEY": TestEnvironment.reopenKey,
            ])
            let common = ServiceConfiguration(reading: &config, defaultOpsPort: 1)
            let settings = IntakeSettings(reading: &config)
            try config.validate()
            let intake = try IntakeStage.build(
                ServiceSetup(name: IntakeStage.name, configuration: common, settings: settings,
                             logger: TestEnvironment.logger("intake"), registry: MetricsBootstrap.bootstrap()),
                gracefulShutdownSignals: [])
            let running = Task { try await intake.run() }
            defer { running.cancel() }
            try await eventually("intake to report ready", timeout: .seconds(60)) {
                let answer = try? await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(intakeOps)/ready")!)
                return (answer?.1 as? HTTPURLResponse)?.statusCode == 200
            }
            func submit(_ reporter: String) async throws -> (status: Int, body: JSONValue) {
                var request = URLRequest(url: URL(string: "http://127.0.0.1:\(intakePort)/api/v1/reports")!)
                request.httpMethod = "POST"
                request.setValue("Bearer \(apiKey)", forHTTPHeaderField: "Authorization")
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(#"{"channel":"web","description":"تاب پارک شکسته است","location":{"address":"پارک لاله","district":6},"reporter":\#(reporter)}"#.utf8)
                let (data, response) = try await URLSession.shared.data(for: request)
                return ((response as? HTTPURLResponse)?.statusCode ?? 0, try JSONValue.parse(Array(data)))
            }
            let mistyped = try await submit(#"{"phone":"\#(outPhone)","notify":"no"}"#)
            #expect(mistyped.status == 400)
            #expect("\(mistyped.body)".contains("reporter.notify"))

            let optedOut = try await submit(#"{"phone":"\#(outPhone)","notify":false}"#)
            let optedIn = try await submit(#"{"phone":"\#(inPhone)","language":"en"}"#)
            #expect(optedOut.status == 201 && optedIn.status == 201)
            let outID = try #require(optedOut.body["report_id"]?.stringValue)
            let inID = try #require(optedIn.body["report_id"]?.stringValue)
            try await eventually("both reports' webhooks and the opted-in SMS") {
                let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" }.map { String(decoding: $0.body, as: UTF8.self) }
                let sms = await servers.recorder.requests(path: "/sms", containing: inPhone)
                return hooks.contains { $0.contains(outID) } && hooks.contains { $0.contains(inID) } && !sms.isEmpty
            }
            try await Task.sleep(for: .seconds(1))
            #expect(try await notifications(outID).map(\.channel) == ["webhook"])
            #expect(try await notifications(inID).map(\.channel).sorted() == ["sms", "webhook"])
            #expect(await servers.recorder.requests(path: "/sms", containing: outPhone).isEmpty)
            // The event carries the refusal (and only the refusal: an omitted notify stays omitted).
            let outHook = await servers.recorder.requests.first { $0.path == "/hooks" && String(decoding: $0.body, as: UTF8.self).contains(outID) }
            let outBody = try #require(outHook).body
            let event = try CloudEvent.decode(outBody)
            #expect(try event.payload(as: ReportReceivedData.self).reporter.notify == false)
            // …and stays within the AsyncAPI contract.
            let problems = try AsyncAPIDocument.loadContract().validate(eventBody: outBody)
            #expect(problems.isEmpty, "\(problems)")
            await intake.triggerGracefulShutdown()
            try await withTimeout(.seconds(30), "intake to shut down") { try await running.value }
        }
    }
}

extension NotifierServiceTests {
    @Test("an event whose data does not match its type is rejected and leaves nothing (no inbox row, no notification); the report's next event is sent")
    func invalidEventLeavesNothing() async throws {
        let phone = Self.phone("990")
        try await withNotifier { servers, _ in
            let report = try received(phone: phone, email: nil, language: "en")
            try await publish(report)
            try await eventually("the received SMS") { await !servers.recorder.requests(path: "/sms", containing: phone).isEmpty }
            // report.routed without unit, deadline or service: the planner cannot write the message.
            let broken = CloudEvent(source: ServiceName.router.eventSource, type: EventType.reportRouted, subject: report.subject,
                                    data: .object(["report_id": .string(report.subject!)]))
            let routed = try CloudEvent(
                source: ServiceName.router.eventSource, type: EventType.reportRouted, subject: report.subject,
                payload: ReportRoutedData(
                    reportID: report.subject!, trackingCode: "1370000017", serviceCode: "CFC-PLAY", childFriendly: true, priority: "P1",
                    unit: "parks", district: "05", deadline: "2025-03-24T08:30:00Z", channel: "web", reporterType: "parent",
                    receivedAt: "2025-03-21T08:30:00Z", triage: false))
            try await publish(broken)
            try await publish(routed)
            try await eventually("the routed SMS") {
                await !servers.recorder.requests(path: "/sms", containing: "Parks and Green Space Organization").filter {
                    String(decoding: $0.body, as: UTF8.self).contains(phone)
                }.isEmpty
            }
            try await Task.sleep(for: .seconds(1))
            let (inboxRows, notificationRows) = try await withDatabase { client, logger in
                var counts: [Int] = []
                for table in ["notifier.inbox", "notifier.notifications"] {
                    let rows = try await client.query("SELECT count(*) FROM \(unescaped: table) WHERE event_id = \(broken.id)", logger: logger)
                    for try await count in rows.decode(Int.self) { counts.append(count) }
                }
                return (counts[0], counts[1])
            }
            #expect(inboxRows == 0)
            #expect(notificationRows == 0)
            // The webhooks of the two good events arrived; the broken one's did not.
            let hooks = await servers.recorder.requests.filter { $0.path == "/hooks" }.compactMap { $0.headers["open137-event-id"] }
            #expect(hooks.contains(report.id) && hooks.contains(routed.id) && !hooks.contains(broken.id))
            #expect(try await notifications(report.subject!).filter { $0.channel == "sms" }.count == 2)
        }
    }
}
