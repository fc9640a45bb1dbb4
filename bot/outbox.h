/* outbox.h — writing what Sampark wants to say into outbound_messages (the sender delivers
 * it). Every row has an idempotency key derived from what caused it (the inbound message id
 * and a suffix), so handling a message twice can never queue a reply twice. */
#ifndef SAMPARK_OUTBOX_H
#define SAMPARK_OUTBOX_H

#include "db.h"
#include "engine.h"

/* In a conversation transaction the rows are not written one statement each: after
 * outbox_defer(d) every writer below keeps its row on d, and outbox_flush(d) writes them all in
 * one statement, in the order written (ids taken in that order: one recipient's rows keep their
 * order). The statement is queued (db_send): it runs in the round trip of the next call that
 * waits — the COMMIT, or a statement that reads. Flush before COMMIT, and before any statement
 * that reads this transaction's outbound_messages rows; a bad row (a payload that is not JSON, a
 * constraint) then fails that call, and so the transaction. outbox_undefer(d) drops what was not
 * flushed and writes at once again (after the commit or the rollback). Without outbox_defer
 * (scheduler, portal, CLI) rows are written at once. A deferred writer returns 0 when the row is
 * kept (it is written by the flush, or not at all if its idempotency key was queued before — as at
 * once). */
void outbox_defer(db *d);
int outbox_flush(db *d, err *e);
void outbox_undefer(db *d);

/* A message built by the engine (text, buttons or list). case_id may be NULL. */
int outbox_engine(db *d, const char *key, const char *to, const engine_out *o, const char *purpose,
                  const char *case_id, err *e);
/* A plain text message. */
int outbox_text(db *d, const char *key, const char *to, const char *text, const char *purpose,
                const char *case_id, err *e);
/* A plain text message in a helpdesk exchange: about is the other party (migration 0015), so a
 * swipe-reply on it is forwarded there. */
int outbox_text_about(db *d, const char *key, const char *to, const char *text, const char *purpose,
                      const char *case_id, const char *about, err *e);
/* A plain text message with what its template carries when the recipient's 24-hour window is
 * closed (hint: {"params": [...], "buttons": [quick-reply payloads]}, migration 0016). */
int outbox_text_hinted(db *d, const char *key, const char *to, const char *text,
                       const char *purpose, const char *hint, err *e);
/* Both: a helpdesk message that goes as a template outside the recipient's window. */
int outbox_text_about_hinted(db *d, const char *key, const char *to, const char *text,
                             const char *purpose, const char *about, const char *hint, err *e);
/* The digest sent to `to` under the idempotency key `earlier`, queued again under key (with its
 * hint): 1 queued, 0 when there is no such digest, `to` no longer reads the digests, or key was
 * queued before (a redelivered tap), -1 error. */
int outbox_digest_again(db *d, const char *key, const char *to, const char *earlier, err *e);
/* A media message forwarding a WhatsApp media id (image, audio, video, document). */
int outbox_media(db *d, const char *key, const char *to, const char *type, const char *media_id,
                 const char *caption, const char *purpose, const char *case_id, err *e);
/* The same in a helpdesk exchange: about is the other party (a swipe-reply on it goes there);
 * hint (may be NULL) what its template carries outside the window (a file cannot travel as one). */
int outbox_media_about(db *d, const char *key, const char *to, const char *type,
                       const char *media_id, const char *caption, const char *purpose,
                       const char *case_id, const char *about, const char *hint, err *e);
/* SQL: the rows not yet sent or failed (o: the alias and its dot, or ""). The first two tests
 * are the predicate of the unsent indexes (migration 0036: a claim or a status changes no
 * indexed column, so it can be HOT) and let the planner use them; the state decides. */
#define OUTBOX_SQL_UNSENT(o)                                                                       \
    o "sent_at IS NULL AND " o "failed_at IS NULL AND " o "state IN ('queued', 'sending')"
/* SQL: deletes the outbox rows (alias o) that no sender has claimed yet and that satisfy cond,
 * returning their ids — the one way another module takes back what it queued, as a CTE body in
 * its own statement (broadcast_feed.c's pull-backs). A claimed row is the sender's to settle. */
#define OUTBOX_SQL_DELETE_UNCLAIMED(cond)                                                          \
    "DELETE FROM outbound_messages o WHERE " OUTBOX_SQL_UNSENT("o.") " AND o.state = 'queued'"     \
    " AND (" cond ") RETURNING o.id"

#endif
