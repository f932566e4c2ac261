import BrokerTopology
import Contracts
import Foundation
import Logging
import Messaging
import PostgresNIO

/// Raises a case that keeps coming back (``ReportRepeatHazardData``): one priority step, its deadline to
/// no later than the new priority's hours from now (its linked reports' with it), the reason recorded so it
/// raises the case once — and `report.repeat-hazard` with the unit's copy for the caller's outbox. Runs in
/// the caller's transaction, on a case the caller has locked.
struct RepeatHazards: Sendable {
    /// Deadlines by code and priority.
    let router: ReportRouter
    let logger: Logger

    /// Raises `caseID` for `reason` unless it was raised for it before; `count` is what made it a repeat
    /// hazard. The messages to enqueue (none when it was raised before or is not a case).
    func raise(_ caseID: UUID, for reason: ReportRepeatHazardData.Reason, count: Int, correlationID: String?, now: Date = Date(),
               on connection: PostgresConnection) async throws -> [OutgoingMessage] {
        let rows = try await connection.query(
            """
            SELECT tracking_code, unit, service_code, child_friendly, district, priority, deadline FROM reports
            WHERE report_id = \(caseID) AND parent_id IS NULL AND NOT (\(reason.rawValue) = ANY(repeat_reasons))
            """, logger: logger)
        var found: (String, String, String, Bool, String, String, Date)?
        for try await row in rows.decode((String, String, String, Bool, String, String, Date).self) { found = row }
        guard let (trackingCode, unit, serviceCode, childFriendly, district, priority, deadline) = found else { return [] }
        let raised = ReportRepeatHazardData.raised(priority)
        let newDeadline = min(deadline, router.deadline(serviceCode: serviceCode, priority: raised, from: now))
        let deadlineText = CloudEvent.formatTime(newDeadline)
        try await connection.query(
            """
            UPDATE reports SET priority = \(raised), deadline = \(newDeadline), repeat_reasons = array_append(repeat_reasons, \(reason.rawValue)),
                delivery = jsonb_set(jsonb_set(delivery, '{priority}', to_jsonb(\(raised)::text)), '{deadline}', to_jsonb(\(deadlineText)::text)),
                updated_at = now()
            WHERE report_id = \(caseID)
            """, logger: logger)
        try await connection.query("UPDATE reports SET deadline = \(newDeadline) WHERE parent_id = \(caseID)", logger: logger)
        let id = caseID.uuidString.lowercased()
        let event = EncodedEvent(
            id: "\(id).repeat-\(reason.rawValue)", source: RoutingMessages.source, type: EventType.reportRepeatHazard, time: now, subject: id,
            data: ReportRepeatHazardData(
                reportID: id, trackingCode: trackingCode, unit: unit, serviceCode: serviceCode, childFriendly: childFriendly, district: district,
                reason: reason, count: count, fromPriority: priority, priority: raised, deadline: deadlineText, at: CloudEvent.formatTime(now)),
            correlationID: correlationID)
        var toUnit = try event.message(exchange: Open137Topology.unitsExchange)
        toUnit.routingKey = Open137Topology.unitAnswerKey(unit, .repeatHazard)
        logger.notice("repeat hazard: priority raised", metadata: [
            "report_id": "\(id)", "reason": "\(reason.rawValue)", "count": "\(count)", "from": "\(priority)", "to": "\(raised)",
        ])
        return [try event.message(exchange: Open137Topology.eventsExchange), toUnit]
    }
}
