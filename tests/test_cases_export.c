/* test_cases_export.c — the export's pure parts (issue 21, cases_export.h): the date range and
 * its messages, the delay in days past the SLA, each case's clock through created, resolved,
 * reopened, transferred and merged events, the status, rating and officer words, and the
 * masking of long numbers in a complaint's text. No services. */
#include "testutil.h"

#include <string.h>

#include "cases_export.h"

#define H (3600LL * 1000)

static void ranges(void **state)
{
    err e = {0};
    (void)state;
    assert_int_equal(cases_export_range("2026-11-01", "2026-11-30", &e), 0);
    assert_int_equal(cases_export_range("2026-11-01", "2026-11-01", &e), 0);
    assert_int_equal(cases_export_range("2026-13-01", "2026-11-30", &e), -1);
    assert_string_equal(e.msg, "--from '2026-13-01' is not a date like 2026-11-25");
    assert_int_equal(cases_export_range("2026-11-01", "yesterday", &e), -1);
    assert_string_equal(e.msg, "--to 'yesterday' is not a date like 2026-11-25");
    assert_int_equal(cases_export_range("2026-02-01", "2026-02-30", &e), -1);
    assert_int_equal(cases_export_range("2026-11-30", "2026-11-01", &e), -1);
    assert_string_equal(e.msg, "--from 2026-11-30 is after --to 2026-11-01");
    assert_int_equal(cases_export_range(NULL, "2026-11-01", &e), -1);
    assert_string_equal(e.msg, "--from DATE is required (YYYY-MM-DD)");
    assert_int_equal(cases_export_range("2026-11-01", "", &e), -1);
    assert_string_equal(e.msg, "--to DATE is required (YYYY-MM-DD)");
    assert_int_equal(e.kind, ERR_USER);
}

static void delays(void **state)
{
    (void)state;
    assert_int_equal(cases_export_delay(100 * H, 10 * H), 0);
    assert_int_equal(cases_export_delay(100 * H, 100 * H), 0);
    assert_int_equal(cases_export_delay(100 * H, 100 * H + 1), 1);
    assert_int_equal(cases_export_delay(100 * H, 124 * H), 1);
    assert_int_equal(cases_export_delay(100 * H, 124 * H + 1), 2);
    assert_int_equal(cases_export_delay(100 * H, 100 * H + 30 * 24 * H), 30);
}

/* step with the event's fields; returns the status, org and delay in the out parameters. */
static int step(cases_export_clock *c, const char *kind, int64_t at, const char *to,
                const char *from, const char *level, char *status, char org[24], long *delay)
{
    cases_export_event ev = {kind, at, to, from, level};
    return cases_export_step(c, &ev, status, 200, org, delay);
}

/* A 48-hour case: escalated twice, resolved late on the fifth day, not satisfied, reopened, transferred, resolved
 * in time on the new clock, closed. */
static void clocks(void **state)
{
    cases_export_clock c = {0, 0, 48 * H, "PHE"};
    char status[200], org[24];
    long delay;
    (void)state;
    assert_int_equal(step(&c, "created", 0, "", "", "", status, org, &delay), 1);
    assert_string_equal(status, "Received");
    assert_string_equal(org, "PHE");
    assert_int_equal(delay, 0);
    assert_int_equal(step(&c, "reply", 5 * H, "", "", "", status, org, &delay), 1);
    assert_string_equal(status, "Reply sent to the citizen");
    assert_int_equal(delay, 0);
    assert_int_equal(step(&c, "escalated", 48 * H, "", "", "1", status, org, &delay), 1);
    assert_string_equal(status, "Escalated to the nodal officer");
    assert_int_equal(step(&c, "escalated", 96 * H, "", "", "2", status, org, &delay), 1);
    assert_string_equal(status, "Escalated to the collector");
    assert_int_equal(delay, 2);
    assert_int_equal(step(&c, "resolved", 100 * H, "", "", "", status, org, &delay), 1);
    assert_int_equal(delay, 3); /* 52 hours late: two days and a part */
    /* The desk answered: the citizen's later rows keep the delay of that answer. */
    assert_int_equal(step(&c, "satisfaction_reminder", 124 * H, "", "", "", status, org, &delay), 0);
    assert_int_equal(step(&c, "not_satisfied", 200 * H, "", "", "", status, org, &delay), 1);
    assert_string_equal(status, "Citizen not satisfied");
    assert_int_equal(delay, 3);
    assert_int_equal(step(&c, "reopened", 201 * H, "", "", "", status, org, &delay), 1);
    assert_string_equal(status, "Reopened");
    assert_int_equal(delay, 0);
    assert_int_equal(step(&c, "transferred", 202 * H, "PWD", "PHE", "", status, org, &delay), 1);
    assert_string_equal(status, "Transferred to PWD");
    assert_string_equal(org, "PHE"); /* the leaving department's act */
    assert_int_equal(step(&c, "resolved", 240 * H, "", "", "", status, org, &delay), 1);
    assert_string_equal(org, "PWD");
    assert_int_equal(delay, 0);
    assert_int_equal(step(&c, "closed", 300 * H, "", "", "", status, org, &delay), 1);
    assert_string_equal(status, "Closed: citizen satisfied");
    assert_int_equal(delay, 0);
}

