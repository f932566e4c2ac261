import Foundation
import Persistence
import PostgresNIO

/// Routing's own statement in the stage's batch (``StageBatchWriter`` records the inbox and writes the
/// outbox around it): the new classified reports (a JSON array, one object per report) stored in one
/// statement, each report once (primary key; a re-classification of a routed report stores nothing). A
/// named prepared statement, planned once per connection.
///
/// A report the ``DuplicateCaseFinder`` matched to a case (`parent_id`) joins it only if the case is still
/// an open case now: the case's row is locked (so a status update of the case, which locks it too, waits
/// and then finds this report among those that follow it) and the report takes the case's unit, status and
/// deadline; the case counts it. Otherwise it is stored as a case of its own, as if nothing had matched.
/// Answers, per stored report, its event id and — when it joined a case — the case's unit, status and
/// deadline, from which its messages are made.
struct InsertRoutingBatch: PostgresPreparedStatement {
    typealias Row = (eventID: String, unit: String?, status: String?, deadline: Date?)

    /// The reports, as `jsonb_to_recordset` reads them.
    var document: String

    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                event_id text, report_id uuid, tracking_code text, service_code text, child_friendly boolean, priority text,
                district text, unit text, deadline timestamptz, delivery jsonb, lat double precision, long double precision,
                place text, received_at timestamptz, parent_id uuid, link_similarity double precision, link_distance_m double precision,
                repeat_reasons text[])
        ),
        cases AS (
            SELECT report_id, unit, status, deadline FROM reports
            WHERE report_id IN (SELECT parent_id FROM input WHERE parent_id IS NOT NULL)
              AND parent_id IS NULL AND status NOT IN ('resolved', 'rejected')
            FOR UPDATE
        ),
        inserted AS (
            INSERT INTO reports (report_id, event_id, tracking_code, service_code, child_friendly, priority, district, unit,
                                 status, deadline, assignment, delivery, lat, long, place, received_at, parent_id,
                                 link_similarity, link_distance_m, repeat_reasons)
            SELECT DISTINCT ON (i.report_id) i.report_id, i.event_id, i.tracking_code, i.service_code, i.child_friendly, i.priority,
                   i.district, coalesce(c.unit, i.unit), coalesce(c.status, 'assigned'), coalesce(c.deadline, i.deadline), 1, i.delivery,
                   i.lat, i.long, i.place, i.received_at, c.report_id,
                   CASE WHEN c.report_id IS NOT NULL THEN i.link_similarity END, CASE WHEN c.report_id IS NOT NULL THEN i.link_distance_m END,
                   coalesce(i.repeat_reasons, '{}')
            FROM input i LEFT JOIN cases c ON c.report_id = i.parent_id
            ORDER BY i.report_id
            ON CONFLICT (report_id) DO NOTHING
            RETURNING event_id, parent_id, unit, status, deadline
        ),
        counted AS (
            UPDATE reports r SET linked_count = r.linked_count + n.reports, updated_at = now()
            FROM (SELECT parent_id, count(*) AS reports FROM inserted WHERE parent_id IS NOT NULL GROUP BY parent_id) n
            WHERE r.report_id = n.parent_id
            RETURNING r.report_id
        )
        SELECT event_id,
               CASE WHEN parent_id IS NOT NULL THEN unit END,
               CASE WHEN parent_id IS NOT NULL THEN status END,
               CASE WHEN parent_id IS NOT NULL THEN deadline END
        FROM inserted
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(document)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let (eventID, unit, status, deadline) = try row.decode((String, String?, String?, Date?).self)
        return (eventID, unit, status, deadline)
    }
}
