/* test_catalogue.c — the message catalogue: the shipped flows/messages.json loads and speaks
 * each language (Chhattisgarhi falling back to Hindi where a text has none); each mistake a
 * district can make when rewording it is reported (one mutation of the shipped file per kind);
 * a reworded text is what the code then says. Pure: files only. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalogue.h"

/* A folder holding content as its messages.json (malloc'd path). */
static char *folder_with(const char *content)
{
    char *dir = tu_tempdir(), path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, CATALOGUE_FILE);
    tu_write(path, content);
    return dir;
}

static void remove_folder(char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, CATALOGUE_FILE);
    unlink(path);
    rmdir(dir);
    free(dir);
}

/* What c says for id in lang is exactly want (with contains: holds want). */
static void says(const catalogue *c, msg_id id, const char *lang, const char *const *keys,
                 const char *const *values, size_t n, const char *want, int contains)
{
    char *t = catalogue_say(c, id, lang, keys, values, n);
    assert_non_null(t);
    if (contains ? !strstr(t, want) : strcmp(t, want) != 0)
        fail_msg("%s in %s said \"%s\", not \"%s\"", catalogue_name(id), lang, t, want);
    free(t);
}

static void shipped_catalogue_speaks(void **state)
{
    err e = {0};
    catalogue *c = catalogue_load(SAMPARK_SOURCE_DIR "/flows", &e);
    const char *keys[] = {"tracking_no", "note"}, *values[] = {"BLB-2026-000123", "नया पाइप"};
    (void)state;
    if (!c)
        fail_msg("%s", e.msg);
    says(c, MSG_SATISFACTION_ASK, "en", keys, values, 2,
         "Your complaint BLB-2026-000123 has been resolved.\nOfficer's note: नया पाइप\n\nAre you "
         "satisfied with the resolution?",
         0);
    says(c, MSG_ANSWER_YES, "hne", NULL, NULL, 0, "हव", 0);
    says(c, MSG_CASE_NOT_FOUND, "hi", keys, values, 1, "BLB-2026-000123 नहीं मिली", 1);
    catalogue_free(c);
    assert_int_equal(catalogue_check(SAMPARK_SOURCE_DIR "/flows", stderr), 0);
}

/* Each mutation of the shipped file and the problem it must produce. */
static void every_problem_is_reported(void **state)
{
    static const struct {
        const char *from, *to, *expect;
    } cases[] = {
        {"\"answer_yes\": {\"hi\": \"हाँ\", \"en\": \"Yes\", \"hne\": \"हव\"},", "",
         "the message \"answer_yes\" is missing"},
        {"\"answer_no\": {\"hi\": \"नहीं\", \"en\": \"No\",", "\"answer_no\": {\"hi\": \"नहीं\",",
         "\"answer_no\" has no English (en) text"},
        {"{tracking_no} has been resolved", "{tracking} has been resolved",
         "\"satisfaction_ask\".en: unknown placeholder {tracking} (this message has "
         "{tracking_no}, {note})"},
        {"Officer's note: {note}", "Officer's note: -", "\"satisfaction_ask\".en does not use {note}"},
        {"\"en\": \"Yes\"", "\"en\": \"Yes, I am satisfied with it\"",
         "\"answer_yes\".en is 27 characters; WhatsApp shows at most 20 here"},
        {"\"messages\": {", "\"messages\": {\"case_closed\": {\"hi\": \"x\", \"en\": \"x\"},",
         "unknown message \"case_closed\""},
        {"\"answer_no\": {\"hi\"", "\"answer_no\": {\"ta\": \"x\", \"hi\"",
         "\"answer_no\": unknown field \"ta\""},
        {"\"messages\": {", "\"message\": {}, \"messages\": {", "unknown field \"message\""},
        {"\"answer_no\": {\"hi\": \"नहीं\"", "\"answer_no\": {\"hi\": \"\"",
         "\"answer_no\".hi must be a non-empty string"},
        {"\"messages\": {", "\"messages\": [", "messages.json:4:"}, /* a syntax error: line:column */
    };
    char *shipped = tu_read_source("flows/" CATALOGUE_FILE, NULL);
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *text = tu_replace(shipped, cases[i].from, cases[i].to), *dir = folder_with(text);
        char *out = NULL;
        size_t outlen = 0;
        FILE *f = open_memstream(&out, &outlen);
        err e = {0};
        int n = catalogue_check(dir, f);
        catalogue *c = catalogue_load(dir, &e);
        fclose(f);
        if (n < 1 || !strstr(out, cases[i].expect))
            fail_msg("case %zu: expected \"%s\" in:\n%s", i, cases[i].expect, out);
        assert_null(c); /* and loading refuses it, naming a problem */
        assert_int_equal(e.kind, ERR_USER);
        free(out);
        free(text);
        remove_folder(dir);
    }
    free(shipped);
}

