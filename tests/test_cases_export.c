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

/* One event and the row it should give (status NULL: no row). */
struct expect {
    const char *kind;
    int64_t at;
    const char *to, *from, *level, *status, *org;
    long delay;
};

static void walk(cases_export_clock *c, const struct expect *x, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cases_export_event ev = {x[i].kind, x[i].at, x[i].to, x[i].from, x[i].level};
        char status[200], org[24];
        long delay = -1;
        int row = cases_export_step(c, &ev, status, sizeof status, org, &delay);
        assert_int_equal(row, x[i].status != NULL);
        if (!row)
            continue;
        assert_string_equal(status, x[i].status);
        assert_string_equal(org, x[i].org);
        assert_int_equal(delay, x[i].delay);
    }
}

/* A 48-hour case: escalated twice, resolved late on the fifth day, not satisfied (the citizen's
 * row keeps the delay of the desk's answer), reopened, transferred (the leaving department's
 * act), resolved in time on the new clock, closed. */
static void clocks(void **state)
{
    static const struct expect story[] = {
        {"created", 0, "", "", "", "Received", "PHE", 0},
        {"reply", 5 * H, "", "", "", "Reply sent to the citizen", "PHE", 0},
        {"escalated", 48 * H, "", "", "1", "Escalated to the nodal officer", "PHE", 0},
        {"escalated", 96 * H, "", "", "2", "Escalated to the collector", "PHE", 2},
        {"resolved", 100 * H, "", "", "", "Resolved", "PHE", 3}, /* 52 hours late */
        {"satisfaction_reminder", 124 * H, "", "", "", NULL, NULL, 0},
        {"not_satisfied", 200 * H, "", "", "", "Citizen not satisfied", "PHE", 3},
        {"reopened", 201 * H, "", "", "", "Reopened", "PHE", 0},
        {"transferred", 202 * H, "PWD", "PHE", "", "Transferred to PWD", "PHE", 0},
        {"resolved", 240 * H, "", "", "", "Resolved", "PWD", 0},
        {"closed", 300 * H, "", "", "", "Closed: citizen satisfied", "PWD", 0},
    };
    cases_export_clock c = {0, 0, 48 * H, "PHE"};
    (void)state;
    walk(&c, story, sizeof story / sizeof *story);
}

/* The desk's bookkeeping gives no row; a kind not known yet is kept as it is named; a merge
 * into another case stops the clock, one from another case does not. */
static void other_kinds(void **state)
{
    static const struct expect kinds[] = {
        {"delivery_failed", H, "", "", "", NULL, NULL, 0},
        {"urgent_limited", H, "", "", "", NULL, NULL, 0},
        {"subject", H, "", "", "", NULL, NULL, 0},
        {"note", H, "", "", "", NULL, NULL, 0},
        {"some_new_kind", H, "", "", "", "some_new_kind", "REV", 0},
        {"merged", 2 * H, "", "BLB-2026-000007", "",
         "Duplicate BLB-2026-000007 merged into this grievance", "REV", 0},
        {"merged", 50 * H, "BLB-2026-000001", "", "", "Closed: merged into BLB-2026-000001", "REV",
         2},
        {"not_satisfied", 90 * H, "", "", "", "Citizen not satisfied", "REV", 2},
    };
    cases_export_clock c = {0, 0, 24 * H, "REV"};
    (void)state;
    walk(&c, kinds, sizeof kinds / sizeof *kinds);
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
        cmocka_unit_test(ranges),      cmocka_unit_test(delays), cmocka_unit_test(clocks),
        cmocka_unit_test(other_kinds), cmocka_unit_test(words),  cmocka_unit_test(masks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
