-- bench/portal_gen.sql — :n generated cases over 3 years and the directory's departments, in SQL
-- (psql -v n=N). Fresh and distinct every time: the cases, their citizens and events are replaced.
-- Created times spread evenly over the 3 years (ids rising with time, as in life); statuses by
-- age (old cases mostly closed); descriptions in Hindi (65%) or English from per-department
-- phrases, a village from 20 x 12 name parts and a detail, so `q` has rare and common words;
-- events (resolved, closed / auto_closed, not_satisfied, reopened) for /api/stats.
\set ON_ERROR_STOP on
SET maintenance_work_mem = '512MB';
SET synchronous_commit = off;
TRUNCATE outbound_messages, attachments, case_events, cases, citizens CASCADE;

-- Secondary indexes are dropped and rebuilt after the load (minutes faster than row by row).
CREATE TEMP TABLE saved_ix AS
  SELECT indexname, indexdef FROM pg_indexes i
  WHERE tablename IN ('cases', 'case_events') AND schemaname = 'public'
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

-- Per-department phrases: index k of the department (mod 14) picks the subject.
CREATE TEMP TABLE words AS SELECT
  ARRAY['हैंडपंप खराब है, पानी नहीं आ रहा', 'ट्रांसफार्मर जल गया, बिजली नहीं है', 'पटवारी नामांतरण नहीं कर रहा',
        'राशन दुकान से चावल नहीं मिला', 'अस्पताल में डॉक्टर नहीं आते', 'स्कूल में शिक्षक अनुपस्थित रहते हैं',
        'नाली जाम है, कचरा नहीं उठा', 'सड़क पर गड्ढे हैं, पुलिया टूटी', 'चोरी की रिपोर्ट दर्ज नहीं हुई',
        'आवास की किस्त नहीं मिली', 'वृद्धावस्था पेंशन बंद हो गई', 'खाद और बीज नहीं मिला',
        'आंगनबाड़ी में पोषण आहार नहीं', 'बाढ़ से घर गिर गया, मुआवजा नहीं'] AS hi,
  ARRAY['handpump broken, no drinking water', 'transformer burnt, no electricity for days', 'patwari not doing mutation of land',
        'ration shop did not give rice', 'doctor absent at the health centre', 'teacher absent at the primary school',
        'drain blocked and garbage not collected', 'potholes on the road, culvert broken', 'police did not register theft report',
        'housing scheme instalment not received', 'old age pension stopped', 'fertilizer and seeds not available',
        'anganwadi nutrition not given', 'house collapsed in flood, no compensation'] AS en,
  ARRAY['राम', 'सीता', 'शिव', 'गोपाल', 'कृष्ण', 'लक्ष्मी', 'देव', 'चंद', 'हरि', 'बल', 'सोन', 'कुसुम', 'भैंसा', 'तिल',
        'खम्हार', 'धमनी', 'पलारी', 'सुहेला', 'कसडोल', 'लवन'] AS vhi,
  ARRAY['Ram', 'Sita', 'Shiv', 'Gopal', 'Krishna', 'Laxmi', 'Dev', 'Chand', 'Hari', 'Bal', 'Son', 'Kusum', 'Bhainsa', 'Til',
        'Khamhar', 'Dhamni', 'Palari', 'Suhela', 'Kasdol', 'Lawan'] AS ven,
  ARRAY['पुर', 'गढ़', 'नगर', 'खेड़ा', 'डीह', 'पाली', 'गांव', 'टोला', 'भाठा', 'पारा', 'कला', 'खुर्द'] AS shi,
  ARRAY['pur', 'garh', 'nagar', 'kheda', 'dih', 'pali', 'gaon', 'tola', 'bhatha', 'para', 'kala', 'khurd'] AS sen,
  ARRAY['कई बार शिकायत की', 'कृपया जल्दी कार्रवाई करें', 'पूरा मोहल्ला परेशान है', 'बच्चे और बुजुर्ग परेशान',
        'पिछले महीने से यही हाल', 'सरपंच को भी बताया था'] AS dhi,
  ARRAY['complained many times', 'please act quickly', 'whole mohalla is suffering', 'children and elders affected',
        'same since last month', 'told the sarpanch also'] AS den;

CREATE TEMP TABLE gen AS
SELECT g AS i,
       now() - interval '1095 days' * (1 - g::float8 / :n) - interval '1 second' * (hashint4(g) & 4095) AS at,
       d.code AS dep, d.sla, d.k,
       (hashint4(g * 7 + 1) & 1023) / 1024.0 AS p,    -- status draw
       (hashint4(g * 7 + 2) & 1023) / 1024.0 AS q,    -- language, urgency, satisfaction draws
       (hashint4(g * 7 + 3) & 1048575) AS r            -- village, detail, citizen, durations
