-- Retention deletes Idempotency-Keys older than INTAKE_IDEMPOTENCY_RETENTION_HOURS in batches
-- (ExpiringRows): without an index on created_at every batch would read the whole table.
CREATE INDEX IF NOT EXISTS idempotency_keys_created_at_idx ON idempotency_keys (created_at);
