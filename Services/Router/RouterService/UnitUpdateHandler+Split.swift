import BrokerTopology
import Contracts
import Foundation
import JSON
import Messaging
import Persistence
import PostgresNIO
import Stages

/// A unit splits a wrong link (issue 20): a report linked to one of its cases is another hazard. Under the
/// case's row lock, the report leaves the case (the case counts one report fewer), becomes a case of its
/// own with a deadline counted from now, and is delivered to the unit (`report.assigned`, its first
/// delivery) with `report.unlinked` on the events exchange and the unit's copy `<unit>.unlinked`, which
/// answers the request (its `correlationid`). Refused — `not-linked`, `wrong-unit`, `missing-reason` — the
/// unit is told (`unit.status-refused`, status `split`) and the request is dead-lettered.
extension UnitUpdateHandler {
    /// The split request in `delivery`, if it is one: a CloudEvent of type `unit.link-split`.
    static func parseSplit(_ delivery: AMQPDelivery) throws(DeliveryRejection) -> (String, UnitLinkSplitData, String?)? {
        guard let root = try? JSONValue.parse(delivery.body), root["specversion"] != nil,
              root["type"]?.stringValue == UnitLinkSplitData.eventType else { return nil }
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        do {
            let split = try JSONDecoder().decode(UnitLinkSplitData.self, from: JSONEncoder().encode(event.data))
            return (event.id, split, event.correlationid)
        } catch {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "split \(event.id): data is not a unit.link-split")
        }
    }

    /// Applies `split` once per id.
    func handle(_ split: UnitLinkSplitData, splitID: String, correlationID: String?, routingKey: String) async throws {
        guard split.unit == Self.unit(ofRoutingKey: routingKey) else {
            throw DeliveryRejection(code: "wrong-unit", reason: "split \(splitID) names unit \(split.unit) but was published with routing key \(routingKey)")
        }
        guard let reportID = UUID(uuidString: split.reportID) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "split \(splitID): report_id is not a UUID")
        }
        guard !split.reason.allSatisfy(\.isWhitespace) else {
            throw DeliveryRejection(code: "missing-reason", reason: "split \(splitID): a split needs a reason")
        }
        let outcome = try await inbox.handleOnce(client: client, eventID: splitID, consumer: Self.consumer, logger: logger) { connection in
            try await applySplit(split, splitID: splitID, reportID: reportID, correlationID: correlationID ?? splitID, on: connection)
        }
        logger.info("linked report split off its case", metadata: [
            "report_id": "\(split.reportID)", "update_id": "\(splitID)", "unit": "\(split.unit)", "outcome": "\(outcome)",
        ])
    }

    private func applySplit(_ split: UnitLinkSplitData, splitID: String, reportID: UUID, correlationID: String, on connection: PostgresConnection) async throws {
        let notLinked = DeliveryRejection(code: "not-linked", reason: "report \(split.reportID) is not linked to a case")
        var caseID: UUID?
        for try await parent in try await connection.query("SELECT parent_id FROM reports WHERE report_id = \(reportID)", logger: logger)
            .decode(UUID?.self) { caseID = parent }
        guard let caseID else { throw notLinked }
        // The case first, then the report: the order a case's status update takes (it locks the case and
        // then moves its linked reports), so the two never wait for each other.
        var caseUnit: String?
        for try await unit in try await connection.query("SELECT unit FROM reports WHERE report_id = \(caseID) FOR UPDATE", logger: logger)
            .decode(String.self) { caseUnit = unit }
        var report: (parent: UUID?, status: String, serviceCode: String, priority: String, delivery: String)?
        for try await row in try await connection.query(
            "SELECT parent_id, status, service_code, priority, delivery::text FROM reports WHERE report_id = \(reportID) FOR UPDATE", logger: logger)
            .decode((UUID?, String, String, String, String).self) { report = (row.0, row.1, row.2, row.3, row.4) }
        guard let report, report.parent == caseID, let unit = caseUnit else { throw notLinked }
        guard unit == split.unit else {
            throw DeliveryRejection(code: "wrong-unit", reason: "report \(split.reportID)'s case is with \(unit), not \(split.unit)")
        }
        let now = Date()
        let deadline = router.deadline(serviceCode: report.serviceCode, priority: report.priority, from: now)
        var delivery = try Self.storedDelivery(report.delivery, reportID: split.reportID)
        delivery.unit = unit
        delivery.deadline = CloudEvent.formatTime(deadline)
        delivery.assignment = 1
        try await connection.query(
            """
            UPDATE reports SET parent_id = NULL, link_similarity = NULL, link_distance_m = NULL, unit = \(unit), status = 'assigned',
                deadline = \(deadline), assignment = 1, delivery = \(delivery.jsonText)::jsonb, updated_at = now()
            WHERE report_id = \(reportID)
            """,
            logger: logger)
        try await connection.query(
            "UPDATE reports SET linked_count = greatest(linked_count - 1, 0), updated_at = now() WHERE report_id = \(caseID)", logger: logger)
        let from = ReportStatus(rawValue: report.status) ?? .assigned
        try await history(reportID, splitID, unit: unit, from: from, to: .assigned, by: split.unit, referredTo: nil,
                          UnitStatusUpdateData(reportID: split.reportID, unit: split.unit, status: ReportStatus.assigned.rawValue, reason: split.reason),
                          connection)
        let unlinked = EncodedEvent(
            id: "\(splitID).unlinked", source: RoutingMessages.source, type: EventType.reportUnlinked, time: now, subject: split.reportID,
            data: ReportUnlinkedData(reportID: split.reportID, parentReportID: caseID.uuidString.lowercased(), unit: unit, reason: split.reason,
                                     deadline: delivery.deadline, at: CloudEvent.formatTime(now)),
            correlationID: correlationID)
        let plan = try RoutingMessages(
            delivery: delivery, event: try unlinked.message(exchange: Open137Topology.eventsExchange), correlationID: correlationID, now: now)
        for message in plan.messages { try await outbox.enqueue(message, on: connection, logger: logger) }
        try await outbox.enqueue(try Self.answer(unlinked, to: unit, as: .unlinked), on: connection, logger: logger)
    }
}
