-- 0016_desk_template_hint.sql — what a message says when it must go as a template. The sender
-- turns a free-form message for a number outside its 24-hour window into the purpose's template,
-- with parameters cut from the text; a message whose template needs more than its text gives
-- (the digest: the headline, the most overdue tracking numbers, the quick-reply button's payload
-- that brings the full list) carries them here: {"params": [...], "buttons": [...]}.
ALTER TABLE outbound_messages ADD COLUMN template_hint jsonb;
