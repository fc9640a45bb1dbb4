/* test_suggest.c — the department suggestion (bot/engine_suggest.c), pure, no services: the
 * shipped directory's keywords point a citizen's own words to the right department, and
 * anything less than a clear winner suggests nothing. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "directory.h"
#include "engine.h"

static tu_depts *sample;

static int setup(void **state)
{
    (void)state;
    return (sample = tu_sample_depts()) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tu_sample_depts_free(sample);
    return 0;
}

static const char *suggested(const char *text)
{
    int i = engine_suggest_department(sample->depts, sample->n, text);
    return i < 0 ? "-" : sample->depts[i].code;
}

static void shipped_keywords_suggest(void **state)
{
    static const struct {
        const char *text, *code;
    } cases[] = {
        {"हमारे गांव खैरा का हैंडपंप 10 दिन से खराब है, पानी नहीं मिल रहा", "PHE"},
        {"hamare gaon me paani nahi aa raha", "PHE"},
        {"HAND-PUMP kharab hai", "PHE"},
        {"Handpump tut gaya", "PHE"},
        {"bijli nahi hai 3 din se", "CSPDCL"},
        {"गांव में बिजली नहीं है।", "CSPDCL"},
        {"ration card me naam", "FOOD"},
        {"राशन कार्ड में नाम नहीं जुड़ा", "FOOD"},
        {"Street light kharab hai", "ULB"}, /* weight 3 against the 1 of "light" */
        {"light nahi aa rahi", "CSPDCL"},
        {"patwari namantaran nahi kar raha", "REVENUE"},
        {"पेंशन 3 महीने से नहीं मिली", "PENSION"},
        {"hello", "-"},
        {"", "-"},
        {"the final result", "-"},                 /* "nal" inside a word */
        {"नलकूप लगाना है", "-"},                     /* "नल" inside a word */
        {"पानीपत", "-"},                           /* "पानी" inside a word */
        {"bijli aur ration dono ki samasya", "-"}, /* a tie: the list */
        {"paani aur bijli aur nal", "PHE"},        /* 2 against 1: clear */
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (strcmp(suggested(cases[i].text), cases[i].code) != 0)
            fail_msg("case %zu \"%s\": suggested %s, expected %s", i, cases[i].text,
                     suggested(cases[i].text), cases[i].code);
}

/* Weights, a keyword shared by weight, a close second, invalid text. */
static void clear_winner_rule(void **state)
{
    static const engine_keyword a[] = {{"nal", 3}, {"tap", 1}, {"Hand Pump", 1}, {"handpump", 1}};
    static const engine_keyword b[] = {{"NAL", 2}, {"pipe", 1}, {"line", 1}, {"bill", 1}};
    static const engine_keyword c[] = {{"x y", 2}, {"x-y", 2}};
    engine_dept d[3] = {{.code = "A", .keywords = a, .nkeywords = 4},
                        {.code = "B", .keywords = b, .nkeywords = 4},
                        {.code = "C", .keywords = c, .nkeywords = 2}};
    err e = {0};
    (void)state;
    assert_int_equal(engine_keywords_compile(d, 3, &e), 0);
    assert_int_equal(engine_suggest_department(d, 3, "Nal kharab"), 0);          /* A's by weight */
    assert_int_equal(engine_suggest_department(d, 3, "nal aur pipe"), 0);        /* 3 vs 1 */
    assert_int_equal(engine_suggest_department(d, 3, "pipe"), 1);                /* 0 vs 1 */
    assert_int_equal(engine_suggest_department(d, 3, "nal pipe line"), -1);      /* 3 vs 2 */
    assert_int_equal(engine_suggest_department(d, 3, "nal pipe line bill"), -1); /* 3 vs 3 */
    assert_int_equal(engine_suggest_department(d, 3, "tap, pipe"), -1);          /* 1 vs 1 */
    /* Spellings of one keyword count once: 1, not 2, against B's 1. */
    assert_int_equal(engine_suggest_department(d, 3, "hand pump handpump pipe"), -1);
    assert_int_equal(engine_suggest_department(d, 3, "x y"), 2);
    assert_int_equal(engine_suggest_department(d, 3, "bad \xC3\x28 nal"), -1);
    assert_int_equal(engine_suggest_department(d, 3, NULL), -1);
    assert_int_equal(engine_suggest_department(NULL, 0, "nal"), -1);
    engine_keywords_free(d, 3);
    assert_null(d[0].words_);
    engine_keywords_free(NULL, 0);
    /* Not compiled: no suggestion. */
    assert_int_equal(engine_suggest_department(d, 3, "nal"), -1);
}

/* Equal top weights in two departments: the keyword counts for neither. */
static void shared_at_equal_weight_counts_for_none(void **state)
{
    static const engine_keyword a[] = {{"nal", 2}, {"tap", 1}};
    static const engine_keyword b[] = {{"nal", 2}};
    engine_dept d[2] = {{.code = "A", .keywords = a, .nkeywords = 2},
                        {.code = "B", .keywords = b, .nkeywords = 1}};
    err e = {0};
    (void)state;
    assert_int_equal(engine_keywords_compile(d, 2, &e), 0);
    assert_int_equal(engine_suggest_department(d, 2, "nal"), -1);
    assert_int_equal(engine_suggest_department(d, 2, "nal tap"), 0);
    engine_keywords_free(d, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_keywords_suggest),
        cmocka_unit_test(clear_winner_rule),
        cmocka_unit_test(shared_at_equal_weight_counts_for_none),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
