-- `make bench` with BENCH_PREFILL=N: a history of N reports in every stage's tables, written directly with
-- SQL into a freshly migrated database (bench.sh makes it the template every measured database is copied
-- from). Run as the administrator with psql:
--   psql -v n=1000000 -v days=30 -c 'CREATE TEMP TABLE pf_lines (line text)' \
--        -c "\copy pf_lines FROM 'Services/Classifier/Classification/Corpus/general.jsonl' WITH (FORMAT csv, DELIMITER E'\x02', QUOTE E'\x01')" \
--        -c … (the same for child-friendly.jsonl) -f infra/local/bench-prefill.sql
-- (the classifier's labelled corpus, one JSON object per line, read raw into pf_lines by the caller: psql
-- does not expand variables in \copy).
--
-- What a report's history is, as the pipeline writes it (checked against a live run): intake's report with its
-- read model, history rows (received, classified, assigned, each status) and, for 70 % of reports, an
-- Idempotency-Key; the classifier's decision; the router's report, its delivery and its status history; the
-- notifier's reporter and the SMS it sent; the council's audit entries and projection. Every stage's inbox
-- holds one row per event it applied (intake's read model 2 + k, the classifier 1, the router 1 + k, the
-- notifier 3 + k for k status updates; the audit log is council-audit's own inbox, its `inbox` stays empty):
-- ~15 rows per report with the mix below (2.4 updates per report on average). Outboxes are empty, as every
-- relay deletes what the broker confirmed; their identity sequences are moved past the events sent.
--
-- Reports arrive evenly over the last `days` days (ending an hour ago); their descriptions, service codes
-- and priorities are the classifier's labelled corpus (30 % child-friendly), their deadlines the taxonomy's hours. Reports whose
-- deadline has passed are mostly resolved (85 %) or rejected (7 %); the rest are open, and an open child
-- report past its deadline has the escalations its levels called for, so the escalator finds nothing new.
-- Deadlines still ahead are open (assigned, acknowledged or in progress).
--
-- Not reproduced: the audit log's hash chain. hash and original_sha256 are SHA-256 values of the entry's
-- body but do not chain (computing a chain needs one row after another); chain_head points past the last
-- entry, so appends continue at the right seq — `open137 audit verify` would name the prefilled entries.
\set ON_ERROR_STOP 1
SET synchronous_commit = off;
SET maintenance_work_mem = '512MB';
SET work_mem = '128MB';
SET client_min_messages = warning;
\set filled '{intake.reports,intake.report_history,intake.idempotency_keys,intake.inbox,classifier.classifications,classifier.inbox,router.reports,router.status_history,router.inbox,notifier.reporters,notifier.notifications,notifier.inbox,council_audit.audit_log,council_audit.reports,council_audit.escalations}'
SELECT setseed(0.137);

-- The Damm check digit intake gives its tracking codes.
CREATE FUNCTION pg_temp.damm(digits text) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    t constant int[] := ARRAY[
        0,3,1,7,5,9,8,6,4,2, 7,0,9,2,1,5,4,8,6,3, 4,2,0,6,8,7,1,3,5,9, 1,7,5,0,9,8,3,4,2,6,
        6,1,2,3,0,4,5,9,7,8, 3,6,7,4,2,0,9,5,8,1, 5,8,6,9,7,2,0,1,3,4, 8,9,4,5,3,6,2,0,1,7,
        9,4,3,8,6,1,7,2,0,5, 2,5,8,1,4,3,6,7,9,0];
    interim int := 0;
    c int;
BEGIN
    FOR c IN 1 .. length(digits) LOOP
        interim := t[interim * 10 + (ascii(substr(digits, c, 1)) - 48) + 1];
    END LOOP;
    RETURN digits || interim::text;
END
$$;

-- The labelled corpus (pf_lines, loaded by the caller).
CREATE TEMP TABLE pf_corpus AS
    SELECT (row_number() OVER (PARTITION BY j ->> 'service_code' LIKE 'CFC-%' ORDER BY j::text) - 1)::int AS k,
           j ->> 'service_code' LIKE 'CFC-%' AS child, j ->> 'description' AS description, j ->> 'service_code' AS service_code,
           j ->> 'priority' AS priority, coalesce(j ->> 'lang', 'fa') AS lang
    FROM (SELECT line::jsonb AS j FROM pf_lines WHERE btrim(line) <> '') x;
SELECT count(*) FILTER (WHERE child) AS corpus_child, count(*) FILTER (WHERE NOT child) AS corpus_general FROM pf_corpus \gset

-- Units and deadline hours per priority (Shared/Taxonomy/Resources/taxonomy.yaml).
CREATE TEMP TABLE pf_service (code text PRIMARY KEY, unit text, p0 int, p1 int, p2 int);
INSERT INTO pf_service VALUES
    ('CFC-KG', 'social-affairs', 4, 48, 240), ('CFC-PLAY', 'parks', 4, 72, 336), ('CFC-SCHOOL', 'traffic', 4, 72, 336),
    ('CFC-TRANSPORT', 'transit', 4, 72, 336), ('CFC-OTHER', 'social-affairs', 4, 72, 336), ('ROAD', 'roads', 8, 120, 720),
    ('LIGHT', 'lighting', 8, 72, 720), ('WASTE', 'waste', 8, 48, 240), ('GREEN', 'parks', 8, 120, 720),
    ('TRAFFIC', 'traffic', 4, 72, 720), ('TRANSIT', 'transit', 8, 120, 720), ('BUILD', 'urban-planning', 6, 168, 720),
    ('WATER', 'urban-services', 6, 72, 720), ('ANIMAL', 'environment', 6, 72, 720), ('NOISE', 'environment', 8, 120, 720),
    ('OCCUPY', 'urban-services', 8, 120, 720), ('OTHER', 'triage', 8, 120, 720);

-- One row per report with everything its stages derive from it.
CREATE UNLOGGED TABLE public.open137_prefill_report AS
WITH base AS (
    SELECT i, random() AS r1, random() AS r2, random() AS r3, random() AS r4,
           now() - interval '1 hour' - (:days * interval '1 day') * (1 - i::float8 / :n) AS received_at
    FROM generate_series(1::bigint, :n) AS i
), described AS (
    SELECT b.*, c.description, c.service_code, c.priority, c.lang, s.unit,
           CASE c.priority WHEN 'P0' THEN s.p0 WHEN 'P1' THEN s.p1 ELSE s.p2 END AS hours
    FROM base b
    -- 30 % child-friendly reports, as open137-load loadgen sends by default.
    JOIN pf_corpus c ON c.child = (b.i % 10 < 3)
        AND c.k = (b.i * 7919) % CASE WHEN b.i % 10 < 3 THEN :corpus_child ELSE :corpus_general END
    JOIN pf_service s ON s.code = c.service_code
)
SELECT i,
       md5('open137-prefill/' || i)::uuid AS report_id,
       pg_temp.damm((100000000 + (i * 7919) % 900000000)::text) AS tracking_code,
       (ARRAY['137-phone', 'app', 'web', 'sms', 'open311', '1888-web'])[1 + i % 6] AS channel,
       description, service_code, priority, service_code LIKE 'CFC-%' AS child_friendly, unit,
       CASE WHEN lang = 'en' THEN 'en' ELSE 'fa' END AS language,
       r1 < 0.75 AS located,
       round((35.58 + r2 * 0.22)::numeric, 5)::float8 AS lat,
       round((51.22 + r3 * 0.36)::numeric, 5)::float8 AS long,
       1 + (i * 13) % 22 AS district,
       CASE WHEN r4 < 0.08 THEN 'child' WHEN r4 < 0.32 THEN 'parent' WHEN r4 < 0.67 THEN 'other' END AS reporter_type,
       r2 < 0.40 AS has_phone,
       r3 < 0.05 AS has_email,
       received_at,
       received_at + interval '30 ms' AS classified_at,
       received_at + interval '60 ms' AS routed_at,
       received_at + hours * interval '1 hour' AS deadline,
       CASE
           WHEN received_at + hours * interval '1 hour' > now() THEN
               CASE WHEN r1 < 0.3 THEN 'assigned' WHEN r1 < 0.65 THEN 'acknowledged' ELSE 'in_progress' END
           WHEN r4 < 0.85 THEN 'resolved' WHEN r4 < 0.92 THEN 'rejected'
           WHEN r4 < 0.97 THEN 'in_progress' ELSE 'acknowledged'
       END AS final_status
FROM described;

-- The units' status updates: k = 0 … 3 per report, spread between routing and the deadline.
CREATE UNLOGGED TABLE public.open137_prefill_update AS
SELECT p.i, p.report_id, u.j, u.status, u.from_status,
       p.routed_at + (p.deadline - p.routed_at) * (0.9 * u.j / (u.k + 1)) AS at,
       md5('open137-prefill/' || p.i || '/update/' || u.j)::uuid::text AS update_id,
       md5('open137-prefill/' || p.i || '/status/' || u.j)::uuid::text AS event_id,
       CASE u.status WHEN 'resolved' THEN 'انجام شد' WHEN 'rejected' THEN 'خارج از حوزه این واحد' END AS note,
       CASE WHEN u.status = 'rejected' THEN 'not-our-responsibility' END AS reason
FROM open137_prefill_report p
CROSS JOIN LATERAL (
    SELECT s.j, s.status, coalesce(lag(s.status) OVER (ORDER BY s.j), 'assigned') AS from_status, count(*) OVER () AS k
    FROM unnest(CASE p.final_status
        WHEN 'acknowledged' THEN ARRAY['acknowledged']
        WHEN 'in_progress' THEN ARRAY['acknowledged', 'in_progress']
        WHEN 'rejected' THEN ARRAY['acknowledged', 'rejected']
        WHEN 'resolved' THEN ARRAY['acknowledged', 'in_progress', 'resolved']
        ELSE ARRAY[]::text[] END) WITH ORDINALITY AS s(status, j)
) u;

CREATE UNLOGGED TABLE public.open137_prefill_event AS
SELECT p.i, p.report_id, e.*
FROM open137_prefill_report p
CROSS JOIN LATERAL (VALUES
    (0, 'report.received', md5('open137-prefill/' || p.i || '/received')::uuid::text, p.received_at, '/open137/intake'),
    (1, 'report.classified', md5('open137-prefill/' || p.i || '/classified')::uuid::text, p.classified_at, '/open137/classifier'),
    (2, 'report.routed', p.report_id || '.routed', p.routed_at, '/open137/router')
) AS e(j, event_type, event_id, at, source)
UNION ALL
SELECT u.i, u.report_id, 2 + u.j, 'report.status-changed', u.event_id, u.at + interval '40 ms', '/open137/router'
FROM open137_prefill_update u;
CREATE INDEX ON open137_prefill_event (i, j);
CREATE INDEX ON open137_prefill_update (i, j);
-- Each report's last status update (its current status, note and time).
CREATE UNLOGGED TABLE public.open137_prefill_last AS
    SELECT DISTINCT ON (i) i, j, status, note, reason, at FROM open137_prefill_update ORDER BY i, j DESC;
CREATE UNIQUE INDEX ON open137_prefill_last (i);
ANALYZE open137_prefill_last;
ANALYZE open137_prefill_report;
ANALYZE open137_prefill_update;
ANALYZE open137_prefill_event;

-- The tables filled below lose their indexes and unique constraints while they are filled (one sorted build
-- per index afterwards is many times faster than a million random inserts into each), and get them back, with
-- the same names and definitions, at the end. Rows go in in time order, as the pipeline wrote them.
CREATE TEMP TABLE pf_deferred AS
SELECT 1 AS step, format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS restore,
       format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop
FROM pg_constraint c
WHERE c.contype IN ('p', 'u') AND c.conrelid = ANY (:'filled'::regclass[])
UNION ALL
SELECT 2, pg_get_indexdef(i.indexrelid), format('DROP INDEX %s', i.indexrelid::regclass)
FROM pg_index i
WHERE i.indrelid = ANY (:'filled'::regclass[])
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid);
DO $$
DECLARE statement text;
BEGIN
    FOR statement IN SELECT drop FROM pf_deferred ORDER BY step DESC LOOP EXECUTE statement; END LOOP;
