-- bench/similar_gen.sql — :n generated cases for the duplicate-complaint matching (issue 19), in SQL
-- (psql -v n=N), over the villages in bench_villages (5,000 names with their place keys and a
-- point each, from `sampark_bench_similar villages`). The shape of bench/portal_gen.sql (secondary
-- indexes dropped during the load and rebuilt), but what similar_find reads: created over the last
-- 120 days, 14 departments, many cases per village key (n / 5,000), ~60% open or in progress,
-- 30% with a location scattered within ~450 m of their village's point, 5% naming no place,
-- and followers for one open case in ten (1-5 each, case_followers and follower_count).
\set ON_ERROR_STOP on
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;
SET client_min_messages = warning;
TRUNCATE case_followers, outbound_messages, attachments, case_events, cases, citizens CASCADE;

CREATE TEMP TABLE saved_ix AS
  SELECT indexname, indexdef FROM pg_indexes i
  WHERE tablename IN ('cases', 'case_followers') AND schemaname = 'public'
    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname);
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT indexname FROM saved_ix LOOP EXECUTE format('DROP INDEX %I', r.indexname); END LOOP;
END $$;

INSERT INTO citizens (phone, name, language)
SELECT '9170' || lpad(g::text, 8, '0'), 'Citizen ' || g, CASE WHEN g % 3 = 0 THEN 'en' ELSE 'hi' END
FROM generate_series(1, greatest(:n / 5, 1)) g;

CREATE TEMP TABLE deps AS
  SELECT row_number() OVER (ORDER BY code) - 1 AS k, code, COALESCE(sla_hours, 48) AS sla
  FROM departments WHERE active;

CREATE TEMP TABLE gen AS
SELECT g AS i,
       now() - interval '120 days' * (1 - g::float8 / :n) - interval '1 second' * (hashint4(g) & 1023) AS at,
       d.code AS dep, d.sla,
       (hashint4(g * 7 + 1) & 1023) / 1024.0 AS p,    -- status draw
       (hashint4(g * 7 + 2) & 1023) / 1024.0 AS q,    -- script, location, no place
       (hashint4(g * 7 + 3) & 2147483647) AS r,       -- village, citizen
       (hashint4(g * 7 + 5) & 1048575) / 1048576.0 - 0.5 AS dlat,
       (hashint4(g * 7 + 6) & 1048575) / 1048576.0 - 0.5 AS dlon
FROM generate_series(1, :n) g
JOIN deps d ON d.k = (hashint4(g * 7 + 4) & 2147483647) % (SELECT count(*) FROM deps);

-- Tracking numbers are synthetic (500,000 to a "year"): 1M cases in 120 days would overflow the
-- six digits of one year; similar_find only shows them.
INSERT INTO cases (id, tracking_no, status, department_code, citizen_phone, citizen_name, language,
                   description, location_text, latitude, longitude, place_key, urgent, reopen_count,
                   sla_started_at, sla_due_at, resolved_at, closed_at, created_at, updated_at)
SELECT i, (SELECT code FROM districts LIMIT 1) || '-' || (2000 + i / 500000) || '-' || lpad((i % 500000)::text, 6, '0'),
       st, dep, '9170' || lpad((1 + r % greatest(:n / 5, 1))::text, 8, '0'), 'Citizen',
       CASE WHEN q < 0.65 THEN 'hi' ELSE 'en' END,
       'generated complaint ' || i,
       CASE WHEN q >= 0.95 THEN NULL WHEN q < 0.65 THEN v.name_hi ELSE v.name_en END,
       CASE WHEN q < 0.3 THEN v.lat + dlat * 0.008 END, CASE WHEN q < 0.3 THEN v.lon + dlon * 0.008 END,
       CASE WHEN q >= 0.95 THEN '' ELSE v.key END,
       false, (st = 'reopened')::int, at, at + sla * interval '1 hour',
       CASE WHEN st IN ('resolved', 'closed') THEN least(at + interval '1 hour' * sla, now()) END,
       CASE WHEN st = 'closed' THEN least(at + interval '1 hour' * sla + interval '3 days', now()) END,
       at, at
FROM (SELECT *, CASE WHEN p < 0.35 THEN 'open' WHEN p < 0.6 THEN 'in_progress' WHEN p < 0.63 THEN 'reopened'
                     WHEN p < 0.8 THEN 'resolved' ELSE 'closed' END AS st
      FROM gen) s
JOIN bench_villages v ON v.k = s.r % (SELECT count(*) FROM bench_villages);
SELECT setval(pg_get_serial_sequence('cases', 'id'), :n);

-- Followers: one open case in ten has 1-5 other citizens following it.
INSERT INTO case_followers (case_id, phone, language, joined_at)
SELECT DISTINCT ON (c.id, f.phone) c.id, f.phone, 'hi', c.created_at + interval '1 hour'
FROM cases c,
     LATERAL (SELECT '9170' || lpad((1 + (hashint4((c.id * 5 + j)::int) & 2147483647) % greatest(:n / 5, 1))::text, 8, '0') AS phone
              FROM generate_series(1, 1 + c.id::int % 5) j) f
WHERE c.status IN ('open', 'in_progress', 'reopened') AND hashint4(c.id::int * 3) % 10 = 0
  AND f.phone <> c.citizen_phone;
UPDATE cases c SET follower_count = n FROM (SELECT case_id, count(*) AS n FROM case_followers GROUP BY 1) f
WHERE c.id = f.case_id;

DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT indexdef FROM saved_ix LOOP EXECUTE r.indexdef; END LOOP;
END $$;
VACUUM ANALYZE cases; ANALYZE case_followers; ANALYZE citizens;
TRUNCATE bench_similar_marker;
INSERT INTO bench_similar_marker VALUES (:n, (SELECT count(*) FROM bench_villages), now());
