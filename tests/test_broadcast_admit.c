/* test_broadcast_admit.c — the daily limit's admission (broadcast_admit) against the real test
 * Redis: a phone already in the window is admitted again without taking a place, the limit's
 * place runs out, the wait names when the oldest entry leaves, and the window moves. */
#include "testutil.h"

#include <string.h>
#include <unistd.h>

#include "broadcast.h"
#include "config.h"

static void admission(void **state)
{
    char url[300], *env[] = {url, "SAMPARK_DAILY_LIMIT=2", "SAMPARK_DAILY_WINDOW_S=2",
                             "WA_PHONE_NUMBER_ID=100000000099", NULL};
    err e = {0};
    config *c;
    rds *r;
    redisReply *rep;
    int ok[4];
    long long wait = -1;
    (void)state;
    snprintf(url, sizeof url, "REDIS_URL=%s", tu_env("TEST_REDIS_URL"));
    assert_non_null(c = config_load(env, &e));
    assert_non_null(r = rds_new(c));
    rep = redisCommand(rds_get(r, &e), "DEL sampark:daily:100000000099");
    freeReplyObject(rep);
    assert_int_equal(broadcast_admit(c, r, (const char *[]){"911", "912"}, 2, ok, &wait, &e), 0);
    assert_true(ok[0] && ok[1]);
    assert_true(wait > 0 && wait <= 2000); /* full now: the oldest leaves within the window */
    assert_int_equal(broadcast_admit(c, r, (const char *[]){"911", "913", "912"}, 3, ok, &wait, &e),
                     0);
    assert_true(ok[0] && !ok[1] && ok[2]); /* in the window already: no new place taken */
    usleep(2100 * 1000);                   /* the window moves on */
    assert_int_equal(broadcast_admit(c, r, (const char *[]){"913"}, 1, ok, &wait, &e), 0);
    assert_true(ok[0]);
    assert_int_equal(wait, 0);
    rds_free(r);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(admission)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
