/* worker.c — the queue-draining loop (see worker.h).
 * Order rule: within a shard, an entry is acknowledged only after it is recorded; when one
 * fails for a passing reason, the rest of that shard waits for the next round, so a
 * citizen's messages are never handled out of order. Entries that can never be processed
 * (malformed, rejected by a constraint) go to the dead-letter stream instead of blocking. */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalogue.h"
#include "conversation.h"
#include "db.h"
#include "flow.h"
#include "inbound.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "text.h"
#include "wa_in.h"

struct worker {
    const config *cfg;
    queue_consumer *q;
    db *pg;
    flow_set *flows;
    catalogue *cat; /* messages.json beside the flows: loaded and reloaded with them */
    conv *cv;
    char name[128];
    char who[136]; /* "worker <name>": who speaks in its log lines */
    int backoff_ms;
    char last_problem[256];
};

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One log line per change of trouble, not one per retry. */
static void trouble(worker *w, const char *msg)
{
    char shown[sizeof w->last_problem];
    text_mask_copy(shown, sizeof shown, msg); /* a server's error detail may quote a row */
    if (strcmp(w->last_problem, shown) != 0) {
        log_warn(w->who, "%s (retrying)", shown);
        snprintf(w->last_problem, sizeof w->last_problem, "%s", shown);
    }
    w->backoff_ms = w->backoff_ms ? (w->backoff_ms * 2 > 5000 ? 5000 : w->backoff_ms * 2) : 200;
}

static void recovered(worker *w)
{
    if (w->last_problem[0])
        log_info(w->who, "recovered");
    w->last_problem[0] = '\0';
    w->backoff_ms = 0;
}

