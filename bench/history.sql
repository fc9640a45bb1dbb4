-- bench/history.sql — a desk with history for the conversation benchmarks (psql -v n=N): N cases
-- over 3 years with their citizens and events (bench/portal_gen.sql), and for each case the
-- messages such a desk holds — 8 from its citizen, handled, and 8 replies, read — then the
-- tracking numbers' sequences moved past the generated ones and everything analysed, as
-- autovacuum keeps a running desk analysed. Without it the benchmarks measured a desk's first
-- minute: statements planned on empty, never-analysed tables (a sequential scan of
-- inbound_messages per batch once it had grown; docs/THROUGHPUT.md step 9). The generated phones
-- (9170...) and ids (wamid.HIST...) are apart from the load generator's (9195..., wamid.BENCH...).
\set ON_ERROR_STOP on
CREATE TABLE IF NOT EXISTS bench_portal_marker (n bigint NOT NULL, generated_at timestamptz NOT NULL);
\ir portal_gen.sql
SET synchronous_commit = off;
INSERT INTO wa_contacts (phone, profile_name, last_inbound_at, first_seen_at)
SELECT phone, name, now() - interval '40 days', now() - interval '3 years' FROM citizens;
INSERT INTO inbound_messages (wamid, from_phone, type, received_at, processed_at, profile_name)
SELECT 'wamid.HIST' || lpad((c.id * 8 + g)::text, 12, '0'), c.citizen_phone, 'text',
       c.created_at + g * interval '1 minute', c.created_at + g * interval '1 minute', 'Citizen'
FROM cases c, generate_series(0, 7) g;
INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, case_id, payload, state,
                               wamid, attempts, sent_at, created_at, updated_at)
SELECT 'hist:' || c.id || ':' || g, c.citizen_phone, 'text',
       CASE WHEN g = 7 THEN 'citizen_update' ELSE 'conversation' END, CASE WHEN g = 7 THEN c.id END,
       '{"type": "text", "text": {"body": "धन्यवाद"}}', 'read', 'wamid.HISTOUT' || lpad((c.id * 8 + g)::text, 12, '0'),
       1, c.created_at + g * interval '1 minute', c.created_at + g * interval '1 minute',
       c.created_at + g * interval '1 minute'
FROM cases c, generate_series(0, 7) g;
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT split_part(tracking_no, '-', 1) AS d, split_part(tracking_no, '-', 2)::int AS y,
                  max(split_part(tracking_no, '-', 3)::bigint) AS n FROM cases GROUP BY 1, 2 LOOP
    PERFORM sampark_tracking_prepare(r.d, r.y);
    PERFORM setval(format('tracking_%s_%s', lower(r.d), r.y), r.n);
  END LOOP;
END $$;
VACUUM ANALYZE;
