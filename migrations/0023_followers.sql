-- 0023_followers.sql — duplicate complaints (SPEC section 12, issue 19): a citizen who reports
-- what an open case already says follows that case instead of filing another.
-- The public subject a candidate shows: the officer's line for the case (`subject <TRACKING>
-- <text>`), else the department's default from the directory ({"hi": .., "en": ..}).
ALTER TABLE departments ADD COLUMN subject jsonb;
ALTER TABLE cases ADD COLUMN subject text;
-- The village or ward as a key two spellings share (bot/place.c): "सिमगा वार्ड 4" and
-- "Simga ward 4" are both "smgvrd4". NULL for cases filed before this migration (they are not
-- offered as candidates) and '' for a case with no place named.
ALTER TABLE cases ADD COLUMN place_key text;
-- How many citizens follow the case besides the one who filed it (case_followers), kept with
-- the case so the SLA ladder and the lists read it without a count.
ALTER TABLE cases ADD COLUMN follower_count integer NOT NULL DEFAULT 0;
-- A case closed by `merge` points to the one its citizens now follow.
ALTER TABLE cases ADD COLUMN merged_into bigint REFERENCES cases(id);

-- The matching before a complaint is confirmed: open cases of a department in one place, newest
-- first; and those near a point (a latitude band, then the distance).
CREATE INDEX cases_similar_place ON cases (department_code, place_key, created_at DESC)
    WHERE status IN ('open', 'in_progress', 'reopened') AND place_key <> '';
CREATE INDEX cases_similar_point ON cases (department_code, latitude)
    WHERE status IN ('open', 'in_progress', 'reopened') AND latitude IS NOT NULL;

-- The citizens who joined a case. Each gets the case's updates and their own satisfaction
-- question; bot/followers.c owns the table.
CREATE TABLE case_followers (
    case_id               bigint NOT NULL REFERENCES cases(id),
    phone                 text NOT NULL,
    language              text NOT NULL DEFAULT 'hi',
    joined_at             timestamptz NOT NULL DEFAULT now(),
    source_message_id     text UNIQUE,          -- the message they joined by: once
    satisfaction_asked_at timestamptz,          -- their own question, when the case is resolved
    answer                text CHECK (answer IN ('yes', 'no')),
    answered_at           timestamptz,
    awaiting_reason       boolean NOT NULL DEFAULT false,
    PRIMARY KEY (case_id, phone)
);
CREATE INDEX case_followers_by_phone ON case_followers (phone);