worker *worker_new(const config *c, err *e)
{
    worker *w = calloc(1, sizeof *w);
    char host[64] = "host";
    static int seq;
    if (!w) {
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    w->cfg = c;
    gethostname(host, sizeof host - 1);
    snprintf(w->name, sizeof w->name, "%s:%d:%d", host, (int)getpid(), ++seq);
    snprintf(w->who, sizeof w->who, "worker %s", w->name);
    if (!(w->flows = flow_set_load(c->flows_dir, e)) ||
        !(w->cat = catalogue_load(c->flows_dir, e))) {
        worker_free(w);
        return NULL;
    }
    if (!(w->pg = db_new(c->database_url)) || !(w->cv = conv_new(c, w->flows, w->cat, e)) ||
        !(w->q = queue_consumer_new(c, w->name, e))) {
        if (!w->pg)
            err_set(e, ERR_ENV, "out of memory");
        worker_free(w);
        return NULL;
    }
    return w;
}

void worker_free(worker *w)
{
    if (!w)
        return;
    queue_consumer_free(w->q);
    conv_free(w->cv);
    flow_set_free(w->flows);
    catalogue_free(w->cat);
    db_close(w->pg);
    free(w);
}

/* 0 done (ack), 1 retry later (keep pending), 2 never processable (dead letter). */
static int process(worker *w, const queue_entry *ent, err *e)
{
    int changed = 0, rc;
    if (ent->shard >= 0) {
        wa_message m;
        if (wa_in_message_from_fields(&m, ent->names, ent->values, ent->nfields) < 0) {
            err_set(e, ERR_USER, "entry has no message id or sender");
            return 2;
        }
        rc = conv_handle(w->cv, &m, NULL, NULL, e);
        return rc == CONV_DONE ? 0 : rc == CONV_RETRY ? 1 : 2;
    } else {
        wa_status s;
        if (wa_in_status_from_fields(&s, ent->names, ent->values, ent->nfields) < 0) {
            err_set(e, ERR_USER, "entry has no message id or status");
            return 2;
        }
        rc = inbound_status(w->pg, &s, &changed, e);
    }
    if (rc == 0)
        return 0;
    return db_error_transient(w->pg) ? 1 : 2;
}

/* What a batch pass keeps: per shard whether it must wait, and the entries to acknowledge. */
typedef struct pass {
    int blocked[QUEUE_SHARDS + 1]; /* index shard + 1; 0 is the status stream */
    int had_trouble;
    const queue_entry **done;
    size_t ndone;
} pass;

/* Whether the worker still holds shard's lease; when not, the shard waits for the rest of the
 * batch and its next read starts from its pending entries: a renewal that failed on a Redis
 * error while the lease key was still ours gives the shard back at the next renewal, and a read
 * of new entries only would then answer a citizen's newer messages before the skipped ones
 * (those came back only with the idle reclaim, a lease later: review of session 10). */
static int still_holds(worker *w, pass *p, int shard)
{
    if (queue_consumer_holds(w->q, shard))
        return 1;
    p->blocked[shard + 1] = 1;
    queue_consumer_retry_shard(w->q, shard);
    return 0;
}

/* One entry on its own (the slow path), with the outcome applied to the pass. */
static void one(worker *w, pass *p, const queue_entry *ent)
{
    err e = {0};
    int outcome;
    if (p->blocked[ent->shard + 1])
        return; /* an earlier entry of this shard must go first */
    if (!still_holds(w, p, ent->shard))
        return; /* the lease ran out: another worker may have it now */
    outcome = process(w, ent, &e);
    if (outcome == 1) {
        p->blocked[ent->shard + 1] = 1;
        queue_consumer_retry_shard(w->q, ent->shard);
        metrics_processed(0);
        trouble(w, e.msg);
        p->had_trouble = 1;
        return;
    }
    if (outcome == 2) {
        err e2 = {0};
        text_mask_phones(e.msg); /* logged and kept in the dead-letter stream */
        log_error(w->who, "entry %s goes to %s: %s", ent->id, QUEUE_DEAD_STREAM, e.msg);
        if (queue_consumer_dead(w->q, ent, e.msg, &e2) < 0) {
            p->blocked[ent->shard + 1] = 1;
            queue_consumer_retry_shard(w->q, ent->shard);
            trouble(w, e2.msg);
            p->had_trouble = 1;
        } else {
            metrics_dead_letter();
        }
        return;
    }
    p->done[p->ndone++] = ent; /* acknowledged together at the end of the batch */
    metrics_processed(1);
}

/* The fast path: a group of messages from distinct senders in one transaction. When anything
 * in it fails, each entry goes the slow path, in order: a failed transaction changed nothing,
 * and after a commit whose sessions Redis did not take, each entry is recognised as done and
 * its session restored from the snapshot (conversation.c). */
static void group(worker *w, pass *p, const queue_entry **ents, wa_message *ms, size_t n)
{
    const wa_message *mp[CONV_BATCH_MAX];
    const queue_entry *kept[CONV_BATCH_MAX];
    size_t k = 0;
    err e = {0};
    /* Leases are checked again now: one may have run out while the group was gathered, and
     * then another worker may be handling these entries. */
    for (size_t i = 0; i < n; i++) {
        if (p->blocked[ents[i]->shard + 1])
            continue;
        if (!still_holds(w, p, ents[i]->shard))
            continue;
        mp[k] = &ms[i];
        kept[k++] = ents[i];
    }
    if (k > 1 && conv_handle_many(w->cv, mp, k, &e) == 0) {
        for (size_t i = 0; i < k; i++) {
            p->done[p->ndone++] = kept[i];
            metrics_processed(1);
        }
        return;
    }
    if (k > 1) { /* seen in the log and the metrics: a failure only in batch form would halve us */
        text_mask_phones(e.msg);
        log_warn(w->who, "a batch of %zu failed (%s): each is handled alone", k, e.msg);
        metrics_batch_fallback();
    }
    /* Alone, each in stream order; a lease lost meanwhile stops its shard (one() checks). */
    for (size_t i = 0; i < k; i++)
        one(w, p, kept[i]);
}

/* Whether from is among the n senders. */
static int among(const char *const *from, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(from[i], s) == 0)
            return 1;
    return 0;
}

/* One pass over the entries todo[0..n): the first group of distinct senders, in stream order,
 * handled; what it could not take left in todo[0..*left) for the next pass, in order — an
 * entry whose sender is in the group (a sender's next message waits for the one before it to
 * be committed), and, once the group is full, the rest as it is (not read again this pass).
 * No third rule is needed: the group only grows, so what makes an entry wait holds for its
 * sender's later ones too. Statuses, and what the slow path dead-letters, are handled as they
 * come. */
static void one_pass(worker *w, pass *p, const queue_entry **todo, size_t n, size_t *left)
{
    const queue_entry *ents[CONV_BATCH_MAX];
    const char *from[CONV_BATCH_MAX];
    wa_message ms[CONV_BATCH_MAX], next;
    size_t k = 0, nleft = 0;
    for (size_t i = 0; i < n; i++) {
        const queue_entry *ent = todo[i];
        if (k == CONV_BATCH_MAX) {
            memmove(todo + nleft, todo + i, (n - i) * sizeof *todo); /* nleft <= i */
            nleft += n - i;
            break;
        }
        if (p->blocked[ent->shard + 1])
            continue;
        if (!still_holds(w, p, ent->shard))
            continue; /* another worker may own these entries now: it claims them from our
                       * pending list; touch nothing more of this shard */
        if (ent->shard < 0 ||
            wa_in_message_from_fields(&next, ent->names, ent->values, ent->nfields) < 0) {
            one(w, p, ent);
            continue;
        }
        if (among(from, k, next.from)) {
            todo[nleft++] = ent; /* nleft <= i: nothing unread is overwritten */
            continue;
        }
        from[k] = next.from; /* points into the entry: lives with the batch */
        ms[k] = next;
        ents[k++] = ent;
    }
    group(w, p, ents, ms, k);
    *left = nleft;
}

