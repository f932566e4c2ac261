import Contracts
import CouncilAuditService
import Foundation
import JSON
import Persistence
import PostgresNIO
import ServiceHosting
import Stages
import Testing
import TestSupport

/// `open137 audit verify` and `open137 council report` as built binaries, over a throw-away schema of
/// the test database.
@Suite("open137 audit and council commands", .serialized, .timeLimit(.minutes(3)))
struct CouncilCommandTests {
    /// Runs `body` with a migrated throw-away council-audit schema and its log.
    private func withSchema(_ body: @Sendable (_ schema: String, _ log: AuditLog, _ client: PostgresClient) async throws -> Void) async throws {
        let schema = TestEnvironment.uniqueName("t_council_cli")
        let logger = TestEnvironment.logger("council-command-tests")
        guard let url = DatabaseURL(try TestEnvironment.databaseURL()) else { throw TimedOut(what: "a usable DATABASE_URL") }
        let client = PostgresClient(configuration: StageRuntime.clientConfiguration(url.clientConfiguration, schema: schema), backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await Migrator(client: client, logger: logger).migrate(schema: schema, bundle: CouncilAuditStage.migrationsBundle)
            var failure: (any Error)?
            do { try await body(schema, AuditLog(client: client, logger: logger), client) } catch { failure = error }
            _ = try? await client.query("DROP SCHEMA IF EXISTS \(unescaped: "\"\(schema)\"") CASCADE", logger: logger)
            _ = try? await client.query("DELETE FROM public.open137_migrations WHERE schema_name = \(schema)", logger: logger)
            if let failure { throw failure }
        }
    }

    /// Runs the built `open137` with `arguments` and `DATABASE_URL` of the test stack.
    private func open137(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runOpen137(arguments, environment: ["DATABASE_URL": try TestEnvironment.databaseURL(), "LOG_LEVEL": "error"])
    }

    /// A child report of `code` received at `received`, routed an hour later, and (optionally) resolved.
    private func reportEvents(code: String, received: String, resolvedAfterHours: Double?) throws -> [AuditRecord] {
        let id = UUID().uuidString.lowercased()
        let start = try #require(Timestamp.parse(received))
        func time(_ hours: Double) -> String { Timestamp.format(start.addingTimeInterval(hours * 3600)) }
        var events = [
            CloudEvent(source: "/open137/intake", type: EventType.reportReceived, subject: id, data: [
                "report_id": .string(id), "tracking_code": "1370000017", "service_code": .string(code), "channel": "web",
                "location": ["district": 5], "reporter": ["type": "child"], "received_at": .string(received),
            ]),
            CloudEvent(source: "/open137/router", type: EventType.reportRouted, subject: id, data: [
                "report_id": .string(id), "child_friendly": true, "unit": "parks-d05", "district": "05", "deadline": .string(time(48)),
            ]),
        ]
        events[0].time = received
        events[1].time = time(1)
        if let hours = resolvedAfterHours {
            var resolved = CloudEvent(source: "/open137/router", type: EventType.reportStatusChanged, subject: id, data: [
                "report_id": .string(id), "status": "resolved", "unit": "parks-d05", "at": .string(time(hours)),
            ])
            resolved.time = time(hours)
            events.append(resolved)
        }
        return try events.map { try AuditRecord.make(body: try $0.encoded(), messageID: $0.id, routingKey: $0.type) }
    }

