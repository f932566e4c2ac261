-- Nearby open reports (issue 20): the report page and the call screen show what is already reported near
-- a place before a new report is sent. PostGIS is created in `public` by the administrator (`open137
-- migrate`, `open137 services provision`, infra/local/postgres.sh): it is not a trusted extension, so this
-- role could not. The migrator's search_path is this schema alone, hence `public.` on every PostGIS name.
--
-- Points: an expression index rather than a stored column, so that migrating a large table neither rewrites
-- it nor changes what intake inserts; queries repeat the expression (ReportStore+Nearby.swift) to use it.
CREATE INDEX reports_location ON reports
    USING gist ((public.ST_SetSRID(public.ST_MakePoint(long, lat), 4326)::public.geography))
    WHERE lat IS NOT NULL AND long IS NOT NULL;

-- Addresses without a point compare by district and place key: the address with the classifier's letter
-- folding (TextNormalizer: Arabic ي/ك and other variants as the Persian letters, Persian and Arabic digits
-- as Latin, ZWNJ, tatweel, hamza and diacritics dropped, anything else not a letter or digit a space,
-- Latin lower-cased; not its Finglish folding), its words deduplicated and sorted — so "پارک لاله، خیابان
-- کارگر" and "خیابان كارگر - پارك لاله" meet. Immutable: it is indexed.
CREATE FUNCTION place_key(address text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    RETURN (
        SELECT coalesce(string_agg(word, ' ' ORDER BY word), '')
        FROM (
            SELECT DISTINCT word
            FROM regexp_split_to_table(
                regexp_replace(
                    lower(translate(
                        regexp_replace(address, '[\u0621\u0640\u064B-\u065F\u0670\u200C\u200D]', '', 'g'),
                        'يىئےكةۀہەأإٱآؤ۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩',
                        'ییییکههههااااو01234567890123456789')),
                    '[^0-9a-z\u0622-\u063A\u0641-\u064A\u067E\u0686\u0698\u06A9\u06AF\u06CC]+', ' ', 'g'),
                ' ') AS word
            WHERE word <> ''
        ) AS words
    );

CREATE INDEX reports_district_place ON reports (district, place_key(address), received_at DESC)
    WHERE address IS NOT NULL AND district IS NOT NULL;
