/* config.c — environment → struct config (see config.h).
 * All parsing is strict: trailing junk, out-of-range numbers and unsupported URL schemes are
 * errors, because a collectorate's operator should learn of a typo at start, not at 2 a.m.
 * Secrets (WA_APP_SECRET, WA_ACCESS_TOKEN, WA_VERIFY_TOKEN, the passwords in REDIS_URL and
 * DATABASE_URL) are kept, never echoed: an error quotes a URL with its password as "***". */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "netaddr.h"

struct config_storage {
    config pub;
    char *strings[24]; /* owned copies behind the const char * fields */
    size_t nstrings;
};

static const char *const known_sampark_vars[] = {
    "SAMPARK_LISTEN",
    "SAMPARK_FLOWS",
    "SAMPARK_SEND_RATE",
    "SAMPARK_SESSION_TTL_H",
    "SAMPARK_SATISFACTION_TIMEOUT_H",
    "SAMPARK_RECLAIM_IDLE_MS",
    "SAMPARK_GROUP_WAIT_MS",
    "SAMPARK_RETRY_BASE_MS",
    "SAMPARK_DIGEST_DIR",
    "SAMPARK_RETENTION_DAYS",
    "SAMPARK_QUEUE_MAX",
    "SAMPARK_LIMIT_COMPLAINTS_DAY",
    "SAMPARK_LIMIT_URGENT_DAY",
    "SAMPARK_LIMIT_HELPDESK_HOUR",
    "SAMPARK_LIMIT_MESSAGES_MIN",
    "SAMPARK_PUBLIC_LIMIT_MIN",
    "SAMPARK_METRICS_TOKEN",
    "SAMPARK_WEB_DIR",
    "SAMPARK_TRUSTED_PROXIES",
    "SAMPARK_MEDIA_DIR",
    "SAMPARK_MEDIA_SWEEP_S",
    "SAMPARK_PORTAL_CODE_TTL_S",
    "SAMPARK_LOG_LEVEL",
    "SAMPARK_DAILY_LIMIT",
    "SAMPARK_DAILY_WINDOW_S",
};

static const char *env_get(char *const *envp, const char *name)
{
    size_t n = strlen(name);
    for (char *const *p = envp; p && *p; p++)
        if (strncmp(*p, name, n) == 0 && (*p)[n] == '=')
            return (*p)[n + 1] ? *p + n + 1 : NULL;
    return NULL;
}

static const char *keep(struct config_storage *s, const char *v)
{
    char *copy;
    if (!v || s->nstrings == sizeof s->strings / sizeof s->strings[0])
        return NULL;
    copy = strdup(v);
    if (copy)
        s->strings[s->nstrings++] = copy;
    return copy;
}

/* Strict decimal integer in [lo, hi]. */
static int parse_int(const char *s, long lo, long hi, int *out)
{
    char *end;
    long v;
    if (!s || !*s || !(isdigit((unsigned char)*s) || *s == '-'))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi)
        return -1;
    *out = (int)v;
    return 0;
}

static int int_var(char *const *envp, const char *name, int def, long lo, long hi, int *out, err *e)
{
    const char *v = env_get(envp, name);
    if (!v) {
        *out = def;
        return 0;
    }
    if (parse_int(v, lo, hi, out) < 0)
        return err_set(e, ERR_USER, "%s: '%s' is not a whole number from %ld to %ld", name, v, lo,
                       hi);
    return 0;
}

/* "host:port" or "[v6]:port" into host (brackets removed) and port. */
static int parse_hostport(const char *s, char *host, size_t hostsz, int *port)
{
    const char *colon, *hstart = s, *hend;
    if (*s == '[') {
        hend = strchr(s, ']');
        if (!hend || hend[1] != ':')
            return -1;
        hstart = s + 1;
        colon = hend + 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || memchr(s, ':', (size_t)(colon - s)))
            return -1; /* an IPv6 literal must be bracketed */
        hend = colon;
    }
    if (hend == hstart || (size_t)(hend - hstart) >= hostsz)
        return -1;
    memcpy(host, hstart, (size_t)(hend - hstart));
    host[hend - hstart] = '\0';
    for (const char *p = host; *p; p++)
        if (isspace((unsigned char)*p) || *p == '/' || *p == '@')
            return -1;
    return parse_int(colon + 1, 1, 65535, port);
}

