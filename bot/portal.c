/* portal.c — the portal's routing: static files of web/ and the /api/ dispatch (see portal.h).
 *
 * Threading: the lws loop (http.c) copies what a request needs into a portal_job and queues it
 * on portal_pool; a pool thread (own PostgreSQL and Redis connections) runs portal_run, which
 * checks the session and calls the handler; the loop takes the finished job back after
 * lws_cancel_service() and sends the answer from a WRITEABLE callback. So a slow query delays
 * only the portal request that asked for it, never the webhook.
 *
 * Must never: call lws from a pool thread, answer an /api/ request (other than login) without a
 * live session, or log a phone number, a code or complaint text. */
#include "portal.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalogue.h"
#include "log.h"
#include "netaddr.h"
#include "portal_api.h"
#include "portal_auth.h"
#include "portal_public.h"
#include "rds.h"
#include "text.h"

/* Threads for portal requests: enough that one slow CSV does not hold up the list, few
 * enough not to crowd the workers' database connections. One Open311 query, the figures'
 * recompute (portal_public.c) and the media cache's sweep may each hold one at once: the
 * fourth is always the officers'. */
#define PORTAL_THREADS 4
/* Static files are read whole on the loop: the web app's files are small; a bigger file in
 * web/ is refused rather than read on the loop. */
#define STATIC_MAX (4u * 1024 * 1024)

struct portal {
    const config *cfg;
    portal_pool *pool;
};

/* ---- helpers for the handlers --------------------------------------------------------------- */

void portal_json(portal_response *rs, unsigned status, json_object *obj)
{
    const char *s = obj ? json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE)
                        : NULL;
    free(rs->body);
    rs->body = s ? strdup(s) : NULL;
    rs->len = rs->body ? strlen(rs->body) : 0;
    rs->status = rs->body ? status : 503;
    rs->ctype = "application/json; charset=utf-8";
    json_object_put(obj);
}

void portal_error(portal_response *rs, unsigned status, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    json_object *o = json_object_new_object();
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    json_object_object_add(o, "error", json_object_new_string(msg));
    portal_json(rs, status, o);
}

redisReply *portal_redis(portal_thread *t, const char *fmt, ...)
{
    va_list ap;
    redisReply *r;
    if (!t->redis) {
        err e = {0};
        if (!(t->redis = rds_connect(t->cfg, 2000, &e)))
            return NULL;
    }
    va_start(ap, fmt);
    r = redisvCommand(t->redis, fmt, ap);
    va_end(ap);
    if (!r || t->redis->err) { /* the connection is unusable: reconnect next time */
        freeReplyObject(r);
        redisFree(t->redis);
        t->redis = NULL;
        return NULL;
    }
    return r;
}

/* The counter's INCR and its expiry in one step. (SET NX EX then INCR was two: a key that expired
 * between them came back from INCR without a TTL and counted for ever — a phone's 3 codes, an
 * address's 30 requests — locking it out until someone deleted the key.) */
static const char count_lua[] =
    "local n = redis.call('INCR', KEYS[1])\n"
    "local ttl = redis.call('TTL', KEYS[1])\n"
    "if ttl < 0 then\n"
    "  redis.call('EXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end\n"
    "return {n, ttl}";

long long portal_count(portal_thread *t, const char *key, int window_s, int *ttl_s)
{
    char ttl[16];
    redisReply *r;
    long long n = -1;
    snprintf(ttl, sizeof ttl, "%d", window_s);
    r = portal_redis(t, "EVAL %s 1 %s %s", count_lua, key, ttl);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
        r->element[0]->type == REDIS_REPLY_INTEGER && r->element[1]->type == REDIS_REPLY_INTEGER) {
        n = r->element[0]->integer;
        if (ttl_s)
            *ttl_s = (int)r->element[1]->integer;
    }
    freeReplyObject(r);
    return n;
}

void portal_log(const char *what, const char *detail)
{
    char shown[700];
    text_mask_copy(shown, sizeof shown, detail);
    log_warn("portal", "%s: %s", what, shown);
}

