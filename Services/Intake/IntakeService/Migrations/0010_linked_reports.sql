-- One hazard, one case (issue 20): the router links a new report that is the same hazard as an open case
-- to that case (`report.linked`), and the case's unit may split it off again (`report.unlinked`).
--
-- linked_to: the case's report while this report follows it (NULL: a case of its own, as every report was
-- before). link_at: the time of the last link or split applied, so a link and its split handled out of
-- order (concurrent workers) end as they happened. Both nullable without a default: no table rewrite.
ALTER TABLE reports
    ADD COLUMN linked_to uuid,
    ADD COLUMN link_at   timestamptz;

-- The track page counts a case's reports (the case and those linked to it); most reports link nowhere,
-- so the index holds only the linked ones.
CREATE INDEX reports_linked_to ON reports (linked_to) WHERE linked_to IS NOT NULL;

-- A history line that is not itself a status (`linked`, `unlinked`) still moves the report to one: the
-- case's status on a link, `assigned` on a split. Kept here so the Open311 updates feed can say that status
-- in FixMyStreet's words (NULL on every other line: its status is the status it moved to).
ALTER TABLE report_history ADD COLUMN moved_to text;
