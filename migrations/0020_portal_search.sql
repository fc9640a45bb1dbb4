-- 0020_portal_search.sql — the portal's case list (SPEC section 10, issue 17): newest first with
-- keyset paging on (created_at, id), and `q` over the description and the village in Hindi or
-- English with pg_trgm (ships with PostgreSQL; a trusted extension, so the database owner may
-- create it). The trigram indexes serve ILIKE '%...%'; what the trigram rules of the database's
-- locale cannot split (Devanagari under the C locale) still matches, by the recheck, at the cost
-- of a wider scan. (0019 is left to a migration being written beside this one.)
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX cases_newest ON cases (created_at DESC, id DESC);
CREATE INDEX cases_description_trgm ON cases USING gin (description gin_trgm_ops);
CREATE INDEX cases_location_trgm ON cases USING gin (location_text gin_trgm_ops);
