-- The classifier's decisions: one row per report (a redelivered report.received changes nothing: the
-- inbox skips it, and the primary key would refuse a second row anyway).
CREATE TABLE classifications (
    report_id            uuid PRIMARY KEY,
    event_id             text NOT NULL,
    service_code         text NOT NULL,
    channel_service_code text,
    child_friendly       boolean NOT NULL,
    priority             text NOT NULL CHECK (priority IN ('P0', 'P1', 'P2')),
    confidence           double precision NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
    evidence             jsonb NOT NULL DEFAULT '[]',
    triage               boolean NOT NULL,
    triage_reason        text,
    model_version        text NOT NULL,
    classified_at        timestamptz NOT NULL DEFAULT now()
);

-- The committee and operators look for child reports and for those a person must triage.
CREATE INDEX classifications_child ON classifications (classified_at) WHERE child_friendly;
CREATE INDEX classifications_triage ON classifications (classified_at) WHERE triage;
