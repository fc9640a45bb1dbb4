/* http.c — libwebsockets server for serve (see http.h).
 * One service thread per context (Debian's lws has LWS_MAX_SMP 1); scale with processes.
 * The loop is: lws_service() handles whatever poll() returned — requests that need Redis
 * only append to the pipeline — then one flush sends them all and answers each. So Redis
 * costs one round trip per loop turn, not per request, and nothing blocks on it for long.
 * Must never answer 200 to a notification that is not in Redis. */
#include "http.h"

#include <assert.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "clock.h"
#include "db.h"
#include "log.h"
#include <stddef.h>
#include "metrics.h"
#include "portal.h"
#include "queue.h"
#include "vec.h"
#include "wa_in.h"

/* All request bodies buffered at once stay under this, whatever the number of clients. */
#define HTTP_MAX_BUFFERED (256u * 1024 * 1024)
/* Seconds a client has to send a whole request body. */
#define HTTP_BODY_DEADLINE_S 10
/* Seconds an idle keep-alive connection is kept: long enough for Meta's and a proxy's reuse
 * between bursts, short enough that idle sockets cannot pile up. */
#define HTTP_KEEPALIVE_S 10
/* lws cuts a request off timeout_secs (10 s) after it arrived, answered or not: a portal job may
 * take longer (the CSV of a big district, a media file looked up and downloaded in up to 2 × 30 s),
 * so a request waiting on a portal thread gets this long, and a portal answer's file, sent a chunk
 * per WRITEABLE, this long without progress. */
#define PORTAL_WAIT_S      120
#define PORTAL_SEND_IDLE_S 30

struct pss;

/* Health and metrics that need PostgreSQL or a separate Redis connection are gathered by
 * this thread and read from here, so no request waits on PostgreSQL (a hung database must
 * not slow the webhook down). */
struct probe {
    pthread_t tid;
    int started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    int pg_ok;
    char pg_error[256];
    char *extra; /* metrics text about queues and cases, malloc'd */
};

struct http_server {
    const config *cfg;
    struct probe probe;
    queue_producer *prod;
    portal *portal;              /* the web portal's threads (SPEC section 10) */
    lws_sorted_usec_list_t tick;  /* wakes the loop while draining */
    lws_sorted_usec_list_t sweep; /* the media cache's sweep, every SAMPARK_MEDIA_SWEEP_S */
    struct lws_context *ctx;
    volatile sig_atomic_t stopping;
    int inflight; /* requests begun and not yet answered */
    size_t buffered;
    struct pss **waiting; /* by pipeline ticket */
    size_t nwaiting, capwaiting, capresults;
    int *results;
};

enum route { R_OTHER, R_WEBHOOK, R_HEALTHZ, R_METRICS, R_PORTAL, R_API };
enum method { M_GET = 1, M_POST = 2, M_OTHER = 4 };

/* What each route answers, and which of its methods may carry a request body (of at most
 * body_max bytes). Every request is checked against this table as soon as its headers are
 * in: a body where none is allowed is refused before a byte of it is read. The portal's
 * POST /api/... routes belong here. */
static const struct route_def {
    const char *path;
    enum route route;
    unsigned methods;      /* answered */
    unsigned body_methods; /* may carry a body */
    size_t body_max;
    int prefix; /* path is a prefix: the route answers everything under it */
} route_defs[] = {
    {"/webhook", R_WEBHOOK, M_GET | M_POST, M_POST, HTTP_MAX_BODY, 0},
    {"/healthz", R_HEALTHZ, M_GET, 0, 0, 0},
    {"/metrics", R_METRICS, M_GET, 0, 0, 0},
    /* The portal (portal.c): its files on the loop, its API on the portal's threads. */
    {"/portal/", R_PORTAL, M_GET, 0, 0, 1},
    {"/portal", R_PORTAL, M_GET, 0, 0, 0}, /* redirected to /portal/ */
    /* Open data without a session (portal_public.c), on the portal's threads like /api/; read
     * only (listed before /api/: the first match wins). */
    {"/api/public/", R_API, M_GET, 0, 0, 1},
    {"/api/", R_API, M_GET | M_POST, M_POST, PORTAL_BODY_MAX, 1},
    {"/public", R_API, M_GET, 0, 0, 0},
    {"/open311/", R_API, M_GET, 0, 0, 1},
};

/* Per-request state (lws zeroes it for each transaction on a keep-alive connection). */
struct pss {
    struct lws *wsi;
    int route, post, active;
    int trusted; /* may see internals: a local client or one with SAMPARK_METRICS_TOKEN */
    int64_t t0;  /* clock_mono_us() */
    char *body;
    size_t len, cap;
    int rejected; /* answered before the body ended (413): ignore the rest, then close */
    int waiting;  /* has a pipeline ticket */
    wa_notification *note;
    char *resp; /* LWS_PRE bytes, then the answer; points at small or is malloc'd */
    size_t resp_len;
    unsigned char small[LWS_PRE + 768];
    int close_after;
    int answered;  /* headers (and maybe the body) are out; WRITEABLE finishes the rest */
    int completed; /* its body is complete: lws 4.1 may say so again while the request waits on
                      Redis (a second request in the same TCP write); nothing more is read */
    portal_job *job;         /* an /api/ request on a portal thread */
    char cookie[2][256];     /* Set-Cookie headers of a portal answer, "" for none */
    const char *disposition; /* Content-Disposition of a portal answer, or NULL */
    const char *location;    /* Location of a portal redirect, or NULL */
    int retry_after;         /* Retry-After of a portal 429 or 503, 0 for none */
    int cors;                /* Access-Control-Allow-Origin: * (open data) */
    int max_age;             /* Cache-Control: public, max-age=N of a 200 instead of no-store */
    FILE *file;              /* a portal answer's body, sent a chunk per WRITEABLE */
    size_t file_left;
};