/* A read's entries in as few groups as their senders allow: when a citizen wrote twice, the
 * second message waits for a later group while other senders' messages fill this one — a
 * backlog (after an outage, a burst) no longer goes in groups cut at each repeat. Each pass
 * makes one group. (At flat out groups were small for another reason: each read held only what
 * came since the last — worker_run's group wait.) */
static void handle_batch(worker *w, queue_batch *b)
{
    pass p = {.had_trouble = 0};
    const queue_entry **todo = calloc(b->n ? b->n : 1, sizeof *todo);
    size_t n = b->n;
    if (!todo || !(p.done = calloc(b->n ? b->n : 1, sizeof *p.done))) {
        trouble(w, "out of memory");
        for (size_t i = 0; i < b->n; i++)
            queue_consumer_retry_shard(w->q, b->entries[i].shard);
        free(todo);
        free(p.done);
        return;
    }
    for (size_t i = 0; i < n; i++)
        todo[i] = &b->entries[i];
    while (n > 0)
        one_pass(w, &p, todo, n, &n);
    free(todo);
    if (p.ndone) {
        err e = {0};
        /* Done but not acknowledged (Redis went away): they come again and are recognised as
         * done, so nothing is processed twice; their shards read pending entries first. */
        if (queue_consumer_ack_many(w->q, p.done, p.ndone, &e) < 0) {
            for (size_t i = 0; i < p.ndone; i++)
                queue_consumer_retry_shard(w->q, p.done[i]->shard);
            trouble(w, e.msg);
            p.had_trouble = 1;
        }
    }
    free(p.done);
    if (!p.had_trouble)
        recovered(w);
}

/* SIGHUP: a new flow set and message catalogue replace the old together, only when both load
 * cleanly (a folder is one edit: new flows may count on new messages). */
static void reload_flows(worker *w)
{
    err e = {0};
    flow_set *fresh = flow_set_load(w->cfg->flows_dir, &e);
    catalogue *cat = fresh ? catalogue_load(w->cfg->flows_dir, &e) : NULL;
    if (!cat) {
        log_error(w->who, "flows not reloaded, keeping the running set: %s", e.msg);
        flow_set_free(fresh);
        return;
    }
    conv_set_flows(w->cv, fresh, cat);
    flow_set_free(w->flows);
    catalogue_free(w->cat);
    w->flows = fresh;
    w->cat = cat;
    log_info(w->who, "flows reloaded (%zu states)", fresh->nstates);
}

/* The loop: read, handle, repeat. After a read that found work but made a small group, the next
 * read waits SAMPARK_GROUP_WAIT_MS: a group's statements cost per group, and at flat out the
 * workers kept up so well that a group held only what came since the last read (5 messages at
 * 2,800/s: PostgreSQL 245 µs a message; waiting 2 ms, groups of 11 and 189 µs; full groups 160 —
 * bench/statements). A message waits at most that long; an idle worker blocks in the read. */
int worker_run(worker *w, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload)
{
    unsigned seen_reload = reload ? (unsigned)*reload : 0;
    while (!*stop) {
        if (reload && (unsigned)*reload != seen_reload) {
            seen_reload = (unsigned)*reload;
            reload_flows(w);
        }
        queue_batch b;
        err e = {0};
        size_t filled;
        if (queue_consumer_read(w->q, &b, 100, 500, &e) < 0) {
            trouble(w, e.msg);
            sleep_ms(w->backoff_ms);
            continue;
        }
        handle_batch(w, &b);
        filled = b.n;
        queue_batch_free(&b);
        if (w->backoff_ms)
            sleep_ms(w->backoff_ms);
        else if (filled > 0 && filled < CONV_BATCH_MAX / 2 && w->cfg->group_wait_ms > 0)
            sleep_ms(w->cfg->group_wait_ms); /* busy, groups small: let the next one fill */
    }
    queue_consumer_release(w->q);
    return 0;
}