/* url with the password of a scheme://user:password@ part shown as "***" (the whole part when
 * it has no colon: it may be a password alone). The last '@' counts, so a password holding
 * '@' or '/' is covered too. This is what messages, logs and /healthz may quote. */
static void redact_url(const char *url, char *out, size_t outsz)
{
    const char *scheme = strstr(url, "://"), *start, *at, *colon;
    if (!scheme || !(at = strrchr(scheme + 3, '@'))) {
        snprintf(out, outsz, "%s", url);
        return;
    }
    start = scheme + 3;
    colon = memchr(start, ':', (size_t)(at - start));
    if (colon)
        snprintf(out, outsz, "%.*s:***%s", (int)(colon - url), url, at);
    else
        snprintf(out, outsz, "%.*s***%s", (int)(start - url), url, at);
}

/* redis://[[user]:password@]host[:port][/db] or unix:///path/to.sock[?db=N]; shown is the
 * redacted form every message quotes. */
static int parse_redis_url(struct config_storage *s, const char *url, const char *shown, err *e)
{
    config *c = &s->pub;
    const char *p, *at, *slash, *hostpart;
    char hostport[300];
    c->redis_port = 6379;
    c->redis_db = 0;
    if (strncmp(url, "unix://", 7) == 0) {
        const char *path = url + 7, *q = strchr(path, '?');
        size_t n = q ? (size_t)(q - path) : strlen(path);
        if (n == 0 || path[0] != '/' || n >= sizeof c->redis_socket)
            return err_set(
                e, ERR_USER,
                "REDIS_URL: '%s' needs an absolute socket path (unix:///path/redis.sock)", shown);
        memcpy(c->redis_socket, path, n);
        c->redis_socket[n] = '\0';
        if (q && (strncmp(q, "?db=", 4) != 0 || parse_int(q + 4, 0, 15, &c->redis_db) < 0))
            return err_set(e, ERR_USER, "REDIS_URL: '%s' may only carry ?db=N (0-15)", shown);
        return 0;
    }
    if (strncmp(url, "rediss://", 9) == 0)
        return err_set(e, ERR_USER,
                       "REDIS_URL: '%s' asks for TLS, which this build's hiredis does not support; "
                       "use redis:// on a private network or a TLS tunnel",
                       shown);
    if (strncmp(url, "redis://", 8) != 0)
        return err_set(e, ERR_USER, "REDIS_URL: '%s' must start with redis:// or unix://", shown);
    p = url + 8;
    slash = strchr(p, '/');
    at = strrchr(p, '@');
    if (at && slash && at > slash)
        at = NULL;
    hostpart = p;
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        char buf[512];
        if (!colon || (size_t)(at - p) >= sizeof buf)
            return err_set(e, ERR_USER,
                           "REDIS_URL: credentials must be written user:password@ or :password@");
        if (colon > p) {
            memcpy(buf, p, (size_t)(colon - p));
            buf[colon - p] = '\0';
            c->redis_user = keep(s, buf);
        }
        memcpy(buf, colon + 1, (size_t)(at - colon - 1));
        buf[at - colon - 1] = '\0';
        if (buf[0])
            c->redis_password = keep(s, buf);
        hostpart = at + 1;
    }
    {
        size_t n = slash ? (size_t)(slash - hostpart) : strlen(hostpart);
        if (n == 0 || n >= sizeof hostport - 8)
            return err_set(e, ERR_USER, "REDIS_URL: '%s' has no host", shown);
        memcpy(hostport, hostpart, n);
        hostport[n] = '\0';
        if (!strrchr(hostport, ':') || (hostport[0] == '[' && hostport[n - 1] == ']'))
            strcat(hostport, ":6379");
        if (parse_hostport(hostport, c->redis_host, sizeof c->redis_host, &c->redis_port) < 0)
            return err_set(e, ERR_USER, "REDIS_URL: '%s' has a malformed host or port", shown);
    }
    if (slash && slash[1] && parse_int(slash + 1, 0, 15, &c->redis_db) < 0)
        return err_set(e, ERR_USER,
                       "REDIS_URL: '%s' names a database that is not a number from 0 to 15", shown);
    return 0;
}

