import Foundation
import PostgresNIO

/// The group-commit statement of routing: a batch of classified reports (a JSON array, one object per
/// report) stored in one statement — each event once (inbox), each report once (primary key), and for each
/// report stored its outbox messages (the unit's delivery, the council's copy, `report.routed`). A named
/// prepared statement, planned once per connection. Answers, per input event, whether it was new to the
/// inbox and whether its report was stored now.
struct InsertRoutingBatch: PostgresPreparedStatement {
    typealias Row = (String, Bool, Bool)

    /// The reports, as `jsonb_to_recordset` reads them; each message names its body by index in `bodies`.
    var document: String
    /// The messages' bodies (events as JSON text), stored as they are.
    var bodies: [String]
    /// The inbox's consumer name.
    var consumer: String
    /// The outbox's NOTIFY channel (the relay wakes at commit).
    var notificationChannel: String

    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                event_id text, report_id uuid, tracking_code text, service_code text, child_friendly boolean, priority text,
                district text, unit text, deadline timestamptz, delivery jsonb, messages jsonb)
        ),
        fresh AS (
            INSERT INTO inbox (consumer, event_id) SELECT DISTINCT $2::text, event_id FROM input
            ON CONFLICT DO NOTHING
            RETURNING event_id
        ),
        stored AS (
            INSERT INTO reports (report_id, event_id, tracking_code, service_code, child_friendly, priority, district, unit,
                                 status, deadline, assignment, delivery)
            SELECT DISTINCT ON (i.report_id) i.report_id, i.event_id, i.tracking_code, i.service_code, i.child_friendly, i.priority,
                   i.district, i.unit, 'assigned', i.deadline, 1, i.delivery
            FROM input i JOIN fresh f USING (event_id)
            ORDER BY i.report_id
            ON CONFLICT (report_id) DO NOTHING
            RETURNING report_id, event_id
        ),
        events AS (
            INSERT INTO outbox (event_id, exchange, routing_key, body, content_type, correlation_id, message_type, headers)
            SELECT m.id, m.exchange, m.routing_key, convert_to(($4::text[])[m.body], 'UTF8'), m.content_type, m.correlation_id, m.type, '{}'::jsonb
            FROM input i JOIN stored s ON s.event_id = i.event_id AND s.report_id = i.report_id,
                 jsonb_to_recordset(i.messages) AS m(id text, exchange text, routing_key text, content_type text,
                                                     correlation_id text, type text, body integer)
            ON CONFLICT (event_id, exchange, routing_key) DO NOTHING
        ),
        wake AS (
            SELECT pg_notify($3::text, '') WHERE EXISTS (SELECT 1 FROM stored)
        )
        SELECT i.event_id, EXISTS (SELECT 1 FROM fresh f WHERE f.event_id = i.event_id),
               EXISTS (SELECT 1 FROM stored s WHERE s.event_id = i.event_id)
        FROM input i, (SELECT count(*) FROM wake) AS woken
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        bindings.append(document)
        bindings.append(consumer)
        bindings.append(notificationChannel)
        bindings.append(bodies)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> (String, Bool, Bool) {
        try row.decode((String, Bool, Bool).self)
    }
}
