/* test_rds.c — the Redis handle against the real test server: connect, PING, reconnect
 * after the connection breaks, and a clear error when Redis is unreachable. */
#include "testutil.h"

#include <string.h>

#include "config.h"
#include "rds.h"

static config *cfg_for(const char *url)
{
    char entry[300];
    char *env[] = {entry, NULL};
    err e = {0};
    config *c;
    snprintf(entry, sizeof entry, "REDIS_URL=%s", url);
    c = config_load(env, &e);
    if (!c)
        fail_msg("%s", e.msg);
    return c;
}

static void ping_and_reconnect(void **state)
{
    (void)state;
    config *c = cfg_for(tu_env("TEST_REDIS_URL"));
    rds *r = rds_new(c);
    err e = {0};
    redisContext *ctx;
    redisReply *rep;
    assert_int_equal(rds_ping(r, &e), 0);
    ctx = rds_get(r, &e);
    assert_non_null(ctx);
    /* Kill our own connection from the server side; the next ping reconnects. */
    rep = redisCommand(ctx, "CLIENT ID");
    assert_non_null(rep);
    {
        char id[32];
        snprintf(id, sizeof id, "%lld", rep->integer);
        freeReplyObject(rep);
        rep = redisCommand(ctx, "CLIENT KILL ID %s SKIPME no", id);
        freeReplyObject(rep);
    }
    assert_int_equal(rds_ping(r, &e), 0);
    rds_free(r);
    rds_free(NULL);
    config_free(c);
}

static void unreachable_names_redis_url(void **state)
{
    (void)state;
    config *c = cfg_for("redis://127.0.0.1:1/0");
    rds *r = rds_new(c);
    err e = {0};
    assert_int_equal(rds_ping(r, &e), -1);
    assert_int_equal(e.kind, ERR_ENV);
    assert_non_null(strstr(e.msg, "REDIS_URL"));
    rds_free(r);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ping_and_reconnect),
        cmocka_unit_test(unreachable_names_redis_url),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
