-- 0004_officers.sql — what the officers' side and the satisfaction question need to remember
-- between messages, days apart.
ALTER TABLE cases
    ADD COLUMN awaiting_docs          boolean NOT NULL DEFAULT false, -- the citizen's next message is a document
    ADD COLUMN docs_requested_by      text,
    ADD COLUMN satisfaction_asked_at  timestamptz,                    -- resolved, waiting for yes/no (auto-close)
    ADD COLUMN awaiting_reason        boolean NOT NULL DEFAULT false; -- said no; the next message is the reason

CREATE INDEX cases_awaiting_citizen ON cases (citizen_phone)
    WHERE awaiting_docs OR awaiting_reason OR satisfaction_asked_at IS NOT NULL;
