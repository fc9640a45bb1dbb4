/* test_desk.c — the officers' desk decides without PostgreSQL: a parsed command and the facts
 * about its case and its officer give the plan the act step carries out. Each refusal the
 * desk answers an officer with, and each command's steps in order, are checked here; what the
 * steps do to the database is e2e_cases.py's. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "desk_officer.h"

/* Facts, written as letters: s supervisor, o officer of some department, f the case found,
 * d of the case's department, c closed, = transfer to its own department, a transfer target
 * active, r a rejection waits, 3 transferred three times; merge's second case: i found, x closed,
 * m of the first's department. Today is 05-12-2026; an interim
 * date may be up to 05-03-2027. */
static desk_facts facts(const char *letters)
{
    desk_facts f;
    memset(&f, 0, sizeof f);
    f.supervisor = strchr(letters, 's') != NULL;
    f.officer = strchr(letters, 'o') != NULL;
    f.found = strchr(letters, 'f') != NULL;
    f.of_dept = strchr(letters, 'd') != NULL;
    f.closed = strchr(letters, 'c') != NULL;
    f.same_dept = strchr(letters, '=') != NULL;
    f.target_active = strchr(letters, 'a') != NULL;
    f.reject_pending = strchr(letters, 'r') != NULL;
    f.transfers = strchr(letters, '3') ? 3 : 0;
    f.into_found = strchr(letters, 'i') != NULL;
    f.into_closed = strchr(letters, 'x') != NULL;
    f.into_same_dept = strchr(letters, 'm') != NULL;
    snprintf(f.today, sizeof f.today, "2026-12-05");
    snprintf(f.latest, sizeof f.latest, "2027-03-05");
    return f;
}

/* The plan for text (a swipe-reply when context is not "") under the facts, written as one
 * word a step: the step's name, then the message or event after a colon. */
static const char *plan_of(const char *text, const char *context, const char *letters)
{
    static const char *const steps[] = {
        "say_officer",  "say_citizen", "list_cases",       "show_case", "mark_progress", "event",
        "request_docs", "resolve",     "ask_satisfaction", "transfer",  "notify_dept",
        "say_nodal",    "say_asker",   "close_rejected",   "set_subject", "merge",
        "into_event"};
    static const char *const msgs[] = {
        "",          "help",     "not_understood", "need_tracking", "no_case",
        "not_yours", "closed",   "empty_text",     "need_dept",     "unknown_dept",
        "sent",      "resolved", "transferred",    "reply",         "docs",
        "moved",     "bad_date", "interim_sent",   "interim",       "reject_asked",
        "reject_waiting", "nodal_reject", "only_nodal", "nothing_to_decide", "rejected",
        "citizen_rejected", "asker_rejected", "returned", "asker_returned", "transfer_limit",
        "nodal_transfer", "subject_bad", "subject_set", "need_into", "merge_self", "no_into",
        "merge_into_closed", "merge_depts", "merged"};
    static char out[400];
    officer_command c;
    desk_facts f = facts(letters);
    desk_plan p;
    size_t n = 0;
    officer_parse(text, context, &c);
    desk_officer_decide(&c, &f, &p);
    out[0] = '\0';
    for (int i = 0; i < p.n; i++) {
        const desk_action *a = &p.a[i];
        const char *what = a->event ? a->event : msgs[a->msg];
        n += (size_t)snprintf(out + n, sizeof out - n, "%s%s%s%s", i ? " " : "", steps[a->step],
                              *what ? ":" : "", what);
    }
    return out;
}

