import BrokerTopology
import Contracts
import Crypto
import Foundation
import PostgresNIO
import ServiceHosting

extension ReportStore {
    /// Queues a unit's status update for the router: a `unit.status-update` event on the unit-updates
    /// exchange (routing key `<unit>.status`) written to intake's outbox, so it survives a broker outage and
    /// is published once. The router applies it through its state machine (and dead-letters what it refuses).
    ///
    /// - Returns: false when an update with this event id was already queued (a repeated request).
    func enqueueStatusUpdate(_ update: UnitStatusUpdateData, eventID: String) async throws(IntakeStoreError) -> Bool {
        let event: CloudEvent
        do {
            event = try CloudEvent(
                source: ServiceName.intake.eventSource, type: UnitStatusUpdateData.eventType, subject: update.reportID, payload: update,
                correlationID: update.reportID
            )
        } catch {
            throw IntakeStoreError(.unavailable, "encoding a status update")
        }
        var identifiedEvent = event
        identifiedEvent.id = eventID
        let identified = identifiedEvent
        return try await bounded("queueing a status update") { [client, logger, outbox] in
            try await client.withTransaction(within: .seconds(20), "applying a status update", logger: logger) { connection in
                try await outbox.enqueue(
                    identified, exchange: Open137Topology.unitUpdatesExchange, routingKey: "\(update.unit).status", on: connection, logger: logger
                )
            }
        }
    }

    /// The unit the read model says a report is assigned to: `nil` when intake does not know the report,
    /// `.some(nil)` while it is not routed yet.
    func assignedUnit(_ reportID: UUID) async throws(IntakeStoreError) -> String?? {
        try await bounded("reading a report") { [client, logger] in
            let rows = try await client.query("SELECT unit FROM reports WHERE report_id = \(reportID)", logger: logger)
            for try await (unit) in rows.decode(String?.self) { return .some(unit) }
            return nil
        }
    }

    /// A deterministic event id for a repeated request (same key, same request → same event, which the
    /// outbox and the router's inbox keep once).
    static func statusEventID(keyID: String, idempotencyKey: String) -> String {
        let digest = SHA256.hash(data: Data("\(keyID)\u{0}\(idempotencyKey)".utf8))
        return "status-" + Hex.lowercase(digest.prefix(16))
    }
}

extension ReportStore {
    /// What happened to a reporter's request to reopen.
    enum ReopenOutcome: Sendable, Equatable {
        /// Queued for the router (or already queued for this resolution).
        case queued(reportID: String)
        /// No report has this tracking code.
        case unknown
        /// The secret is not this report's.
        case wrongSecret
        /// Too many wrong secrets: the report's public reopen is locked for this many seconds.
        case locked(retryAfter: Int)
        /// The report is not resolved (only a resolved report can be reopened); its status.
        case notResolved(status: String)
        /// The reporter has reopened this report as often as allowed.
        case limitReached(allowed: Int)
    }

    /// How the public reopen is bounded per report.
    struct ReopenPolicy: Sendable {
        /// How many times a reporter may reopen one report.
        var maxReopenings = 3
        /// Wrong secrets in a row before the report's public reopen is locked.
        var maxFailures = 5
        /// How long it stays locked.
        var lockout: Duration = .seconds(15 * 60)
    }

    /// Queues the reporter's reopening of a resolved report (`reporter.status`, `unit: reporter`) when
    /// `isReporter` accepts the secret for the report's id. The event id is derived from the resolution it
    /// reopens, so asking twice queues it once and counts once. Wrong secrets are counted (and the count
    /// committed) before anything about the report's state is told.
    func reopenByReporter(
        _ trackingCode: TrackingCode, note: String?, policy: ReopenPolicy = ReopenPolicy(),
        isReporter: @escaping @Sendable (_ reportID: String) -> Bool
    ) async throws(IntakeStoreError) -> ReopenOutcome {
        try await bounded("reopening a report") { [client, logger, outbox] in
            try await client.withTransaction(within: .seconds(20), "applying a status update", logger: logger) { connection in
                let rows = try await connection.query(
                    """
                    SELECT report_id, status, status_at, reporter_reopenings,
                           reopened_resolution_at IS NOT DISTINCT FROM status_at,
                           ceil(extract(epoch FROM reopen_locked_until - now()))::bigint
                    FROM reports WHERE tracking_code = \(trackingCode.digits) FOR UPDATE
                    """,
                    logger: logger
                )
                var found: (UUID, String, Date?, Int, Bool, Int64?)?
                for try await row in rows.decode((UUID, String, Date?, Int, Bool, Int64?).self) { found = row }
                guard let (reportID, status, statusAt, reopenings, alreadyReopened, lockedFor) = found else { return ReopenOutcome.unknown }
                if let lockedFor, lockedFor > 0 { return ReopenOutcome.locked(retryAfter: Int(lockedFor)) }
                let id = reportID.uuidString.lowercased()
                guard isReporter(id) else {
                    let lockout = Int64(policy.lockout.components.seconds)
                    try await connection.query(
                        """
                        UPDATE reports SET
                            reopen_failures = CASE WHEN reopen_failures + 1 >= \(policy.maxFailures) THEN 0 ELSE reopen_failures + 1 END,
                            reopen_locked_until = CASE WHEN reopen_failures + 1 >= \(policy.maxFailures)
                                THEN now() + make_interval(secs => \(lockout)) ELSE reopen_locked_until END
                        WHERE report_id = \(reportID)
                        """,
                        logger: logger
                    )
                    return ReopenOutcome.wrongSecret
                }
                try await connection.query(
                    "UPDATE reports SET reopen_failures = 0, reopen_locked_until = NULL WHERE report_id = \(reportID) AND reopen_failures > 0",
                    logger: logger
                )
                guard status == "resolved" else { return ReopenOutcome.notResolved(status: status) }
                if alreadyReopened { return ReopenOutcome.queued(reportID: id) }
                guard reopenings < policy.maxReopenings else { return ReopenOutcome.limitReached(allowed: policy.maxReopenings) }
                var event = try CloudEvent(
                    source: ServiceName.intake.eventSource, type: UnitStatusUpdateData.eventType, subject: id,
                    payload: UnitStatusUpdateData(reportID: id, unit: "reporter", status: "reopened", note: note), correlationID: id
                )
                event.id = "reopen-\(id)-\(Int64(((statusAt ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970 * 1_000).rounded()))"
                try await outbox.enqueue(event, exchange: Open137Topology.unitUpdatesExchange, routingKey: "reporter.status", on: connection, logger: logger)
                try await connection.query(
                    """
                    UPDATE reports SET reporter_reopenings = reporter_reopenings + 1, reopened_resolution_at = status_at
                    WHERE report_id = \(reportID)
                    """,
                    logger: logger
                )
                return ReopenOutcome.queued(reportID: id)
            }
        }
    }
}