static metrics_route metric_route(int route, int post)
{
    switch (route) {
    case R_WEBHOOK:
        return post ? METRICS_WEBHOOK_POST : METRICS_WEBHOOK_GET;
    case R_HEALTHZ:
        return METRICS_HEALTHZ;
    case R_METRICS:
        return METRICS_METRICS;
    case R_PORTAL:
        return METRICS_PORTAL;
    case R_API:
        return METRICS_API;
    default:
        return METRICS_OTHER;
    }
}

static void release_body(http_server *s, struct pss *p)
{
    if (p->body) {
        s->buffered -= p->cap;
        free(p->body);
    }
    p->body = NULL;
    p->len = p->cap = 0;
}

static void reset(http_server *s, struct pss *p)
{
    release_body(s, p);
    wa_in_free(p->note);
    if (p->resp != (char *)p->small)
        free(p->resp);
    p->note = NULL;
    p->resp = NULL;
    p->resp_len = 0;
    p->rejected = p->waiting = p->close_after = p->answered = p->trusted = p->completed = 0;
    if (p->job) /* the client went away: the finished job is dropped, not answered */
        p->job->owner = NULL;
    p->job = NULL;
    p->cookie[0][0] = p->cookie[1][0] = '\0';
    p->disposition = NULL;
    p->location = NULL;
    p->retry_after = p->cors = p->max_age = 0;
    if (p->file)
        fclose(p->file);
    p->file = NULL;
    p->file_left = 0;
    if (p->active) {
        p->active = 0;
        s->inflight--;
    }
}

/* An /api/ answer is no-store, but a 200 of open data may be kept max_age seconds (and read by
 * any site's script: cors). */
static int cache_headers(struct pss *p, unsigned status, unsigned char **cur, unsigned char *end)
{
    char cc[48];
    int n = status == 200 && p->max_age > 0
                ? snprintf(cc, sizeof cc, "public, max-age=%d", p->max_age)
                : snprintf(cc, sizeof cc, "no-store");
    if (lws_add_http_header_by_name(p->wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)cc, n, cur, end))
        return -1;
    if (!p->cors)
        return 0;
    return lws_add_http_header_by_name(p->wsi, (const unsigned char *)"access-control-allow-origin:",
                                       (const unsigned char *)"*", 1, cur, end);
}

/* Every answer forbids framing and sniffing; the portal's may load its own files, the rest
 * nothing at all. (lws's own "security best practices" headers are off: they would send a
 * second, different Content-Security-Policy.) */
static int answer_headers(struct pss *p, unsigned status, unsigned char **cur, unsigned char *end)
{
    static const char *const always[] = {"x-frame-options:",        "DENY",
                                         "x-content-type-options:", "nosniff",
                                         "referrer-policy:",        "no-referrer"};
    const char *csp =
        p->route == R_PORTAL || p->route == R_API ? "default-src 'self'" : "default-src 'none'";
    if (lws_add_http_header_by_name(p->wsi, (const unsigned char *)"content-security-policy:",
                                    (const unsigned char *)csp, (int)strlen(csp), cur, end))
        return -1;
    for (size_t i = 0; i + 1 < sizeof always / sizeof always[0]; i += 2) /* name, value */
        if (lws_add_http_header_by_name(p->wsi, (const unsigned char *)always[i],
                                        (const unsigned char *)always[i + 1],
                                        (int)strlen(always[i + 1]), cur, end))
            return -1;
    if (p->route == R_API && cache_headers(p, status, cur, end) < 0)
        return -1;
    for (int i = 0; i < 2; i++)
        if (p->cookie[i][0] &&
            lws_add_http_header_by_name(p->wsi, (const unsigned char *)"set-cookie:",
                                        (const unsigned char *)p->cookie[i],
                                        (int)strlen(p->cookie[i]), cur, end))
            return -1;
    if (p->disposition &&
        lws_add_http_header_by_name(p->wsi, (const unsigned char *)"content-disposition:",
                                    (const unsigned char *)p->disposition,
                                    (int)strlen(p->disposition), cur, end))
        return -1;
    if (p->location && lws_add_http_header_by_name(p->wsi, (const unsigned char *)"location:",
                                                   (const unsigned char *)p->location,
                                                   (int)strlen(p->location), cur, end))
        return -1;
    if (p->retry_after > 0) {
        char secs[16];
        int n = snprintf(secs, sizeof secs, "%d", p->retry_after);
        if (lws_add_http_header_by_name(p->wsi, (const unsigned char *)"retry-after:",
                                        (const unsigned char *)secs, n, cur, end))
            return -1;
    }
    return 0;
}

/* Prepares the whole answer — status line, headers and body in one buffer — and asks for a
 * WRITEABLE callback, which sends it in one write (one syscall, one TCP segment for small
 * answers) and ends the transaction there, inside lws's service as lws wants. body is
 * copied; freed too when owned is set. */
