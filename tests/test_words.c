/* test_words.c — the one list of answer words: the engine and the desk read the same yes and
 * no (the desk's satisfaction answer once took fewer), typed in any case or spacing, in Hindi,
 * English, romanised Hindi and Chhattisgarhi; digits answer only the engine's own question. */
#include "testutil.h"

#include <string.h>

#include "text.h"
#include "words.h"

static int typed(const char *s, const char *const *list)
{
    char norm[256];
    text_normalize(s, norm, sizeof norm);
    return *norm && words_in(norm, list);
}

/* Every one of the typed answers is in list and in with_digit, and none is in other. */
static void each_in(const char *const *answers, const char *const *list,
                    const char *const *with_digit, const char *const *other)
{
    for (const char *const *a = answers; *a; a++) {
        assert_true(typed(*a, list));
        assert_true(typed(*a, with_digit));
        assert_false(typed(*a, other));
    }
}

static void yes_and_no(void **state)
{
    (void)state;
    static const char *const yes[] = {"yes", "Y",  "OK", "ok!",   "haan", "Haan ji", "hanji",
                                      "हाँ",  "हां", "जी", "हाँ जी", "हव",   "hav",     NULL};
    static const char *const no[] = {"no",  "N",  "nahi", "Nahin", "nai",
                                     "नहीं", "ना", "नई",   "नइ",    NULL};
    each_in(yes, words_yes, words_yes_or_1, words_no);
    each_in(no, words_no, words_no_or_2, words_yes);
}

/* One typed text and whether it is in one list. */
static const struct {
    const char *typed;
    const char *const *list;
    int in;
} answers[] = {
    /* "1" and "2" pick menu rows: a yes or no only at the engine's own question. */
    {"1", words_yes, 0},
    {"2", words_no, 0},
    {"1", words_yes_or_1, 1},
    {"2", words_no_or_2, 1},
    {"1", words_no_or_2, 0},
    {"okay then", words_yes, 0},
    {"haanpump", words_yes, 0},
    /* The flow's own words go to the flow even while a case waits. */
    {"menu", words_flow, 1},
    {"MENU", words_flow, 1},
    {"मेनू", words_flow, 1},
    {"0", words_flow, 1},
    {"help", words_flow, 1},
    {"मदद", words_flow, 1},
    {"Language", words_flow, 1},
    {"भाषा", words_flow, 1},
    {"भाखा", words_flow, 1},
    {"bhasha", words_flow, 1},
    {"bye", words_flow, 1},
    {"अलविदा", words_flow, 1},
    {"stop", words_flow, 0},
    {"Subscribe", words_flow, 1},
    /* STOP and START (issue 20): whole messages only. */
    {"STOP", words_stop, 1},
    {"Stop.", words_stop, 1},
    {"बंद", words_stop, 1},
    {"रोकें", words_stop, 1},
    {"unsubscribe", words_stop, 1},
    {"band karo", words_stop, 1},
    {"nali band hai", words_stop, 0},
    {"stop karo yaar sab", words_stop, 0},
    {"START", words_start, 1},
    {"शुरू", words_start, 1},
    {"start", words_stop, 0},
    {"yes", words_flow, 0},
    {"Skip", words_skip, 1},
    {"छोड़ें", words_skip, 1},
    {"aage badhe", words_skip, 1},
    {"और विकल्प", words_more, 1},
    {"next", words_more, 1},
    {"skip", words_more, 0},
};

static void one_by_one(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof answers / sizeof answers[0]; i++)
        if (typed(answers[i].typed, answers[i].list) != answers[i].in)
            fail_msg("\"%s\": expected %s", answers[i].typed, answers[i].in ? "in" : "not in");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yes_and_no),
        cmocka_unit_test(one_by_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
