/// How long `RetentionService` keeps the rows of one table: rows older than `window` are deleted.
public struct RetentionRule: Sendable {
    /// The rows, and the batched delete that removes them.
    public var rows: ExpiringRows
    /// How long a row is kept, counted from its timestamp column.
    public var window: Duration

    /// Keeps `rows` for `window`.
    public init(rows: ExpiringRows, window: Duration) {
        self.rows = rows
        self.window = window
    }

    /// Keeps `inbox`'s records for `window`, which must be longer than any redelivery: an event whose
    /// record is gone is applied again if the broker ever brings it back.
    public static func inbox(_ inbox: Inbox, window: Duration) -> RetentionRule {
        RetentionRule(rows: inbox.expiringRows, window: window)
    }
}
