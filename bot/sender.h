/* sender.h — the sender role: drains the outbox (outbound_messages) and the read receipts
 * waiting in Redis (receipts.h) to the Graph API with the libcurl multi interface. Per
 * recipient, one message at a time and in order; per sender number, at most SAMPARK_SEND_RATE
 * messages a second across all processes (a Redis counter); retries with exponential backoff
 * and jitter on network errors, 429, 5xx and Graph codes 130429/131056, never on other 4xx;
 * free-form messages to a number whose 24-hour window is closed go as the directory's template.
 * With no WA_ACCESS_TOKEN it runs dry: one log line per message, recorded as sent. */
#ifndef SAMPARK_SENDER_H
#define SAMPARK_SENDER_H

#include <signal.h>

#include "config.h"
#include "err.h"

typedef struct sender sender;

/* NULL + e when the message catalogue beside the flows does not load (or out of memory). */
sender *sender_new(const config *c, err *e);
void sender_free(sender *s);
/* Runs until *stop; lets requests in flight finish (up to 10 s) before returning 0. When
 * *reload changes (SIGHUP) the message catalogue is read again (a broken one keeps the old). */
int sender_run(sender *s, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

/* Template parameter text: no newlines or tabs, no run of more than one space, at most
 * 1024 characters (Graph refuses the rest). In place. Exposed for tests. */
void sender_sanitize_param(char *s);

/* Of a grant of the send budget for rows case messages and receipts read receipts, the
 * receipts' part: what the messages leave (a receipt that waits may coalesce with the citizen's
 * next one), but at least about one slot in eight over time, so a backlog of replies never
 * starves them nor do they jump ahead of replies at a low send rate. *credit carries the eighths
 * of a slot earned across grants (0..7 between calls; the sender keeps it). Exposed for tests. */
int sender_receipt_share(int *credit, int grant, int rows, int receipts);

#endif
