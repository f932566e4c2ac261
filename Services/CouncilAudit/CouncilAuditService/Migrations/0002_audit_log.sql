-- The council's audit log: append-only and hash-chained, with the committee's read model of each report.
--
-- audit_log   one row per event, in chain order: seq is 1, 2, 3 … with no gaps (assigned under the chain
--             head's row lock, never from a sequence, so a missing row is visible as a gap);
--             hash = SHA-256(prev_hash || body), prev_hash of entry 1 is 32 zero bytes.
--             body is the event's canonical bytes (sorted keys, no whitespace) with personal contact data
--             removed; original_sha256 is the SHA-256 of the message exactly as received, so whoever holds the
--             original (intake) can prove it is this event without the log keeping the reporter's phone.
-- chain_head  the single row every appending transaction locks (FOR UPDATE): one chain for all replicas.
-- reports     the projection the committee's views read, updated in the same transaction as the append.
-- escalations one row per report and level: replicas cannot escalate twice.

CREATE TABLE audit_log (
    seq              bigint      PRIMARY KEY CHECK (seq > 0),
    event_id         text        NOT NULL UNIQUE,
    event_type       text        NOT NULL,
    report_id        uuid,
    event_time       timestamptz,
    appended_at      timestamptz NOT NULL DEFAULT now(),
    body             bytea       NOT NULL,
    original_sha256  bytea       NOT NULL,
    redacted         boolean     NOT NULL,
    prev_hash        bytea       NOT NULL,
    hash             bytea       NOT NULL
);
CREATE INDEX audit_log_report ON audit_log (report_id, seq);

CREATE TABLE chain_head (
    id    boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq   bigint  NOT NULL,
    hash  bytea   NOT NULL
);
INSERT INTO chain_head (id, seq, hash) VALUES (true, 0, decode(repeat('00', 32), 'hex'));

-- Append-only, whoever asks: the trigger refuses UPDATE, DELETE and TRUNCATE (only a superuser or the
-- table's owner can disable it — and the verifier then names the first entry they changed).
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the council audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE TABLE reports (
    report_id         uuid        PRIMARY KEY,
    tracking_code     text,
    channel           text,
    service_code      text,
    child_friendly    boolean,
    priority          text,
    unit              text,
    district          text,
    reporter_type     text,
    received_at       timestamptz,
    deadline          timestamptz,
    status            text        NOT NULL,
    status_at         timestamptz,
    assigned_at       timestamptz,
    first_action_at   timestamptz,
    resolved_at       timestamptz,
    rejected_reason   text,
    reopen_count      integer     NOT NULL DEFAULT 0,
    referral_count    integer     NOT NULL DEFAULT 0,
    escalation_level  integer     NOT NULL DEFAULT 0,
    last_seq          bigint      NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_received ON reports (received_at);
CREATE INDEX reports_unit ON reports (unit);
CREATE INDEX reports_open_deadline ON reports (deadline) WHERE status NOT IN ('resolved', 'rejected');

CREATE TABLE escalations (
    report_id     uuid        NOT NULL,
    level         integer     NOT NULL CHECK (level BETWEEN 1 AND 3),
    event_id      text        NOT NULL,
    unit          text,
    deadline      timestamptz NOT NULL,
    escalated_at  timestamptz NOT NULL,
    PRIMARY KEY (report_id, level)
);

-- The application role: the service's appending transactions run as it (SET LOCAL ROLE), and it may only
-- read and append to the log — no UPDATE, DELETE or TRUNCATE. Roles are cluster-wide, so it is created once
-- (two schemas migrating at once may race: the loser's duplicate is ignored).
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'open137_council_audit_writer') THEN
        CREATE ROLE open137_council_audit_writer NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;
END
$$;
DO $$
BEGIN
    GRANT open137_council_audit_writer TO CURRENT_USER;
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE 'could not grant open137_council_audit_writer to %: appends run as the connecting user', current_user;
END
$$;
DO $$
BEGIN
    EXECUTE format('GRANT USAGE ON SCHEMA %I TO open137_council_audit_writer', current_schema());
END
$$;
REVOKE ALL ON audit_log FROM PUBLIC;
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM open137_council_audit_writer;
GRANT SELECT, INSERT ON audit_log TO open137_council_audit_writer;
GRANT SELECT, UPDATE ON chain_head TO open137_council_audit_writer;
GRANT SELECT, INSERT, UPDATE ON reports TO open137_council_audit_writer;
GRANT SELECT ON escalations TO open137_council_audit_writer;
