-- 0036_outbox_hot.sql — the outbox's state changes made HOT where they can be, and one index
-- fewer (issue 22, step 8; docs/THROUGHPUT.md).
-- PostgreSQL 15 updates a row in place (HOT: no new entry in any index) only when no column an
-- index reads changes — a partial index's predicate included — and the page has room. `state`
-- was the predicate of the three "unsent" indexes (0012, 0028), so every state change — the
-- claim (queued → sending), a release or retry, sent, and each status WhatsApp reports
-- (delivered, read) — added an entry to every index of the table (up to 9), for vacuum to
-- clean up later; a bench drain made 8,910 updates of 3,750 rows, none of them HOT.
--   failed_at   when a message failed for good (the sender gave up, or WhatsApp reported the
--               failure), as sent_at says when it was sent. A message is unsent while both are
--               NULL: it leaves the unsent indexes by the one write that sets either — the one
--               that stores its wamid (an indexed column: never HOT anyway) or fails it. The
--               claim, a release, a retry, delivered and read change no indexed column (the
--               test in tests/test_outbox.c): HOT when the page has room. Readers keep
--               `state IN ('queued', 'sending')` beside the new test (outbox.h OUTBOX_SQL_UNSENT):
--               the index finds the rows, the state still decides.
--   outbound_unsent_case_by_recipient, outbound_unsent_broadcast   the same columns, the
--               predicate on sent_at/failed_at.
--   outbound_unsent_by_recipient (every unsent row, 0012) is dropped: the sender's case walk
--               read it only for a recipient's head (now its oldest case row, or an older
--               broadcast row found in the broadcasts' index: a batch or two), and its second
--               walk now goes over the broadcasts' index (bot/sender.c). One entry fewer a row.
--   outbound_wamid   the wamid's unique index holds sent rows only: a queued row (no wamid yet)
--               takes no entry. Every reader looks a wamid up by equality, which implies NOT
--               NULL, so the partial index serves it (webhook statuses, cases_by_wamid, the
--               helpdesk's peer); nothing infers ON CONFLICT from it.
--   fillfactor 70   new pages keep 30% free, so a row's claim and statuses find room beside it
--               (HOT needs the same page); pruning makes room again as old versions die. Claims
--               that were HOT in drains of `SEND_ALL=1 bench/statements drain`: 46% at 100,
--               52% at 90, 64% at 80, 82% at 70, 93% at 60. The price: settled pages stay 70%
--               full, a table about 1.4 times the size at rest.
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