/* Queues task(arg) for a pool thread: 0, or -1 when out of memory or the queue is full. */
static int queue_task(portal *p, void (*task)(portal_thread *, const char *), const char *arg)
{
    portal_job *j = calloc(1, sizeof *j);
    if (!j || !(j->rq.body = strdup(arg))) {
        free(j);
        return -1;
    }
    j->portal = p;
    j->task = task; /* owner stays NULL: the loop frees it when it comes back */
    if (portal_submit(p, j) < 0) {
        portal_job_free(j);
        return -1;
    }
    return 0;
}

int portal_defer(portal_thread *t, void (*task)(portal_thread *, const char *), const char *arg)
{
    return queue_task(t->portal, task, arg);
}

int portal_sweep_media(portal *p)
{
    return queue_task(p, portal_api_media_sweep, "");
}

const char *portal_arg(const portal_request *rq, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; i < rq->nargs; i++)
        if (strncmp(rq->args[i], name, n) == 0 && rq->args[i][n] == '=')
            return rq->args[i] + n + 1;
    return NULL;
}

/* ---- the pool's side ------------------------------------------------------------------------ */

static void *thread_new(void *arg)
{
    portal *p = arg;
    portal_thread *t = calloc(1, sizeof *t);
    if (t) {
        t->cfg = p->cfg;
        t->portal = p;
        t->pg = db_new(p->cfg->database_url);
    }
    return t;
}

static void thread_free(void *arg)
{
    portal_thread *t = arg;
    if (!t)
        return;
    db_close(t->pg);
    if (t->redis)
        redisFree(t->redis);
    catalogue_free(t->cat);
    free(t);
}

static void run(pool_job *pj, void *tctx)
{
    portal_job *j = (portal_job *)pj;
    portal_thread *t = tctx;
    const portal_request *rq = &j->rq;
    portal_response *rs = &j->rs;
    portal_user u;
    if (!t || !t->pg) {
        portal_error(rs, 503, "out of memory");
        return;
    }
    if (j->task) {
        j->task(t, rq->body ? rq->body : "");
        return;
    }
    if (portal_public_path(rq->path)) /* no session: the public page, its figures, Open311 */
        return portal_public(t, rq, rs);
    if (rq->post && strcmp(rq->path, "/api/login") == 0)
        return portal_auth_login(t, rq, rs);
    if (rq->post && strcmp(rq->path, "/api/login/verify") == 0)
        return portal_auth_verify(t, rq, rs);
    if (portal_auth_session(t, rq, &u, rs) < 0)
        return;
    if (rq->post && strcmp(rq->path, "/api/logout") == 0)
        return portal_auth_logout(t, &u, rq, rs);
    if (!rq->post && strcmp(rq->path, "/api/me") == 0)
        return portal_json(rs, 200, portal_auth_user_json(&u));
    portal_api(t, &u, rq, rs);
}

/* ---- the loop's side ------------------------------------------------------------------------ */

portal *portal_new(const config *c, struct lws_context *wake, err *e)
{
    portal *p = calloc(1, sizeof *p);
    curl_global_init(CURL_GLOBAL_DEFAULT); /* before the threads: the media proxy uses curl */
    if (p) {
        p->cfg = c;
        p->pool = portal_pool_start(PORTAL_THREADS, thread_new, thread_free, p, wake, e);
    } else {
        err_set(e, ERR_ENV, "out of memory");
    }
    if (p && !p->pool) {
        free(p);
        p = NULL;
    }
    return p;
}

void portal_stop(portal *p)
{
    if (p)
        portal_pool_stop(p->pool);
}

void portal_free(portal *p)
{
    if (!p)
        return;
    portal_pool_stop(p->pool);
    for (portal_job *j = portal_done(p), *next; j; j = next) {
        next = (portal_job *)j->base.next;
        portal_job_free(j);
    }
    portal_pool_free(p->pool);
    free(p);
}

static void add_arg(portal_job *j, const char *arg)
{
    char **a = realloc(j->rq.args, (j->rq.nargs + 1) * sizeof *a);
    if (!a)
        return;
    j->rq.args = a;
    if ((a[j->rq.nargs] = strdup(arg)))
        j->rq.nargs++;
}

/* Cookie name's value from a Cookie header ("a=b; sampark_session=...; c=d"); "" when absent
 * or longer than out. */
