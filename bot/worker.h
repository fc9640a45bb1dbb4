/* worker.h — the worker role: reads the inbound queue, records each message and status in
 * PostgreSQL exactly once, runs the conversation for citizens' messages, acknowledges it,
 * and retries in order when PostgreSQL or Redis is away. */
#ifndef SAMPARK_WORKER_H
#define SAMPARK_WORKER_H

#include <signal.h>

#include "config.h"
#include "err.h"

typedef struct worker worker;

worker *worker_new(const config *c, err *e);
void worker_free(worker *w);
/* Runs until *stop becomes non-zero; finishes the batch in hand, gives its shards back so
 * another worker can take them at once, and returns 0. Whenever *reload changes (SIGHUP),
 * the flow files are loaded again; a broken set is refused and the running one kept. */
int worker_run(worker *w, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

#endif
