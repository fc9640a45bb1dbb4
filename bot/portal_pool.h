/* portal_pool.h — a few threads that run the portal's blocking work (PostgreSQL, Redis, the
 * Graph API) off the libwebsockets loop, and hand each finished job back to it.
 * Jobs go in with portal_pool_submit (any thread); finished ones are collected by the loop
 * with portal_pool_done after lws wakes it with LWS_CALLBACK_EVENT_WAIT_CANCELLED. */
#ifndef SAMPARK_PORTAL_POOL_H
#define SAMPARK_PORTAL_POOL_H

#include "err.h"

struct lws_context;

typedef struct portal_pool portal_pool;

/* The caller embeds this at the start of its own job struct. run is called on a pool thread
 * with that thread's context (what ctx_new returned); it must not touch lws. */
typedef struct pool_job {
    struct pool_job *next;
    void (*run)(struct pool_job *job, void *thread_ctx);
} pool_job;

/* Starts n threads; each calls ctx_new(arg) once (its own database and Redis connections)
 * and ctx_free at the end. wake is the context whose service is cancelled when a job is done. */
portal_pool *portal_pool_start(int n, void *(*ctx_new)(void *), void (*ctx_free)(void *), void *arg,
                               struct lws_context *wake, err *e);
/* Queues a job: 0, or -1 when the queue is full or the pool is stopping (answer 503). */
int portal_pool_submit(portal_pool *p, pool_job *job);
/* Every finished job, in finishing order, as a list linked by next (NULL: none). */
pool_job *portal_pool_done(portal_pool *p);
/* Jobs queued or running. */
int portal_pool_busy(portal_pool *p);
/* Stops the threads after the jobs already running; queued jobs are handed back as done
 * without being run. Frees nothing the caller owns. */
void portal_pool_stop(portal_pool *p);
void portal_pool_free(portal_pool *p);

#endif