/* Whether a conninfo may carry a password: a user part (user:password@) in a URI, or the
 * password keyword. */
static int has_password(const char *url)
{
    const char *scheme = strstr(url, "://");
    if (scheme && strchr(scheme + 3, '@'))
        return 1;
    for (const char *p = url; *p; p++)
        if (strncasecmp(p, "password", 8) == 0)
            return 1;
    return 0;
}

static int check_database_url(const char *url, err *e)
{
    char *msg = NULL;
    PQconninfoOption *opts = PQconninfoParse(url, &msg);
    if (!opts) {
        char line[400], *q;
        size_t n = 0;
        int quoted = 0, secret = has_password(url);
        /* libpq quotes the piece it choked on, which may be the password: when there is one,
         * the quoted pieces are left out. */
        for (q = msg ? msg : "cannot be parsed"; *q && *q != '\n' && n < sizeof line - 4; q++) {
            if (secret && *q == '"') {
                quoted = !quoted;
                if (quoted) { /* the opening quote, then an ellipsis for what it held */
                    memcpy(line + n, "\"\xE2\x80\xA6", 4);
                    n += 4;
                } else {
                    line[n++] = '"';
                }
            } else if (!(secret && quoted)) {
                line[n++] = *q;
            }
        }
        line[n] = '\0';
        err_set(e, ERR_USER, "DATABASE_URL: %s", line);
        PQfreemem(msg);
        return -1;
    }
    PQconninfoFree(opts);
    return 0;
}

/* 1 when the URL's host part (up to ':', '/' or the end) names this machine. */
static int loopback_host(const char *host)
{
    size_t n = strcspn(host, "/?#");
    if (n >= 5 && strncmp(host, "[::1]", 5) == 0)
        return n == 5 || host[5] == ':';
    n = strcspn(host, ":/?#");
    if (n == 9 && strncasecmp(host, "localhost", 9) == 0)
        return 1;
    if (n < 7 || strncmp(host, "127.", 4) != 0)
        return 0;
    for (size_t i = 4; i < n; i++)
        if (!isdigit((unsigned char)host[i]) && host[i] != '.')
            return 0;
    return 1;
}

static int check_api_base(const char *v, err *e)
{
    const char *host;
    if (strncmp(v, "https://", 8) == 0)
        host = v + 8;
    else if (strncmp(v, "http://", 7) == 0)
        host = v + 7;
    else
        return err_set(e, ERR_USER, "WA_API_BASE: '%s' must start with https:// or http://", v);
    if (!*host || *host == '/' || *host == ':')
        return err_set(e, ERR_USER, "WA_API_BASE: '%s' has no host", v);
    /* "http://localhost:80@evil.example" is a user name and another host to libcurl: refuse
     * user info outright (unquoted: it may hold a password). */
    if (memchr(host, '@', strcspn(host, "/?#")))
        return err_set(e, ERR_USER,
                       "WA_API_BASE: must not carry a user name or password before the host (the "
                       "access token is sent as a header)");
    /* The bearer token travels in every request: plain http only to this machine (the tests'
     * fake Graph API), never across a network. */
    if (host == v + 7 && !loopback_host(host))
        return err_set(e, ERR_USER,
                       "WA_API_BASE: '%s' uses http:// to another machine; the access token would "
                       "cross the network unencrypted (use https://; http:// is for 127.0.0.1, "
                       "localhost or [::1] only)",
                       v);
    for (const char *p = v; *p; p++)
        if (isspace((unsigned char)*p) || *p == '?' || *p == '#')
            return err_set(
                e, ERR_USER,
                "WA_API_BASE: '%s' must be a plain base URL without spaces, query or fragment", v);
    return 0;
}

