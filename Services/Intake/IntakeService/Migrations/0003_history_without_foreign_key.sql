-- History rows are written only together with their report (the same statement or transaction), so the
-- foreign key adds no safety, only a trigger per row on the hottest path (group commit of reports).
ALTER TABLE report_history DROP CONSTRAINT IF EXISTS report_history_report_id_fkey;
