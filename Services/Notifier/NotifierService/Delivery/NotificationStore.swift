import BrokerTopology
import Contracts
import Foundation
import JSON
import Logging
import Messaging
import Persistence
import PostgresNIO

/// The notifier's tables: reporters, webhook subscriptions and notifications with their state. Sends
/// happen only after a notification's pending row is committed; every outcome is recorded here.
public struct NotificationStore: Sendable {
    /// The notifier's database client (search_path = its schema).
    public let client: PostgresClient
    /// The notifier's outbox (failed notifications are dead-lettered through it).
    public let outbox: Outbox
    /// How long a claim holds a notification before another sender may take it.
    public let lease: Duration
    /// Messages per recipient per hour.
    public let ratePerRecipientPerHour: Int
    /// How old the subscriptions the event handler plans with may be (they are re-read after that).
    public let subscriptionsRefresh: Duration
    private let subscriptionCache = RefreshingValue<[WebhookSubscription]>()
    let logger: Logger

    /// Creates a store.
    public init(client: PostgresClient, outbox: Outbox, lease: Duration = .seconds(60), ratePerRecipientPerHour: Int = 20,
                subscriptionsRefresh: Duration = .seconds(1), logger: Logger) {
        self.client = client
        self.outbox = outbox
        self.lease = lease
        self.ratePerRecipientPerHour = ratePerRecipientPerHour
        self.subscriptionsRefresh = subscriptionsRefresh
        self.logger = logger
    }

    // MARK: Reporters and subscriptions

