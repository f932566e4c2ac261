-- One hazard, one case (issue 20): reports the router linked to one of the unit's cases (`<unit>.linked`)
-- instead of delivering them as cases of their own. The unit reads each (what the reporter said, where)
-- and may split a wrong one off (`unit.link-split`); once the router confirms (`<unit>.unlinked`) it is
-- marked split and arrives again as a case of its own.
CREATE TABLE linked_reports (
    report_id      uuid        PRIMARY KEY,
    case_id        uuid        NOT NULL,
    tracking_code  text        NOT NULL,
    service_code   text        NOT NULL,
    child_friendly boolean     NOT NULL,
    district       text        NOT NULL,
    description    text,
    location       jsonb,
    similarity     double precision NOT NULL,
    distance_m     double precision,
    received_at    timestamptz NOT NULL,
    linked_at      timestamptz NOT NULL DEFAULT now(),
    split_at       timestamptz,
    split_reason   text
);

CREATE INDEX linked_reports_case ON linked_reports (case_id) WHERE split_at IS NULL;
