/* test_text.c — UTF-8 validation and character counts, Devanagari included; the phone mask
 * every log line uses. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "err.h"
#include "text.h"

static void valid_and_invalid(void **state)
{
    (void)state;
    static const char *good[] = {"", "plain ascii", "पेयजल (पीएचई)", "हैंडपंप 🚰 ok",
                                 "\xF4\x8F\xBF\xBF"};
    static const char *bad[] = {"\xC0\xAF",         /* overlong '/' */
                                "\xE0\x80\xAF",     /* overlong */
                                "\xED\xA0\x80",     /* surrogate */
                                "\xF4\x90\x80\x80", /* > U+10FFFF */
                                "\xE0\xA4",         /* truncated */
                                "abc\x80",          /* stray continuation */
                                "\xFF"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        assert_true(text_utf8_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (text_utf8_valid(bad[i], strlen(bad[i])))
            fail_msg("bad[%zu] accepted", i);
}

static void counts_characters_not_bytes(void **state)
{
    (void)state;
    assert_int_equal(text_utf8_chars(""), 0);
    assert_int_equal(text_utf8_chars("abc"), 3);
    assert_int_equal(text_utf8_chars("पेयजल"), 5); /* प े य ज ल */
    assert_int_equal(strlen("पेयजल"), 15);
    assert_int_equal(text_utf8_chars("🚰"), 1);
}

static void normalizes_typed_answers(void **state)
{
    (void)state;
    char out[64];
    text_normalize("  Shikayat! ", out, sizeof out);
    assert_string_equal(out, "shikayat");
    text_normalize("मेनू।", out, sizeof out);
    assert_string_equal(out, "मेनू");
    text_normalize("Main Menu", out, sizeof out);
    assert_string_equal(out, "mainmenu");
    text_normalize("BLB-2026-000123", out, sizeof out);
    assert_string_equal(out, "blb2026000123");
    assert_int_equal(text_normalize("पानी", out, 5), 3); /* never cuts a character in half */
    assert_string_equal(out, "प");
}

static void cuts_at_words_and_characters(void **state)
{
    (void)state;
    char a[] = "abc", b[64], c[200];
    assert_int_equal(text_cut(a, 2), 1);
    assert_true(text_utf8_chars(a) <= 2);
    assert_true(text_utf8_valid(a, strlen(a)));
    strcpy(b, "short");
    assert_int_equal(text_cut(b, 10), 0);
    assert_string_equal(b, "short");
    strcpy(c, "हैंडपंप खराब है और गांव में पानी नहीं आ रहा है");
    assert_int_equal(text_cut(c, 20), 1);
    assert_true(text_utf8_chars(c) <= 20);
    assert_true(text_utf8_valid(c, strlen(c)));
    assert_non_null(strstr(c, "\xE2\x80\xA6"));
}

/* A department's official name shortened for a menu row: whole words only, a closing "…",
 * no dangling "&" or "(", characters (not bytes) counted. */
static void cuts_names_at_word_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        size_t max;
        int rc;
        const char *out;
    } cases[] = {
        {"Food & Civil Supplies (Ration card / PDS)", 24, 1, "Food & Civil Supplies…"},
        {"Ration card (Food)", 24, 0, "Ration card (Food)"},
        /* Devanagari: 24 characters are many more bytes; the cut still falls between words. */
        {"खाद्य, नागरिक आपूर्ति एवं उपभोक्ता संरक्षण विभाग", 24, 1, "खाद्य, नागरिक आपूर्ति…"},
        /* A word ending exactly where the ellipsis would go is dropped whole. */
        {"abcd e", 5, 1, "abcd…"},
        /* Nothing to cut at: the first word alone is too long. */
        {"Panchayatraj-evam-gramin-vikas vibhag", 24, -1, ""},
        {"( Panchayatraj-evam-gramin-vikas", 24, -1, ""},
    };
    char out[128], tiny[8];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(text_cut_words(cases[i].in, cases[i].max, out, sizeof out), cases[i].rc);
        assert_string_equal(out, cases[i].out);
        assert_true(text_utf8_chars(out) <= cases[i].max);
    }
    /* Too small an output buffer is refused, never overrun. */
    assert_int_equal(text_cut_words("Food & Civil Supplies (PDS)", 24, tiny, sizeof tiny), -1);
    assert_int_equal(text_cut_words("Food & Civil", 24, tiny, sizeof tiny), -1);
    assert_string_equal(tiny, "");
}

