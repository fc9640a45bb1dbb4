/* test_config.c — the environment contract of SPEC section 2: defaults, strict parsing, and
 * one error naming the variable for every malformed value. Pure: no services. */
#include "testutil.h"

#include <string.h>

#include "config.h"
#include "netaddr.h"

static config *load(char **env, err *e)
{
    memset(e, 0, sizeof *e);
    return config_load(env, e);
}

static void defaults(void **state)
{
    (void)state;
    char *env[] = {"PATH=/usr/bin", NULL};
    err e;
    config *c = load(env, &e);
    assert_non_null(c);
    assert_string_equal(c->listen_host, "127.0.0.1");
    assert_int_equal(c->listen_port, 8080);
    assert_null(c->verify_token);
    assert_null(c->app_secret);
    assert_null(c->access_token);
    assert_string_equal(c->api_base, "https://graph.facebook.com/v21.0");
    assert_string_equal(c->redis_host, "127.0.0.1");
    assert_int_equal(c->redis_port, 6379);
    assert_int_equal(c->redis_db, 0);
    assert_string_equal(c->database_url, "postgresql:///sampark");
    assert_string_equal(c->flows_dir, "flows");
    assert_int_equal(c->send_rate, 80);
    assert_int_equal(c->session_ttl_h, 24);
    assert_int_equal(c->satisfaction_timeout_h, 72);
    assert_int_equal(c->reclaim_idle_ms, 30000);
    assert_int_equal(c->group_wait_ms, 2);
    assert_int_equal(c->retention_days, 0); /* closed cases are kept forever */
    assert_int_equal(c->limit_complaints_day, 5);
    assert_int_equal(c->limit_urgent_day, 2);
    assert_int_equal(c->limit_helpdesk_hour, 3);
    assert_int_equal(c->limit_messages_min, 30);
    assert_null(c->metrics_token);          /* /metrics for local clients only */
    assert_int_equal(config_check_serve(c, &e), -1);
    assert_non_null(strstr(e.msg, "WA_APP_SECRET"));
    config_free(c);
}

static void values(void **state)
{
    (void)state;
    char *env[] = {"SAMPARK_LISTEN=[::1]:9001",
                   "WA_VERIFY_TOKEN=tok",
                   "WA_APP_SECRET=s3cret",
                   "WA_ACCESS_TOKEN=",
                   "WA_API_BASE=http://127.0.0.1:9999/v21.0//",
                   "REDIS_URL=redis://app:p%40ss@cache.local:6390/3",
                   "DATABASE_URL=host=127.0.0.1 port=5433 dbname=sampark",
                   "SAMPARK_FLOWS=/etc/sampark/flows",
                   "SAMPARK_SEND_RATE=1000",
                   "SAMPARK_SESSION_TTL_H=48",
                   "SAMPARK_SATISFACTION_TIMEOUT_H=1",
                   "SAMPARK_RETENTION_DAYS=365",
                   "SAMPARK_LIMIT_COMPLAINTS_DAY=0",
                   "SAMPARK_LIMIT_URGENT_DAY=1",
                   "SAMPARK_LIMIT_HELPDESK_HOUR=1000",
                   "SAMPARK_LIMIT_MESSAGES_MIN=",
                   NULL};
    err e;
    config *c = load(env, &e);
    assert_non_null(c);
    assert_string_equal(c->listen_host, "::1");
    assert_int_equal(c->listen_port, 9001);
    assert_string_equal(c->verify_token, "tok");
    assert_null(c->access_token); /* empty counts as unset: dry-run */
    assert_string_equal(c->api_base, "http://127.0.0.1:9999/v21.0");
    assert_string_equal(c->redis_host, "cache.local");
    assert_int_equal(c->redis_port, 6390);
    assert_int_equal(c->redis_db, 3);
    assert_string_equal(c->redis_user, "app");
    assert_string_equal(c->redis_password, "p%40ss");
    assert_string_equal(c->redis_url, "redis://app:***@cache.local:6390/3"); /* for messages */
    assert_string_equal(c->flows_dir, "/etc/sampark/flows");
    assert_int_equal(c->send_rate, 1000);
    assert_int_equal(c->session_ttl_h, 48);
    assert_int_equal(c->satisfaction_timeout_h, 1);
    assert_int_equal(c->retention_days, 365);
    assert_int_equal(c->limit_complaints_day, 0); /* 0: no limit */
    assert_int_equal(c->limit_urgent_day, 1);
    assert_int_equal(c->limit_helpdesk_hour, 1000);
    assert_int_equal(c->limit_messages_min, 30); /* empty counts as unset */
    assert_int_equal(config_check_serve(c, &e), 0);
    config_free(c);
}

