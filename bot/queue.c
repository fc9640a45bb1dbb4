/* queue.c — Redis Streams behind the webhook and the workers (see queue.h).
 * Enqueue is a Lua script call (dedupe + XADD, each notification all or nothing) for up to 128
 * notifications of an event-loop turn, a bounded number of items and bytes each, pipelined and
 * sent at the turn's flush. Shard ownership is a lease key per shard renewed by its worker; a
 * worker that stops renewing loses its shards, and whoever takes a shard over claims that
 * shard's pending entries first (XAUTOCLAIM), so nothing is lost and a sender's order holds.
 * Never builds a command as a string: argv arrays and %s/%b only. */
#include "queue.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"
#include "rds.h"
#include "vec.h"

#define WORKERS_KEY  "sampark:workers"
#define LEASE_PREFIX "sampark:lease:in:"
#define SEEN_PREFIX  "sampark:seen:"

/* One call enqueues several notifications of an event-loop turn (see BATCH_MAX), each one all or
 * nothing. KEYS: a stream and a dedupe key ('' = no dedupe) per item; ARGV: ttl, the most
 * entries a stream may hold, the number of notifications, the number of items of each, then one
 * packed entry per item. The packed form ("name\0value\0...") keeps an entry to one stream
 * field: far cheaper for Redis than one field per attribute. Answers one element per
 * notification: the entries added (duplicates are not), or an error. A full stream refuses its
 * whole notification before anything of it is written, so the webhook answers 503 and Meta
 * delivers it again later (for up to 7 days). XADD MAXLEN would have bounded Redis by trimming
 * the oldest entries — messages no worker had read yet. One call for several notifications
 * rather than one each spares Redis a script call's look-up, argument tables and MULTI/EXEC in
 * the append-only file for each: 10.7 instead of 11.9 µs of Redis CPU a message (issue 22).
 * Not all or nothing across a call: a redis.call that fails (WRONGTYPE after an operator wrote
 * to one of our keys) aborts the script with the notifications before it already written; the
 * whole call then answers an error and all its notifications 503, so Meta delivers those again:
 * messages are deduplicated, but their statuses (no dedupe) are queued again. Only a
 * misconfigured Redis gets there. */
static const char enqueue_lua[] =
    "local ttl = ARGV[1]\n"
    "local cap = tonumber(ARGV[2])\n"
    "local notes = tonumber(ARGV[3])\n"
    "local out = {}\n"
    "local k, e = 1, 4 + notes\n"
    "for j = 1, notes do\n"
    "  local items = tonumber(ARGV[3 + j])\n"
    "  local full = nil\n"
    "  for i = 0, items - 1 do\n"
    "    if redis.call('XLEN', KEYS[k + 2 * i]) >= cap then\n"
    "      full = KEYS[k + 2 * i]\n"
    "      break\n"
    "    end\n"
    "  end\n"
    "  if full then\n"
    "    out[j] = redis.error_reply('QUEUEFULL ' .. full .. ' holds ' .. cap .. ' entries')\n"
    "  else\n"
    "    local queued = 0\n"
    "    for i = 0, items - 1 do\n"
    "      local seen = KEYS[k + 2 * i + 1]\n"
    "      if seen == '' or redis.call('SET', seen, '1', 'NX', 'EX', ttl) then\n"
    "        redis.call('XADD', KEYS[k + 2 * i], '*', 'e', ARGV[e + i])\n"
    "        queued = queued + 1\n"
    "      end\n"
    "    end\n"
    "    out[j] = queued\n"
    "  end\n"
    "  k = k + 2 * items\n"
    "  e = e + items\n"
    "end\n"
    "return out\n";