END
$$;

-- ---------------------------------------------------------------------------------------------------------
-- intake

INSERT INTO intake.reports (report_id, tracking_code, channel, description, requested_service_code, attributes, lat, long,
        address, district, reporter_type, reporter_language, contact_name, contact_phone, contact_email, contact_allowed,
        media_urls, received_at, service_code, child_friendly, priority, status, status_notes, unit, deadline, updated_at, status_at)
SELECT p.report_id, p.tracking_code, p.channel, p.description,
       CASE WHEN p.channel = 'open311' THEN p.service_code END, '{}', CASE WHEN p.located THEN p.lat END,
       CASE WHEN p.located THEN p.long END, CASE WHEN NOT p.located THEN 'خیابان ' || p.district || '، کوچه ' || (p.i % 40 + 1) END,
       CASE WHEN NOT p.located THEN p.district END, p.reporter_type, p.language,
       CASE WHEN p.has_phone OR p.has_email THEN 'علی رضایی' END,
       CASE WHEN p.has_phone THEN '+98912' || lpad((p.i % 10000000)::text, 7, '0') END,
       CASE WHEN p.has_email THEN 'reporter' || p.i || '@example.ir' END,
       (p.has_phone OR p.has_email) AND p.i % 5 <> 0, '[]', p.received_at, p.service_code, p.child_friendly, p.priority,
       p.final_status, u.note, p.unit, p.deadline, coalesce(u.at, p.routed_at) + interval '40 ms', coalesce(u.at, p.routed_at) + interval '40 ms'
