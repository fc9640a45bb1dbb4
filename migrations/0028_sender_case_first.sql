-- 0028_sender_case_first.sql — case traffic before broadcasts in the sender's claim, and a
-- broadcast Meta refuses paused (issue 20).
--   outbound_unsent_case_by_recipient  the recipients with unsent messages that are not a
--       broadcast's: the claim walks these first (one index descent a recipient, as 0012's walk),
--       so a citizen's reply never waits for a pass over a broadcast's recipients, and the walk
--       stays as cheap after an outage's backlog as the backlog's count of recipients.
--   broadcasts.template_failures  recipients the Graph API refused with a template error
--       (132000-132999: the template is missing, paused, disabled, or its parameters wrong);
--       at BROADCAST_TEMPLATE_FAILURES the broadcast is paused with the reason in paused_reason;
--       only recipients fed since resumed_at (the last start) count.
--   outbound_unsent_broadcast  the broadcasts' unsent rows (at most a batch or two): the feeder
--       pulls back those of a paused or cancelled broadcast and counts its room through these.
CREATE INDEX outbound_unsent_case_by_recipient ON outbound_messages (recipient, id)
    WHERE state IN ('queued', 'sending') AND purpose IS DISTINCT FROM 'broadcast';
CREATE INDEX outbound_unsent_broadcast ON outbound_messages (recipient, id)
    WHERE state IN ('queued', 'sending') AND purpose = 'broadcast';
ALTER TABLE broadcasts ADD COLUMN template_failures integer NOT NULL DEFAULT 0,
                       ADD COLUMN paused_reason text,
                       ADD COLUMN resumed_at timestamptz NOT NULL DEFAULT '-infinity';
