import Foundation
import PostgresNIO

/// The ``DuplicateCaseFinder``'s one statement: the router's cases (reports not linked to another, not
/// rejected) of some codes, received in a span, at a report's place — within a radius of its point (the
/// GiST index `reports_case_location`) and at its district and place key (`reports_case_place`); a half
/// whose place the report lacks binds NULL and reads nothing. A named prepared statement: planned once per
/// connection, where sent unnamed it was parsed and planned, PostGIS and all, for every report.
struct CaseLookup: PostgresPreparedStatement {
    typealias Row = (
        reportID: UUID, trackingCode: String, serviceCode: String, lat: Double?, long: Double?, district: String, place: String?,
        receivedAt: Date, status: String, unit: String, description: String?
    )

    /// The most rows of each half.
    static let limit = 32

    var latitude: Double?
    var longitude: Double?
    var radius: Double
    var codes: [String]
    var since: Date
    var until: Date
    /// The report itself (a redelivered report must not find itself).
    var reportID: UUID
    var place: String?
    var district: String

    static let sql = """
        (SELECT report_id, tracking_code, service_code, lat, long, district, place, received_at, status, unit, delivery ->> 'description'
         FROM reports
         WHERE parent_id IS NULL AND lat IS NOT NULL AND long IS NOT NULL
           AND public.ST_DWithin(public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography,
                                 public.ST_SetSRID(public.ST_MakePoint($2::float8, $1::float8), 4326)::public.geography, $3::float8)
           AND status <> 'rejected' AND service_code = ANY($4::text[])
           AND received_at BETWEEN $5::timestamptz AND $6::timestamptz AND report_id <> $7::uuid
         ORDER BY received_at DESC LIMIT 32)
        UNION
        (SELECT report_id, tracking_code, service_code, lat, long, district, place, received_at, status, unit, delivery ->> 'description'
         FROM reports
         WHERE parent_id IS NULL AND place = $8::text AND district = $9::text
           AND status <> 'rejected' AND service_code = ANY($4::text[])
           AND received_at BETWEEN $5::timestamptz AND $6::timestamptz AND report_id <> $7::uuid
         ORDER BY received_at DESC LIMIT 32)
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 9)
        bindings.append(latitude)
        bindings.append(longitude)
        bindings.append(radius)
        bindings.append(codes)
        bindings.append(since)
        bindings.append(until)
        bindings.append(reportID)
        bindings.append(place)
        bindings.append(district)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let r = try row.decode((UUID, String, String, Double?, Double?, String, String?, Date, String, String, String?).self)
        return (r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10)
    }
}
