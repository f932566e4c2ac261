import Foundation

/// One row of `public.open137_migrations`: a migration applied to a schema.
public struct AppliedMigration: Sendable, Hashable {
    /// The schema it was applied to.
    public var schema: String
    /// `persistence` (the library's outbox/inbox track) or `service`.
    public var component: String
    /// The migration's version.
    public var version: Int
    /// The migration's name without version and extension.
    public var name: String
    /// SHA-256 of the SQL text as applied.
    public var checksum: String
    /// When it was applied.
    public var appliedAt: Date

    /// Creates a record.
    public init(schema: String, component: String, version: Int, name: String, checksum: String, appliedAt: Date) {
        self.schema = schema
        self.component = component
        self.version = version
        self.name = name
        self.checksum = checksum
        self.appliedAt = appliedAt
    }
}
