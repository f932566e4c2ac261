/// What one `RetentionService.runOnce()` did, per table (`schema.table`).
public struct RetentionRun: Sendable, Hashable {
    /// Rows deleted per table, also when the table's purge then failed (the batches before the failure stay
    /// deleted: each is its own statement).
    public var deleted: [String: Int] = [:]
    /// The error that ended a table's purge, for the tables whose purge failed.
    public var failures: [String: String] = [:]

    /// An empty run.
    public init() {}

    /// Rows deleted in all tables.
    public var totalDeleted: Int { deleted.values.reduce(0, +) }
}
