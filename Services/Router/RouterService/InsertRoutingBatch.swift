import Foundation
import Persistence
import PostgresNIO

/// Routing's own statement in the stage's batch (``StageBatchWriter`` records the inbox and writes the
/// outbox around it): the new classified reports (a JSON array, one object per report) stored in one
/// statement, each report once (primary key; a re-classification of a routed report stores nothing). A
/// named prepared statement, planned once per connection. Answers the event ids whose reports were stored.
struct InsertRoutingBatch: JSONDocumentStatement {
    typealias Row = String

    /// The reports, as `jsonb_to_recordset` reads them.
    var document: String

    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                event_id text, report_id uuid, tracking_code text, service_code text, child_friendly boolean, priority text,
                district text, unit text, deadline timestamptz, delivery jsonb)
        )
        INSERT INTO reports (report_id, event_id, tracking_code, service_code, child_friendly, priority, district, unit,
                             status, deadline, assignment, delivery)
        SELECT DISTINCT ON (i.report_id) i.report_id, i.event_id, i.tracking_code, i.service_code, i.child_friendly, i.priority,
               i.district, i.unit, 'assigned', i.deadline, 1, i.delivery
        FROM input i
        ORDER BY i.report_id
        ON CONFLICT (report_id) DO NOTHING
        RETURNING event_id
        """
}
