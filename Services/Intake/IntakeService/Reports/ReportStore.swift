import BrokerTopology
import Contracts
import Foundation
import Logging
import Persistence
import PostgresNIO

/// Intake's reports in PostgreSQL: accepting a report writes it and its `report.received` event in one
/// transaction (the outbox relays the event later, so the broker being down never loses a report), and
/// the read side answers tracking and Open311 queries from the public read model.
public struct ReportStore: Sendable {
    let client: PostgresClient
    let outbox: Outbox
    let logger: Logger
    /// How long one call may wait for the database before it is answered `.unavailable`.
    let deadline: DatabaseDeadline

    /// A store over `client`, emitting through `outbox`; each call waits at most `timeout` for the database.
    public init(client: PostgresClient, outbox: Outbox, logger: Logger, timeout: Duration = .seconds(5)) {
        self.client = client
        self.outbox = outbox
        self.logger = logger
        self.deadline = DatabaseDeadline(timeout: timeout)
    }

    /// Runs a store operation within the deadline (or `within`, for a bulk read), every failure as an `IntakeStoreError`.
    func bounded<T: Sendable>(_ what: String, within: DatabaseDeadline? = nil, _ operation: @escaping @Sendable () async throws -> T) async throws(IntakeStoreError) -> T {
        do {
            return try await (within ?? deadline).run(what, operation)
        } catch {
            throw Self.unavailable(error, what)
        }
    }

    /// Stores a validated report with a fresh id and tracking code, and its `report.received` event,
    /// in one transaction. With an idempotency claim, a key seen before returns the first report (same
    /// body) or throws `.idempotencyConflict` (another body).
    public func store(_ draft: ReportDraft, idempotency: IdempotencyClaim?, correlationID: String? = nil) async throws(IntakeStoreError) -> AcceptedReport {
        try await bounded("storing a report") { try await self.storeWithoutDeadline(draft, idempotency: idempotency, correlationID: correlationID) }
    }

    private func storeWithoutDeadline(_ draft: ReportDraft, idempotency: IdempotencyClaim?, correlationID: String?) async throws(IntakeStoreError) -> AcceptedReport {
        // A key seen before is answered from the first report without writing anything.
        if let idempotency, let earlier = try await earlierReport(for: idempotency) {
            return earlier
        }
        // Retries cover the two rare races: a tracking code drawn twice, and the same key sent twice at once.
        for _ in 0..<5 {
            let reportID = UUID()
            let trackingCode = TrackingCode.random()
            let receivedAt = Date()
            do {
                try await insert(draft, reportID: reportID, trackingCode: trackingCode, receivedAt: receivedAt, idempotency: idempotency, correlationID: correlationID)
                return AcceptedReport(reportID: reportID, trackingCode: trackingCode, status: "received", receivedAt: receivedAt, replayed: false)
            } catch let error where Self.isUniqueViolation(error, constraint: "reports_tracking_code_key") {
                continue
            } catch let error where Self.isUniqueViolation(error, constraint: "idempotency_keys_pkey") {
                guard let idempotency, let earlier = try await earlierReport(for: idempotency) else { continue }
                return earlier
            } catch {
                throw Self.unavailable(error, "storing a report")
            }
        }
        throw IntakeStoreError(.unavailable, "could not store the report after several attempts")
    }

