import Foundation

/// Filters of Open311 `GET requests` (and its paging extensions), already parsed and bounded.
public struct ReportQuery: Sendable, Hashable {
    /// Tracking codes; when given, the other filters are ignored (as the spec says).
    public var trackingCodes: [String]?
    /// Service codes (any of).
    public var serviceCodes: [String]?
    /// Received at or after.
    public var start: Date?
    /// Received at or before.
    public var end: Date?
    /// Open311 statuses (`open`, `closed`; any of).
    public var open311Statuses: [String]?
    /// Updated at or after.
    public var updatedAfter: Date?
    /// Updated at or before.
    public var updatedBefore: Date?
    /// Page number, from 1.
    public var page: Int
    /// Page size, at most 1000.
    public var pageSize: Int

    /// Creates a query.
    public init(
        trackingCodes: [String]? = nil, serviceCodes: [String]? = nil, start: Date? = nil, end: Date? = nil,
        open311Statuses: [String]? = nil, updatedAfter: Date? = nil, updatedBefore: Date? = nil, page: Int = 1, pageSize: Int = 1000
    ) {
        self.trackingCodes = trackingCodes
        self.serviceCodes = serviceCodes
        self.start = start
        self.end = end
        self.open311Statuses = open311Statuses
        self.updatedAfter = updatedAfter
        self.updatedBefore = updatedBefore
        self.page = page
        self.pageSize = pageSize
    }
}