static void redis_forms(void **state)
{
    (void)state;
    err e;
    char *a[] = {"REDIS_URL=unix:///run/redis/redis.sock?db=2", NULL};
    char *b[] = {"REDIS_URL=redis://:secret@10.0.0.5", NULL};
    char *d[] = {"REDIS_URL=redis://[::1]:7000/1", NULL};
    config *c = load(a, &e);
    assert_non_null(c);
    assert_string_equal(c->redis_socket, "/run/redis/redis.sock");
    assert_int_equal(c->redis_db, 2);
    config_free(c);
    c = load(b, &e);
    assert_non_null(c);
    assert_null(c->redis_user);
    assert_string_equal(c->redis_password, "secret");
    assert_string_equal(c->redis_host, "10.0.0.5");
    assert_int_equal(c->redis_port, 6379);
    config_free(c);
    c = load(d, &e);
    assert_non_null(c);
    assert_string_equal(c->redis_host, "::1");
    assert_int_equal(c->redis_port, 7000);
    config_free(c);
}

/* Every malformed value fails with a message that names its variable. */
static void malformed(void **state)
{
    (void)state;
    static const struct {
        const char *entry, *name;
    } cases[] = {
        {"SAMPARK_LISTEN=8080", "SAMPARK_LISTEN"},
        {"SAMPARK_LISTEN=127.0.0.1:http", "SAMPARK_LISTEN"},
        {"SAMPARK_LISTEN=127.0.0.1:0", "SAMPARK_LISTEN"},
        {"SAMPARK_LISTEN=127.0.0.1:65536", "SAMPARK_LISTEN"},
        {"SAMPARK_LISTEN=::1:8080", "SAMPARK_LISTEN"},
        {"SAMPARK_LISTEN=:8080", "SAMPARK_LISTEN"},
        {"WA_API_BASE=ftp://graph.example/v21.0", "WA_API_BASE"},
        {"WA_API_BASE=https://", "WA_API_BASE"},
        {"WA_API_BASE=https://graph.facebook.com/v21.0?x=1", "WA_API_BASE"},
        {"WA_API_BASE=http://graph.facebook.com/v21.0", "WA_API_BASE"}, /* token in the clear */
        {"WA_API_BASE=http://127.evil.example/v21.0", "WA_API_BASE"},
        {"WA_API_BASE=http://localhost.example/v21.0", "WA_API_BASE"},
        {"WA_API_BASE=http://[::1]x/v21.0", "WA_API_BASE"},
        {"WA_API_BASE=http://localhost:80@evil.example/v21.0", "WA_API_BASE"},
        {"WA_API_BASE=http://127.0.0.1:x@evil.example/", "WA_API_BASE"},
        {"WA_API_BASE=http://[::1]:@evil.example/", "WA_API_BASE"},
        {"WA_API_BASE=https://user:pw@graph.facebook.com/v21.0", "WA_API_BASE"},
        {"SAMPARK_DAILY_LIMIT=5000", "SAMPARK_DAILY_LIMIT"}, /* not one of Meta's tiers */
        {"SAMPARK_DAILY_LIMIT=-1", "SAMPARK_DAILY_LIMIT"},
        {"SAMPARK_DAILY_WINDOW_S=0", "SAMPARK_DAILY_WINDOW_S"},
        {"SAMPARK_QUEUE_MAX=9", "SAMPARK_QUEUE_MAX"},
        {"SAMPARK_QUEUE_MAX=1e6", "SAMPARK_QUEUE_MAX"},
        {"WA_PHONE_NUMBER_ID=+91 98000", "WA_PHONE_NUMBER_ID"},
        {"REDIS_URL=http://127.0.0.1:6379", "REDIS_URL"},
        {"REDIS_URL=redis://127.0.0.1:99999", "REDIS_URL"},
        {"REDIS_URL=redis://127.0.0.1:6379/x", "REDIS_URL"},
        {"REDIS_URL=redis://127.0.0.1:6379/16", "REDIS_URL"},
        {"REDIS_URL=redis://", "REDIS_URL"},
        {"REDIS_URL=rediss://127.0.0.1:6379", "REDIS_URL"},
        {"REDIS_URL=unix://relative.sock", "REDIS_URL"},
        {"DATABASE_URL=postgresql://[::1", "DATABASE_URL"},
        {"DATABASE_URL=host=127.0.0.1 bogus_option=1", "DATABASE_URL"},
        {"SAMPARK_SEND_RATE=0", "SAMPARK_SEND_RATE"},
        {"SAMPARK_SEND_RATE=1001", "SAMPARK_SEND_RATE"},
        {"SAMPARK_SEND_RATE=80/s", "SAMPARK_SEND_RATE"},
        {"SAMPARK_SEND_RATE=99999999999999999999", "SAMPARK_SEND_RATE"},
        {"SAMPARK_SESSION_TTL_H=-1", "SAMPARK_SESSION_TTL_H"},
        {"SAMPARK_SESSION_TTL_H= 24", "SAMPARK_SESSION_TTL_H"},
        {"SAMPARK_SATISFACTION_TIMEOUT_H=72h", "SAMPARK_SATISFACTION_TIMEOUT_H"},
        {"SAMPARK_LISTN=127.0.0.1:8080", "SAMPARK_LISTN"},
        {"SAMPARK_RECLAIM_IDLE_MS=999", "SAMPARK_RECLAIM_IDLE_MS"},
        {"SAMPARK_RECLAIM_IDLE_MS=1s", "SAMPARK_RECLAIM_IDLE_MS"},
        {"SAMPARK_GROUP_WAIT_MS=51", "SAMPARK_GROUP_WAIT_MS"},
        {"SAMPARK_GROUP_WAIT_MS=2ms", "SAMPARK_GROUP_WAIT_MS"},
        {"SAMPARK_RETENTION_DAYS=-1", "SAMPARK_RETENTION_DAYS"},
        {"SAMPARK_RETENTION_DAYS=7", "SAMPARK_RETENTION_DAYS"}, /* a typo for 70? too short */
        {"SAMPARK_RETENTION_DAYS=29", "SAMPARK_RETENTION_DAYS"},
        {"SAMPARK_RETENTION_DAYS=90d", "SAMPARK_RETENTION_DAYS"},
        {"SAMPARK_RETENTION_DAYS=36501", "SAMPARK_RETENTION_DAYS"},
        {"SAMPARK_LIMIT_COMPLAINTS_DAY=-1", "SAMPARK_LIMIT_COMPLAINTS_DAY"},
        {"SAMPARK_LIMIT_COMPLAINTS_DAY=five", "SAMPARK_LIMIT_COMPLAINTS_DAY"},
        {"SAMPARK_LIMIT_URGENT_DAY=2/day", "SAMPARK_LIMIT_URGENT_DAY"},
        {"SAMPARK_LIMIT_URGENT_DAY=1001", "SAMPARK_LIMIT_URGENT_DAY"},
        {"SAMPARK_LIMIT_HELPDESK_HOUR=3.5", "SAMPARK_LIMIT_HELPDESK_HOUR"},
        {"SAMPARK_LIMIT_MESSAGES_MIN= 30", "SAMPARK_LIMIT_MESSAGES_MIN"},
        {"SAMPARK_LIMIT_MESSAGES_MIN=99999999999999999999", "SAMPARK_LIMIT_MESSAGES_MIN"},
        {"SAMPARK_LIMIT_MESSAGE_MIN=30", "SAMPARK_LIMIT_MESSAGE_MIN"}, /* a typo: unknown */
        {"SAMPARK_METRICS_TOKEN=short", "SAMPARK_METRICS_TOKEN"},
        {"SAMPARK_METRICS_TOKEN=has a space in it, sixteen+", "SAMPARK_METRICS_TOKEN"},
        {"SAMPARK_METRICS_TOKEN=tab\there-0123456789", "SAMPARK_METRICS_TOKEN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *env[] = {(char *)cases[i].entry, NULL};
        err e;
        config *c = load(env, &e);
        if (c)
            fail_msg("accepted %s", cases[i].entry);
        assert_int_equal(e.kind, ERR_USER);
        if (strncmp(e.msg, cases[i].name, strlen(cases[i].name)) != 0)
            fail_msg("%s: message does not start with the variable: %s", cases[i].entry, e.msg);
        assert_null(strchr(e.msg, '\n'));
    }
}

static void retention_bounds(void **state)
{
    (void)state;
    char *zero[] = {"SAMPARK_RETENTION_DAYS=0", NULL};
    char *low[] = {"SAMPARK_RETENTION_DAYS=30", NULL};
    char *high[] = {"SAMPARK_RETENTION_DAYS=36500", NULL};
    char *empty[] = {"SAMPARK_RETENTION_DAYS=", NULL};
    err e;
    config *c = load(zero, &e);
    assert_non_null(c);
    assert_int_equal(c->retention_days, 0);
    config_free(c);
    assert_non_null(c = load(low, &e));
    assert_int_equal(c->retention_days, 30);
    config_free(c);
    assert_non_null(c = load(high, &e));
    assert_int_equal(c->retention_days, 36500);
    config_free(c);
    assert_non_null(c = load(empty, &e)); /* empty counts as unset: keep forever */
    assert_int_equal(c->retention_days, 0);
    config_free(c);
}

/* The portal's variables (issue 17): where its files and media live, and a code's life, which
 * tests may shorten but nobody may lengthen past the contract's 5 minutes. */
static void portal_vars(void **state)
{
    (void)state;
    char *none[] = {NULL};
    char *set[] = {"SAMPARK_WEB_DIR=/srv/web", "SAMPARK_MEDIA_DIR=/var/cache/sampark",
                   "SAMPARK_PORTAL_CODE_TTL_S=2", NULL};
    const char *bad[] = {"SAMPARK_PORTAL_CODE_TTL_S=0", "SAMPARK_PORTAL_CODE_TTL_S=301",
                         "SAMPARK_PORTAL_CODE_TTL_S=5m"};
    err e;
    config *c = load(none, &e);
    assert_non_null(c);
    assert_string_equal(c->web_dir, "web");
    assert_string_equal(c->media_dir, "media");
    assert_int_equal(c->portal_code_ttl_s, 300);
    config_free(c);
    assert_non_null(c = load(set, &e));
    assert_string_equal(c->web_dir, "/srv/web");
    assert_string_equal(c->media_dir, "/var/cache/sampark");
    assert_int_equal(c->portal_code_ttl_s, 2);
    config_free(c);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *env[] = {(char *)bad[i], NULL};
        assert_null(load(env, &e));
        assert_non_null(strstr(e.msg, "SAMPARK_PORTAL_CODE_TTL_S"));
    }
}