static void other_kinds(void **state)
{
    cases_export_clock c = {0, 0, 24 * H, "REV"};
    char status[200], org[24];
    long delay;
    (void)state;
    static const char *const skipped[] = {"delivery_failed", "urgent_limited", "subject", "note"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(step(&c, skipped[i], H, "", "", "", status, org, &delay), 0);
    assert_int_equal(step(&c, "some_new_kind", H, "", "", "", status, org, &delay), 1);
    assert_string_equal(status, "some_new_kind");
    assert_int_equal(step(&c, "merged", 2 * H, "", "BLB-2026-000007", "", status, org, &delay), 1);
    assert_string_equal(status, "Duplicate BLB-2026-000007 merged into this grievance");
    assert_int_equal(c.stopped_ms, 0);
    assert_int_equal(step(&c, "merged", 50 * H, "BLB-2026-000001", "", "", status, org, &delay), 1);
    assert_string_equal(status, "Closed: merged into BLB-2026-000001");
    assert_int_equal(delay, 2);
    assert_int_equal(c.stopped_ms, 50 * H);
}

static void words(void **state)
{
    char buf[200];
    (void)state;
    assert_string_equal(cases_export_status("open", "", "", buf, sizeof buf), "Pending");
    assert_string_equal(cases_export_status("in_progress", "", "", buf, sizeof buf),
                        "Under process");
    assert_string_equal(cases_export_status("closed", "closed", "", buf, sizeof buf),
                        "Closed: citizen satisfied");
    assert_string_equal(cases_export_status("closed", "auto_closed", "", buf, sizeof buf),
                        "Closed: no feedback from the citizen");
    assert_string_equal(cases_export_status("closed", "rejected", "", buf, sizeof buf),
                        "Closed as not actionable");
    assert_string_equal(cases_export_status("closed", "merged", "BLB-2026-000001", buf, sizeof buf),
                        "Closed: merged into BLB-2026-000001");
    assert_string_equal(cases_export_status("closed", "", "", buf, sizeof buf), "Closed");
    assert_string_equal(cases_export_rating("closed"), "Satisfied");
    assert_string_equal(cases_export_rating("satisfied"), "Satisfied");
    assert_string_equal(cases_export_rating("not_satisfied"), "Not satisfied");
    assert_string_equal(cases_export_rating(""), "");
    assert_string_equal(cases_export_officer("officer", "Executive Engineer, PHE"),
                        "Executive Engineer, PHE");
    assert_string_equal(cases_export_officer("citizen", ""), "Citizen");
    assert_string_equal(cases_export_officer("nodal", ""), "Nodal officer");
    assert_string_equal(cases_export_officer("collector", ""), "Collector");
    assert_string_equal(cases_export_officer("", ""), "");
}

static void masks(void **state)
{
    static const char *const cases[][2] = {
        {"call 9876543210 please", "call XXXXXXXXXX please"},
        {"+91 98765 43210.", "+XX XXXXX XXXXX."},
        {"मेरा नंबर 98765-43210 है", "मेरा नंबर XXXXX-XXXXX है"},
        {"aadhaar 1234 5678 9012", "aadhaar XXXX XXXX XXXX"},
        {"on 12-05-2026 10 am, ward 4", "on 12-05-2026 10 am, ward 4"},
        {"khasra 123/45, 987654321", "khasra 123/45, 987654321"},
        {"9876543210", "XXXXXXXXXX"},
        {"", ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s", cases[i][0]);
        cases_export_mask_numbers(buf);
        assert_string_equal(buf, cases[i][1]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges), cmocka_unit_test(delays), cmocka_unit_test(clocks),
        cmocka_unit_test(other_kinds), cmocka_unit_test(words), cmocka_unit_test(masks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