FROM open137_prefill_report p
LEFT JOIN open137_prefill_last u ON u.i = p.i
ORDER BY p.i;

INSERT INTO intake.report_history (report_id, event_id, status, note, unit, at)
SELECT e.report_id, e.event_id,
       CASE e.j WHEN 0 THEN 'received' WHEN 1 THEN 'classified' WHEN 2 THEN 'assigned' ELSE u.status END,
       u.note, CASE WHEN e.j >= 2 THEN p.unit END, e.at
FROM open137_prefill_event e
JOIN open137_prefill_report p ON p.i = e.i
LEFT JOIN open137_prefill_update u ON u.i = e.i AND u.j = e.j - 2
ORDER BY e.at;

INSERT INTO intake.idempotency_keys (scope, key, request_hash, report_id, created_at)
SELECT CASE WHEN p.i % 3 = 0 THEN 'amqp:' || p.channel ELSE 'dev' END,
       md5('open137-prefill/' || p.i || '/key')::uuid::text, sha256(convert_to(p.description || p.i, 'UTF8')),
       p.report_id, p.received_at
FROM open137_prefill_report p
WHERE p.i % 10 < 7
ORDER BY p.i;

INSERT INTO intake.inbox (consumer, event_id, processed_at)
SELECT 'intake.read-model', e.event_id, e.at + interval '45 ms'
FROM open137_prefill_event e WHERE e.j >= 1
ORDER BY 3;

