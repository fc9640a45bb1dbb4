/* broadcast_feed.c — delivery of broadcasts: the feeder the sender role runs beside its claim.
 * A broadcast's recipients never enter the outbox all at once: every 100 ms one feeder (an
 * lock in Redis among the sender processes) tops the broadcasts' rows in the outbox up to one
 * batch (a fifth of a second at SAMPARK_SEND_RATE, at most 200). Case traffic is not held back
 * by them: the sender's claim walks the recipients with case messages first (sender.c).
 * A recipient outside their 24-hour window needs a place in the day's limit
 * (SAMPARK_DAILY_LIMIT): a Redis sorted set of phone -> time over a rolling window, shared by
 * every sender process, admits atomically (Lua) a phone already in it or while it holds fewer
 * than the broadcasts' share of the limit (nine tenths: case traffic's templates enter it too,
 * never refused); the rest wait (not_before) until its oldest entry leaves. Pause and cancel
 * delete the outbox rows not yet claimed; a claimed one is withdrawn by the sender. Never
 * writes a free-form message. */
#include "broadcast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "outbox.h"

#define FEED_MAX     BROADCAST_ADMIT_MAX /* recipients moved in one step, at most */
#define FEED_TICK_MS 100

struct broadcast_feeder {
    const config *cfg;
    char lock_key[96], token[64]; /* the feeder's lock in Redis, and this feeder's mark on it */
    int64_t next_at;   /* clock_mono_ms of the next step */
    int64_t finish_at; /* of the next look for finished broadcasts */
};

/* Deletes the outbox rows not yet claimed of broadcasts paused or cancelled (a claim released
 * after the pause puts its row back to 'queued'), and returns their recipients to the queue
 * (paused) or skips them (cancelled). The broadcasts' unsent rows are found through their own
 * index (migration 0028): a batch or two, whatever the case traffic's backlog. */
static const db_stmt st_pull_back = {
    "broadcast_pull_back",
    "WITH d AS (" OUTBOX_SQL_DELETE_UNCLAIMED("o.purpose = 'broadcast' AND " BROADCAST_SQL_HELD(
        "o.id", "o.recipient")) ") " BROADCAST_SQL_WITHDRAWN("d"),
    0};
/* A citizen said STOP: their broadcast messages not yet claimed leave the outbox, and those
 * recipients are skipped as 'stopped' (the feeder skips the ones not fed yet itself). */
static const db_stmt st_pull_back_phone = {
    "broadcast_pull_back_phone",
    "WITH d AS (" OUTBOX_SQL_DELETE_UNCLAIMED("o.recipient = $1 AND o.purpose = 'broadcast'") ")"
    " UPDATE broadcast_recipients r SET outbound_id = NULL, state = 'skipped', error = 'stopped',"
    "  updated_at = now() FROM d WHERE r.outbound_id = d.id AND r.state = 'sending'",
    1};

int broadcast_forget_phone(db *d, const char *phone, err *e)
{
    return db_exec(d, &st_pull_back_phone, (const char *[]){phone}, e);
}

/* A running broadcast with nobody queued and nothing of it unsent in the outbox is done. */
static const db_stmt st_finish = {
    "broadcast_finish",
    "UPDATE broadcasts b SET state = 'done', finished_at = now(), updated_at = now()"
    " WHERE b.state = 'running' AND NOT EXISTS (SELECT 1 FROM broadcast_recipients r"
    "  WHERE r.broadcast_id = b.id AND r.state = 'queued')"
    " AND NOT EXISTS (SELECT 1 FROM outbound_messages o JOIN broadcast_recipients r"
    "  ON r.outbound_id = o.id WHERE " OUTBOX_SQL_UNSENT("o.") " AND o.purpose = 'broadcast'"
    "  AND r.broadcast_id = b.id)",
    0};
/* A recipient pulled back in the moment a cancel committed was put back in the queue (the pull
 * back saw the broadcast still paused or running): skipped now, as the cancel skipped the rest. */
