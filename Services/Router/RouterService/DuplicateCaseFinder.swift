import Classification
import Contracts
import Foundation
import Logging
import PostgresNIO
import Taxonomy

/// Finds the open case a classified report is the same hazard as, before the report is stored: the
/// database narrows the router's cases to the report's kind (its code, or the child-friendly group), the
/// duplicate window and its place (within the group's largest radius of its point — GiST index — or the
/// same district and place key for an address), and ``DuplicateMatcher`` decides on the few found (each
/// code's own radius, the descriptions' similarity). Read-only and outside the batch's transaction: the
/// batch statement locks the case and links only if it is still open (``InsertRoutingBatch``).
struct DuplicateCaseFinder: Sendable {
    /// The measured rules.
    let matcher: DuplicateMatcher
    /// The router's database.
    let client: PostgresClient
    /// The router's logger.
    let logger: Logger

    /// The most cases compared per report: an index narrows to the place first, so more than this many
    /// open cases of one kind at one place means the place itself is the news, not which one matches.
    static let candidateLimit = 32

    /// What the finder reads of a report.
    struct Report: Sendable {
        var reportID: UUID
        var serviceCode: String
        var latitude: Double?
        var longitude: Double?
        /// `01`–`22`, or `00` when unknown.
        var district: String
        /// The address's place key, if it has an address.
        var place: String?
        var receivedAt: Date
        var description: String
    }

    /// The case `report` joins, or nil: it becomes a case of its own.
    func find(for report: Report) async throws -> CaseLink? {
        let codes = matcher.taxonomy.duplicateCodes(for: report.serviceCode)
        guard !codes.isEmpty else { return nil }
        let radius = codes.compactMap { matcher.taxonomy.service($0)?.nearbyRadiusMetres }.max() ?? Taxonomy.defaultDuplicateRadiusMetres
        let since = report.receivedAt.addingTimeInterval(-matcher.window)
        var found: [UUID: (candidate: DuplicateCandidate, trackingCode: String)] = [:]
        for query in queries(near: report, codes: codes, radius: radius, since: since, Self.openCases) { try await collect(query, into: &found) }
        guard !found.isEmpty else { return nil }
        var later = DuplicateCandidate(
            serviceCode: report.serviceCode, latitude: report.latitude, longitude: report.longitude, district: Self.district(report.district),
            address: nil, receivedAt: report.receivedAt, description: report.description)
        later.placeKey = report.place
        var best: (link: CaseLink, receivedAt: Date)?
        for (parentID, earlier) in found {
            guard case .duplicate(let similarity, let metres) = matcher.decide(earlier: earlier.candidate, later: later) else { continue }
            let link = CaseLink(parentID: parentID, parentTrackingCode: earlier.trackingCode, similarity: similarity, metres: metres)
            // The most alike case wins; between equals, the oldest (the one the unit has known longest).
            if let current = best, !(similarity > current.link.similarity
                || (similarity == current.link.similarity && earlier.candidate.receivedAt < current.receivedAt)) {
                continue
            }
            best = (link, earlier.candidate.receivedAt)
        }
        return best?.link
    }

    /// How many cases of `report`'s kind were resolved at its place (its code's radius of its point, or its
    /// district and place key) among those received in the last
    /// ``ReportRepeatHazardData/returningWindowDays`` days: a place that keeps coming back once fixed.
    func resolvedBefore(_ report: Report) async throws -> Int {
        let codes = matcher.taxonomy.duplicateCodes(for: report.serviceCode)
        guard !codes.isEmpty else { return 0 }
        let radius = matcher.taxonomy.service(report.serviceCode)?.nearbyRadiusMetres ?? Taxonomy.defaultDuplicateRadiusMetres
        let since = report.receivedAt.addingTimeInterval(-Double(ReportRepeatHazardData.returningWindowDays) * 86_400)
        var cases: [UUID: (candidate: DuplicateCandidate, trackingCode: String)] = [:]
        for query in queries(near: report, codes: codes, radius: radius, since: since, Self.resolvedCases) { try await collect(query, into: &cases) }
        return cases.count
    }

    /// Cases a new report may join: open, and not in triage.
    private static let openCases = "status NOT IN ('resolved', 'rejected') AND unit <> 'triage'"
    /// Cases fixed before.
    private static let resolvedCases = "status = 'resolved'"

    /// The router's cases (reports not linked to another) in `state` (constant SQL of this type) of the codes
    /// `codes`, received between `since` and the report, at the report's place: within `radius` metres of its
    /// point (GiST index) and at its district and place key, one query for each it has; oldest first.
    private func queries(near report: Report, codes: [String], radius: Double, since: Date, _ state: String) -> [PostgresQuery] {
        var queries: [PostgresQuery] = []
        if let lat = report.latitude, let long = report.longitude {
            queries.append("""
                SELECT report_id, tracking_code, service_code, lat, long, district, place, received_at, delivery ->> 'description'
                FROM reports
                WHERE parent_id IS NULL AND lat IS NOT NULL AND long IS NOT NULL
                  AND public.ST_DWithin(public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography,
                                        public.ST_SetSRID(public.ST_MakePoint(\(long), \(lat)), 4326)::public.geography, \(radius))
                  AND \(unescaped: state) AND service_code = ANY(\(codes))
                  AND received_at BETWEEN \(since) AND \(report.receivedAt) AND report_id <> \(report.reportID)
                ORDER BY received_at LIMIT \(Self.candidateLimit)
                """)
        }
        if let place = report.place, report.district != "00" {
            queries.append("""
                SELECT report_id, tracking_code, service_code, lat, long, district, place, received_at, delivery ->> 'description'
                FROM reports
                WHERE parent_id IS NULL AND place = \(place) AND district = \(report.district)
                  AND \(unescaped: state) AND service_code = ANY(\(codes))
                  AND received_at BETWEEN \(since) AND \(report.receivedAt) AND report_id <> \(report.reportID)
                ORDER BY received_at LIMIT \(Self.candidateLimit)
                """)
        }
        return queries
    }

    /// The district number of a two-digit district, nil for `00` (unknown).
    static func district(_ twoDigits: String) -> Int? {
        Int(twoDigits).flatMap { $0 == 0 ? nil : $0 }
    }

    private func collect(_ query: PostgresQuery, into found: inout [UUID: (candidate: DuplicateCandidate, trackingCode: String)]) async throws {
        let rows = try await client.query(query, logger: logger)
        for try await (id, trackingCode, code, lat, long, district, place, receivedAt, description)
            in rows.decode((UUID, String, String, Double?, Double?, String, String?, Date, String?).self) {
            var candidate = DuplicateCandidate(
                serviceCode: code, latitude: lat, longitude: long, district: Self.district(district), address: nil, receivedAt: receivedAt,
                description: description ?? "")
            candidate.placeKey = place
            found[id] = (candidate, trackingCode)
        }
    }
}
