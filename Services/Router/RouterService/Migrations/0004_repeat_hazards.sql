-- Repeat hazards (issue 20): why a case's priority was raised — `reports`, `reopenings`, `returning`
-- (RepeatHazards.swift) — so each reason raises a case once.
ALTER TABLE reports ADD COLUMN repeat_reasons text[] NOT NULL DEFAULT '{}';
