-- 0017_department_keywords.sql — the words that suggest a department (SPEC section 6
-- "keywords"), as the directory gave them after validation: [{"word": "...", "weight": N}],
-- weight 1..10. NULL when the department lists none. The conversation reads them with the
-- department menu and compiles them once per load (bot/engine_suggest.c).
ALTER TABLE departments ADD COLUMN keywords jsonb;
