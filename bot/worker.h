/* worker.h — the worker role: reads the inbound queue, records each message and status in
 * PostgreSQL exactly once, acknowledges it, and retries in order when PostgreSQL is away.
 * (The conversation engine will hang off this loop.) */
#ifndef SAMPARK_WORKER_H
#define SAMPARK_WORKER_H

#include <signal.h>

#include "config.h"
#include "err.h"

typedef struct worker worker;

worker *worker_new(const config *c, err *e);
void worker_free(worker *w);
/* Runs until *stop becomes non-zero; finishes the batch in hand, gives its shards back so
 * another worker can take them at once, and returns 0. */
int worker_run(worker *w, volatile sig_atomic_t *stop);

#endif