static int respond_ex(http_server *s, struct pss *p, unsigned status, const char *ctype, char *body,
                      size_t len, int owned)
{
    unsigned char hdr[1024], *cur = hdr, *end = hdr + sizeof hdr - 1;
    size_t hlen;
    int rc = -1;
    (void)s;
    if (p->answered) {
        /* A bug: one request, two answers (the second used to overwrite, and leak, the
         * first). Counted so that tests and dashboards see it; fatal in debug builds. */
        metrics_http_second_answer();
        assert(!"second answer to one HTTP request");
        goto out;
    }
    metrics_http(metric_route(p->route, p->post), (int)status,
                 (double)(clock_mono_us() - p->t0) / 1e6);
    if (lws_add_http_common_headers(p->wsi, status, ctype, p->file ? p->file_left : len, &cur,
                                    end) ||
        answer_headers(p, status, &cur, end) ||
        (p->close_after &&
         lws_add_http_header_by_token(p->wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close",
                                      5, &cur, end)) ||
        lws_finalize_http_header(p->wsi, &cur, end))
        goto out;
    hlen = (size_t)(cur - hdr);
    p->resp_len = hlen + len;
    p->resp =
        LWS_PRE + p->resp_len <= sizeof p->small ? (char *)p->small : malloc(LWS_PRE + p->resp_len);
    if (!p->resp)
        goto out;
    memcpy(p->resp + LWS_PRE, hdr, hlen);
    memcpy(p->resp + LWS_PRE + hlen, body, len);
    p->answered = 1;
    lws_callback_on_writable(p->wsi);
    rc = 0;
out:
    if (owned)
        free(body);
    return rc;
}

static int respond(http_server *s, struct pss *p, unsigned status, const char *text)
{
    return respond_ex(s, p, status, "text/plain; charset=utf-8", (char *)text, strlen(text), 0);
}

static int wait_ticket(http_server *s, struct pss *p, int ticket)
{
    if (vec_reserve(s->waiting, s->capwaiting, (size_t)ticket + 1) < 0 ||
        vec_reserve(s->results, s->capresults, (size_t)ticket + 1) < 0)
        return -1;
    s->waiting[ticket] = p;
    if ((size_t)ticket >= s->nwaiting)
        s->nwaiting = (size_t)ticket + 1;
    p->waiting = 1;
    return 0;
}

/* ---- routes -------------------------------------------------------------------------------- */

static int webhook_get(http_server *s, struct pss *p)
{
    char mode[64], token[512], challenge[512];
    const char *m = lws_get_urlarg_by_name(p->wsi, "hub.mode=", mode, sizeof mode);
    const char *t = lws_get_urlarg_by_name(p->wsi, "hub.verify_token=", token, sizeof token);
    const char *c = lws_get_urlarg_by_name(p->wsi, "hub.challenge=", challenge, sizeof challenge);
    const char *want = s->cfg->verify_token;
    if (!want || !m || !t || !c || strcmp(m, "subscribe") != 0 || strlen(t) != strlen(want) ||
        CRYPTO_memcmp(t, want, strlen(want)) != 0)
        return respond(s, p, 403, "verification refused\n");
    return respond_ex(s, p, 200, "text/plain", (char *)c, strlen(c), 0);
}

static int webhook_post(http_server *s, struct pss *p)
{
    char sig[128];
    int n = lws_hdr_custom_copy(p->wsi, sig, sizeof sig, "x-hub-signature-256:", 20);
    err e = {0};
    int ticket;
    if (n < 0 || !wa_in_signature_ok(s->cfg->app_secret, p->body ? p->body : "", p->len, sig)) {
        release_body(s, p);
        return respond(s, p, 401, "missing or wrong X-Hub-Signature-256\n");
    }
    p->note = wa_in_parse(p->body ? p->body : "", p->len, &e);
    release_body(s, p);
    if (!p->note) {
        char msg[300];
        snprintf(msg, sizeof msg, "%s\n", e.msg);
        return respond(s, p, 400, msg);
    }
    /* Changes for another business number (another of the account's numbers, or another
     * app's webhook pointed here by mistake) are Meta's to deliver, not ours to answer. */
    if (s->cfg->phone_number_id)
        metrics_foreign_number(wa_in_keep_number(p->note, s->cfg->phone_number_id));
    if (p->note->nmessages + p->note->nstatuses == 0)
        return respond(s, p, 200, "ok\n"); /* other fields, or nothing we can use */
    ticket = queue_producer_append(s->prod, p->note);
    if (ticket < 0 || wait_ticket(s, p, ticket) < 0)
        return respond(s, p, 503, "queue unavailable; retry later\n");
    return 0;
}

static int probe_pg(http_server *s, char *msg, size_t msgsz)
{
    int ok;
    pthread_mutex_lock(&s->probe.mu);
    ok = s->probe.pg_ok;
    snprintf(msg, msgsz, "%s", s->probe.pg_error);
    pthread_mutex_unlock(&s->probe.mu);
    return ok;
}

/* The health answer once Redis has spoken (redis_error NULL: it answered). Local and token
 * holders get the details; anyone else only the status and a bare body, because the details
 * name internal hosts and quote errors, and a load balancer needs no more. */
static int health_answer(http_server *s, struct pss *p, const char *redis_error)
{
    char body[700], pg[256];
    int ok = probe_pg(s, pg, sizeof pg) && !redis_error;
    if (!p->trusted)
        return respond(s, p, ok ? 200 : 503, ok ? "ok\n" : "unavailable\n");
    snprintf(body, sizeof body, "redis: %s\npostgresql: %s\n", redis_error ? redis_error : "ok",
             pg);
    return respond(s, p, ok ? 200 : 503, body);
}

static int healthz(http_server *s, struct pss *p)
{
    int ticket = queue_producer_append_ping(s->prod);
    if (ticket < 0 || wait_ticket(s, p, ticket) < 0)
        return health_answer(s, p, queue_producer_error(s->prod));
    return 0;
}

