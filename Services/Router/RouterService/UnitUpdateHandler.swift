import BrokerTopology
import Contracts
import Foundation
import JSON
import Logging
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting
import Stages

/// Applies the units' status updates from `router.unit-updates` through the state machine
/// (``StatusTransition``), once per update id (inbox), under a row lock on the report so concurrent
/// updates of one report apply one after the other. Each change stores the new state, a history row and
/// its events (outbox) in one transaction: `report.status-changed`, or for a referral `report.reassigned`
/// and the new unit's delivery, or for a reopening `report.status-changed` and a new delivery — and the
/// unit's answer, a copy of that event in its own queue (``Open137Topology/UnitAnswer``). A refused update
/// is answered too (`unit.status-refused`), then dead-lettered.
///
/// A unit's `unit.link-split` (split a linked report off its case) comes the same way and is applied once
/// per id too (``UnitUpdateHandler+Split``). Any update naming a report linked to a case is refused as
/// `linked-report`, except a reopening, which reopens the case (``UnitUpdateHandler+Followers``).
///
/// A wrong unit (routing key and body disagree, or not the current assignee), an illegal transition or a
/// malformed update is dead-lettered with the reason (`router.unit-updates.dlq`). An update for a report
/// the router has not stored is retried (its assignment may still be on the way) up to
/// `unknownReportRetries` times, then dead-lettered as `unknown-report`. An update ahead of its report's
/// status (``UpdateOutOfOrder``: `resolved` overtook the unit's `in_progress`) is retried likewise, waiting for
/// its predecessor, up to `outOfOrderRetries` times, then dead-lettered as `out-of-order`.
struct UnitUpdateHandler: Sendable {
    let router: ReportRouter
    /// Raises a case reopened again and again.
    let repeats: RepeatHazards
    let inbox: Inbox
    let outbox: Outbox
    let client: PostgresClient
    let unknownReportRetries: Int
    let outOfOrderRetries: Int
    let logger: Logger

    /// The inbox's consumer name.
    static let consumer = "router.unit-updates"

    func handle(_ delivery: AMQPDelivery) async throws {
        let routingKey = Self.publishedRoutingKey(delivery)
        if let (splitID, split, correlationID) = try Self.parseSplit(delivery) {
            do {
                try await handle(split, splitID: splitID, correlationID: correlationID, routingKey: routingKey)
            } catch let refusal as DeliveryRejection {
                try await tellRefusal(refusal, reportID: split.reportID, status: UnitLinkSplitData.refusedStatus, updateID: splitID,
                                      correlationID: correlationID, routingKey: routingKey)
                throw refusal
            }
            return
        }
        let (updateID, update, correlationID) = try Self.parse(delivery)
        do {
            try await handle(update, updateID: updateID, correlationID: correlationID, routingKey: routingKey, delivery: delivery)
        } catch let refusal as DeliveryRejection {
            // The update goes to the dead-letter queue (rethrown below); the unit that sent it is told why,
            // once per update, so a desk can show the refusal instead of waiting for ever.
            try await tellRefusal(refusal, reportID: update.reportID, status: update.status, updateID: updateID, correlationID: correlationID,
                                  routingKey: routingKey)
            throw refusal
        }
    }

