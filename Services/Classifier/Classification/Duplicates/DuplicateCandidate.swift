import Foundation

/// A report as the duplicate matcher compares it: its code, place, time and description (prepared once).
public struct DuplicateCandidate: Sendable {
    /// The service code (decided or requested).
    public var serviceCode: String
    /// Degrees latitude, when the report has a point.
    public var latitude: Double?
    /// Degrees longitude, when the report has a point.
    public var longitude: Double?
    /// The district (1–22), for an address.
    public var district: Int?
    /// The address's place key: its normalised words, deduplicated and sorted (as intake's `place_key`).
    public var placeKey: String?
    /// When it was received.
    public var receivedAt: Date
    /// The description, normalised and prepared.
    public var description: DescriptionSimilarity.Prepared

    /// A candidate from a report's fields.
    public init(serviceCode: String, latitude: Double?, longitude: Double?, district: Int?, address: String?,
                receivedAt: Date, description: String, lexicon: HazardLexicon = .shipped) {
        self.serviceCode = serviceCode
        self.latitude = latitude
        self.longitude = longitude
        self.district = district
        self.placeKey = address.map(Self.placeKey).flatMap { $0.isEmpty ? nil : $0 }
        self.receivedAt = receivedAt
        self.description = DescriptionSimilarity.Prepared(description, lexicon: lexicon)
    }

    /// The address's normalised words, deduplicated and sorted: "پارک لاله، خیابان کارگر" and "خیابان كارگر -
    /// پارك لاله" have one key.
    public static func placeKey(_ address: String) -> String {
        Set(TextNormalizer.words(of: address).map { String(String.UnicodeScalarView($0)) }).sorted().joined(separator: " ")
    }

    /// Metres between two points on the Earth (haversine; PostGIS's geography distance differs by <0.5%
    /// over a city).
    public static func metres(_ lat1: Double, _ long1: Double, _ lat2: Double, _ long2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (lat2 - lat1) * radians, dLong = (long2 - long1) * radians
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat1 * radians) * cos(lat2 * radians) * sin(dLong / 2) * sin(dLong / 2)
        return 2 * 6_371_008.8 * asin(min(1, sqrt(h)))
    }
}