static void depth_line(void *ud, const char *stream, long long len, long long pending,
                       long long lag)
{
    vec_str_addf(
        ud,
        "sampark_queue_length{stream=\"%s\"} %lld\nsampark_queue_pending{stream=\"%s\"} %lld\n"
        "sampark_queue_lag{stream=\"%s\"} %lld\n",
        stream, len, stream, pending, stream, lag);
}

/* Queue depths and cases by status, as metrics text. Blocking: probe thread only. */
static char *gather_extra(http_server *s, db *pg)
{
    vec_str o = {0};
    err e = {0};
    PGresult *r;
    vec_str_addf(
        &o, "# HELP sampark_queue_length Entries in each stream (pending and waiting).\n"
            "# TYPE sampark_queue_length gauge\n"
            "# HELP sampark_queue_pending Entries delivered to a worker, not yet acknowledged.\n"
            "# TYPE sampark_queue_pending gauge\n"
            "# HELP sampark_queue_lag Entries not yet delivered to any worker.\n"
            "# TYPE sampark_queue_lag gauge\n");
    /* alarm well before a stream's length reaches this: then 503 */
    vec_str_addf(&o,
                 "# HELP sampark_queue_max_length Entries a stream may hold (SAMPARK_QUEUE_MAX).\n"
                 "# TYPE sampark_queue_max_length gauge\nsampark_queue_max_length %d\n",
                 s->cfg->queue_max);
    if (queue_depths(s->cfg, depth_line, &o, &e) < 0)
        vec_str_addf(&o, "# queue depths unavailable: Redis did not answer\n");
    vec_str_addf(&o, "# HELP sampark_cases Cases by status.\n# TYPE sampark_cases gauge\n");
    if ((r = case_count_by_status(pg, &e))) {
        for (int i = 0; i < PQntuples(r); i++)
            vec_str_addf(&o, "sampark_cases{status=\"%s\"} %s\n", PQgetvalue(r, i, 0),
                         PQgetvalue(r, i, 1));
        PQclear(r);
    } else {
        vec_str_addf(&o, "# cases unavailable: PostgreSQL did not answer\n");
    }
    return vec_str_take(&o);
}

static void *probe_main(void *arg)
{
    http_server *s = arg;
    db *pg = db_new(s->cfg->database_url);
    for (int round = 0;; round++) {
        err e = {0};
        int ok = pg && db_ping(pg, &e) == 0;
        char *extra = round % 5 == 0 ? gather_extra(s, pg) : NULL;
        struct timespec until;
        pthread_mutex_lock(&s->probe.mu);
        s->probe.pg_ok = ok;
        snprintf(s->probe.pg_error, sizeof s->probe.pg_error, "%s",
                 ok   ? "ok"
                 : pg ? e.msg
                      : "out of memory");
        if (extra) {
            free(s->probe.extra);
            s->probe.extra = extra;
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        while (!s->probe.stop && pthread_cond_timedwait(&s->probe.cv, &s->probe.mu, &until) == 0)
            ;
        if (s->probe.stop) {
            pthread_mutex_unlock(&s->probe.mu);
            break;
        }
        pthread_mutex_unlock(&s->probe.mu);
    }
    db_close(pg);
    return NULL;
}

static int metrics_page(http_server *s, struct pss *p)
{
    char *page;
    size_t len;
    pthread_mutex_lock(&s->probe.mu);
    page = metrics_render(s->probe.extra, &len);
    pthread_mutex_unlock(&s->probe.mu);
    if (!page)
        return respond(s, p, 500, "out of memory\n");
    return respond_ex(s, p, 200, "text/plain; version=0.0.4", page, len, 1);
}

/* Answers everything that waited on the pipeline. */
static void flush(http_server *s)
{
    size_t n;
    if (!queue_producer_pending(s->prod))
        return;
    n = queue_producer_flush(s->prod, s->results, s->capresults);
    for (size_t i = 0; i < n && i < s->nwaiting; i++) {
        struct pss *p = s->waiting[i];
        int res = s->results[i];
        s->waiting[i] = NULL;
        if (!p)
            continue; /* the client went away meanwhile */
        p->waiting = 0;
        if (p->route == R_HEALTHZ) {
            if (health_answer(s, p, res >= 0 ? NULL : queue_producer_error(s->prod)) < 0)
                lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
            continue;
        }
        if (res >= 0) {
            size_t items = p->note->nmessages + p->note->nstatuses;
            for (size_t m = 0; m < p->note->nmessages; m++)
                metrics_inbound(p->note->messages[m].kind);
            for (size_t m = 0; m < p->note->nstatuses; m++)
                metrics_status_in(p->note->statuses[m].kind);
            if ((size_t)res < items)
                metrics_duplicate(items - (size_t)res);
            res = respond(s, p, 200, "ok\n");
        } else {
            res = respond(s, p, 503, "queue unavailable; retry later\n");
        }
        if (res < 0) /* out of memory: drop the connection rather than leave it hanging */
            lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        wa_in_free(p->note);
        p->note = NULL;
    }
    s->nwaiting = 0;
}

/* ---- lws callback -------------------------------------------------------------------------- */

static int body_reserve(http_server *s, struct pss *p, size_t cap);

static const struct route_def *route_find(const char *path)
{
    for (size_t i = 0; i < sizeof route_defs / sizeof route_defs[0]; i++)
        if (route_defs[i].prefix
                ? strncmp(path, route_defs[i].path, strlen(route_defs[i].path)) == 0
                : strcmp(path, route_defs[i].path) == 0)
            return &route_defs[i];
    return NULL;
}

static enum method method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
        return M_GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI))
        return M_POST;
    return M_OTHER;
}

