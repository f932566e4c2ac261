-- Reports as intake accepted them, and the public read model later events keep up to date.
--
-- Personal data (contact_*) lives only in this table; no view, API response or log shows it.
CREATE TABLE reports (
    report_id              uuid PRIMARY KEY,
    tracking_code          text NOT NULL UNIQUE,
    channel                text NOT NULL,
    description            text NOT NULL,
    requested_service_code text,
    attributes             jsonb NOT NULL DEFAULT '{}',
    lat                    double precision,
    long                   double precision,
    address                text,
    district               integer,
    reporter_type          text,
    reporter_language      text,
    reporter_age_band      text,
    contact_name           text,
    contact_phone          text,
    contact_email          text,
    contact_allowed        boolean NOT NULL DEFAULT false,
    media_urls             jsonb NOT NULL DEFAULT '[]',
    received_at            timestamptz NOT NULL,
    -- The read model: what later events say.
    service_code           text,
    child_friendly         boolean,
    priority               text,
    status                 text NOT NULL DEFAULT 'received',
    status_notes           text,
    unit                   text,
    deadline               timestamptz,
    updated_at             timestamptz NOT NULL
);

-- Open311 GET requests: by time window (default 90 days), by update time, by service code.
CREATE INDEX reports_received_at ON reports (received_at DESC, report_id);
CREATE INDEX reports_updated_at ON reports (updated_at DESC);
CREATE INDEX reports_service_code ON reports (service_code, received_at DESC);

-- The public history of a report (no personal data): one row per state change, by event.
CREATE TABLE report_history (
    report_id  uuid NOT NULL REFERENCES reports (report_id),
    event_id   text NOT NULL,
    status     text NOT NULL,
    note       text,
    unit       text,
    at         timestamptz NOT NULL,
    PRIMARY KEY (report_id, event_id)
);

-- Idempotency-Key: the first response to a key is returned again for the same body; another body is a conflict.
CREATE TABLE idempotency_keys (
    scope         text NOT NULL,          -- the API key's id (or the AMQP channel), so keys of different clients never clash
    key           text NOT NULL,
    request_hash  bytea NOT NULL,
    report_id     uuid NOT NULL REFERENCES reports (report_id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);

-- API keys, stored as SHA-256 hashes: a key is shown once, at creation.
CREATE TABLE api_keys (
    key_id      text PRIMARY KEY,
    key_hash    bytea NOT NULL UNIQUE,
    channel     text NOT NULL,             -- a channel name, or '*' for a development key valid for every channel
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

-- When the status last changed (the event's time): events of one report may be handled out of order by
-- concurrent workers, and an older event must not overwrite a newer status.
ALTER TABLE reports ADD COLUMN status_at timestamptz;
