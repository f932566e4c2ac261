import Foundation
import Taxonomy

/// What "open reports near here" asks: a point, or a district with an address (or both), the service
/// codes that may be the same hazard, how near and how recent. Built from the taxonomy, so the radius is
/// the chosen code's `duplicate_radius_m` and a child-friendly code brings its whole group.
public struct NearbyQuery: Sendable, Equatable {
    /// The point's latitude, when there is a point.
    public var latitude: Double?
    /// The point's longitude, when there is a point.
    public var longitude: Double?
    /// The district (1–22), for an address without a point.
    public var district: Int?
    /// The address as typed (compared by `intake.place_key`, never shown back).
    public var address: String?
    /// The service codes whose open reports count.
    public var serviceCodes: [String]
    /// Metres from the point.
    public var radiusMetres: Double
    /// Only reports received at or after this.
    public var since: Date
    /// At most this many, nearest (then newest) first.
    public var limit: Int

    /// The query for a new report of `serviceCode` at a point and/or a district and address, or nil when
    /// the code is unknown or there is no place to compare.
    public init?(serviceCode: String, lat: Double?, long: Double?, district: Int?, address: String?,
                 taxonomy: Taxonomy, now: Date = Date(), limit: Int = 5) {
        guard let service = taxonomy.service(serviceCode) else { return nil }
        let trimmed = address?.trimmingCharacters(in: .whitespacesAndNewlines)
        let place = (trimmed?.isEmpty == false) ? trimmed : nil
        let hasPoint = lat != nil && long != nil
        guard hasPoint || (district != nil && place != nil) else { return nil }
        latitude = hasPoint ? lat : nil
        longitude = hasPoint ? long : nil
        self.district = place == nil ? nil : district
        self.address = district == nil ? nil : place
        serviceCodes = taxonomy.duplicateCodes(for: serviceCode)
        radiusMetres = service.nearbyRadiusMetres
        since = now.addingTimeInterval(-Double(Taxonomy.duplicateWindowDays) * 86_400)
        self.limit = limit
    }
}