static const char renew_lua[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                "return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end";
static const char release_lua[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                  "return redis.call('DEL', KEYS[1]) else return 0 end";

int queue_shard_of(const char *wa_id)
{
    uint32_t h = 2166136261u; /* FNV-1a: stable across versions and machines */
    for (const unsigned char *p = (const unsigned char *)wa_id; *p; p++)
        h = (h ^ *p) * 16777619u;
    return (int)(h % QUEUE_SHARDS);
}

void queue_stream_name(int shard, char buf[32])
{
    snprintf(buf, 32, "sampark:in:%02d", shard);
}

/* Stream of a shard, or the status stream for shard -1. */
static void stream_of(int shard, char buf[32])
{
    if (shard < 0)
        snprintf(buf, 32, "%s", QUEUE_STATUS_STREAM);
    else
        queue_stream_name(shard, buf);
}

/* A field of our consumer group in an XINFO GROUPS reply, or NULL. */
static const redisReply *group_field(const redisReply *groups, const char *field)
{
    for (size_t g = 0; groups && groups->type == REDIS_REPLY_ARRAY && g < groups->elements; g++) {
        const redisReply *grp = groups->element[g], *name = NULL, *value = NULL;
        for (size_t i = 0; grp->type == REDIS_REPLY_ARRAY && i + 1 < grp->elements; i += 2) {
            if (grp->element[i]->type != REDIS_REPLY_STRING)
                continue;
            if (strcmp(grp->element[i]->str, "name") == 0)
                name = grp->element[i + 1];
            else if (strcmp(grp->element[i]->str, field) == 0)
                value = grp->element[i + 1];
        }
        if (name && name->type == REDIS_REPLY_STRING && strcmp(name->str, QUEUE_GROUP) == 0)
            return value;
    }
    return NULL;
}

static int reply_ok(const redisReply *r)
{
    return r && r->type != REDIS_REPLY_ERROR;
}

/* ==== producer =============================================================================== */

/* Bounds of one script call, which holds Redis for about 10 µs an item (a message or status),
 * nothing else running meanwhile: a call closes at BATCH_MAX notifications, or before a
 * notification that would take it past BATCH_ITEMS items or BATCH_BYTES bytes of entries and
 * keys; a notification past them alone goes in a call of its own (one notification's items
 * are all or nothing, so it cannot be split). A body within the 1 MiB limit may hold 37,000
 * statuses: 128 of them in one call held Redis for seconds, past the read timeout (every
 * ticket failed, although all was queued), and workers and /healthz waited behind it. */
#define BATCH_MAX   128
#define BATCH_ITEMS 1024
#define BATCH_BYTES (256 * 1024)
/* Buffers left above this after a turn that used under a quarter of them are given back. */
#define KEEP_BYTES (256 * 1024)

/* Strings back to back (they may hold NULs) and their lengths: the arguments of the open batch. */
struct args {
    char *bytes;
    size_t len, cap;
    size_t *lens;
    size_t n, ncap;
    size_t peak_len, peak_n; /* the most this turn's batches held */
};

/* Where the open batch stood: restored when a notification cannot join it. */
struct mark {
    size_t keys_len, keys_n, entries_len, entries_n, nnotes;
};

/* A ticket's answer: element pos of slot's reply (a batch), or the PING's (slot -1). */
struct ticket {
    int slot, pos;
};

struct queue_producer {
    const config *cfg;
    redisContext *ctx;
    char sha[48];
    char error[256];
    int64_t retry_at;
    struct ticket *tickets;
    size_t ntickets, cap;
    int pings;     /* tickets waiting on the turn's one PING */
    size_t nslots; /* script calls sent on ctx this turn (each answers one reply) */
    size_t lost;   /* slots that died with a dropped connection: their tickets fail */
    struct args keys, entries;
    size_t *items; /* items of each notification of the open batch */
    size_t nnotes, capnotes;
    int warned;
};

static int args_add(struct args *a, const char *s, size_t len)
{
    if (vec_reserve(a->bytes, a->cap, a->len + len + 1) < 0 ||
        vec_reserve(a->lens, a->ncap, a->n + 1) < 0)
        return -1;
    memcpy(a->bytes + a->len, s, len);
    a->len += len;
    a->lens[a->n++] = len;
    return 0;
}

/* Appends to the last argument. */
static int args_grow(struct args *a, const char *s, size_t len)
{
    if (vec_reserve(a->bytes, a->cap, a->len + len + 1) < 0)
        return -1;
    memcpy(a->bytes + a->len, s, len);
    a->len += len;
    a->lens[a->n - 1] += len;
    return 0;
}

static void args_free(struct args *a)
{
    free(a->bytes);
    free(a->lens);
}

/* Forgets the arguments, keeping the buffers (and the most they held for args_trim). */
static void args_clear(struct args *a)
{
    if (a->len > a->peak_len)
        a->peak_len = a->len;
    if (a->n > a->peak_n)
        a->peak_n = a->n;
    a->len = a->n = 0;
}

/* Frees *buf when it holds over KEEP_BYTES and the turn used under a quarter of it: one turn
 * of large bodies must not keep its peak for the life of the receiver. */
static void shrink(void *bufp, size_t *cap, size_t used, size_t size)
{
    void **buf = bufp;
    if (*cap * size > KEEP_BYTES && used < *cap / 4) {
        free(*buf);
        *buf = NULL;
        *cap = 0;
    }
}

/* At the end of a turn (the batch is empty). */
static void args_trim(struct args *a)
{
    shrink(&a->bytes, &a->cap, a->peak_len, 1);
    shrink(&a->lens, &a->ncap, a->peak_n, sizeof *a->lens);
    a->peak_len = a->peak_n = 0;
}

queue_producer *queue_producer_new(const config *c)
{
    queue_producer *q = calloc(1, sizeof *q);
    if (q)
        q->cfg = c;
    return q;
}

static void producer_drop(queue_producer *q, const char *why)
{
    if (q->ctx)
        redisFree(q->ctx);
    q->ctx = NULL;
    q->sha[0] = '\0';
    q->lost = q->nslots; /* never read a reply meant for them from another connection */
    q->retry_at =
        clock_mono_ms() + 250; /* answer 503 at once for a while rather than stall the loop */
    snprintf(q->error, sizeof q->error, "%s", why);
}

void queue_producer_free(queue_producer *q)
{
    if (!q)
        return;
    if (q->ctx)
        redisFree(q->ctx);
    free(q->tickets);
    args_free(&q->keys);
    args_free(&q->entries);
    free(q->items);
    free(q);
}

size_t queue_producer_held(const queue_producer *q)
{
    return q->keys.cap + q->keys.ncap * sizeof *q->keys.lens + q->entries.cap +
           q->entries.ncap * sizeof *q->entries.lens + q->cap * sizeof *q->tickets +
           q->capnotes * sizeof *q->items;
}

const char *queue_producer_error(const queue_producer *q)
{
    return q->error[0] ? q->error : "ok";
}

static int producer_ready(queue_producer *q)
{
    err e = {0};
    redisReply *r;
    if (q->ctx)
        return 0;
    if (clock_mono_ms() < q->retry_at)
        return -1;
    if (!(q->ctx = rds_connect(q->cfg, 500, &e))) {
        producer_drop(q, e.msg);
        return -1;
    }
    r = redisCommand(q->ctx, "SCRIPT LOAD %s", enqueue_lua);
    if (!reply_ok(r) || r->type != REDIS_REPLY_STRING || r->len >= (int)sizeof q->sha) {
        snprintf(e.msg, sizeof e.msg, "Redis: SCRIPT LOAD failed: %s", r ? r->str : q->ctx->errstr);
        freeReplyObject(r);
        producer_drop(q, e.msg);
        return -1;
    }
    memcpy(q->sha, r->str, (size_t)r->len + 1);
    freeReplyObject(r);
    q->error[0] = '\0';
    /* A 200 is as durable as Redis's persistence: say so once if it has none. */
    r = redisCommand(q->ctx, "CONFIG GET appendonly");
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[1]->type == REDIS_REPLY_STRING && strcmp(r->element[1]->str, "no") == 0 &&
        !q->warned) {
        log_warn(NULL, "warning: Redis runs without appendonly: queued messages answered 200 may "
                       "be lost if Redis crashes; set appendonly yes");
        q->warned = 1;
    }
    freeReplyObject(r);
    return 0;
}

static int add_ticket(queue_producer *q, int slot, int pos)
{
    if (vec_reserve(q->tickets, q->cap, q->ntickets + 1) < 0)
        return -1;
    q->tickets[q->ntickets] = (struct ticket){slot, pos};
    return (int)q->ntickets++;
}

int queue_producer_append_ping(queue_producer *q)
{
    int ticket;
    if (producer_ready(q) < 0 || (ticket = add_ticket(q, -1, 0)) < 0)
        return -1;
    q->pings++;
    return ticket;
}

/* The next argument of a command being built. */
static void put(const char **argv, size_t *lens, size_t *i, const char *s, size_t len)
{
    argv[*i] = s;
    lens[(*i)++] = len;
}

/* Every string of a, in order. */
static void put_all(const char **argv, size_t *lens, size_t *i, const struct args *a)
{
    const char *p = a->bytes;
    for (size_t k = 0; k < a->n; p += a->lens[k++])
        put(argv, lens, i, p, a->lens[k]);
}

/* Sends the open batch as one script call (a slot): "EVALSHA sha numkeys KEYS... ttl cap notes
 * items... entries...". On failure the connection is dropped and the slot's tickets fail. */
static void batch_send(queue_producer *q)
{
    size_t argc = 6 + q->keys.n + q->nnotes + q->entries.n, i = 0;
    const char **argv = malloc(argc * sizeof *argv);
    size_t *lens = malloc(argc * sizeof *lens);
    char numkeys[24], ttl[16], maxlen[16], notes[24], *counts = malloc(q->nnotes * 24 + 1), *cp;
    if (!q->ctx)
        goto out; /* dropped since the batch began */
    if (!argv || !lens || !counts) {
        producer_drop(q, "Redis: out of memory for the enqueue");
        goto out;
    }
    put(argv, lens, &i, "EVALSHA", 7);
    put(argv, lens, &i, q->sha, strlen(q->sha));
    put(argv, lens, &i, numkeys, (size_t)snprintf(numkeys, sizeof numkeys, "%zu", q->keys.n));
    put_all(argv, lens, &i, &q->keys);
    put(argv, lens, &i, ttl, (size_t)snprintf(ttl, sizeof ttl, "%d", QUEUE_DEDUPE_TTL_S));
    put(argv, lens, &i, maxlen, (size_t)snprintf(maxlen, sizeof maxlen, "%d", q->cfg->queue_max));
    put(argv, lens, &i, notes, (size_t)snprintf(notes, sizeof notes, "%zu", q->nnotes));
    cp = counts;
    for (size_t k = 0; k < q->nnotes; k++) {
        size_t len = (size_t)snprintf(cp, 24, "%zu", q->items[k]);
        put(argv, lens, &i, cp, len);
        cp += len;
    }
    put_all(argv, lens, &i, &q->entries);
    if (redisAppendCommandArgv(q->ctx, (int)argc, argv, lens) != REDIS_OK)
        producer_drop(q, "Redis: cannot buffer the enqueue");
out:
    q->nslots++; /* answered by a reply, or failed with its connection */
    if (!q->ctx)
        q->lost = q->nslots; /* never read another call's reply for it on a new connection */
    args_clear(&q->keys);
    args_clear(&q->entries);
    q->nnotes = 0;
    free(argv);
    free(lens);
    free(counts);
}

/* The notification's keys and packed entries ("name\0value\0...") into the open batch. */
static int batch_add(queue_producer *q, const wa_notification *n, size_t items)
{
    for (size_t i = 0; i < items; i++) {
        const char *names[WA_IN_MAX_FIELDS], *values[WA_IN_MAX_FIELDS];
        char nums[128], key[320];
        int len;
        size_t nf = i < n->nmessages
                        ? wa_in_message_fields(&n->messages[i], names, values, nums, sizeof nums)
                        : wa_in_status_fields(&n->statuses[i - n->nmessages], names, values, nums,
                                              sizeof nums);
        stream_of(i < n->nmessages ? queue_shard_of(n->messages[i].from) : -1, key);
        if (args_add(&q->keys, key, strlen(key)) < 0)
            return -1;
        len = i < n->nmessages ? snprintf(key, sizeof key, SEEN_PREFIX "%s", n->messages[i].id) : 0;
        if (len < 0 || (size_t)len >= sizeof key || args_add(&q->keys, key, (size_t)len) < 0 ||
            args_add(&q->entries, "", 0) < 0)
            return -1;
        for (size_t f = 0; f < nf; f++)
            if (args_grow(&q->entries, names[f], strlen(names[f]) + 1) < 0 ||
                args_grow(&q->entries, values[f], strlen(values[f]) + 1) < 0)
                return -1;
    }
    if (vec_reserve(q->items, q->capnotes, q->nnotes + 1) < 0)
        return -1;
    q->items[q->nnotes++] = items;
    return 0;
}

static struct mark batch_mark(const queue_producer *q)
{
    return (struct mark){q->keys.len, q->keys.n, q->entries.len, q->entries.n, q->nnotes};
}

/* The open batch as it was at m (what a failed or moved batch_add wrote is dropped). */
static void batch_restore(queue_producer *q, const struct mark *m)
{
    q->keys.len = m->keys_len;
    q->keys.n = m->keys_n;
    q->entries.len = m->entries_len;
    q->entries.n = m->entries_n;
    q->nnotes = m->nnotes;
}

/* Sends the open batch (its tickets are answered at the flush) and gets ready for the next. */
static int batch_close(queue_producer *q)
{
    batch_send(q);
    return producer_ready(q);
}

/* Adds the notification to the open batch, or to a new one when the open one would pass a bound
 * with it (see BATCH_MAX); *m: the batch before it. Its bytes are known once it is added: past
 * BATCH_BYTES it is taken out again, the batch sent, and it starts the next one. */
static int batch_join(queue_producer *q, const wa_notification *n, size_t items, struct mark *m)
{
    if (q->nnotes && (q->nnotes == BATCH_MAX || q->entries.n + items > BATCH_ITEMS) &&
        batch_close(q) < 0)
        return -1;
    *m = batch_mark(q);
    if (batch_add(q, n, items) < 0)
        goto oom;
    if (m->nnotes == 0 || q->keys.len + q->entries.len <= BATCH_BYTES)
        return 0;
    batch_restore(q, m);
    if (batch_close(q) < 0)
        return -1;
    *m = batch_mark(q);
    if (batch_add(q, n, items) == 0)
        return 0;
oom: /* out of memory (wa_in keeps ids to 256 bytes, which fit key): the batch without it */
    batch_restore(q, m);
    return -1;
}

int queue_producer_append(queue_producer *q, const wa_notification *n)
{
    enum { MAXITEMS = 100000 }; /* far above what fits in the 1 MiB body limit */
    size_t items = n->nmessages + n->nstatuses;
    struct mark before;
    int ticket;
    if (items == 0 || items > MAXITEMS || producer_ready(q) < 0 ||
        batch_join(q, n, items, &before) < 0)
        return -1;
    if ((ticket = add_ticket(q, (int)q->nslots, (int)before.nnotes)) < 0)
        batch_restore(q, &before); /* out of memory: the batch without it */
    return ticket;
}

size_t queue_producer_pending(const queue_producer *q)
{
    return q->ntickets;
}

int queue_reply_answer(const redisReply *r, int pos, const char **why)
{
    *why = NULL;
    if (r && r->type == REDIS_REPLY_ERROR) { /* the whole call: even what it wrote before */
        *why = r->str;
        return -1;
    }
    if (pos < 0)
        return r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "PONG") == 0 ? 0 : -1;
    if (!r || r->type != REDIS_REPLY_ARRAY || (size_t)pos >= r->elements)
        return -1;
    r = r->element[pos];
    if (r->type == REDIS_REPLY_ERROR)
        *why = r->str;
    return r->type == REDIS_REPLY_INTEGER && r->integer >= 0 && r->integer <= INT_MAX
               ? (int)r->integer
               : -1;
}

