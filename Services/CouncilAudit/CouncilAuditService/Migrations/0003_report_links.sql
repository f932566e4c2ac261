-- One hazard, one case (issue 20): the committee's read model keeps the case a linked report follows.
--
-- linked_to                the case's first report while the router has this report linked to it
--                          (`report.linked`); cleared when the case's unit splits it off (`report.unlinked`)
-- linked_to_tracking_code  that case's tracking code, as the link event gives it (the committee opens the
--                          case by its code; the projection holds no personal data either way)
-- link_at                  the time of the last link or split applied: one handled out of order never
--                          overwrites a later one
-- Nullable without defaults: adding them rewrites nothing. The writer role's table grant covers them.
ALTER TABLE reports
    ADD COLUMN linked_to               uuid,
    ADD COLUMN linked_to_tracking_code text,
    ADD COLUMN link_at                 timestamptz;