/* Whether the request carries header h, even with an empty value (lws keeps a fragment). */
static int has_header(struct lws *wsi, enum lws_token_indexes h)
{
    char none[1];
    return lws_hdr_total_length(wsi, h) > 0 || lws_hdr_copy_fragment(wsi, none, 1, h, 0) == 0;
}

/* The declared body length into *len (0 without Content-Length). Returns 0, or an answer
 * when the framing is ambiguous: any Transfer-Encoding (a proxy that honours it and a server
 * that frames by Content-Length disagree about where the request ends), Content-Length twice
 * (lws keeps each occurrence as a fragment of one header), or one that is not a plain
 * decimal. */
static const char *body_length(struct lws *wsi, unsigned long long *len)
{
    static const char bad_length[] = "Content-Length must appear once, as a plain number\n";
    char v[32];
    int n;
    *len = 0;
    if (has_header(wsi, WSI_TOKEN_HTTP_TRANSFER_ENCODING))
        return "Transfer-Encoding is not accepted: send Content-Length\n";
    if (!has_header(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH))
        return NULL;
    if (lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH, 1) > 0 ||
        (n = lws_hdr_copy_fragment(wsi, v, sizeof v, WSI_TOKEN_HTTP_CONTENT_LENGTH, 0)) <= 0)
        return bad_length;
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
        v[--n] = '\0';
    {
        size_t lead = strspn(v, " \t"); /* HTTP allows spaces and tabs around a value */
        n -= (int)lead;
        if (n == 0 || n > 18 || strspn(v + lead, "0123456789") != (size_t)n)
            return bad_length; /* 18 digits cannot overflow; anything longer is no honest length */
        *len = strtoull(v + lead, NULL, 10);
    }
    return NULL;
}

/* A request came through a proxy when it says so; the proxy's own loopback address then
 * tells nothing about the client. */
static int proxied(struct lws *wsi)
{
    return has_header(wsi, WSI_TOKEN_X_FORWARDED_FOR) ||
           has_header(wsi, WSI_TOKEN_HTTP_X_REAL_IP) ||
           lws_hdr_custom_length(wsi, "forwarded:", 10) >= 0;
}

static int peer_is_loopback(struct lws *wsi)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(lws_get_socket_fd(wsi), (struct sockaddr *)&ss, &len) < 0)
        return 0;
    if (ss.ss_family == AF_INET)
        return (ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
    if (ss.ss_family == AF_INET6) {
        const struct in6_addr *a = &((struct sockaddr_in6 *)&ss)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return 0;
}

/* Authorization: Bearer <SAMPARK_METRICS_TOKEN>. Digests are compared, in constant time, so
 * neither the content nor the length of the token leaks through timing. */
static int bearer_ok(const char *token, struct lws *wsi)
{
    char v[600];
    unsigned char want[SHA256_DIGEST_LENGTH], got[SHA256_DIGEST_LENGTH];
    int n = lws_hdr_copy(wsi, v, sizeof v, WSI_TOKEN_HTTP_AUTHORIZATION);
    if (!token || n <= 7 || strncasecmp(v, "Bearer ", 7) != 0)
        return 0;
    SHA256((const unsigned char *)token, strlen(token), want);
    SHA256((const unsigned char *)v + 7, (size_t)n - 7, got);
    return CRYPTO_memcmp(want, got, sizeof want) == 0;
}

static int trusted(const http_server *s, struct lws *wsi)
{
    return (peer_is_loopback(wsi) && !proxied(wsi)) || bearer_ok(s->cfg->metrics_token, wsi);
}

/* Refuses a request before its body: the answer goes out at once and the connection is
 * closed after it, so an unread body can neither hold the connection nor be taken for the
 * next request. */
static int refuse(http_server *s, struct pss *p, unsigned status, const char *text)
{
    p->rejected = p->close_after = 1;
    return respond(s, p, status, text) < 0 ? -1 : 1;
}

/* A portal POST over PORTAL_BODY_MAX: 400 naming the field, as every portal error does. */
static int portal_refuse_body(http_server *s, struct pss *p)
{
    char msg[80];
    p->rejected = p->close_after = 1;
    snprintf(msg, sizeof msg, "{\"error\":\"body: over %u bytes\"}", PORTAL_BODY_MAX);
    return respond_ex(s, p, 400, "application/json; charset=utf-8", msg, strlen(msg), 0) < 0 ? -1
                                                                                             : 1;
}

/* Answers a request from a portal response (static file or finished API job). */
static int portal_answer(http_server *s, struct pss *p, portal_response *rs)
{
    memcpy(p->cookie, rs->set_cookie, sizeof p->cookie);
    p->disposition = rs->disposition;
    p->location = rs->location;
    p->retry_after = rs->retry_after;
    p->cors = rs->cors;
    p->max_age = rs->max_age;
    if (rs->file) { /* the loop sends it on, a chunk per WRITEABLE */
        p->file = rs->file;
        p->file_left = rs->len;
        rs->file = NULL;
        return respond_ex(s, p, rs->status, rs->ctype, "", 0, 0);
    }
    return respond_ex(s, p, rs->status, rs->ctype, rs->body ? rs->body : "", rs->len, 0);
}

/* Hands an /api/ request (its body in p, if any) to the portal's threads. */
static int portal_begin(http_server *s, struct pss *p, const char *path)
{
    portal_job *j = portal_job_new(s->portal, p->wsi, path, p->post);
    if (j && p->body) {
        j->rq.body = p->body; /* the job owns it now */
        j->rq.len = p->len;
        j->rq.body[p->len] = '\0';
        s->buffered -= p->cap;
        p->body = NULL;
        p->len = p->cap = 0;
    }
    if (!j || portal_submit(s->portal, j) < 0) {
        portal_job_free(j);
        return respond_ex(s, p, 503, "application/json; charset=utf-8",
                          "{\"error\":\"busy; retry later\"}", 29, 0);
    }
    j->owner = p;
    p->job = j;
    lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, PORTAL_WAIT_S);
    return 0;
}