/* A ticket's result from its slot's reply (NULL: lost). */
static int ticket_result(queue_producer *q, const struct ticket *t, redisReply *const *replies,
                         const redisReply *pong)
{
    const char *why;
    int res =
        queue_reply_answer(t->slot < 0 ? pong : replies[t->slot], t->slot < 0 ? -1 : t->pos, &why);
    if (why)
        snprintf(q->error, sizeof q->error, "Redis: %s", why);
    return res;
}

/* The next reply on the connection, or NULL after dropping it. */
static redisReply *next_reply(queue_producer *q)
{
    redisReply *r = NULL;
    char why[200];
    if (redisGetReply(q->ctx, (void **)&r) == REDIS_OK) {
        if (r && r->type == REDIS_REPLY_ERROR && strncmp(r->str, "NOSCRIPT", 8) == 0)
            producer_drop(q, "Redis: the enqueue script vanished (SCRIPT FLUSH?); reloading");
        return r;
    }
    snprintf(why, sizeof why, "Redis: %s", q->ctx->errstr[0] ? q->ctx->errstr : "connection lost");
    producer_drop(q, why);
    return NULL;
}

size_t queue_producer_flush(queue_producer *q, int *results, size_t max)
{
    size_t n = q->ntickets, nslots;
    redisReply **replies, *pong = NULL;
    if (q->nnotes)
        batch_send(q);
    if (q->pings && q->ctx && redisAppendCommand(q->ctx, "PING") != REDIS_OK)
        producer_drop(q, "Redis: cannot buffer PING");
    nslots = q->nslots;
    if (!(replies = calloc(nslots + 1, sizeof *replies)) && q->ctx)
        producer_drop(q, "Redis: out of memory for the enqueue's replies"); /* left unread */
    for (size_t s = 0; replies && s < nslots; s++)
        if (s >= q->lost && q->ctx)
            replies[s] = next_reply(q);
    if (replies && q->pings && q->ctx)
        pong = next_reply(q);
    for (size_t i = 0; i < n && i < max; i++)
        results[i] = replies ? ticket_result(q, &q->tickets[i], replies, pong) : -1;
    for (size_t s = 0; replies && s < nslots; s++)
        freeReplyObject(replies[s]);
    free(replies);
    freeReplyObject(pong);
    args_trim(&q->keys);
    args_trim(&q->entries);
    shrink(&q->tickets, &q->cap, n, sizeof *q->tickets);
    q->ntickets = q->nslots = q->lost = 0;
    q->pings = 0;
    return n;
}

