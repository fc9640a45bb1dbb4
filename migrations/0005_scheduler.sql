-- 0005_scheduler.sql — what the scheduler needs: urgency settings from the directory, the
-- reminders it already sent (once per SLA clock), and the digests it already built (once
-- per period, whichever scheduler process gets there first).
ALTER TABLE districts
    ADD COLUMN urgent_keywords  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN urgent_sla_hours integer NOT NULL DEFAULT 4 CHECK (urgent_sla_hours > 0);

ALTER TABLE cases
    ADD COLUMN sla_reminded_at          timestamptz, -- officers reminded near the due time (this clock)
    ADD COLUMN satisfaction_reminded_at timestamptz; -- the citizen reminded of the yes/no question

CREATE TABLE digests (
    kind        text NOT NULL CHECK (kind IN ('daily', 'weekly')),
    period_end  date NOT NULL,                 -- the local date the digest covers up to
    text        text NOT NULL,
    csv         text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, period_end)
);