    /// Stores the reporter of a received report (a second `report.received` for it changes nothing).
    public func storeReporter(_ reporter: ReporterRecord, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            INSERT INTO reporters (report_id, tracking_code, language, phone, email, notify)
            VALUES (\(reporter.reportID)::uuid, \(reporter.trackingCode), \(reporter.language), \(reporter.phone), \(reporter.email), \(reporter.notify))
            ON CONFLICT (report_id) DO NOTHING
            """, logger: logger)
    }

    /// The stored reporter of `reportID`, nil when its `report.received` has not been handled (yet).
    public func reporter(_ reportID: String, on connection: PostgresConnection) async throws -> ReporterRecord? {
        guard UUID(uuidString: reportID) != nil else { return nil }
        let rows = try await connection.query(
            "SELECT tracking_code, language, phone, email, notify FROM reporters WHERE report_id = \(reportID.lowercased())::uuid",
            logger: logger)
        for try await (code, language, phone, email, notify) in rows.decode((String, String, String?, String?, Bool).self) {
            return ReporterRecord(reportID: reportID.lowercased(), trackingCode: code, language: language, phone: phone, email: email, notify: notify)
        }
        return nil
    }

    /// Every webhook subscription, read fresh on `connection`.
    public func subscriptions(on connection: PostgresConnection) async throws -> [WebhookSubscription] {
        let rows = try await connection.query("SELECT id, url, events, secret FROM webhook_subscriptions ORDER BY id", logger: logger)
        var result: [WebhookSubscription] = []
        for try await (id, url, events, secret) in rows.decode((Int64, String, [String], String).self) {
            result.append(WebhookSubscription(id: id, url: url, events: events, secret: secret))
        }
        return result
    }

    /// Every webhook subscription as of at most `subscriptionsRefresh` ago: one read per refresh instead of
    /// one per event, so a subscription added or removed while the notifier runs counts within that time.
    public func currentSubscriptions() async throws -> [WebhookSubscription] {
        try await subscriptionCache.value(maxAge: subscriptionsRefresh) {
            try await client.withConnection { connection in try await subscriptions(on: connection) }
        }
    }

    /// Adds a subscription (the same URL and patterns again replace the secret); returns its id.
    @discardableResult
    public func addSubscription(_ request: WebhookSubscriptionRequest) async throws -> Int64 {
        try await saveSubscription(request).id
    }

    /// Adds a subscription, or replaces the secret of the one with the same URL and patterns; returns its
    /// id and whether it is new.
    public func saveSubscription(_ request: WebhookSubscriptionRequest) async throws -> (id: Int64, created: Bool) {
        let rows = try await client.query(
            """
            INSERT INTO webhook_subscriptions (url, events, secret) VALUES (\(request.url), \(request.events), \(request.secret))
            ON CONFLICT (url, events) DO UPDATE SET secret = EXCLUDED.secret
            RETURNING id, (xmax = 0) AS created
            """, logger: logger)
        for try await (id, created) in rows.decode((Int64, Bool).self) {
            subscriptionCache.invalidate()
            return (id, created)
        }
        throw NotifierError(code: .database, message: "no id returned for the subscription")
    }

    /// The stored subscriptions without their secrets, oldest first.
    public func listSubscriptions() async throws -> [StoredWebhookSubscription] {
        let rows = try await client.query("SELECT id, url, events, created_at FROM webhook_subscriptions ORDER BY id", logger: logger)
        var result: [StoredWebhookSubscription] = []
        for try await (id, url, events, created) in rows.decode((Int64, String, [String], Date).self) {
            result.append(StoredWebhookSubscription(id: id, url: url, events: events, createdAt: created))
        }
        return result
    }

    /// Removes the subscription with this id; returns it (nil when there is none). Its notifications go
    /// with it (pending ones are no longer sent).
    public func removeSubscription(id: Int64) async throws -> StoredWebhookSubscription? {
        try await remove(client.query(
            "DELETE FROM webhook_subscriptions WHERE id = \(id) RETURNING id, url, events, created_at", logger: logger)).first
    }

    /// Removes every subscription to `url` (one per pattern list); returns them.
    public func removeSubscriptions(url: String) async throws -> [StoredWebhookSubscription] {
        try await remove(client.query(
            "DELETE FROM webhook_subscriptions WHERE url = \(url) RETURNING id, url, events, created_at", logger: logger))
    }

    private func remove(_ rows: PostgresRowSequence) async throws -> [StoredWebhookSubscription] {
        var result: [StoredWebhookSubscription] = []
        for try await (id, url, events, created) in rows.decode((Int64, String, [String], Date).self) {
            result.append(StoredWebhookSubscription(id: id, url: url, events: events, createdAt: created))
        }
        subscriptionCache.invalidate()
        return result.sorted { $0.id < $1.id }
    }

    // MARK: Writing notifications

    /// Writes `plans` as pending (a key already there is skipped: the event was handled before). SMS and
    /// e-mail beyond the rate limit of their recipient are written as suppressed, so they are never sent.
    /// Returns how many were written as pending.
    @discardableResult
    public func insert(_ plans: [NotificationPlan], event: CloudEvent, on connection: PostgresConnection) async throws -> Int {
        var pending = 0
        let reportID = event.subject.flatMap { UUID(uuidString: $0) }
        for plan in plans {
            var status = "pending"
            var error: String?
            if plan.channel != .webhook {
                let recent = try await connection.query(
                    """
                    SELECT count(*) FROM notifications
                    WHERE recipient = \(plan.recipient) AND channel <> 'webhook' AND status <> 'suppressed'
                      AND created_at > now() - interval '1 hour'
                    """, logger: logger)
                var count = 0
                for try await value in recent.decode(Int.self) { count = value }
                if count >= ratePerRecipientPerHour {
                    status = "suppressed"
                    error = "rate-limited: \(ratePerRecipientPerHour) messages per recipient per hour"
                }
            }
            let rows = try await connection.query(
                """
                INSERT INTO notifications (idempotency_key, event_id, event_type, report_id, channel, recipient, subscription_id,
                                           subject, body, status, last_error)
                SELECT \(plan.idempotencyKey), \(event.id), \(event.type), \(reportID), \(plan.channel.rawValue), \(plan.recipient),
                       s.id, \(plan.subject), \(plan.body), \(status), \(error)
                FROM (SELECT \(plan.subscriptionID)::bigint AS id) s
                -- a subscription removed since the handler's (cached) read gets nothing
                WHERE s.id IS NULL OR EXISTS (SELECT 1 FROM webhook_subscriptions w WHERE w.id = s.id)
                ON CONFLICT (idempotency_key) DO NOTHING
                RETURNING status
                """, logger: logger)
            for try await inserted in rows.decode(String.self) where inserted == "pending" { pending += 1 }
        }
        return pending
    }

    // MARK: Sending

    /// Takes up to `limit` due notifications of `channel`, moving each a lease ahead and counting the attempt.
    public func claim(_ channel: NotificationChannel, limit: Int) async throws -> [ClaimedNotification] {
        let leaseMilliseconds = Int(lease.components.seconds * 1000)
        let rows = try await client.query(
            """
            WITH due AS (
                SELECT id FROM notifications
                WHERE status = 'pending' AND channel = \(channel.rawValue) AND next_attempt_at <= now()
                ORDER BY next_attempt_at
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            ), claimed AS (
                UPDATE notifications n
                SET attempts = n.attempts + 1, next_attempt_at = now() + \(leaseMilliseconds) * interval '1 millisecond'
                FROM due WHERE n.id = due.id
                RETURNING n.id, n.idempotency_key, n.event_id, n.event_type, n.report_id, n.recipient, n.subject, n.body,
                          n.attempts, n.subscription_id
            )
            SELECT c.id, c.idempotency_key, c.event_id, c.event_type, c.report_id, c.recipient, c.subject, c.body, c.attempts, s.secret
            FROM claimed c LEFT JOIN webhook_subscriptions s ON s.id = c.subscription_id
            """, logger: logger)
        var result: [ClaimedNotification] = []
        for try await (id, key, eventID, type, reportID, recipient, subject, body, attempts, secret)
            in rows.decode((Int64, String, String, String, UUID?, String, String?, String, Int32, String?).self) {
            result.append(ClaimedNotification(
                id: id, idempotencyKey: key, eventID: eventID, eventType: type, reportID: reportID?.uuidString.lowercased(),
                channel: channel, recipient: recipient, subject: subject, body: body, attempt: Int(attempts), secret: secret))
        }
        return result
    }

    /// Marks notifications sent, with the gateways' ids (one statement for a batch).
    public func markSent(_ sent: [(id: Int64, gatewayID: String?)]) async throws {
        guard !sent.isEmpty else { return }
        let ids = sent.map(\.id)
        let gatewayIDs = sent.map { $0.gatewayID ?? "" }
        try await client.query(
            """
            UPDATE notifications n
            SET status = 'sent', sent_at = now(), gateway_id = NULLIF(u.gateway_id, ''), last_error = NULL
            FROM unnest(\(ids)::bigint[], \(gatewayIDs)::text[]) AS u(id, gateway_id)
            WHERE n.id = u.id AND n.status = 'pending'
            """, logger: logger)
    }

    /// Schedules another attempt after `delay`, keeping the reason.
    public func markRetry(_ id: Int64, after delay: Duration, reason: String) async throws {
        let milliseconds = Int(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)
        try await client.query(
            """
            UPDATE notifications SET next_attempt_at = now() + \(milliseconds) * interval '1 millisecond', last_error = \(reason)
            WHERE id = \(id) AND status = 'pending'
            """, logger: logger)
    }

    /// Marks a notification failed with its reason and, in the same transaction, puts a notice (no personal
    /// data) on `notifier.events.dlq` through the outbox, where operators look for what could not be done.
    public func markFailed(_ notification: ClaimedNotification, code: String, reason: String) async throws {
        let notice: JSONValue = .object([
            "notification_id": .string(String(notification.id)), "event_id": .string(notification.eventID),
            "event_type": .string(notification.eventType), "report_id": notification.reportID.map(JSONValue.string) ?? .null,
            "channel": .string(notification.channel.rawValue), "attempts": .number(Double(notification.attempt)),
            "reason_code": .string(code), "reason": .string(reason),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let message = OutgoingMessage(
            exchange: Open137Topology.deadLetterExchange, routingKey: NotifierStage.eventsQueue,
            body: Array(try encoder.encode(notice)), messageID: "notification-failed-\(notification.id)",
            contentType: "application/json",
            headers: ["x-open137-reason-code": .string(code), "x-open137-reason": .string(reason),
                      "x-open137-notification-id": .string(String(notification.id))])
        try await client.withTransaction(within: .seconds(20), "storing a notification", logger: logger) { connection in
            try await connection.query(
                "UPDATE notifications SET status = 'failed', last_error = \(code + ": " + reason) WHERE id = \(notification.id) AND status = 'pending'",
                logger: logger)
            _ = try await outbox.enqueue(message, on: connection, logger: logger)
        }
    }
}