/* No message quotes a password: not REDIS_URL's, not DATABASE_URL's, malformed or not. */
static void errors_never_quote_passwords(void **state)
{
    (void)state;
    static const char *const cases[] = {
        "REDIS_URL=redis://app:Sekr1t@cache.local:99999/0",
        "REDIS_URL=redis://:Sekr1t@cache.local:6379/x",
        "REDIS_URL=http://app:Sekr1t@cache.local:6379",
        "REDIS_URL=rediss://:Sekr1t@cache.local:6379",
        "REDIS_URL=redis://:Sek/r1t@cache.local:6379",
        "REDIS_URL=redis://Sekr1t@cache.local:6379",
        "DATABASE_URL=postgresql://app:Sekr1t%zz@db.local/sampark",
        "DATABASE_URL=host=db.local password=Sekr1t bogus_option",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *env[] = {(char *)cases[i], NULL};
        err e;
        config *c = load(env, &e);
        if (c)
            fail_msg("accepted %s", cases[i]);
        if (strstr(e.msg, "Sekr1t") || strstr(e.msg, "r1t"))
            fail_msg("%s: the message quotes the password: %s", cases[i], e.msg);
        if (strncmp(e.msg, cases[i], (size_t)(strchr(cases[i], '=') - cases[i])) != 0)
            fail_msg("%s: message does not start with the variable: %s", cases[i], e.msg);
    }
}

