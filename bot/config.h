/* config.h — the environment, read once at start into one immutable struct.
 * Every variable of SPEC section 2 is validated here; a malformed value is refused with one
 * sentence naming the variable — and never quoting a password. Nothing else in Sampark calls
 * getenv(). */
#ifndef SAMPARK_CONFIG_H
#define SAMPARK_CONFIG_H

#include "err.h"
#include "log.h"

typedef struct config {
    char listen_host[256]; /* SAMPARK_LISTEN, brackets of an IPv6 literal removed */
    int listen_port;
    const char *verify_token;    /* WA_VERIFY_TOKEN; NULL: every handshake refused */
    const char *app_secret;      /* WA_APP_SECRET; NULL: serve refuses to start */
    const char *access_token;    /* WA_ACCESS_TOKEN; NULL: dry-run sending */
    const char *phone_number_id; /* WA_PHONE_NUMBER_ID */
    const char *api_base;        /* WA_API_BASE without a trailing slash */
    const char *metrics_token; /* SAMPARK_METRICS_TOKEN: /metrics for remote clients; NULL: none */
    const char *redis_url;     /* REDIS_URL for messages: its password shown as "***" */
    char redis_host[256];      /* parsed from REDIS_URL; empty when redis_socket is set */
    char redis_socket[256];    /* unix socket path, from unix:///path?db=N */
    int redis_port;
    int redis_db;
    const char *redis_user;     /* ACL user, NULL for the default user */
    const char *redis_password; /* NULL for none */
    const char *database_url;   /* DATABASE_URL: libpq conninfo or URI */
    const char *flows_dir;      /* SAMPARK_FLOWS */
    int send_rate;              /* SAMPARK_SEND_RATE, 1..1000 messages/s */
    int session_ttl_h;          /* SAMPARK_SESSION_TTL_H */
    int satisfaction_timeout_h; /* SAMPARK_SATISFACTION_TIMEOUT_H */
    int reclaim_idle_ms;        /* SAMPARK_RECLAIM_IDLE_MS: a silent worker's queue is taken over */
    int group_wait_ms;          /* SAMPARK_GROUP_WAIT_MS: a busy worker's wait for a fuller group */
    int retry_base_ms;          /* SAMPARK_RETRY_BASE_MS: first retry delay of a failed send */
    const char *digest_dir;     /* SAMPARK_DIGEST_DIR: where digests are written as CSV and text */
    const char *web_dir;        /* SAMPARK_WEB_DIR: the portal's static files (default "web") */
    /* SAMPARK_TRUSTED_PROXIES: networks (besides loopback) whose X-Forwarded-For names the
     * client — Docker's bridge when a proxy on the host forwards through the port mapping. */
    const char *trusted_proxies;
    const char *media_dir;      /* SAMPARK_MEDIA_DIR: the portal's cache of WhatsApp media */
    int media_sweep_s;          /* SAMPARK_MEDIA_SWEEP_S: how often the cache is swept */
    int daily_limit;    /* SAMPARK_DAILY_LIMIT: recipients outside their window a day; 0 = none */
    int daily_window_s; /* SAMPARK_DAILY_WINDOW_S: the limit's rolling window (tests shorten it) */
    int portal_code_ttl_s;      /* SAMPARK_PORTAL_CODE_TTL_S: a login code's life, 1..300 s */
    int retention_days; /* SAMPARK_RETENTION_DAYS: closed cases anonymised after; 0 = never */
    int queue_max;      /* SAMPARK_QUEUE_MAX: entries one inbound stream may hold; then 503 */
    /* Per-citizen limits, 0 = none: SAMPARK_LIMIT_COMPLAINTS_DAY, _URGENT_DAY, _HELPDESK_HOUR,
     * _MESSAGES_MIN. */
    int limit_complaints_day, limit_urgent_day, limit_helpdesk_hour, limit_messages_min;
    /* SAMPARK_PUBLIC_LIMIT_MIN: requests a minute per client address to the public page, its
     * stats and Open311 (portal_public.c); 0 = none. */
    int public_limit_min;
    log_level log_upto; /* SAMPARK_LOG_LEVEL: error, warn, info (default) or debug */
} config;

/* Reads the variables from envp (a NULL-terminated "NAME=value" array such as environ).
 * An empty value counts as unset. Any SAMPARK_* name that Sampark does not know is refused,
 * so a typo does not silently fall back to a default. Returns NULL and fills e on error. */
config *config_load(char *const *envp, err *e);
void config_free(config *c);

/* What `serve` needs beyond config_load: the app secret, and a phone-number id when
 * sending for real. */
int config_check_serve(const config *c, err *e);

#endif