/* A command, the facts, and the one message the officer gets instead of an action. */
static const struct {
    const char *text, *context, *facts, *plan;
} refused[] = {
    {"what is this", "", "ofd", "say_officer:not_understood"},
    {"help", "", "", "say_officer:help"},
    {"मदद", "", "", "say_officer:help"},
    /* No number and no swipe; a number (or a swiped message) that leads nowhere. */
    {"reply the pump is fixed", "", "ofd", "say_officer:need_tracking"},
    {"reply BLB-2026-000123 fixed", "", "o", "say_officer:no_case"},
    {"the pump is fixed", "wamid.X", "o", "say_officer:no_case"},
    /* Another department's case — unless a supervisor asks, who may act on every case. */
    {"resolve BLB-2026-000123 done", "", "of", "say_officer:not_yours"},
    {"show BLB-2026-000123", "", "of", "say_officer:not_yours"},
    {"show BLB-2026-000123", "", "sf", "show_case"},
    /* A closed case can be seen, not acted on. */
    {"reply BLB-2026-000123 hello", "", "ofdc", "say_officer:closed"},
    {"show BLB-2026-000123", "", "ofdc", "show_case"},
    {"docs BLB-2026-000123", "", "ofd", "say_officer:empty_text"},
    {"transfer BLB-2026-000123", "", "ofda", "say_officer:need_dept"},
    {"transfer BLB-2026-000123 PHE", "", "ofd=a", "say_officer:need_dept"},
    {"transfer BLB-2026-000123 NOSUCH", "", "ofd", "say_officer:unknown_dept"},
    /* The case rules (issue 16): an interim reply needs a real date from today to 90 days on. */
    {"interim BLB-2026-000123 pipeline ordered", "", "ofd", "say_officer:bad_date"},
    {"interim BLB-2026-000123 04-12-2026 pipeline ordered", "", "ofd", "say_officer:bad_date"},
    {"interim BLB-2026-000123 06-03-2027 pipeline ordered", "", "ofd", "say_officer:bad_date"},
    {"interim BLB-2026-000123 31-02-2027 pipeline ordered", "", "ofd", "say_officer:bad_date"},
    {"interim BLB-2026-000123 20-12-2026", "", "ofd", "say_officer:empty_text"},
    /* Rejection: one request at a time; only the nodal officers decide, and only on a request. */
    {"reject BLB-2026-000123 court matter", "", "ofdr", "say_officer:reject_waiting"},
    {"reject BLB-2026-000123", "", "ofd", "say_officer:empty_text"},
    {"approve BLB-2026-000123", "", "ofdr", "say_officer:only_nodal"},
    {"return BLB-2026-000123 please act", "", "ofdr", "say_officer:only_nodal"},
    {"approve BLB-2026-000123", "", "sf", "say_officer:nothing_to_decide"},
    {"return BLB-2026-000123", "", "sfr", "say_officer:empty_text"},
    {"approve BLB-2026-000123", "", "sfrc", "say_officer:closed"},
    /* Duplicate complaints (issue 19): a subject is one line of 3..60 letters, by the case's
     * department or a supervisor; it may be set on a closed case too (it is only shown). */
    {"subject BLB-2026-000123", "", "ofd", "say_officer:empty_text"},
    {"subject BLB-2026-000123 ab", "", "ofd", "say_officer:subject_bad"},
    {"विषय BLB-2026-000123 हा", "", "ofd", "say_officer:subject_bad"}, /* 2 letters, 6 bytes */
    {"subject BLB-2026-000123 "
     "0123456789012345678901234567890123456789012345678901234567890",
     "", "ofd", "say_officer:subject_bad"},
    {"subject BLB-2026-000123 Hand pump\nbroken", "", "ofd", "say_officer:subject_bad"},
    {"subject BLB-2026-000123 Hand pump broken", "", "of", "say_officer:not_yours"},
    {"subject BLB-2026-000123 Hand pump broken", "", "o", "say_officer:no_case"},
    /* merge: both numbers, two cases, the second open and of the same department. */
    {"merge BLB-2026-000124", "", "ofd", "say_officer:need_into"},
    {"merge BLB-2026-000124 BLB-2026-000124", "", "ofdim", "say_officer:merge_self"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "ofd", "say_officer:no_into"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "ofdixm", "say_officer:merge_into_closed"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "ofdi", "say_officer:merge_depts"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "sfi", "say_officer:merge_depts"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "ofdcim", "say_officer:closed"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "ofim", "say_officer:not_yours"},
    {"merge BLB-2026-000124 BLB-2026-000123", "", "oim", "say_officer:no_case"},
};

