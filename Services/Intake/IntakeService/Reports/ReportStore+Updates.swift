import Contracts
import Foundation
import Persistence
import PostgresNIO

extension ReportStore {
    /// The public history rows changed between `start` and `end` (both inclusive) that the Open311
    /// updates feed lists, oldest first (then by report and event, so ties keep one order), at most `limit`.
    /// Only the history and the tracking code are read: no contact column is selected. A link or a split is
    /// listed as the status it moved the report to (`moved_to`): a linked report's update is its case's
    /// status, so a FixMyStreet that polls only this feed learns the report is being worked on.
    public func updates(from start: Date, to end: Date, limit: Int) async throws(IntakeStoreError) -> [PublicUpdate] {
        let statuses = PublicUpdate.listedStatuses.map(\.rawValue).sorted()
        // Up to 10,000 rows in one answer: a bulk read that an Open311 client polls every few minutes, given
        // four times a lookup's deadline (under load the 5 s of a tracking lookup was seen to be too short).
        let bulk = DatabaseDeadline(timeout: deadline.timeout * 4)
        return try await bounded("listing updates", within: bulk) { [client, logger] in
            let rows = try await client.query(
                """
                SELECT h.report_id, h.event_id, r.tracking_code, COALESCE(h.moved_to, h.status), h.note, h.at
                FROM report_history h JOIN reports r ON r.report_id = h.report_id
                WHERE h.at >= \(start) AND h.at <= \(end) AND COALESCE(h.moved_to, h.status) = ANY(\(statuses)::text[])
                ORDER BY h.at, h.report_id, h.event_id
                LIMIT \(limit)
                """,
                logger: logger
            )
            var updates: [PublicUpdate] = []
            for try await (reportID, eventID, code, word, note, at) in rows.decode((UUID, String, String, String, String?, Date).self) {
                guard let status = ReportStatus(rawValue: word) else { continue }
                updates.append(PublicUpdate(
                    updateID: PublicUpdate.updateID(reportID: reportID, eventID: eventID), trackingCode: code, status: status,
                    note: PublicUpdate.unitNoteStatuses.contains(status) ? note.map(PublicReport.masked) : nil, at: at
                ))
            }
            return updates
        }
    }
}

extension ReportStore {
    /// What became of a citizen's update POSTed by an Open311 client.
    enum CitizenUpdateOutcome: Sendable, Equatable {
        /// Stored (or stored before, for a repeat); our id for it.
        case accepted(updateID: String, replayed: Bool)
        /// No report has this tracking code.
        case unknownReport
        /// The update asks to reopen a closed report, which only its reporter (with the secret) or the council may do.
        case reopenRefused(status: String)
        /// The client's update id was used before for another request.
        case updateIDReused
    }

    /// Stores a citizen's update once per client update id (`scope`: the client's key id), in one
    /// transaction: a repeat answers the first update's id and stores nothing. An update asking to reopen a
    /// resolved or rejected report is refused, not stored: the public reopen needs the reporter's secret.
    func recordCitizenUpdate(_ update: Open311CitizenUpdate, scope: String) async throws(IntakeStoreError) -> CitizenUpdateOutcome {
        try await bounded("storing a citizen's update") { [client, logger] in
            try await client.withTransaction(within: .seconds(20), "storing a citizen's update", logger: logger) { connection in
                func earlier() async throws -> CitizenUpdateOutcome? {
                    let rows = try await connection.query(
                        """
                        SELECT c.update_id, r.tracking_code FROM citizen_updates c JOIN reports r ON r.report_id = c.report_id
                        WHERE c.scope = \(scope) AND c.client_update_id = \(update.clientUpdateID)
                        """,
                        logger: logger
                    )
                    for try await (updateID, code) in rows.decode((String, String).self) {
                        return code == update.trackingCode.digits ? .accepted(updateID: updateID, replayed: true) : .updateIDReused
                    }
                    return nil
                }
                if let outcome = try await earlier() { return outcome }
                // FOR SHARE: the status checked stays the status until the update is stored.
                let rows = try await connection.query(
                    "SELECT report_id, status FROM reports WHERE tracking_code = \(update.trackingCode.digits) FOR SHARE", logger: logger
                )
                var found: (UUID, String)?
                for try await row in rows.decode((UUID, String).self) { found = row }
                guard let (reportID, status) = found else { return CitizenUpdateOutcome.unknownReport }
                if update.status.asksToReopen, PublicReport.closedStatuses.contains(status) {
                    return CitizenUpdateOutcome.reopenRefused(status: status)
                }
                let updateID = UUID().uuidString.lowercased()
                let inserted = try await connection.query(
                    """
                    INSERT INTO citizen_updates (scope, client_update_id, update_id, report_id, status, description, media_url, updated_at)
                    VALUES (\(scope), \(update.clientUpdateID), \(updateID), \(reportID), \(update.status.rawValue), \(update.description),
                            \(update.mediaURL), \(update.updatedAt))
                    ON CONFLICT (scope, client_update_id) DO NOTHING
                    RETURNING update_id
                    """,
                    logger: logger
                )
                for try await _ in inserted.decode(String.self) { return CitizenUpdateOutcome.accepted(updateID: updateID, replayed: false) }
                // The same update sent twice at once: the other request stored it first (now committed and visible).
                return try await earlier() ?? CitizenUpdateOutcome.updateIDReused
            }
        }
    }
}
