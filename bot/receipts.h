/* receipts.h — read receipts (blue ticks) waiting to be sent, kept in Redis instead of the
 * outbox (issue 22, step 7: a receipt was 44% of outbox rows, each an insert and two updates).
 * WhatsApp marks every earlier message of a chat read when a later one is marked, so one
 * receipt per citizen is enough: the newest message wins (by WhatsApp's timestamp; the one
 * recorded later on a tie). Keys: RECEIPTS_KEY, a hash phone -> "ts attempts wamid"; and
 * RECEIPTS_DUE, a sorted set phone -> when it may go (ms, Redis's clock), oldest first.
 * Workers record receipts after their transaction commits, in the round trip that saves the
 * sessions (conversation.c); senders take them atomically (several may run) within the send
 * budget (sender.c). A receipt taken by a sender that dies before Graph answers is lost: a
 * tick, never a message. */
#ifndef SAMPARK_RECEIPTS_H
#define SAMPARK_RECEIPTS_H

#include <hiredis.h>

#include "err.h"

#define RECEIPTS_KEY "sampark:receipts"
#define RECEIPTS_DUE "sampark:receipts:due"

typedef struct receipt {
    char phone[32];
    char wamid[272];
    long long ts; /* WhatsApp's timestamp of the message (seconds); 0 unknown: recorded with
                   * Redis's clock instead */
    int attempts; /* sends that failed for a passing reason */
} receipt;

/* Appends (sends nothing yet) one command that records n receipts, due now; a phone's entry
 * is replaced only by one at least as new. Returns how many commands were appended (0 for
 * n == 0, else 1): read each reply with receipts_reply. -1 out of memory. */
int receipts_append(redisContext *c, const receipt *rs, size_t n);
/* Reads the reply of one receipts_append command. -1 + e when Redis did not take them. */
int receipts_reply(redisContext *c, err *e);
/* Takes (and deletes) up to max receipts that are due, oldest first, into out. Returns how
 * many, or -1 + e. */
int receipts_take(redisContext *c, int max, receipt *out, err *e);
/* Puts rs[0..n) back in one round trip, after their sends failed for a passing reason
 * (attempts already counted) or were not started, each due delay_ms[i] from now — unless a
 * receipt at least as new for that citizen arrived meanwhile, which then goes instead. Returns
 * how many were put back, or -1 + e. */
int receipts_put_back(redisContext *c, const receipt *rs, const long *delay_ms, size_t n, err *e);

#endif
