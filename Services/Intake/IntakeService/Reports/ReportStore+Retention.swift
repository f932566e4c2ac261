import Persistence

extension ReportStore {
    /// Intake's Idempotency-Keys, aged by `created_at` (indexed since migration 0006), for the stage's
    /// `RetentionService`: a key is only needed while its client may still retry. The reports themselves
    /// stay (the read model keeps everything); a key sent again after its retention stores a new report.
    public static func idempotencyKeys(schema: String = IntakeStage.schema) throws -> ExpiringRows {
        try ExpiringRows(schema: schema, table: "idempotency_keys", timestampColumn: "created_at")
    }
}