static void refusals(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_string_equal(plan_of(refused[i].text, refused[i].context, refused[i].facts),
                            refused[i].plan);
}

static void plans(void **state)
{
    (void)state;
    const desk_command *k = desk_command_of(OFFICER_REPLY);
    assert_string_equal(k->name, "reply");
    assert_int_equal(k->needs_case, DESK_OPEN_CASE);
    assert_true(k->needs_text);
    assert_int_equal(desk_command_of(OFFICER_SHOW)->needs_case, DESK_SEEN_CASE);
    assert_int_equal(desk_command_of(OFFICER_CASES)->needs_case, DESK_NO_CASE);
    assert_false(desk_command_of(OFFICER_TRANSFER)->needs_text);
    assert_null(desk_command_of(OFFICER_UNKNOWN));
    assert_string_equal(officer_cmd_name(OFFICER_TRANSFER), "transfer"); /* the same table */
    assert_string_equal(plan_of("reply BLB-2026-000123 Team will visit", "", "ofd"),
                        "mark_progress event:reply say_citizen:reply say_officer:sent");
    assert_string_equal(plan_of("Team will visit", "wamid.X", "ofd"), /* a swipe-reply */
                        "mark_progress event:reply say_citizen:reply say_officer:sent");
    assert_string_equal(
        plan_of("दस्तावेज़ BLB-2026-000123 राशन कार्ड की फोटो", "", "ofd"),
        "mark_progress event:docs_requested request_docs say_citizen:docs say_officer:sent");
    assert_string_equal(plan_of("हल BLB-2026-000123 हैंडपंप ठीक", "", "ofd"),
                        "resolve event:resolved ask_satisfaction say_officer:resolved");
    assert_string_equal(
        plan_of("transfer BLB-2026-000123 cspdcl", "", "ofda"),
        "transfer event:transferred notify_dept say_citizen:moved say_officer:transferred");
    assert_string_equal(plan_of("मामले", "", ""), "list_cases");
    /* Duplicate complaints (issue 19). */
    assert_string_equal(plan_of("subject BLB-2026-000123 Hand pump broken, ward 4", "", "ofd"),
                        "set_subject event:subject say_officer:subject_set");
    assert_string_equal(plan_of("विषय BLB-2026-000123 हैंडपंप खराब, वार्ड 4", "", "sfc"),
                        "set_subject event:subject say_officer:subject_set");
    assert_string_equal(plan_of("subject BLB-2026-000123 "
                                "012345678901234567890123456789012345678901234567890123456789",
                                "", "ofd"),
                        "set_subject event:subject say_officer:subject_set"); /* 60 */
    assert_string_equal(plan_of("merge BLB-2026-000124 into BLB-2026-000123", "", "ofdim"),
                        "merge event:merged into_event:merged say_officer:merged");
    assert_string_equal(plan_of("मिलाएं BLB-2026-000124 BLB-2026-000123", "", "sfim"),
                        "merge event:merged into_event:merged say_officer:merged");
    assert_int_equal(desk_command_of(OFFICER_MERGE)->needs_case, DESK_OPEN_CASE);
    assert_int_equal(desk_command_of(OFFICER_SUBJECT)->needs_case, DESK_SEEN_CASE);
}

