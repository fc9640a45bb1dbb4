/* inbound.h — what a worker records in PostgreSQL for each queued message and status:
 * the message id (processed once, ever), the sender's 24-hour window, the citizen's name,
 * and the delivery state of our outgoing messages. The conversation engine builds on it. */
#ifndef SAMPARK_INBOUND_H
#define SAMPARK_INBOUND_H

#include "db.h"
#include "wa_in.h"

typedef struct inbound_info {
    int fresh;    /* 1 the first time this message id is seen; 0 for a repeat (nothing changed) */
    int staff;    /* the sender is in the directory (officer, nodal officer, collector) */
    char lang[4]; /* the citizen's remembered language, "" when none */
    int case_waiting; /* one of the sender's cases waits for documents or a yes/no/reason */
    int chat_open;    /* the sender has a helpdesk conversation that is not closed */
    /* For a repeat: the session it left, hex-encoded (malloc'd, NULL when none), and the
     * Redis version that session was computed from. Freed by inbound_info_clear. */
    char *session_hex;
    unsigned session_base;
} inbound_info;

/* Looks up n messages from distinct senders and says in out[i] what the conversation needs to
 * know about ms[i]: fresh or a repeat, and its sender. Their ids are locked for the transaction
 * (a second worker with the same message waits for this one), their senders' contact and citizen
 * rows kept up to date; their own rows are written by inbound_store_many at the end (read
 * receipts: receipts.h). Two statements, one round trip for the batch. On error the caller's
 * transaction is to be rolled back, and db_error_transient tells whether to retry. */
int inbound_record_many(db *d, const wa_message *const *ms, size_t n, inbound_info *out, err *e);

/* Writes the rows of the messages inbound_record_many found fresh (info[i].fresh), each with the
 * session it left (session_hex[i], hex; NULL for none) and the Redis version base[i] it was
 * computed from (migration 0010): queued (db_send) to go with the next call that waits — the
 * COMMIT. Each message's row is written once, at the end of its transaction (issue 22). */
int inbound_store_many(db *d, const wa_message *const *ms, size_t n, const inbound_info *info,
                       const char *const *session_hex, const unsigned *base, err *e);

void inbound_info_clear(inbound_info *info);

/* Applies a delivery status to the outgoing message with that wamid. States only move
 * forward (sent < delivered < read; failed wins over sent and delivered), so statuses that
 * arrive out of order are harmless. *updated = 1 when a row changed. */
int inbound_status(db *d, const wa_status *s, int *updated, err *e);

/* The scheduler's sweep of early_statuses (migration 0013): applies those whose message is now
 * stored (a status that raced the sender's record of its wamid) and forgets those older than two
 * days (messages Sampark did not send). Returns how many were applied, or -1. */
long inbound_settle_early_statuses(db *d, err *e);

#endif
