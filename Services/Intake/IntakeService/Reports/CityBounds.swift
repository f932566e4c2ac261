/// The rectangle a report's coordinates must fall in: the city's configured bounds (Tehran's by default).
public struct CityBounds: Sendable, Hashable {
    /// Southern edge (degrees latitude).
    public var minLatitude: Double
    /// Northern edge.
    public var maxLatitude: Double
    /// Western edge (degrees longitude).
    public var minLongitude: Double
    /// Eastern edge.
    public var maxLongitude: Double

    /// Creates bounds; the caller checks min < max.
    public init(minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double) {
        self.minLatitude = minLatitude
        self.maxLatitude = maxLatitude
        self.minLongitude = minLongitude
        self.maxLongitude = maxLongitude
    }

    /// Tehran's 22 districts fit in this box, with a little margin.
    public static let tehran = CityBounds(minLatitude: 35.53, maxLatitude: 35.85, minLongitude: 51.09, maxLongitude: 51.62)

    /// Parses `minLat,minLong,maxLat,maxLong`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 4, let minLat = parts[0], let minLong = parts[1], let maxLat = parts[2], let maxLong = parts[3],
              minLat < maxLat, minLong < maxLong, (-90...90).contains(minLat), (-90...90).contains(maxLat),
              (-180...180).contains(minLong), (-180...180).contains(maxLong)
        else { return nil }
        self.init(minLatitude: minLat, maxLatitude: maxLat, minLongitude: minLong, maxLongitude: maxLong)
    }

    /// Whether the point is inside.
    public func contains(lat: Double, long: Double) -> Bool {
        (minLatitude...maxLatitude).contains(lat) && (minLongitude...maxLongitude).contains(long)
    }
}
