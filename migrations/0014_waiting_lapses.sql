-- 0014_waiting_lapses.sql — a case waiting on the citizen does not wait forever.
-- A citizen who answered "not satisfied" and never gave a reason left the case 'resolved' with
-- awaiting_reason set: never reopened, never auto-closed, never overdue. A request for documents
-- that was never answered made every later message of that citizen — months on, a new complaint
-- — an attachment of the old case. The scheduler now reopens the first after a day (the citizen
-- did say "no") and lets the second lapse after seven days, telling the officer; it needs to know
-- when each began.
ALTER TABLE cases ADD COLUMN reason_asked_at timestamptz,
                  ADD COLUMN docs_requested_at timestamptz;
-- Cases already waiting get their day or week from the upgrade, not from when they last changed:
-- months-old waits lapsing all at once would send a burst of notices about old cases.
UPDATE cases SET reason_asked_at = now() WHERE awaiting_reason;
UPDATE cases SET docs_requested_at = now() WHERE awaiting_docs;

-- Events written in a scheduler pass carry the pass's clock (sampark.clock, 0007), as its
-- outbound rows already do, so "as if the clock read --at" holds for the case history too.
ALTER TABLE case_events ALTER COLUMN at
    SET DEFAULT COALESCE(NULLIF(current_setting('sampark.clock', true), '')::timestamptz, now());
