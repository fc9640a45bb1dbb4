/* portal_pool.c — the portal's worker threads (see portal_pool.h).
 * Why: the HTTP listener is one lws event loop that also takes the WhatsApp webhook, and a
 * portal query of tens of milliseconds run inside an lws callback would stall webhook intake.
 * So the loop only parses a request and queues a job; one of a few threads, each with its own
 * PostgreSQL and Redis connection, runs it and puts it on the done list; lws_cancel_service()
 * (the one lws call that is safe from another thread) wakes the loop, which drains the list in
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED and asks for a WRITEABLE callback to send each answer.
 * Never call any other lws function from a pool thread. */
#include "portal_pool.h"

#include <libwebsockets.h>
#include <pthread.h>
#include <stdlib.h>

/* Jobs waiting for a thread: past this the portal answers 503 rather than queue forever. */
#define POOL_QUEUE_MAX 256

struct portal_pool {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pool_job *head, *tail; /* waiting */
    pool_job *done, *done_tail;
    int queued, running, stop;
    struct lws_context *wake;
    void *(*ctx_new)(void *);
    void (*ctx_free)(void *);
    void *arg;
    pthread_t *tids;
    int nthreads;
};

/* Appends j to the list head..tail (the waiting queue or the done list). */
static void append(pool_job **head, pool_job **tail, pool_job *j)
{
    j->next = NULL;
    if (*tail)
        (*tail)->next = j;
    else
        *head = j;
    *tail = j;
}

static void finish(portal_pool *p, pool_job *j)
{
    append(&p->done, &p->done_tail, j);
}

static void *thread_main(void *arg)
{
    portal_pool *p = arg;
    void *ctx = p->ctx_new(p->arg);
    pthread_mutex_lock(&p->mu);
    for (;;) {
        pool_job *j;
        while (!p->stop && !p->head)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stop)
            break;
        j = p->head;
        p->head = j->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->running++;
        pthread_mutex_unlock(&p->mu);
        j->run(j, ctx);
        pthread_mutex_lock(&p->mu);
        p->running--;
        finish(p, j);
        pthread_mutex_unlock(&p->mu);
        lws_cancel_service(p->wake);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    p->ctx_free(ctx);
    return NULL;
}

portal_pool *portal_pool_start(int n, void *(*ctx_new)(void *), void (*ctx_free)(void *), void *arg,
                               struct lws_context *wake, err *e)
{
    portal_pool *p = calloc(1, sizeof *p);
    if (!p || !(p->tids = calloc((size_t)n, sizeof *p->tids))) {
        free(p);
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    p->wake = wake;
    p->ctx_new = ctx_new;
    p->ctx_free = ctx_free;
    p->arg = arg;
    for (int i = 0; i < n; i++) {
        if (pthread_create(&p->tids[i], NULL, thread_main, p) != 0) {
            portal_pool_stop(p);
            portal_pool_free(p);
            err_set(e, ERR_ENV, "cannot start the portal's threads");
            return NULL;
        }
        p->nthreads++;
    }
    return p;
}

int portal_pool_submit(portal_pool *p, pool_job *job)
{
    int rc = -1;
    pthread_mutex_lock(&p->mu);
    if (!p->stop && p->queued < POOL_QUEUE_MAX) {
        append(&p->head, &p->tail, job);
        p->queued++;
        pthread_cond_signal(&p->cv);
        rc = 0;
    }
    pthread_mutex_unlock(&p->mu);
    return rc;
}

pool_job *portal_pool_done(portal_pool *p)
{
    pool_job *d;
    pthread_mutex_lock(&p->mu);
    d = p->done;
    p->done = p->done_tail = NULL;
    pthread_mutex_unlock(&p->mu);
    return d;
}

int portal_pool_busy(portal_pool *p)
{
    int n;
    pthread_mutex_lock(&p->mu);
    n = p->queued + p->running;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void portal_pool_stop(portal_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->tids[i], NULL);
    p->nthreads = 0;
    pthread_mutex_lock(&p->mu);
    while (p->head) { /* never run: handed back so their owners free them */
        pool_job *j = p->head;
        p->head = j->next;
        finish(p, j);
    }
    p->tail = NULL;
    p->queued = 0;
    pthread_mutex_unlock(&p->mu);
}

void portal_pool_free(portal_pool *p)
{
    if (!p)
        return;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->tids);
    free(p);
}
