import Foundation

extension Open311Node {
    /// The service discovery document: one GeoReport v2 endpoint at `endpointURL`, in both formats.
    static func discovery(endpointURL: String) -> Open311Node {
        .object([
            Field("changeset", .string(discoveryChangeset)),
            Field("contact", .string("Tehran Municipality citizen requests: call 137 (1888 for inspection complaints)")),
            Field("key_service", .string("API keys are issued per channel by the 137 operators (open137 keys create --channel open311)")),
            Field("endpoints", .list(item: "endpoint", [
                .object([
                    Field("specification", .string("http://wiki.open311.org/GeoReport_v2")),
                    Field("url", .string(endpointURL)),
                    Field("changeset", .string(discoveryChangeset)),
                    Field("type", .string("production")),
                    Field("formats", .list(item: "format", [.string(Open311Encoding.xml.mimeType), .string(Open311Encoding.json.mimeType)])),
                ])
            ])),
        ])
    }

    /// When this server loaded its service list (the taxonomy is read at start, so it can only change
    /// with a restart): a sortable `yyyy-MM-dd HH:mm` in UTC that tells clients to refresh cached services.
    static let discoveryChangeset: String = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: Date())
        func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }
        return "\(parts.year ?? 1970)-\(two(parts.month))-\(two(parts.day)) \(two(parts.hour)):\(two(parts.minute))"
    }()
}
