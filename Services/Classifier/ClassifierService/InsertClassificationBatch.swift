import Foundation
import PostgresNIO

/// The group-commit statement of classification: a batch of classified reports (a JSON array, one object
/// per report) stored in one statement — each event once (inbox), each report once (primary key), and for
/// each report stored its `report.classified` event (outbox), then one `pg_notify` for the whole batch. A
/// named prepared statement, parsed and planned once per connection instead of once per report. Answers,
/// per input event, whether it was new to the inbox and whether its report was stored now.
struct InsertClassificationBatch: PostgresPreparedStatement {
    /// Per input event: its id, whether it was new to the inbox, whether its report was stored now.
    typealias Row = (String, Bool, Bool)

    /// The reports, as `jsonb_to_recordset` reads them; each names its event's body by index in `bodies`.
    var document: String
    /// The `report.classified` events' bodies (JSON text), stored as they are.
    var bodies: [String]
    /// The inbox's consumer name.
    var consumer: String
    /// The outbox's NOTIFY channel (the relay wakes at commit).
    var notificationChannel: String
    /// The exchange the events go to.
    var exchange: String
    /// The event type: the routing key and the AMQP type, as `CloudEvent.message(exchange:)` sets them.
    var eventType: String
    /// The messages' content type.
    var contentType: String

    // `DISTINCT ON (report_id) … ORDER BY report_id, body`: a report twice in one batch (a redelivery
    // beside its first delivery, or a second event for the same report) is stored once, and exactly the
    // input row that stored it sends its event — `body` is unique per input row, the event id is not.
    /// The statement (one plan per connection).
    static let sql = """
        WITH input AS (
            SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(
                event_id text, report_id uuid, service_code text, channel_service_code text, child_friendly boolean,
                priority text, confidence double precision, evidence jsonb, triage boolean, triage_reason text,
                model_version text, message_id text, correlation_id text, headers jsonb, body integer)
        ),
        fresh AS (
            INSERT INTO inbox (consumer, event_id) SELECT DISTINCT $2::text, event_id FROM input
            ON CONFLICT DO NOTHING
            RETURNING event_id
        ),
        stored AS (
            INSERT INTO classifications (report_id, event_id, service_code, channel_service_code, child_friendly, priority,
                                         confidence, evidence, triage, triage_reason, model_version)
            SELECT DISTINCT ON (i.report_id) i.report_id, i.event_id, i.service_code, i.channel_service_code, i.child_friendly,
                   i.priority, i.confidence, i.evidence, i.triage, i.triage_reason, i.model_version
            FROM input i JOIN fresh f USING (event_id)
            ORDER BY i.report_id, i.body
            ON CONFLICT (report_id) DO NOTHING
            RETURNING report_id, event_id
        ),
        events AS (
            INSERT INTO outbox (event_id, exchange, routing_key, body, content_type, correlation_id, message_type, headers)
            SELECT DISTINCT ON (s.report_id) i.message_id, $5::text, $6::text, convert_to(($4::text[])[i.body], 'UTF8'),
                   $7::text, i.correlation_id, $6::text, i.headers
            FROM stored s JOIN input i ON i.event_id = s.event_id AND i.report_id = s.report_id
            ORDER BY s.report_id, i.body
            ON CONFLICT (event_id, exchange, routing_key) DO NOTHING
        ),
        wake AS (
            SELECT pg_notify($3::text, '') WHERE EXISTS (SELECT 1 FROM stored)
        )
        SELECT i.event_id, EXISTS (SELECT 1 FROM fresh f WHERE f.event_id = i.event_id),
               EXISTS (SELECT 1 FROM stored s WHERE s.event_id = i.event_id)
        FROM input i, (SELECT count(*) FROM wake) AS woken
        """

    /// The seven parameters, in order.
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 7)
        bindings.append(document)
        bindings.append(consumer)
        bindings.append(notificationChannel)
        bindings.append(bodies)
        bindings.append(exchange)
        bindings.append(eventType)
        bindings.append(contentType)
        return bindings
    }

    /// One answer row.
    func decodeRow(_ row: PostgresRow) throws -> (String, Bool, Bool) {
        try row.decode((String, Bool, Bool).self)
    }
}