/* SAMPARK_METRICS_TOKEN: kept as given; a refused one is never quoted. */
static void metrics_token(void **state)
{
    (void)state;
    char *ok[] = {"SAMPARK_METRICS_TOKEN=Zq3-x_9.Lm~0123456789", NULL};
    char *bad[] = {"SAMPARK_METRICS_TOKEN=Sekr1t has a space", NULL};
    err e;
    config *c = load(ok, &e);
    assert_non_null(c);
    assert_string_equal(c->metrics_token, "Zq3-x_9.Lm~0123456789");
    config_free(c);
    assert_null(load(bad, &e));
    assert_null(strstr(e.msg, "Sekr1t"));
}

static void serve_needs_phone_id_when_sending(void **state)
{
    (void)state;
    char *env[] = {"WA_APP_SECRET=s", "WA_ACCESS_TOKEN=t", NULL};
    err e;
    config *c = load(env, &e);
    assert_non_null(c);
    assert_int_equal(config_check_serve(c, &e), -1);
    assert_non_null(strstr(e.msg, "WA_PHONE_NUMBER_ID"));
    config_free(c);
    config_free(NULL);
}

/* Plain http is allowed only to this machine: the token must not cross a network in clear. */
static void api_base_loopback(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "WA_API_BASE=http://localhost:8443/v21.0", "WA_API_BASE=http://[::1]:9000",
        "WA_API_BASE=http://127.0.0.2/graph", "WA_API_BASE=https://graph.example.org/v21.0"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char *env[] = {(char *)ok[i], NULL};
        err e;
        config *c = load(env, &e);
        if (!c)
            fail_msg("refused %s: %s", ok[i], e.msg);
        config_free(c);
    }
}

