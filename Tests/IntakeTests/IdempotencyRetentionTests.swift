import HTTPTypes
import HummingbirdTesting
import IntakeService
import Persistence
import ServiceHosting
import Testing
import TestSupport

@Suite("Idempotency-Key retention", .timeLimit(.minutes(3)))
struct IdempotencyRetentionTests {
    static let window: Duration = .seconds(48 * 3600)

    @Test("keys older than the window are deleted in batches and newer ones kept; the reports stay; an expired key stores a new report")
    func expiredKeysArePurged() async throws {
        try await IntakeFixture.withAPI { fixture, http in
            let body = IntakeFixture.bytes(IntakeFixture.report())
            for key in ["expired-key", "recent-key"] {
                let response = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(idempotencyKey: key), body: body)
                #expect(response.status == .created)
            }
            try await fixture.client.query("UPDATE idempotency_keys SET created_at = now() - interval '3 days' WHERE key = 'expired-key'", logger: TestEnvironment.logger("intake-tests"))
            // More than two batches' worth of old keys, written directly (their reports do not matter here).
            try await fixture.client.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, report_id, created_at)
                SELECT 'bulk', 'old-' || g, '\\x00'::bytea, gen_random_uuid(), now() - interval '5 days' FROM generate_series(1, 12000) g
                """,
                logger: TestEnvironment.logger("intake-tests")
            )
            let service = RetentionService(
                client: fixture.client,
                rules: [RetentionRule(rows: try ReportStore.idempotencyKeys(schema: fixture.schema), window: Self.window)],
                configuration: RetentionService.Configuration(firstRunAfter: .zero, batchSize: 5_000),
                logger: TestEnvironment.logger("intake-tests")
            )
            let run = await service.runOnce()
            #expect(run.failures.isEmpty)
            #expect(run.deleted["\(fixture.schema).idempotency_keys"] == 12_001)
            #expect(try await fixture.scalar("SELECT count(*) FROM idempotency_keys") == 1)
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 2)

            let recent = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(idempotencyKey: "recent-key"), body: body)
            #expect(recent.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let expired = try await http.execute(uri: "/api/v1/reports", method: .post, headers: IntakeFixture.headers(idempotencyKey: "expired-key"), body: body)
            #expect(expired.status == .created)
            #expect(expired.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(try await fixture.scalar("SELECT count(*) FROM reports") == 3)
        }
    }

    @Test("the purge finds expired keys through the created_at index")
    func purgeUsesTheIndex() async throws {
        try await IntakeFixture.withAPI { fixture, _ in
            let logger = TestEnvironment.logger("intake-tests")
            try await fixture.client.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash, report_id, created_at)
                SELECT 'bulk', 'k-' || g, '\\x00'::bytea, gen_random_uuid(), now() - CASE WHEN g <= 1000 THEN interval '5 days' ELSE interval '1 hour' END
                FROM generate_series(1, 100000) g
                """,
                logger: logger
            )
            try await fixture.client.query("ANALYZE idempotency_keys", logger: logger)
            let rows = try await fixture.client.query(
                """
                EXPLAIN DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM idempotency_keys WHERE created_at < now() - 172800000::float8 * interval '1 millisecond'
                    LIMIT 5000 FOR UPDATE SKIP LOCKED))
                """,
                logger: logger
            )
            var plan: [String] = []
            for try await line in rows.decode(String.self) { plan.append(line) }
            let text = plan.joined(separator: "\n")
            #expect(text.contains("idempotency_keys_created_at_idx"), "\(text)")
            #expect(!text.contains("Seq Scan"), "\(text)")
        }
    }

    @Test("INTAKE_IDEMPOTENCY_RETENTION_HOURS: 48 hours by default, validated at start")
    func setting() throws {
        var defaults = EnvironmentConfig(environment: [:])
        #expect(IntakeSettings(reading: &defaults).idempotencyRetention == .seconds(48 * 3600))
        var set = EnvironmentConfig(environment: ["INTAKE_IDEMPOTENCY_RETENTION_HOURS": "24"])
        #expect(IntakeSettings(reading: &set).idempotencyRetention == .seconds(24 * 3600))
        for bad in ["0", "9000", "two days"] {
            var environment = EnvironmentConfig(environment: ["INTAKE_IDEMPOTENCY_RETENTION_HOURS": bad])
            _ = IntakeSettings(reading: &environment)
            do {
                try environment.validate()
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.keys.contains("INTAKE_IDEMPOTENCY_RETENTION_HOURS"), "\(bad)")
            }
        }
    }
}
