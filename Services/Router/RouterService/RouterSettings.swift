import ServiceHosting

/// The router's own configuration: where the district boundaries are, whether duplicates are linked, and how long an update for a report
/// it has not routed, or one ahead of its report's status, is retried before it is dead-lettered.
public struct RouterSettings: ServiceSettings {
    /// The key of the GeoJSON file of district boundaries (optional: without it only reports that name
    /// their district get one; the rest are district `00`).
    public static let districtsKey = "ROUTER_DISTRICTS_GEOJSON"
    /// The key of how many delayed retries (5 s each) an update for an unrouted report gets.
    public static let unknownReportRetriesKey = "ROUTER_UNKNOWN_REPORT_RETRIES"
    /// The key of how many delayed retries (5 s each) an update ahead of its report's status gets.
    public static let outOfOrderRetriesKey = "ROUTER_OUT_OF_ORDER_RETRIES"
    /// The key of whether a report that is the same hazard as an open case is linked to it (default true).
    public static let linkDuplicatesKey = "ROUTER_LINK_DUPLICATES"

    /// The district boundaries file, when operators supply one.
    public var districtsPath: String?
    /// Delayed retries of an update whose report is not routed (yet), before `unknown-report`.
    public var unknownReportRetries: Int
    /// Delayed retries of an update that came before the unit's earlier steps (`resolved` before
    /// `in_progress`), waiting for them, before `out-of-order`.
    public var outOfOrderRetries: Int
    /// Whether a report that is the same hazard as an open case joins it (`report.linked`) instead of being
    /// delivered as a case of its own. Off, every report is its own case, as before issue 20.
    public var linkDuplicates: Bool

    public init(reading environment: inout EnvironmentConfig) {
        districtsPath = environment.optional(Self.districtsKey)
        unknownReportRetries = environment.int(Self.unknownReportRetriesKey, default: 12, range: 0...1000)
        outOfOrderRetries = environment.int(Self.outOfOrderRetriesKey, default: 12, range: 0...1000)
        linkDuplicates = environment.bool(Self.linkDuplicatesKey, default: true)
    }
}