/* SAMPARK_LOG_LEVEL: the four levels, info by default, anything else refused by name. */
static void log_level_var(void **state)
{
    (void)state;
    char *unset[] = {NULL}, *warn[] = {"SAMPARK_LOG_LEVEL=warn", NULL},
         *debug[] = {"SAMPARK_LOG_LEVEL=debug", NULL}, *bad[] = {"SAMPARK_LOG_LEVEL=verbose", NULL};
    err e;
    config *c = load(unset, &e);
    assert_int_equal(c->log_upto, LOG_LEVEL_INFO);
    config_free(c);
    c = load(warn, &e);
    assert_int_equal(c->log_upto, LOG_LEVEL_WARN);
    config_free(c);
    c = load(debug, &e);
    assert_int_equal(c->log_upto, LOG_LEVEL_DEBUG);
    config_free(c);
    assert_null(load(bad, &e));
    assert_int_equal(e.kind, ERR_USER);
    assert_non_null(strstr(e.msg, "SAMPARK_LOG_LEVEL: 'verbose' is not one of error, warn"));
}

/* SAMPARK_TRUSTED_PROXIES: networks whose X-Forwarded-For the portal believes (the security
 * review's finding: behind Docker's port mapping every client looked like the bridge). */
static void trusted_proxies(void **state)
{
    static const struct {
        const char *list, *addr;
        int in;
    } cases[] = {
        {"172.16.0.0/12", "172.18.0.1", 1},      {"172.16.0.0/12", "172.32.0.1", 0},
        {"10.1.2.3", "10.1.2.3", 1},             {"10.1.2.3", "10.1.2.4", 0},
        {" 192.168.0.0/16 , fd00::/8", "fd12::1", 1}, {"fd00::/8", "fe80::1", 0},
        {"172.16.0.0/12", "::ffff:172.20.1.9", 1}, {"0.0.0.0/0", "8.8.8.8", 1},
        {"10.0.0.0/8", "fd00::1", 0},             {"", "10.0.0.1", 0},
        {"10.0.0.0/8", "not an address", 0},      {"10.0.0.0/9", "10.127.0.1", 1},
        {"10.0.0.0/9", "10.128.0.1", 0},
        {NETADDR_LOOPBACK, "127.0.0.1", 1},  {NETADDR_LOOPBACK, "::1", 1},
        {NETADDR_LOOPBACK, "::ffff:127.0.0.2", 1}, {NETADDR_LOOPBACK, "10.0.0.1", 0},
    };
    char bad[80];
    char *wrong[] = {"SAMPARK_TRUSTED_PROXIES=10.0.0.0/8,docker", NULL},
         *fine[] = {"SAMPARK_TRUSTED_PROXIES=172.16.0.0/12, fd00::/8", NULL};
    err e;
    config *c;
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (netaddr_in(cases[i].list, cases[i].addr, bad, sizeof bad) != cases[i].in)
            fail_msg("%s in %s: expected %d", cases[i].addr, cases[i].list, cases[i].in);
    assert_int_equal(netaddr_in("10.0.0.0/33", NULL, bad, sizeof bad), -1);
    assert_string_equal(bad, "10.0.0.0/33");
    assert_int_equal(netaddr_in("fd00::/129", NULL, bad, sizeof bad), -1);
    assert_int_equal(netaddr_in("10.0.0.0/", NULL, bad, sizeof bad), -1);
    /* The public limit's key: IPv4 whole, IPv6 by its /64 (one line rotates within it). */
    assert_string_equal(netaddr_client_key("10.7.0.1", bad, sizeof bad), "10.7.0.1");
    assert_string_equal(netaddr_client_key("::ffff:10.7.0.1", bad, sizeof bad), "10.7.0.1");
    assert_string_equal(netaddr_client_key("2001:db8:1:2:aaaa::1", bad, sizeof bad),
                        "2001:db8:1:2::/64");
    assert_string_equal(netaddr_client_key("2001:db8:1:2:ffff:1:2:3", bad, sizeof bad),
                        "2001:db8:1:2::/64");
    assert_string_equal(netaddr_client_key("somewhere", bad, sizeof bad), "somewhere");
    assert_null(load(wrong, &e));
    assert_non_null(strstr(e.msg, "SAMPARK_TRUSTED_PROXIES: 'docker' is not an address"));
    c = load(fine, &e);
    assert_string_equal(c->trusted_proxies, "172.16.0.0/12, fd00::/8");
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test(values),
        cmocka_unit_test(redis_forms),
        cmocka_unit_test(malformed),
        cmocka_unit_test(retention_bounds),
        cmocka_unit_test(portal_vars),
        cmocka_unit_test(api_base_loopback),
        cmocka_unit_test(errors_never_quote_passwords),
        cmocka_unit_test(serve_needs_phone_id_when_sending),
        cmocka_unit_test(metrics_token),
        cmocka_unit_test(log_level_var),
        cmocka_unit_test(trusted_proxies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
