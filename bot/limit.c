/* limit.c — per-citizen limits (see limit.h). One Redis hash per phone, kind and window,
 * sampark:limit:<kind>:<window>:<phone>, maps each counted message id to its rank: a message
 * handled twice (a rolled-back transaction, a redelivery) keeps its first rank instead of
 * counting twice, and the hash expires a minute after its window ends. Windows follow India's
 * clock (UTC+05:30): a day from midnight IST, an hour from the full hour IST. */
#include "limit.h"

#include <stdio.h>
#include <string.h>

static const char rank_lua[] = "local r = redis.call('HGET', KEYS[1], ARGV[1])\n"
                               "if r then return tonumber(r) end\n"
                               "local n = redis.call('HLEN', KEYS[1]) + 1\n"
                               "if ARGV[2] == '1' and n <= tonumber(ARGV[3]) then\n"
                               "  redis.call('HSET', KEYS[1], ARGV[1], n)\n"
                               "  if n == 1 then redis.call('PEXPIREAT', KEYS[1], ARGV[4]) end\n"
                               "end\n"
                               "return n\n";

const char *limit_name(limit_kind k)
{
    static const char *const names[LIMIT_KIND_COUNT] = {"messages", "complaints", "urgent",
                                                        "helpdesk"};
    return (unsigned)k < LIMIT_KIND_COUNT ? names[k] : "other";
}

int limit_max(const config *c, limit_kind k)
{
    switch (k) {
    case LIMIT_MESSAGES:
        return c->limit_messages_min;
    case LIMIT_COMPLAINTS:
        return c->limit_complaints_day;
    case LIMIT_URGENT:
        return c->limit_urgent_day;
    case LIMIT_HELPDESK:
        return c->limit_helpdesk_hour;
    default:
        return 0;
    }
}

limit_verdict limit_decide(limit_kind k, int max, long rank)
{
    if (max <= 0 || rank <= max)
        return LIMIT_ALLOW; /* rank 0 (unknown) lands here too: fail-open */
    if (k == LIMIT_MESSAGES && rank > (long)max + 1)
        return LIMIT_REFUSE_QUIET;
    return LIMIT_REFUSE;
}

int64_t limit_window(limit_kind k, int64_t t_ms, int64_t *len_ms)
{
    int64_t len = k == LIMIT_MESSAGES ? 60000 : k == LIMIT_HELPDESK ? 3600000 : 86400000;
    int64_t shift = LIMIT_DAY_OFFSET_MS; /* India's clock: an hour runs 10:00–11:00 IST */
    if (len_ms)
        *len_ms = len;
    if (t_ms < 0)
        t_ms = 0;
    return (t_ms + shift) / len;
}

int limit_append(redisContext *c, limit_kind k, int max, const char *phone, const char *member,
                 int64_t t_ms, int store, err *e)
{
    char key[128], cap[16], until[24];
    int64_t len, w = limit_window(k, t_ms, &len);
    snprintf(key, sizeof key, "sampark:limit:%s:%lld:%s", limit_name(k), (long long)w, phone);
    snprintf(cap, sizeof cap, "%d", max > 0 ? max + 1 : 0);
    /* the window's end, as Unix ms, and a minute's grace */
    snprintf(until, sizeof until, "%lld", (long long)((w + 1) * len - LIMIT_DAY_OFFSET_MS + 60000));
    if (redisAppendCommand(c, "EVAL %s 1 %s %s %s %s %s", rank_lua, key, member,
                           store && max > 0 ? "1" : "0", cap, until) != REDIS_OK)
        return err_set(e, ERR_ENV, "Redis: counting %s: %s", limit_name(k), c->errstr);
    return 0;
}

int limit_read(redisContext *c, size_t n, long *ranks, err *e)
{
    int rc = 0;
    memset(ranks, 0, n * sizeof *ranks);
    /* Every reply is read, even after an error, so the connection stays in step. */
    for (size_t i = 0; i < n; i++) {
        redisReply *r = NULL;
        if (redisGetReply(c, (void **)&r) != REDIS_OK) {
            rc = err_set(e, ERR_ENV, "Redis: counting: %s", c->errstr);
            break;
        }
        if (r->type == REDIS_REPLY_INTEGER)
            ranks[i] = (long)r->integer;
        else if (rc == 0)
            rc = err_set(e, ERR_ENV, "Redis: counting: %s",
                         r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        freeReplyObject(r);
    }
    if (rc < 0)
        memset(ranks, 0, n * sizeof *ranks);
    return rc;
}
