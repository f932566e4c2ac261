-- Repeat hazards (issue 20): why the router raised a case (`report.repeat-hazard`: `reports`, `reopenings`,
-- `returning`), each reason once, for the committee's lists (`repeat_hazard=true`) and its dashboard.
ALTER TABLE reports ADD COLUMN repeat_reasons text[] NOT NULL DEFAULT '{}';
CREATE INDEX reports_repeat_hazards ON reports (received_at DESC) WHERE cardinality(repeat_reasons) > 0;