/* The case rules of CM Helpline and CPGRAMS practice (issue 16, item 7). */
static void case_rules(void **state)
{
    (void)state;
    assert_string_equal(
        plan_of("interim BLB-2026-000123 20-12-2026 pipeline ordered", "", "ofd"),
        "mark_progress event:interim say_citizen:interim say_officer:interim_sent");
    assert_string_equal(plan_of("अंतरिम BLB-2026-000123 05/03/2027 टेंडर हो गया", "", "ofd"),
                        "mark_progress event:interim say_citizen:interim say_officer:interim_sent");
    /* An officer asks; the nodal officers decide; the officer never closes alone. */
    assert_string_equal(plan_of("reject BLB-2026-000123 court matter", "", "ofd"),
                        "event:reject_requested say_nodal:nodal_reject say_officer:reject_asked");
    assert_string_equal(plan_of("approve BLB-2026-000123", "", "sfr"),
                        "close_rejected event:rejected say_citizen:citizen_rejected "
                        "say_officer:rejected say_asker:asker_rejected");
    assert_string_equal(plan_of("return BLB-2026-000123 the land record is ours", "", "sfr"),
                        "event:reject_returned say_asker:asker_returned say_officer:returned");
    /* A nodal officer's own reject is their approval. */
    assert_string_equal(plan_of("अमान्य BLB-2026-000123 न्यायालय में लंबित", "", "sf"),
                        "close_rejected event:rejected say_citizen:citizen_rejected "
                        "say_officer:rejected");
    /* Three transfers, then the nodal officers decide; they may transfer again themselves. */
    assert_string_equal(plan_of("transfer BLB-2026-000123 CSPDCL", "", "ofda3"),
                        "event:transfer_requested say_nodal:nodal_transfer "
                        "say_officer:transfer_limit");
    assert_string_equal(
        plan_of("transfer BLB-2026-000123 CSPDCL", "", "sfa3"),
        "transfer event:transferred notify_dept say_citizen:moved say_officer:transferred");
}

/* A plan never fills its array: add() drops a step past DESK_PLAN_MAX without a word, so a
 * command that grew one step too many (issue 16 item 7 adds some) would silently lose its last
 * step — the officer's confirmation. Every command under every combination of facts leaves room. */
static void plans_fit(void **state)
{
    static const char *const texts[] = {"help",
                                        "cases",
                                        "show BLB-2026-000123",
                                        "reply BLB-2026-000123 x",
                                        "docs BLB-2026-000123 x",
                                        "resolve BLB-2026-000123 x",
                                        "transfer BLB-2026-000123 CSPDCL",
                                        "transfer BLB-2026-000123",
                                        "interim BLB-2026-000123 20-12-2026 x",
                                        "interim BLB-2026-000123 x",
                                        "reject BLB-2026-000123 x",
                                        "approve BLB-2026-000123",
                                        "return BLB-2026-000123 x",
                                        "subject BLB-2026-000123 Hand pump broken",
                                        "merge BLB-2026-000124 BLB-2026-000123",
                                        "what",
                                        "",
                                        NULL};
    (void)state;
    for (const char *const *t = texts; *t; t++)
        for (int bits = 0; bits < 512; bits++)
            for (int swipe = 0; swipe < 2; swipe++) {
                officer_command c;
                desk_facts f = {.supervisor = bits & 1,
                                .officer = bits >> 1 & 1,
                                .found = bits >> 2 & 1,
                                .of_dept = bits >> 3 & 1,
                                .closed = bits >> 4 & 1,
                                .same_dept = bits >> 5 & 1,
                                .target_active = bits >> 6 & 1};
                desk_plan p;
                f.reject_pending = bits >> 7 & 1;
                f.transfers = bits >> 8 & 1 ? DESK_MAX_TRANSFERS : 0;
                f.into_found = f.into_same_dept = bits >> 5 & 1;
                f.into_closed = bits >> 6 & 1;
                snprintf(f.today, sizeof f.today, "2026-12-05");
                snprintf(f.latest, sizeof f.latest, "2027-03-05");
                officer_parse(*t, swipe ? "wamid.X" : "", &c);
                desk_officer_decide(&c, &f, &p);
                assert_true(p.n >= 1);
                assert_true(p.n < DESK_PLAN_MAX);
            }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(refusals),
        cmocka_unit_test(plans),
        cmocka_unit_test(case_rules),
        cmocka_unit_test(plans_fit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