static const db_stmt st_cancel_rest = {
    "broadcast_cancel_rest",
    "UPDATE broadcast_recipients r SET state = 'skipped', error = 'cancelled', updated_at = now()"
    " FROM broadcasts b WHERE b.state = 'cancelled' AND b.finished_at > now() - interval '1 hour'"
    " AND r.broadcast_id = b.id AND r.state = 'queued'",
    0};
/* The broadcasts' rows in the outbox, counted up to a batch ($1) — those backing off too (a
 * throttled Graph must not let batches pile up that all fall due at once). Case traffic is not
 * counted: the sender's claim takes it first whatever the outbox holds. No row while no broadcast
 * runs (nothing to feed). */
static const db_stmt st_room = {
    "broadcast_room",
    "SELECT count(*) FROM (SELECT 1 FROM outbound_messages"
    "  WHERE " OUTBOX_SQL_UNSENT("") " AND purpose = 'broadcast' LIMIT $1::int) w"
    " WHERE EXISTS (SELECT 1 FROM broadcasts WHERE state = 'running')",
    1};
/* One feeder at a time across the sender processes: two stepping together would each fill the
 * room they both saw. A Redis key held for the step and given back after it, lapsing by itself
 * in 2 s should its holder die or lose the network (a PostgreSQL session lock would outlive a
 * lost connection until TCP keepalive gave up, and no broadcast would move meanwhile). */
#define FEED_LOCK_MS "2000"
static const char unlock_lua[] = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
                                 "return redis.call('DEL', KEYS[1]) end return 0";
/* The next queued recipients of running broadcasts, oldest broadcast first, with what decides
 * their fate (broadcast_classify), those never held back by the daily limit first. The window is
 * judged an hour short: the message may wait. */
static const db_stmt st_candidates = {
    "broadcast_candidates",
    "SELECT r.id, r.phone, COALESCE(s.state = 'stopped', false), s.blocked_at IS NOT NULL,"
    " COALESCE(w.last_inbound_at > now() - interval '23 hours', false)"
    " FROM broadcasts b CROSS JOIN LATERAL (SELECT q.id, q.phone FROM broadcast_recipients q"
    "  WHERE q.broadcast_id = b.id AND q.state = 'queued' AND q.not_before <= now()"
    "  ORDER BY q.not_before, q.id LIMIT $1::int) r"
    " LEFT JOIN subscribers s ON s.phone = r.phone LEFT JOIN wa_contacts w ON w.phone = r.phone"
    " WHERE b.state = 'running' ORDER BY b.id, r.id LIMIT $1::int",
    1};
static const db_stmt st_skip = {
    "broadcast_skip",
    "UPDATE broadcast_recipients r SET state = 'skipped', error = v.why, updated_at = now()"
    " FROM unnest($1::bigint[], $2::text[]) AS v(id, why) WHERE r.id = v.id AND r.state = 'queued'",
    2};
static const db_stmt st_defer = {
    "broadcast_defer",
    "UPDATE broadcast_recipients SET not_before = now() + $2::bigint * interval '1 millisecond',"
    " updated_at = now() WHERE id = ANY($1::bigint[]) AND state = 'queued'",
    2};
/* Into the outbox as the template, once (the idempotency key is the broadcast and the phone). */
static const db_stmt st_enqueue = {
    "broadcast_enqueue",
    "WITH c AS (SELECT r.id, r.phone, r.broadcast_id, b.template, b.language, b.components"
    "  FROM broadcast_recipients r JOIN broadcasts b ON b.id = r.broadcast_id"
    "  WHERE r.id = ANY($1::bigint[]) AND r.state = 'queued' AND b.state = 'running'),"
    " ins AS (INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload)"
    "  SELECT 'broadcast:' || c.broadcast_id || ':' || c.phone, c.phone, 'template', 'broadcast',"
    "   jsonb_build_object('messaging_product', 'whatsapp', 'recipient_type', 'individual',"
    "    'to', c.phone, 'type', 'template', 'template', jsonb_build_object('name', c.template,"
    "    'language', jsonb_build_object('code', c.language), 'components', c.components))"
    "  FROM c ORDER BY c.id ON CONFLICT (idempotency_key) DO NOTHING"
    "  RETURNING id, idempotency_key)"
    " UPDATE broadcast_recipients r SET state = 'sending', outbound_id = ins.id,"
    "  updated_at = now() FROM ins, c"
    " WHERE ins.idempotency_key = 'broadcast:' || c.broadcast_id || ':' || c.phone AND r.id = c.id",
    1};

