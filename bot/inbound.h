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

/* Records n messages from distinct senders once each (their read receipts are not recorded
 * here: see receipts.h) and says in out[i] what the conversation needs to know
 * about ms[i]'s sender: one statement, one round trip for the batch. On error nothing is
 * recorded (the caller's transaction is to be rolled back) and db_error_transient tells
 * whether to retry. */
int inbound_record_many(db *d, const wa_message *const *ms, size_t n, inbound_info *out, err *e);

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