/* Answers every finished portal job whose client is still there. */
static void portal_drain(http_server *s)
{
    for (portal_job *j = portal_done(s->portal), *next; j; j = next) {
        struct pss *p = j->owner;
        next = (portal_job *)j->base.next;
        if (p) {
            p->job = NULL;
            if (portal_answer(s, p, &j->rs) < 0)
                lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        }
        portal_job_free(j);
    }
}

/* Whether the request may go on to its body or handler; refuses it otherwise. Returns 0 to
 * go on, 1 when refused (refuse's result), -1 when even the refusal failed. */
static int admit(http_server *s, struct pss *p, const struct route_def *r, enum method m)
{
    unsigned long long want;
    const char *bad;
    if (s->stopping)
        return refuse(s, p, 503, "shutting down; retry later\n");
    if ((bad = body_length(p->wsi, &want)))
        return refuse(s, p, 400, bad);
    if (!r)
        return refuse(s, p, 404, "not found\n");
    if (!(r->methods & m))
        return refuse(s, p, 405, r->methods & M_POST ? "use GET or POST\n" : "use GET\n");
    if (!(r->body_methods & m))
        return want ? refuse(s, p, 413, "this request takes no body\n") : 0;
    if (!has_header(p->wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH))
        /* lws 4.1 never completes a request body without a length (chunked): say so. */
        return refuse(s, p, 411, "Content-Length required\n");
    if (want > r->body_max)
        return r->route == R_API ? portal_refuse_body(s, p)
                                 : refuse(s, p, 413, "body over 1 MiB\n");
    /* A whole-request deadline: lws's own content timeout restarts at every chunk, so a
     * client trickling a byte at a time would otherwise hold the connection forever. */
    lws_set_timer_usecs(p->wsi, (lws_usec_t)HTTP_BODY_DEADLINE_S * LWS_USEC_PER_SEC);
    /* The buffer grows as bytes arrive; a declared length alone reserves little. */
    if (want && body_reserve(s, p, want < 65536 ? (size_t)want + 1 : 65536) < 0)
        return refuse(s, p, 503, "busy; retry later\n");
    return 0;
}

static int begin(http_server *s, struct pss *p, struct lws *wsi, const char *path)
{
    const struct route_def *r = route_find(path);
    enum method m = method_of(wsi);
    int rc;
    reset(s, p);
    p->wsi = wsi;
    p->t0 = clock_mono_us();
    p->active = 1;
    s->inflight++;
    p->post = m == M_POST;
    p->route = r ? (int)r->route : R_OTHER;
    if ((rc = admit(s, p, r, m)) != 0)
        return rc < 0 ? -1 : 0;
    if (r->body_methods & m)
        return 0; /* answered when the body is complete */
    switch (r->route) {
    case R_WEBHOOK:
        return webhook_get(s, p);
    case R_HEALTHZ:
        p->trusted = trusted(s, wsi);
        return healthz(s, p);
    case R_METRICS:
        if (!trusted(s, wsi))
            return respond(s, p, 403, "metrics are served to local clients or with the token\n");
        return metrics_page(s, p);
    case R_PORTAL: {
        portal_response rs = {0};
        if ((int)strlen(path) != lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI))
            path = "/portal/\x01"; /* a %00 in the path: refused like any odd name */
        portal_static(s->portal, path, &rs);
        rc = portal_answer(s, p, &rs);
        free(rs.body);
        return rc;
    }
    case R_API:
        return portal_begin(s, p, path);
    default:
        return respond(s, p, 404, "not found\n");
    }
}

/* Grows the body buffer to cap bytes, within the server-wide budget. */
static int body_reserve(http_server *s, struct pss *p, size_t cap)
{
    char *b;
    if (cap <= p->cap)
        return 0;
    if (s->buffered - p->cap + cap > HTTP_MAX_BUFFERED || !(b = realloc(p->body, cap)))
        return -1;
    s->buffered += cap - p->cap;
    p->body = b;
    p->cap = cap;
    return 0;
}

static int body_chunk(http_server *s, struct pss *p, const char *in, size_t len)
{
    if (p->rejected || p->answered || p->completed || !len)
        return 0; /* refused before its body (the connection closes after the answer), or
                     lws's empty chunk of a Content-Length: 0 body */
    if (p->len + len > HTTP_MAX_BODY) {
        release_body(s, p);
        p->rejected = p->close_after = 1; /* stop here: the rest is not buffered */
        return respond(s, p, 413, "body over 1 MiB\n");
    }
    if (p->len + len + 1 > p->cap) {
        size_t cap = p->cap ? p->cap : 4096;
        while (cap < p->len + len + 1)
            cap *= 2;
        if (body_reserve(s, p, cap) < 0) {
            release_body(s, p);
            p->rejected = p->close_after = 1;
            return respond(s, p, 503, "busy; retry later\n");
        }
    }
    memcpy(p->body + p->len, in, len);
    p->len += len;
    return 0;
}