/* ==== consumer =============================================================================== */

struct queue_consumer {
    const config *cfg;
    redisContext *ctx;
    char name[128];
    int owned[QUEUE_SHARDS];
    int pending[QUEUE_SHARDS];         /* read this consumer's pending entries before new ones */
    int needs_claim[QUEUE_SHARDS];     /* just leased: take the previous owner's entries first */
    int64_t valid_until[QUEUE_SHARDS]; /* monotonic: the lease surely holds until then */
    int status_pending;
    int64_t next_lease, next_trim, next_status_claim, next_shard_claim;
    int registered;   /* announced in WORKERS_KEY once: shards are taken from the next round on */
    int short_rounds; /* quick rounds spent short of a fair share */
};

static redisReply *cmd(queue_consumer *q, err *e, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    if (!q->ctx && !(q->ctx = rds_connect(q->cfg, 2000, e)))
        return NULL;
    va_start(ap, fmt);
    r = redisvCommand(q->ctx, fmt, ap);
    va_end(ap);
    if (!r) {
        err_set(e, ERR_ENV, "Redis: %s", q->ctx->errstr[0] ? q->ctx->errstr : "connection lost");
        redisFree(q->ctx);
        q->ctx = NULL;
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: %s", r->str);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

static int create_groups(queue_consumer *q, err *e)
{
    for (int s = -1; s < QUEUE_SHARDS; s++) {
        char stream[32];
        redisReply *r;
        stream_of(s, stream);
        if (!q->ctx && !(q->ctx = rds_connect(q->cfg, 2000, e)))
            return -1;
        r = redisCommand(q->ctx, "XGROUP CREATE %s %s 0 MKSTREAM", stream, QUEUE_GROUP);
        if (!r) {
            err_set(e, ERR_ENV, "Redis: %s", q->ctx->errstr);
            redisFree(q->ctx);
            q->ctx = NULL;
            return -1;
        }
        if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9) != 0) {
            err_set(e, ERR_ENV, "Redis: XGROUP CREATE %s: %s", stream, r->str);
            freeReplyObject(r);
            return -1;
        }
        freeReplyObject(r);
    }
    return 0;
}

