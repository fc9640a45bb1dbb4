/* portal_auth.c — login codes, limits and sessions in Redis (see portal_auth.h).
 * Keys, all under sampark:portal: code:<phone> (salt and SHA-256 of the code; TTL = its life),
 * sent:<phone> (codes in 15 min), fail:<phone> (wrong codes), lock:<phone> (15 min after 5
 * wrong), addr:<client> (login requests in an hour; an IPv6 client by its /64), sess:<id> (phone
 * and CSRF token, 12 h after last use), device:<id> (the phone a browser signed in as, 90 days
 * after its last sign-in). A browser with a device:<id> of the phone it asks for (its
 * sampark_device cookie) has code:, sent:, fail: and lock: of its own (<phone>:d:<id>) and no
 * addr: limit: whoever knows an officer's phone and sends wrong codes, or asks for codes, locks
 * out the browsers that never signed in as that phone, not the officer's own (OWASP's "device
 * cookies"). Unknown phones go through every step a known one does except the message, so
 * neither the answer nor its limits tell whether a phone is in the directory.
 * Never log a phone, a code, a session id or a device id. */
#include "portal_auth.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "netaddr.h"
#include "outbox.h"

#define CODES_PER_WINDOW 3
#define CODE_WINDOW_S    900
#define FAILS_TO_LOCK    5
#define LOCK_S           900
#define ADDR_PER_HOUR    30
#define SESSION_S        (12 * 3600)
#define DEVICE_S         (90 * 24 * 3600)
/* A key's room: "sampark:portal:" + what + phone (15) + ":d:" + device id (32). */
#define KEY_MAX 96

/* Whose codes and limits a login request uses: ":d:<id>" of a browser that signed in as the
 * phone before (the keys then end with it), or "" — the phone's own, everyone else's. */
typedef struct scope {
    char suffix[40];
} scope;