/* KEYS[1] the day's set (phone -> admission time, ms); ARGV[1] the limit, ARGV[2] the window
 * in ms, ARGV[3..] phones. Returns {ms until a place frees (0: not full), 1|0 per phone}. The
 * time is Redis's own, the same for every sender process. */
static const char admit_lua[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local limit, win = tonumber(ARGV[1]), tonumber(ARGV[2])\n"
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)\n"
    "local n = redis.call('ZCARD', KEYS[1])\n"
    "local out = {0}\n"
    "for i = 3, #ARGV do\n"
    "  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then\n"
    "    redis.call('ZADD', KEYS[1], now, ARGV[i]); out[#out + 1] = 1\n"
    "  elseif n < limit then\n"
    "    redis.call('ZADD', KEYS[1], now, ARGV[i]); n = n + 1; out[#out + 1] = 1\n"
    "  else out[#out + 1] = 0 end\n"
    "end\n"
    "if n >= limit then\n"
    "  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')\n"
    "  if first[2] then out[1] = math.max(1, tonumber(first[2]) + win - now) end\n"
    "end\n"
    "redis.call('PEXPIRE', KEYS[1], win)\n"
    "return out\n";

struct cand {
    char id[24], phone[32];
    broadcast_fate fate;
};

broadcast_feeder *broadcast_feeder_new(const config *c)
{
    broadcast_feeder *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->cfg = c;
    snprintf(f->lock_key, sizeof f->lock_key, "sampark:feed:%s",
             c->phone_number_id ? c->phone_number_id : "dry");
    snprintf(f->token, sizeof f->token, "%ld:%p:%lld", (long)getpid(), (void *)f,
             (long long)clock_mono_ms());
    return f;
}

void broadcast_feeder_free(broadcast_feeder *f)
{
    free(f);
}

int broadcast_pull_back(db *d, err *e)
{
    return db_exec(d, &st_pull_back, NULL, e);
}

/* Runs script on the day's set for phones[0..n) (n at most BROADCAST_ADMIT_MAX): KEYS[1] the set,
 * ARGV[1] the broadcasts' share of the limit, ARGV[2] the window in ms, ARGV[3..] the phones.
 * The reply (freeReplyObject it), or NULL + e. */
static redisReply *daily_eval(const config *cfg, rds *redis, const char *script,
                              const char *const *phones, size_t n, err *e)
{
    const char *argv[BROADCAST_ADMIT_MAX + 6];
    size_t lens[BROADCAST_ADMIT_MAX + 6];
    char key[128], limit[16], win[24];
    redisContext *c = rds_get(redis, e);
    redisReply *r;
    if (!c)
        return NULL;
    snprintf(key, sizeof key, "sampark:daily:%s",
             cfg->phone_number_id ? cfg->phone_number_id : "dry");
    snprintf(limit, sizeof limit, "%d", broadcast_daily_share(cfg->daily_limit));
    snprintf(win, sizeof win, "%lld", (long long)cfg->daily_window_s * 1000);
    argv[0] = "EVAL", argv[1] = script, argv[2] = "1", argv[3] = key, argv[4] = limit,
    argv[5] = win;
    for (size_t i = 0; i < n; i++)
        argv[6 + i] = phones[i];
    for (size_t i = 0; i < n + 6; i++)
        lens[i] = strlen(argv[i]);
    r = redisCommandArgv(c, (int)(n + 6), argv, lens);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: the daily limit: %s", r ? r->str : "no answer");
        if (!r)
            rds_reset(redis);
        freeReplyObject(r);
        return NULL;
    }
    return r;
}