queue_consumer *queue_consumer_new(const config *c, const char *name, err *e)
{
    queue_consumer *q = calloc(1, sizeof *q);
    if (!q) {
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    q->cfg = c;
    snprintf(q->name, sizeof q->name, "%s", name);
    q->status_pending = 1;
    /* Redis may be down at start: the groups are created on the first read that reaches it. */
    if (create_groups(q, e) < 0)
        log_warn(NULL, "%s (will retry)", e->msg);
    return q;
}

void queue_consumer_free(queue_consumer *q)
{
    if (!q)
        return;
    if (q->ctx)
        redisFree(q->ctx);
    free(q);
}

int queue_consumer_owned(const queue_consumer *q)
{
    int n = 0;
    for (int s = 0; s < QUEUE_SHARDS; s++)
        n += q->owned[s];
    return n;
}

static void lease_key(int shard, char buf[48])
{
    snprintf(buf, 48, LEASE_PREFIX "%02d", shard);
}

/* Takes over the entries other consumers left pending on a stream. */
static int claim_all(queue_consumer *q, const char *stream, long long min_idle, int *claimed,
                     err *e)
{
    char cursor[64] = "0-0", idle[24];
    snprintf(idle, sizeof idle, "%lld", min_idle);
    for (int rounds = 0; rounds < 1000; rounds++) {
        redisReply *r = cmd(q, e, "XAUTOCLAIM %s %s %s %s %s COUNT 500 JUSTID", stream, QUEUE_GROUP,
                            q->name, idle, cursor);
        if (!r)
            return -1;
        if (r->type != REDIS_REPLY_ARRAY || r->elements < 2 ||
            r->element[0]->type != REDIS_REPLY_STRING) {
            freeReplyObject(r);
            return err_set(e, ERR_ENV, "Redis: unexpected XAUTOCLAIM reply");
        }
        if (r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements > 0)
            *claimed += (int)r->element[1]->elements;
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        freeReplyObject(r);
        if (strcmp(cursor, "0-0") == 0)
            return 0;
    }
    return 0;
}

/* Announces this worker in WORKERS_KEY and drops those that stopped announcing. Returns how
 * many workers are live (at least 1), or -1. */
static int announce_worker(queue_consumer *q, int lease, err *e)
{
    int64_t now = clock_now_ms();
    char cutoff[24], score[24];
    redisReply *r;
    int live;
    snprintf(score, sizeof score, "%lld", (long long)now);
    /* A worker that has not renewed for a lease (plus a second of clock slack between
     * hosts) no longer counts towards the fair share. */
    snprintf(cutoff, sizeof cutoff, "%lld", (long long)(now - lease - 1000));
    if (!(r = cmd(q, e, "ZADD %s %s %s", WORKERS_KEY, score, q->name)))
        return -1;
    freeReplyObject(r);
    if (!(r = cmd(q, e, "ZREMRANGEBYSCORE %s -inf %s", WORKERS_KEY, cutoff)))
        return -1;
    freeReplyObject(r);
    if (!(r = cmd(q, e, "ZCARD %s", WORKERS_KEY)))
        return -1;
    live = r->type == REDIS_REPLY_INTEGER && r->integer > 0 ? (int)r->integer : 1;
    freeReplyObject(r);
    return live;
}

static int renew_leases(queue_consumer *q, int lease, const char *ms, err *e)
{
    for (int s = 0; s < QUEUE_SHARDS; s++) {
        char key[48];
        int64_t sent = clock_mono_ms();
        redisReply *r;
        if (!q->owned[s])
            continue;
        lease_key(s, key);
        if (!(r = cmd(q, e, "EVAL %s 1 %s %s %s", renew_lua, key, q->name, ms)))
            return -1;
        if (r->type == REDIS_REPLY_INTEGER && r->integer == 1)
            q->valid_until[s] = sent + lease - lease / 4;
        else
            q->owned[s] = 0; /* someone else has it now: it expired while we were away */
        freeReplyObject(r);
    }
    return 0;
}

/* Gives up shards beyond share, the highest first; *owned counts what is left. */
static int release_extra(queue_consumer *q, int share, int *owned, err *e)
{
    for (int s = QUEUE_SHARDS - 1; s >= 0 && *owned > share; s--) {
        char key[48];
        redisReply *r;
        if (!q->owned[s])
            continue;
        lease_key(s, key);
        if (!(r = cmd(q, e, "EVAL %s 1 %s %s", release_lua, key, q->name)))
            return -1;
        freeReplyObject(r);
        q->owned[s] = 0;
        (*owned)--;
    }
    return 0;
}

/* Takes free shards up to share, the lowest first; a shard taken is claimed before it is read. */
static int acquire_free(queue_consumer *q, int share, int *owned, int lease, const char *ms, err *e)
{
    for (int s = 0; s < QUEUE_SHARDS && *owned < share; s++) {
        char key[48];
        int got;
        int64_t sent = clock_mono_ms();
        redisReply *r;
        if (q->owned[s])
            continue;
        lease_key(s, key);
        if (!(r = cmd(q, e, "SET %s %s NX PX %s", key, q->name, ms)))
            return -1;
        got = r->type == REDIS_REPLY_STATUS;
        freeReplyObject(r);
        if (!got)
            continue;
        q->owned[s] = 1;
        q->valid_until[s] = sent + lease - lease / 4;
        q->needs_claim[s] = q->pending[s] = 1;
        (*owned)++;
    }
    return 0;
}

/* One round of leases, every quarter lease: announce, renew, then (unless renew_only) move
 * towards a fair share. -1 on error, 1 when maintain_leases should stop here (the first
 * round only announces; a renew_only round only renews), 0 to go on to the claims. */
static int lease_round(queue_consumer *q, int64_t mono, int renew_only, err *e)
{
    int lease = q->cfg->reclaim_idle_ms, live, share, owned;
    char ms[24];
    q->next_lease = mono + lease / 4;
    snprintf(ms, sizeof ms, "%d", lease);
    if ((live = announce_worker(q, lease, e)) < 0)
        return -1;
    if (!q->registered) {
        /* Workers started together (a restart, a new deployment) first see each other,
         * then take their shares, instead of the first taking all sixteen and giving
         * half away a quarter lease later, in the middle of the traffic. */
        q->registered = 1;
        q->next_lease = mono + 300;
        return 1;
    }
    share = (QUEUE_SHARDS + live - 1) / live;
    if (renew_leases(q, lease, ms, e) < 0)
        return -1;
    owned = queue_consumer_owned(q);
    if (renew_only) {
        q->next_lease = mono + 250; /* the rebalancing waits for the next read */
        return 1;
    }
    if (release_extra(q, share, &owned, e) < 0 || acquire_free(q, share, &owned, lease, ms, e) < 0)
        return -1;
    /* Short of a fair share: the shards another worker gives up (it rebalances on its own
     * timer, within a quarter lease) are unread until someone takes them — ask again in a
     * quarter second rather than a quarter lease (bench/run saw a 5-second stall), for ten
     * seconds at most: with 3 workers on 16 shards one stays short for good. */
    if (owned < share && q->short_rounds < 40)
        q->next_lease = mono + 250, q->short_rounds++;
    else if (owned >= share)
        q->short_rounds = 0;
    return 0;
}

/* renew_only: in the middle of a batch (queue_consumer_holds) leases are renewed, never given
 * up or taken, so a shard cannot move while its entries are being handled. */
static int maintain_leases(queue_consumer *q, int renew_only, err *e)
{
    int64_t mono = clock_mono_ms();
    int lease = q->cfg->reclaim_idle_ms, rc = 0;
    if (mono >= q->next_lease && (rc = lease_round(q, mono, renew_only, e)) != 0)
        return rc < 0 ? -1 : 0;
    /* The previous owner stopped renewing: whatever it left pending is ours, and comes
     * first. Until that claim succeeds the shard is not read at all. */
    for (int s = 0; s < QUEUE_SHARDS; s++) {
        char stream[32];
        int claimed = 0;
        if (!q->owned[s] || !q->needs_claim[s])
            continue;
        queue_stream_name(s, stream);
        if (claim_all(q, stream, 0, &claimed, e) < 0)
            return -1;
        q->needs_claim[s] = 0;
    }
    /* Entries left pending with some other consumer after a lease moved (an overlap, a lost
     * reply) are taken over once they have been idle a whole lease. */
    if (mono >= q->next_shard_claim) {
        q->next_shard_claim = mono + lease / 2;
        for (int s = 0; s < QUEUE_SHARDS; s++) {
            char stream[32];
            int claimed = 0;
            if (!q->owned[s])
                continue;
            queue_stream_name(s, stream);
            if (claim_all(q, stream, lease, &claimed, e) < 0)
                return -1;
            if (claimed)
                q->pending[s] = 1;
        }
    }
    return 0;
}

int queue_consumer_holds(queue_consumer *q, int shard)
{
    err e = {0};
    if (shard < 0 || shard >= QUEUE_SHARDS)
        return 1;
    if (q->owned[shard] && clock_mono_ms() >= q->valid_until[shard] - q->cfg->reclaim_idle_ms / 4)
        maintain_leases(q, 1, &e); /* renew early rather than risk the deadline mid-batch */
    return q->owned[shard] && clock_mono_ms() < q->valid_until[shard];
}

static int maintain_statuses(queue_consumer *q, err *e)
{
    int64_t now = clock_mono_ms();
    int claimed = 0;
    if (now < q->next_status_claim)
        return 0;
    q->next_status_claim = now + q->cfg->reclaim_idle_ms / 2 + 1;
    if (claim_all(q, QUEUE_STATUS_STREAM, q->cfg->reclaim_idle_ms, &claimed, e) < 0)
        return -1;
    if (claimed)
        q->status_pending = 1;
    return 0;
}

/* Drops entries every consumer has acknowledged, so streams do not grow without bound.
 * The group's last-delivered id is read before the pending list: anything delivered in
 * between has a larger id than that and is kept, whatever the pending list said. */
static void trim(queue_consumer *q, const char *stream)
{
    err e = {0};
    char minid[64] = "";
    redisReply *r = cmd(q, &e, "XINFO GROUPS %s", stream);
    if (!r)
        return;
    {
        const redisReply *last = group_field(r, "last-delivered-id");
        if (last && last->type == REDIS_REPLY_STRING)
            snprintf(minid, sizeof minid, "%s", last->str);
    }
    freeReplyObject(r);
    if (!minid[0] || strcmp(minid, "0-0") == 0 ||
        !(r = cmd(q, &e, "XPENDING %s %s", stream, QUEUE_GROUP)))
        return;
    if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER && r->element[0]->integer > 0 &&
        r->element[1]->type == REDIS_REPLY_STRING)
        snprintf(minid, sizeof minid, "%s", r->element[1]->str); /* the oldest pending is older */
    freeReplyObject(r);
    if ((r = cmd(q, &e, "XTRIM %s MINID %s", stream, minid)))
        freeReplyObject(r);
}

