import BrokerTopology
import Contracts
import Foundation
import JSON
import Messaging
import Persistence
import PostgresNIO
import ServiceHosting

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
        var json = JSONText()
        json.reserveCapacity(items.count * 1_024)
        var messages: [UUID: OutgoingMessage] = [:]
        json.raw("[")
        for (index, item) in items.enumerated() {
            if index > 0 { json.raw(",") }
            item.write(to: &json)
            do {
                messages[item.reportID] = try item.event.message(exchange: Open137Topology.eventsExchange)
            } catch {
                throw IntakeStoreError(.unavailable, "encoding a batch of reports: \(error)")
            }
        }
        json.raw("]")
        let statement = InsertReportBatch(document: json.text)
        let what = "storing a batch of reports"
        do {
            // COMMIT's own answer is what says the batch is durable (a lone statement commits only at the
            // protocol's Sync, after its rows were read): no 201 before it.
            return try await outbox.transaction(what, client: client, deadline: deadline, logger: logger) { [logger, messages] writes in
                var ids = Set<UUID>()
                for try await id in try await writes.connection.execute(statement, logger: logger) { ids.insert(id) }
                try await writes.insert(items.compactMap { ids.contains($0.reportID) ? messages[$0.reportID] : nil })
                return ids
            }
        } catch where Self.isUniqueViolation(error, constraint: "idempotency_keys_pkey") {
            return []
        } catch {
            throw Self.unavailable(error, what)
        }
    }
}

extension ReportStore.BatchItem {
    /// Appends this report as one `jsonb_to_recordset` object of ``InsertReportBatch``.
    func write(to json: inout JSONText) {
        json.raw("{")
        json.member("report_id", reportID.uuidString.lowercased(), first: true)
        json.member("tracking_code", trackingCode.digits)
        json.member("channel", draft.channel)
        json.member("description", draft.description)
        json.member("requested_service_code", draft.serviceCode)
        json.member("attributes", value: .object(draft.attributes))
        // Absent members are NULL to `jsonb_to_recordset`.
        if let lat = draft.location.lat { json.member("lat", number: lat) }
        if let long = draft.location.long { json.member("long", number: long) }
        json.member("address", draft.location.address)
        if let district = draft.location.district { json.member("district", literal: String(district)) }
        json.member("reporter_type", draft.reporter.type)
        json.member("reporter_language", draft.reporter.language)
        json.member("reporter_age_band", draft.reporter.ageBand)
        json.member("contact_name", draft.contact?.name)
        json.member("contact_phone", draft.contact?.phone)
        json.member("contact_email", draft.contact?.email)
        json.member("contact_allowed", bool: draft.contactAllowed)
        json.member("media_urls", strings: draft.mediaURLs)
        json.member("received_at", event.time)
        json.member("event_id", event.id)
        json.member("idem_scope", idempotency?.scope)
        json.member("idem_key", idempotency?.key)
        // SHA-256 of the request body in hex (`decode(…, 'hex')` in the statement).
        json.member("idem_hash", idempotency.map { Hex.lowercase($0.requestHash) })
        json.raw("}")
    }
}
