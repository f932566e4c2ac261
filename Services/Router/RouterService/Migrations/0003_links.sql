-- One hazard, one case (issue 20): a new report that is the same hazard as an open case is linked to it
-- (`parent_id`) instead of being delivered as a case of its own, and follows the case's status. The router
-- looks for such a case before it stores a report (DuplicateCaseFinder.swift), so each report keeps where
-- it is and when it came; the case counts its linked reports.
--
-- Points are plain columns, not read from `delivery`, so the GiST index is over two doubles. PostGIS lives
-- in `public` (created by the administrator; not a trusted extension): hence `public.` on its names.
ALTER TABLE reports
    ADD COLUMN lat double precision,
    ADD COLUMN long double precision,
    ADD COLUMN place text,
    ADD COLUMN received_at timestamptz,
    ADD COLUMN parent_id uuid,
    ADD COLUMN link_similarity double precision,
    ADD COLUMN link_distance_m double precision,
    ADD COLUMN linked_count integer NOT NULL DEFAULT 0 CHECK (linked_count >= 0);

-- Reports routed before this migration: their point and time from the stored delivery (their place key is
-- computed in Swift, so an address-only report routed before cannot be found by address).
UPDATE reports SET
    lat = (delivery -> 'location' ->> 'lat')::double precision,
    long = (delivery -> 'location' ->> 'long')::double precision,
    received_at = (delivery ->> 'received_at')::timestamptz;

-- Cases near a point: only reports that are not themselves linked can be a case.
CREATE INDEX reports_case_location ON reports
    USING gist ((public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography))
    WHERE parent_id IS NULL AND lat IS NOT NULL AND long IS NOT NULL;
-- Cases at an address without a point: the district and the address's place key.
CREATE INDEX reports_case_place ON reports (district, place) WHERE parent_id IS NULL AND place IS NOT NULL;
-- A case's linked reports, which follow its status.
CREATE INDEX reports_parent ON reports (parent_id) WHERE parent_id IS NOT NULL;
