/* receipts.c — read receipts waiting in Redis (see receipts.h). Each operation is one Lua
 * script, so recording, taking and putting back never interleave between processes. */
#include "receipts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* KEYS: the hash, the due set. ARGV[1] '1' to put back (replaces only an older receipt) or '0'
 * to record (replaces an older or as new one, due now — or sooner, if it was waiting out a
 * backoff); then per receipt: phone, ts, attempts, wamid, and when put back the delay (ms from
 * now). A receipt recorded without WhatsApp's timestamp (0: absent or malformed) takes Redis's
 * clock, the moment it was recorded: else it could never replace an older one that has one,
 * and the citizen's newest message would get no tick. */
static const char offer_lua[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local back = ARGV[1] == '1'\n"
    "local step = back and 5 or 4\n"
    "local n = 0\n"
    "for i = 2, #ARGV, step do\n"
    "  local phone, tss = ARGV[i], ARGV[i + 1]\n"
    "  if tonumber(tss) <= 0 and not back then tss = t[1] end\n"
    "  local ts = tonumber(tss)\n"
    "  local cur = redis.call('HGET', KEYS[1], phone)\n"
    "  local cts = cur and tonumber(string.match(cur, '^(%-?%d+)')) or nil\n"
    "  if not cts or ts > cts or (ts == cts and not back) then\n"
    "    redis.call('HSET', KEYS[1], phone, tss .. ' ' .. ARGV[i + 2] .. ' ' .. ARGV[i + 3])\n"
    "    if back then redis.call('ZADD', KEYS[2], now + tonumber(ARGV[i + 4]), phone)\n"
    "    else\n"
    /* ZADD LT, written out: Redis before 6.2 has no LT */
    "      local due = redis.call('ZSCORE', KEYS[2], phone)\n"
    "      if not due or tonumber(due) > now then redis.call('ZADD', KEYS[2], now, phone) end\n"
    "    end\n"
    "    n = n + 1\n"
    "  end\n"
    "end\n"
    "return n\n";

/* KEYS: the hash, the due set. ARGV[1]: at most this many. Returns phone, value pairs. */
static const char take_lua[] =
    "local t = redis.call('TIME')\n"
    "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
    "local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, tonumber(ARGV[1]))\n"
    "local out = {}\n"
    "for _, phone in ipairs(due) do\n"
    "  local v = redis.call('HGET', KEYS[1], phone)\n"
    "  redis.call('ZREM', KEYS[2], phone)\n"
    "  if v then\n"
    "    redis.call('HDEL', KEYS[1], phone)\n"
    "    out[#out + 1] = phone\n"
    "    out[#out + 1] = v\n"
    "  end\n"
    "end\n"
    "return out\n";

/* Appends EVAL offer_lua for rs[0..n): recorded, or put back (delay_ms not NULL) each due
 * delay_ms[i] from now. 1, or -1 out of memory. */
static int offer(redisContext *c, const receipt *rs, const long *delay_ms, size_t n)
{
    size_t argc = 6 + 5 * n;
    const char **argv = calloc(argc, sizeof *argv);
    char(*nums)[3][24] = calloc(n ? n : 1, sizeof *nums);
    int rc = -1;
    if (argv && nums) {
        argv[0] = "EVAL";
        argv[1] = offer_lua;
        argv[2] = "2";
        argv[3] = RECEIPTS_KEY;
        argv[4] = RECEIPTS_DUE;
        argv[5] = delay_ms ? "1" : "0";
        argc = 6;
        for (size_t i = 0; i < n; i++) {
            snprintf(nums[i][0], sizeof nums[i][0], "%lld", rs[i].ts);
            snprintf(nums[i][1], sizeof nums[i][1], "%d", rs[i].attempts);
            argv[argc++] = rs[i].phone;
            argv[argc++] = nums[i][0];
            argv[argc++] = nums[i][1];
            argv[argc++] = rs[i].wamid;
            if (delay_ms) {
                snprintf(nums[i][2], sizeof nums[i][2], "%ld", delay_ms[i]);
                argv[argc++] = nums[i][2];
            }
        }
        rc = redisAppendCommandArgv(c, (int)argc, argv, NULL) == REDIS_OK ? 1 : -1;
    }
    free(argv);
    free(nums);
    return rc;
}

int receipts_append(redisContext *c, const receipt *rs, size_t n)
{
    return n ? offer(c, rs, NULL, n) : 0;
}

/* One reply that must be an integer: its value, or -1 + e. */
static long long integer_reply(redisContext *c, const char *what, err *e)
{
    void *v = NULL;
    redisReply *r;
    long long n = -1;
    if (redisGetReply(c, &v) != REDIS_OK)
        return err_set(e, ERR_ENV, "Redis: %s: %s", what, c->errstr);
    r = v;
    if (r->type == REDIS_REPLY_INTEGER)
        n = r->integer;
    else
        err_set(e, ERR_ENV, "Redis: %s: %s", what,
                r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    freeReplyObject(r);
    return n;
}

int receipts_reply(redisContext *c, err *e)
{
    return integer_reply(c, "recording read receipts", e) < 0 ? -1 : 0;
}

/* "ts attempts wamid" into r; 0, or -1 when malformed. */
static int parse(const char *phone, const char *v, receipt *r)
{
    char *end;
    const char *w;
    memset(r, 0, sizeof *r);
    r->ts = strtoll(v, &end, 10);
    if (*end != ' ')
        return -1;
    r->attempts = (int)strtol(end + 1, &end, 10);
    if (*end != ' ' || !*(w = end + 1) || strlen(w) >= sizeof r->wamid ||
        strlen(phone) >= sizeof r->phone)
        return -1;
    snprintf(r->wamid, sizeof r->wamid, "%s", w);
    snprintf(r->phone, sizeof r->phone, "%s", phone);
    return 0;
}

int receipts_take(redisContext *c, int max, receipt *out, err *e)
{
    char n[16];
    redisReply *r;
    int got = 0;
    snprintf(n, sizeof n, "%d", max);
    r = redisCommand(c, "EVAL %s 2 %s %s %s", take_lua, RECEIPTS_KEY, RECEIPTS_DUE, n);
    if (!r || r->type != REDIS_REPLY_ARRAY) {
        err_set(e, ERR_ENV, "Redis: taking read receipts: %s",
                !r ? c->errstr : r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        freeReplyObject(r);
        return -1;
    }
    for (size_t i = 0; i + 1 < r->elements && got < max; i += 2)
        if (r->element[i]->type == REDIS_REPLY_STRING &&
            r->element[i + 1]->type == REDIS_REPLY_STRING &&
            parse(r->element[i]->str, r->element[i + 1]->str, &out[got]) == 0)
            got++; /* a malformed entry (written by hand?) is dropped: it is only a tick */
    freeReplyObject(r);
    return got;
}

int receipts_put_back(redisContext *c, const receipt *rs, const long *delay_ms, size_t n, err *e)
{
    if (!n)
        return 0;
    if (offer(c, rs, delay_ms, n) < 0)
        return err_set(e, ERR_ENV, "out of memory");
    return (int)integer_reply(c, "putting read receipts back", e);
}