-- ---------------------------------------------------------------------------------------------------------
-- classifier

INSERT INTO classifier.classifications (report_id, event_id, service_code, channel_service_code, child_friendly, priority,
        confidence, evidence, triage, triage_reason, model_version, classified_at)
SELECT p.report_id, e.event_id, p.service_code, CASE WHEN p.channel = 'open311' THEN p.service_code END, p.child_friendly,
       p.priority, round((0.55 + (p.i % 45) / 100.0)::numeric, 3)::float8,
       jsonb_build_array(
           'child-friendly probability ' || CASE WHEN p.child_friendly THEN '0.91 (a child or a child place named)' ELSE '0.02 (no child or child place named)' END,
           'keyword → ' || p.service_code, 'n-gram favours ' || p.service_code || ' (+0.06)', 'priority model: ' || p.priority || ' 0.9'),
       p.service_code = 'OTHER', CASE WHEN p.service_code = 'OTHER' THEN 'low-confidence' END, 'lr-ngram-1.9024e628',
       p.classified_at
FROM open137_prefill_report p JOIN open137_prefill_event e ON e.i = p.i AND e.j = 0
ORDER BY p.i;

INSERT INTO classifier.inbox (consumer, event_id, processed_at)
SELECT 'classifier.reports', e.event_id, e.at + interval '25 ms'
FROM open137_prefill_event e WHERE e.j = 0
ORDER BY 3;

