-- 0012_sender_recipients.sql — the sender's claim walks recipients with unsent messages
-- through this index, one descent per recipient from a cursor (sender.c), so one recipient's
-- long queue (a nodal officer after an escalation storm) can no longer hold back everyone
-- else's replies, as the window of the oldest 2,048 rows of 0009 could.
CREATE INDEX outbound_unsent_by_recipient ON outbound_messages (recipient, id)
    WHERE state IN ('queued', 'sending');
DROP INDEX outbound_unsent_by_id;

-- A message's session snapshot (0010) is needed only until its entry is acknowledged, seconds
-- later; the scheduler clears snapshots older than two days (the draft complaint text in them
-- is personal data), finding them through this index.
CREATE INDEX inbound_session_kept ON inbound_messages (processed_at) WHERE session IS NOT NULL;

