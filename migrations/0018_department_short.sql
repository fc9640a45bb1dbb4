-- 0018_department_short.sql — a department's menu name (SPEC section 6 "short"), per language
-- like its name: {"en": "...", "hi": "...", "hne": "..."}, each at most 24 characters (a list
-- row's title). NULL when not given: the menu then cuts the official name at a word boundary
-- and puts it whole in the row's description (bot/engine.c).
ALTER TABLE departments ADD COLUMN short_name jsonb;