static int body_done(http_server *s, struct pss *p)
{
    lws_set_timer_usecs(p->wsi, LWS_SET_TIMER_USEC_CANCEL);
    if (p->rejected || p->answered || p->completed)
        return 0;
    p->completed = 1;
    /* Only routes whose table entry allows a body get here (admit refused the rest). */
    if (p->route == R_API) {
        char path[256];
        if (lws_hdr_copy(p->wsi, path, sizeof path, WSI_TOKEN_POST_URI) <= 0)
            return respond(s, p, 400, "no path\n");
        return portal_begin(s, p, path);
    }
    return webhook_post(s, p);
}

/* The next chunk of a portal answer's file: 1 when more is to come. */
static int file_chunk(struct pss *p)
{
    unsigned char buf[LWS_PRE + 32768];
    size_t want = p->file_left < 32768 ? p->file_left : 32768;
    if (fread(buf + LWS_PRE, 1, want, p->file) != want ||
        lws_write(p->wsi, buf + LWS_PRE, want, LWS_WRITE_HTTP) != (int)want)
        return -1;
    p->file_left -= want;
    if (!p->file_left)
        return 0;
    lws_set_timeout(p->wsi, PENDING_TIMEOUT_USER_OK, PORTAL_SEND_IDLE_S);
    lws_callback_on_writable(p->wsi);
    return 1;
}

static int writeable(http_server *s, struct pss *p)
{
    int close = p->close_after || s->stopping, more;
    if (p->resp_len) { /* the headers (and body) are not out yet */
        if (lws_write(p->wsi, (unsigned char *)p->resp + LWS_PRE, p->resp_len,
                      LWS_WRITE_HTTP_HEADERS) != (int)p->resp_len)
            return -1;
        p->resp_len = 0;
        if (p->file_left) {
            lws_callback_on_writable(p->wsi);
            return 0;
        }
    }
    if (p->file_left && (more = file_chunk(p)) != 0)
        return more < 0 ? -1 : 0;
    reset(s, p);
    if (close)
        return -1;
    return lws_http_transaction_completed(p->wsi) ? -1 : 0;
}

/* Sampark speaks neither WebSocket nor h2c: an upgrade is answered 400 and the connection
 * closed. Written here, synchronously, because lws has no request state for it yet (an
 * accepted upgrade would leave an idle connection open for good). */
static int refuse_upgrade(struct lws *wsi)
{
    static const char text[] = "upgrades are not supported\n";
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *cur = start,
                                       *end = buf + sizeof buf - sizeof text;
    char path[128];
    const struct route_def *r = NULL;
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) > 0)
        r = route_find(path);
    metrics_http(metric_route(r ? (int)r->route : R_OTHER, 0), 400, 0);
    if (!lws_add_http_common_headers(wsi, 400, "text/plain; charset=utf-8", sizeof text - 1, &cur,
                                     end) &&
        !lws_add_http_header_by_token(wsi, WSI_TOKEN_CONNECTION, (const unsigned char *)"close", 5,
                                      &cur, end) &&
        !lws_finalize_http_header(wsi, &cur, end)) {
        memcpy(cur, text, sizeof text - 1);
        cur += sizeof text - 1;
        lws_write(wsi, start, (size_t)(cur - start), LWS_WRITE_HTTP_HEADERS);
    }
    return -1; /* hang up */
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct pss *p = user;
    http_server *s = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        /* lws answers an upgrade it does not know itself (403) and still asks: then only hang
         * up, or the client reads a second answer. */
        if (!in || (strcasecmp(in, "websocket") != 0 && strcasecmp(in, "h2c") != 0))
            return -1;
        return refuse_upgrade(wsi);
    case LWS_CALLBACK_HTTP:
        return begin(s, p, wsi, in) ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY:
        return body_chunk(s, p, in, len) ? -1 : 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return body_done(s, p) ? -1 : 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED: /* a portal thread finished a job */
        portal_drain(s);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!p->answered)
            return 0; /* woken before its answer is known */
        return writeable(s, p);
    case LWS_CALLBACK_TIMER:
        /* The body deadline passed. A request already waiting on Redis is answered by the
         * next flush, one on a portal thread when its job is done; any other is cut off. (lws
         * 4.1 may fire the timer even after body_done cancelled it.) */
        if (p && p->active && !p->answered && !p->waiting && !p->job)
            return -1;
        return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (p && p->waiting) {
            for (size_t i = 0; i < s->nwaiting; i++)
                if (s->waiting[i] == p)
                    s->waiting[i] = NULL;
        }
        if (p)
            reset(s, p);
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"http", callback, sizeof(struct pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* lws's own lines (errors and warnings only) end in a newline, which log_at adds itself. */
static void log_emit(int level, const char *line)
{
    int n = (int)strcspn(line, "\n");
    log_at(level & LLL_ERR ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN, "lws", "%.*s", n, line);
}

/* lws reports a busy port only in its log; try the bind ourselves for a clear sentence, and
 * resolve the host to the numeric address lws wants. */
static int check_bindable(const config *c, char *numeric, size_t numericsz, err *e)
{
    struct addrinfo hints = {0}, *ai = NULL;
    char port[8];
    int fd, one = 1, rc;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    snprintf(port, sizeof port, "%d", c->listen_port);
    if ((rc = getaddrinfo(c->listen_host, port, &hints, &ai)) != 0)
        return err_set(e, ERR_USER, "SAMPARK_LISTEN: cannot resolve host '%s': %s", c->listen_host,
                       gai_strerror(rc));
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, (socklen_t)numericsz, NULL, 0,
                    NI_NUMERICHOST))
        snprintf(numeric, numericsz, "%s", c->listen_host);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0) {
        freeaddrinfo(ai);
        return err_set(e, ERR_ENV, "SAMPARK_LISTEN: socket: %s", strerror(errno));
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    rc = bind(fd, ai->ai_addr, ai->ai_addrlen);
    if (rc < 0)
        err_set(e, ERR_ENV, "SAMPARK_LISTEN %s:%d: %s%s", c->listen_host, c->listen_port,
                strerror(errno),
                errno == EADDRINUSE ? " (is another sampark or another program using this port? "
                                      "set SAMPARK_LISTEN to a free one)"
                                    : "");
    close(fd);
    freeaddrinfo(ai);
    return rc < 0 ? -1 : 0;
}

