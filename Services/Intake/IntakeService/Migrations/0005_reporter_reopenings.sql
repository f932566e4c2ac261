-- The reporter's reopenings of a resolved report: the public reopen asks for the reporter's secret
-- (derived from the report id, so nothing secret is stored), allows a few reopenings per report, and
-- locks a report's public reopen for a while after several wrong secrets, so guessing stays hopeless.
ALTER TABLE reports
    ADD COLUMN reporter_reopenings   integer NOT NULL DEFAULT 0,
    -- The status_at of the resolution last reopened: asking again for the same resolution is one reopening.
    ADD COLUMN reopened_resolution_at timestamptz,
    ADD COLUMN reopen_failures       integer NOT NULL DEFAULT 0,
    ADD COLUMN reopen_locked_until   timestamptz;
