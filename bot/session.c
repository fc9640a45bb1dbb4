/* session.c — engine_session <-> Redis (see session.h). The packed form is NUL-separated
 * fields, since no value can contain NUL: state, lang, retries, page, waiting, last-active
 * ms, then variable name/value pairs. Every command uses %s/%b arguments.
 * The session hash lives as long as the session (its draft complaint goes with it); only the
 * language is kept a week longer, in a key of its own, so a returning citizen is not asked
 * again and no draft outlives the conversation. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEEP_LANG_MS (7LL * 24 * 3600 * 1000) /* after expiry, how long the language is kept */

/* KEYS: session hash, language key. ARGV: loaded version, new version, packed session, its
 * TTL, the language key's value ('' = none to keep), its TTL. */
static const char save_lua[] = "local v = redis.call('HGET', KEYS[1], 'ver')\n"
                               "if v and v ~= ARGV[1] then return 0 end\n"
                               "redis.call('HSET', KEYS[1], 'ver', ARGV[2], 'data', ARGV[3])\n"
                               "redis.call('PEXPIRE', KEYS[1], ARGV[4])\n"
                               "if ARGV[5] ~= '' then\n"
                               "  redis.call('SET', KEYS[2], ARGV[5], 'PX', ARGV[6])\n"
                               "end\n"
                               "return 1\n";

static void key_of(const char *phone, char key[64])
{
    snprintf(key, 64, "sampark:sess:%s", phone);
}

static void lang_key_of(const char *phone, char key[64])
{
    snprintf(key, 64, "sampark:lang:%s", phone);
}

/* The language key's value: '1' when the conversation was mid-way (its expiry is worth a
 * word to the citizen, as when the hash is still there), else '0'; then the language. */
static void lang_value(const char *state, const char *lang, char *out, size_t outsz)
{
    if (!*state && !*lang)
        snprintf(out, outsz, "%s", ""); /* nothing worth keeping */
    else
        snprintf(out, outsz, "%c%s", *state ? '1' : '0', lang);
}

/* A session whose hash is gone but whose language key remains ended within the last week:
 * the citizen is greeted back in their language (and told it timed out if it was mid-way). */
static void parse_lang_only(const redisReply *r, engine_session *s, int *expired)
{
    if (r->type != REDIS_REPLY_STRING || r->len < 1)
        return; /* never seen, or gone for more than a week */
    snprintf(s->lang, sizeof s->lang, "%.*s", (int)r->len - 1, r->str + 1);
    *expired = r->str[0] == '1';
}

/* Reads one HMGET ver data reply into s. */
static void parse(const redisReply *r, int64_t now_ms, int64_t ttl_ms, engine_session *s,
                  int *expired, unsigned *loaded_version)
{
    const char *p, *end;
    const char *fields[6];
    size_t nf = 0;
    *expired = 0;
    *loaded_version = 0;
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[1]->type != REDIS_REPLY_STRING)
        return; /* no session hash: see the language key */
    if (r->element[0]->type == REDIS_REPLY_STRING)
        *loaded_version = (unsigned)strtoul(r->element[0]->str, NULL, 10);
    p = r->element[1]->str;
    end = p + r->element[1]->len;
    while (p < end && nf < 6) {
        fields[nf++] = p;
        p += strlen(p) + 1;
    }
    if (nf < 6)
        return;
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

/* Reads n pipelined replies; every reply is read even after an error, so the connection stays
 * in step. On an error every reply is freed. */
static int replies(redisContext *c, size_t n, const char *what, redisReply **out, err *e)
{
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        void *v = NULL;
        out[i] = NULL;
        if (redisGetReply(c, &v) != REDIS_OK) {
            for (size_t k = 0; k < i; k++)
                freeReplyObject(out[k]);
            return err_set(e, ERR_ENV, "Redis: %s: %s", what, c->errstr);
        }
        out[i] = v;
        if (out[i]->type == REDIS_REPLY_ERROR && rc == 0)
            rc = err_set(e, ERR_ENV, "Redis: %s: %s", what, out[i]->str);
    }
    if (rc < 0)
        for (size_t i = 0; i < n; i++)
            freeReplyObject(out[i]);
    return rc;
}

int session_load_many(redisContext *c, const char *const *phones, size_t n, int64_t now_ms,
                      int64_t ttl_ms, engine_session *ss, int *expired, unsigned *versions, err *e)
{
    redisReply *stack[64], **r = n <= 32 ? stack : malloc(2 * n * sizeof *r);
    if (!r)
        return err_set(e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char key[64], lkey[64];
        key_of(phones[i], key);
        lang_key_of(phones[i], lkey);
        redisAppendCommand(c, "HMGET %s ver data", key);
        redisAppendCommand(c, "GET %s", lkey);
    }
    if (replies(c, 2 * n, "loading the session", r, e) < 0) {
        if (r != stack)
            free(r);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        parse(r[2 * i], now_ms, ttl_ms, &ss[i], &expired[i], &versions[i]);
        if (!versions[i] && !ss[i].state[0] && !expired[i])
            parse_lang_only(r[2 * i + 1], &ss[i], &expired[i]);
        freeReplyObject(r[2 * i]);
        freeReplyObject(r[2 * i + 1]);
    }
    if (r != stack)
        free(r);
    return 0;
}

int session_load(redisContext *c, const char *phone, int64_t now_ms, int64_t ttl_ms,
                 engine_session *s, int *expired, unsigned *loaded_version, err *e)
{
    return session_load_many(c, &phone, 1, now_ms, ttl_ms, s, expired, loaded_version, e);
}