static void maintain_trim(queue_consumer *q)
{
    int64_t now = clock_mono_ms();
    if (now < q->next_trim)
        return;
    q->next_trim = now + 10000;
    for (int s = 0; s < QUEUE_SHARDS; s++)
        if (q->owned[s]) {
            char stream[32];
            queue_stream_name(s, stream);
            trim(q, stream);
        }
    trim(q, QUEUE_STATUS_STREAM);
}

struct batch_priv {
    redisReply *reply;
    const char **arrays;
};

static int shard_of_stream(const char *name)
{
    if (strcmp(name, QUEUE_STATUS_STREAM) == 0)
        return -1;
    if (strncmp(name, "sampark:in:", 11) == 0)
        return atoi(name + 11);
    return -2;
}

/* A read whose reply we did not get may still have delivered entries to us: read our
 * pending lists first next time, or newer messages would overtake them. */
static void read_lost(queue_consumer *q)
{
    for (int s = 0; s < QUEUE_SHARDS; s++)
        if (q->owned[s])
            q->pending[s] = 1;
    q->status_pending = 1;
}

/* One XREADGROUP: every owned shard whose previous owner's entries are claimed, and the status
 * stream, each from 0 (this consumer's pending entries, read first) or from > (new ones). */
struct read_cmd {
    const char *argv[16 + 2 * (QUEUE_SHARDS + 1)];
    size_t lens[16 + 2 * (QUEUE_SHARDS + 1)], argc, nstreams;
    char streams[QUEUE_SHARDS + 1][32], countbuf[24], blockbuf[24];
};

static void build_read(const queue_consumer *q, struct read_cmd *c, size_t count, int block_ms)
{
    int history = 0;
    c->argc = c->nstreams = 0;
    snprintf(c->countbuf, sizeof c->countbuf, "%zu", count);
    snprintf(c->blockbuf, sizeof c->blockbuf, "%d", block_ms);
    c->argv[c->argc++] = "XREADGROUP";
    c->argv[c->argc++] = "GROUP";
    c->argv[c->argc++] = QUEUE_GROUP;
    c->argv[c->argc++] = q->name;
    c->argv[c->argc++] = "COUNT";
    c->argv[c->argc++] = c->countbuf;
    c->argv[c->argc++] = "BLOCK";
    c->argv[c->argc++] = c->blockbuf;
    c->argv[c->argc++] = "STREAMS";
    for (int s = 0; s < QUEUE_SHARDS; s++)
        if (q->owned[s] && !q->needs_claim[s])
            queue_stream_name(s, c->streams[c->nstreams++]);
    snprintf(c->streams[c->nstreams++], 32, "%s", QUEUE_STATUS_STREAM);
    for (size_t i = 0; i < c->nstreams; i++)
        c->argv[c->argc++] = c->streams[i];
    for (size_t i = 0; i < c->nstreams; i++) {
        int s = shard_of_stream(c->streams[i]);
        int hist = s >= 0 ? q->pending[s] : q->status_pending;
        c->argv[c->argc++] = hist ? "0" : ">";
        history |= hist;
    }
    for (size_t i = 0; i < c->argc; i++)
        c->lens[i] = strlen(c->argv[i]);
    if (history) /* history reads answer at once; BLOCK would only delay the new ones */
        c->argv[7] = "1", c->lens[7] = 1;
}

/* Sends the read with a timeout past its BLOCK. The reply (an array, or nil when nothing came),
 * or NULL with e set; a read whose reply was lost marks the pending lists for the next one. */
