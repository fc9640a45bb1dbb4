-- 0010_session_snapshot.sql — a conversation's session after a message, written in the same
-- transaction as the message's effects, with the Redis version it was computed from. The
-- session itself lives in Redis and is saved after the commit; when a worker dies (or Redis
-- goes away) in between, the message comes back, is recognised as recorded, and this
-- snapshot is put into Redis if Redis still holds the older version — so the citizen's next
-- answer is read against the question they were actually asked (found by tests/faults).
ALTER TABLE inbound_messages ADD COLUMN session bytea, ADD COLUMN session_base integer;