    private func insert(
        _ draft: ReportDraft, reportID: UUID, trackingCode: TrackingCode, receivedAt: Date,
        idempotency: IdempotencyClaim?, correlationID: String?
    ) async throws {
        let event = try Self.receivedEvent(draft, reportID: reportID, trackingCode: trackingCode, receivedAt: receivedAt, correlationID: correlationID)
            .message(exchange: Open137Topology.eventsExchange)
        let attributes = try Self.json(draft.attributes)
        let media = try Self.json(draft.mediaURLs)
        let contact = draft.contact
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query(
                """
                INSERT INTO reports (report_id, tracking_code, channel, description, requested_service_code, attributes,
                    lat, long, address, district, reporter_type, reporter_language, reporter_age_band,
                    contact_name, contact_phone, contact_email, contact_allowed, media_urls, received_at,
                    service_code, updated_at)
                VALUES (\(reportID), \(trackingCode.digits), \(draft.channel), \(draft.description), \(draft.serviceCode), \(attributes)::jsonb,
                    \(draft.location.lat), \(draft.location.long), \(draft.location.address), \(draft.location.district),
                    \(draft.reporter.type), \(draft.reporter.language), \(draft.reporter.ageBand),
                    \(contact?.name), \(contact?.phone), \(contact?.email), \(draft.contactAllowed), \(media)::jsonb, \(receivedAt),
                    \(draft.serviceCode), \(receivedAt))
                """,
                logger: logger
            )
            try await connection.query(
                "INSERT INTO report_history (report_id, event_id, status, at) VALUES (\(reportID), \(event.messageID), 'received', \(receivedAt))",
                logger: logger
            )
            if let idempotency {
                let hash = ByteBuffer(bytes: idempotency.requestHash)
                try await connection.query(
                    """
                    INSERT INTO idempotency_keys (scope, key, request_hash, report_id)
                    VALUES (\(idempotency.scope), \(idempotency.key), \(hash), \(reportID))
                    """,
                    logger: logger
                )
            }
            try await outbox.enqueue(event, on: connection, logger: logger)
        }
    }

    /// The report first accepted under this key, if any; throws `.idempotencyConflict` for another body.
    private func earlierReport(for claim: IdempotencyClaim) async throws(IntakeStoreError) -> AcceptedReport? {
        do {
            let rows = try await client.query(
                """
                SELECT k.request_hash, r.report_id, r.tracking_code, r.status, r.received_at
                FROM idempotency_keys k JOIN reports r ON r.report_id = k.report_id
                WHERE k.scope = \(claim.scope) AND k.key = \(claim.key)
                """,
                logger: logger
            )
            for try await (hash, reportID, code, status, receivedAt) in rows.decode((ByteBuffer, UUID, String, String, Date).self) {
                guard Array(buffer: hash) == claim.requestHash else {
                    throw IntakeStoreError(.idempotencyConflict, "this Idempotency-Key was used with another request body")
                }
                guard let trackingCode = TrackingCode(parsing: code) else { continue }
                return AcceptedReport(reportID: reportID, trackingCode: trackingCode, status: status, receivedAt: receivedAt, replayed: true)
            }
            return nil
        } catch let error as IntakeStoreError {
            throw error
        } catch {
            throw Self.unavailable(error, "reading an idempotency key")
        }
    }

    // MARK: Events

    /// The `report.received` event of a report: the whole report, so later stages need not read intake's schema.
    static func receivedEvent(
        _ draft: ReportDraft, reportID: UUID, trackingCode: TrackingCode, receivedAt: Date, correlationID: String?
    ) -> EncodedEvent<ReportReceivedData> {
        let id = reportID.uuidString.lowercased()
        let data = ReportReceivedData(
            reportID: id, trackingCode: trackingCode.digits, channel: draft.channel, description: draft.description,
            serviceCode: draft.serviceCode, attributes: draft.attributes, location: draft.location, reporter: draft.reporter,
            contact: draft.contact, contactAllowed: draft.contactAllowed, mediaURLs: draft.mediaURLs,
            receivedAt: CloudEvent.formatTime(receivedAt)
        )
        return EncodedEvent(
            source: ServiceName.intake.eventSource, type: EventType.reportReceived, time: receivedAt, subject: id,
            data: data, correlationID: correlationID ?? id
        )
    }

    // MARK: Helpers

    static func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        // No sorted keys: the values land in jsonb columns, which keep their own key order.
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Whether `error` (possibly wrapped by a transaction) is a unique violation of `constraint`.
    static func isUniqueViolation(_ error: any Error, constraint: String) -> Bool {
        switch error {
        case let error as PostgresTransactionError:
            return error.closureError.map { isUniqueViolation($0, constraint: constraint) } ?? false
        case let error as PSQLError:
            return error.serverInfo?[.sqlState] == "23505" && error.serverInfo?[.constraintName] == constraint
        default:
            return false
        }
    }

    /// Any failure of the database as an `.unavailable` error naming what was being done (never bound values).
    static func unavailable(_ error: any Error, _ context: String) -> IntakeStoreError {
        if let error = error as? IntakeStoreError { return error }
        var detail = String(describing: type(of: error))
        if let error = error as? PSQLError {
            detail = error.serverInfo?[.sqlState].map { "SQLSTATE \($0)" } ?? "\(error.code)"
        } else if let error = error as? PostgresTransactionError {
            detail = error.closureError.map { unavailable($0, context).message } ?? "transaction failed"
        } else if let error = error as? PersistenceError {
            detail = error.description
        }
        return IntakeStoreError(.unavailable, "\(context): \(detail)")
    }
}
