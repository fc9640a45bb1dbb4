-- 0027_subscribers_resume.sql — issue 20: when the citizen last subscribed to scheme updates
-- (the menu's "Scheme updates", or the portal). STOP leaves it as it is, so START knows what to
-- resume: 'subscribed' when they had subscribed, else NULL (broadcasts allowed, never asked).
-- bot/subscribers.c owns it, as it owns the table. (0026 is the broadcasts' own migration.)
ALTER TABLE subscribers ADD COLUMN subscribed_at timestamptz;