/* A bearer token travels in a header: printable ASCII without spaces, and long enough that
 * it cannot be guessed. The value itself is never quoted. */
static int check_metrics_token(const char *v, err *e)
{
    size_t n = strlen(v);
    for (const char *p = v; *p; p++)
        if (*p <= ' ' || *p > '~')
            return err_set(e, ERR_USER,
                           "SAMPARK_METRICS_TOKEN: must be printable ASCII without spaces");
    if (n < 16 || n > 256)
        return err_set(e, ERR_USER,
                       "SAMPARK_METRICS_TOKEN: must be 16 to 256 characters long (it has %zu)", n);
    return 0;
}

static int check_unknown(char *const *envp, err *e)
{
    for (char *const *p = envp; p && *p; p++) {
        const char *eq;
        size_t n, i;
        if (strncmp(*p, "SAMPARK_", 8) != 0 || !(eq = strchr(*p, '=')))
            continue;
        n = (size_t)(eq - *p);
        for (i = 0; i < sizeof known_sampark_vars / sizeof known_sampark_vars[0]; i++)
            if (strlen(known_sampark_vars[i]) == n && strncmp(known_sampark_vars[i], *p, n) == 0)
                break;
        if (i == sizeof known_sampark_vars / sizeof known_sampark_vars[0]) {
            char known[768] = "";
            for (i = 0; i < sizeof known_sampark_vars / sizeof known_sampark_vars[0]; i++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", i ? ", " : "",
                         known_sampark_vars[i]);
            return err_set(e, ERR_USER, "%.*s: unknown variable (Sampark knows %s)", (int)n, *p,
                           known);
        }
    }
    return 0;
}

/* The webhook's side: where it listens, Meta's tokens, the phone-number id and the Graph API. */
static int load_whatsapp(struct config_storage *s, char *const *envp, err *e)
{
    config *c = &s->pub;
    const char *v = env_get(envp, "SAMPARK_LISTEN");
    if (parse_hostport(v ? v : "127.0.0.1:8080", c->listen_host, sizeof c->listen_host,
                       &c->listen_port) < 0)
        return err_set(e, ERR_USER,
                       "SAMPARK_LISTEN: '%s' is not host:port with a port from 1 to 65535 (for "
                       "example 127.0.0.1:8080 or [::1]:8080)",
                       v);
    c->verify_token = keep(s, env_get(envp, "WA_VERIFY_TOKEN"));
    c->app_secret = keep(s, env_get(envp, "WA_APP_SECRET"));
    c->access_token = keep(s, env_get(envp, "WA_ACCESS_TOKEN"));
    v = env_get(envp, "WA_PHONE_NUMBER_ID");
    if (v) {
        for (const char *p = v; *p; p++)
            if (!isdigit((unsigned char)*p))
                return err_set(e, ERR_USER,
                               "WA_PHONE_NUMBER_ID: '%s' must be the numeric phone-number id from "
                               "Meta's WhatsApp Manager",
                               v);
        c->phone_number_id = keep(s, v);
    }
    v = env_get(envp, "WA_API_BASE");
    if (!v)
        v = "https://graph.facebook.com/v21.0";
    if (check_api_base(v, e) < 0)
        return -1;
    c->api_base = keep(s, v);
    if (c->api_base) {
        char *end = (char *)c->api_base + strlen(c->api_base);
        while (end > c->api_base + 8 && end[-1] == '/')
            *--end = '\0';
    }
    return 0;
}

/* Redis and PostgreSQL: their URLs checked, Redis's kept with its password as "***". */
static int load_stores(struct config_storage *s, char *const *envp, err *e)
{
    config *c = &s->pub;
    const char *v = env_get(envp, "REDIS_URL");
    char shown[1024];
    redact_url(v ? v : "redis://127.0.0.1:6379/0", shown, sizeof shown);
    if (parse_redis_url(s, v ? v : "redis://127.0.0.1:6379/0", shown, e) < 0)
        return -1;
    c->redis_url = keep(s, shown);
    v = env_get(envp, "DATABASE_URL");
    c->database_url = keep(s, v ? v : "postgresql:///sampark");
    if (!c->database_url || check_database_url(c->database_url, e) < 0)
        return -1;
    return 0;
}