/* Each receiver sweeps its own media cache (the roles may run on several machines). */
static void sweep_tick(lws_sorted_usec_list_t *sul)
{
    http_server *s = (http_server *)((char *)sul - offsetof(http_server, sweep));
    if (!s->stopping)
        portal_sweep_media(s->portal);
    lws_sul_schedule(s->ctx, 0, &s->sweep, sweep_tick,
                     (lws_usec_t)s->cfg->media_sweep_s * LWS_US_PER_SEC);
}

http_server *http_start(const config *c, err *e)
{
    struct lws_context_creation_info info;
    http_server *s;
    char numeric[128];
    int any = strcmp(c->listen_host, "0.0.0.0") == 0 || strcmp(c->listen_host, "::") == 0;
    if (check_bindable(c, numeric, sizeof numeric, e) < 0)
        return NULL;
    if (!(s = calloc(1, sizeof *s)) || !(s->prod = queue_producer_new(c))) {
        http_free(s);
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    s->cfg = c;
    pthread_mutex_init(&s->probe.mu, NULL);
    pthread_cond_init(&s->probe.cv, NULL);
    snprintf(s->probe.pg_error, sizeof s->probe.pg_error, "not checked yet");
    lws_set_log_level(LLL_ERR | LLL_WARN, log_emit);
    memset(&info, 0, sizeof info);
    info.port = c->listen_port;
    info.iface = any ? NULL : numeric;
    info.protocols = protocols;
    info.user = s;
    info.options = 0; /* security headers: portal_headers */
    if (!strchr(numeric, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.timeout_secs = 10;                    /* slow headers and bodies are cut off */
    info.keepalive_timeout = HTTP_KEEPALIVE_S; /* idle keep-alive connections are closed */
    info.max_http_header_pool = 256;
    if (!(s->ctx = lws_create_context(&info))) {
        http_free(s);
        err_set(e, ERR_ENV, "SAMPARK_LISTEN %s:%d: libwebsockets could not start the server",
                c->listen_host, c->listen_port);
        return NULL;
    }
    if (pthread_create(&s->probe.tid, NULL, probe_main, s) != 0) {
        http_free(s);
        err_set(e, ERR_ENV, "cannot start the health probe thread");
        return NULL;
    }
    s->probe.started = 1;
    if (!(s->portal = portal_new(c, s->ctx, e))) {
        http_free(s);
        return NULL;
    }
    lws_sul_schedule(s->ctx, 0, &s->sweep, sweep_tick, (lws_usec_t)c->media_sweep_s * LWS_US_PER_SEC);
    return s;
}

/* While draining, wake the loop every 100 ms so the deadline is seen even if no socket
 * stirs (lws 4.1 ignores lws_service's timeout). */
static void drain_tick(lws_sorted_usec_list_t *sul)
{
    http_server *s = (http_server *)((char *)sul - offsetof(http_server, tick));
    lws_sul_schedule(s->ctx, 0, &s->tick, drain_tick, 100 * LWS_US_PER_MS);
}

int http_run(http_server *s)
{
    int64_t deadline = 0;
    for (;;) {
        /* On stop, requests already being answered finish (up to 5 s); new ones get 503 and
         * Meta delivers them again later. (lws_context_deprecate would close the listener,
         * but crashes in Debian's lws 4.1.) */
        if (s->stopping && !deadline) {
            deadline = clock_mono_ms() + 5000;
            lws_sul_schedule(s->ctx, 0, &s->tick, drain_tick, 100 * LWS_US_PER_MS);
        }
        if (deadline && (s->inflight <= 0 || clock_mono_ms() > deadline))
            break;
        if (lws_service(s->ctx, 0) < 0)
            break;
        flush(s);
    }
    flush(s);
    return 0;
}

void http_stop(http_server *s)
{
    s->stopping = 1;
    lws_cancel_service(s->ctx);
}

void http_free(http_server *s)
{
    if (!s)
        return;
    if (s->probe.started) {
        pthread_mutex_lock(&s->probe.mu);
        s->probe.stop = 1;
        pthread_cond_signal(&s->probe.cv);
        pthread_mutex_unlock(&s->probe.mu);
        pthread_join(s->probe.tid, NULL);
    }
    free(s->probe.extra);
    portal_stop(s->portal); /* its threads wake the context: stop them while it exists */
    if (s->ctx)
        lws_context_destroy(s->ctx);
    portal_free(s->portal);
    queue_producer_free(s->prod);
    free(s->waiting);
    free(s->results);
    free(s);
}
