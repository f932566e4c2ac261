import Classification
import Contracts
import Foundation
import Logging
import PostgresNIO
import Taxonomy
import Units

/// Finds the open case a classified report is the same hazard as, before the report is stored, and how
/// often its kind was fixed at its place before: one statement narrows the router's cases to the report's
/// kind (its code, or the child-friendly group), the last 90 days and its place (within the group's largest
/// radius of its point — GiST index — or the same district and place key for an address), and
/// ``DuplicateMatcher`` decides on the few open ones found (the duplicate window, each code's own radius,
/// the descriptions' similarity). Read-only and outside the batch's transaction: the
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
    static let candidateLimit = CaseLookup.limit

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

    /// What the finder found for a report.
    struct Found: Sendable, Equatable {
        /// The open case the report joins; nil: it becomes a case of its own.
        var link: CaseLink?
        /// Cases of its kind resolved at its place among those received in the last
        /// ``ReportRepeatHazardData/returningWindowDays`` days: a place that keeps coming back once fixed.
        var resolvedBefore: Int
    }

    /// One look at the report's place, in one statement: its open cases that it may join and the cases of
    /// its kind resolved there before.
    func find(for report: Report) async throws -> Found {
        let codes = matcher.taxonomy.duplicateCodes(for: report.serviceCode)
        guard !codes.isEmpty else { return Found(link: nil, resolvedBefore: 0) }
        let radius = codes.compactMap { matcher.taxonomy.service($0)?.nearbyRadiusMetres }.max() ?? Taxonomy.defaultDuplicateRadiusMetres
        let ownRadius = matcher.taxonomy.service(report.serviceCode)?.nearbyRadiusMetres ?? Taxonomy.defaultDuplicateRadiusMetres
        let returningSince = report.receivedAt.addingTimeInterval(-Double(ReportRepeatHazardData.returningWindowDays) * 86_400)
        let duplicateSince = report.receivedAt.addingTimeInterval(-matcher.window)
        let place = report.district == "00" ? nil : report.place
        let rows = try await client.execute(
            CaseLookup(latitude: report.latitude, longitude: report.longitude, radius: radius, codes: codes, since: returningSince,
                       until: report.receivedAt, reportID: report.reportID, place: place, district: report.district),
            logger: logger)
        var later = DuplicateCandidate(
            serviceCode: report.serviceCode, latitude: report.latitude, longitude: report.longitude, district: Self.district(report.district),
            address: nil, receivedAt: report.receivedAt, description: report.description)
        later.placeKey = place
        var best: (link: CaseLink, receivedAt: Date)?
        var resolved = 0
        for try await (id, trackingCode, code, lat, long, district, casePlace, receivedAt, status, unit, description)
            in rows {
            var earlier = DuplicateCandidate(
                serviceCode: code, latitude: lat, longitude: long, district: Self.district(district), address: nil, receivedAt: receivedAt,
                description: description ?? "")
            earlier.placeKey = casePlace
            if status == ReportStatus.resolved.rawValue {
                if code == report.serviceCode || matcher.taxonomy.duplicateCodes(for: code).contains(report.serviceCode),
                   Self.samePlace(earlier, later, within: ownRadius) { resolved += 1 }
                continue
            }
            // A case in triage waits for a person's eyes; one older than the duplicate window is another matter now.
            guard unit != UnitDirectory.triageUnit, receivedAt >= duplicateSince else { continue }
            guard case .duplicate(let similarity, let metres) = matcher.decide(earlier: earlier, later: later) else { continue }
            // The most alike case wins; between equals, the oldest (the one the unit has known longest).
            if let current = best, !(similarity > current.link.similarity
                || (similarity == current.link.similarity && receivedAt < current.receivedAt)) {
                continue
            }
            best = (CaseLink(parentID: id, parentTrackingCode: trackingCode, similarity: similarity, metres: metres), receivedAt)
        }
        return Found(link: best?.link, resolvedBefore: resolved)
    }

    /// Whether two reports are at one place: points within `radius` metres, else the same district and place key.
    static func samePlace(_ a: DuplicateCandidate, _ b: DuplicateCandidate, within radius: Double) -> Bool {
        if let lat1 = a.latitude, let long1 = a.longitude, let lat2 = b.latitude, let long2 = b.longitude {
            return DuplicateCandidate.metres(lat1, long1, lat2, long2) <= radius
        }
        guard let district = a.district, district == b.district, let key = a.placeKey else { return false }
        return key == b.placeKey
    }

    /// The district number of a two-digit district, nil for `00` (unknown).
    static func district(_ twoDigits: String) -> Int? {
        Int(twoDigits).flatMap { $0 == 0 ? nil : $0 }
    }
}