int broadcast_admit(const config *cfg, rds *redis, const char *const *phones, size_t n, int *ok,
                    long long *wait_ms, err *e)
{
    redisReply *r;
    int rc = -1;
    if (n > BROADCAST_ADMIT_MAX)
        return err_set(e, ERR_ENV, "daily limit: %zu phones at once, at most %d", n,
                       BROADCAST_ADMIT_MAX);
    if (!(r = daily_eval(cfg, redis, admit_lua, phones, n, e)))
        return -1;
    if (r->type == REDIS_REPLY_ARRAY && r->elements == n + 1) {
        *wait_ms = r->element[0]->integer;
        for (size_t i = 0; i < n; i++)
            ok[i] = r->element[i + 1]->integer == 1;
        rc = 0;
    } else {
        err_set(e, ERR_ENV, "Redis: the daily limit: an answer of another shape");
    }
    freeReplyObject(r);
    return rc;
}

int broadcast_daily_share(int daily_limit)
{
    return daily_limit - daily_limit / 10;
}

/* As admit_lua's arguments (the share unused): each phone in at Redis's time, never refused. */
static const char count_lua[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "for i = 3, #ARGV do redis.call('ZADD', KEYS[1], now, ARGV[i]) end\n"
    "redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))\n"
    "return 0\n";

int broadcast_count_daily(const config *cfg, rds *redis, const char *const *phones, size_t n,
                          err *e)
{
    redisReply *r = daily_eval(cfg, redis, count_lua, phones,
                               n > BROADCAST_ADMIT_MAX ? BROADCAST_ADMIT_MAX : n, e);
    int rc = r ? 0 : -1;
    freeReplyObject(r);
    return rc;
}

static int candidates(db *pg, int room, struct cand *out, size_t *n, err *e)
{
    char lim[16];
    PGresult *r;
    snprintf(lim, sizeof lim, "%d", room);
    if (!(r = db_query(pg, &st_candidates, (const char *[]){lim}, e)))
        return -1;
    *n = 0;
    for (int i = 0; i < PQntuples(r) && *n < FEED_MAX; i++, (*n)++) {
        db_copy(out[*n].id, sizeof out[*n].id, r, i, 0);
        db_copy(out[*n].phone, sizeof out[*n].phone, r, i, 1);
        out[*n].fate =
            broadcast_classify(PQgetvalue(r, i, 2)[0] == 't', PQgetvalue(r, i, 3)[0] == 't',
                               PQgetvalue(r, i, 4)[0] == 't');
    }
    PQclear(r);
    return 0;
}

/* Runs st (st_skip: ids and reasons; st_defer: ids and a delay) over ids[0..n). */
static int apply(db *pg, const db_stmt *st, const char *const *ids, size_t n, const char *second,
                 const char *const *seconds, err *e)
{
    char *a, *b = NULL;
    int rc;
    if (!n)
        return 0;
    if (!(a = db_text_array(ids, n)) || (seconds && !(b = db_text_array(seconds, n)))) {
        free(a);
        return err_set(e, ERR_ENV, "out of memory");
    }
    rc = db_exec(pg, st, (const char *[]){a, b ? b : second}, e);
    free(a);
    free(b);
    return rc;
}

/* How many recipients may enter the outbox now into *space: a batch (a fifth of a second at
 * the send rate, at most FEED_MAX), less the claim's waiting work; 0 while nothing runs. */
static int room(const broadcast_feeder *f, db *pg, int *space, err *e)
{
    int batch = f->cfg->send_rate / 5 < 1 ? 1 : f->cfg->send_rate / 5;
    char lim[16];
    PGresult *r;
    if (batch > FEED_MAX)
        batch = FEED_MAX;
    snprintf(lim, sizeof lim, "%d", batch);
    if (!(r = db_query(pg, &st_room, (const char *[]){lim}, e)))
        return -1;
    *space = PQntuples(r) ? batch - atoi(PQgetvalue(r, 0, 0)) : 0;
    PQclear(r);
    return 0;
}

/* Sorts candidates: skipped ones out, counted ones through the daily limit; the rest into the
 * outbox. Returns how many went in. */
static int feed(broadcast_feeder *f, db *pg, rds *redis, struct cand *c, size_t n, err *e)
{
    const char *skip[FEED_MAX], *why[FEED_MAX], *go[FEED_MAX], *counted[FEED_MAX],
        *cphones[FEED_MAX], *wait[FEED_MAX];
    int ok[FEED_MAX];
    size_t nskip = 0, ngo = 0, ncounted = 0, nwait = 0;
    long long wait_ms = 0;
    char wait_s[24];
    for (size_t i = 0; i < n; i++) {
        if (c[i].fate == BROADCAST_SKIP_STOPPED || c[i].fate == BROADCAST_SKIP_BLOCKED) {
            why[nskip] = c[i].fate == BROADCAST_SKIP_STOPPED ? "stopped" : "blocked";
            skip[nskip++] = c[i].id;
        } else if (c[i].fate == BROADCAST_COUNTED && f->cfg->daily_limit > 0) {
            cphones[ncounted] = c[i].phone;
            counted[ncounted++] = c[i].id;
        } else {
            go[ngo++] = c[i].id;
        }
    }
    if (ncounted && broadcast_admit(f->cfg, redis, cphones, ncounted, ok, &wait_ms, e) < 0)
        return -1;
    for (size_t i = 0; i < ncounted; i++) {
        if (ok[i])
            go[ngo++] = counted[i];
        else
            wait[nwait++] = counted[i];
    }
    snprintf(wait_s, sizeof wait_s, "%lld", wait_ms > 0 ? wait_ms : 1000);
    if (apply(pg, &st_skip, skip, nskip, NULL, why, e) < 0 ||
        apply(pg, &st_defer, wait, nwait, wait_s, NULL, e) < 0)
        return -1;
    if (!ngo)
        return 0;
    {
        char *ids = db_text_array(go, ngo);
        int rc;
        if (!ids)
            return err_set(e, ERR_ENV, "out of memory");
        rc = db_exec(pg, &st_enqueue, (const char *[]){ids}, e);
        free(ids);
        return rc < 0 ? -1 : (int)db_affected(pg);
    }
}

/* Asks for the feeder's lock: 1 held, 0 another sender's feeder holds it, -1 error. */
static int lock(broadcast_feeder *f, rds *redis, err *e)
{
    redisContext *c = rds_get(redis, e);
    redisReply *r;
    int held;
    if (!c)
        return -1;
    r = redisCommand(c, "SET %s %s NX PX " FEED_LOCK_MS, f->lock_key, f->token);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: the feeder's lock: %s", r ? r->str : "no answer");
        if (!r)
            rds_reset(redis);
        freeReplyObject(r);
        return -1;
    }
    held = r->type == REDIS_REPLY_STATUS;
    freeReplyObject(r);
    return held;
}

