-- An Idempotency-Key is claimed only in the statement that stores its report (the group commit) or in the
-- report's own transaction (the single path), and reports are never deleted: the foreign key adds no
-- safety, only a trigger per keyed report that locks the new report row (FOR KEY SHARE) — 0.2 ms each.
ALTER TABLE idempotency_keys DROP CONSTRAINT IF EXISTS idempotency_keys_report_id_fkey;
