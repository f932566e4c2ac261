import Contracts

/// A unit's status update that is ahead of its report's status (`resolved` while the report is still
/// `acknowledged`): the steps between, which the unit also sent, may still be on the way, since updates
/// are applied several at a time and a retried one comes back later. Transient: the worker retries it
/// (the transaction rolls back, so the inbox has not recorded it); once the retries allowed for that are
/// spent it is dead-lettered as `out-of-order`.
public struct UpdateOutOfOrder: Error, Sendable, CustomStringConvertible {
    /// The report id the update named.
    public var reportID: String
    /// The report's status when the update came.
    public var current: ReportStatus
    /// The status the update asked for.
    public var requested: ReportStatus
    /// Machine-readable code.
    public var code: String { "out-of-order" }

    /// An update of `reportID` to `requested` that came while the report was `current`.
    public init(reportID: String, current: ReportStatus, requested: ReportStatus) {
        self.reportID = reportID
        self.current = current
        self.requested = requested
    }

    public var description: String {
        "\(code): report \(reportID): \(current.rawValue) → \(requested.rawValue) before the steps between"
    }
}
