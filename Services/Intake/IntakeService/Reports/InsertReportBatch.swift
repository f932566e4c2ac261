import Foundation
import Persistence
import PostgresNIO

/// The group-commit statement: a batch of reports (a JSON array, one object per report) stored with
/// their history rows and Idempotency-Keys in one statement (their `report.received` events go to the
/// outbox through `Outbox.insert` in the same transaction). A named prepared statement, so
/// PostgreSQL plans it once per connection instead of on every batch. Answers the ids stored; a report
/// whose tracking code was already taken, or whose Idempotency-Key was used before, is not among them.
struct InsertReportBatch: JSONDocumentStatement {
    typealias Row = UUID

    /// The reports, as `jsonb_to_recordset` reads them.
    var document: String

    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                report_id uuid, tracking_code text, channel text, description text, requested_service_code text,
                attributes jsonb, lat double precision, long double precision, address text, district integer,
                reporter_type text, reporter_language text, reporter_age_band text, contact_name text,
                contact_phone text, contact_email text, contact_allowed boolean, media_urls jsonb,
                received_at timestamptz, event_id text,
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
        )
        SELECT report_id FROM stored
        """
}
