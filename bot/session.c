/* session.c — engine_session <-> Redis (see session.h). The packed form is NUL-separated
 * fields, since no value can contain NUL: state, lang, retries, page, waiting, last-active
 * ms, then variable name/value pairs. Every command uses %s/%b arguments. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_LANG_MS (7LL * 24 * 3600 * 1000) /* after expiry, how long the language is kept */

static const char save_lua[] = "local v = redis.call('HGET', KEYS[1], 'ver')\n"
                               "if v and v ~= ARGV[1] then return 0 end\n"
                               "redis.call('HSET', KEYS[1], 'ver', ARGV[2], 'data', ARGV[3])\n"
                               "redis.call('PEXPIRE', KEYS[1], ARGV[4])\n"
                               "return 1\n";

static void key_of(const char *phone, char key[64])
{
    snprintf(key, 64, "sampark:sess:%s", phone);
}

int session_load(redisContext *c, const char *phone, int64_t now_ms, int64_t ttl_ms,
                 engine_session *s, int *expired, unsigned *loaded_version, err *e)
{
    char key[64];
    redisReply *r;
    const char *p, *end;
    const char *fields[6];
    size_t nf = 0;
    *expired = 0;
    *loaded_version = 0;
    key_of(phone, key);
    r = redisCommand(c, "HMGET %s ver data", key);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: loading the session: %s", r ? r->str : c->errstr);
        freeReplyObject(r);
        return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[1]->type != REDIS_REPLY_STRING) {
        freeReplyObject(r);
        return 0; /* no session: a new conversation */
    }
    if (r->element[0]->type == REDIS_REPLY_STRING)
        *loaded_version = (unsigned)strtoul(r->element[0]->str, NULL, 10);
    p = r->element[1]->str;
    end = p + r->element[1]->len;
    while (p < end && nf < 6) {
        fields[nf++] = p;
        p += strlen(p) + 1;
    }
    if (nf == 6) {
        snprintf(s->state, sizeof s->state, "%s", fields[0]);
        snprintf(s->lang, sizeof s->lang, "%s", fields[1]);
        s->retries = atoi(fields[2]);
        s->page = atoi(fields[3]);
        s->waiting = atoi(fields[4]);
        s->version = *loaded_version;
        if (now_ms - strtoll(fields[5], NULL, 10) > ttl_ms)
            *expired = s->state[0] != '\0';
        while (p < end) {
            const char *k = p, *v = p + strlen(p) + 1;
            if (v >= end)
                break;
            p = v + strlen(v) + 1;
            if (!*expired)
                engine_session_set(s, k, v);
        }
        if (*expired) {
            s->state[0] = '\0';
            s->retries = s->page = s->waiting = 0;
        }
    }
    freeReplyObject(r);
    return 0;
}

int session_save(redisContext *c, const char *phone, int64_t now_ms, int64_t ttl_ms,
                 const engine_session *s, unsigned loaded_version, err *e)
{
    char key[64], head[160], old[16], ver[16], px[24];
    size_t len, cap = sizeof head;
    char *blob;
    redisReply *r;
    int n = snprintf(head, sizeof head, "%s%c%s%c%d%c%d%c%d%c%lld", s->state, 0, s->lang, 0,
                     s->retries, 0, s->page, 0, s->waiting, 0, (long long)now_ms);
    if (n < 0 || (size_t)n >= sizeof head)
        return err_set(e, ERR_ENV, "session too large");
    len = (size_t)n + 1;
    for (size_t i = 0; i < s->nvars; i++)
        cap += strlen(s->vars[i].key) + strlen(s->vars[i].value) + 2;
    if (!(blob = malloc(cap)))
        return err_set(e, ERR_ENV, "out of memory");
    memcpy(blob, head, len);
    for (size_t i = 0; i < s->nvars; i++) {
        size_t kl = strlen(s->vars[i].key) + 1, vl = strlen(s->vars[i].value) + 1;
        memcpy(blob + len, s->vars[i].key, kl);
        memcpy(blob + len + kl, s->vars[i].value, vl);
        len += kl + vl;
    }
    key_of(phone, key);
    snprintf(old, sizeof old, "%u", loaded_version);
    snprintf(ver, sizeof ver, "%u", loaded_version + 1);
    snprintf(px, sizeof px, "%lld", (long long)(ttl_ms + KEEP_LANG_MS));
    r = redisCommand(c, "EVAL %s 1 %s %s %s %b %s", save_lua, key, loaded_version ? old : "0", ver,
                     blob, len, px);
    free(blob);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: saving the session: %s", r ? r->str : c->errstr);
        freeReplyObject(r);
        return -1;
    }
    n = r->type == REDIS_REPLY_INTEGER && r->integer == 1 ? 0 : 1;
    freeReplyObject(r);
    return n;
}

int session_delete(redisContext *c, const char *phone, err *e)
{
    char key[64];
    redisReply *r;
    key_of(phone, key);
    r = redisCommand(c, "DEL %s", key);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: %s", r ? r->str : c->errstr);
        freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    return 0;
}
