-- 0025_subscribers.sql — broadcasts and scheme feedback (SPEC section 13, issue 20): what a
-- citizen said about the district's broadcasts, one row a phone. bot/subscribers.c owns it.
--   village, block   where they live: from the "Scheme updates" question, else their latest
--                    complaint (village_key: bot/place.c's key of the village, for segments);
--   state            NULL never asked; 'subscribed' to scheme updates; 'stopped' by STOP / बंद /
--                    रोकें — no broadcast of any kind reaches them (case updates still do);
--   consent_at/_via  when and how the current state was given ('menu', 'keyword', 'portal');
--   blocked_at       Graph said the number blocked the business (error 131049/131026...): it is
--                    skipped by every later broadcast.
CREATE TABLE subscribers (
    phone        text PRIMARY KEY CHECK (phone ~ '^[0-9]{5,20}$'),
    village      text,
    village_key  text,
    block        text,
    state        text CHECK (state IN ('subscribed', 'stopped')),
    consent_at   timestamptz,
    consent_via  text,
    blocked_at   timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subscribers_by_village ON subscribers (village_key) WHERE state IS DISTINCT FROM 'stopped';
CREATE INDEX subscribers_by_block ON subscribers (lower(block)) WHERE state IS DISTINCT FROM 'stopped';
CREATE INDEX subscribers_subscribed ON subscribers (phone) WHERE state = 'subscribed';
