/// What one `Migrator.migrate` call did.
public struct MigrationReport: Sendable, Hashable {
    /// The schema migrated.
    public var schema: String
    /// The migrations this call applied, as `component/NNNN_name` (e.g. `persistence/0001_outbox_inbox`).
    public var applied: [String]
    /// How many of the given migrations were already recorded (by an earlier run or a concurrent replica).
    public var alreadyApplied: Int

    /// Creates a report.
    public init(schema: String, applied: [String], alreadyApplied: Int) {
        self.schema = schema
        self.applied = applied
        self.alreadyApplied = alreadyApplied
    }
}