static redisReply *send_read(queue_consumer *q, struct read_cmd *c, int block_ms, err *e)
{
    redisReply *r;
    if (!q->ctx && !(q->ctx = rds_connect(q->cfg, 2000, e)))
        return NULL;
    {
        struct timeval tv = {(block_ms + 2000) / 1000, ((block_ms + 2000) % 1000) * 1000};
        redisSetTimeout(q->ctx, tv);
    }
    r = redisCommandArgv(q->ctx, (int)c->argc, c->argv, c->lens);
    {
        struct timeval tv = {2, 0};
        if (q->ctx)
            redisSetTimeout(q->ctx, tv);
    }
    if (!r) {
        err_set(e, ERR_ENV, "Redis: %s", q->ctx->errstr[0] ? q->ctx->errstr : "connection lost");
        redisFree(q->ctx);
        q->ctx = NULL;
        read_lost(q);
        return NULL;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        read_lost(q);
        err_set(e, ERR_ENV, "Redis: XREADGROUP: %s", r->str);
        /* NOGROUP: the streams were deleted under us (FLUSHALL); recreate next time. */
        if (strncmp(r->str, "NOGROUP", 7) == 0) {
            redisFree(q->ctx);
            q->ctx = NULL;
        }
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

/* History reads that came back empty: this consumer has nothing pending there any more. */
static void note_empty_history(queue_consumer *q, const struct read_cmd *c, const redisReply *r)
{
    for (size_t i = 0; i < c->nstreams; i++) {
        int s = shard_of_stream(c->streams[i]), seen = 0;
        for (size_t k = 0; r->type == REDIS_REPLY_ARRAY && k < r->elements; k++) {
            redisReply *sr = r->element[k];
            if (sr->type == REDIS_REPLY_ARRAY && sr->elements == 2 &&
                sr->element[0]->type == REDIS_REPLY_STRING &&
                strcmp(sr->element[0]->str, c->streams[i]) == 0 &&
                sr->element[1]->type == REDIS_REPLY_ARRAY && sr->element[1]->elements > 0)
                seen = 1;
        }
        if (!seen) {
            if (s >= 0)
                q->pending[s] = 0;
            else
                q->status_pending = 0;
        }
    }
}

/* A deleted entry still pending comes back with nil fields: nfields 0. The one field "e"
 * holds the packed pairs, each NUL-terminated already. */
static void unpack_fields(queue_entry *qe, const redisReply *fv)
{
    if (fv->type == REDIS_REPLY_ARRAY && fv->elements == 2 &&
        fv->element[1]->type == REDIS_REPLY_STRING) {
        const char *cur = fv->element[1]->str, *endp = cur + fv->element[1]->len;
        while (cur < endp && qe->nfields < 64) {
            const char *name = cur, *value = memchr(cur, '\0', (size_t)(endp - cur));
            if (!value || ++value >= endp)
                break;
            cur = memchr(value, '\0', (size_t)(endp - value));
            if (!cur)
                break;
            cur++;
            qe->names[qe->nfields] = name;
            qe->values[qe->nfields++] = value;
        }
    }
}

/* Makes the batch from an XREADGROUP array reply, which it then owns (its strings are the
 * entries' ids, names and values). 0, or -1 with e set and r freed. */
static int fill_batch(queue_consumer *q, queue_batch *b, redisReply *r, err *e)
{
    size_t total = 0;
    struct batch_priv *p;
    for (size_t k = 0; k < r->elements; k++)
        if (r->element[k]->type == REDIS_REPLY_ARRAY && r->element[k]->elements == 2 &&
            r->element[k]->element[1]->type == REDIS_REPLY_ARRAY)
            total += r->element[k]->element[1]->elements;
    p = calloc(1, sizeof *p);
    b->entries = calloc(total ? total : 1, sizeof *b->entries);
    if (p)
        p->arrays = calloc(total ? total : 1, sizeof(const char *) * 2 * 64);
    if (!p || !b->entries || !p->arrays) {
        read_lost(q);
        if (p)
            free(p->arrays);
        free(p);
        free(b->entries);
        b->entries = NULL;
        freeReplyObject(r);
        return err_set(e, ERR_ENV, "out of memory");
    }
    p->reply = r;
    b->priv_ = p;
    for (size_t k = 0; k < r->elements; k++) {
        redisReply *sr = r->element[k], *ents;
        int s;
        if (sr->type != REDIS_REPLY_ARRAY || sr->elements != 2 ||
            sr->element[0]->type != REDIS_REPLY_STRING || sr->element[1]->type != REDIS_REPLY_ARRAY)
            continue;
        s = shard_of_stream(sr->element[0]->str);
        ents = sr->element[1];
        for (size_t j = 0; j < ents->elements; j++) {
            redisReply *en = ents->element[j];
            queue_entry *qe = &b->entries[b->n];
            if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
                en->element[0]->type != REDIS_REPLY_STRING)
                continue;
            qe->shard = s;
            qe->id = en->element[0]->str;
            qe->names = p->arrays + b->n * 128;
            qe->values = qe->names + 64;
            unpack_fields(qe, en->element[1]);
            b->n++;
        }
    }
    return 0;
}

int queue_consumer_read(queue_consumer *q, queue_batch *b, size_t count, int block_ms, err *e)
{
    struct read_cmd c;
    redisReply *r;
    memset(b, 0, sizeof *b);
    if (!q->ctx && create_groups(q, e) < 0)
        return -1;
    if (maintain_leases(q, 0, e) < 0 || maintain_statuses(q, e) < 0)
        return -1;
    maintain_trim(q);
    /* Never block past a quarter lease: renewals happen between reads. */
    if (block_ms > q->cfg->reclaim_idle_ms / 4)
        block_ms = q->cfg->reclaim_idle_ms / 4;
    build_read(q, &c, count, block_ms);
    if (!(r = send_read(q, &c, block_ms, e)))
        return -1;
    note_empty_history(q, &c, r);
    if (r->type != REDIS_REPLY_ARRAY) { /* nil: nothing new within block_ms */
        freeReplyObject(r);
        return 0;
    }
    return fill_batch(q, b, r, e);
}

void queue_batch_free(queue_batch *b)
{
    struct batch_priv *p = b ? b->priv_ : NULL;
    if (p) {
        freeReplyObject(p->reply);
        free(p->arrays);
        free(p);
    }
    if (b) {
        free(b->entries);
        memset(b, 0, sizeof *b);
    }
}

static void entry_stream(const queue_entry *ent, char buf[32])
{
    stream_of(ent->shard, buf);
}

int queue_consumer_ack(queue_consumer *q, const queue_entry *ent, err *e)
{
    char stream[32];
    redisReply *r;
    entry_stream(ent, stream);
    if (!(r = cmd(q, e, "XACK %s %s %s", stream, QUEUE_GROUP, ent->id)))
        return -1;
    freeReplyObject(r);
    return 0;
}

int queue_consumer_ack_many(queue_consumer *q, const queue_entry *const *ents, size_t n, err *e)
{
    /* One XACK per stream for the whole batch: a round trip per batch, not per message. */
    for (int s = -1; s < QUEUE_SHARDS; s++) {
        const char **argv = malloc((n + 3) * sizeof *argv);
        size_t *lens = malloc((n + 3) * sizeof *lens), argc = 3;
        char stream[32];
        redisReply *r;
        if (!argv || !lens) {
            free(argv);
            free(lens);
            return err_set(e, ERR_ENV, "out of memory");
        }
        stream_of(s, stream);
        argv[0] = "XACK";
        argv[1] = stream;
        argv[2] = QUEUE_GROUP;
        for (size_t i = 0; i < n; i++)
            if (ents[i]->shard == s)
                argv[argc++] = ents[i]->id;
        if (argc > 3) {
            for (size_t i = 0; i < argc; i++)
                lens[i] = strlen(argv[i]);
            if (!q->ctx && !(q->ctx = rds_connect(q->cfg, 2000, e))) {
                free(argv);
                free(lens);
                return -1;
            }
            r = redisCommandArgv(q->ctx, (int)argc, argv, lens);
            if (!reply_ok(r)) {
                err_set(e, ERR_ENV, "Redis: XACK: %s", r ? r->str : q->ctx->errstr);
                freeReplyObject(r);
                if (!r) {
                    redisFree(q->ctx);
                    q->ctx = NULL;
                }
                free(argv);
                free(lens);
                return -1;
            }
            freeReplyObject(r);
        }
        free(argv);
        free(lens);
    }
    return 0;
}

void queue_consumer_retry_shard(queue_consumer *q, int shard)
{
    if (shard >= 0 && shard < QUEUE_SHARDS)
        q->pending[shard] = 1;
    else
        q->status_pending = 1;
}

int queue_consumer_dead(queue_consumer *q, const queue_entry *ent, const char *why, err *e)
{
    const char *argv[12 + 2 * 64];
    size_t lens[sizeof argv / sizeof argv[0]], argc = 0;
    char stream[32];
    redisReply *r;
    entry_stream(ent, stream);
    argv[argc++] = "XADD";
    argv[argc++] = QUEUE_DEAD_STREAM;
    argv[argc++] = "MAXLEN";
    argv[argc++] = "~";
    argv[argc++] = "100000"; /* the dead letters kept for an operator to read */
    argv[argc++] = "*";
    argv[argc++] = "stream";
    argv[argc++] = stream;
    argv[argc++] = "why";
    argv[argc++] = why;
    for (size_t f = 0; f < ent->nfields && f < 60; f++) {
        argv[argc++] = ent->names[f];
        argv[argc++] = ent->values[f];
    }
    for (size_t i = 0; i < argc; i++)
        lens[i] = strlen(argv[i]);
    if (!q->ctx && !(q->ctx = rds_connect(q->cfg, 2000, e)))
        return -1;
    r = redisCommandArgv(q->ctx, (int)argc, argv, lens);
    if (!reply_ok(r)) {
        err_set(e, ERR_ENV, "Redis: XADD %s: %s", QUEUE_DEAD_STREAM, r ? r->str : q->ctx->errstr);
        freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    return queue_consumer_ack(q, ent, e);
}

void queue_consumer_release(queue_consumer *q)
{
    err e = {0};
    redisReply *r;
    for (int s = 0; s < QUEUE_SHARDS; s++) {
        char key[48];
        if (!q->owned[s])
            continue;
        lease_key(s, key);
        if ((r = cmd(q, &e, "EVAL %s 1 %s %s", release_lua, key, q->name)))
            freeReplyObject(r);
        q->owned[s] = 0;
    }
    if ((r = cmd(q, &e, "ZREM %s %s", WORKERS_KEY, q->name)))
        freeReplyObject(r);
    /* Leave no empty consumer behind in the groups (restarts would pile them up); one with
     * pending entries stays, so those entries can still be claimed. */
    for (int s = -1; s < QUEUE_SHARDS; s++) {
        char stream[32];
        int empty;
        stream_of(s, stream);
        if (!(r = cmd(q, &e, "XPENDING %s %s - + 1 %s", stream, QUEUE_GROUP, q->name)))
            continue;
        empty = r->type == REDIS_REPLY_ARRAY && r->elements == 0;
        freeReplyObject(r);
        if (empty && (r = cmd(q, &e, "XGROUP DELCONSUMER %s %s %s", stream, QUEUE_GROUP, q->name)))
            freeReplyObject(r);
    }
}

int queue_depths(const config *c, void (*fn)(void *, const char *, long long, long long, long long),
                 void *ud, err *e)
{
    redisContext *ctx = rds_connect(c, 1000, e);
    if (!ctx)
        return -1;
    for (int s = -1; s < QUEUE_SHARDS; s++) {
        char stream[32];
        long long len = 0, pending = 0, lag = 0;
        redisReply *r;
        stream_of(s, stream);
        redisAppendCommand(ctx, "XLEN %s", stream);
        redisAppendCommand(ctx, "XINFO GROUPS %s", stream);
        if (redisGetReply(ctx, (void **)&r) != REDIS_OK) {
            err_set(e, ERR_ENV, "Redis: %s", ctx->errstr);
            redisFree(ctx);
            return -1;
        }
        if (r->type == REDIS_REPLY_INTEGER)
            len = r->integer;
        freeReplyObject(r);
        if (redisGetReply(ctx, (void **)&r) != REDIS_OK) {
            err_set(e, ERR_ENV, "Redis: %s", ctx->errstr);
            redisFree(ctx);
            return -1;
        }
        {
            const redisReply *p = group_field(r, "pending"), *l = group_field(r, "lag");
            if (p && p->type == REDIS_REPLY_INTEGER)
                pending = p->integer;
            if (l && l->type == REDIS_REPLY_INTEGER)
                lag = l->integer;
        }
        freeReplyObject(r);
        fn(ud, stream, len, pending, lag);
    }
    redisFree(ctx);
    return 0;
}
