-- 0021_roster.sql — the helpdesk's opening hours and duty roster (SPEC section 11, issue 18):
-- the directory's "helpdesk" block as validated by `directory load` (bot/directory.c), kept
-- whole on the district's row. It is read as one unit (who is on duty now, the next opening)
-- and always replaced as one unit, so a column serves better than tables. NULL: no helpdesk.
ALTER TABLE districts ADD COLUMN helpdesk jsonb;
