/* test_helpdesk.c — the live helpdesk's pure decisions (SPEC section 11), no services: where a
 * citizen's question goes at a moment of the roster (on duty, everyone on duty, fallback, wait
 * for the next slot, nodal) and what an officer's message means (take, end, case). */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "helpdesk.h"

enum { MON, TUE, WED, THU, FRI, SAT, SUN };
#define D(x) (1u << (x))
#define WEEKDAYS (D(MON) | D(TUE) | D(WED) | D(THU) | D(FRI) | D(SAT))

static const char *phe_a[] = {"919800000001", "919800000003"};
static const char *phe_b[] = {"919800000003"};
static const char *food[] = {"919800000002", "919800000001"};
static const char *fallback[] = {"919800000090", "919800000091"};
static roster_slot hours[] = {{WEEKDAYS, 600, 1050, NULL, NULL, 0}}; /* 10:00-17:30 */
static roster_slot slots[] = {
    {D(MON) | D(THU), 600, 780, "PHE", phe_a, 2},  /* 10:00-13:00 */
    {D(MON) | D(THU), 840, 1050, "PHE", phe_b, 1}, /* 14:00-17:30 */
    {D(MON) | D(SAT), 720, 900, "FOOD", food, 2},  /* 12:00-15:00 */
};
static const roster r = {hours, 1, slots, 3, fallback, 2};
static const roster r_nofb = {hours, 1, slots, 3, NULL, 0};
static const roster r_nohours = {NULL, 0, slots, 3, fallback, 2};
static const roster r_noslots_fb = {hours, 1, NULL, 0, fallback, 2};
static const roster r_empty = {hours, 1, NULL, 0, NULL, 0};