/* The key sampark:portal:<what>:<phone><scope>. */
static void scoped_key(char out[KEY_MAX], const char *what, const char *phone, const scope *sc)
{
    snprintf(out, KEY_MAX, "sampark:portal:%s:%s%s", what, phone, sc ? sc->suffix : "");
}
static void hex(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int random_hex(char *out, size_t bytes)
{
    unsigned char b[32];
    if (bytes > sizeof b || RAND_bytes(b, (int)bytes) != 1)
        return -1;
    hex(b, bytes, out);
    return 0;
}

/* Six uniform digits (rejection sampling: no modulo bias). */
static int new_code(char out[7])
{
    uint32_t v;
    do {
        if (RAND_bytes((unsigned char *)&v, sizeof v) != 1)
            return -1;
    } while (v >= 4294000000u); /* the largest multiple of 10^6 below 2^32 */
    snprintf(out, 7, "%06u", (unsigned)(v % 1000000u));
    return 0;
}

static void code_hash(const char *salt, const char *phone, const char *code, char out[65])
{
    unsigned char d[SHA256_DIGEST_LENGTH];
    char buf[200];
    int n = snprintf(buf, sizeof buf, "%s:%s:%s", salt, phone, code);
    SHA256((const unsigned char *)buf, (size_t)n, d);
    hex(d, sizeof d, out);
}

/* The request body as a JSON object, or NULL with rs answered 400. */
json_object *portal_auth_body(const portal_request *rq, portal_response *rs)
{
    json_tokener *tok = json_tokener_new_ex(8);
    json_object *o = NULL;
    if (!tok) {
        portal_error(rs, 503, "out of memory");
        return NULL;
    }
    /* A cross-site HTML form can POST a JSON-looking text/plain body but cannot set this type
     * (a script would need CORS, which the API never grants): without the check another site
     * could sign a visitor in to its own account (login CSRF; login and verify carry no CSRF
     * token). */
    if (!rq->json) {
        json_tokener_free(tok);
        portal_error(rs, 400, "body: Content-Type must be application/json");
        return NULL;
    }
    if (rq->body && rq->len)
        o = json_tokener_parse_ex(tok, rq->body, (int)rq->len);
    if (!o || json_tokener_get_error(tok) != json_tokener_success ||
        (size_t)json_tokener_get_parse_end(tok) != rq->len) {
        portal_error(rs, 400, "body: not a JSON object (%s)",
                     !rq->len ? "empty"
                     : o      ? "something follows the object"
                              : json_tokener_error_desc(json_tokener_get_error(tok)));
        json_object_put(o);
        o = NULL;
    } else if (!json_object_is_type(o, json_type_object)) {
        portal_error(rs, 400, "body: not a JSON object");
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

/* A string field made only of digits, minlen..maxlen of them; NULL with rs answered 400. */
static const char *digits_field(json_object *o, const char *name, size_t minlen, size_t maxlen,
                                portal_response *rs)
{
    json_object *v;
    const char *s;
    size_t n;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string)) {
        portal_error(rs, 400, "%s: missing (a string of digits)", name);
        return NULL;
    }
    s = json_object_get_string(v);
    n = strlen(s);
    if (n < minlen || n > maxlen || strspn(s, "0123456789") != n) {
        if (minlen == maxlen)
            portal_error(rs, 400, "%s: must be %zu digits", name, minlen);
        else
            portal_error(rs, 400, "%s: must be %zu to %zu digits (country code and number)", name,
                         minlen, maxlen);
        return NULL;
    }
    return s;
}

/* A hash's fields and its expiry in one step: never a code or a session without its end. */
static const char hset_ex_lua[] =
    "redis.call('DEL', KEYS[1])\n"
    "redis.call('HSET', KEYS[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])\n"
    "return redis.call('EXPIRE', KEYS[1], ARGV[1])";

/* Deletes the code only if it is still the one checked: a newer code that replaced it between
 * the check and the DEL stays, and the older one does not sign in. */
static const char take_code_lua[] = "if redis.call('HGET', KEYS[1], 'hash') == ARGV[1] then\n"
                                    "  return redis.call('DEL', KEYS[1]) end\n"
                                    "return 0";

static int exists(portal_thread *t, const char *key)
{
    redisReply *r = portal_redis(t, "EXISTS %s", key);
    int n = r && r->type == REDIS_REPLY_INTEGER ? (int)r->integer : -1;
    freeReplyObject(r);
    return n;
}

/* Counts this login request against the client's address — an IPv6 client's /64, as the public
 * limit counts it: one line gets a whole /64 and could rotate through it, past the limit and
 * growing Redis by a key an address: 0 go on, -1 answered (429/503). */
static int address_limit(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    char key[128], who[80];
    long long n;
    snprintf(key, sizeof key, "sampark:portal:addr:%s",
             netaddr_client_key(rq->client, who, sizeof who));
    if ((n = portal_count(t, key, 3600, NULL)) < 0) {
        portal_error(rs, 503, "Redis unavailable; try again");
        return -1;
    }
    if (n > ADDR_PER_HOUR) {
        portal_error(rs, 429,
                     "too many login requests from this address; try again within an hour");
        return -1;
    }
    return 0;
}

static int locked(portal_thread *t, const char *phone, const scope *sc, portal_response *rs)
{
    char key[KEY_MAX];
    int n;
    scoped_key(key, "lock", phone, sc);
    if ((n = exists(t, key)) < 0) {
        portal_error(rs, 503, "Redis unavailable; try again");
        return 1;
    }
    if (n) {
        portal_error(rs, 429, "too many wrong codes: this phone is locked for 15 minutes");
        return 1;
    }
    return 0;
}

/* The request's scope for phone: its device's when its sampark_device cookie names a device
 * that signed in as phone; otherwise (and when Redis cannot tell) the phone's. */
static scope scope_of(portal_thread *t, const portal_request *rq, const char *phone)
{
    scope sc = {{0}};
    char key[KEY_MAX];
    redisReply *r;
    if (strlen(rq->device) != 32 || strspn(rq->device, "0123456789abcdef") != 32)
        return sc;
    snprintf(key, sizeof key, "sampark:portal:device:%s", rq->device);
    r = portal_redis(t, "GET %s", key);
    if (r && r->type == REDIS_REPLY_STRING && strcmp(r->str, phone) == 0)
        snprintf(sc.suffix, sizeof sc.suffix, ":d:%s", rq->device);
    freeReplyObject(r);
    return sc;
}

/* A phone's own requests count against the client's address; a known device's do not (its
 * own limits are enough, and an officer behind the collectorate's one address keeps in). */
static int gate(portal_thread *t, const portal_request *rq, const char *phone, const scope *sc,
                portal_response *rs)
{
    if (!sc->suffix[0] && address_limit(t, rq, rs) < 0)
        return -1;
    return locked(t, phone, sc, rs) ? -1 : 0;
}

/* The code for arg's phone ("<phone>" or "<phone>:d:<device>": its scope), if the directory
 * knows it: created, stored and queued. Deferred by portal_auth_login, after its answer, so
 * that how long the answer takes does not tell a directory phone from another. */
static void send_code(portal_thread *t, const char *arg)
{
    json_object *hint = NULL, *params;
    char key[KEY_MAX], role[16], deps[512], name[200], code[7], salt[33], hash[65], ttl[16];
    char text[300], okey[96], phone[16];
    redisReply *r;
    err e = {0};
    int known;
    snprintf(phone, sizeof phone, "%.*s", (int)strcspn(arg, ":"), arg);
    known = directory_portal_role(t->pg, phone, role, sizeof role, deps, sizeof deps, name,
                                  sizeof name, &e);
    if (known < 0)
        portal_log("login code not sent", e.msg);
    if (known <= 0)
        return;
    if (new_code(code) < 0 || random_hex(salt, 16) < 0) {
        portal_log("login code not sent", "no randomness");
        return;
    }
    code_hash(salt, phone, code, hash);
    snprintf(key, sizeof key, "sampark:portal:code:%s", arg);
    snprintf(ttl, sizeof ttl, "%d", t->cfg->portal_code_ttl_s);
    /* A newer code replaces the older one: one key per phone and scope. */
    r = portal_redis(t, "EVAL %s 1 %s %s salt %s hash %s", hset_ex_lua, key, ttl, salt, hash);
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
        freeReplyObject(r);
        portal_log("login code not sent", "Redis unavailable");
        return;
    }
    freeReplyObject(r);
    snprintf(text, sizeof text,
             "%s — सम्पर्क पोर्टल लॉगिन कोड / Sampark portal login code. %d मिनट तक मान्य; "
             "किसी को न बताएं. Valid for %d minutes; never share it.",
             code, (t->cfg->portal_code_ttl_s + 59) / 60, (t->cfg->portal_code_ttl_s + 59) / 60);
    snprintf(okey, sizeof okey, "portal_login:%s:%s", phone, salt);
    hint = json_object_new_object();
    params = json_object_new_array();
    json_object_array_add(params, json_object_new_string(code));
    json_object_object_add(hint, "params", params);
    if (outbox_text_hinted(t->pg, okey, phone, text, "login_code",
                           json_object_to_json_string_ext(hint, JSON_C_TO_STRING_PLAIN), &e) < 0)
        portal_log("login code not queued", e.msg);
    json_object_put(hint);
}

