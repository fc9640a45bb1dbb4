-- 0036_outbox_hot.sql — the outbox's state changes made HOT where they can be (issue 22, step 8).
-- PostgreSQL 15 updates a row in place (HOT: no new index entry anywhere) only when no column any
-- index reads changes — a partial index's predicate included — and the page has room. `state`
-- was the predicate of the three "unsent" indexes (0012, 0028), so every state change — the
-- claim (queued → sending), sent, and each status WhatsApp reports (delivered, read) — wrote a
-- new entry into every index of the table (8 or 9), and vacuum then cleaned them up.
--   failed_at   when a message failed for good (the sender gave up, or WhatsApp reported the
--               failure), as sent_at says when it was sent. A message is unsent while both are
--               NULL: a row leaves the unsent indexes by the one write that sets either, the
--               write that stores its wamid (an indexed column, so never HOT anyway) or fails it.
--               The claim, a retry, a release, delivered and read change no indexed column:
--               HOT when the page has room. Readers keep `state IN ('queued', 'sending')` beside
--               the new test (outbox.h OUTBOX_SQL_UNSENT): the index finds the rows, the state
--               still decides.
--   the three unsent indexes   the same columns, the predicate on sent_at/failed_at.
--   outbound_wamid   the wamid's unique index holds sent rows only: a queued row (no wamid yet)
--               no longer takes an entry. Every reader looks a wamid up by equality, which
--               implies NOT NULL, so the partial index serves it; nothing infers ON CONFLICT
--               from it.
--   fillfactor 80   new pages keep a fifth free, so a row's claim and statuses find room beside
--               it (HOT needs the same page); pruning makes room again as the old versions die.
-- The updates below touch settled rows once (sent_at for a sent row written without one — not
-- done by Sampark, but tests and hand-made rows did — and failed_at for failed rows); the index
-- builds read the table once each. Both hold the table's writes: seconds per million rows.
ALTER TABLE outbound_messages ADD COLUMN failed_at timestamptz;
UPDATE outbound_messages SET failed_at = updated_at WHERE state = 'failed';
UPDATE outbound_messages SET sent_at = updated_at
    WHERE sent_at IS NULL AND state IN ('sent', 'delivered', 'read');

DROP INDEX outbound_unsent_by_recipient, outbound_unsent_case_by_recipient,
           outbound_unsent_broadcast;
CREATE INDEX outbound_unsent_case_by_recipient ON outbound_messages (recipient, id)
    WHERE sent_at IS NULL AND failed_at IS NULL AND purpose IS DISTINCT FROM 'broadcast';
CREATE INDEX outbound_unsent_broadcast ON outbound_messages (recipient, id)
    WHERE sent_at IS NULL AND failed_at IS NULL AND purpose = 'broadcast';

ALTER TABLE outbound_messages DROP CONSTRAINT outbound_messages_wamid_key;
CREATE UNIQUE INDEX outbound_wamid ON outbound_messages (wamid) WHERE wamid IS NOT NULL;

ALTER TABLE outbound_messages SET (fillfactor = 70);
