-- 0003_sender.sql — what the sender needs to deliver the outbox in order, once, across
-- several processes: a claim with an expiry (a crashed sender's claims lapse), the time a
-- message went out, and the template used when the 24-hour window was closed.
ALTER TABLE outbound_messages
    ADD COLUMN claimed_by    text,
    ADD COLUMN claimed_until timestamptz,
    ADD COLUMN sent_at       timestamptz,
    ADD COLUMN template      text;

-- The head of each recipient's queue: their oldest message not yet sent or failed.
CREATE INDEX outbound_unsent_by_recipient ON outbound_messages (recipient, id)
    WHERE state IN ('queued', 'sending');