char *session_pack(const engine_session *s, int64_t now_ms, size_t *len_out)
{
    char head[160];
    size_t len, cap = sizeof head;
    char *blob;
    int n = snprintf(head, sizeof head, "%s%c%s%c%d%c%d%c%d%c%lld", s->state, 0, s->lang, 0,
                     s->retries, 0, s->page, 0, s->waiting, 0, (long long)now_ms);
    if (n < 0 || (size_t)n >= sizeof head)
        return NULL;
    len = (size_t)n + 1;
    for (size_t i = 0; i < s->nvars; i++)
        cap += strlen(s->vars[i].key) + strlen(s->vars[i].value) + 2;
    if (!(blob = malloc(cap)))
        return NULL;
    memcpy(blob, head, len);
    for (size_t i = 0; i < s->nvars; i++) {
        size_t kl = strlen(s->vars[i].key) + 1, vl = strlen(s->vars[i].value) + 1;
        memcpy(blob + len, s->vars[i].key, kl);
        memcpy(blob + len + kl, s->vars[i].value, vl);
        len += kl + vl;
    }
    *len_out = len;
    return blob;
}

/* The language key's value for a packed session (state, then language, its first fields). */
static void blob_lang(const char *blob, size_t len, char *out, size_t outsz)
{
    const char *state_end = memchr(blob, '\0', len);
    if (!state_end || !memchr(state_end + 1, '\0', len - (size_t)(state_end + 1 - blob)))
        snprintf(out, outsz, "%s", ""); /* malformed: keep nothing */
    else
        lang_value(blob, state_end + 1, out, outsz);
}

int session_store_send(redisContext *c, const char *const *phones, const char *const *blobs,
                       const size_t *lens, size_t n, int64_t ttl_ms, const unsigned *versions)
{
    for (size_t i = 0; i < n; i++) {
        char key[64], lkey[64], old[16], ver[16], px[24], lang_px[24], lang[24];
        blob_lang(blobs[i], lens[i], lang, sizeof lang);
        key_of(phones[i], key);
        lang_key_of(phones[i], lkey);
        snprintf(old, sizeof old, "%u", versions[i]);
        snprintf(ver, sizeof ver, "%u", versions[i] + 1);
        snprintf(px, sizeof px, "%lld", (long long)ttl_ms);
        snprintf(lang_px, sizeof lang_px, "%lld", (long long)(ttl_ms + KEEP_LANG_MS));
        if (redisAppendCommand(c, "EVAL %s 2 %s %s %s %s %b %s %s %s", save_lua, key, lkey,
                               versions[i] ? old : "0", ver, blobs[i], lens[i], px, lang,
                               lang_px) != REDIS_OK)
            return -1;
    }
    return 0;
}

int session_store_replies(redisContext *c, size_t n, int *lost, err *e)
{
    redisReply *stack[32], **r = n <= 32 ? stack : malloc(n * sizeof *r);
    int rc = 0;
    if (!r)
        return err_set(e, ERR_ENV, "out of memory");
    if (replies(c, n, "saving the session", r, e) < 0) {
        rc = -1;
    } else {
        for (size_t i = 0; i < n; i++) {
            if (lost)
                lost[i] = !(r[i]->type == REDIS_REPLY_INTEGER && r[i]->integer == 1);
            freeReplyObject(r[i]);
        }
    }
    if (r != stack)
        free(r);
    return rc;
}

int session_store_many(redisContext *c, const char *const *phones, const char *const *blobs,
                       const size_t *lens, size_t n, int64_t ttl_ms, const unsigned *versions,
                       int *lost, err *e)
{
    if (session_store_send(c, phones, blobs, lens, n, ttl_ms, versions) < 0)
        return err_set(e, ERR_ENV, "Redis: saving the session: out of memory");
    return session_store_replies(c, n, lost, e);
}

int session_save_many(redisContext *c, const char *const *phones, size_t n, int64_t now_ms,
                      int64_t ttl_ms, const engine_session *const *ss, const unsigned *versions,
                      int *lost, err *e)
{
    char *stack_b[32] = {0}, **blobs = n <= 32 ? stack_b : calloc(n, sizeof *blobs);
    size_t stack_l[32] = {0}, *lens = n <= 32 ? stack_l : calloc(n, sizeof *lens);
    int rc = 0;
    if (!blobs || !lens)
        rc = err_set(e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < n && rc == 0; i++)
        if (!(blobs[i] = session_pack(ss[i], now_ms, &lens[i]))) {
            for (size_t k = 0; k < i; k++)
                free(blobs[k]);
            rc = err_set(e, ERR_ENV, "session too large or out of memory");
        }
    if (rc == 0) {
        rc = session_store_many(c, phones, (const char *const *)blobs, lens, n, ttl_ms, versions,
                                lost, e);
        for (size_t i = 0; i < n; i++)
            free(blobs[i]);
    }
    if (blobs != stack_b)
        free(blobs);
    if (lens != stack_l)
        free(lens);
    return rc;
}

int session_save(redisContext *c, const char *phone, int64_t now_ms, int64_t ttl_ms,
                 const engine_session *s, unsigned loaded_version, err *e)
{
    int lost = 0;
    if (session_save_many(c, &phone, 1, now_ms, ttl_ms, &s, &loaded_version, &lost, e) < 0)
        return -1;
    return lost;
}

int session_delete(redisContext *c, const char *phone, err *e)
{
    char key[64], lkey[64];
    redisReply *r;
    key_of(phone, key);
    lang_key_of(phone, lkey);
    r = redisCommand(c, "DEL %s %s", key, lkey);
    if (!r || r->type == REDIS_REPLY_ERROR) {
        err_set(e, ERR_ENV, "Redis: %s", r ? r->str : c->errstr);
        freeReplyObject(r);
        return -1;
    }
    freeReplyObject(r);
    return 0;
}
