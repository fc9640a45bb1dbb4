/* test_broadcast.c — the pure parts of broadcasts: the segment, a CSV's phones and its bad
 * lines, the template check, and what the feeder does with a recipient. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "broadcast.h"

static void segments(void **state)
{
    broadcast_segment s;
    err e = {0};
    (void)state;
    assert_int_equal(broadcast_parse_segment("subscribers", &s, &e), 0);
    assert_int_equal(s.kind, BROADCAST_TO_SUBSCRIBERS);
    assert_int_equal(broadcast_parse_segment("village=सिमगा", &s, &e), 0);
    assert_int_equal(s.kind, BROADCAST_TO_VILLAGE);
    assert_string_equal(s.value, "सिमगा");
    assert_int_equal(broadcast_parse_segment("block=Baloda Bazar", &s, &e), 0);
    assert_string_equal(s.value, "Baloda Bazar");
    assert_int_equal(broadcast_parse_segment("department=phe", &s, &e), 0);
    assert_string_equal(s.value, "PHE");
    assert_int_equal(s.days, 30);
    assert_int_equal(broadcast_parse_segment("department=PHE,days=7", &s, &e), 0);
    assert_int_equal(s.days, 7);
    assert_int_equal(broadcast_parse_segment("file=/tmp/p.csv", &s, &e), 0);
    assert_int_equal(s.kind, BROADCAST_TO_FILE);
    assert_int_equal(broadcast_parse_segment("department=PHE,days=0", &s, &e), -1);
    assert_non_null(strstr(e.msg, "days=N"));
    assert_int_equal(broadcast_parse_segment("department=PHE,weeks=2", &s, &e), -1);
    assert_int_equal(broadcast_parse_segment("village=", &s, &e), -1);
    assert_int_equal(broadcast_parse_segment("everyone", &s, &e), -1);
    assert_non_null(strstr(e.msg, "file=PHONES.csv"));
}

static void csv_lines(void **state)
{
    char **phones, *out = NULL;
    size_t n, outlen = 0;
    FILE *report = open_memstream(&out, &outlen);
    int bad;
    (void)state;
    bad = broadcast_read_phones(
        "\xef\xbb\xbfphone,name\n+91 98111 00001,Ram\n\nabc\n\"919811100002\"\n"
        "12345\n919811100001\n919811100003",
        "p.csv", report, &phones, &n);
    fclose(report);
    assert_int_equal(bad, 3);
    assert_int_equal(n, 3);
    assert_string_equal(phones[0], "919811100001");
    assert_string_equal(phones[1], "919811100002");
    assert_string_equal(phones[2], "919811100003");
    assert_non_null(strstr(out, "p.csv:4: 'abc' is not a WhatsApp number"));
    assert_non_null(strstr(out, "p.csv:6: '12345'"));
    assert_non_null(strstr(out, "p.csv:7: 919811100001 repeats line 2"));
    broadcast_free_phones(phones, n);
    free(out);
}

static const char templates[] =
    "[{\"name\": \"scheme_update\", \"language\": \"hi\", \"params\": [\"scheme\", \"village\"],"
    " \"buttons\": [\"Give feedback\"]}, {\"name\": \"bare\", \"language\": \"en\"}]";

static void template_check(void **state)
{
    char lang[16], *comps = NULL;
    err e = {0};
    (void)state;
    assert_int_equal(broadcast_check_template(templates, "scheme_update",
                                              (const char *[]){"PMAY", "Simga"}, 2, lang,
                                              sizeof lang, &comps, &e),
                     0);
    assert_string_equal(lang, "hi");
    assert_non_null(strstr(comps, "\"text\":\"PMAY\""));
    assert_non_null(strstr(comps, "\"sub_type\":\"quick_reply\""));
    free(comps);
    assert_int_equal(broadcast_check_template(templates, "scheme_update", (const char *[]){"PMAY"},
                                              1, lang, sizeof lang, &comps, &e),
                     -1);
    assert_string_equal(e.msg,
                        "template 'scheme_update' takes 2 --param (scheme, village), 1 given");
    assert_int_equal(broadcast_check_template(templates, "bare", (const char *[]){"x"}, 1, lang,
                                              sizeof lang, &comps, &e),
                     -1);
    assert_non_null(strstr(e.msg, "takes 0 --param (none)"));
    assert_int_equal(
        broadcast_check_template(templates, "nope", NULL, 0, lang, sizeof lang, &comps, &e), -1);
    assert_non_null(strstr(e.msg, "'nope' is not among"));
    assert_int_equal(broadcast_check_template(templates, "scheme_update",
                                              (const char *[]){"PMAY", "  "}, 2, lang, sizeof lang,
                                              &comps, &e),
                     -1);
    assert_non_null(strstr(e.msg, "--param 2"));
}

static void fates(void **state)
{
    (void)state;
    assert_int_equal(broadcast_classify(1, 1, 1), BROADCAST_SKIP_STOPPED);
    assert_int_equal(broadcast_classify(0, 1, 1), BROADCAST_SKIP_BLOCKED);
    assert_int_equal(broadcast_classify(0, 0, 1), BROADCAST_FREE);
    assert_int_equal(broadcast_classify(0, 0, 0), BROADCAST_COUNTED);
}

/* Broadcasts fill nine tenths of a tier; the rest is case traffic's (never refused). */
static void daily_share(void **state)
{
    (void)state;
    assert_int_equal(broadcast_daily_share(1000), 900);
    assert_int_equal(broadcast_daily_share(100000), 90000);
    assert_int_equal(broadcast_daily_share(3), 3); /* too small to keep a tenth */
    assert_int_equal(broadcast_daily_share(0), 0);   /* unlimited stays unlimited */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(segments),
        cmocka_unit_test(csv_lines),
        cmocka_unit_test(template_check),
        cmocka_unit_test(fates),
        cmocka_unit_test(daily_share),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
