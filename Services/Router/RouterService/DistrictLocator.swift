import Contracts
import Foundation
import JSON

/// The city district (1–22) of a report: the district the report names, or the district whose boundary
/// contains its point, from a GeoJSON file of district boundaries that operators supply
/// (`ROUTER_DISTRICTS_GEOJSON`). Without either, the district is unknown (`00`).
///
/// The file is a `FeatureCollection` of `Polygon` or `MultiPolygon` features with a `district` property
/// (a number or a numeric string, 1–22); coordinates are `[long, lat]` as GeoJSON has them. A point is
/// inside a polygon by the even-odd rule over all its rings, so holes work.
public struct DistrictLocator: Sendable {
    /// One district's polygons: each polygon a list of rings, each ring a list of (long, lat) points.
    struct Area: Sendable {
        var district: Int
        var polygons: [[[(x: Double, y: Double)]]]
        var minX, minY, maxX, maxY: Double
    }

    private let areas: [Area]

    /// The two-digit code of an unknown district.
    public static let unknown = "00"

    /// A locator without boundaries: only districts the reports name.
    public init() { areas = [] }

    private init(areas: [Area]) { self.areas = areas }

    /// How many district areas the boundaries hold.
    public var areaCount: Int { areas.count }

    /// The two-digit district of a report at `location`: its own district when it gives one (1–22),
    /// else the area containing its point, else `00`.
    public func district(of location: ReportLocation?) -> String {
        if let district = location?.district, (1...22).contains(district) { return Self.code(district) }
        guard let lat = location?.lat, let long = location?.long else { return Self.unknown }
        return district(lat: lat, long: long).map(Self.code) ?? Self.unknown
    }

    /// The district whose boundary contains the point, or nil.
    public func district(lat: Double, long: Double) -> Int? {
        for area in areas where long >= area.minX && long <= area.maxX && lat >= area.minY && lat <= area.maxY {
            for polygon in area.polygons where Self.contains(polygon, x: long, y: lat) {
                return area.district
            }
        }
        return nil
    }

    /// `05` for 5.
    public static func code(_ district: Int) -> String {
        district < 10 ? "0\(district)" : String(district)
    }

    /// Even-odd ray casting over every ring of a polygon (the outer ring and its holes).
    static func contains(_ rings: [[(x: Double, y: Double)]], x: Double, y: Double) -> Bool {
        var inside = false
        for ring in rings where ring.count >= 3 {
            var j = ring.count - 1
            for i in 0..<ring.count {
                let (xi, yi) = ring[i]
                let (xj, yj) = ring[j]
                if (yi > y) != (yj > y), x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                    inside.toggle()
                }
                j = i
            }
        }
        return inside
    }
}

extension DistrictLocator {
    /// Reads a GeoJSON file of district boundaries.
    public static func load(path: String) throws(RouterError) -> DistrictLocator {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RouterError(code: .unreadable, message: "cannot read the district boundaries file \(URL(fileURLWithPath: path).lastPathComponent)")
        }
        return try parse(geoJSON: Array(data))
    }

    /// Parses GeoJSON text of district boundaries; the error names the feature that is wrong.
    public static func parse(geoJSON bytes: [UInt8]) throws(RouterError) -> DistrictLocator {
        let root: JSONValue
        do {
            root = try JSONValue.parse(bytes)
        } catch {
            throw RouterError(code: .malformed, message: "district boundaries are not JSON")
        }
        guard root["type"]?.stringValue == "FeatureCollection", let features = root["features"]?.arrayValue else {
            throw RouterError(code: .malformed, message: "district boundaries are not a GeoJSON FeatureCollection")
        }
        var areas: [Area] = []
        for (index, feature) in features.enumerated() {
            let property = feature["properties"]?["district"]
            let district = property?.numberValue.map { Int($0) } ?? property?.stringValue.flatMap { Int($0) }
            guard let district, (1...22).contains(district) else {
                throw RouterError(code: .malformed, message: "feature \(index) has no district property 1–22")
            }
            let geometry = feature["geometry"]
            let polygons: [JSONValue]
            switch geometry?["type"]?.stringValue {
            case "Polygon": polygons = [geometry?["coordinates"] ?? .null]
            case "MultiPolygon": polygons = geometry?["coordinates"]?.arrayValue ?? []
            default: throw RouterError(code: .malformed, message: "feature \(index) (district \(district)) is not a Polygon or MultiPolygon")
            }
            var area = Area(district: district, polygons: [], minX: .infinity, minY: .infinity, maxX: -.infinity, maxY: -.infinity)
            for polygon in polygons {
                guard let rings = polygon.arrayValue, !rings.isEmpty else {
                    throw RouterError(code: .malformed, message: "feature \(index) (district \(district)) has a polygon without rings")
                }
                var parsed: [[(x: Double, y: Double)]] = []
                for ring in rings {
                    var points: [(x: Double, y: Double)] = []
                    for position in ring.arrayValue ?? [] {
                        guard let pair = position.arrayValue, pair.count >= 2, let x = pair[0].numberValue, let y = pair[1].numberValue else {
                            throw RouterError(code: .malformed, message: "feature \(index) (district \(district)) has a position that is not [long, lat]")
                        }
                        points.append((x, y))
                        area.minX = min(area.minX, x); area.maxX = max(area.maxX, x)
                        area.minY = min(area.minY, y); area.maxY = max(area.maxY, y)
                    }
                    guard points.count >= 4 else {
                        throw RouterError(code: .malformed, message: "feature \(index) (district \(district)) has a ring of fewer than four positions")
                    }
                    parsed.append(points)
                }
                area.polygons.append(parsed)
            }
            areas.append(area)
        }
        return DistrictLocator(areas: areas)
    }
}
