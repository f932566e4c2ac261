import Crypto
import Events
import Foundation
import PostgresNIO
import ServiceSupport

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
            try await client.withTransaction(logger: logger) { connection in
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
        /// The report is not resolved (only a resolved report can be reopened); its status.
        case notResolved(status: String)
    }

    /// Queues the reporter's reopening of a resolved report (`reporter.status`, `unit: reporter`). The event
    /// id is derived from the resolution it reopens, so asking twice queues it once.
    func reopenByReporter(_ trackingCode: TrackingCode, note: String?) async throws(IntakeStoreError) -> ReopenOutcome {
        try await bounded("reopening a report") { [client, logger, outbox] in
            try await client.withTransaction(logger: logger) { connection in
                let rows = try await connection.query(
                    "SELECT report_id, status, status_at FROM reports WHERE tracking_code = \(trackingCode.digits) FOR UPDATE",
                    logger: logger
                )
                var found: (UUID, String, Date?)?
                for try await row in rows.decode((UUID, String, Date?).self) { found = row }
                guard let (reportID, status, statusAt) = found else { return ReopenOutcome.unknown }
                guard status == "resolved" else { return ReopenOutcome.notResolved(status: status) }
                let id = reportID.uuidString.lowercased()
                var event = try CloudEvent(
                    source: ServiceName.intake.eventSource, type: UnitStatusUpdateData.eventType, subject: id,
                    payload: UnitStatusUpdateData(reportID: id, unit: "reporter", status: "reopened", note: note), correlationID: id
                )
                event.id = "reopen-\(id)-\(Int64(((statusAt ?? Date(timeIntervalSince1970: 0)).timeIntervalSince1970 * 1_000).rounded()))"
                try await outbox.enqueue(event, exchange: Open137Topology.unitUpdatesExchange, routingKey: "reporter.status", on: connection, logger: logger)
                return ReopenOutcome.queued(reportID: id)
            }
        }
    }
}