static void a_missing_file_is_a_problem(void **state)
{
    char *dir = tu_tempdir(), *out = NULL;
    size_t outlen = 0;
    FILE *f = open_memstream(&out, &outlen);
    err e = {0};
    (void)state;
    assert_int_equal(catalogue_check(dir, f), 1);
    fclose(f);
    assert_non_null(strstr(out, CATALOGUE_FILE));
    assert_null(catalogue_load(dir, &e));
    assert_non_null(strstr(e.msg, CATALOGUE_FILE));
    free(out);
    rmdir(dir);
    free(dir);
}

/* A district rewords a message: the code says the new words; a text without hne speaks Hindi
 * to a Chhattisgarhi speaker; an optional placeholder may go. */
static void a_reworded_text_is_said(void **state)
{
    char *shipped = tu_read_source("flows/" CATALOGUE_FILE, NULL);
    char *a = tu_replace(shipped, "Please check the number.", "Please check the number, or call 1100.");
    char *b = tu_replace(a, "\"hne\": \"तुंहर सिकायत मन म {tracking_no} नइ मिलिस। किरपा करके नंबर जाँच लेवव।\"",
                         "\"note\": \"no hne yet\"");
    char *d = tu_replace(b, "\\nExpected resolution by: {due}", ""), *dir = folder_with(d);
    const char *keys[] = {"tracking_no"}, *values[] = {"RPR-2026-000009"};
    err e = {0};
    catalogue *c = catalogue_load(dir, &e);
    (void)state;
    if (!c)
        fail_msg("%s", e.msg);
    says(c, MSG_CASE_NOT_FOUND, "en", keys, values, 1,
         "We could not find complaint RPR-2026-000009 among your complaints. Please check the "
         "number, or call 1100.",
         0);
    says(c, MSG_CASE_NOT_FOUND, "hne", keys, values, 1,
         "आपकी शिकायतों में RPR-2026-000009 नहीं मिली। कृपया नंबर जांच लें।", 0);
    catalogue_free(c);
    free(shipped);
    free(a);
    free(b);
    free(d);
    remove_folder(dir);
}

/* flows/README.md's table names every message the code says, each on a row of its own. */
static void every_message_is_documented(void **state)
{
    char *readme = tu_read_source("flows/README.md", NULL);
    (void)state;
    for (int id = 0; id < MSG_COUNT; id++) {
        char row[96], first[96], last[96]; /* alone, or first or last of a row's names */
        snprintf(row, sizeof row, "| `%s` |", catalogue_name((msg_id)id));
        snprintf(first, sizeof first, "| `%s`, ", catalogue_name((msg_id)id));
        snprintf(last, sizeof last, ", `%s` |", catalogue_name((msg_id)id));
        if (!strstr(readme, row) && !strstr(readme, first) && !strstr(readme, last))
            fail_msg("flows/README.md's catalogue table has no row for \"%s\"",
                     catalogue_name((msg_id)id));
    }
    free(readme);
}

/* What a citizen reads is shipped in Chhattisgarhi too; what officers read is Hindi and English.
 * The pairs helpers fill by name, ignore the placeholders a message does not have, and cut a
 * text too long for the caller's buffer at a whole letter. */
