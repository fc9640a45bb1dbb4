/* test_portal.c — the portal's pure parts (issue 17): which /portal/ paths name a file of web/
 * (no traversal, no hidden files) and the Content-Type of each; the case list's filters,
 * cursor and CSV quoting (cases_query); the public side's (issue 21) W3C datetimes, Open311
 * search and the page's language (cases_public, portal_public). No services. */
#include "testutil.h"

#include <string.h>

#include "cases_public.h"
#include "cases_query.h"
#include "portal.h"
#include "portal_public.h"

static void static_names(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(portal_static_name("/portal/", out, sizeof out), 0);
    assert_string_equal(out, "index.html");
    assert_int_equal(portal_static_name("/portal/app.js", out, sizeof out), 0);
    assert_string_equal(out, "app.js");
    assert_int_equal(
        portal_static_name("/portal/fonts/NotoSansDevanagari-Regular.woff2", out, sizeof out), 0);
    assert_string_equal(out, "fonts/NotoSansDevanagari-Regular.woff2");
    static const char *const refused[] = {
        "/portal/../README.md",
        "/portal/..",
        "/portal/./app.js",
        "/portal/.git/config",
        "/portal//etc/passwd",
        "/portal/a//b",
        "/portal/a/",
        "/portal/a/../../b",
        "/portal/a\\b",
        "/portal/a b",
        "/portal/a%2e",
        "/portal/app.js?x",
        "/portal",
        "/api/cases",
        "/portal/fonts/.hidden",
        "/portal/\x01",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(portal_static_name(refused[i], out, sizeof out), -1);
    /* A name longer than the buffer is refused, not cut. */
    assert_int_equal(portal_static_name("/portal/abcdefghij.js", out, 8), -1);
}

static void content_types(void **state)
{
    (void)state;
    assert_string_equal(portal_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(portal_content_type("app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(portal_content_type("style.css"), "text/css; charset=utf-8");
    assert_string_equal(portal_content_type("f.woff2"), "font/woff2");
    assert_string_equal(portal_content_type("LICENSE"), "application/octet-stream");
    assert_string_equal(portal_content_type("x.js.bak"), "application/octet-stream");
}

static int parse(cases_filter *f, err *e, int csv, const char *a0, const char *a1)
{
    const char *args[2] = {a0, a1};
    return cases_filter_parse(args, a1 ? 2 : a0 ? 1 : 0, csv, f, e);
}

static void filters(void **state)
{
    cases_filter f;
    err e = {0};
    (void)state;
    assert_int_equal(parse(&f, &e, 0, NULL, NULL), 0);
    assert_int_equal(f.limit, CASES_QUERY_LIMIT_DEFAULT);
    assert_int_equal(f.level, -1);
    assert_int_equal(f.has_after, 0);
    assert_int_equal(parse(&f, &e, 0, "status=reopened", "department=CSPDCL"), 0);
    assert_string_equal(f.status, "reopened");
    assert_string_equal(f.department, "CSPDCL");
    assert_int_equal(parse(&f, &e, 0, "overdue=1", "urgent=0"), 0);
    assert_true(f.overdue && !f.urgent);
    assert_int_equal(parse(&f, &e, 0, "level=0", "limit=200"), 0);
    assert_int_equal(f.level, 0);
    assert_int_equal(f.limit, 200);
    assert_int_equal(parse(&f, &e, 0, "from=2024-02-29", "to=2024-03-01"), 0);
    assert_int_equal(parse(&f, &e, 0, "q=हैंडपंप", "status="), 0); /* empty: no filter */
    assert_string_equal(f.q, "हैंडपंप");
    assert_string_equal(f.status, "");
    /* Each refused, and the error names the argument first ("level: ..."). */
    static const char *const bad[] = {
        "status=lost",   "department=phe", "department=P", "overdue=yes",     "urgent=2",
        "reopened=true", "level=3",        "level=-1",     "from=2023-02-29", "to=2026-13-01",
        "from=26-11-01", "limit=0",        "limit=201",    "limit=1e2",       "after=abc",
        "after=12-0",    "after=-5-3",     "bogus=1",      "q=\xff\xfe"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = strcspn(bad[i], "=");
        assert_int_equal(parse(&f, &e, 0, bad[i], NULL), -1);
        assert_true(strncmp(e.msg, bad[i], n) == 0 && e.msg[n] == ':');
    }
    assert_int_equal(parse(&f, &e, 0, "from=2026-11-02", "to=2026-11-01"), -1);
    assert_true(strncmp(e.msg, "from:", 5) == 0);
    /* The CSV takes every matching row: no limit, no cursor. */
    assert_int_equal(parse(&f, &e, 1, "limit=5", NULL), -1);
    assert_true(strncmp(e.msg, "limit:", 6) == 0);
    char longq[120];
    memset(longq, 'x', sizeof longq);
    memcpy(longq, "q=", 2);
    longq[sizeof longq - 1] = '\0';
    assert_int_equal(parse(&f, &e, 0, longq, NULL), -1);
}

static void cursors(void **state)
{
    char c[48];
    int64_t us;
    long long id;
    cases_filter f;
    err e = {0};
    (void)state;
    cases_cursor_encode(1764651600123456LL, 42, c, sizeof c);
    assert_string_equal(c, "1764651600123456-42");
    assert_int_equal(cases_cursor_decode(c, &us, &id), 0);
    assert_true(us == 1764651600123456LL && id == 42);
    assert_int_equal(parse(&f, &e, 0, "after=1764651600123456-42", NULL), 0);
    assert_true(f.has_after && f.after_us == 1764651600123456LL && f.after_id == 42);
    static const char *const bad[] = {
        "", "-", "1-", "-1", "1-2-3", "a-1", "1-a", "1--2", "1234567890123456789-1", "1-0"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cases_cursor_decode(bad[i], &us, &id), -1);
}

static void dates_and_weeks(void **state)
{
    char m[11];
    (void)state;
    assert_int_equal(cases_date_ok("2026-11-30"), 0);
    assert_int_equal(cases_date_ok("2026-11-31"), -1);
    assert_int_equal(cases_date_ok("2026-1-03"), -1);
    assert_int_equal(cases_week_monday("2026-W48", m), 0);
    assert_string_equal(m, "2026-11-23");
    assert_int_equal(cases_week_monday("2026-W01", m), 0);
    assert_string_equal(m, "2025-12-29"); /* week 1 holds 4 January */
    assert_int_equal(cases_week_monday("2020-W53", m), 0);
    assert_string_equal(m, "2020-12-28");
    assert_int_equal(cases_week_monday("2021-W53", m), -1); /* 2021 has 52 weeks */
    assert_int_equal(cases_week_monday("2026-W00", m), -1);
    assert_int_equal(cases_week_monday("2026W48", m), -1);
    assert_int_equal(cases_week_monday("2026-w48", m), -1);
}

static char *csv_line(const char *const *fields, size_t n)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    for (size_t i = 0; i < n; i++)
        cases_csv_field(f, fields[i], i + 1 == n);
    fclose(f);
    return buf;
}

static void csv_quoting(void **state)
{
    (void)state;
    const char *plain[] = {"BLB-2026-000101", "हैंडपंप खराब", ""};
    char *l = csv_line(plain, 3);
    assert_string_equal(l, "BLB-2026-000101,हैंडपंप खराब,\r\n");
    free(l);
    const char *tricky[] = {"a,b", "say \"no\"", "two\nlines", "=1+1",
                            "-2",  "+x",         "@SUM(A1)",   "ok"};
    l = csv_line(tricky, 8);
    assert_string_equal(l, "\"a,b\",\"say \"\"no\"\"\",\"two\nlines\",\"'=1+1\",\"'-2\",\"'+x\","
                           "\"'@SUM(A1)\",ok\r\n");
    free(l);
}

static void w3c_datetimes(void **state)
{
    int64_t ms;
    (void)state;
    assert_int_equal(cases_public_datetime("2026-12-01T00:00:00Z", 0, &ms), 0);
    assert_true(ms == 1796083200000LL);
    assert_int_equal(cases_public_datetime("2026-12-01T05:30:00+05:30", 0, &ms), 0);
    assert_true(ms == 1796083200000LL);
    assert_int_equal(cases_public_datetime("2026-12-01T05:30:00 05:30", 0, &ms),
                     0); /* '+' as ' ' */
    assert_true(ms == 1796083200000LL);
    assert_int_equal(cases_public_datetime("2026-11-30T19:00-05:00", 0, &ms), 0);
    assert_true(ms == 1796083200000LL);
    assert_int_equal(cases_public_datetime("2026-12-01T00:00:00.250Z", 0, &ms), 0);
    assert_true(ms == 1796083200000LL);
    /* a date alone is India's day: from its 00:00 IST, or to its last millisecond */
    assert_int_equal(cases_public_datetime("2026-12-01", 0, &ms), 0);
    assert_true(ms == 1796083200000LL - 19800000);
    assert_int_equal(cases_public_datetime("2026-12-31", 1, &ms), 0);
    assert_true(ms == 1798761600000LL - 19800000 - 1);
    assert_int_equal(cases_public_datetime("2024-02-29", 0, &ms), 0);
    static const char *const bad[] = {"",
                                      "2026-12-1",
                                      "2026-13-01",
                                      "2025-02-29",
                                      "2026-12-01T00:00:00",
                                      "2026-12-01T24:00:00Z",
                                      "2026-12-01T00:00:00+5:30",
                                      "2026-12-01T00:00:00+15:00",
                                      "2026-12-01T00:00:00+14:59",
                                      "2026-12-01T00:00:00-12:30",
                                      "2026-12-01T00:00:00+05:60",
                                      "2026-12-01 00:00:00Z",
                                      "2026-12-01T00:00:00.Z",
                                      "2026-12-01T00:00:00Zjunk",
                                      "1969-12-31",
                                      "yesterday"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(cases_public_datetime(bad[i], 0, &ms), -1);
}

static int search(const char *a, const char *b, cases_public_search *s, err *e)
{
    const char *args[] = {a, b};
    return cases_public_search_parse(args, b ? 2 : a ? 1 : 0, 1796083200000LL, s, e);
}

static void open311_search(void **state)
{
    cases_public_search s;
    err e = {0};
    (void)state;
    assert_int_equal(search(NULL, NULL, &s, &e), 0);
    assert_true(s.to_ms == 1796083200000LL && s.to_ms - s.from_ms == 90LL * 86400000);
    assert_string_equal(s.status, "");
    assert_string_equal(s.codes, "");
    assert_int_equal(search("status=open", "service_code=PHE,CSPDCL", &s, &e), 0);
    assert_string_equal(s.status, "open");
    assert_string_equal(s.codes, "[\"PHE\",\"CSPDCL\"]");
    assert_int_equal(search("status=closed,open", "jurisdiction_id=x", &s, &e), 0);
    assert_string_equal(s.status, "");
    assert_int_equal(search("end_date=2026-10-01T00:00:00Z", NULL, &s, &e), 0);
    assert_true(s.to_ms - s.from_ms == 90LL * 86400000);
    assert_int_equal(search("start_date=2026-09-02", "end_date=2026-11-30", &s, &e), 0);
    assert_int_equal(
        search("service_request_id=BLB-2026-000001,BLB-2026-000002", "api_key", &s, &e), 0);
    assert_string_equal(s.ids, "[\"BLB-2026-000001\",\"BLB-2026-000002\"]");
    static const struct {
        const char *a, *b, *starts;
    } bad[] = {{"status=pending", NULL, "status:"},
               {"status=", NULL, "status:"},
               {"service_code=phe", NULL, "service_code:"},
               {"service_code=", NULL, "service_code:"},
               {"start_date=2026-02-30", NULL, "start_date:"},
               {"end_date=soon", NULL, "end_date:"},
               {"start_date=2026-01-01", NULL, "start_date: the window is over 90 days"},
               {"start_date=2026-09-01", "end_date=2026-12-01", "start_date: the window"},
               {"start_date=2026-10-01", "end_date=2026-09-01", "end_date: before"},
               {"page=2", NULL, "page: unknown"},
               {"status=open", "status=closed", "status: given twice"},
               {"start_date=2026-10-01", "start_date=2026-10-02", "start_date: given twice"},
               {"service_request_id=BLB 2026", NULL, "service_request_id: 'BLB 2026' is not"},
               {"service_request_id=", NULL, "service_request_id: empty"},
               {"status=\xff\xfe"
                "open",
                NULL, "status: '\?\?open' is not"},
               {"x\xe0\xa4=1", NULL, "x: unknown"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(search(bad[i].a, bad[i].b, &s, &e), -1);
        if (strncmp(e.msg, bad[i].starts, strlen(bad[i].starts)) != 0)
            fail_msg("%s: %s", bad[i].a, e.msg);
    }
}

/* The public address: a short village or ward, no phone written any way. */
static void public_addresses(void **state)
{
    static const char *const ok[] = {"Simga ward 4", "सिमगा वार्ड 4", "Ward No. 12, Bhatapara",
                                     "PIN 493101", "Khamtarai"};
    static const char *const refused[] = {"Ramesh 98765.43210",
                                          "98765/43210",
                                          "98765,43210",
                                          "98765 , 43210",
                                          "98765_43210",
                                          "98765–43210",
                                          "98765\n43210",
                                          "૯૮૭૬૫૪૩૨૧૦",
                                          "৯৮৭৬৫৪৩২১০",
                                          "٩٨٧٦٥٤٣٢١٠",
                                          "９８７６５４３２１０",
                                          "Simga 1234567",
                                          "Simga ward 4 near the old primary school gate",
                                          "a village whose name runs on past forty letters",
                                          "",
                                          " , ",
                                          "bad \xff byte",
                                          /* letters a place key skips ride on Kasdol's count */
                                          "Kasdol, محمد رفیق کا گھر",
                                          "Kasdol রমেশের বাড়ি",
                                          "Kasdol 😀 Aayu",
                                          "Kasdol (Ram's house)",
                                          NULL};
    (void)state;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (!cases_public_address_ok(ok[i]))
            fail_msg("refused: %s", ok[i]);
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (cases_public_address_ok(refused[i]))
            fail_msg("published: %s", refused[i]);
}

static void page_language(void **state)
{
    (void)state;
    assert_string_equal(portal_public_lang(NULL, NULL), "hi");
    assert_string_equal(portal_public_lang(NULL, ""), "hi");
    assert_string_equal(portal_public_lang(NULL, "en-IN,en;q=0.9"), "en");
    assert_string_equal(portal_public_lang(NULL, "en-GB;q=0.8,en;q=0.9,hi;q=0.95"), "hi");
    assert_string_equal(portal_public_lang(NULL, "hi-IN, en;q=0.5"), "hi");
    assert_string_equal(portal_public_lang(NULL, "fr, EN;q=0.1"), "en");
    assert_string_equal(portal_public_lang(NULL, "en;q=0, fr"), "hi");
    assert_string_equal(portal_public_lang(NULL, "eng, hin"), "hi");
    assert_string_equal(portal_public_lang("en", "hi"), "en");
    assert_string_equal(portal_public_lang("hi", "en"), "hi");
    assert_null(portal_public_lang("fr", "en"));
    assert_null(portal_public_lang("", NULL));
    assert_string_equal(portal_public_path("/public") ? "y" : "n", "y");
    assert_false(portal_public_path("/public/x"));
    assert_false(portal_public_path("/api/publicx"));
    assert_true(portal_public_path("/open311/v2/services.json"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(static_names),    cmocka_unit_test(content_types),
        cmocka_unit_test(filters),         cmocka_unit_test(cursors),
        cmocka_unit_test(dates_and_weeks), cmocka_unit_test(csv_quoting),
        cmocka_unit_test(w3c_datetimes),   cmocka_unit_test(open311_search),
        cmocka_unit_test(page_language),   cmocka_unit_test(public_addresses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