void portal_auth_login(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    json_object *o = portal_auth_body(rq, rs);
    const char *phone;
    char key[KEY_MAX], arg[KEY_MAX];
    long long sent;
    scope sc;
    if (!o)
        return;
    if (!(phone = digits_field(o, "phone", 8, 15, rs)))
        goto out;
    sc = scope_of(t, rq, phone);
    if (gate(t, rq, phone, &sc, rs) < 0)
        goto out;
    scoped_key(key, "sent", phone, &sc);
    if ((sent = portal_count(t, key, CODE_WINDOW_S, NULL)) < 0) {
        portal_error(rs, 503, "Redis unavailable; try again");
        goto out;
    }
    if (sent > CODES_PER_WINDOW) {
        portal_error(rs, 429, "at most %d codes per phone in 15 minutes; use the last one",
                     CODES_PER_WINDOW);
        goto out;
    }
    snprintf(arg, sizeof arg, "%s%s", phone, sc.suffix);
    if (portal_defer(t, send_code, arg) < 0) {
        portal_error(rs, 503, "busy; try again");
        goto out;
    }
    portal_json(rs, 202, json_tokener_parse("{\"sent\": true}"));
out:
    json_object_put(o);
}

/* rs's Set-Cookie for the session id (max_age 0 with an empty id clears it). */
static void set_cookie(const portal_request *rq, const char *id, int max_age, portal_response *rs)
{
    snprintf(rs->set_cookie[0], sizeof rs->set_cookie[0],
             "sampark_session=%s; Path=/; Max-Age=%d; HttpOnly; SameSite=Strict%s", id, max_age,
             rq->https ? "; Secure" : "");
}