static void shipped_words_and_helpers(void **state)
{
    static const msg_id citizen[] = {
        MSG_SATISFACTION_ASK,     MSG_ANSWER_YES,           MSG_ANSWER_NO,
        MSG_CASE_STATUS,          MSG_CASE_NOT_FOUND,       MSG_SATISFACTION_REMINDER,
        MSG_AUTO_CLOSED,          MSG_CITIZEN_OFFICER_REPLY, MSG_CITIZEN_DOCS_REQUEST,
        MSG_CITIZEN_TRANSFERRED,  MSG_CITIZEN_URGENT,       MSG_CITIZEN_REOPENED,
        MSG_CITIZEN_REOPENED_UNEXPLAINED, MSG_CITIZEN_CLOSED, MSG_CITIZEN_ASK_REASON,
        MSG_CITIZEN_DOCS_RECEIVED, MSG_RECENT_CASES,        MSG_RECENT_CASES_BUTTON,
        MSG_HELPDESK_GENERAL,     MSG_HELPDESK_TRANSCRIPT_HEAD, MSG_HELPDESK_SIDE_CITIZEN,
        MSG_HELPDESK_SIDE_OFFICER, MSG_HELPDESK_LIVE_NOTE,  MSG_HELPDESK_WAIT_NOTE,
        MSG_HELPDESK_WHEN_TODAY,  MSG_HELPDESK_WHEN_TOMORROW, MSG_HELPDESK_WHEN_DAY,
        MSG_DAY_MON, MSG_DAY_TUE, MSG_DAY_WED, MSG_DAY_THU, MSG_DAY_FRI, MSG_DAY_SAT, MSG_DAY_SUN,
        MSG_HELPDESK_OPENED,      MSG_HELPDESK_OFFICER_JOINED, MSG_HELPDESK_OFFICER_SAYS,
        MSG_HELPDESK_KEPT,        MSG_HELPDESK_RATE,        MSG_HELPDESK_RATE_YES,
        MSG_HELPDESK_RATE_NO,     MSG_HELPDESK_ENDED_BY_OFFICER, MSG_HELPDESK_ENDED_SILENCE,
        MSG_HELPDESK_ENDED_LEFT,  MSG_HELPDESK_THANKS,      MSG_HELPDESK_CASE_CITIZEN,
        MSG_HELPDESK_ENDED_NOTE,  MSG_HELPDESK_UNANSWERED,
        MSG_MORE_OPTIONS,         MSG_MORE_OPTIONS_DESC,    MSG_CHOOSE_BUTTON,
        MSG_SATISFACTION_RECORDED, MSG_CASE_REOPENED_OTHERS, MSG_CASE_MERGED,
        MSG_RECENT_FOLLOWED,      MSG_CITIZEN_MERGED,       MSG_SIMILAR_ROW,
        MSG_SIMILAR_AGE,          MSG_SIMILAR_TODAY,        MSG_SIMILAR_NEARBY,
        MSG_BROADCASTS_STOPPED,   MSG_BROADCASTS_STOPPED_CASES, MSG_BROADCASTS_RESUMED,
        MSG_BROADCASTS_ALLOWED};
    err e = {0};
    catalogue *c = catalogue_load(SAMPARK_SOURCE_DIR "/flows", &e);
    char buf[16], *t;
    (void)state;
    if (!c)
        fail_msg("%s", e.msg);
    for (size_t i = 0; i < sizeof citizen / sizeof *citizen; i++)
        if (!catalogue_raw(c, citizen[i], "hne"))
            fail_msg("\"%s\" has no Chhattisgarhi (hne) text", catalogue_name(citizen[i]));
    assert_string_equal(catalogue_raw(c, MSG_CHOOSE_BUTTON, "en"), "Choose");
    t = catalogue_text(c, MSG_OFFICER_SENT, OFFICER_LANG, "note", "x", "tracking_no",
                       "BLB-2026-000001", NULL);
    assert_string_equal(t, "✓ शिकायत BLB-2026-000001: नागरिक को भेज दिया गया।");
    free(t);
    /* A follower's merged case names the one it went into, twice (issue 19). */
    t = catalogue_text(c, MSG_CASE_MERGED, "en", "tracking_no", "BLB-2026-000002", "into",
                       "BLB-2026-000001", NULL);
    assert_string_equal(t, "Complaint BLB-2026-000002 has been merged into complaint "
                           "BLB-2026-000001. Send BLB-2026-000001 for its status.");
    free(t);
    /* "✓ " is 4 bytes, each Devanagari letter 3: 15 bytes hold the tick, the space and 3 letters. */
    assert_ptr_equal(catalogue_put(buf, sizeof buf, c, MSG_OFFICER_SENT, OFFICER_LANG,
                                   "tracking_no", "BLB-2026-000001", NULL),
                     buf);
    assert_string_equal(buf, "✓ शिक");
    catalogue_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shipped_catalogue_speaks),
        cmocka_unit_test(every_problem_is_reported),
        cmocka_unit_test(a_missing_file_is_a_problem),
        cmocka_unit_test(a_reworded_text_is_said),
        cmocka_unit_test(every_message_is_documented),
        cmocka_unit_test(shipped_words_and_helpers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
