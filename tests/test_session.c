/* test_session.c — sessions in the real Redis: a round trip keeps state, language, retries
 * and variables; a stale version cannot overwrite a newer save; an idle session is reported
 * expired but keeps its language; delete forgets it. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "rds.h"
#include "session.h"

/* Loading after the TTL: expired, the language kept, state and every variable dropped. */
static void expect_expired_in_hindi(redisContext *c, const char *phone, int64_t at, int64_t ttl)
{
    engine_session u;
    int expired;
    unsigned v;
    err e = {0};
    engine_session_init(&u);
    assert_int_equal(session_load(c, phone, at, ttl, &u, &expired, &v, &e), 0);
    assert_int_equal(expired, 1);
    assert_string_equal(u.state, "");
    assert_string_equal(u.lang, "hi");
    assert_int_equal(u.nvars, 0);
    engine_session_clear(&u);
}

static void round_trip_and_versions(void **state)
{
    (void)state;
    config *cfg;
    redisContext *c = tu_redis(&cfg);
    char phone[32];
    engine_session s, t;
    err e = {0};
    int expired;
    unsigned v1, v2;
    const int64_t hour = 3600 * 1000, now = 1700000000000LL;
    snprintf(phone, sizeof phone, "9198%08d", (int)getpid());
    session_delete(c, phone, &e);
    engine_session_init(&s);
    assert_int_equal(session_load(c, phone, now, hour, &s, &expired, &v1, &e), 0);
    assert_string_equal(s.state, "");
    assert_int_equal(expired, 0);
    snprintf(s.state, sizeof s.state, "complaint_description");
    snprintf(s.lang, sizeof s.lang, "hi");
    s.retries = 2;
    engine_session_set(&s, "department", "PHE");
    engine_session_set(&s, "description", "हैंडपंप खराब है; 'quotes' and \"more\"");
    assert_int_equal(session_save(c, phone, now, hour, &s, v1, &e), 0);

    engine_session_init(&t);
    assert_int_equal(session_load(c, phone, now + 1000, hour, &t, &expired, &v2, &e), 0);
    assert_int_equal(expired, 0);
    assert_string_equal(t.state, "complaint_description");
    assert_string_equal(t.lang, "hi");
    assert_int_equal(t.retries, 2);
    assert_string_equal(engine_session_get(&t, "department"), "PHE");
    assert_string_equal(engine_session_get(&t, "description"),
                        "हैंडपंप खराब है; 'quotes' and \"more\"");
    assert_int_not_equal(v1, v2);
    /* Another worker saves first; the stale save is refused. */
    assert_int_equal(session_save(c, phone, now + 2000, hour, &t, v2, &e), 0);
    assert_int_equal(session_save(c, phone, now + 3000, hour, &s, v2, &e), 1);

    /* Idle for longer than the TTL: expired, language kept, state and variables dropped. */
    expect_expired_in_hindi(c, phone, now + 2 * hour, hour);

    /* The draft lives only as long as the session; the language a week longer. */
    {
        redisReply *r = redisCommand(c, "PTTL sampark:sess:%s", phone);
        assert_true(r && r->type == REDIS_REPLY_INTEGER && r->integer > 0 && r->integer <= hour);
        freeReplyObject(r);
        r = redisCommand(c, "PTTL sampark:lang:%s", phone);
        assert_true(r && r->type == REDIS_REPLY_INTEGER && r->integer > 7 * 24 * hour);
        freeReplyObject(r);
        r = redisCommand(c, "DEL sampark:sess:%s", phone); /* as Redis does when the TTL ends */
        freeReplyObject(r);
        expect_expired_in_hindi(c, phone, now + 3 * hour, hour);
    }
    /* A conversation that had ended (after "bye": no state) is not "timed out" a day later;
     * the language is still known. One that never began leaves no language key at all. */
    {
        engine_session g;
        redisReply *r;
        engine_session_init(&g);
        snprintf(g.lang, sizeof g.lang, "en");
        assert_int_equal(session_save(c, phone, now, hour, &g, 0, &e), 0);
        freeReplyObject(redisCommand(c, "DEL sampark:sess:%s", phone));
        engine_session_clear(&g);
        engine_session_init(&g);
        assert_int_equal(session_load(c, phone, now + 3 * hour, hour, &g, &expired, &v2, &e), 0);
        assert_int_equal(expired, 0);
        assert_string_equal(g.lang, "en");
        engine_session_clear(&g);
        assert_int_equal(session_delete(c, phone, &e), 0);
        engine_session_init(&g);
        assert_int_equal(session_save(c, phone, now, hour, &g, 0, &e), 0);
        r = redisCommand(c, "EXISTS sampark:lang:%s", phone);
        assert_true(r && r->type == REDIS_REPLY_INTEGER && r->integer == 0);
        freeReplyObject(r);
        engine_session_clear(&g);
    }

    assert_int_equal(session_delete(c, phone, &e), 0);
    engine_session_clear(&s);
    engine_session_clear(&t);
    engine_session_init(&s);
    assert_int_equal(session_load(c, phone, now, hour, &s, &expired, &v1, &e), 0);
    assert_string_equal(s.lang, "");
    {
        /* The stored size stays small: well under 1 KiB per session. */
        redisReply *r;
        snprintf(s.state, sizeof s.state, "complaint_confirm");
        snprintf(s.lang, sizeof s.lang, "en");
        engine_session_set(&s, "department", "PHE");
        engine_session_set(&s, "department_name", "Drinking water (PHE)");
        engine_session_set(&s, "description",
                           "The hand pump near the school has been broken since Monday");
        engine_session_set(&s, "village", "Kasdol ward 5");
        assert_int_equal(session_save(c, phone, now, hour, &s, v1, &e), 0);
        r = redisCommand(c, "MEMORY USAGE sampark:sess:%s", phone);
        assert_non_null(r);
        assert_true(r->type == REDIS_REPLY_INTEGER && r->integer < 1024);
        freeReplyObject(r);
        session_delete(c, phone, &e);
    }
    engine_session_clear(&s);
    redisFree(c);
    config_free(cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_and_versions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
