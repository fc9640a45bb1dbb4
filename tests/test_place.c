/* test_place.c — a village or ward's name as a key two spellings share (bot/place.c, issue 19). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "place.h"

/* The key of text, in one of a few buffers (two keys compared side by side stay apart). */
static const char *key(const char *text)
{
    static char out[4][PLACE_KEY_MAX];
    static int turn;
    char *o = out[turn++ % 4];
    place_key(text, o, PLACE_KEY_MAX);
    return o;
}

/* A Devanagari name and its romanised forms give one key (SPEC section 12's example first). */
static void devanagari_and_romanised_agree(void **state)
{
    static const char *const twins[][2] = {
        {"सिमगा वार्ड 4", "Simga ward 4"},    {"सिमगा वार्ड 4", "SIMGA, Ward No. 4"},
        {"सिमगा वार्ड 4", "simga vard-4"},     {"ग्राम हथबंद", "Hathbandh village"},
        {"भाटापारा", "Bhatapaara"},          {"रायपुर", "Raipur"},
        {"चंपा", "Champa"},                  {"कृषि नगर", "Krishi Nagar"},
        {"बलौदाबाजार", "Baloda Bazar"},      {"पलारी", "Palari"},
        {"कसडोल", "Kasdol"},                 {"वार्ड नं. 12", "ward no 12"},
        {"लवन", "Lawan"},                    {"सीतागढ़ वार्ड 12", "Sitagarh ward 12"},
        {"छत्तीसगढ़", "Chhattisgarh"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof twins / sizeof *twins; i++) {
        char a[PLACE_KEY_MAX];
        snprintf(a, sizeof a, "%s", key(twins[i][0]));
        if (!*a || strcmp(a, key(twins[i][1])) != 0)
            fail_msg("\"%s\" → %s but \"%s\" → %s", twins[i][0], a, twins[i][1], key(twins[i][1]));
    }
}

/* Different places stay apart: another ward number, another village. */
static void different_places_differ(void **state)
{
    (void)state;
    assert_string_not_equal(key("ward 1"), key("ward 11"));
    assert_string_not_equal(key("ward 1"), key("ward 12"));
    assert_string_not_equal(key("Simga ward 4"), key("Simga ward 5"));
    assert_string_not_equal(key("Kasdol"), key("Palari"));
    assert_string_equal(key("Simga ward 4"), "smgvrd4");
}

/* Nothing that names a place: no key (no match on it). Hostile input never overflows. */
static void nothing_and_hostile(void **state)
{
    char big[4000], small[4];
    (void)state;
    assert_string_equal(key(""), "");
    assert_string_equal(key("गांव"), "");
    assert_string_equal(key("village no."), "");
    assert_string_equal(key("!!! ... ???"), "");
    assert_string_equal(key("\xff\xfe broken \xc3"), "brkn");
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_true(strlen(key(big)) < PLACE_KEY_MAX);
    memset(big, '1', sizeof big - 1);
    assert_true(strlen(key(big)) < PLACE_KEY_MAX);
    assert_int_equal(place_key("Simga", small, sizeof small), 3);
    assert_string_equal(small, "smg");
    assert_int_equal(place_key(NULL, small, sizeof small), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(devanagari_and_romanised_agree),
        cmocka_unit_test(different_places_differ),
        cmocka_unit_test(nothing_and_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
