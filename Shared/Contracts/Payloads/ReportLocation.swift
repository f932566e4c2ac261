/// Where a report is: coordinates, or an address with its district, or both.
public struct ReportLocation: Sendable, Hashable, Codable {
    /// Latitude (WGS 84).
    public var lat: Double?
    /// Longitude (WGS 84).
    public var long: Double?
    /// A street address as the reporter gave it.
    public var address: String?
    /// The city district (1–22), when known.
    public var district: Int?

    /// Creates a location.
    public init(lat: Double? = nil, long: Double? = nil, address: String? = nil, district: Int? = nil) {
        self.lat = lat
        self.long = long
        self.address = address
        self.district = district
    }
}