-- ---------------------------------------------------------------------------------------------------------
-- router

INSERT INTO router.reports (report_id, event_id, tracking_code, service_code, child_friendly, priority, district, unit, status,
        deadline, assignment, referral_count, delivery, routed_at, updated_at)
SELECT p.report_id, e.event_id, p.tracking_code, p.service_code, p.child_friendly, p.priority, lpad(p.district::text, 2, '0'),
       p.unit, p.final_status, p.deadline, 1, 0,
       jsonb_strip_nulls(jsonb_build_object(
           'unit', p.unit, 'deadline', p.deadline, 'district', lpad(p.district::text, 2, '0'), 'priority', p.priority,
           'report_id', p.report_id, 'assignment', 1, 'attributes', '{}'::jsonb, 'media_urls', '[]'::jsonb,
           'description', p.description, 'received_at', p.received_at, 'service_code', p.service_code,
           'tracking_code', p.tracking_code, 'child_friendly', p.child_friendly,
           'reporter', jsonb_strip_nulls(jsonb_build_object('type', p.reporter_type, 'language', p.language)),
           'location', CASE WHEN p.located THEN jsonb_build_object('lat', p.lat, 'long', p.long) END,
           'contact', CASE WHEN p.has_phone AND p.i % 5 <> 0 THEN jsonb_build_object('name', 'علی رضایی', 'phone', '+98912' || lpad((p.i % 10000000)::text, 7, '0')) END)),
       p.routed_at, coalesce(u.at, p.routed_at)
FROM open137_prefill_report p
JOIN open137_prefill_event e ON e.i = p.i AND e.j = 1
LEFT JOIN open137_prefill_last u ON u.i = p.i
ORDER BY p.i;

INSERT INTO router.status_history (report_id, update_id, unit, from_status, status, by_unit, referred_to, note, reason, at)
SELECT u.report_id, u.update_id, p.unit, u.from_status, u.status, p.unit, NULL, u.note, u.reason, u.at
FROM open137_prefill_update u JOIN open137_prefill_report p ON p.i = u.i
ORDER BY u.at;

INSERT INTO router.inbox (consumer, event_id, processed_at)
SELECT * FROM (
    SELECT 'router.reports', e.event_id, e.at + interval '25 ms' FROM open137_prefill_event e WHERE e.j = 1
    UNION ALL
    SELECT 'router.unit-updates', u.update_id, u.at FROM open137_prefill_update u
) x ORDER BY 3;

-- ---------------------------------------------------------------------------------------------------------
-- notifier

INSERT INTO notifier.reporters (report_id, tracking_code, language, phone, email, notify, stored_at)
SELECT p.report_id, p.tracking_code, p.language,
       CASE WHEN p.has_phone THEN '+98912' || lpad((p.i % 10000000)::text, 7, '0') END,
       CASE WHEN p.has_email THEN 'reporter' || p.i || '@example.ir' END,
       p.has_phone OR p.has_email, p.received_at + interval '30 ms'
FROM open137_prefill_report p
ORDER BY p.i;

-- The SMS a reporter with a phone got: on receipt, and when the unit resolved or rejected the report.
INSERT INTO notifier.notifications (idempotency_key, event_id, event_type, report_id, channel, recipient, subject, body, status,
        attempts, next_attempt_at, gateway_id, created_at, sent_at)
