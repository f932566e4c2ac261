-- The router's state: one row per routed report with its current unit, status and deadline, and the
-- delivery it last sent (to send it again, to the new unit, on a referral or a reopening). The delivery
-- holds the reporter's contact only when they allowed the unit to contact them.
CREATE TABLE reports (
    report_id      uuid PRIMARY KEY,
    event_id       text NOT NULL,
    tracking_code  text NOT NULL,
    service_code   text NOT NULL,
    child_friendly boolean NOT NULL,
    priority       text NOT NULL,
    district       text NOT NULL CHECK (district ~ '^[0-9]{2}$'),
    unit           text NOT NULL,
    status         text NOT NULL CHECK (status IN ('assigned', 'acknowledged', 'in_progress', 'resolved', 'rejected', 'reopened')),
    deadline       timestamptz NOT NULL,
    assignment     integer NOT NULL CHECK (assignment >= 1),
    referral_count integer NOT NULL DEFAULT 0,
    delivery       jsonb NOT NULL,
    routed_at      timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- Operators look at a unit's open reports by deadline.
CREATE INDEX reports_unit_open ON reports (unit, deadline) WHERE status NOT IN ('resolved', 'rejected');

-- Every applied status update, referral and reopening, in order.
CREATE TABLE status_history (
    id          bigserial PRIMARY KEY,
    report_id   uuid NOT NULL,
    update_id   text NOT NULL,
    unit        text NOT NULL,
    from_status text NOT NULL,
    status      text NOT NULL,
    by_unit     text NOT NULL,
    referred_to text,
    note        text,
    reason      text,
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX status_history_report ON status_history (report_id, id);
