-- 0008_retention.sql — SAMPARK_RETENTION_DAYS: a scheduler pass anonymises the cases closed
-- longer ago than that. The row stays for the statistics the digests count (tracking number,
-- department, status, dates, reopen count, escalation level, and every event's kind, actor role
-- and time); what tells about the citizen goes: the complaint text, the place, event texts,
-- files, the messages about the case, and the link to the citizen. So citizen_phone may now be
-- NULL, but only on an anonymised case.
ALTER TABLE cases
    ADD COLUMN anonymised_at timestamptz,
    ALTER COLUMN citizen_phone DROP NOT NULL,
    ADD CONSTRAINT cases_citizen_unless_anonymised
        CHECK (citizen_phone IS NOT NULL OR anonymised_at IS NOT NULL);

-- The retention scan: closed cases not yet anonymised, oldest closure first.
CREATE INDEX cases_closed_to_anonymise ON cases (closed_at)
    WHERE status = 'closed' AND anonymised_at IS NULL;
