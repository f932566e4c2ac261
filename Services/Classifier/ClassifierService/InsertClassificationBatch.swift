import Foundation
import Persistence
import PostgresNIO

/// Classification's own statement in the stage's batch (``StageBatchWriter`` records the inbox and writes
/// the outbox around it): the decisions for new `report.received` events (a JSON array, one object per
/// report) stored in one statement, one row per report. A named prepared statement (one plan per
/// connection). Answers the event ids whose decisions were stored.
struct InsertClassificationBatch: JSONDocumentStatement {
    typealias Row = String

    /// The decisions, as `jsonb_to_recordset` reads them.
    var document: String

    // `DISTINCT ON (report_id)`: two events for one report in one batch store one decision, and exactly
    // the event that stored it sends `report.classified` (the answer names it); the other is answered as
    // already classified, as a later one would be.
    /// The statement (one plan per connection).
    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                event_id text, report_id uuid, service_code text, channel_service_code text, child_friendly boolean,
                priority text, confidence double precision, evidence jsonb, triage boolean, triage_reason text,
                model_version text)
        )
        INSERT INTO classifications (report_id, event_id, service_code, channel_service_code, child_friendly, priority,
                                     confidence, evidence, triage, triage_reason, model_version)
        SELECT DISTINCT ON (i.report_id) i.report_id, i.event_id, i.service_code, i.channel_service_code, i.child_friendly,
               i.priority, i.confidence, i.evidence, i.triage, i.triage_reason, i.model_version
        FROM input i
        ORDER BY i.report_id
        ON CONFLICT (report_id) DO NOTHING
        RETURNING event_id
        """
}
