-- 0035_analyze_directory.sql — the planner's statistics for the directory's tables (issue 22).
-- Autovacuum never analyses districts (one row; it waits for 50 changed rows), and without
-- statistics the planner guessed 170 rows there, which made every statement joining districts
-- look cheaper re-planned than generic: re-planned on each call. `sampark directory load`
-- analyses them after each load (bot/directory.c); this does it once for a database whose
-- directory was loaded before, and is not loaded again after the upgrade.
ANALYZE districts, departments, officers;
