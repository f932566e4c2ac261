import BrokerTopology
import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO
import ServiceLifecycle

/// Escalates overdue child reports on a schedule: every `interval` it finds the child reports that are
/// not resolved or rejected and whose deadline (plus each level's delay) has passed without that level
/// recorded, and for each one records the level in `escalations` and enqueues `report.escalated` through
/// the outbox in one transaction. The row is unique per report and level (`ON CONFLICT DO NOTHING`): two
/// replicas checking at once escalate once — the second waits on the first's row and then adds nothing.
/// A report linked to a case (`linked_to`) is not escalated on its own: it carries the case's deadline,
/// and the case is escalated — one hazard, one escalation.
public struct Escalator: Service {
    let client: PostgresClient
    let outbox: Outbox
    let policy: EscalationPolicy
    let interval: Duration
    let logger: Logger

    /// An escalator over the schema of `client` and `outbox`.
    public init(client: PostgresClient, outbox: Outbox, policy: EscalationPolicy = EscalationPolicy(), interval: Duration = .seconds(60), logger: Logger) {
        self.client = client
        self.outbox = outbox
        self.policy = policy
        self.interval = interval
        self.logger = logger
    }

    /// Checks until graceful shutdown.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                _ = try await escalateDue(now: Date())
            } catch {
                logger.warning("escalation check failed; retrying at the next one", metadata: ["error": "\(error)"])
            }
            _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One check as of `now`; returns the escalations it emitted (report id and level).
    public func escalateDue(now: Date, limit: Int = 500) async throws -> [(reportID: UUID, level: Int)] {
        let hours = policy.hoursAfterDeadline
        var due: [(UUID, String?, Date, Int)] = []
        let rows = try await client.query(
            """
            SELECT r.report_id, r.unit, r.deadline, l.level
            FROM reports r
            CROSS JOIN (VALUES (1, \(hours[0])), (2, \(hours[1])), (3, \(hours[2]))) AS l(level, after_hours)
            WHERE r.child_friendly AND r.status NOT IN ('resolved', 'rejected') AND r.deadline IS NOT NULL
              AND r.linked_to IS NULL
              AND r.deadline + l.after_hours * interval '1 hour' <= \(now)
              AND NOT EXISTS (SELECT 1 FROM escalations e WHERE e.report_id = r.report_id AND e.level = l.level)
            ORDER BY r.deadline, r.report_id, l.level
            LIMIT \(limit)
            """,
            logger: logger)
        for try await row in rows.decode((UUID, String?, Date, Int).self) { due.append(row) }
        var emitted: [(reportID: UUID, level: Int)] = []
        for (reportID, unit, deadline, level) in due {
            let reportText = reportID.uuidString.lowercased()
            let payload = ReportEscalatedData(
                reportID: reportText, level: level, unit: unit, deadline: Timestamp.format(deadline),
                overdueHours: (now.timeIntervalSince(deadline) / 360).rounded() / 10, escalatedAt: Timestamp.format(now))
            let event = try CloudEvent(
                source: ServiceName.councilAudit.eventSource, type: EventType.reportEscalated, subject: reportText, payload: payload)
            let inserted = try await client.withTransaction(within: .seconds(20), "escalating an overdue report", logger: logger) { connection in
                var inserted = false
                for try await _ in try await connection.query(
                    """
                    INSERT INTO escalations (report_id, level, event_id, unit, deadline, escalated_at)
                    VALUES (\(reportID), \(level), \(event.id), \(unit), \(deadline), \(now))
                    ON CONFLICT (report_id, level) DO NOTHING
                    RETURNING 1
                    """,
                    logger: logger) { inserted = true }
                if inserted {
                    try await outbox.enqueue(event, exchange: Open137Topology.eventsExchange, on: connection, logger: logger)
                }
                return inserted
            }
            if inserted {
                emitted.append((reportID, level))
                logger.info("child report escalated", metadata: ["report_id": "\(reportText)", "level": "\(level)", "event_id": "\(event.id)"])
            }
        }
        return emitted
    }
}
