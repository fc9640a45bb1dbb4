/* test_officer.c — the officers' command grammar: English and Hindi keywords in any case,
 * the tracking number anywhere and in any spelling, swipe-replies, unknown commands. */
#include "testutil.h"

#include <string.h>

#include "officer.h"

static void commands(void **state)
{
    (void)state;
    officer_command c;
    officer_parse("reply BLB-2026-000123 Team will visit tomorrow", "", &c);
    assert_int_equal(c.cmd, OFFICER_REPLY);
    assert_string_equal(c.tracking, "BLB-2026-000123");
    assert_string_equal(c.text, "Team will visit tomorrow");
    officer_parse("REPLY   blb2026000123: कल टीम आएगी", "", &c);
    assert_int_equal(c.cmd, OFFICER_REPLY);
    assert_string_equal(c.tracking, "BLB-2026-000123");
    assert_string_equal(c.text, "कल टीम आएगी");
    officer_parse("उत्तर कल टीम आएगी BLB-2026-000124", "", &c);
    assert_int_equal(c.cmd, OFFICER_REPLY);
    assert_string_equal(c.tracking, "BLB-2026-000124");
    assert_string_equal(c.text, "कल टीम आएगी");
    officer_parse("docs BLB-2026-000123 please send a photo of the ration card", "", &c);
    assert_int_equal(c.cmd, OFFICER_DOCS);
    assert_string_equal(c.text, "please send a photo of the ration card");
    officer_parse("दस्तावेज़ BLB-2026-000123 आधार कार्ड की फोटो भेजें", "", &c);
    assert_int_equal(c.cmd, OFFICER_DOCS);
    officer_parse("Resolve BLB-2026-000123 Hand pump repaired", "", &c);
    assert_int_equal(c.cmd, OFFICER_RESOLVE);
    assert_string_equal(c.text, "Hand pump repaired");
    officer_parse("हल BLB-2026-000123 हैंडपंप ठीक कर दिया गया", "", &c);
    assert_int_equal(c.cmd, OFFICER_RESOLVE);
    officer_parse("transfer BLB-2026-000123 cspdcl", "", &c);
    assert_int_equal(c.cmd, OFFICER_TRANSFER);
    assert_string_equal(c.dept, "CSPDCL");
    officer_parse("transfer BLB-2026-000123 phe, pipeline work", "", &c);
    assert_string_equal(c.dept, "PHE");
    officer_parse("स्थानांतरण BLB-2026-000123 REVENUE", "", &c);
    assert_int_equal(c.cmd, OFFICER_TRANSFER);
    assert_string_equal(c.dept, "REVENUE");
    officer_parse("cases", "", &c);
    assert_int_equal(c.cmd, OFFICER_CASES);
    officer_parse("मामले", "", &c);
    assert_int_equal(c.cmd, OFFICER_CASES);
    officer_parse("show BLB-2026-000123", "", &c);
    assert_int_equal(c.cmd, OFFICER_SHOW);
    assert_string_equal(c.tracking, "BLB-2026-000123");
}

/* interim's date: DD-MM-YYYY (or / .), a real day, taken out of the text; else left in it. */
static void interim_dates(void **state)
{
    officer_command c;
    (void)state;
    officer_parse("interim BLB-2026-000123 15-12-2026 pipeline ordered", "", &c);
    assert_int_equal(c.cmd, OFFICER_INTERIM);
    assert_string_equal(c.tracking, "BLB-2026-000123");
    assert_string_equal(c.date, "2026-12-15");
    assert_string_equal(c.text, "pipeline ordered");
    officer_parse("अंतरिम BLB-2026-000123 29/02/2028, टेंडर", "", &c);
    assert_string_equal(c.date, "2028-02-29");
    assert_string_equal(c.text, "टेंडर");
    officer_parse("interim BLB-2026-000123 29-02-2027 x", "", &c); /* no such day */
    assert_string_equal(c.date, "");
    assert_string_equal(c.text, "29-02-2027 x");
    officer_parse("interim BLB-2026-000123 15-12-2026x", "", &c);
    assert_string_equal(c.date, "");
    officer_parse("interim BLB-2026-000123 15-12/2026 x", "", &c);
    assert_string_equal(c.date, "");
    officer_parse("reject BLB-2026-000123 court matter", "", &c);
    assert_int_equal(c.cmd, OFFICER_REJECT);
    assert_string_equal(c.date, "");
    officer_parse("स्वीकृत BLB-2026-000123", "", &c);
    assert_int_equal(c.cmd, OFFICER_APPROVE);
    officer_parse("वापस BLB-2026-000123 फिर देखें", "", &c);
    assert_int_equal(c.cmd, OFFICER_RETURN);
    assert_string_equal(c.text, "फिर देखें");
}

