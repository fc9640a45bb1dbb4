/* test_receipts.c — read receipts waiting in the real Redis (bot/receipts.c): one per citizen,
 * the newest wins (a repeat of an older message, or one with an older timestamp, does not
 * replace it); taking deletes them, oldest first; a receipt put back after a passing failure
 * never replaces a newer one that arrived meanwhile, and waits out its delay — which a new
 * message of the citizen cuts short. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "rds.h"
#include "receipts.h"

static redisContext *connect_test(config **cfg)
{
    redisContext *c = tu_redis(cfg);
    freeReplyObject(redisCommand(c, "DEL %s %s", RECEIPTS_KEY, RECEIPTS_DUE));
    return c;
}

static receipt make(const char *phone, const char *wamid, long long ts)
{
    receipt r;
    memset(&r, 0, sizeof r);
    snprintf(r.phone, sizeof r.phone, "%s", phone);
    snprintf(r.wamid, sizeof r.wamid, "%s", wamid);
    r.ts = ts;
    return r;
}

/* Records rs in one round trip, as the worker does after its commit. */
static void record(redisContext *c, const receipt *rs, size_t n)
{
    err e = {0};
    assert_int_equal(receipts_append(c, rs, n), n ? 1 : 0);
    if (n)
        assert_int_equal(receipts_reply(c, &e), 0);
}

static void newest_wins_and_take_deletes(void **state)
{
    (void)state;
    config *cfg;
    redisContext *c = connect_test(&cfg);
    receipt got[8];
    err e = {0};
    const receipt batch[] = {make("919800000001", "wamid.A1", 100),
                             make("919800000002", "wamid.B1", 100)};
    const receipt later[] = {make("919800000001", "wamid.A2", 101), /* newer: replaces A1 */
                             make("919800000002", "wamid.B0", 99),  /* older repeat: kept out */
                             make("919800000003", "wamid.C1", 0)};
    record(c, batch, 2);
    record(c, later, 3);
    {
        const receipt tie = make("919800000003", "wamid.C2", 0); /* as new, recorded later */
        record(c, &tie, 1);
    }
    assert_int_equal(receipts_take(c, 8, got, &e), 3);
    for (int i = 0; i < 3; i++) {
        const char *want = strcmp(got[i].phone, "919800000001") == 0   ? "wamid.A2"
                           : strcmp(got[i].phone, "919800000002") == 0 ? "wamid.B1"
                                                                       : "wamid.C2";
        assert_string_equal(got[i].wamid, want);
        assert_int_equal(got[i].attempts, 0);
    }
    assert_int_equal(receipts_take(c, 8, got, &e), 0); /* taken is gone */
    /* at most max, oldest first */
    record(c, batch, 1);
    usleep(3000);
    record(c, batch + 1, 1);
    assert_int_equal(receipts_take(c, 1, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.A1");
    assert_int_equal(receipts_take(c, 1, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.B1");
    redisFree(c);
    config_free(cfg);
}

static void put_back_never_replaces_newer(void **state)
{
    (void)state;
    config *cfg;
    redisContext *c = connect_test(&cfg);
    receipt got[4], r1 = make("919800000011", "wamid.M1", 200), r2 = make("919800000011", "wamid.M2", 201);
    err e = {0};
    record(c, &r1, 1);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    /* Graph failed for M1 while the citizen's next message was recorded: M2 stays. */
    record(c, &r2, 1);
    got[0].attempts = 1;
    assert_int_equal(receipts_put_back(c, &got[0], 0, &e), 0);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.M2");
    /* Nothing newer: it goes back with its attempts, and waits out its delay... */
    got[0].attempts = 2;
    assert_int_equal(receipts_put_back(c, &got[0], 60000, &e), 1);
    assert_int_equal(receipts_take(c, 4, got, &e), 0);
    {
        redisReply *r = redisCommand(c, "HGET %s %s", RECEIPTS_KEY, "919800000011");
        assert_true(r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "201 2 wamid.M2") == 0);
        freeReplyObject(r);
    }
    /* ...unless the citizen writes again: the new receipt goes at once, attempts anew. */
    {
        receipt r3 = make("919800000011", "wamid.M3", 202);
        record(c, &r3, 1);
    }
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.M3");
    assert_int_equal(got[0].attempts, 0);
    /* A put back with nothing waiting: due at once with no delay. */
    assert_int_equal(receipts_put_back(c, &got[0], 0, &e), 1);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.M3");
    redisFree(c);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(newest_wins_and_take_deletes),
        cmocka_unit_test(put_back_never_replaces_newer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
