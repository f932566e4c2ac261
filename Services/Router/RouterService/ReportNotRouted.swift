/// A status update names a report the router has not stored (yet): transient while its assignment may
/// still be on the way (the worker retries it), an `unknown-report` dead letter once the retries allowed for
/// that are spent.
struct ReportNotRouted: Error, Sendable, CustomStringConvertible {
    /// The report id the update named.
    var reportID: String
    /// Machine-readable code.
    var code: String { "report-not-routed" }

    var description: String { "\(code): report \(reportID) has no assignment yet" }
}