    private func handle(_ update: UnitStatusUpdateData, updateID: String, correlationID: String?, routingKey: String, delivery: AMQPDelivery) async throws {
        guard update.unit == Self.unit(ofRoutingKey: routingKey) else {
            throw DeliveryRejection(code: "wrong-unit", reason: "update \(updateID) names unit \(update.unit) but was published with routing key \(routingKey)")
        }
        guard let reportID = UUID(uuidString: update.reportID) else {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "update \(updateID): report_id is not a UUID")
        }
        let outcome: InboxOutcome
        do {
            outcome = try await inbox.handleOnce(client: client, eventID: updateID, consumer: Self.consumer, logger: logger) { connection in
                try await apply(update, updateID: updateID, reportID: reportID, correlationID: correlationID, on: connection)
            }
        } catch let notRouted as ReportNotRouted {
            let attempts = Int(delivery.headers[DeliveryWorker.attemptsHeader]?.intValue ?? 0)
            guard attempts < unknownReportRetries else {
                throw DeliveryRejection(code: "unknown-report", reason: "update \(updateID): report \(notRouted.reportID) is not routed (after \(attempts) retries)")
            }
            throw notRouted
        } catch let early as UpdateOutOfOrder {
            // Its predecessor may be a few deliveries behind it or on its own retry: wait for it a while
            // (the transaction rolled back, so a retry is not taken for a duplicate), then give up naming why.
            let attempts = Int(delivery.headers[DeliveryWorker.attemptsHeader]?.intValue ?? 0)
            guard attempts < outOfOrderRetries else {
                throw DeliveryRejection(
                    code: early.code,
                    reason: "update \(updateID): report \(early.reportID) is \(early.current.rawValue), still not ready for \(early.requested.rawValue) after \(attempts) retries")
            }
            throw early
        }
        logger.info("unit status update", metadata: [
            "report_id": "\(update.reportID)", "update_id": "\(updateID)", "unit": "\(update.unit)", "status": "\(update.status)",
            "outcome": "\(outcome)",
        ])
    }

    /// The consumer name under which refusals are recorded in the inbox (one refusal per update id).
    static let refusalConsumer = "router.unit-refusals"

    /// Sends `unit.status-refused` to the unit whose routing key the update came with (the broker let only
    /// that unit publish it), through the outbox, once per update. Updates of the council or the reporter
    /// are not answered: their queues are not bound to answers.
    private func tellRefusal(
        _ refusal: DeliveryRejection, reportID: String, status: String, updateID: String, correlationID: String?, routingKey: String
    ) async throws {
        guard let unit = Self.unit(ofRoutingKey: routingKey), router.units.contains(unit) else { return }
        let now = Date()
        let refused = EncodedEvent(
            id: "\(updateID).refused", source: RoutingMessages.source, type: UnitStatusRefusedData.eventType, time: now, subject: reportID,
            data: UnitStatusRefusedData(reportID: reportID, unit: unit, updateID: updateID, status: status, code: refusal.code,
                                        reason: refusal.reason, at: CloudEvent.formatTime(now)),
            correlationID: correlationID ?? updateID)
        let message = try Self.answer(refused, to: unit, as: .statusRefused)
        try await inbox.handleOnce(client: client, eventID: updateID, consumer: Self.refusalConsumer, logger: logger) { connection in
            try await outbox.enqueue(message, on: connection, logger: logger)
        }
    }

    /// A copy of `event` for `unit`'s queue, as `answer`.
    static func answer(_ event: EncodedEvent<some Encodable & Sendable>, to unit: String, as answer: Open137Topology.UnitAnswer) throws -> OutgoingMessage {
        var message = try event.message(exchange: Open137Topology.unitsExchange)
        message.routingKey = Open137Topology.unitAnswerKey(unit, answer)
        return message
    }

    /// The update's id, data and correlation id: a CloudEvent of type `unit.status-update`, or the bare JSON
    /// with the AMQP message id as its id.
    static func parse(_ delivery: AMQPDelivery) throws(DeliveryRejection) -> (String, UnitStatusUpdateData, String?) {
        let root: JSONValue
        do {
            root = try JSONValue.parse(delivery.body)
        } catch {
            throw DeliveryRejection(code: EventDecodingError.Code.malformedEnvelope.rawValue, reason: "a status update that is not JSON")
        }
        let id: String
        let data: JSONValue
        let correlationID: String?
        if root["specversion"] != nil {
            let event: CloudEvent
            do {
                event = try CloudEvent.decode(delivery.body)
            } catch {
                throw DeliveryRejection(code: error.code.rawValue, reason: error.message)
            }
            guard event.type == UnitStatusUpdateData.eventType else {
                throw DeliveryRejection(code: "unexpected-type", reason: "event \(event.id) has type \(event.type), not \(UnitStatusUpdateData.eventType)")
            }
            id = event.id
            data = event.data
            correlationID = event.correlationid
        } else {
            guard let messageID = delivery.messageID, !messageID.isEmpty else {
                throw DeliveryRejection(code: "missing-message-id", reason: "a bare status update needs a message id (it is applied once per id)")
            }
            id = messageID
            data = root
            correlationID = delivery.correlationID
        }
        do {
            let update = try JSONDecoder().decode(UnitStatusUpdateData.self, from: JSONEncoder().encode(data))
            return (id, update, correlationID)
        } catch {
            throw DeliveryRejection(code: EventDecodingError.Code.invalidPayload.rawValue, reason: "update \(id): data is not a unit status update")
        }
    }

    /// The routing key the unit published with. A retry copy comes back from the retry queue through the
    /// default exchange (which units may not write to) with the key in a header the worker set; a delivery
    /// straight from `open137.unit-updates` has its own key, and a header there is ignored (a unit could set it).
    static func publishedRoutingKey(_ delivery: AMQPDelivery) -> String {
        if delivery.exchange != Open137Topology.unitUpdatesExchange, let original = delivery.headers[DeliveryWorker.routingKeyHeader]?.stringValue {
            return original
        }
        return delivery.routingKey
    }

    /// `parks` of `parks.status`; nil for any other shape.
    static func unit(ofRoutingKey key: String) -> String? {
        guard key.hasSuffix(".status") else { return nil }
        let unit = key.dropLast(".status".count)
        return unit.isEmpty || unit.contains(".") ? nil : String(unit)
    }

    private func apply(_ update: UnitStatusUpdateData, updateID: String, reportID: UUID, correlationID: String?, on connection: PostgresConnection) async throws {
        // A report linked to a case follows the case: a unit acts on the case; the reporter's or the council's
        // reopening of a linked report reopens the hazard, its case. Read without a lock: the case is locked
        // first below, as everywhere a case and its linked reports change together.
        let reportID = try await caseToUpdate(update, reportID: reportID, on: connection)
        let subject = reportID.uuidString.lowercased()
        let rows = try await connection.query(
            """
            SELECT unit, status, service_code, priority, assignment, referral_count, delivery::text
            FROM reports WHERE report_id = \(reportID) FOR UPDATE
            """,
            logger: logger
        )
        var found: (unit: String, status: String, serviceCode: String, priority: String, assignment: Int, referrals: Int, delivery: String)?
        for try await row in rows.decode((String, String, String, String, Int, Int, String).self) {
            found = (row.0, row.1, row.2, row.3, row.4, row.5, row.6)
        }
        guard let current = found else { throw ReportNotRouted(reportID: subject) }
        guard let status = ReportStatus(rawValue: current.status), ReportStatus.lifecycle.contains(status) else {
            throw DeliveryRejection(code: "illegal-transition", reason: "report \(subject) has an unknown stored status")
        }
        let transition = try StatusTransition.decide(update, currentUnit: current.unit, status: status, units: router.units)
        let now = Date()
        let at = CloudEvent.formatTime(now)
        let correlation = correlationID ?? subject

        switch transition {
        case .change(let from, let to):
            try await connection.query(
                "UPDATE reports SET status = \(to.rawValue), updated_at = now() WHERE report_id = \(reportID)", logger: logger)
            try await history(reportID, updateID, unit: current.unit, from: from, to: to, by: update.unit, referredTo: nil, update, connection)
            let changed = EncodedEvent(
                source: RoutingMessages.source, type: EventType.reportStatusChanged, time: now, subject: subject,
                data: ReportStatusChangedData(reportID: subject, unit: current.unit, fromStatus: from.rawValue, status: to.rawValue,
                                              note: update.note, reason: update.reason, at: at, by: update.unit),
                correlationID: correlation)
            try await outbox.enqueue(try changed.message(exchange: Open137Topology.eventsExchange), on: connection, logger: logger)
            try await outbox.enqueue(try Self.answer(changed, to: current.unit, as: .statusChanged), on: connection, logger: logger)
            try await follow(reportID, updateID, to: to, unit: current.unit, deadline: nil, from: from, by: update.unit, update, at: now, correlationID: correlation, on: connection)

        case .refer(let from, let target):
            var delivery = try Self.storedDelivery(current.delivery, reportID: subject)
            let deadline = router.deadline(serviceCode: current.serviceCode, priority: current.priority, from: now)
            delivery.unit = target
            delivery.deadline = CloudEvent.formatTime(deadline)
            delivery.assignment = current.assignment + 1
            let referrals = current.referrals + 1
            try await connection.query(
                """
                UPDATE reports SET unit = \(target), status = 'assigned', deadline = \(deadline), assignment = \(delivery.assignment),
                    referral_count = \(referrals), delivery = \(delivery.jsonText)::jsonb, updated_at = now()
                WHERE report_id = \(reportID)
                """,
                logger: logger)
            try await history(reportID, updateID, unit: target, from: from, to: .assigned, by: update.unit, referredTo: target, update, connection)
            let reassigned = EncodedEvent(
                source: RoutingMessages.source, type: EventType.reportReassigned, time: now, subject: subject,
                data: ReportReassignedData(reportID: subject, fromUnit: current.unit, unit: target, deadline: delivery.deadline,
                                           note: update.note, referralCount: referrals, district: delivery.district, at: at),
                correlationID: correlation)
            let plan = try RoutingMessages(delivery: delivery, event: try reassigned.message(exchange: Open137Topology.eventsExchange), correlationID: correlation, now: now)
            for message in plan.messages { try await outbox.enqueue(message, on: connection, logger: logger) }
            try await outbox.enqueue(try Self.answer(reassigned, to: current.unit, as: .reassigned), on: connection, logger: logger)
            try await followReferral(reportID, updateID, to: target, fromUnit: current.unit, deadline: deadline, from: from, assignment: delivery.assignment,
                                     update, at: now, correlationID: correlation, on: connection)

        case .reopen:
            var delivery = try Self.storedDelivery(current.delivery, reportID: subject)
            let deadline = router.deadline(serviceCode: current.serviceCode, priority: current.priority, from: now)
            delivery.deadline = CloudEvent.formatTime(deadline)
            delivery.assignment = current.assignment + 1
            try await connection.query(
                """
                UPDATE reports SET status = 'reopened', deadline = \(deadline), assignment = \(delivery.assignment),
                    delivery = \(delivery.jsonText)::jsonb, updated_at = now()
                WHERE report_id = \(reportID)
                """,
                logger: logger)
            try await history(reportID, updateID, unit: current.unit, from: .resolved, to: .reopened, by: update.unit, referredTo: nil, update, connection)
            let reopened = EncodedEvent(
                source: RoutingMessages.source, type: EventType.reportStatusChanged, time: now, subject: subject,
                data: ReportStatusChangedData(reportID: subject, unit: current.unit, fromStatus: ReportStatus.resolved.rawValue,
                                              status: ReportStatus.reopened.rawValue, note: update.note, reason: update.reason, at: at, by: update.unit),
                correlationID: correlation)
            let plan = try RoutingMessages(delivery: delivery, event: try reopened.message(exchange: Open137Topology.eventsExchange), correlationID: correlation, now: now)
            for message in plan.messages { try await outbox.enqueue(message, on: connection, logger: logger) }
            try await outbox.enqueue(try Self.answer(reopened, to: current.unit, as: .statusChanged), on: connection, logger: logger)
            try await follow(reportID, updateID, to: .reopened, unit: current.unit, deadline: deadline, from: .resolved, by: update.unit, update, at: now,
                             correlationID: correlation, on: connection)
            var reopenings = 0
            for try await count in try await connection.query(
                "SELECT count(*) FROM status_history WHERE report_id = \(reportID) AND status = 'reopened'", logger: logger).decode(Int.self) {
                reopenings = count
            }
            if reopenings >= ReportRepeatHazardData.reopeningsThreshold {
                for message in try await repeats.raise(reportID, for: .reopenings, count: reopenings, correlationID: correlation, now: now, on: connection) {
                    try await outbox.enqueue(message, on: connection, logger: logger)
                }
            }
        }
    }

    func history(
        _ reportID: UUID, _ updateID: String, unit: String, from: ReportStatus, to: ReportStatus, by: String, referredTo: String?,
        _ update: UnitStatusUpdateData, _ connection: PostgresConnection
    ) async throws {
        try await connection.query(
            """
            INSERT INTO status_history (report_id, update_id, unit, from_status, status, by_unit, referred_to, note, reason)
            VALUES (\(reportID), \(updateID), \(unit), \(from.rawValue), \(to.rawValue), \(by), \(referredTo), \(update.note), \(update.reason))
            """,
            logger: logger)
    }

    /// The delivery stored with the assignment.
    static func storedDelivery(_ text: String, reportID: String) throws -> ReportAssignedData {
        do {
            return try JSONDecoder().decode(ReportAssignedData.self, from: Data(text.utf8))
        } catch {
            throw DeliveryRejection(code: "corrupt-assignment", reason: "report \(reportID): the stored delivery does not decode")
        }
    }
}