    @Test("audit verify exits 0 on a good chain and 1 naming the first broken entry after a superuser edit")
    func verify() async throws {
        try await withSchema { schema, log, client in
            var records: [AuditRecord] = []
            for _ in 0..<4 { records += try reportEvents(code: "CFC-PLAY", received: "2025-10-01T08:00:00.000Z", resolvedAfterHours: 20) }
            _ = try await log.append(records)
            let good = try open137(["audit", "verify", "--schema", schema])
            #expect(good.status == 0, "\(good.output)")
            #expect(good.output.contains("audit chain verified: 12 entries"))

            let logger = TestEnvironment.logger("council-command-tests")
            try await client.withConnection { connection in
                try await connection.query("SET session_replication_role = replica", logger: logger)
                try await connection.query(
                    "UPDATE audit_log SET body = convert_to(replace(convert_from(body, 'UTF8'), 'resolved', 'rejected'), 'UTF8') WHERE seq = 6",
                    logger: logger)
                try await connection.query("SET session_replication_role = origin", logger: logger)
            }
            let broken = try open137(["audit", "verify", "--schema", schema])
            #expect(broken.status == 1, "\(broken.output)")
            #expect(broken.output.contains("BROKEN at entry 6 (event \(records[5].eventID)): hash-mismatch"), "\(broken.output)")
            #expect(broken.output.contains("5 entries verified before it"))
        }
    }

    @Test("council report --quarter 1404-Q3 writes Markdown and CSV over the quarter's child reports, periods in Jalali")
    func quarterlyReport() async throws {
        try await withSchema { schema, log, _ in
            // Two in 1404-Q3 (one resolved after 10 h), one the day after the quarter ended in Tehran.
            _ = try await log.append(
                try reportEvents(code: "CFC-PLAY", received: "2025-10-01T08:00:00.000Z", resolvedAfterHours: 10)
                    + reportEvents(code: "CFC-SCHOOL", received: "2025-12-21T20:00:00.000Z", resolvedAfterHours: nil)
                    + reportEvents(code: "CFC-PLAY", received: "2025-12-21T21:00:00.000Z", resolvedAfterHours: nil))
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent(TestEnvironment.uniqueName("council_report"))
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }

            let run = try open137(["council", "report", "--quarter", "1404-Q3", "--schema", schema, "--output", folder.path])
            #expect(run.status == 0, "\(run.output)")
            let base = folder.appendingPathComponent("state-of-the-citys-children-1404-Q3")
            let markdown = try String(contentsOf: base.appendingPathExtension("md"), encoding: .utf8)
            #expect(markdown.hasPrefix("# State of the City's Children — 1404-Q3"))
            #expect(markdown.contains("1404/07/01 تا 1404/09/30"))
            #expect(markdown.contains("Child-friendly reports received 1404/07/01 … 1404/09/30 (Tehran time): **2**"))
            #expect(markdown.contains("| CFC-PLAY | زمین بازی کودکان | 1 |"))
            #expect(markdown.contains("| CFC-SCHOOL | 05 | 1404-09 | 1 |"))
            #expect(markdown.contains("| resolution | 1 | 10.0 h | 10.0 h |"))

            // The CSV, read by Python's csv module (an independent RFC 4180 reader).
            let csvPath = base.appendingPathExtension("csv").path
            let python = Process()
            python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            python.arguments = ["python3", "-c", """
                import csv, json, sys
                with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:
                    print(json.dumps(list(csv.reader(f, strict=True)), ensure_ascii=False))
                """, csvPath]
            let pipe = Pipe()
            python.standardOutput = pipe
            try python.run()
            let parsed = pipe.fileHandleForReading.readDataToEndOfFile()
            python.waitUntilExit()
            #expect(python.terminationStatus == 0)
            let rows = try JSONValue.parse(Array(parsed)).arrayValue?.map { $0.arrayValue?.compactMap(\.stringValue) ?? [] } ?? []
            #expect(rows.first == ["section", "key", "key2", "key3", "value"])
            #expect(rows.contains(["period", "2025-09-22T20:30:00.000Z", "2025-12-21T20:30:00.000Z", "", "2"]))
            #expect(rows.contains(["code_district_month", "CFC-PLAY — زمین بازی کودکان", "05", "1404-07", "1"]))

            let bad = try open137(["council", "report", "--quarter", "1404-07", "--schema", schema, "--output", folder.path])
            #expect(bad.status != 0)
            #expect(bad.output.contains("--quarter must be a Jalali quarter"))
        }
    }
}
