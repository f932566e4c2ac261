-- The call screen shows an operator the caller's reports of the last days ("this is already reported"):
-- looked up by the normalised number, newest first. Partial: most reports carry no number.
CREATE INDEX reports_contact_phone ON reports (contact_phone, received_at DESC) WHERE contact_phone IS NOT NULL;
