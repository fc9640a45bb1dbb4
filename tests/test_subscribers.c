/* test_subscribers.c — bot/subscribers.c on a real PostgreSQL (issue 20): a subscription with
 * its consent, STOP and START (resuming only what was stopped: the subscription when there was
 * one), a number blocked once, and a complaint's village kept only while none is known. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "subscribers.h"

struct fixture {
    char *conninfo;
    db *d;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    err e = {0};
    f->conninfo = tu_create_db("subs");
    tu_migrate(f->conninfo);
    f->d = db_open(f->conninfo, &e);
    *state = f;
    return f->d ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    db_close(f->d);
    tu_drop_db(f->conninfo);
    free(f);
    return 0;
}

static subscriber get(struct fixture *f, const char *phone, int want_found)
{
    subscriber s;
    err e = {0};
    assert_int_equal(subscribers_get(f->d, phone, &s, &e), want_found);
    return s;
}

static void subscribe_stop_start(void **state)
{
    struct fixture *f = *state;
    err e = {0};
    subscriber s, t;
    get(f, "919811100001", 0);
    assert_int_equal(subscribers_subscribe(f->d, "919811100001", "सिमगा वार्ड 4", "", "menu", &e), 0);
    s = get(f, "919811100001", 1);
    assert_string_equal(s.state, "subscribed");
    assert_string_equal(s.consent_via, "menu");
    assert_string_equal(s.village, "सिमगा वार्ड 4");
    assert_string_equal(s.block, "");
    assert_true(s.has_consent && s.ever_subscribed && !s.blocked);
    assert_int_equal(subscribers_subscribe(f->d, "919811100002", "Simga ward 4", "Simga", "menu", &e), 0);
    t = get(f, "919811100002", 1);
    assert_string_equal(t.village_key, s.village_key);
    assert_string_equal(t.block, "Simga");
    /* A village said in a voice note (none) keeps the one known. */
    assert_int_equal(subscribers_subscribe(f->d, "919811100002", NULL, NULL, "menu", &e), 0);
    assert_string_equal(get(f, "919811100002", 1).village, "Simga ward 4");

    assert_int_equal(subscribers_stop(f->d, "919811100001", &e), 0);
    s = get(f, "919811100001", 1);
    assert_string_equal(s.state, "stopped");
    assert_string_equal(s.consent_via, "keyword");
    assert_int_equal(subscribers_start(f->d, "919811100001", &e), 2); /* the subscription again */
    assert_string_equal(get(f, "919811100001", 1).state, "subscribed");
    assert_int_equal(subscribers_start(f->d, "919811100001", &e), 0); /* nothing was stopped */

    /* Never subscribed: STOP makes the row, START leaves broadcasts allowed (state NULL). */
    assert_int_equal(subscribers_stop(f->d, "919811100003", &e), 0);
    assert_string_equal(get(f, "919811100003", 1).state, "stopped");
    assert_int_equal(subscribers_start(f->d, "919811100003", &e), 1);
    s = get(f, "919811100003", 1);
    assert_string_equal(s.state, "");
    assert_false(s.ever_subscribed);
    assert_int_equal(subscribers_start(f->d, "919811100099", &e), 0); /* no row at all */
    get(f, "919811100099", 0);
}

static void block_and_learn_village(void **state)
{
    struct fixture *f = *state;
    err e = {0};
    subscriber s;
    char *first;
    assert_int_equal(subscribers_block(f->d, "919811100011", &e), 0);
    s = get(f, "919811100011", 1);
    assert_true(s.blocked);
    assert_string_equal(s.state, ""); /* a block is no consent */
    first = tu_scalar(f->conninfo, "SELECT blocked_at FROM subscribers WHERE phone = '919811100011'");
    assert_int_equal(subscribers_block(f->d, "919811100011", &e), 0);
    {
        char *again =
            tu_scalar(f->conninfo, "SELECT blocked_at FROM subscribers WHERE phone = '919811100011'");
        assert_string_equal(first, again); /* the first time counts */
        free(again);
    }
    free(first);

    assert_int_equal(subscribers_learn_village(f->d, "919811100012", "कसडोल वार्ड 5", &e), 0);
    s = get(f, "919811100012", 1);
    assert_string_equal(s.village, "कसडोल वार्ड 5");
    assert_string_not_equal(s.village_key, "");
    assert_string_equal(s.state, "");
    assert_int_equal(subscribers_learn_village(f->d, "919811100012", "Palari", &e), 0);
    assert_string_equal(get(f, "919811100012", 1).village, "कसडोल वार्ड 5"); /* one is known */
    assert_int_equal(subscribers_learn_village(f->d, "919811100013", "", &e), 0);
    get(f, "919811100013", 0); /* no village, no row */
    /* A blocked number learns a village without losing its block. */
    assert_int_equal(subscribers_learn_village(f->d, "919811100011", "Bhatapara", &e), 0);
    s = get(f, "919811100011", 1);
    assert_true(s.blocked);
    assert_string_equal(s.village, "Bhatapara");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(subscribe_stop_start),
        cmocka_unit_test(block_and_learn_village),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
