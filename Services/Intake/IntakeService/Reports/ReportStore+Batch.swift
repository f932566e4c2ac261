import Events
import Foundation
import Messaging
import PostgresNIO

extension ReportStore {
    /// One report of a batch, with its id, tracking code and `report.received` event already made.
    struct BatchItem: Sendable {
        var draft: ReportDraft
        var reportID: UUID
        var trackingCode: TrackingCode
        var receivedAt: Date
        var event: EncodedEvent<ReportReceivedData>
        var correlationID: String?
        /// The client's Idempotency-Key, claimed in the same statement that stores the report.
        var idempotency: IdempotencyClaim?
    }

    /// A batch item for `draft`, with a fresh id and tracking code.
    static func batchItem(_ draft: ReportDraft, idempotency: IdempotencyClaim?, correlationID: String?) -> BatchItem {
        let reportID = UUID()
        let trackingCode = TrackingCode.random()
        let receivedAt = Date()
        return BatchItem(
            draft: draft, reportID: reportID, trackingCode: trackingCode, receivedAt: receivedAt,
            event: receivedEvent(draft, reportID: reportID, trackingCode: trackingCode, receivedAt: receivedAt, correlationID: correlationID),
            correlationID: correlationID, idempotency: idempotency
        )
    }

    /// Stores many reports and their `report.received` events in ONE statement — one transaction, one
    /// WAL flush for all of them (group commit), with the Idempotency-Keys of those that carry one.
    /// Returns the ids stored; an item missing from the answer drew a tracking code that was already taken,
    /// or carries a key that was used before: the single path stores it with another code or answers from
    /// the key's first report. A key claimed by another batch committing at the same moment stores nothing
    /// of this batch and answers no id: every report of it takes the single path, which tells a replay from
    /// a new report. The caller claims each key once per batch.
    func insertBatch(_ items: [BatchItem]) async throws(IntakeStoreError) -> Set<UUID> {
        let document: String
        do {
            document = try Self.json(items.map(BatchRow.init))
        } catch {
            throw IntakeStoreError(.unavailable, "encoding a batch of reports: \(error)")
        }
        let statement = InsertReportBatch(document: document, notificationChannel: outbox.notificationChannel)
        return try await bounded("storing a batch of reports") { [client, logger] in
            // An explicit transaction: a lone statement commits only at the protocol's Sync, after its rows
            // have been read — a crash in between would leave a 201 for a report that was never stored.
            // Here COMMIT's own answer is what says the batch is durable.
            do {
                return try await client.withTransaction(logger: logger) { connection in
                    var ids = Set<UUID>()
                    for try await id in try await connection.execute(statement, logger: logger) { ids.insert(id) }
                    return ids
                }
            } catch where Self.isUniqueViolation(error, constraint: "idempotency_keys_pkey") {
                return []
            }
        }
    }

    /// A batch item as one JSON object of `jsonb_to_recordset`.
    private struct BatchRow: Encodable {
        var report_id: String
        var tracking_code: String
        var channel: String
        var description: String
        var requested_service_code: String?
        var attributes: [String: JSONValue]
        var lat: Double?
        var long: Double?
        var address: String?
        var district: Int?
        var reporter_type: String?
        var reporter_language: String?
        var reporter_age_band: String?
        var contact_name: String?
        var contact_phone: String?
        var contact_email: String?
        var contact_allowed: Bool
        var media_urls: [String]
        var received_at: String
        var event_id: String
        /// The whole event, encoded once as part of the batch document; PostgreSQL writes its text as the body.
        var event: EncodedEvent<ReportReceivedData>
        var correlation_id: String?
        var idem_scope: String?
        var idem_key: String?
        /// SHA-256 of the request body in hex (`decode(…, 'hex')` in the statement).
        var idem_hash: String?

        init(_ item: BatchItem) {
            let draft = item.draft
            report_id = item.reportID.uuidString.lowercased()
            tracking_code = item.trackingCode.digits
            channel = draft.channel
            description = draft.description
            requested_service_code = draft.serviceCode
            attributes = draft.attributes
            lat = draft.location.lat
            long = draft.location.long
            address = draft.location.address
            district = draft.location.district
            reporter_type = draft.reporter.type
            reporter_language = draft.reporter.language
            reporter_age_band = draft.reporter.ageBand
            contact_name = draft.contact?.name
            contact_phone = draft.contact?.phone
            contact_email = draft.contact?.email
            contact_allowed = draft.contactAllowed
            media_urls = draft.mediaURLs
            received_at = CloudEvent.formatTime(item.receivedAt)
            event_id = item.event.id
            event = item.event
            correlation_id = item.event.correlationid
            idem_scope = item.idempotency?.scope
            idem_key = item.idempotency?.key
            idem_hash = item.idempotency.map { claim in claim.requestHash.map { byte in
                String(UInt16(byte) | 0x100, radix: 16).dropFirst()
            }.joined() }
        }
    }
}
