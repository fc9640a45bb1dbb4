-- 0034_survey_village_key.sql — survey results per village, whatever the spelling (issue 20's
-- review): survey_answers.village_key is the village's place key (bot/place.c, as subscribers and
-- cases keep it), so "Kasdol", "kasdol" and "कसडोल" count as one village, shown under its most
-- used spelling. bot/surveys.c owns the table.
--   Earlier rows take their subscriber's key when the village is the one they still have, else
--   their village in lower case: a key no spelling shares, never a wrong join.
ALTER TABLE survey_answers ADD COLUMN village_key text NOT NULL DEFAULT '';

UPDATE survey_answers a SET village_key = COALESCE(s.village_key, '')
  FROM subscribers s WHERE s.phone = a.phone AND s.village = a.village;
UPDATE survey_answers SET village_key = lower(village) WHERE village_key = '' AND village <> '';
