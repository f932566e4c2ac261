import PostgresNIO

/// The read model's group-commit statement: a round of later events (a JSON array, at most one event per
/// report) applied in one statement — each event once (inbox), the report's row updated as the event says
/// (an older status never overwrites a newer one; likewise an older link or split never overwrites a newer
/// one), a history row added. A named prepared statement,
/// planned once per connection. Answers, per input event, whether it was new to the inbox and whether its
/// report was updated.
struct ApplyReadModelBatch: PostgresPreparedStatement {
    typealias Row = (String, Bool, Bool)

    /// The events, as `jsonb_to_recordset` reads them (`ReadModelEvent.document`).
    var document: String
    /// The inbox's consumer name.
    var consumer: String

    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                event_id text, report_id uuid, status text, note text, unit text, deadline timestamptz, service_code text,
                child_friendly boolean, priority text, history_status text, link_change text, linked_to uuid, moved_to text,
                at timestamptz)
        ),
        fresh AS (
            INSERT INTO inbox (consumer, event_id) SELECT DISTINCT $2::text, event_id FROM input
            ON CONFLICT DO NOTHING
            RETURNING event_id
        ),
        updated AS (
            UPDATE reports r SET
                service_code = COALESCE(i.service_code, r.service_code),
                child_friendly = COALESCE(i.child_friendly, r.child_friendly),
                priority = COALESCE(i.priority, r.priority),
                status = CASE WHEN i.status IS NOT NULL AND (r.status_at IS NULL OR r.status_at <= i.at)
                              THEN i.status ELSE r.status END,
                status_notes = CASE WHEN i.status IS NOT NULL AND (r.status_at IS NULL OR r.status_at <= i.at)
                              THEN COALESCE(i.note, r.status_notes) ELSE r.status_notes END,
                unit = CASE WHEN r.status_at IS NULL OR r.status_at <= i.at THEN COALESCE(i.unit, r.unit) ELSE r.unit END,
                deadline = CASE WHEN r.status_at IS NULL OR r.status_at <= i.at THEN COALESCE(i.deadline, r.deadline) ELSE r.deadline END,
                status_at = CASE WHEN i.status IS NOT NULL THEN GREATEST(r.status_at, i.at) ELSE r.status_at END,
                linked_to = CASE WHEN i.link_change IS NOT NULL AND (r.link_at IS NULL OR r.link_at <= i.at)
                                 THEN i.linked_to ELSE r.linked_to END,
                link_at = CASE WHEN i.link_change IS NOT NULL THEN GREATEST(r.link_at, i.at) ELSE r.link_at END,
                updated_at = GREATEST(r.updated_at, i.at)
            FROM input i JOIN fresh f USING (event_id)
            WHERE r.report_id = i.report_id
            RETURNING i.event_id
        ),
        history AS (
            INSERT INTO report_history (report_id, event_id, status, note, unit, moved_to, at)
            SELECT i.report_id, i.event_id, i.history_status, i.note, i.unit, i.moved_to, i.at
            FROM input i JOIN updated u USING (event_id)
            ON CONFLICT DO NOTHING
        )
        SELECT i.event_id, EXISTS (SELECT 1 FROM fresh f WHERE f.event_id = i.event_id),
               EXISTS (SELECT 1 FROM updated u WHERE u.event_id = i.event_id)
        FROM input i
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 2)
        bindings.append(document)
        bindings.append(consumer)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (String, Bool, Bool) {
        try row.decode((String, Bool, Bool).self)
    }
}