static void cookie_value(const char *header, const char *name, char *out, size_t outsz)
{
    const char *p = header;
    size_t len = strlen(name);
    *out = '\0';
    while (p && *p) {
        p += strspn(p, " ;");
        if (strncmp(p, name, len) == 0 && p[len] == '=') {
            size_t n = strcspn(p + len + 1, ";");
            if (n < outsz)
                snprintf(out, outsz, "%.*s", (int)n, p + len + 1);
            return;
        }
        p = strchr(p, ';');
    }
}

/* A proxy whose X-Forwarded-For is believed: this machine's, or one of SAMPARK_TRUSTED_PROXIES. */
static int peer_trusted(const portal *p, const char *addr)
{
    return netaddr_in(NETADDR_LOOPBACK, addr, NULL, 0) == 1 ||
           netaddr_in(p->cfg->trusted_proxies, addr, NULL, 0) == 1;
}

portal_job *portal_job_new(portal *p, struct lws *wsi, const char *path, int post)
{
    portal_job *j = calloc(1, sizeof *j);
    char buf[1024];
    if (!j)
        return NULL;
    j->portal = p;
    j->rq.post = post;
    snprintf(j->rq.path, sizeof j->rq.path, "%s", path);
    for (int i = 0;; i++) {
        int len = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
        if (len <= 0)
            break;
        /* An argument too long to copy, or too many of them, must not silently drop a filter:
         * it becomes one that the handlers refuse by name. */
        if (i == 64 || len >= (int)sizeof buf ||
            lws_hdr_copy_fragment(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_URI_ARGS, i) < 0) {
            add_arg(j, "(an argument over 1 KiB, or over 64 arguments)=");
            break;
        }
        if (strcmp(buf, "/") != 0) /* lws 4.1's fragment for an empty query ("path?") */
            add_arg(j, buf);
    }
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) > 0) {
        cookie_value(buf, "sampark_session", j->rq.session, sizeof j->rq.session);
        cookie_value(buf, "sampark_device", j->rq.device, sizeof j->rq.device);
    }
    if (lws_hdr_custom_copy(wsi, buf, sizeof buf, "x-csrf-token:", 13) > 0)
        snprintf(j->rq.csrf, sizeof j->rq.csrf, "%s", buf);
    lws_get_peer_simple(wsi, j->rq.client, sizeof j->rq.client);
    /* Behind a reverse proxy — on this machine, or in SAMPARK_TRUSTED_PROXIES (Docker's bridge,
     * through which the host's proxy reaches the container) — the client is the last
     * X-Forwarded-For entry: a proxy that
     * appends ($proxy_add_x_forwarded_for, most proxies' default) puts the address it saw last,
     * after whatever the client sent itself; the first entry is the client's to choose, and taking
     * it let one client rotate past the per-address login limit. */
    if (peer_trusted(p, j->rq.client) &&
        lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_X_FORWARDED_FOR) > 0) {
        const char *last = strrchr(buf, ',');
        size_t n;
        last = last ? last + 1 : buf;
        last += strspn(last, " \t");
        n = strcspn(last, " \t");
        if (n && n < sizeof j->rq.client)
            snprintf(j->rq.client, sizeof j->rq.client, "%.*s", (int)n, last);
    }
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_ACCEPT_LANGUAGE) > 0)
        snprintf(j->rq.accept_language, sizeof j->rq.accept_language, "%s", buf);
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_CONTENT_TYPE) > 0) {
        size_t n = strlen("application/json");
        j->rq.json = strncasecmp(buf, "application/json", n) == 0 &&
                     (buf[n] == '\0' || buf[n] == ';' || buf[n] == ' ');
    }
    j->rq.https = lws_is_ssl(wsi) ||
                  (lws_hdr_custom_copy(wsi, buf, sizeof buf, "x-forwarded-proto:", 18) > 0 &&
                   strcasecmp(buf, "https") == 0);
    return j;
}

int portal_submit(portal *p, portal_job *j)
{
    j->base.run = run;
    return portal_pool_submit(p->pool, &j->base);
}

portal_job *portal_done(portal *p)
{
    return (portal_job *)portal_pool_done(p->pool);
}

