import Contracts
import CouncilAuditService
import Foundation
import Persistence
import Testing
import TestSupport

/// Escalation of overdue child reports: once per level, whatever the number of checks and replicas.
@Suite("Council escalation", .serialized, .timeLimit(.minutes(2)))
struct EscalationTests {
    @Test("an overdue child report escalates once per level; a resolved or adult report never")
    func oncePerLevel() async throws {
        try await AuditFixture.with { fixture in
            let child = UUID().uuidString.lowercased(), adult = UUID().uuidString.lowercased(), done = UUID().uuidString.lowercased()
            func routed(_ id: String, child: Bool) -> CloudEvent {
                AuditFixture.event(EventType.reportRouted, id, [
                    "report_id": .string(id), "tracking_code": "1370000017", "service_code": child ? "CFC-PLAY" : "ROAD",
                    "child_friendly": .bool(child), "priority": "P1", "unit": "district-05-parks", "district": "05",
                    "deadline": "2025-10-02T08:00:00.000Z", "channel": "web", "reporter_type": "child", "received_at": "2025-10-01T08:00:00.000Z",
                ], at: "2025-10-01T08:05:00.000Z")
            }
            try await fixture.append([routed(child, child: true), routed(adult, child: false), routed(done, child: true),
                AuditFixture.event(EventType.reportStatusChanged, done, ["report_id": .string(done), "status": "resolved", "at": "2025-10-01T09:00:00.000Z"], at: "2025-10-01T09:00:00.000Z")])
            let escalator = Escalator(client: fixture.client, outbox: try Outbox(schema: fixture.schema), logger: fixture.logger)
            let deadline = try #require(Timestamp.parse("2025-10-02T08:00:00.000Z"))
            #expect(try await escalator.escalateDue(now: deadline.addingTimeInterval(-60)).isEmpty)
            let first = try await escalator.escalateDue(now: deadline.addingTimeInterval(3600))
            #expect(first.map(\.level) == [1] && first.first?.reportID.uuidString.lowercased() == child)
            // Two "replicas" checking at once, 80 h late: levels 2 and 3 once each.
            async let a = escalator.escalateDue(now: deadline.addingTimeInterval(80 * 3600))
            async let b = escalator.escalateDue(now: deadline.addingTimeInterval(80 * 3600))
            let levels = try await (a + b).map(\.level).sorted()
            #expect(levels == [2, 3])
            #expect(try await escalator.escalateDue(now: deadline.addingTimeInterval(200 * 3600)).isEmpty)
            #expect(try await fixture.scalar("SELECT count(*) FROM escalations") == 3)
            #expect(try await fixture.scalar("SELECT count(*) FROM outbox WHERE routing_key = 'report.escalated'") == 3)
        }
    }
}
