-- 0029_surveys.sql — surveys that follow a broadcast (SPEC section 13, issue 20).
--   broadcasts.survey  the name of the survey file (flows/, "kind": "survey") the broadcast's
--                      recipients answer; NULL: none. Written once by create (bot/broadcast.c).
--   survey_answers     one row per recipient per question, the last answer kept (bot/surveys.c
--                      owns it): the value (a rating 1-5, yes/no, or the citizen's words) and the
--                      contact's village and block as they were when the answer came, so results
--                      per village do not move when a contact later changes village.
ALTER TABLE broadcasts ADD COLUMN survey text;

CREATE TABLE survey_answers (
    broadcast_id bigint NOT NULL REFERENCES broadcasts(id),
    phone        text NOT NULL,
    question     text NOT NULL,
    value        text NOT NULL,
    village      text NOT NULL DEFAULT '',
    block        text NOT NULL DEFAULT '',
    answered_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (broadcast_id, phone, question)
);
