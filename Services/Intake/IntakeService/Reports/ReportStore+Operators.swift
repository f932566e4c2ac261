import Foundation
import PostgresNIO

extension ReportStore {
    /// One line of the operators' lists: a report as the call screen shows it (staff only: no public page
    /// shows whose number it was).
    public struct OperatorListEntry: Sendable, Hashable {
        /// The tracking code.
        public var trackingCode: String
        /// The public status.
        public var status: String
        /// The decided (or requested) service code.
        public var serviceCode: String?
        /// The unit, once routed.
        public var unit: String?
        /// When intake accepted it.
        public var receivedAt: Date
    }

    /// Reports from this number (E.164) received since `since`, newest first, at most `limit`.
    public func reports(fromPhone e164: String, since: Date, limit: Int = 5) async throws(IntakeStoreError) -> [OperatorListEntry] {
        try await bounded("reading a caller's reports") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT tracking_code, status, coalesce(service_code, requested_service_code), unit, received_at
                FROM reports WHERE contact_phone = \(e164) AND received_at >= \(since)
                ORDER BY received_at DESC LIMIT \(limit)
                """,
                logger: logger
            )
            return try await Self.entries(rows)
        }
    }

    /// Reports submitted under an idempotency scope since `since` (the call screen posts under
    /// `staff:<account id>`: what that operator took), newest first.
    public func reports(takenIn scope: String, since: Date, limit: Int = 200) async throws(IntakeStoreError) -> [OperatorListEntry] {
        try await bounded("reading an operator's reports") { [client, logger] in
            let rows = try await client.query(
                """
                SELECT r.tracking_code, r.status, coalesce(r.service_code, r.requested_service_code), r.unit, r.received_at
                FROM idempotency_keys k JOIN reports r USING (report_id)
                WHERE k.scope = \(scope) AND k.created_at >= \(since)
                ORDER BY r.received_at DESC LIMIT \(limit)
                """,
                logger: logger
            )
            return try await Self.entries(rows)
        }
    }

    private static func entries(_ rows: PostgresRowSequence) async throws -> [OperatorListEntry] {
        var entries: [OperatorListEntry] = []
        for try await (code, status, service, unit, received) in rows.decode((String, String, String?, String?, Date).self) {
            entries.append(OperatorListEntry(trackingCode: code, status: status, serviceCode: service, unit: unit, receivedAt: received))
        }
        return entries
    }
}