static void masks_phones_for_logs(void **state)
{
    (void)state;
    char out[32], small[6];
    assert_string_equal(text_mask_phone("919812345601", out, sizeof out), "9198******01");
    assert_string_equal(text_mask_phone("919811100009", out, sizeof out), "9198******09");
    assert_string_equal(text_mask_phone("4915112345678", out, sizeof out), "4915*******78");
    assert_string_equal(text_mask_phone("98123456", out, sizeof out), "******56"); /* short */
    assert_string_equal(text_mask_phone("1234", out, sizeof out), "****");
    assert_string_equal(text_mask_phone("", out, sizeof out), "");
    assert_string_equal(text_mask_phone(NULL, out, sizeof out), "");
    /* Truncated to the buffer, and still masked: never a whole number in the clear. */
    assert_string_equal(text_mask_phone("919812345601", small, sizeof small), "***81");
}

static void masks_phones_in_free_text(void **state)
{
    (void)state;
    char body[] = "{\"to\": \"919811100009\", \"text\": {\"body\": \"call +919812345601.\"}}";
    char mixed[] = "BLB-2026-000123 wamid.HBgM919812345601ab 1234567890123456 9198123456 x";
    char none[] = "शिकायत BLB-2026-000123: 48 घंटे";
    assert_int_equal(text_mask_phones(body), 2);
    assert_string_equal(
        body, "{\"to\": \"9198******09\", \"text\": {\"body\": \"call +9198******01.\"}}");
    /* Tracking numbers, digits inside an id and runs longer than 15 are left alone. */
    assert_int_equal(text_mask_phones(mixed), 1);
    assert_string_equal(mixed,
                        "BLB-2026-000123 wamid.HBgM919812345601ab 1234567890123456 9198****56 x");
    assert_int_equal(text_mask_phones(none), 0);
    assert_string_equal(none, "शिकायत BLB-2026-000123: 48 घंटे");
}

/* snprintf cuts bytes: text_fit drops the half letter it leaves; text_utf8_repair turns any
 * stray byte into '?' so a row can always be stored. */
/* The export's rule (text_mask_numbers): every way of writing a phone a reviewer found leaking,
 * and what must stay readable. */