FROM generate_series(1, :n) g
JOIN deps d ON d.k = (hashint4(g * 7 + 4) & 2147483647) % (SELECT count(*) FROM deps);

INSERT INTO cases (id, tracking_no, status, department_code, citizen_phone, citizen_name, language,
                   description, location_text, urgent, reopen_count, escalation_level,
                   sla_started_at, sla_due_at, resolved_at, closed_at, created_at, updated_at)
SELECT i,
       (SELECT code FROM districts LIMIT 1) || '-' || extract(year FROM at)::int || '-'
         || lpad((row_number() OVER (PARTITION BY extract(year FROM at) ORDER BY i))::text, 6, '0'),
       st, dep, '9170' || lpad((1 + r % greatest(:n / 5, 1))::text, 8, '0'), 'Citizen',
       CASE WHEN q < 0.65 THEN 'hi' ELSE 'en' END,
       CASE WHEN q < 0.65
            THEN w.hi[1 + k % 14] || '। ' || w.vhi[1 + r % 20] || w.shi[1 + (r / 20) % 12] || ' में, '
                 || w.dhi[1 + (r / 240) % 6] || '। वार्ड ' || (r % 37 + 1)
            ELSE w.en[1 + k % 14] || '. In ' || w.ven[1 + r % 20] || w.sen[1 + (r / 20) % 12] || ', '
                 || w.den[1 + (r / 240) % 6] || '. Ward ' || (r % 37 + 1) END,
       CASE WHEN q < 0.65 THEN w.vhi[1 + r % 20] || w.shi[1 + (r / 20) % 12]
            ELSE w.ven[1 + r % 20] || w.sen[1 + (r / 20) % 12] END,
       q > 0.97, (st = 'reopened')::int, CASE WHEN st IN ('open', 'in_progress') AND p < 0.1 THEN 1 ELSE 0 END,
       at, at + sla * interval '1 hour',
       CASE WHEN st IN ('resolved', 'closed') THEN least(at + interval '1 hour' * (2 + r % (sla * 2)), now()) END,
       CASE WHEN st = 'closed' THEN least(at + interval '1 hour' * (2 + r % (sla * 2)) + interval '3 days', now()) END,
       at, at
FROM (SELECT *, CASE WHEN at < now() - interval '60 days' THEN
                   CASE WHEN p < 0.85 THEN 'closed' WHEN p < 0.93 THEN 'resolved' WHEN p < 0.94 THEN 'reopened'
                        WHEN p < 0.97 THEN 'in_progress' ELSE 'open' END
                 ELSE CASE WHEN p < 0.25 THEN 'open' WHEN p < 0.5 THEN 'in_progress' WHEN p < 0.75 THEN 'resolved'
                           WHEN p < 0.95 THEN 'closed' ELSE 'reopened' END END AS st
      FROM gen) s, words w;
SELECT setval(pg_get_serial_sequence('cases', 'id'), :n);

-- Events: resolved for resolved and closed cases; closed (satisfied) or auto_closed three days
-- later; a reopened case was resolved, found not satisfying and reopened.
INSERT INTO case_events (case_id, kind, actor, text, at)
SELECT id, 'resolved', '9198000000' || lpad((id % 90)::text, 2, '0'), 'done', resolved_at
  FROM cases WHERE status IN ('resolved', 'closed')
UNION ALL
SELECT id, CASE WHEN id % 10 < 7 THEN 'closed' ELSE 'auto_closed' END,
       CASE WHEN id % 10 < 7 THEN 'citizen' ELSE 'scheduler' END,
       CASE WHEN id % 10 < 6 THEN 'citizen satisfied' WHEN id % 10 < 7 THEN 'closed by officer' END, closed_at
  FROM cases WHERE status = 'closed'
UNION ALL
SELECT id, k.kind, 'citizen', NULL, least(created_at + interval '1 hour' * k.h, now())
  FROM cases, (VALUES ('resolved', 20), ('not_satisfied', 30), ('reopened', 30)) k(kind, h)
  WHERE status = 'reopened';

DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT indexdef FROM saved_ix LOOP EXECUTE r.indexdef; END LOOP;
END $$;
ANALYZE cases; ANALYZE case_events; ANALYZE citizens;
TRUNCATE bench_portal_marker;
INSERT INTO bench_portal_marker VALUES (:n, now());
