import Contracts
import Foundation
import PostgresNIO

extension NotificationStore {
    /// Handles a batch of report events in one transaction and answers one outcome per item, in order.
    ///
    /// Reporters of `report.received` are stored first (idempotent), then the reporters later events need
    /// are read; an event whose reporter is still unknown is left out (no inbox row: it is retried). The
    /// rest get their inbox rows in one insert, and only the new ones are planned; SMS and e-mail beyond
    /// their recipient's hourly limit are written as suppressed; all notifications go in one insert.
    /// Pending notifications that fit into `handoff` are written claimed (first attempt counted, leased) and
    /// pushed to it after the commit, so their sender need not claim them.
    func write(_ batch: [NotificationBatchItem], planner: NotificationPlanner, consumer: String,
               handoff: NotificationHandoff? = nil) async throws -> [NotificationBatchWriter.Outcome] {
        let subscriptions = try await currentSubscriptions()
        let (outcomes, claimed) = try await client.withTransaction(within: .seconds(20), "storing a batch of notifications", logger: logger) { connection in
            try await write(batch, planner: planner, consumer: consumer, subscriptions: subscriptions, handoff: handoff, on: connection)
        }
        handoff?.push(claimed)
        return outcomes
    }

    private func write(
        _ batch: [NotificationBatchItem], planner: NotificationPlanner, consumer: String, subscriptions: [WebhookSubscription],
        handoff: NotificationHandoff?, on connection: PostgresConnection
    ) async throws -> ([NotificationBatchWriter.Outcome], [ClaimedNotification]) {
        var outcomes = [NotificationBatchWriter.Outcome?](repeating: nil, count: batch.count)
        var reporters: [String: ReporterRecord] = [:]

        let received = batch.compactMap(\.received)
        if !received.isEmpty {
            try await connection.query(
                """
                INSERT INTO reporters (report_id, tracking_code, language, phone, email, notify)
                SELECT r.report_id, r.tracking_code, r.language, NULLIF(r.phone, ''), NULLIF(r.email, ''), r.notify
                FROM unnest(\(received.map(\.reportID))::uuid[], \(received.map(\.trackingCode))::text[], \(received.map(\.language))::text[],
                            \(received.map { $0.phone ?? "" })::text[], \(received.map { $0.email ?? "" })::text[],
                            \(received.map(\.notify))::boolean[]) AS r(report_id, tracking_code, language, phone, email, notify)
                ON CONFLICT (report_id) DO NOTHING
                """, logger: logger)
        }
        let wanted = Array(Set(batch.filter(\.needsStoredReporter).compactMap { $0.event.subject?.lowercased() }
            .filter { UUID(uuidString: $0) != nil }))
        if !wanted.isEmpty {
            let rows = try await connection.query(
                "SELECT report_id, tracking_code, language, phone, email, notify FROM reporters WHERE report_id = ANY(\(wanted)::uuid[])",
                logger: logger)
            for try await (id, code, language, phone, email, notify) in rows.decode((UUID, String, String, String?, String?, Bool).self) {
                let reportID = id.uuidString.lowercased()
                reporters[reportID] = ReporterRecord(reportID: reportID, trackingCode: code, language: language, phone: phone, email: email, notify: notify)
            }
        }
        var candidates: [Int] = []
        for (index, item) in batch.enumerated() {
            if item.needsStoredReporter, item.event.subject.flatMap({ reporters[$0.lowercased()] }) == nil {
                outcomes[index] = .reporterUnknown
            } else {
                candidates.append(index)
            }
        }

        // Inbox rows: an event id new to the inbox is handled by its first item in the batch.
        var fresh: Set<String> = []
        if !candidates.isEmpty {
            let ids = candidates.map { batch[$0].event.id }
            let rows = try await connection.query(
                """
                INSERT INTO inbox (consumer, event_id) SELECT \(consumer), unnest(\(ids)::text[])
                ON CONFLICT (consumer, event_id) DO NOTHING
                RETURNING event_id
                """, logger: logger)
            for try await id in rows.decode(String.self) { fresh.insert(id) }
        }
        var plans: [(index: Int, plan: NotificationPlan)] = []
        for index in candidates {
            let item = batch[index]
            guard fresh.remove(item.event.id) != nil else {
                outcomes[index] = .duplicate
                continue
            }
            let reporter = item.received ?? item.event.subject.flatMap { reporters[$0.lowercased()] }
            do {
                for plan in try planner.plans(event: item.event, body: item.body, reporter: reporter, subscriptions: subscriptions) {
                    plans.append((index, plan))
                }
                outcomes[index] = .written(pending: 0)
            } catch {
                outcomes[index] = .invalid
            }
        }
        // An invalid event must leave nothing behind: its inbox row goes too (the whole batch must not fail for it).
        let invalid = batch.indices.filter { outcomes[$0] == .invalid }.map { batch[$0].event.id }
        if !invalid.isEmpty {
            try await connection.query(
                "DELETE FROM inbox WHERE consumer = \(consumer) AND event_id = ANY(\(invalid)::text[])", logger: logger)
        }

        // The rate limit per recipient: what the last hour sent, plus what this batch adds, in order.
        let recipients = Array(Set(plans.filter { $0.plan.channel != .webhook }.map(\.plan.recipient)))
        var sentLastHour: [String: Int] = [:]
        if !recipients.isEmpty {
            let rows = try await connection.query(
                """
                SELECT recipient, count(*) FROM notifications
                WHERE recipient = ANY(\(recipients)::text[]) AND channel <> 'webhook' AND status <> 'suppressed'
                  AND created_at > now() - interval '1 hour'
                GROUP BY recipient
                """, logger: logger)
            for try await (recipient, count) in rows.decode((String, Int).self) { sentLastHour[recipient] = count }
        }
        var statuses: [String] = []
        var errors: [String] = []
        var handedOff: [Bool] = []
        var room: [NotificationChannel: Int] = [:]
        for (_, plan) in plans {
            if plan.channel != .webhook {
                let count = sentLastHour[plan.recipient, default: 0]
                if count >= ratePerRecipientPerHour {
                    statuses.append("suppressed")
                    errors.append("rate-limited: \(ratePerRecipientPerHour) messages per recipient per hour")
                    handedOff.append(false)
                    continue
                }
                sentLastHour[plan.recipient] = count + 1
            }
            statuses.append("pending")
            errors.append("")
            let left = room[plan.channel] ?? handoff?.room(for: plan.channel) ?? 0
            handedOff.append(left > 0)
            room[plan.channel] = max(left - 1, 0)
        }
        var claimed: [ClaimedNotification] = []

        if !plans.isEmpty {
            let items = plans.map { batch[$0.index] }
            let rows = try await connection.query(
                """
                INSERT INTO notifications (idempotency_key, event_id, event_type, report_id, channel, recipient, subscription_id,
                                           subject, body, status, last_error, attempts, next_attempt_at)
                SELECT u.key, u.event_id, u.event_type, NULLIF(u.report_id, '')::uuid, u.channel, u.recipient, NULLIF(u.subscription_id, 0),
                       NULLIF(u.subject, ''), u.body, u.status, NULLIF(u.last_error, ''),
                       -- handed to the sender in memory: claimed now, as claim() would
                       CASE WHEN u.handed_off THEN 1 ELSE 0 END,
                       CASE WHEN u.handed_off THEN now() + \(Int(lease.components.seconds * 1000)) * interval '1 millisecond' ELSE now() END
                FROM unnest(\(plans.map(\.plan.idempotencyKey))::text[], \(items.map(\.event.id))::text[], \(items.map(\.event.type))::text[],
                            \(items.map { Self.reportID(of: $0.event) })::text[], \(plans.map(\.plan.channel.rawValue))::text[],
                            \(plans.map(\.plan.recipient))::text[], \(plans.map { $0.plan.subscriptionID ?? 0 })::bigint[],
                            \(plans.map { $0.plan.subject ?? "" })::text[], \(plans.map(\.plan.body))::text[], \(statuses)::text[],
                            \(errors)::text[], \(handedOff)::boolean[])
                     AS u(key, event_id, event_type, report_id, channel, recipient, subscription_id, subject, body, status, last_error, handed_off)
                -- a subscription removed since the (cached) read gets nothing
                WHERE u.subscription_id = 0 OR EXISTS (SELECT 1 FROM webhook_subscriptions w WHERE w.id = u.subscription_id)
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING id, idempotency_key, event_id, status, attempts
                """, logger: logger)
            var pending: [String: Int] = [:]
            var planByKey: [String: Int] = [:]
            for (position, entry) in plans.enumerated() { planByKey[entry.plan.idempotencyKey] = position }
            let secrets = Dictionary(subscriptions.map { ($0.id, $0.secret) }, uniquingKeysWith: { first, _ in first })
            for try await (id, key, eventID, status, attempts) in rows.decode((Int64, String, String, String, Int32).self) where status == "pending" {
                pending[eventID, default: 0] += 1
                guard attempts == 1, let position = planByKey[key] else { continue }
                let plan = plans[position].plan
                let event = batch[plans[position].index].event
                let reportID = Self.reportID(of: event)
                claimed.append(ClaimedNotification(
                    id: id, idempotencyKey: key, eventID: eventID, eventType: event.type, reportID: reportID.isEmpty ? nil : reportID,
                    channel: plan.channel, recipient: plan.recipient, subject: plan.subject, body: plan.body, attempt: 1,
                    secret: plan.subscriptionID.flatMap { secrets[$0] }))
            }
            for (index, item) in batch.enumerated() where outcomes[index] == .written(pending: 0) {
                outcomes[index] = .written(pending: pending.removeValue(forKey: item.event.id) ?? 0)
            }
        }
        return (outcomes.map { $0 ?? .duplicate }, claimed)
    }

    /// The event's report id as text when its subject is a UUID, else empty (stored as NULL).
    static func reportID(of event: CloudEvent) -> String {
        event.subject.flatMap { UUID(uuidString: $0) }.map { $0.uuidString.lowercased() } ?? ""
    }
}
