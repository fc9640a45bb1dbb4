-- 0024_follower_answers.sql — followers' own satisfaction answers (SPEC section 12, issue 19).
-- With followers a citizen's "yes" no longer closes the case at once: it is kept here, and the
-- case closes when everyone asked said yes (or the question timed out). NULL when not answered
-- yes since the last resolve.
ALTER TABLE cases ADD COLUMN citizen_satisfied_at timestamptz;
-- A follower's "no" owes its reason within a day, as the citizen's does (the scheduler's pass).
CREATE INDEX case_followers_reason_due ON case_followers (answered_at) WHERE awaiting_reason;