/* What serve reads, writes and shows, and to whom: the flows, the digests, the portal's files
 * and media; the metrics token; the proxies whose X-Forwarded-For is believed. */
static int load_serving(struct config_storage *s, char *const *envp, err *e)
{
    config *c = &s->pub;
    const char *v = env_get(envp, "SAMPARK_FLOWS");
    char bad[80];
    c->flows_dir = keep(s, v ? v : "flows");
    v = env_get(envp, "SAMPARK_METRICS_TOKEN");
    if (v && check_metrics_token(v, e) < 0)
        return -1;
    c->metrics_token = keep(s, v);
    v = env_get(envp, "SAMPARK_DIGEST_DIR");
    c->digest_dir = keep(s, v ? v : "digests");
    v = env_get(envp, "SAMPARK_WEB_DIR");
    c->web_dir = keep(s, v ? v : "web");
    v = env_get(envp, "SAMPARK_MEDIA_DIR");
    c->media_dir = keep(s, v ? v : "media");
    v = env_get(envp, "SAMPARK_TRUSTED_PROXIES");
    if (v && netaddr_in(v, NULL, bad, sizeof bad) < 0)
        return err_set(e, ERR_USER,
                       "SAMPARK_TRUSTED_PROXIES: '%s' is not an address or a network (write them "
                       "like 172.16.0.0/12, 10.0.0.5, fd00::/8, separated by commas)",
                       bad);
    c->trusted_proxies = keep(s, v ? v : "");
    return 0;
}

/* The numbers: the portal's code lifetime, rates, timeouts, the queue's bound, the limits. */
static int load_numbers(config *c, char *const *envp, err *e)
{
    /* The portal's login codes live 5 minutes (SPEC section 10); shorter only for tests. */
    if (int_var(envp, "SAMPARK_PORTAL_CODE_TTL_S", 300, 1, 300, &c->portal_code_ttl_s, e) < 0)
        return -1;
    /* The media cache's sweep (media_cache.h): 6 hours; shorter only for the tests. */
    if (int_var(envp, "SAMPARK_MEDIA_SWEEP_S", 21600, 1, 604800, &c->media_sweep_s, e) < 0)
        return -1;
    /* Meta's tiers of business-initiated conversations a day (SPEC section 13); 0: unlimited.
     * The window is 24 hours; shorter only so the tests can see a day pass. */
    if (int_var(envp, "SAMPARK_DAILY_LIMIT", 0, 0, 100000, &c->daily_limit, e) < 0 ||
        int_var(envp, "SAMPARK_DAILY_WINDOW_S", 86400, 1, 86400, &c->daily_window_s, e) < 0)
        return -1;
    /* 250: a number whose business Meta has not verified yet starts there. */
    if (c->daily_limit != 0 && c->daily_limit != 250 && c->daily_limit != 1000 &&
        c->daily_limit != 10000 && c->daily_limit != 100000 && c->daily_window_s == 86400)
        return err_set(e, ERR_USER,
                       "SAMPARK_DAILY_LIMIT: '%d' is not one of Meta's tiers: 250, 1000, 10000, "
                       "100000, or 0 for unlimited",
                       c->daily_limit);
    if (int_var(envp, "SAMPARK_SEND_RATE", 80, 1, 1000, &c->send_rate, e) < 0 ||
        int_var(envp, "SAMPARK_SESSION_TTL_H", 24, 1, 720, &c->session_ttl_h, e) < 0 ||
        int_var(envp, "SAMPARK_SATISFACTION_TIMEOUT_H", 72, 1, 720, &c->satisfaction_timeout_h, e) <
            0 ||
        int_var(envp, "SAMPARK_RECLAIM_IDLE_MS", 30000, 1000, 3600000, &c->reclaim_idle_ms, e) <
            0 ||
        int_var(envp, "SAMPARK_RETRY_BASE_MS", 1000, 10, 60000, &c->retry_base_ms, e) < 0 ||
        int_var(envp, "SAMPARK_GROUP_WAIT_MS", 2, 0, 50, &c->group_wait_ms, e) < 0 ||
        int_var(envp, "SAMPARK_QUEUE_MAX", 200000, 10, 10000000, &c->queue_max, e) < 0)
        return -1;
    /* Per-citizen limits (bot/limit.c); 0 switches one off. */
    if (int_var(envp, "SAMPARK_LIMIT_COMPLAINTS_DAY", 5, 0, 1000, &c->limit_complaints_day, e) <
            0 ||
        int_var(envp, "SAMPARK_LIMIT_URGENT_DAY", 2, 0, 1000, &c->limit_urgent_day, e) < 0 ||
        int_var(envp, "SAMPARK_LIMIT_HELPDESK_HOUR", 3, 0, 1000, &c->limit_helpdesk_hour, e) < 0 ||
        int_var(envp, "SAMPARK_LIMIT_MESSAGES_MIN", 30, 0, 1000, &c->limit_messages_min, e) < 0 ||
        int_var(envp, "SAMPARK_PUBLIC_LIMIT_MIN", 60, 0, 100000, &c->public_limit_min, e) < 0)
        return -1;
    return 0;
}

