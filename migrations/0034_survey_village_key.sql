-- 0034_survey_village_key.sql — survey results per village, whatever the spelling (issue 20's
-- review): survey_answers.village_key is the village's place key (bot/place.c, as subscribers and
-- cases keep it), so "Kasdol", "kasdol" and "कसडोल" count as one village, shown under its most
-- used spelling. bot/surveys.c owns the table.
--   Earlier rows take their subscriber's key when the village is the one they still have; the
--   others keep '' and are counted by their own spelling (bot/surveys.c falls back to it), never
--   under a key the running code would not give them.
ALTER TABLE survey_answers ADD COLUMN village_key text NOT NULL DEFAULT '';

UPDATE survey_answers a SET village_key = COALESCE(s.village_key, '')
  FROM subscribers s WHERE s.phone = a.phone AND s.village = a.village;
-- The retention pass (bot/surveys.c st_forget) finds the answers still carrying a phone by age.
CREATE INDEX survey_answers_to_forget ON survey_answers (answered_at) WHERE phone NOT LIKE 'anon:%';