SELECT encode(sha256(convert_to(e.event_id || '/sms/' || p.i, 'UTF8')), 'hex'), e.event_id, e.event_type, p.report_id, 'sms',
       '+98912' || lpad((p.i % 10000000)::text, 7, '0'), NULL,
       CASE e.event_type WHEN 'report.received' THEN 'گزارش شما با کد پیگیری ' || p.tracking_code || ' ثبت شد.'
            ELSE 'وضعیت گزارش ' || p.tracking_code || ': ' || p.final_status END,
       'sent', 1, e.at + interval '1 s', 'gw-' || p.i || '-' || e.j, e.at + interval '50 ms', e.at + interval '1 s'
FROM open137_prefill_report p
JOIN open137_prefill_event e ON e.i = p.i
LEFT JOIN open137_prefill_last l ON l.i = p.i
WHERE p.has_phone AND (e.j = 0 OR (e.j = 2 + l.j AND p.final_status IN ('resolved', 'rejected')))
ORDER BY e.at;

INSERT INTO notifier.inbox (consumer, event_id, processed_at)
SELECT 'notifier.events', e.event_id, e.at + interval '35 ms'
FROM open137_prefill_event e
ORDER BY 3;

-- ---------------------------------------------------------------------------------------------------------
-- council-audit: every event in time order, redacted bodies (no contact), SHA-256 values that do not chain

INSERT INTO council_audit.audit_log (seq, event_id, event_type, report_id, event_time, appended_at, body, original_sha256, redacted,
        prev_hash, hash)
SELECT a.seq, a.event_id, a.event_type, a.report_id, a.at, a.at + interval '50 ms', a.body, sha256(a.body || '\x00'::bytea), a.redacted,
       CASE WHEN a.seq = 1 THEN decode(repeat('00', 32), 'hex') ELSE sha256(int8send(a.seq - 1)) END, sha256(int8send(a.seq))
FROM (
SELECT row_number() OVER (ORDER BY e.at, e.i, e.j) AS seq, e.report_id, e.event_id, e.event_type, e.at,
       convert_to(jsonb_build_object(
           'correlationid', e.report_id, 'datacontenttype', 'application/json', 'id', e.event_id, 'source', e.source,
           'specversion', '1.0', 'subject', e.report_id, 'time', e.at, 'type', e.event_type,
           'data', CASE
               WHEN e.j <= 1 THEN jsonb_strip_nulls(jsonb_build_object(
                   'report_id', p.report_id, 'tracking_code', p.tracking_code, 'channel', p.channel, 'description', p.description,
                   'received_at', p.received_at, 'contact_allowed', p.has_phone OR p.has_email, 'attributes', '{}'::jsonb,
                   'media_urls', '[]'::jsonb, 'reporter', jsonb_strip_nulls(jsonb_build_object('type', p.reporter_type, 'language', p.language)),
                   'location', CASE WHEN p.located THEN jsonb_build_object('lat', p.lat, 'long', p.long) END,
                   'classification', CASE WHEN e.j = 1 THEN jsonb_build_object('service_code', p.service_code, 'priority', p.priority,
                       'child_friendly', p.child_friendly, 'confidence', 0.9, 'triage', p.service_code = 'OTHER',
                       'model_version', 'lr-ngram-1.9024e628', 'evidence', jsonb_build_array('keyword → ' || p.service_code)) END))
               WHEN e.j = 2 THEN jsonb_build_object('report_id', p.report_id, 'tracking_code', p.tracking_code, 'channel', p.channel,
                   'child_friendly', p.child_friendly, 'deadline', p.deadline, 'district', lpad(p.district::text, 2, '0'),
                   'priority', p.priority, 'received_at', p.received_at, 'reporter_type', p.reporter_type,
                   'service_code', p.service_code, 'triage', p.service_code = 'OTHER', 'unit', p.unit)
               ELSE jsonb_strip_nulls(jsonb_build_object('report_id', p.report_id, 'unit', p.unit, 'status', u.status,
                   'previous_status', u.from_status, 'note', u.note, 'reason', u.reason, 'update_id', u.update_id, 'at', u.at))
           END)::text, 'UTF8') AS body,
       e.j <= 1 AND (p.has_phone OR p.has_email) AS redacted
FROM open137_prefill_event e
JOIN open137_prefill_report p ON p.i = e.i
LEFT JOIN open137_prefill_update u ON u.i = e.i AND u.j = e.j - 2
) a
ORDER BY a.seq;

