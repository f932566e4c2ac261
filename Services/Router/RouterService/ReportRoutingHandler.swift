import Events
import Foundation
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceSupport

/// Routes each `report.classified`: stores the assignment in `router.reports` and, in the same transaction
/// (outbox), the `report.assigned` delivery to `open137.units` with routing key `<unit>.d<NN>`, for child
/// reports a copy with routing key `council.child-friendly`, and `report.routed` on the events exchange —
/// once per event (inbox) and once per report (primary key). A message that is not a valid
/// `report.classified` is rejected (dead-lettered with the reason); a database failure is retried.
struct ReportRoutingHandler: Sendable {
    let router: ReportRouter
    let inbox: Inbox
    let outbox: Outbox
    let client: PostgresClient
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "router.reports"

    func handle(_ delivery: AMQPDelivery) async throws {
        let event: CloudEvent
        do {
            event = try CloudEvent.decode(delivery.body)
        } catch {
            throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
        }
        guard event.type == EventType.reportClassified else {
            throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not \(EventType.reportClassified)")
        }
        let data: ReportClassifiedData
        do {
            data = try event.payload(as: ReportClassifiedData.self)
        } catch {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): data is not a report.classified report")
        }
        guard let reportID = UUID(uuidString: data.report.reportID) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "event \(event.id): report_id is not a UUID")
        }
        let decision = router.route(data)
        let plan = try RoutingMessages(data: data, decision: decision, correlationID: event.correlationid ?? event.id)
        let delivered = Self.encodeJSON(plan.delivery)

        var inserted = false
        let outcome = try await inbox.handleOnce(client: client, eventID: event.id, consumer: Self.consumer, logger: logger) { connection in
            let c = data.classification
            let rows = try await connection.query(
                """
                INSERT INTO reports (report_id, event_id, tracking_code, service_code, child_friendly, priority, district, unit,
                                     status, deadline, assignment, delivery)
                VALUES (\(reportID), \(event.id), \(data.report.trackingCode), \(c.serviceCode), \(c.childFriendly), \(c.priority),
                        \(decision.district), \(decision.unit), 'assigned', \(decision.deadline), 1, \(delivered)::jsonb)
                ON CONFLICT (report_id) DO NOTHING
                RETURNING 1
                """,
                logger: logger
            )
            for try await _ in rows { inserted = true }
            // A second classification of a routed report (a re-run upstream) changes nothing here.
            guard inserted else { return }
            for message in plan.messages {
                try await outbox.enqueue(message, on: connection, logger: logger)
            }
        }
        logger.info("report routed", metadata: [
            "report_id": "\(data.report.reportID)", "event_id": "\(event.id)", "unit": "\(decision.unit)",
            "district": "\(decision.district)", "child_friendly": "\(data.classification.childFriendly)",
            "outcome": "\(outcome == .processed && !inserted ? "already-routed" : "\(outcome)")",
        ])
    }

    /// The JSON text of a payload, for a `jsonb` bind.
    static func encodeJSON(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
