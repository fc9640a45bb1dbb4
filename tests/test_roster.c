/* test_roster.c — who is on the helpdesk's duty and when it next opens (pure, no services):
 * day names and times parse strictly, on-duty phones follow slots and departments, the next
 * opening wraps over the week, and the description `roster show` prints. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "roster.h"

enum { MON, TUE, WED, THU, FRI, SAT, SUN };
#define D(x) (1u << (x))

static const char *phe_a[] = {"919800000001", "919800000003"};
static const char *phe_b[] = {"919800000003"};
static const char *food[] = {"919800000002", "919800000001"};
static const char *fallback[] = {"919800000090"};
static roster_slot hours[] = {
    {D(MON) | D(TUE) | D(WED) | D(THU) | D(FRI) | D(SAT), 600, 1050, NULL, NULL, 0}};
static roster_slot slots[] = {
    {D(MON) | D(THU), 600, 780, "PHE", phe_a, 2},  /* 10:00-13:00 */
    {D(MON) | D(THU), 840, 1050, "PHE", phe_b, 1}, /* 14:00-17:30 */
    {D(MON) | D(SAT), 720, 900, "FOOD", food, 2},  /* 12:00-15:00 */
};
static const roster r = {hours, 1, slots, 3, fallback, 1};

static void days_and_times(void **state)
{
    (void)state;
    assert_int_equal(roster_parse_day("mon"), 0);
    assert_int_equal(roster_parse_day("sunday"), 6);
    assert_int_equal(roster_parse_day("Mon"), -1);
    assert_int_equal(roster_parse_day("tues"), -1);
    assert_int_equal(roster_parse_day(""), -1);
    assert_string_equal(roster_day_name(3), "thu");
    assert_string_equal(roster_day_name(9), "?");
    assert_int_equal(roster_parse_hhmm("00:00"), 0);
    assert_int_equal(roster_parse_hhmm("23:59"), 1439);
    assert_int_equal(roster_parse_hhmm("17:30"), 1050);
    assert_int_equal(roster_parse_hhmm("24:00"), -1);
    assert_int_equal(roster_parse_hhmm("9:30"), -1);
    assert_int_equal(roster_parse_hhmm("09:60"), -1);
    assert_int_equal(roster_parse_hhmm("09:30 "), -1);
}

static void on_duty(void **state)
{
    (void)state;
    const char *out[8];
    assert_int_equal(roster_on_duty(&r, "PHE", MON, 600, out, 8), 2);
    assert_string_equal(out[0], "919800000001");
    assert_string_equal(out[1], "919800000003");
    assert_int_equal(roster_on_duty(&r, "PHE", MON, 779, out, 8), 2);
    assert_int_equal(roster_on_duty(&r, "PHE", MON, 780, out, 8), 0); /* "to" is the end */
    assert_int_equal(roster_on_duty(&r, "PHE", TUE, 700, out, 8), 0);
    assert_int_equal(roster_on_duty(&r, "FOOD", SAT, 800, out, 8), 2);
    assert_int_equal(roster_on_duty(&r, "EDU", MON, 700, out, 8), 0);
    /* Everyone on duty: PHE and FOOD overlap on Monday 12:00-13:00; each phone once. */
    assert_int_equal(roster_on_duty(&r, NULL, MON, 750, out, 8), 3);
    assert_string_equal(out[2], "919800000002");
    assert_int_equal(roster_on_duty(&r, NULL, MON, 750, out, 1), 3); /* the count, not max */
    assert_int_equal(roster_on_duty(&r, NULL, 7, 750, out, 8), 0);
    assert_int_equal(roster_on_duty(NULL, NULL, MON, 750, out, 8), 0);
    /* One slot at a time (the portal's "on duty now" per slot). */
    assert_true(roster_slot_runs(&slots[0], THU, 600));
    assert_false(roster_slot_runs(&slots[0], THU, 780));
    assert_false(roster_slot_runs(&slots[0], TUE, 700));
    assert_false(roster_slot_runs(&slots[0], -1, 700));
    assert_false(roster_slot_runs(&slots[0], 7, 700));
}

static void next_opening(void **state)
{
    (void)state;
    int d = -1, m = -1;
    assert_int_equal(roster_next_opening(&r, "PHE", MON, 500, &d, &m), 100);
    assert_int_equal(d, MON);
    assert_int_equal(m, 600);
    assert_int_equal(roster_next_opening(&r, "PHE", MON, 600, &d, &m), 0);
    assert_int_equal(roster_next_opening(&r, "PHE", MON, 601, &d, &m), 239);
    assert_int_equal(m, 840);
    /* After Monday's last slot: Thursday 10:00. */
    assert_int_equal(roster_next_opening(&r, "PHE", MON, 1000, &d, &m), 3 * 1440 - 400);
    assert_int_equal(d, THU);
    /* After Thursday's last: wraps to next Monday. */
    assert_int_equal(roster_next_opening(&r, "PHE", THU, 900, &d, &m), 4 * 1440 - 300);
    assert_int_equal(d, MON);
    assert_int_equal(roster_next_opening(&r, NULL, FRI, 0, &d, &m), 1440 + 720);
    assert_int_equal(d, SAT);
    assert_int_equal(m, 720);
    assert_int_equal(roster_next_opening(&r, "EDU", MON, 0, &d, &m), -1);
}

static void open_and_describe(void **state)
{
    (void)state;
    char *text;
    assert_true(roster_is_open(&r, SAT, 600));
    assert_false(roster_is_open(&r, SUN, 700));
    assert_false(roster_is_open(&r, MON, 1050));
    text = roster_describe(&r, MON, 750);
    assert_string_equal(text, "helpdesk open\n"
                              "PHE: on duty 919800000001 919800000003\n"
                              "FOOD: on duty 919800000002 919800000001\n"
                              "fallback 919800000090\n");
    free(text);
    text = roster_describe(&r, SUN, 700);
    assert_string_equal(text, "helpdesk closed; opens mon 10:00\n"
                              "PHE: nobody on duty; next slot mon 10:00\n"
                              "FOOD: nobody on duty; next slot mon 12:00\n"
                              "fallback 919800000090\n");
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(days_and_times),
        cmocka_unit_test(on_duty),
        cmocka_unit_test(next_opening),
        cmocka_unit_test(open_and_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