/* After a sign-in as phone: the browser's device (the one it came with when that was phone's,
 * or a new one) remembered for 90 days more, and its cookie — sent only to the login requests,
 * it opens nothing: it only gives the browser limits of its own (scope_of). A failure leaves
 * the sign-in as it is, with the phone's limits next time. */
static void remember_device(portal_thread *t, const portal_request *rq, const char *phone,
                            const scope *sc, portal_response *rs)
{
    char id[33], key[KEY_MAX], ttl[16];
    redisReply *r;
    if (sc->suffix[0])
        snprintf(id, sizeof id, "%s", rq->device);
    else if (random_hex(id, 16) < 0)
        return;
    snprintf(key, sizeof key, "sampark:portal:device:%s", id);
    snprintf(ttl, sizeof ttl, "%d", DEVICE_S);
    r = portal_redis(t, "SET %s %s EX %s", key, phone, ttl);
    if (r && r->type == REDIS_REPLY_STATUS)
        snprintf(rs->set_cookie[1], sizeof rs->set_cookie[1],
                 "sampark_device=%s; Path=/api/login; Max-Age=%d; HttpOnly; SameSite=Strict%s", id,
                 DEVICE_S, rq->https ? "; Secure" : "");
    freeReplyObject(r);
}

/* Opens a session for phone: rs gets 200, the user and the cookie (0), or 503 (-1). */
static int open_session(portal_thread *t, const portal_request *rq, portal_user *u,
                        portal_response *rs)
{
    char key[96], ttl[16];
    redisReply *r;
    if (random_hex(u->session, 16) < 0 || random_hex(u->csrf, 16) < 0) {
        portal_error(rs, 503, "no randomness; try again");
        return -1;
    }
    snprintf(key, sizeof key, "sampark:portal:sess:%s", u->session);
    snprintf(ttl, sizeof ttl, "%d", SESSION_S);
    r = portal_redis(t, "EVAL %s 1 %s %s phone %s csrf %s", hset_ex_lua, key, ttl, u->phone,
                     u->csrf);
    if (!r || r->type != REDIS_REPLY_INTEGER || r->integer != 1) {
        freeReplyObject(r);
        portal_error(rs, 503, "Redis unavailable; try again");
        return -1;
    }
    freeReplyObject(r);
    portal_json(rs, 200, portal_auth_user_json(u));
    set_cookie(rq, u->session, SESSION_S, rs);
    return 0;
}

void portal_auth_verify(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    json_object *o = portal_auth_body(rq, rs);
    const char *phone, *code;
    char key[KEY_MAX], fkey[KEY_MAX], want[65], got[65];
    redisReply *r = NULL, *d;
    portal_user u;
    err e = {0};
    int ok = 0;
    scope sc;
    memset(&u, 0, sizeof u);
    if (!o)
        return;
    if (!(phone = digits_field(o, "phone", 8, 15, rs)) ||
        !(code = digits_field(o, "code", 6, 6, rs)))
        goto out;
    sc = scope_of(t, rq, phone);
    if (gate(t, rq, phone, &sc, rs) < 0)
        goto out;
    scoped_key(key, "code", phone, &sc);
    scoped_key(fkey, "fail", phone, &sc);
    if (!(r = portal_redis(t, "HMGET %s salt hash", key))) {
        portal_error(rs, 503, "Redis unavailable; try again");
        goto out;
    }
    if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING &&
        r->element[1]->len == 64) {
        code_hash(r->element[0]->str, phone, code, got);
        memcpy(want, r->element[1]->str, 65);
        ok = CRYPTO_memcmp(want, got, 64) == 0;
    }
    if (ok) {
        /* Single use: of two requests with the right code, only the one whose DEL removed it
         * gets in; and only while it is still the newest code. */
        d = portal_redis(t, "EVAL %s 1 %s %s", take_code_lua, key, want);
        ok = d && d->type == REDIS_REPLY_INTEGER && d->integer == 1;
        freeReplyObject(d);
    }
    if (!ok) {
        long long fails = portal_count(t, fkey, LOCK_S, NULL);
        if (fails >= FAILS_TO_LOCK) {
            char lkey[KEY_MAX], lock_s[16];
            scoped_key(lkey, "lock", phone, &sc);
            snprintf(lock_s, sizeof lock_s, "%d", LOCK_S);
            freeReplyObject(portal_redis(t, "SET %s 1 EX %s", lkey, lock_s));
            freeReplyObject(portal_redis(t, "DEL %s %s", key, fkey));
        }
        portal_error(rs, 401, "wrong, expired or used code");
        goto out;
    }
    freeReplyObject(portal_redis(t, "DEL %s", fkey));
    snprintf(u.phone, sizeof u.phone, "%s", phone);
    switch (directory_portal_role(t->pg, phone, u.role, sizeof u.role, u.departments,
                                  sizeof u.departments, u.name, sizeof u.name, &e)) {
    case 1:
        if (open_session(t, rq, &u, rs) == 0)
            remember_device(t, rq, phone, &sc, rs);
        break;
    case 0: /* left the directory since the code was sent */
        portal_error(rs, 401, "wrong, expired or used code");
        break;
    default:
        portal_log("verify", e.msg);
        portal_error(rs, 503, "database unavailable; try again");
    }
