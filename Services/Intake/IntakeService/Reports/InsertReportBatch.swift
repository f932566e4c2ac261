import Events
import Foundation
import PostgresNIO

/// The group-commit statement: a batch of reports (a JSON array, one object per report) stored with
/// their history rows and `report.received` outbox rows in one statement. A named prepared statement, so
/// PostgreSQL plans it once per connection instead of on every batch. Answers the ids stored; a report
/// whose tracking code was already taken, or whose Idempotency-Key was used before, is not among them.
struct InsertReportBatch: PostgresPreparedStatement {
    typealias Row = UUID

    /// The reports, as `jsonb_to_recordset` reads them; each names its event's body by index in `bodies`.
    var document: String
    /// The events' bodies (JSON text), stored as they are.
    var bodies: [String]
    /// The outbox's NOTIFY channel (the relay wakes at commit).
    var notificationChannel: String

    // The exchange and event type are the project's constants (no value from a request is ever spliced in).
    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                report_id uuid, tracking_code text, channel text, description text, requested_service_code text,
                attributes jsonb, lat double precision, long double precision, address text, district integer,
                reporter_type text, reporter_language text, reporter_age_band text, contact_name text,
                contact_phone text, contact_email text, contact_allowed boolean, media_urls jsonb,
                received_at timestamptz, event_id text, body integer, correlation_id text,
                idem_scope text, idem_key text, idem_hash text)
        ),
        unclaimed AS (
            -- A key committed before is answered by the single path (the first report, or 409); a key
            -- committed by a batch still in flight meets the primary key below and fails this batch. A scalar
            -- subquery probes the key's index for each report: NOT EXISTS was planned as a hashed subplan
            -- that read the whole idempotency_keys table for every batch.
            SELECT * FROM input i
            WHERE i.idem_key IS NULL
               OR (SELECT true FROM idempotency_keys k WHERE k.scope = i.idem_scope AND k.key = i.idem_key) IS NULL
        ),
        stored AS (
            INSERT INTO reports (report_id, tracking_code, channel, description, requested_service_code, attributes,
                lat, long, address, district, reporter_type, reporter_language, reporter_age_band,
                contact_name, contact_phone, contact_email, contact_allowed, media_urls, received_at,
                service_code, updated_at)
            SELECT report_id, tracking_code, channel, description, requested_service_code, attributes,
                lat, long, address, district, reporter_type, reporter_language, reporter_age_band,
                contact_name, contact_phone, contact_email, contact_allowed, media_urls, received_at,
                requested_service_code, received_at
            FROM unclaimed
            ON CONFLICT (tracking_code) DO NOTHING
            RETURNING report_id
        ),
        claimed AS (
            INSERT INTO idempotency_keys (scope, key, request_hash, report_id)
            SELECT i.idem_scope, i.idem_key, decode(i.idem_hash, 'hex'), i.report_id
            FROM input i JOIN stored s USING (report_id)
            WHERE i.idem_key IS NOT NULL
        ),
        history AS (
            INSERT INTO report_history (report_id, event_id, status, at)
            SELECT i.report_id, i.event_id, 'received', i.received_at FROM input i JOIN stored s USING (report_id)
        ),
        events AS (
            INSERT INTO outbox (event_id, exchange, routing_key, body, content_type, correlation_id, message_type, headers)
            SELECT i.event_id, '\(Open137Topology.eventsExchange)', '\(EventType.reportReceived)', convert_to(($3::text[])[i.body], 'UTF8'),
                   'application/cloudevents+json', i.correlation_id, '\(EventType.reportReceived)', '{}'::jsonb
            FROM input i JOIN stored s USING (report_id)
        ),
        wake AS (
            SELECT pg_notify($2, '') WHERE EXISTS (SELECT 1 FROM stored)
        )
        SELECT report_id FROM stored, (SELECT count(*) FROM wake) AS woken
        """

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(document)
        bindings.append(notificationChannel)
        bindings.append(bodies)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> UUID {
        try row.decode(UUID.self)
    }
}
