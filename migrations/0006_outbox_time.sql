-- 0006_outbox_time.sql — an outbox row records when it was written, not when its
-- transaction began: the benchmark reads step latency from it, and operators read queues.
ALTER TABLE outbound_messages ALTER COLUMN created_at SET DEFAULT clock_timestamp();