/* How long closed cases are kept, and what is logged. */
static int load_retention_and_log(config *c, char *const *envp, err *e)
{
    /* 0 keeps closed cases forever; otherwise at least 30 days, so a typo ("9" for "90")
     * cannot erase last week's cases, and Meta's 7-day redeliveries are long over. */
    const char *v = env_get(envp, "SAMPARK_RETENTION_DAYS");
    if (v && (parse_int(v, 0, 36500, &c->retention_days) < 0 ||
              (c->retention_days > 0 && c->retention_days < 30)))
        return err_set(e, ERR_USER,
                       "SAMPARK_RETENTION_DAYS: '%s' is neither 0 (keep closed cases forever) nor "
                       "a whole number of days from 30 to 36500",
                       v);
    v = env_get(envp, "SAMPARK_LOG_LEVEL");
    c->log_upto = LOG_LEVEL_INFO;
    if (v && log_level_parse(v, &c->log_upto) < 0)
        return err_set(e, ERR_USER,
                       "SAMPARK_LOG_LEVEL: '%s' is not one of error, warn, info, debug (what is "
                       "logged: that level and the ones before it)",
                       v);
    return 0;
}

config *config_load(char *const *envp, err *e)
{
    struct config_storage *s = calloc(1, sizeof *s);
    config *c;
    if (!s) {
        err_set(e, ERR_ENV, "out of memory reading the configuration");
        return NULL;
    }
    c = &s->pub;
    if (check_unknown(envp, e) < 0 || load_whatsapp(s, envp, e) < 0 ||
        load_stores(s, envp, e) < 0 || load_serving(s, envp, e) < 0 ||
        load_numbers(c, envp, e) < 0 || load_retention_and_log(c, envp, e) < 0)
        goto fail;
    if (!c->api_base || !c->flows_dir || !c->redis_url || !c->web_dir || !c->media_dir) {
        err_set(e, ERR_ENV, "out of memory reading the configuration");
        goto fail;
    }
    return c;
fail:
    config_free(c);
    return NULL;
}

void config_free(config *c)
{
    struct config_storage *s = (struct config_storage *)c;
    if (!s)
        return;
    for (size_t i = 0; i < s->nstrings; i++)
        free(s->strings[i]);
    free(s);
}

int config_check_serve(const config *c, err *e)
{
    if (!c->app_secret)
        return err_set(e, ERR_USER,
                       "WA_APP_SECRET: not set; serve refuses to start without the app secret that "
                       "signs Meta's webhooks");
    if (c->access_token && !c->phone_number_id)
        return err_set(e, ERR_USER,
                       "WA_PHONE_NUMBER_ID: not set, but WA_ACCESS_TOKEN is; real sending needs "
                       "the sender's phone-number id");
    return 0;
}
