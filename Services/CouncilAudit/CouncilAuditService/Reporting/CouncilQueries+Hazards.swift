import Foundation
import PostgresNIO

/// A place with several reports: the reports received with coordinates in one square of about 100 m
/// (latitude and longitude rounded to three decimals).
public struct RepeatHazard: Sendable, Hashable {
    /// The square's rounded latitude and longitude.
    public var lat: Double
    public var long: Double
    /// Reports in the square (matching the filter).
    public var count: Int
    /// Their service codes, each once.
    public var serviceCodes: [String]
    /// Their ids and tracking codes, oldest first.
    public var reportIDs: [String]
    public var trackingCodes: [String]
}

extension CouncilQueries {
    /// The squares of about 100 m holding `minimum` or more of the reports matching `filter`, most reports
    /// first (at most `limit`). The projection keeps no coordinates: they are read from each report's
    /// `report.received` entry in the log (the coordinates the timeline API already shows), so a report
    /// given by address and district alone is not placed.
    public func repeatHazards(_ filter: ReportFilter, minimum: Int = 3, limit: Int = 50) async throws -> [RepeatHazard] {
        let query = try filtered(
            """
            SELECT round(p.lat::numeric, 3)::float8, round(p.long::numeric, 3)::float8, count(*),
                   array_agg(DISTINCT COALESCE(service_code, '-')),
                   array_agg(report_id::text ORDER BY received_at), array_agg(COALESCE(tracking_code, '') ORDER BY received_at)
            FROM reports
            CROSS JOIN LATERAL (
                SELECT (e.location->>'lat')::float8 AS lat, (e.location->>'long')::float8 AS long
                FROM (SELECT convert_from(a.body, 'UTF8')::jsonb #> '{data,location}' AS location
                      FROM audit_log a WHERE a.report_id = reports.report_id AND a.event_type = 'report.received'
                      ORDER BY a.seq LIMIT 1) e
            ) p
            """, filter,
            "AND p.lat IS NOT NULL AND p.long IS NOT NULL GROUP BY 1, 2 HAVING count(*) >= $MINIMUM ORDER BY 3 DESC, 1, 2 LIMIT $LIMIT")
            .binding("$MINIMUM", minimum).binding("$LIMIT", limit)
        var hazards: [RepeatHazard] = []
        for try await row in try await client.query(query, logger: logger).decode((Double, Double, Int64, [String], [String], [String]).self) {
            hazards.append(RepeatHazard(lat: row.0, long: row.1, count: Int(row.2), serviceCodes: row.3.sorted(), reportIDs: row.4,
                                        trackingCodes: row.5))
        }
        return hazards
    }
}
