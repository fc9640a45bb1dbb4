-- 0009_sender_heads.sql — the sender's claim reads the oldest unsent messages through this
-- index (a bounded window, see sender.c) instead of sorting every unsent row by recipient on
-- every claim: with a backlog of 20,000 rows the old claim cost 45–860 ms of PostgreSQL time
-- per call, depending on how stale the table's statistics were (found by bench/run, issue 9).
CREATE INDEX outbound_unsent_by_id ON outbound_messages (id) WHERE state IN ('queued', 'sending');
-- Every outbound row is updated two or three times (sending, sent, delivered, read): vacuum and
-- analyse it after 2% changes rather than 20%, so dead index entries and stale plans do not pile up.
ALTER TABLE outbound_messages SET (autovacuum_vacuum_scale_factor = 0.02,
                                   autovacuum_analyze_scale_factor = 0.02);
-- The old claim's indexes: nothing reads them any more, and every insert and state change paid
-- for them.
DROP INDEX outbound_pending;
DROP INDEX outbound_unsent_by_recipient;
