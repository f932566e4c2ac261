-- The notifier schema belongs to the notifier service.
--
-- Migrator creates the schema, applies the persistence track (its outbox and inbox tables) and then runs
-- this folder's files in version order, each once, with search_path set to the schema. Write table names
-- unqualified, as here, so the same files also build a throw-away schema in tests.
DO $$
BEGIN
    EXECUTE format('COMMENT ON SCHEMA %I IS %L', current_schema(),
                   'Open137 notifier service; outbox and inbox from the persistence track');
END
$$;
