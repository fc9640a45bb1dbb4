-- 0031_district_state.sql — the district's state ({"en": "Chhattisgarh", "hi": "छत्तीसगढ़"}),
-- optional in the directory: the CPGRAMS-layout export (`sampark export`, SPEC section 14,
-- issue 21) names it in every grievance row. NULL when the directory does not say.
ALTER TABLE districts ADD COLUMN state jsonb;