static void swipe_and_unknown(void **state)
{
    (void)state;
    officer_command c;
    officer_parse("We have sent a mechanic", "wamid.NOTIFY1", &c);
    assert_int_equal(c.cmd, OFFICER_REPLY);
    assert_int_equal(c.swipe, 1);
    assert_string_equal(c.tracking, "");
    assert_string_equal(c.text, "We have sent a mechanic");
    officer_parse("We have sent a mechanic", "", &c);
    assert_int_equal(c.cmd, OFFICER_UNKNOWN);
    officer_parse("", "", &c);
    assert_int_equal(c.cmd, OFFICER_UNKNOWN);
    officer_parse("reply", "", &c);
    assert_int_equal(c.cmd, OFFICER_REPLY);
    assert_string_equal(c.tracking, "");
    officer_parse("reply B-2026-000123 x", "", &c); /* one letter is not a district code */
    assert_string_equal(c.tracking, "");
    officer_parse("reply BLB-2026-0001234 x", "", &c); /* seven digits: not a tracking number */
    assert_string_equal(c.tracking, "");
    assert_string_equal(officer_cmd_name(OFFICER_RESOLVE), "resolve");
}

/* Duplicate complaints (issue 19): subject's text is the rest; merge reads two numbers, in any
 * spelling, with words around them ("into", "में"), the first being the case merged. */
static void subject_and_merge(void **state)
{
    officer_command c;
    (void)state;
    officer_parse("subject BLB-2026-000123 Hand pump broken, ward 4", "", &c);
    assert_int_equal(c.cmd, OFFICER_SUBJECT);
    assert_string_equal(c.tracking, "BLB-2026-000123");
    assert_string_equal(c.text, "Hand pump broken, ward 4");
    officer_parse("विषय blb2026000123 हैंडपंप खराब, वार्ड 4", "", &c);
    assert_int_equal(c.cmd, OFFICER_SUBJECT);
    assert_string_equal(c.text, "हैंडपंप खराब, वार्ड 4");
    assert_string_equal(c.into, "");
    officer_parse("merge BLB-2026-000124 BLB-2026-000123", "", &c);
    assert_int_equal(c.cmd, OFFICER_MERGE);
    assert_string_equal(c.tracking, "BLB-2026-000124");
    assert_string_equal(c.into, "BLB-2026-000123");
    officer_parse("MERGE blb 2026 000124 into blb-2026-000123", "", &c);
    assert_string_equal(c.tracking, "BLB-2026-000124");
    assert_string_equal(c.into, "BLB-2026-000123");
    assert_string_equal(c.text, "into");
    officer_parse("मिलाएं BLB-2026-000124 को BLB-2026-000123 में", "", &c);
    assert_int_equal(c.cmd, OFFICER_MERGE);
    assert_string_equal(c.tracking, "BLB-2026-000124");
    assert_string_equal(c.into, "BLB-2026-000123");
    officer_parse("merge BLB-2026-000124", "", &c); /* one number: the desk asks for the other */
    assert_int_equal(c.cmd, OFFICER_MERGE);
    assert_string_equal(c.into, "");
    officer_parse("merge BLB-2026-000124 BLB-2026-000124", "", &c); /* the desk refuses it */
    assert_string_equal(c.into, "BLB-2026-000124");
    officer_parse("subject BLB-2026-000124 BLB-2026-000123", "", &c); /* only merge reads two */
    assert_string_equal(c.into, "");
    assert_string_equal(c.text, "BLB-2026-000123");
    assert_string_equal(officer_cmd_name(OFFICER_MERGE), "merge");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commands),
        cmocka_unit_test(interim_dates),
        cmocka_unit_test(swipe_and_unknown),
        cmocka_unit_test(subject_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
