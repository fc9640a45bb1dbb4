/* http.c — libwebsockets server for serve (see http.h).
 * One service thread per context (Debian's lws has LWS_MAX_SMP 1); scale with processes. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct http_server {
    const config *cfg;
    rds *redis;
    db *pg;
    struct lws_context *ctx;
    volatile sig_atomic_t stopping;
};

/* Per-connection state: the response waiting for a writable socket. */
struct pss {
    char body[512];
    size_t len;
};

static int respond(struct lws *wsi, struct pss *pss, unsigned status, const char *body)
{
    unsigned char buf[LWS_PRE + 512], *start = buf + LWS_PRE, *p = start,
                                      *end = buf + sizeof buf - 1;
    pss->len = strlen(body);
    if (pss->len > sizeof pss->body)
        pss->len = sizeof pss->body;
    memcpy(pss->body, body, pss->len);
    if (lws_add_http_common_headers(wsi, status, "text/plain; charset=utf-8", pss->len, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int healthz(http_server *s, struct lws *wsi, struct pss *pss)
{
    err e1 = {0}, e2 = {0};
    int redis_ok = rds_ping(s->redis, &e1) == 0, pg_ok = db_ping(s->pg, &e2) == 0;
    char body[512];
    snprintf(body, sizeof body, "redis: %s\npostgresql: %s\n", redis_ok ? "ok" : e1.msg,
             pg_ok ? "ok" : e2.msg);
    return respond(wsi, pss, redis_ok && pg_ok ? 200 : 503, body);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct pss *pss = user;
    http_server *s = lws_context_user(lws_get_context(wsi));
    switch (reason) {
    case LWS_CALLBACK_HTTP: {
        const char *path = in;
        int get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
        if (strcmp(path, "/healthz") == 0)
            return get ? healthz(s, wsi, pss) : respond(wsi, pss, 405, "use GET\n");
        if (!get)
            return respond(wsi, pss, 404, "not found\n");
        return respond(wsi, pss, 404, "not found\n");
    }
    case LWS_CALLBACK_HTTP_BODY:
        return 0; /* no route takes a body yet; the response is already on its way */
    case LWS_CALLBACK_HTTP_WRITEABLE: {
        unsigned char buf[LWS_PRE + sizeof pss->body];
        memcpy(buf + LWS_PRE, pss->body, pss->len);
        if (lws_write(wsi, buf + LWS_PRE, pss->len, LWS_WRITE_HTTP_FINAL) != (int)pss->len)
            return 1;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    {"http", callback, sizeof(struct pss), 0, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void log_emit(int level, const char *line)
{
    (void)level;
    fprintf(stderr, "lws: %s", line);
}

/* lws reports a busy port only in its log; try the bind ourselves for a clear sentence. */
static int check_bindable(const config *c, err *e)
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

http_server *http_start(const config *c, rds *redis, db *pg, err *e)
{
    struct lws_context_creation_info info;
    http_server *s;
    int any = strcmp(c->listen_host, "0.0.0.0") == 0 || strcmp(c->listen_host, "::") == 0;
    if (check_bindable(c, e) < 0)
        return NULL;
    if (!(s = calloc(1, sizeof *s))) {
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    s->cfg = c;
    s->redis = redis;
    s->pg = pg;
    lws_set_log_level(LLL_ERR | LLL_WARN, log_emit);
    memset(&info, 0, sizeof info);
    info.port = c->listen_port;
    info.iface = any ? NULL : c->listen_host;
    info.protocols = protocols;
    info.user = s;
    info.options = LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    if (!strchr(c->listen_host, ':') && strcmp(c->listen_host, "::") != 0)
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.timeout_secs = 10;
    info.keepalive_timeout = 30;
    if (!(s->ctx = lws_create_context(&info))) {
        free(s);
        err_set(e, ERR_ENV, "SAMPARK_LISTEN %s:%d: libwebsockets could not start the server",
                c->listen_host, c->listen_port);
        return NULL;
    }
    return s;
}

int http_run(http_server *s)
{
    while (!s->stopping)
        if (lws_service(s->ctx, 0) < 0)
            return -1;
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
    lws_context_destroy(s->ctx);
    free(s);
}
