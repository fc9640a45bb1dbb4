/* test_limit.c — the per-citizen limits' pure decision (issue 14): which rank is refused and
 * which refusal is told, that 0 means no limit and an unknown count allows (fail-open), and
 * the fixed windows — a clock minute, a clock hour, an IST calendar day. No services. */
#include "testutil.h"

#include <string.h>

#include "config.h"
#include "limit.h"

static void within_and_past_the_limit(void **state)
{
    (void)state;
    for (int k = LIMIT_COMPLAINTS; k < LIMIT_KIND_COUNT; k++) {
        assert_int_equal(limit_decide((limit_kind)k, 2, 1), LIMIT_ALLOW);
        assert_int_equal(limit_decide((limit_kind)k, 2, 2), LIMIT_ALLOW);
        /* Each refused complaint or question is the answer to the citizen's own action:
         * every one is told. */
        assert_int_equal(limit_decide((limit_kind)k, 2, 3), LIMIT_REFUSE);
        assert_int_equal(limit_decide((limit_kind)k, 2, 9), LIMIT_REFUSE);
    }
    /* A flood is answered once a window: the first message past the limit, then silence. */
    assert_int_equal(limit_decide(LIMIT_MESSAGES, 30, 30), LIMIT_ALLOW);
    assert_int_equal(limit_decide(LIMIT_MESSAGES, 30, 31), LIMIT_REFUSE);
    assert_int_equal(limit_decide(LIMIT_MESSAGES, 30, 32), LIMIT_REFUSE_QUIET);
    assert_int_equal(limit_decide(LIMIT_MESSAGES, 30, 1000), LIMIT_REFUSE_QUIET);
}

static void zero_is_no_limit_and_unknown_allows(void **state)
{
    (void)state;
    for (int k = 0; k < LIMIT_KIND_COUNT; k++) {
        assert_int_equal(limit_decide((limit_kind)k, 0, 1000000), LIMIT_ALLOW);
        assert_int_equal(limit_decide((limit_kind)k, 1, 0), LIMIT_ALLOW); /* Redis away */
    }
}

static void windows(void **state)
{
    (void)state;
    int64_t len;
    /* 2026-11-02T18:29:59Z is 23:59:59 IST on the 2nd; a second later it is the 3rd in India
     * (though still the 2nd in UTC). */
    const int64_t before = 1793644199000LL, after = before + 1000;
    assert_int_equal(limit_window(LIMIT_COMPLAINTS, before, &len) + 1,
                     limit_window(LIMIT_COMPLAINTS, after, NULL));
    assert_int_equal(len, 86400000);
    assert_int_equal(limit_window(LIMIT_URGENT, after, NULL),
                     limit_window(LIMIT_URGENT, after + 86399000, NULL)); /* 23:59:59 IST */
    /* An hour is India's clock hour: 04:30Z is 10:00 IST, and 10:00-10:59:59 IST is one window. */
    assert_int_equal(limit_window(LIMIT_HELPDESK, 3600000 * 4 + 1800000, &len), 10);
    assert_int_equal(len, 3600000);
    assert_int_equal(limit_window(LIMIT_HELPDESK, 3600000 * 5 + 1800000 - 1, NULL), 10);
    assert_int_equal(limit_window(LIMIT_HELPDESK, 3600000 * 4 + 1800000 - 1, NULL), 9);
    assert_int_equal(limit_window(LIMIT_MESSAGES, 120000, &len), 332); /* 330 minutes east */
    assert_int_equal(len, 60000);
    assert_int_equal(limit_window(LIMIT_MESSAGES, 179999, NULL), 332);
    assert_int_equal(limit_window(LIMIT_MESSAGES, 180000, NULL), 333);
    assert_int_equal(limit_window(LIMIT_MESSAGES, -5, NULL), 330);
}

static void names_and_config(void **state)
{
    (void)state;
    char *env[] = {"SAMPARK_LIMIT_COMPLAINTS_DAY=7", "SAMPARK_LIMIT_URGENT_DAY=0",
                   "SAMPARK_LIMIT_HELPDESK_HOUR=4", "SAMPARK_LIMIT_MESSAGES_MIN=60", NULL};
    err e = {0};
    config *c = config_load(env, &e);
    assert_non_null(c);
    assert_int_equal(limit_max(c, LIMIT_COMPLAINTS), 7);
    assert_int_equal(limit_max(c, LIMIT_URGENT), 0);
    assert_int_equal(limit_max(c, LIMIT_HELPDESK), 4);
    assert_int_equal(limit_max(c, LIMIT_MESSAGES), 60);
    config_free(c);
    assert_string_equal(limit_name(LIMIT_MESSAGES), "messages");
    assert_string_equal(limit_name(LIMIT_COMPLAINTS), "complaints");
    assert_string_equal(limit_name(LIMIT_URGENT), "urgent");
    assert_string_equal(limit_name(LIMIT_HELPDESK), "helpdesk");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(within_and_past_the_limit),
        cmocka_unit_test(zero_is_no_limit_and_unknown_allows),
        cmocka_unit_test(windows),
        cmocka_unit_test(names_and_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