static void unlock(broadcast_feeder *f, rds *redis)
{
    err e = {0};
    redisContext *c = rds_get(redis, &e);
    redisReply *r =
        c ? redisCommand(c, "EVAL %s 1 %s %s", unlock_lua, f->lock_key, f->token) : NULL;
    if (c && !r)
        rds_reset(redis); /* the key lapses by itself */
    freeReplyObject(r);
}

/* The step under the lock: the room, the candidates, into the outbox. */
static int step(broadcast_feeder *f, db *pg, rds *redis, err *e)
{
    struct cand c[FEED_MAX];
    size_t n = 0;
    int space;
    if (room(f, pg, &space, e) < 0)
        return -1;
    if (space <= 0)
        return 0;
    if (candidates(pg, space, c, &n, e) < 0)
        return -1;
    return n ? feed(f, pg, redis, c, n, e) : 0;
}

int broadcast_feed(broadcast_feeder *f, db *pg, rds *redis, err *e)
{
    int64_t now = clock_mono_ms();
    int held, rc;
    if (now < f->next_at)
        return 0;
    f->next_at = now + FEED_TICK_MS;
    if (broadcast_pull_back(pg, e) < 0)
        return -1;
    if (now >= f->finish_at) {
        f->finish_at = now + 1000;
        if (db_exec(pg, &st_finish, NULL, e) < 0 || db_exec(pg, &st_cancel_rest, NULL, e) < 0)
            return -1;
    }
    if ((held = lock(f, redis, e)) <= 0)
        return held;
    /* A failed step leaves the lock to lapse (2 s): after Redis found no answer, unlocking would
     * wait for Redis again, and the sender's loop with it. */
    if ((rc = step(f, pg, redis, e)) >= 0)
        unlock(f, redis);
    return rc;
}
