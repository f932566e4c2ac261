import ArgumentParser
import Contracts
import CouncilAuditService
import Foundation
import Persistence
import PostgresNIO
import ServiceHosting
import Stages

/// `open137-load bench audit`: appended events/s with the chain (group commit through the appender, as the
/// consumer uses it, `--concurrency` deliveries at once) and verification entries/s, on a throw-away
/// schema of DATABASE_URL. CPU per appended event: this process (the appender: parsing, hashing, batching)
/// from getrusage, and PostgreSQL's from /proc when `--postgres-pid` names its postmaster on this machine.
public struct AuditBenchCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Council audit: appended events/s with the hash chain, verification entries/s.")
    @Option(help: "Events appended.") var events = 50_000
    @Option(help: "Deliveries in flight at once.") var concurrency = 256
    @Option(help: "The postmaster's process id (same machine): PostgreSQL's CPU per event is printed too.") var postgresPid: Int32?
    public init() {}

    public func run() async throws {
        var environment = EnvironmentConfig()
        let database = environment.databaseURL(ServiceConfiguration.databaseURLKey)
        try environment.validate()
        let logger = ToolLogging.logger("bench")
        let schema = "bench_audit_\(ProcessInfo.processInfo.processIdentifier)"
        var configuration = StageRuntime.clientConfiguration(database.clientConfiguration, schema: schema)
        configuration.options.maximumConnections = 8
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let total = events, concurrency = concurrency, postgresPid = postgresPid
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: CouncilAuditStage.migrationsBundle)
            let log = AuditLog(client: client, logger: logger)
            let appender = AuditAppender(log: log)
            // Bodies prepared first: the benchmark measures the log, not JSON encoding.
            let bodies: [[UInt8]] = try (0..<total).map { index in
                let report = UUID().uuidString.lowercased()
                let types = [EventType.reportReceived, EventType.reportRouted, EventType.reportStatusChanged]
                let event = CloudEvent(source: "/open137/bench", type: types[index % 3], subject: report, data: [
                    "report_id": .string(report), "tracking_code": "1370000017", "service_code": "CFC-PLAY", "unit": "district-05-parks",
                    "district": "05", "status": "acknowledged", "deadline": "2025-10-02T08:00:00.000Z", "channel": "web",
                    "received_at": "2025-10-01T08:00:00.000Z", "description": "تاب پارک محله شکسته است",
                ])
                return try event.encoded()
            }
            let running = Task { try await appender.run() }
            let clock = ContinuousClock()
            // The pool's connections are open from the migration on, so their backends count from here.
            let cpuBefore = (own: IntakeBenchCommand.processCPUSeconds(), postgres: postgresPid.map(Self.treeCPUSeconds))
            let start = clock.now
            try await withThrowingTaskGroup(of: Void.self) { workers in
                for worker in 0..<concurrency {
                    workers.addTask {
                        for index in stride(from: worker, to: total, by: concurrency) {
                            let record = try AuditRecord.make(body: bodies[index], messageID: nil, routingKey: "")
                            _ = try await appender.append(record)
                        }
                    }
                }
                try await workers.waitForAll()
            }
            let appendSeconds = (clock.now - start).seconds
            let cpuAfter = (own: IntakeBenchCommand.processCPUSeconds(), postgres: postgresPid.map(Self.treeCPUSeconds))
            running.cancel()
            _ = try? await running.value
            let verifyStart = clock.now
            let result = try await log.verify()
            let verifySeconds = (clock.now - verifyStart).seconds
            print("open137-load bench audit — \(total) events, \(concurrency) in flight, schema \(schema) (dropped after)")
            print(String(format: "append with the hash chain and projection: %10.0f events/s (%.2f s)", Double(total) / appendSeconds, appendSeconds))
            print(String(format: "verification:                              %10.0f entries/s (%.2f s, %@)", Double(result.entries) / verifySeconds,
                         verifySeconds, result.isValid ? "valid" : "BROKEN"))
            print(String(format: "CPU per appended event: open137 (appender) %.0f µs", 1e6 * (cpuAfter.own - cpuBefore.own) / Double(total)), terminator: "")
            if let before = cpuBefore.postgres, let after = cpuAfter.postgres {
                print(String(format: ", PostgreSQL %.0f µs", 1e6 * (after - before) / Double(total)), terminator: "")
            }
            print()
            print(Double(total) / appendSeconds >= 5_000 ? "goal ≥ 5,000 events/s: met" : "goal ≥ 5,000 events/s: NOT met")
            try await client.query("DROP SCHEMA \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
            try await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
        }
    }

    /// User + system CPU seconds of a process and its live children (PostgreSQL's backends), from /proc.
    static func treeCPUSeconds(_ root: Int32) -> Double {
        var pids = [root]
        if let children = try? String(contentsOfFile: "/proc/\(root)/task/\(root)/children", encoding: .utf8) {
            pids += children.split(separator: " ").compactMap { Int32($0) }
        }
        var ticks = 0
        for pid in pids {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = stat.lastIndex(of: ")") else { continue }
            // Fields after the command name: state is field 3, utime 14 and stime 15.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) { ticks += user + system }
        }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
