import Foundation
import PostgresNIO

extension ReportStore {
    /// An open report near a place, as the report page and the call screen show it before a new report is
    /// sent: no description, no address, nothing of the reporter — the tracking code is public already
    /// (Open311 lists it).
    public struct NearbyReport: Sendable, Hashable {
        /// The tracking code.
        public var trackingCode: String
        /// The decided (or requested) service code.
        public var serviceCode: String
        /// The public status.
        public var status: String
        /// When intake accepted it.
        public var receivedAt: Date
        /// Metres from the asked point; nil when it matched by district and address.
        public var distanceMetres: Double?
    }

    /// Open reports (neither resolved nor rejected) of `query`'s codes received since `query.since`: within
    /// its radius of its point (the GiST index `reports_location`), and with the same district and place
    /// key as its address (`reports_district_place`); nearest, then newest, first.
    public func nearbyOpenReports(_ query: NearbyQuery) async throws(IntakeStoreError) -> [NearbyReport] {
        try await bounded("reading nearby reports") { [client, logger] in
            var found: [NearbyReport] = []
            if let lat = query.latitude, let long = query.longitude {
                // The indexed expression, repeated as 0009_nearby_reports.sql wrote it. The CTE is materialised so
                // that the GiST index answers alone: given the time window too, the planner ANDed it with the
                // `received_at` index and read a month of reports (30 ms at a million rows instead of <1 ms).
                let rows = try await client.query(
                    """
                    WITH near AS MATERIALIZED (
                        SELECT tracking_code, coalesce(service_code, requested_service_code) AS code, status, received_at,
                            public.ST_Distance(public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography,
                                               public.ST_SetSRID(public.ST_MakePoint(\(long), \(lat)), 4326)::public.geography) AS metres
                        FROM reports
                        WHERE lat IS NOT NULL AND long IS NOT NULL
                          AND public.ST_DWithin(public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography,
                                                public.ST_SetSRID(public.ST_MakePoint(\(long), \(lat)), 4326)::public.geography, \(query.radiusMetres))
                    )
                    SELECT tracking_code, code, status, received_at, metres FROM near
                    WHERE received_at >= \(query.since) AND status NOT IN ('resolved', 'rejected') AND code = ANY(\(query.serviceCodes))
                    ORDER BY metres, received_at DESC LIMIT \(query.limit)
                    """,
                    logger: logger
                )
                for try await (code, service, status, received, distance) in rows.decode((String, String, String, Date, Double).self) {
                    found.append(NearbyReport(trackingCode: code, serviceCode: service, status: status, receivedAt: received, distanceMetres: distance))
                }
            }
            if let district = query.district, let address = query.address {
                let rows = try await client.query(
                    """
                    SELECT tracking_code, coalesce(service_code, requested_service_code), status, received_at
                    FROM reports
                    WHERE address IS NOT NULL AND district IS NOT NULL
                      AND district = \(district) AND place_key(address) = place_key(\(address))
                      AND received_at >= \(query.since) AND status NOT IN ('resolved', 'rejected')
                      AND coalesce(service_code, requested_service_code) = ANY(\(query.serviceCodes))
                    ORDER BY received_at DESC LIMIT \(query.limit)
                    """,
                    logger: logger
                )
                for try await (code, service, status, received) in rows.decode((String, String, String, Date).self)
                where !found.contains(where: { $0.trackingCode == code }) {
                    found.append(NearbyReport(trackingCode: code, serviceCode: service, status: status, receivedAt: received, distanceMetres: nil))
                }
            }
            return Array(found.prefix(query.limit))
        }
    }
}
