/// One page of reports.
public struct ReportPage: Sendable, Hashable, Encodable {
    /// The reports on this page.
    public var reports: [CouncilReportRow]
    /// 1-based.
    public var page: Int
    public var pageSize: Int
    /// Reports matching the filter, on every page.
    public var total: Int
}
