-- 0033_open_data.sql — what the open data may show of a department's cases (SPEC section 14,
-- issue 21 review). departments.open_data, from the directory's optional "open_data":
--   'listed'  its cases are Open311 requests one by one (the default);
--   'counts'  only counted in the public figures (/public, /api/public/stats): police, women
--             and child; a district may add health — cases whose village and times alone may
--             say who complained.
-- And the index behind the public address rule (bot/cases_public.c): a village is published only
-- when several citizens named it, counted over cases with the same place key.
ALTER TABLE departments ADD COLUMN open_data text NOT NULL DEFAULT 'listed'
    CHECK (open_data IN ('listed', 'counts'));
CREATE INDEX cases_by_place ON cases (place_key, citizen_phone) WHERE place_key <> '';