static void on_duty_for_department(void **state)
{
    helpdesk_route out;
    (void)state;
    helpdesk_route_at(&r, "PHE", MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.phones[0], "919800000001");
    assert_string_equal(out.phones[1], "919800000003");
    /* Monday 12:30: PHE and FOOD both sit; a PHE question goes to PHE only. */
    helpdesk_route_at(&r, "PHE", MON, 750, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
    helpdesk_route_at(&r, "FOOD", SAT, 800, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.phones[0], "919800000002");
}

static void everyone_on_duty_when_department_has_none(void **state)
{
    helpdesk_route out;
    (void)state;
    /* Saturday 12:30: only FOOD sits; a PHE question goes to FOOD's officers. */
    helpdesk_route_at(&r, "PHE", SAT, 750, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.phones[0], "919800000002");
    assert_string_equal(out.phones[1], "919800000001");
    /* An unknown department, and general (NULL or ""), the same. */
    helpdesk_route_at(&r, "EDU", SAT, 750, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
    helpdesk_route_at(&r, NULL, MON, 750, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 3); /* each phone once */
    helpdesk_route_at(&r, "", SAT, 750, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
}

static void open_but_nobody_goes_to_fallback(void **state)
{
    helpdesk_route out;
    (void)state;
    /* Tuesday 11:00: open, nobody on duty. */
    helpdesk_route_at(&r, "PHE", TUE, 660, &out);
    assert_int_equal(out.kind, HELPDESK_FALLBACK);
    assert_int_equal(out.n, 2);
    assert_string_equal(out.phones[0], "919800000090");
    assert_string_equal(out.phones[1], "919800000091");
    /* Monday 13:30: between PHE's slots, FOOD still sits → FOOD (everyone on duty). */
    helpdesk_route_at(&r, "PHE", MON, 810, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_string_equal(out.phones[0], "919800000002");
    /* Monday 15:30: FOOD has gone home, PHE sits 14:00-17:30 → a FOOD question goes to PHE. */
    helpdesk_route_at(&r, "FOOD", MON, 930, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 1);
    assert_string_equal(out.phones[0], "919800000003");
    /* Open, nobody, no fallback phones: waits for the department's next slot. */
    helpdesk_route_at(&r_nofb, "PHE", TUE, 660, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, THU);
    assert_int_equal(out.next_minute, 600);
    assert_int_equal(out.wait_minutes, 2 * 1440 - 60);
    assert_int_equal(out.n, 0);
}

static void closed_waits_for_next_slot(void **state)
{
    helpdesk_route out;
    (void)state;
    /* Sunday 11:40: closed. PHE's next slot is Monday 10:00. */
    helpdesk_route_at(&r, "PHE", SUN, 700, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, MON);
    assert_int_equal(out.next_minute, 600);
    assert_int_equal(out.wait_minutes, 1440 - 100);
    assert_int_equal(out.n, 0);
    /* FOOD: Monday 12:00. */
    helpdesk_route_at(&r, "FOOD", SUN, 700, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, MON);
    assert_int_equal(out.next_minute, 720);
    assert_int_equal(out.wait_minutes, 1440 + 20);
    /* Thursday 18:00 (after hours): PHE's next is Monday 10:00 (4 days less 8 hours). */
    helpdesk_route_at(&r, "PHE", THU, 1080, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, MON);
    assert_int_equal(out.next_minute, 600);
    assert_int_equal(out.wait_minutes, 4 * 1440 + 600 - 1080);
    /* A department without slots, and general: the next slot of any (FOOD on Saturday). */
    helpdesk_route_at(&r, "EDU", THU, 1080, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, SAT);
    assert_int_equal(out.next_minute, 720);
    assert_int_equal(out.wait_minutes, 2 * 1440 + 720 - 1080);
    helpdesk_route_at(&r, NULL, THU, 1080, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, SAT);
    /* Closed even though a slot would run (slot outside the opening hours): Sunday has no
     * hours, so a question waits. */
    helpdesk_route_at(&r, "PHE", SUN, 600, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
}

static void no_slots_fallback_else_nodal(void **state)
{
    helpdesk_route out;
    (void)state;
    helpdesk_route_at(&r_noslots_fb, "PHE", MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_FALLBACK);
    assert_int_equal(out.n, 2);
    helpdesk_route_at(&r_noslots_fb, "PHE", SUN, 700, &out); /* closed: still fallback */
    assert_int_equal(out.kind, HELPDESK_FALLBACK);
    assert_int_equal(out.n, 2);
    helpdesk_route_at(&r_empty, "PHE", MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_NODAL);
    assert_int_equal(out.n, 0);
    helpdesk_route_at(NULL, "PHE", MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_NODAL);
    assert_int_equal(out.n, 0);
    helpdesk_route_at(NULL, NULL, MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_NODAL);
}

static void no_hours_open_while_a_slot_runs(void **state)
{
    helpdesk_route out;
    (void)state;
    helpdesk_route_at(&r_nohours, "PHE", MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, 2);
    /* No hours and no slot running (Tuesday) → closed → waits for PHE's Thursday slot. */
    helpdesk_route_at(&r_nohours, "PHE", TUE, 660, &out);
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, THU);
    assert_int_equal(out.next_minute, 600);
    /* Without hours, Saturday 12:30 is open for FOOD's slot; a PHE question goes to FOOD. */
    helpdesk_route_at(&r_nohours, "PHE", SAT, 750, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_string_equal(out.phones[0], "919800000002");
}

static void reach_is_capped(void **state)
{
    enum { MANY = HELPDESK_MAX_REACH + 8 };
    static char numbers[MANY][16];
    static const char *phones[MANY];
    helpdesk_route out;
    (void)state;
    for (int i = 0; i < MANY; i++) {
        snprintf(numbers[i], sizeof numbers[i], "9198%08d", i);
        phones[i] = numbers[i];
    }
    roster_slot big[] = {{WEEKDAYS, 600, 1050, "PHE", phones, MANY}};
    roster rb = {hours, 1, big, 1, phones, MANY};
    helpdesk_route_at(&rb, "PHE", MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    assert_int_equal(out.n, HELPDESK_MAX_REACH);
    assert_string_equal(out.phones[0], numbers[0]);
    assert_string_equal(out.phones[HELPDESK_MAX_REACH - 1], numbers[HELPDESK_MAX_REACH - 1]);
    /* Fallback lists too. */
    roster rf = {hours, 1, NULL, 0, phones, MANY};
    helpdesk_route_at(&rf, NULL, MON, 700, &out);
    assert_int_equal(out.kind, HELPDESK_FALLBACK);
    assert_int_equal(out.n, HELPDESK_MAX_REACH);
}

/* A slot that starts while the desk is closed (before the opening hours, or on a day without
 * hours). Latent bug (review of issue 18): wait_for looks at slot starts only, not at when the
 * desk opens, so at 09:00 the route is WAIT with wait_minutes 0 (opening() would reschedule to
 * the same minute) and from 09:01 the wait is a week, although at 10:00 the desk opens with
 * PHE's officer on duty. The directory loader refuses such a roster today (check_within_hours),
 * so only a hand-built roster meets it; helpdesk.h's contract allows it. Skipped until
 * helpdesk_route_at waits for the first minute the desk is open and a slot runs. */
static void slot_before_opening_hours(void **state)
{
    static const char *one[] = {"919800000001"};
    static roster_slot early[] = {{D(MON), 540, 780, "PHE", one, 1}}; /* 09:00-13:00 */
    const roster re = {hours, 1, early, 1, NULL, 0};
    helpdesk_route out;
    (void)state;
    helpdesk_route_at(&re, "PHE", MON, 600, &out); /* 10:00: open and on duty */
    assert_int_equal(out.kind, HELPDESK_ON_DUTY);
    skip();
    helpdesk_route_at(&re, "PHE", MON, 480, &out); /* 08:00: the desk opens at 10:00 */
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_minute, 600);
    assert_int_equal(out.wait_minutes, 120);
    helpdesk_route_at(&re, "PHE", MON, 541, &out); /* 09:01: 59 minutes, not a week */
    assert_int_equal(out.kind, HELPDESK_WAIT);
    assert_int_equal(out.next_day, MON);
    assert_int_equal(out.wait_minutes, 59);
}

static void cmd(const char *text, helpdesk_cmd_kind kind, const char *id, const char *dept)
{
    helpdesk_cmd c;
    memset(&c, 0x5a, sizeof c); /* helpdesk_parse must clear what it does not set */
    helpdesk_parse(text, &c);
    if (c.kind != kind)
        fail_msg("\"%s\": kind %d, expected %d", text ? text : "(null)", c.kind, kind);
    assert_string_equal(c.id, id);
    assert_string_equal(c.dept, dept);
}

static void parse_take(void **state)
{
    (void)state;
    cmd("take H12", HELPDESK_CMD_TAKE, "12", "");
    cmd("TAKE h12", HELPDESK_CMD_TAKE, "12", "");
    cmd("Take 12", HELPDESK_CMD_TAKE, "12", "");
    cmd("लें H12", HELPDESK_CMD_TAKE, "12", "");
    cmd("take", HELPDESK_CMD_TAKE, "", "");
    cmd("  take   H7  ", HELPDESK_CMD_TAKE, "7", "");
    cmd("take 12 extra words", HELPDESK_CMD_NONE, "", "");
    cmd("take it", HELPDESK_CMD_NONE, "", "");
    cmd("take H", HELPDESK_CMD_NONE, "", "");
    cmd("take H12x", HELPDESK_CMD_NONE, "", "");
    cmd("take H1234567890123456789", HELPDESK_CMD_NONE, "", ""); /* 19 digits */
}

static void parse_end(void **state)
{
    (void)state;
    cmd("end", HELPDESK_CMD_END, "", "");
    cmd("END", HELPDESK_CMD_END, "", "");
    cmd("समाप्त H3", HELPDESK_CMD_END, "3", "");
    cmd("समाप्त", HELPDESK_CMD_END, "", "");
    cmd("end h3", HELPDESK_CMD_END, "3", "");
    cmd("\tend\r\n", HELPDESK_CMD_END, "", "");
    cmd("end of the matter", HELPDESK_CMD_NONE, "", "");
    cmd("end now", HELPDESK_CMD_NONE, "", "");
    cmd("ending", HELPDESK_CMD_NONE, "", "");
}

static void parse_case(void **state)
{
    (void)state;
    cmd("case PHE", HELPDESK_CMD_CASE, "", "PHE");
    cmd("case phe H4", HELPDESK_CMD_CASE, "4", "PHE");
    cmd("CASE Phe", HELPDESK_CMD_CASE, "", "PHE");
    cmd("शिकायत PHE", HELPDESK_CMD_CASE, "", "PHE");
    cmd("मामला food_2 H9", HELPDESK_CMD_CASE, "9", "FOOD_2");
    cmd("case", HELPDESK_CMD_NONE, "", "");
    cmd("case PH!E", HELPDESK_CMD_NONE, "", "");
    cmd("case पीएचई", HELPDESK_CMD_NONE, "", "");
    cmd("case PHE later", HELPDESK_CMD_NONE, "", ""); /* a third word that is not an H-number */
    cmd("case PHE H4 now", HELPDESK_CMD_NONE, "", "");
    cmd("case ABCDEFGHIJKLMNOPQRSTUVWXYZ", HELPDESK_CMD_NONE, "", ""); /* 26 letters */
}

static void parse_other(void **state)
{
    char big[4096];
    (void)state;
    cmd(NULL, HELPDESK_CMD_NONE, "", "");
    cmd("", HELPDESK_CMD_NONE, "", "");
    cmd("   ", HELPDESK_CMD_NONE, "", "");
    cmd("hello, how can I help?", HELPDESK_CMD_NONE, "", "");
    cmd("H12", HELPDESK_CMD_NONE, "", "");
    /* A long text that begins like a command is a message, not a command, and not a crash. */
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memcpy(big, "end", 3);
    cmd(big, HELPDESK_CMD_NONE, "", "");
    memset(big, 'x', sizeof big - 1);
    memcpy(big, "take ", 5);
    cmd(big, HELPDESK_CMD_NONE, "", "");
    /* 255 bytes fit the parser's buffer: "take" then spaces then "H5" is still TAKE. */
    memset(big, ' ', 255);
    big[255] = '\0';
    memcpy(big, "take", 4);
    memcpy(big + 253, "H5", 2);
    cmd(big, HELPDESK_CMD_TAKE, "5", "");
}

static void ids(void **state)
{
    char out[24];
    (void)state;
    assert_int_equal(helpdesk_id("H12", out, sizeof out), 1);
    assert_string_equal(out, "12");
    assert_int_equal(helpdesk_id("h12", out, sizeof out), 1);
    assert_string_equal(out, "12");
    assert_int_equal(helpdesk_id("12", out, sizeof out), 1);
    assert_string_equal(out, "12");
    assert_int_equal(helpdesk_id("#12", out, sizeof out), 1);
    assert_string_equal(out, "12");
    assert_int_equal(helpdesk_id("", out, sizeof out), 0);
    assert_int_equal(helpdesk_id("H", out, sizeof out), 0);
    assert_int_equal(helpdesk_id("HH12", out, sizeof out), 0);
    assert_int_equal(helpdesk_id("H-1", out, sizeof out), 0);
    assert_int_equal(helpdesk_id("H 12", out, sizeof out), 0);
    assert_int_equal(helpdesk_id("x12", out, sizeof out), 0);
    assert_int_equal(helpdesk_id("H123456789012345678", out, sizeof out), 1); /* 18 digits */
    assert_int_equal(helpdesk_id("H1234567890123456789", out, sizeof out), 0);
    /* Too small a buffer: refused, not cut. */
    assert_int_equal(helpdesk_id("H1234", out, 4), 0);
    assert_int_equal(helpdesk_id("H123", out, 4), 1);
    assert_string_equal(out, "123");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(on_duty_for_department),
        cmocka_unit_test(everyone_on_duty_when_department_has_none),
        cmocka_unit_test(open_but_nobody_goes_to_fallback),
        cmocka_unit_test(closed_waits_for_next_slot),
        cmocka_unit_test(no_slots_fallback_else_nodal),
        cmocka_unit_test(no_hours_open_while_a_slot_runs),
        cmocka_unit_test(reach_is_capped),
        cmocka_unit_test(slot_before_opening_hours),
        cmocka_unit_test(parse_take),
        cmocka_unit_test(parse_end),
        cmocka_unit_test(parse_case),
        cmocka_unit_test(parse_other),
        cmocka_unit_test(ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
