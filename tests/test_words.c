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

static void yes_and_no(void **state)
{
    (void)state;
    static const char *const yes[] = {"yes", "Y", "OK", "ok!", "haan", "Haan ji", "hanji",
                                      "हाँ",  "हां", "जी",  "हाँ जी", "हव",      "hav"};
    static const char *const no[] = {"no", "N", "nahi", "Nahin", "nai", "नहीं", "ना", "नई", "नइ"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        assert_true(typed(yes[i], words_yes));
        assert_true(typed(yes[i], words_yes_or_1));
        assert_false(typed(yes[i], words_no));
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_true(typed(no[i], words_no));
        assert_true(typed(no[i], words_no_or_2));
        assert_false(typed(no[i], words_yes));
    }
    /* "1" and "2" pick menu rows: a yes or no only at the engine's own question. */
    assert_false(typed("1", words_yes));
    assert_false(typed("2", words_no));
    assert_true(typed("1", words_yes_or_1));
    assert_true(typed("2", words_no_or_2));
    assert_false(typed("1", words_no_or_2));
    assert_false(typed("okay then", words_yes));
    assert_false(typed("haanpump", words_yes));
}

static void flow_skip_more(void **state)
{
    (void)state;
    static const char *const flow[] = {"menu", "MENU", "मेनू", "0", "help", "मदद", "Language",
                                       "भाषा", "भाखा", "bhasha", "stop"};
    for (size_t i = 0; i < sizeof flow / sizeof flow[0]; i++)
        assert_true(typed(flow[i], words_flow));
    assert_false(typed("yes", words_flow));
    assert_true(typed("Skip", words_skip));
    assert_true(typed("छोड़ें", words_skip));
    assert_true(typed("aage badhe", words_skip));
    assert_true(typed("और विकल्प", words_more));
    assert_true(typed("next", words_more));
    assert_false(typed("skip", words_more));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(yes_and_no),
        cmocka_unit_test(flow_skip_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