void portal_job_free(portal_job *j)
{
    if (!j)
        return;
    for (size_t i = 0; i < j->rq.nargs; i++)
        free(j->rq.args[i]);
    free(j->rq.args);
    free(j->rq.body);
    free(j->rs.body);
    if (j->rs.file)
        fclose(j->rs.file);
    free(j);
}

/* ---- static files --------------------------------------------------------------------------- */

int portal_static_name(const char *path, char *out, size_t outsz)
{
    const char *rel;
    if (strncmp(path, "/portal/", 8) != 0)
        return -1;
    rel = path + 8;
    if (!*rel)
        rel = "index.html";
    /* Plain names only: letters, digits, '-', '_', '.', and '/' between segments; no segment
     * may start with '.' (so no "..", no hidden files) and none may be empty. */
    if (strspn(rel, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./") !=
        strlen(rel))
        return -1;
    for (const char *s = rel; *s;) {
        size_t n = strcspn(s, "/");
        if (n == 0 || s[0] == '.')
            return -1;
        s += n;
        if (*s == '/') {
            s++;
            if (!*s)
                return -1; /* a trailing slash names no file */
        }
    }
    if (strlen(rel) >= outsz)
        return -1;
    snprintf(out, outsz, "%s", rel);
    return 0;
}

const char *portal_content_type(const char *name)
{
    /* Extension, type, extension, type...: the kinds of file a web app ships. */
    static const char *const types[] = {".html",  "text/html; charset=utf-8",
                                        ".js",    "text/javascript; charset=utf-8",
                                        ".mjs",   "text/javascript; charset=utf-8",
                                        ".css",   "text/css; charset=utf-8",
                                        ".json",  "application/json; charset=utf-8",
                                        ".svg",   "image/svg+xml",
                                        ".png",   "image/png",
                                        ".ico",   "image/x-icon",
                                        ".woff2", "font/woff2",
                                        ".woff",  "font/woff",
                                        ".ttf",   "font/ttf",
                                        ".txt",   "text/plain; charset=utf-8"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i + 1 < sizeof types / sizeof types[0]; i += 2)
        if (strcmp(dot, types[i]) == 0)
            return types[i + 1];
    return "application/octet-stream";
}

/* Opens rel (a checked name, portal_static_name) under dir without following a symbolic link
 * at any step: O_NOFOLLOW on the whole path guards only its last name, so a link to a directory
 * inside web/ ("web/sub -> /") served files from anywhere. -1 when refused or missing. */
static int open_beneath(const char *dir, const char *rel)
{
    char seg[256];
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), next;
    while (fd >= 0) {
        size_t n = strcspn(rel, "/");
        if (n >= sizeof seg) {
            close(fd);
            return -1;
        }
        snprintf(seg, sizeof seg, "%.*s", (int)n, rel);
        next = openat(fd, seg, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (rel[n] ? O_DIRECTORY : 0));
        close(fd);
        if (!rel[n])
            return next;
        fd = next;
        rel += n + 1;
    }
    return -1;
}

void portal_static(const portal *p, const char *path, portal_response *rs)
{
    char rel[256];
    struct stat st;
    int fd;
    ssize_t got = 0;
    if (strcmp(path, "/portal") == 0) { /* the app's relative links need the slash */
        portal_error(rs, 301, "the portal is at /portal/");
        rs->location = "/portal/";
        return;
    }
    if (portal_static_name(path, rel, sizeof rel) < 0) {
        portal_error(rs, 404, "not found");
        return;
    }
    fd = open_beneath(p->cfg->web_dir, rel);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)STATIC_MAX) {
        if (fd >= 0)
            close(fd);
        portal_error(rs, 404, "not found");
        return;
    }
    free(rs->body);
    rs->body = malloc((size_t)st.st_size + 1);
    while (rs->body && got < st.st_size) {
        ssize_t n = read(fd, rs->body + got, (size_t)(st.st_size - got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += n;
    }
    close(fd);
    if (!rs->body || got != st.st_size) {
        portal_error(rs, 500, "cannot read the file");
        return;
    }
    rs->len = (size_t)got;
    rs->status = 200;
    rs->ctype = portal_content_type(rel);
}
