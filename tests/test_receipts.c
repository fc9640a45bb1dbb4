/* test_receipts.c — read receipts waiting in the real Redis (bot/receipts.c): one per citizen,
 * the newest wins (a repeat of an older message, or one with an older timestamp, does not
 * replace it; one without a timestamp takes Redis's clock); taking deletes them, oldest first;
 * receipts put back after a passing failure (many in one round trip, each with its delay) never
 * replace a newer one that arrived meanwhile, and wait out their delay — which a new message of
 * the citizen cuts short. And how the sender shares its budget between replies and receipts
 * (sender_receipt_share, no services): an eighth over time at any rate, what replies leave. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "rds.h"
#include "receipts.h"
#include "sender.h"

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
    /* at most max, oldest first: B made due before A (explicit times in the past, against the
     * phones' own order, which breaks ties) */
    record(c, batch, 2);
    freeReplyObject(redisCommand(c, "ZADD %s XX 2000 %s 1000 %s", RECEIPTS_DUE, "919800000001",
                                 "919800000002"));
    assert_int_equal(receipts_take(c, 1, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.B1");
    assert_int_equal(receipts_take(c, 1, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.A1");
    redisFree(c);
    config_free(cfg);
}

static void put_back_never_replaces_newer(void **state)
{
    (void)state;
    config *cfg;
    redisContext *c = connect_test(&cfg);
    receipt got[4], r1 = make("919800000011", "wamid.M1", 200),
                    r2 = make("919800000011", "wamid.M2", 201);
    err e = {0};
    record(c, &r1, 1);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    /* Graph failed for M1 while the citizen's next message was recorded: M2 stays. */
    record(c, &r2, 1);
    got[0].attempts = 1;
    assert_int_equal(receipts_put_back(c, &got[0], (const long[]){0}, 1, &e), 0);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.M2");
    /* Nothing newer: it goes back with its attempts, and waits out its delay... */
    got[0].attempts = 2;
    assert_int_equal(receipts_put_back(c, &got[0], (const long[]){60000}, 1, &e), 1);
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
    assert_int_equal(receipts_put_back(c, &got[0], (const long[]){0}, 1, &e), 1);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.M3");
    redisFree(c);
    config_free(cfg);
}

/* A message without WhatsApp's timestamp (0) is recorded with Redis's clock: it replaces an
 * older receipt that has one — the citizen's newest message gets the tick — and a later one
 * with an older timestamp does not replace it. */
static void no_timestamp_takes_the_clock(void **state)
{
    (void)state;
    config *cfg;
    redisContext *c = connect_test(&cfg);
    receipt got[4], old = make("919800000021", "wamid.T1", 1000000000),
                    none = make("919800000021", "wamid.T2", 0),
                    older = make("919800000021", "wamid.T0", 1000000001);
    err e = {0};
    record(c, &old, 1);
    record(c, &none, 1);
    record(c, &older, 1);
    assert_int_equal(receipts_take(c, 4, got, &e), 1);
    assert_string_equal(got[0].wamid, "wamid.T2");
    assert_true(got[0].ts > 1700000000); /* Redis's clock, in seconds */
    redisFree(c);
    config_free(cfg);
}

/* Several receipts go back in one round trip, each due after its own delay; one whose citizen
 * has a newer receipt waiting is not put back. */
static void put_back_many_at_once(void **state)
{
    (void)state;
    config *cfg;
    redisContext *c = connect_test(&cfg);
    receipt got[4],
        rs[] = {make("919800000031", "wamid.P1", 300), make("919800000032", "wamid.Q1", 300),
                make("919800000033", "wamid.R1", 300)};
    const receipt newer = make("919800000033", "wamid.R2", 301);
    const long delays[] = {0, 60000, 0};
    err e = {0};
    record(c, rs, 3);
    assert_int_equal(receipts_take(c, 4, got, &e), 3);
    record(c, &newer, 1);
    assert_int_equal(receipts_put_back(c, rs, delays, 3, &e), 2);
    assert_int_equal(receipts_take(c, 4, got, &e), 2); /* P1 now, Q1 waits, R2 instead of R1 */
    assert_string_equal(strcmp(got[0].phone, "919800000031") == 0 ? got[1].wamid : got[0].wamid,
                        "wamid.R2");
    assert_true(strcmp(got[0].wamid, "wamid.P1") == 0 || strcmp(got[1].wamid, "wamid.P1") == 0);
    assert_int_equal(receipts_put_back(c, rs, delays, 0, &e), 0); /* nothing: no round trip */
    {
        redisReply *r = redisCommand(c, "HGET %s %s", RECEIPTS_KEY, "919800000032");
        assert_true(r && r->type == REDIS_REPLY_STRING && strcmp(r->str, "300 0 wamid.Q1") == 0);
        freeReplyObject(r);
    }
    redisFree(c);
    config_free(cfg);
}

/* Sends of many grants in a row: how many went to receipts, rows and receipts always waiting. */
static int receipts_over(int *credit, int grants, int grant, int rows, int receipts)
{
    int sent = 0;
    for (int i = 0; i < grants; i++)
        sent += sender_receipt_share(credit, grant, rows, receipts);
    return sent;
}

static void receipts_get_an_eighth_over_time(void **state)
{
    (void)state;
    int credit = 0;
    /* SAMPARK_SEND_RATE=10: a grant of 1 a tenth; replies and receipts both backlogged */
    assert_int_equal(receipts_over(&credit, 7, 1, 5, 3), 0); /* replies first... */
    assert_int_equal(receipts_over(&credit, 1, 1, 5, 3), 1); /* ...the eighth slot a receipt */
    assert_int_equal(receipts_over(&credit, 80, 1, 5, 3), 10);
    /* rate 80 (a grant of 8) and a reply backlog: one a grant */
    credit = 0;
    assert_int_equal(receipts_over(&credit, 30, 8, 64, 8), 30);
    /* an uneven grant: still an eighth over time (3 of 24 slots) */
    credit = 0;
    assert_int_equal(receipts_over(&credit, 8, 3, 64, 8), 3);
    /* what replies leave goes to receipts, and no credit is needed for it */
    credit = 0;
    assert_int_equal(sender_receipt_share(&credit, 8, 2, 8), 6);
    assert_int_equal(sender_receipt_share(&credit, 8, 0, 3), 3);
    assert_int_equal(sender_receipt_share(&credit, 0, 5, 3), 0); /* no grant, nothing */
    assert_int_equal(sender_receipt_share(&credit, 8, 5, 0), 0); /* none waiting */
    /* a long stretch with no receipt banks at most one slot: no burst ahead of replies after */
    credit = 0;
    assert_int_equal(receipts_over(&credit, 100, 8, 64, 0), 0);
    assert_int_equal(sender_receipt_share(&credit, 1, 5, 3), 1);
    assert_int_equal(receipts_over(&credit, 7, 1, 5, 3), 0);
    /* a big first grant (the second's unused tenths) gives them an eighth of it */
    credit = 0;
    assert_int_equal(sender_receipt_share(&credit, 64, 63, 8), 8);
    assert_true(credit >= 0 && credit <= 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(newest_wins_and_take_deletes),
        cmocka_unit_test(put_back_never_replaces_newer),
        cmocka_unit_test(no_timestamp_takes_the_clock),
        cmocka_unit_test(put_back_many_at_once),
        cmocka_unit_test(receipts_get_an_eighth_over_time),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