static void masks_long_numbers_in_texts(void **state)
{
    static const char *const cases[][2] = {
        {"call 9876543210 please", "call XXXXXXXXXX please"},
        {"+91 98765 43210.", "+XX XXXXX XXXXX."},
        {"मेरा नंबर 98765-43210 है", "मेरा नंबर XXXXX-XXXXX है"},
        {"aadhaar 1234 5678 9012", "aadhaar XXXX XXXX XXXX"},
        {"मेरा नंबर ९८१११२७७०१", "मेरा नंबर XXXXXXXXXX"},
        {"९८१११ २७७०१ पर फोन करें", "XXXXX XXXXX पर फोन करें"},
        {"\xEF\xBC\x99\xEF\xBC\x98\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x97"
         "\xEF\xBC\x97\xEF\xBC\x90\xEF\xBC\x91",
         "XXXXXXXXXX"}, /* full-width ９８１１１２７７０１ */
        {"৯৮১১১২৭৭০১ ੯੮੧੧੧੨੭੭੦੧ ૯૮૧૧૧૨૭૭૦૧", "XXXXXXXXXX XXXXXXXXXX XXXXXXXXXX"},
        {"୯୮୧୧୧୨୭୭୦୧ ௯௮௧௧௧௨௭௭௦௧ ౯౮౧౧౧౨౭౭౦౧", "XXXXXXXXXX XXXXXXXXXX XXXXXXXXXX"},
        {"೯೮೧೧೧೨೭೭೦೧ ൯൮൧൧൧൨൭൭൦൧ ۹۸۱۱۱۲۷۷۰۱", "XXXXXXXXXX XXXXXXXXXX XXXXXXXXXX"},
        {"98 11 12 77 01", "XX XX XX XX XX"},
        {"981-112-7701", "XXX-XXX-XXXX"},
        {"9811.127.701", "XXXX.XXX.XXX"},
        {"98111\xC2\xA0"
         "27701",
         "XXXXX\xC2\xA0XXXXX"}, /* no-break space */
        {"98111\xE2\x80\x93"
         "27701",
         "XXXXX\xE2\x80\x93XXXXX"}, /* en dash */
        {"९८-११-१२-७७-०१", "XX-XX-XX-XX-XX"},
        {"12-11-12-77-01", "XX-XX-XX-XX-XX"}, /* date-shaped, but more groups follow */
        {"0771-2234567", "XXXX-XXXXXXX"},
        {"BLB-2026-000123 9811127701", "BLB-2026-000123 XXXXXXXXXX"},
        {"ph 9811127701, mob-98111 27701", "ph XXXXXXXXXX, mob-XXXXX XXXXX"},
        {"9876543210", "XXXXXXXXXX"},
        /* Not masked. */
        {"on 12-05-2026 1030 hrs", "on 12-05-2026 1030 hrs"},
        {"on 12-05-2026 10 am, ward 4", "on 12-05-2026 10 am, ward 4"},
        {"१२.०५.२०२६ १०.३० बजे", "१२.०५.२०२६ १०.३० बजे"},
        {"5/12/26 11 30 se band", "5/12/26 11 30 se band"},
        {"since 2026-11-05 1030", "since 2026-11-05 1030"},
        {"PHE-2026-000123, BLB-2026-000045", "PHE-2026-000123, BLB-2026-000045"},
        {"blb 2026 000123 / BLB2026000123", "blb 2026 000123 / BLB2026000123"},
        {"₹1,50,000 and 12,34,56,789 due", "₹1,50,000 and 12,34,56,789 due"},
        {"khasra 123/45, 987654321", "khasra 123/45, 987654321"},
        {"10:30 to 11:45, 2025-2026", "10:30 to 11:45, 2025-2026"},
        {"9 8 1 1 1", "9 8 1 1 1"},
        {"", ""},
    };
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char buf[200];
        snprintf(buf, sizeof buf, "%s", cases[i][0]);
        text_mask_numbers(buf);
        if (strcmp(buf, cases[i][1]) != 0)
            fail_msg("case %zu: '%s' gave '%s', want '%s'", i, cases[i][0], buf, cases[i][1]);
    }
}

/* Counts what it masked; invalid UTF-8 and a sequence cut at the end pass through. */
static void masks_numbers_in_any_bytes(void **state)
{
    char stray[] = "98111\xA0"
                   "27701";
    char two[] = "9811127701 and 98111 27701", bad[] = "\xE0\xA5 98111\xFF"
                                                       "27701 \xE0\xA5";
    (void)state;
    assert_int_equal(text_mask_numbers(two), 2);
    assert_int_equal(text_mask_numbers(bad), 0);
    assert_int_equal(text_mask_numbers(stray), 0); /* a lone byte A0 is no no-break space */
    assert_string_equal(bad, "\xE0\xA5 98111\xFF"
                             "27701 \xE0\xA5");
}

