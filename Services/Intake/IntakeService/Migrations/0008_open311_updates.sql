-- FixMyStreet's Open311 update extension (`servicerequestupdates`).
--
-- GET reads the history by time for every report at once: without an index on `at` each poll (FixMyStreet
-- asks every few minutes for the last two hours) would read the whole history.
CREATE INDEX report_history_at ON report_history (at, report_id, event_id);

-- Citizens' updates POSTed by an Open311 client (FixMyStreet), kept once per client update id. Only
-- what the update says about the report is kept: the client's name, e-mail and phone fields are
-- dropped on arrival (the reporter's contact lives in `reports` alone), and these rows are never shown
-- in a public view or the updates feed.
CREATE TABLE citizen_updates (
    scope            text NOT NULL,            -- the API key's id: update ids of different clients never clash
    client_update_id text NOT NULL,            -- the client's `update_id` (its comment's id)
    update_id        text NOT NULL UNIQUE,     -- ours, answered to the client (the same on every repeat)
    report_id        uuid NOT NULL REFERENCES reports (report_id),
    status           text NOT NULL,            -- the client's status word, upper case (OPEN, CLOSED, …)
    description      text NOT NULL,
    media_url        text,
    updated_at       timestamptz NOT NULL,     -- the client's `updated_datetime`
    received_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, client_update_id)
);
CREATE INDEX citizen_updates_report ON citizen_updates (report_id, received_at);
