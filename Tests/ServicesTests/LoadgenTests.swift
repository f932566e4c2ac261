@testable import LoadTesting
import Foundation
import ServiceLifecycle
import TestSupport
import Testing

/// `open137-load loadgen` against the real pipeline: the five services run in this process on the test
/// broker and database, the load generator submits over every channel and verifies at the unit queues
/// and in the audit log. Serialized: the load generator consumes every unit queue while it runs.
@Suite("open137-load loadgen end to end", .serialized, .timeLimit(.minutes(5)))
struct LoadgenTests {
    static let apiKey = "loadgen-test-key-0123456789abcdef"

    /// Runs the named services until `body` returns; `body` gets the environment a client of them reads.
    private func withPipeline(_ names: Set<String>, _ body: @Sendable (_ environment: [String: String]) async throws -> Void) async throws {
        let intakePort = try freePort()
        var groups: [(name: String, group: ServiceGroup, opsPort: Int)] = []
        for service in ServiceUnderTest.all where names.contains(service.name) {
            let opsPort = try freePort()
            let group = try service.build([
                "AMQP_URL": try TestEnvironment.amqpURL(),
                "DATABASE_URL": try TestEnvironment.databaseURL(),
                "OPS_PORT": String(opsPort),
                "INTAKE_PORT": String(intakePort),
                "COUNCIL_PORT": String(try freePort()),
                "OPEN137_API_KEY": Self.apiKey,
                "OPEN137_REOPEN_KEY": TestEnvironment.reopenKey,
                "OPEN137_COUNCIL_KEY": "loadgen-test-council-key-0123456789",
            ])
            groups.append((service.name, group, opsPort))
        }
        let client = [
            "INTAKE_URL": "http://127.0.0.1:\(intakePort)",
            "OPEN137_API_KEY": Self.apiKey,
            "AMQP_URL": try TestEnvironment.amqpURL(),
            "DATABASE_URL": try TestEnvironment.databaseURL(),
        ]
        try await withThrowingTaskGroup(of: Void.self) { running in
            for entry in groups { running.addTask { try await entry.group.run() } }
            for entry in groups {
                try await withTimeout(.seconds(90), "\(entry.name) to report ready") {
                    while true {
                        if let (status, _) = try? await httpGet("http://127.0.0.1:\(entry.opsPort)/ready"), status == 200 { return }
                        try await Task.sleep(for: .milliseconds(200))
                    }
                }
            }
            do {
                try await body(client)
            } catch {
                for entry in groups { await entry.group.triggerGracefulShutdown() }
                throw error
            }
            for entry in groups { await entry.group.triggerGracefulShutdown() }
            // The suite's time limit bounds a shutdown that hangs.
            try await running.waitForAll()
        }
    }

    /// The configuration `open137-load loadgen <arguments>` would run with in `environment`.
    private func configuration(_ arguments: [String], _ environment: [String: String]) throws -> LoadgenConfiguration {
        try LoadgenCommand.parse(arguments).makeConfiguration(environment: environment)
    }

    @Test("3 s at 20 reports/s over HTTP, Open311 and AMQP: every report reaches its unit once, child reports the council, the audit log has each once")
    func shortRunLosesNothing() async throws {
        let idsFile = FileManager.default.temporaryDirectory.appendingPathComponent("loadgen-ids-\(UUID().uuidString).tsv").path
        defer { try? FileManager.default.removeItem(atPath: idsFile) }
        try await withPipeline(Set(ServiceUnderTest.all.map(\.name))) { environment in
            let configuration = try configuration(
                ["--rate", "20", "--duration", "3", "--child-share", "0.4", "--drain-timeout", "60", "--ids-file", idsFile, "--seed", "137"],
                environment)
            let result = try await Loadgen(configuration: configuration, logger: TestEnvironment.logger("loadgen")).run()
            #expect(result.accepted == 60, "\(result.table)")
            #expect(result.acceptedByChannel == [.http: 20, .open311: 20, .amqp: 20])
            #expect(result.rejected == 0 && result.gaveUp == 0, "\(result.reasons)")
            #expect(result.delivered == 60)
            #expect(result.lost == 0, "\(result.table)")
            #expect(result.duplicatesUnits == 0)
            #expect(result.councilExpected > 0)
            #expect(result.councilDelivered == result.councilExpected)
            #expect(result.auditMissing == 0 && result.auditDuplicates == 0, "\(result.table)")
            #expect(result.latencies.count == 60 && result.percentile(0.99) > 0)
            #expect(result.exitStatus == 0)
            #expect(result.resultLine.hasPrefix("RESULT accepted=60 delivered=60 lost=0 duplicates_units=0 "))
            let lines = try String(contentsOfFile: idsFile, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 60)
            #expect(lines.allSatisfy { $0.split(separator: "\t").count == 3 && UUID(uuidString: String($0.split(separator: "\t")[0])) != nil })
        }
    }

    @Test("without a router nothing reaches a unit: every accepted report is lost, the audit lacks report.routed, and the run fails (exit 1)")
    func reportsThatNeverArriveAreLost() async throws {
        try await withPipeline(["intake", "classifier", "council-audit"]) { environment in
            let configuration = try configuration(
                ["--rate", "10", "--duration", "1", "--channels", "http,amqp", "--drain-timeout", "2"], environment)
            let result = try await Loadgen(configuration: configuration, logger: TestEnvironment.logger("loadgen")).run()
            #expect(result.accepted == 10, "\(result.table)")
            #expect(result.delivered == 0)
            #expect(result.lost == 10)
            #expect(result.auditMissing == 10)
            #expect(result.exitStatus == 1)
            #expect(result.resultLine.contains(" lost=10 "))
        }
    }

    @Test("usage and configuration errors exit 2 and say what is wrong")
    func usageErrorsExitTwo() throws {
        func run(_ arguments: [String], environment: [String: String]) throws -> (status: Int32, stderr: String) {
            try runBuilt("open137-load", ["loadgen"] + arguments, environment: environment)
        }
        let neither = try run(["--duration", "1"], environment: [:])
        #expect(neither.status == 2)
        #expect(neither.stderr.contains("--rate or --concurrency"))
        let unknown = try run(["--rate", "1", "--duration", "1", "--channels", "fax"], environment: [:])
        #expect(unknown.status == 2)
        let noStack = try run(["--rate", "1", "--duration", "1"], environment: [:])
        #expect(noStack.status == 2)
        for key in ["INTAKE_URL", "OPEN137_API_KEY", "AMQP_URL", "DATABASE_URL"] { #expect(noStack.stderr.contains(key), "\(noStack.stderr)") }
        let onlySubmit = try run(["--rate", "1", "--duration", "1", "--channels", "http", "--no-verify"], environment: ["OPEN137_API_KEY": "k"])
        #expect(onlySubmit.status == 2)
        #expect(onlySubmit.stderr.contains("INTAKE_URL") && !onlySubmit.stderr.contains("DATABASE_URL"), "\(onlySubmit.stderr)")
    }
}
