-- The desk of one unit: its schema `desk_<unit>` holds only that unit's cases (the persistence track adds
-- its inbox and outbox). Names are unqualified: the migrator runs this with search_path set to the schema.
-- Never edit this file once released (checksums): add 0002_….sql instead.

-- One row per report the unit was ever given; a referral or reopening updates the same row.
CREATE TABLE cases (
    report_id       uuid        PRIMARY KEY,
    tracking_code   text        NOT NULL,
    assignment      integer     NOT NULL,
    service_code    text        NOT NULL,
    child_friendly  boolean     NOT NULL,
    priority        text        NOT NULL,
    district        text        NOT NULL,
    deadline        timestamptz NOT NULL,
    received_at     timestamptz NOT NULL,
    -- The router's word on the report, from its answers: assigned, acknowledged, in_progress, resolved,
    -- rejected, reopened; `referred` once the unit referred it away (then `referred_to` says where).
    status          text        NOT NULL,
    referred_to     text,
    -- The delivery as it arrived (description, attributes, place, the reporter's contact only if allowed).
    delivery        jsonb       NOT NULL,
    assigned_at     timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX cases_open_by_deadline ON cases (deadline) WHERE status IN ('assigned', 'acknowledged', 'in_progress', 'reopened');
CREATE INDEX cases_updated_at ON cases (updated_at);

-- What happened to each case, newest last: deliveries, the router's answers, the staff's requests. Every
-- change writes a row here, so the newest id is the pages' "anything new?" (one index read).
CREATE TABLE case_history (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    report_id   uuid        NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    kind        text        NOT NULL,   -- delivered, status-changed, referred, requested, refused
    status      text,
    note        text,
    reason      text,
    by_whom     text
);

CREATE INDEX case_history_report ON case_history (report_id, id);

-- Status changes asked for on the desk: pending until the router confirms or refuses them. The id is the
-- status update's event id (and its correlation id), which the router's answer carries back.
CREATE TABLE case_actions (
    action_id      uuid        PRIMARY KEY,
    report_id      uuid        NOT NULL,
    status         text        NOT NULL,   -- acknowledged, in_progress, resolved, rejected, referred
    note           text,
    reason         text,
    referred_to    text,
    staff_account  uuid        NOT NULL,
    staff_name     text        NOT NULL,
    requested_at   timestamptz NOT NULL DEFAULT now(),
    outcome        text        NOT NULL DEFAULT 'pending',   -- pending, confirmed, refused
    refusal_code   text,
    refusal_reason text,
    settled_at     timestamptz
);

CREATE INDEX case_actions_pending ON case_actions (report_id) WHERE outcome = 'pending';

-- Messages of the unit's queue the desk could not read: kept with the reason, then acknowledged (the
-- unit's queue has no dead-letter queue of its own; what a unit cannot handle is its own business).
CREATE TABLE unreadable_messages (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id  text,
    routing_key text        NOT NULL,
    body        bytea       NOT NULL,
    reason      text        NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);
