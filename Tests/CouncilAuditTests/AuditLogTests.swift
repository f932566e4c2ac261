import Contracts
import CouncilAuditService
import Foundation
import PostgresNIO
import ServiceHosting
import Testing
import TestSupport

/// The chain: appends, redeliveries, verification of a long run, tampering named at the exact entry, and
/// the append-only rules of the database.
@Suite("Council audit log", .serialized, .timeLimit(.minutes(3)))
struct AuditLogTests {
    private func received(_ reportID: String, phone: String = "+989121234567") -> CloudEvent {
        AuditFixture.event(EventType.reportReceived, reportID, [
            "report_id": .string(reportID), "tracking_code": "1370000017", "channel": "web", "description": "تاب شکسته",
            "service_code": "CFC-PLAY", "location": ["district": 5], "reporter": ["type": "child", "language": "fa", "age_band": "7-12"],
            "contact": ["name": "Canary Name", "phone": .string(phone)], "contact_allowed": true,
            "received_at": "2025-10-01T08:00:00.000Z",
        ], at: "2025-10-01T08:00:00.000Z")
    }

    @Test("a long run verifies; a redelivered event adds no entry; contact data is not stored")
    func longRunAndRedelivery() async throws {
        try await AuditFixture.with { fixture in
            var events: [CloudEvent] = []
            for _ in 0..<1_200 { events.append(received(UUID().uuidString.lowercased())) }
            for start in stride(from: 0, to: events.count, by: 300) {
                let outcomes = try await fixture.append(Array(events[start..<start + 300]))
                #expect(outcomes.allSatisfy { if case .appended = $0 { true } else { false } })
            }
            // The same events again (a redelivery), and one twice in one batch.
            let again = try await fixture.append([events[3], events[700], events[700]])
            #expect(again == [.duplicate, .duplicate, .duplicate])
            #expect(try await fixture.scalar("SELECT count(*) FROM audit_log") == 1_200)
            let result = try await fixture.log.verify(pageSize: 500)
            #expect(result.isValid)
            #expect(result.entries == 1_200)
            #expect(try await fixture.scalar("SELECT count(*) FROM audit_log WHERE convert_from(body, 'UTF8') LIKE '%989121234567%' OR convert_from(body, 'UTF8') LIKE '%Canary%'") == 0)
            #expect(try await fixture.scalar("SELECT count(*) FROM audit_log WHERE redacted") == 1_200)
        }
    }

    @Test("concurrent appends (as several replicas) keep one chain")
    func concurrentAppends() async throws {
        try await AuditFixture.with { fixture in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        for _ in 0..<10 { try await fixture.append((0..<20).map { _ in self.received(UUID().uuidString.lowercased()) }) }
                    }
                }
                try await group.waitForAll()
            }
            let result = try await fixture.log.verify()
            #expect(result.isValid && result.entries == 1_200)
        }
    }

    @Test("verifying while appends commit never mistakes the new entries for a cut-off chain")
    func verifyDuringAppends() async throws {
        try await AuditFixture.with { fixture in
            try await fixture.append((0..<200).map { _ in self.received(UUID().uuidString.lowercased()) })
            let results = try await withThrowingTaskGroup(of: [ChainVerification].self) { group in
                group.addTask {
                    for _ in 0..<40 { try await fixture.append((0..<25).map { _ in self.received(UUID().uuidString.lowercased()) }) }
                    return []
                }
                group.addTask {
                    var results: [ChainVerification] = []
                    // Small pages: many queries per walk, so appends land between them.
                    for _ in 0..<15 { results.append(try await fixture.log.verify(pageSize: 20)) }
                    return results
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(results.count == 15)
            #expect(results.allSatisfy { $0.isValid }, "\(results.compactMap(\.firstBroken))")
            #expect(try await fixture.log.verify().entries == 1_200)
        }
    }

    @Test("a row altered through a superuser connection is named as the first broken entry")
    func tamperingIsNamed() async throws {
        try await AuditFixture.with { fixture in
            let events = (0..<50).map { _ in received(UUID().uuidString.lowercased()) }
            try await fixture.append(events)
            #expect(try await fixture.log.verify().isValid)
            // Superuser: the trigger is switched off for this session (replica mode), the body edited.
            try await fixture.client.withConnection { connection in
                try await connection.query("SET session_replication_role = replica", logger: fixture.logger)
                try await connection.query(
                    "UPDATE audit_log SET body = convert_to(replace(convert_from(body, 'UTF8'), 'CFC-PLAY', 'ROAD'), 'UTF8') WHERE seq = 37",
                    logger: fixture.logger)
                try await connection.query("SET session_replication_role = origin", logger: fixture.logger)
            }
            let result = try await fixture.log.verify(pageSize: 10)
            #expect(result.firstBroken == BrokenEntry(seq: 37, eventID: events[36].id, reason: .hashMismatch))
            #expect(result.entries == 36)
        }
    }

    @Test("a deleted entry is named as missing; the last entries cut off are named at the head")
    func deletionIsNamed() async throws {
        try await AuditFixture.with { fixture in
            try await fixture.append((0..<20).map { _ in received(UUID().uuidString.lowercased()) })
            try await fixture.client.withConnection { connection in
                try await connection.query("SET session_replication_role = replica", logger: fixture.logger)
                try await connection.query("DELETE FROM audit_log WHERE seq IN (12, 20)", logger: fixture.logger)
                try await connection.query("SET session_replication_role = origin", logger: fixture.logger)
            }
            #expect(try await fixture.log.verify().firstBroken == BrokenEntry(seq: 12, eventID: nil, reason: .missing))
        }
    }

    @Test("the writer role cannot UPDATE, DELETE or TRUNCATE; the trigger refuses the owner too")
    func appendOnly() async throws {
        try await AuditFixture.with { fixture in
            try await fixture.append([received(UUID().uuidString.lowercased())])
            for statement: PostgresQuery in ["UPDATE audit_log SET event_type = 'x'", "DELETE FROM audit_log", "TRUNCATE audit_log"] {
                let asWriter = await serverError {
                    try await fixture.client.withTransaction(logger: fixture.logger) { connection in
                        try await connection.query("SET LOCAL ROLE open137_council_audit_writer", logger: fixture.logger)
                        try await connection.query(statement, logger: fixture.logger)
                    }
                }
                #expect(asWriter?.state == "42501" && asWriter?.message.contains("permission denied") == true, "\(statement.sql)")
                let asOwner = await serverError { try await fixture.client.query(statement, logger: fixture.logger) }
                #expect(asOwner?.state == "42501" && asOwner?.message.contains("append-only") == true, "\(statement.sql)")
            }
            #expect(try await fixture.scalar("SELECT count(*) FROM audit_log") == 1)
            // The writer role may append (that is how the service appends).
            #expect(try await fixture.scalar(
                "SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = 'open137_council_audit_writer' AND table_schema = \(fixture.schema) AND table_name = 'audit_log' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')") == 0)
            #expect(try await fixture.log.verify().isValid)
        }
    }

    /// The server's SQLSTATE and message of what `body` threw, or nil when it did not fail on the server.
    private func serverError(_ body: () async throws -> Void) async -> (state: String, message: String)? {
        do {
            try await body()
            return nil
        } catch {
            let inner = (error as? PostgresTransactionError)?.closureError ?? error
            guard let psql = inner as? PSQLError, let info = psql.serverInfo else { return nil }
            return (info[.sqlState] ?? "", info[.message] ?? "")
        }
    }
}
