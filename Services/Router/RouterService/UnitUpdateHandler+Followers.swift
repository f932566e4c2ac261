import BrokerTopology
import Contracts
import Foundation
import Messaging
import Persistence
import PostgresNIO
import Stages

/// A case's linked reports follow it (issue 20): in the transaction that changes the case, under the case's
/// row lock, each linked report takes the case's new status (and unit and deadline), gets a history row and
/// its own event — `report.status-changed`, or `report.reassigned` on a referral — so its reporter, intake's
/// read model and the council see it move with the case. A unit the case is referred to gets the linked
/// reports' copies (`<unit>.linked`) after the case's delivery, so it knows every report of the hazard.
extension UnitUpdateHandler {
    /// The report an update applies to: the update's own, or — for a reopening of a linked report — its
    /// case. Any other update naming a linked report is refused: units act on the case.
    func caseToUpdate(_ update: UnitStatusUpdateData, reportID: UUID, on connection: PostgresConnection) async throws -> UUID {
        let rows = try await connection.query("SELECT parent_id FROM reports WHERE report_id = \(reportID)", logger: logger)
        var parent: UUID?
        for try await (parentID) in rows.decode(UUID?.self) { parent = parentID }
        guard let parent else { return reportID }
        guard update.status == ReportStatus.reopened.rawValue else {
            throw DeliveryRejection(
                code: "linked-report",
                reason: "report \(update.reportID) is linked to case \(parent.uuidString.lowercased()): update the case")
        }
        return parent
    }

    /// Moves the case's linked reports to `status` (and `deadline`, when given) and emits each one's
    /// `report.status-changed`.
    func follow(
        _ caseID: UUID, _ updateID: String, to status: ReportStatus, unit: String, deadline: Date?, from: ReportStatus, by: String,
        _ update: UnitStatusUpdateData, at now: Date, correlationID: String, on connection: PostgresConnection
    ) async throws {
        let rows = try await connection.query(
            """
            UPDATE reports SET status = \(status.rawValue), deadline = coalesce(\(deadline), deadline), updated_at = now()
            WHERE parent_id = \(caseID) RETURNING report_id
            """,
            logger: logger)
        // Read to the end before the next statement on this connection: it queues behind this one, which a
        // full buffer of unread rows would never let finish.
        var followers: [UUID] = []
        for try await linked in rows.decode(UUID.self) { followers.append(linked) }
        for linked in followers {
            let id = linked.uuidString.lowercased()
            try await history(linked, updateID, unit: unit, from: from, to: status, by: by, referredTo: nil, update, connection)
            let changed = EncodedEvent(
                source: RoutingMessages.source, type: EventType.reportStatusChanged, time: now, subject: id,
                data: ReportStatusChangedData(reportID: id, unit: unit, fromStatus: from.rawValue, status: status.rawValue,
                                              note: update.note, reason: update.reason, at: CloudEvent.formatTime(now), by: by),
                correlationID: correlationID)
            try await outbox.enqueue(try changed.message(exchange: Open137Topology.eventsExchange), on: connection, logger: logger)
        }
    }

    /// Moves the case's linked reports with the case to `target`: `report.reassigned` for each, and the
    /// target unit's copy of each link after the case's delivery (`<report>.linked.a<assignment>`).
    func followReferral(
        _ caseID: UUID, _ updateID: String, to target: String, fromUnit: String, deadline: Date, from: ReportStatus, assignment: Int,
        _ update: UnitStatusUpdateData, at now: Date, correlationID: String, on connection: PostgresConnection
    ) async throws {
        let rows = try await connection.query(
            """
            UPDATE reports r SET unit = \(target), status = 'assigned', deadline = \(deadline), referral_count = r.referral_count + 1, updated_at = now()
            FROM reports c
            WHERE r.parent_id = \(caseID) AND c.report_id = r.parent_id
            RETURNING r.report_id, r.delivery::text, r.referral_count, c.tracking_code, coalesce(r.link_similarity, 0), r.link_distance_m
            """,
            logger: logger)
        let at = CloudEvent.formatTime(now)
        // Read to the end first, as in `follow`.
        var followers: [(UUID, String, Int, String, Double, Double?)] = []
        for try await row in rows.decode((UUID, String, Int, String, Double, Double?).self) { followers.append(row) }
        for (linked, deliveryText, referrals, caseTrackingCode, similarity, metres) in followers {
            let id = linked.uuidString.lowercased()
            let delivery = try Self.storedDelivery(deliveryText, reportID: id)
            try await history(linked, updateID, unit: target, from: from, to: .assigned, by: update.unit, referredTo: target, update, connection)
            let reassigned = EncodedEvent(
                source: RoutingMessages.source, type: EventType.reportReassigned, time: now, subject: id,
                data: ReportReassignedData(reportID: id, fromUnit: fromUnit, unit: target, deadline: CloudEvent.formatTime(deadline),
                                           note: update.note, referralCount: referrals, district: delivery.district, at: at),
                correlationID: correlationID)
            try await outbox.enqueue(try reassigned.message(exchange: Open137Topology.eventsExchange), on: connection, logger: logger)
            let link = CaseLink(parentID: caseID, parentTrackingCode: caseTrackingCode, similarity: similarity, metres: metres)
            for message in try RoutingMessages.linked(
                delivery, to: link, unit: target, status: ReportStatus.assigned.rawValue, deadline: CloudEvent.formatTime(deadline),
                correlationID: correlationID, id: "\(id).linked.a\(assignment)", toUnitOnly: true, now: now) {
                try await outbox.enqueue(message, on: connection, logger: logger)
            }
        }
    }
}