UPDATE council_audit.chain_head SET seq = (SELECT max(seq) FROM council_audit.audit_log),
       hash = (SELECT hash FROM council_audit.audit_log ORDER BY seq DESC LIMIT 1)
WHERE id;

INSERT INTO council_audit.reports (report_id, tracking_code, channel, service_code, child_friendly, priority, unit, district,
        reporter_type, received_at, deadline, status, status_at, assigned_at, first_action_at, resolved_at, rejected_reason,
        reopen_count, referral_count, escalation_level, last_seq, updated_at)
SELECT p.report_id, p.tracking_code, p.channel, p.service_code, p.child_friendly, p.priority, p.unit, lpad(p.district::text, 2, '0'),
       p.reporter_type, p.received_at, p.deadline, CASE WHEN p.final_status = 'assigned' THEN 'routed' ELSE p.final_status END,
       last_u.at, p.routed_at, first_u.at, CASE WHEN p.final_status = 'resolved' THEN last_u.at END,
       CASE WHEN p.final_status = 'rejected' THEN last_u.reason END, 0, 0,
       CASE WHEN p.child_friendly AND p.final_status NOT IN ('resolved', 'rejected') AND p.deadline < now() THEN
           CASE WHEN p.deadline + interval '72 hours' <= now() THEN 3 WHEN p.deadline + interval '24 hours' <= now() THEN 2 ELSE 1 END
       ELSE 0 END,
       a.last_seq, a.last_at + interval '50 ms'
FROM open137_prefill_report p
LEFT JOIN open137_prefill_last last_u ON last_u.i = p.i
LEFT JOIN open137_prefill_update first_u ON first_u.i = p.i AND first_u.j = 1
JOIN (SELECT report_id, max(seq) AS last_seq, max(event_time) AS last_at FROM council_audit.audit_log GROUP BY report_id) a
    ON a.report_id = p.report_id
ORDER BY p.i;

-- The overdue open child reports were escalated when each level fell due (0, 24, 72 hours past the deadline).
INSERT INTO council_audit.escalations (report_id, level, event_id, unit, deadline, escalated_at)
SELECT p.report_id, l.level, md5('open137-prefill/' || p.i || '/escalated/' || l.level)::uuid::text, p.unit, p.deadline,
       p.deadline + l.after_hours * interval '1 hour' + interval '30 s'
FROM open137_prefill_report p
CROSS JOIN (VALUES (1, 0), (2, 24), (3, 72)) AS l(level, after_hours)
WHERE p.child_friendly AND p.final_status NOT IN ('resolved', 'rejected') AND p.deadline + l.after_hours * interval '1 hour' <= now();

-- ---------------------------------------------------------------------------------------------------------
-- The outboxes are empty (every relay deletes what the broker confirmed); their ids continue past what was sent.

SELECT setval(pg_get_serial_sequence('intake.outbox', 'id'), :n);
SELECT setval(pg_get_serial_sequence('classifier.outbox', 'id'), :n);
SELECT setval(pg_get_serial_sequence('router.outbox', 'id'), (SELECT count(*) FROM open137_prefill_event WHERE j >= 2) + :n / 3);

DO $$
DECLARE statement text;
BEGIN
    FOR statement IN SELECT restore FROM pf_deferred ORDER BY step LOOP EXECUTE statement; END LOOP;
END
$$;

DROP TABLE public.open137_prefill_last, public.open137_prefill_event, public.open137_prefill_update, public.open137_prefill_report;
