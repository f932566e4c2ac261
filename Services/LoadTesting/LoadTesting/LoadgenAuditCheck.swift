import Contracts
import CouncilAuditService
import Foundation
import IntakeService
import Logging
import PostgresNIO

/// Reads what the council's audit log holds for the reports of a run: per report, how many
/// `report.received` and `report.routed` (or, for a report that joined a case, `report.linked`) entries `council_audit.audit_log` has (exactly one each is
/// right). Also finds the report ids of tracking codes in intake's table, for the Open311 reports whose
/// answer carries only the tracking code.
struct LoadgenAuditCheck: Sendable {
    /// A running client of the pipeline's database.
    let client: PostgresClient
    /// Where query errors go.
    let logger: Logger

    /// Entries of one report in the audit log.
    struct Entries: Sendable, Hashable {
        /// `report.received` entries.
        var received: Int
        /// `report.routed` or `report.linked` entries (the router's record of the assignment or the link).
        var routed: Int
    }

    /// Rows per query: large runs are asked in chunks.
    private static let chunk = 5_000

    /// The report id of each tracking code intake knows.
    func reportIDs(trackingCodes: [String]) async throws -> [String: String] {
        var found: [String: String] = [:]
        for start in stride(from: 0, to: trackingCodes.count, by: Self.chunk) {
            let codes = Array(trackingCodes[start..<min(start + Self.chunk, trackingCodes.count)])
            let rows = try await client.query(
                "SELECT tracking_code, report_id FROM \(unescaped: IntakeStage.schema).reports WHERE tracking_code = ANY(\(codes))",
                logger: logger)
            for try await (code, id) in rows.decode((String, UUID).self) { found[code] = id.uuidString.lowercased() }
        }
        return found
    }

    /// The audit entries of each report id (a report without entries is absent).
    func entries(reportIDs: [String]) async throws -> [String: Entries] {
        let ids = reportIDs.compactMap(UUID.init(uuidString:))
        var found: [String: Entries] = [:]
        for start in stride(from: 0, to: ids.count, by: Self.chunk) {
            let chunk = Array(ids[start..<min(start + Self.chunk, ids.count)])
            let rows = try await client.query("""
                SELECT report_id,
                       count(*) FILTER (WHERE event_type = \(EventType.reportReceived)),
                       count(*) FILTER (WHERE event_type = ANY(\([EventType.reportRouted, EventType.reportLinked])))
                FROM \(unescaped: CouncilAuditStage.schema).audit_log
                WHERE report_id = ANY(\(chunk)) GROUP BY report_id
                """, logger: logger)
            for try await (id, received, routed) in rows.decode((UUID, Int, Int).self) {
                found[id.uuidString.lowercased()] = Entries(received: received, routed: routed)
            }
        }
        return found
    }
}