static void fits_and_repairs_cut_text(void **state)
{
    char buf[8], bad[] = "ok\xe0\xa4 \xff\xc3x";
    (void)state;
    snprintf(buf, sizeof buf, "%s", "ab\u0939\u093f\u0902"); /* 2 + 9 bytes into 7 */
    assert_false(text_utf8_valid(buf, strlen(buf)));
    text_fit(buf);
    assert_string_equal(buf, "ab\u0939");
    text_fit(buf); /* whole letters stay */
    assert_string_equal(buf, "ab\u0939");
    strcpy(buf, "\xf0\x9f\x98");
    text_fit(buf);
    assert_string_equal(buf, "");
    assert_int_equal(text_utf8_repair(bad), 4);
    assert_string_equal(bad, "ok?? ?"
                             "?x");
    assert_true(text_utf8_valid(bad, strlen(bad)));
}

/* The public address's count: every Unicode digit, whatever stands between them. */
static void counts_digits_of_every_script(void **state)
{
    char out[8];
    (void)state;
    assert_int_equal(text_digits("Ramesh 98765.43210"), 10);
    assert_int_equal(text_digits("98765_43210 / 98765\n43210"), 20);
    assert_int_equal(text_digits("૯૮૭ ৬৫ ٩٨ ９８"), 9);
    assert_int_equal(text_digits("९८७-12"), 5);
    assert_int_equal(text_digits("Simga ward 4"), 1);
    assert_int_equal(text_digits("\xff"
                                 "9\xe0\xa4"),
                     1); /* odd bytes are no digits */
    assert_int_equal(text_digits(""), 0);
    /* What an error message may echo of a client's bytes: whole letters, valid UTF-8. */
    assert_string_equal(text_copy_shown(out, sizeof out, "abहि", 8), "abह");
    assert_string_equal(text_copy_shown(out, sizeof out,
                                        "a\xff"
                                        "b\xc3",
                                        4),
                        "a?b");
    assert_string_equal(text_copy_shown(out, sizeof out, "abcdef", 2), "ab");
}

/* A number cut by the buffer's end is masked all the same: the mask runs before the cut. */
static void masks_before_cutting(void **state)
{
    (void)state;
    char out[32];
    err e;
    text_mask_copy(out, sizeof out, "duplicate key (phone)=(919812345601) already exists");
    assert_string_equal(out, "duplicate key (phone)=(9198****");
    text_mask_copy(out, 12, "ब919812345601"); /* 3 bytes + 8 digits fit */
    assert_string_equal(out, "ब9198****");
    text_mask_copy(out, 5, "ब्ब"); /* a cut never splits a letter */
    assert_string_equal(out, "ब");
    /* An error message cut to fit ends before a number, never inside one, nor mid-letter. */
    {
        char big[2000];
        memset(big, 'x', sizeof big);
        memcpy(big + 1010, " phone 919812345601 and more", 28);
        big[sizeof big - 1] = '\0';
        err_set(&e, ERR_ENV, "%s", big);
        assert_true(strlen(e.msg) < sizeof e.msg);
        assert_null(strstr(e.msg, "9198"));
        assert_true(strstr(e.msg, " phone ") != NULL);
        memset(big, 'x', sizeof big);
        memcpy(big + 1021, "ब", 3); /* would end at byte 1024: one byte too many */
        big[1024] = '\0';
        err_set(&e, ERR_ENV, "%s", big);
        assert_int_equal(strlen(e.msg), 1021);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_and_invalid),
        cmocka_unit_test(counts_characters_not_bytes),
        cmocka_unit_test(normalizes_typed_answers),
        cmocka_unit_test(cuts_at_words_and_characters),
        cmocka_unit_test(masks_phones_for_logs),
        cmocka_unit_test(masks_phones_in_free_text),
        cmocka_unit_test(masks_long_numbers_in_texts),
        cmocka_unit_test(masks_numbers_in_any_bytes),
        cmocka_unit_test(fits_and_repairs_cut_text),
        cmocka_unit_test(masks_before_cutting),
        cmocka_unit_test(counts_digits_of_every_script),
        cmocka_unit_test(cuts_names_at_word_boundaries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