out:
    freeReplyObject(r);
    json_object_put(o);
}

void portal_auth_logout(portal_thread *t, const portal_user *u, const portal_request *rq,
                        portal_response *rs)
{
    char key[96];
    snprintf(key, sizeof key, "sampark:portal:sess:%s", u->session);
    freeReplyObject(portal_redis(t, "DEL %s", key));
    portal_json(rs, 200, json_tokener_parse("{\"ok\": true}"));
    set_cookie(rq, "", 0, rs);
}

int portal_auth_session(portal_thread *t, const portal_request *rq, portal_user *u,
                        portal_response *rs)
{
    char key[96], ttl[16];
    redisReply *r;
    err e = {0};
    int rc = -1, known;
    memset(u, 0, sizeof *u);
    if (strlen(rq->session) != 32 || strspn(rq->session, "0123456789abcdef") != 32) {
        portal_error(rs, 401, "not signed in");
        return -1;
    }
    snprintf(key, sizeof key, "sampark:portal:sess:%s", rq->session);
    if (!(r = portal_redis(t, "HMGET %s phone csrf", key))) {
        portal_error(rs, 503, "Redis unavailable; try again");
        return -1;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
        r->element[0]->type != REDIS_REPLY_STRING || r->element[1]->type != REDIS_REPLY_STRING) {
        portal_error(rs, 401, "not signed in (or the session expired)");
        goto out;
    }
    snprintf(u->phone, sizeof u->phone, "%s", r->element[0]->str);
    snprintf(u->csrf, sizeof u->csrf, "%s", r->element[1]->str);
    snprintf(u->session, sizeof u->session, "%s", rq->session);
    if (rq->post && (strlen(rq->csrf) != strlen(u->csrf) ||
                     CRYPTO_memcmp(rq->csrf, u->csrf, strlen(u->csrf)) != 0)) {
        portal_error(rs, 403, "missing or wrong X-CSRF-Token");
        goto out;
    }
    snprintf(ttl, sizeof ttl, "%d", SESSION_S);
    freeReplyObject(portal_redis(t, "EXPIRE %s %s", key, ttl)); /* 12 h after last use */
    known = directory_portal_role(t->pg, u->phone, u->role, sizeof u->role, u->departments,
                                  sizeof u->departments, u->name, sizeof u->name, &e);
    if (known < 0) {
        portal_log("session", e.msg);
        portal_error(rs, 503, "database unavailable; try again");
        goto out;
    }
    if (!known) { /* removed from the directory: the session ends with it */
        freeReplyObject(portal_redis(t, "DEL %s", key));
        portal_error(rs, 401, "not signed in");
        goto out;
    }
    /* The cookie's Max-Age slides with the session: set once at sign-in, the browser dropped it
     * 12 h after sign-in however busy the session was since. */
    set_cookie(rq, u->session, SESSION_S, rs);
    rc = 0;
out:
    freeReplyObject(r);
    return rc;
}

json_object *portal_auth_user_json(const portal_user *u)
{
    json_object *o = json_object_new_object();
    json_object *deps = json_tokener_parse(u->departments);
    json_object_object_add(o, "phone", json_object_new_string(u->phone));
    json_object_object_add(o, "name", json_object_new_string(u->name));
    json_object_object_add(o, "role", json_object_new_string(u->role));
    json_object_object_add(o, "departments", deps ? deps : json_object_new_array());
    json_object_object_add(o, "csrf", json_object_new_string(u->csrf));
    return o;
}
