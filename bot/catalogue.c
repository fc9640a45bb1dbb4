/* catalogue.c — the message catalogue (see catalogue.h; flows/README.md teaches the file).
 *
 * The table below is the code's half of the contract: each message's name in the file, the
 * placeholders the code fills for it, and the longest text WhatsApp shows where it goes. A
 * placeholder written "?due" may be left out of a text (a district may not want to show it);
 * the others must appear in every language, so no rewording silently drops a tracking number. */
#include "catalogue.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "text.h"

#define MAX_VARS 8

static const struct msg_def {
    const char *name;
    const char *vars[MAX_VARS]; /* the placeholders the code fills; "?x": may be left out */
    size_t limit;               /* characters */
} defs[MSG_COUNT] = {
    [MSG_SATISFACTION_ASK] = {"satisfaction_ask", {"tracking_no", "note"}, 1024},
    [MSG_ANSWER_YES] = {"answer_yes", {NULL}, 20},
    [MSG_ANSWER_NO] = {"answer_no", {NULL}, 20},
    [MSG_CASE_STATUS] = {"case_status",
                         {"tracking_no", "status", "department", "last_action", "last_action_at",
                          "?due"},
                         4096},
    [MSG_CASE_NOT_FOUND] = {"case_not_found", {"tracking_no"}, 4096},
    [MSG_OFFICER_REMINDER] = {"officer_reminder", {"tracking_no", "due"}, 4096},
    [MSG_ESCALATION] = {"escalation",
                        {"mark", "tracking_no", "department", "days", "hours", "reopened",
                         "description"},
                        4096},
    [MSG_ESCALATION_REOPENED] = {"escalation_reopened", {"times"}, 4096},
    [MSG_SATISFACTION_REMINDER] = {"satisfaction_reminder", {"tracking_no"}, 1024},
    [MSG_AUTO_CLOSED] = {"auto_closed", {"tracking_no"}, 4096},
    [MSG_DOCS_LAPSED] = {"docs_lapsed", {"tracking_no"}, 4096},
    [MSG_DIGEST_HEAD] = {"digest_head",
                         {"period", "date", "district", "received", "resolved", "closed",
                          "reopened", "overdue"},
                         4096},
    [MSG_DIGEST_DAILY] = {"digest_daily", {NULL}, 4096},
    [MSG_DIGEST_WEEKLY] = {"digest_weekly", {NULL}, 4096},
    [MSG_DIGEST_SATISFACTION] = {"digest_satisfaction", {"percent", "answers", "yes"}, 4096},
    [MSG_DIGEST_DEPARTMENTS] = {"digest_departments", {NULL}, 4096},
    [MSG_DIGEST_OVERDUE] = {"digest_overdue", {NULL}, 4096},
    [MSG_DIGEST_REOPENED] = {"digest_reopened", {NULL}, 4096},
    [MSG_DIGEST_ROW] = {"digest_row",
                        {"tracking_no", "department", "days", "hours", "reopened"},
                        4096},
    [MSG_DIGEST_ROW_REOPENED] = {"digest_row_reopened", {"times"}, 4096},
    [MSG_DIGEST_NONE] = {"digest_none", {NULL}, 4096},
    [MSG_OFFICER_HELP] = {"officer_help", {NULL}, 4096},
    [MSG_OFFICER_NOT_UNDERSTOOD] = {"officer_not_understood", {NULL}, 4096},
    [MSG_OFFICER_NEED_TRACKING] = {"officer_need_tracking", {"command"}, 4096},
    [MSG_OFFICER_NO_CASE] = {"officer_no_case", {"tracking_no"}, 4096},
    [MSG_OFFICER_SWIPED_CASE] = {"officer_swiped_case", {NULL}, 4096},
    [MSG_OFFICER_NOT_YOURS] = {"officer_not_yours", {"tracking_no"}, 4096},
    [MSG_OFFICER_CASE_CLOSED] = {"officer_case_closed", {"tracking_no"}, 4096},
    [MSG_OFFICER_EMPTY_TEXT] = {"officer_empty_text", {"command", "tracking_no"}, 4096},
    [MSG_OFFICER_NEED_DEPT] = {"officer_need_dept", {"tracking_no"}, 4096},
    [MSG_OFFICER_UNKNOWN_DEPT] = {"officer_unknown_dept", {"code"}, 4096},
    [MSG_OFFICER_SENT] = {"officer_sent", {"tracking_no"}, 4096},
    [MSG_OFFICER_RESOLVED] = {"officer_resolved", {"tracking_no"}, 4096},
    [MSG_OFFICER_TRANSFERRED] = {"officer_transferred", {"tracking_no", "code"}, 4096},
    [MSG_CITIZEN_OFFICER_REPLY] = {"citizen_officer_reply", {"tracking_no", "text"}, 4096},
    [MSG_CITIZEN_DOCS_REQUEST] = {"citizen_docs_request", {"tracking_no", "request"}, 4096},
    [MSG_CITIZEN_TRANSFERRED] = {"citizen_transferred", {"tracking_no", "department"}, 4096},
    [MSG_OFFICER_CASES_HEAD] = {"officer_cases_head", {NULL}, 4096},
    [MSG_OFFICER_CASES_ROW] = {"officer_cases_row",
                               {"tracking_no", "status", "hours", "description"},
                               4096},
    [MSG_OFFICER_NO_CASES] = {"officer_no_cases", {NULL}, 4096},
    [MSG_OFFICER_CASE_DETAILS] = {"officer_case_details",
                                  {"tracking_no", "department", "code", "status", "reopened",
                                   "description", "place", "citizen"},
                                  4096},
    [MSG_OFFICER_CITIZEN_REMOVED] = {"officer_citizen_removed", {NULL}, 4096},
    [MSG_CASE_PLACE] = {"case_place", {"place"}, 4096},
    [MSG_OFFICER_CASE_SUMMARY] = {"officer_case_summary",
                                  {"headline", "tracking_no", "department", "description", "place",
                                   "citizen"},
                                  4096},
    [MSG_OFFICER_NEW_CASE] = {"officer_new_case", {NULL}, 4096},
    [MSG_OFFICER_URGENT_CASE] = {"officer_urgent_case", {NULL}, 4096},
    [MSG_OFFICER_TRANSFERRED_CASE] = {"officer_transferred_case", {NULL}, 4096},
    [MSG_CITIZEN_URGENT] = {"citizen_urgent", {"tracking_no"}, 4096},
    [MSG_OFFICER_DIGEST_GONE] = {"officer_digest_gone", {NULL}, 4096},
    [MSG_OFFICER_REOPENED] = {"officer_reopened", {"tracking_no", "times", "reason"}, 4096},
    [MSG_NO_REASON_GIVEN] = {"no_reason_given", {NULL}, 4096},
    [MSG_CITIZEN_REOPENED] = {"citizen_reopened", {"tracking_no"}, 4096},
    [MSG_CITIZEN_REOPENED_UNEXPLAINED] = {"citizen_reopened_unexplained", {"tracking_no"}, 4096},
    [MSG_CITIZEN_CLOSED] = {"citizen_closed", {"tracking_no"}, 4096},
    [MSG_CITIZEN_ASK_REASON] = {"citizen_ask_reason", {"tracking_no"}, 4096},
    [MSG_OFFICER_DOCS_TEXT] = {"officer_docs_text", {"tracking_no", "text"}, 4096},
    [MSG_OFFICER_DOCS_FILE] = {"officer_docs_file", {"tracking_no"}, 4096},
    [MSG_CITIZEN_DOCS_RECEIVED] = {"citizen_docs_received", {"tracking_no"}, 4096},
    [MSG_RECENT_CASES] = {"recent_cases", {NULL}, 1024},
    [MSG_RECENT_CASES_BUTTON] = {"recent_cases_button", {NULL}, 20},
    [MSG_HELPDESK_NEW] = {"helpdesk_new", {"chat", "headline", "department", "citizen", "question"}, 4096},
    [MSG_HELPDESK_HEADLINE_NEW] = {"helpdesk_headline_new", {NULL}, 200},
    [MSG_HELPDESK_HEADLINE_FALLBACK] = {"helpdesk_headline_fallback", {NULL}, 200},
    [MSG_HELPDESK_GENERAL] = {"helpdesk_general", {NULL}, 100},
    [MSG_HELPDESK_CITIZEN_WROTE] = {"helpdesk_citizen_wrote", {"chat", "citizen", "text"}, 4096},
    [MSG_HELPDESK_TAKEN_BY] = {"helpdesk_taken_by", {"chat", "officer"}, 4096},
    [MSG_HELPDESK_YOU_TOOK] = {"helpdesk_you_took", {"chat"}, 4096},
    [MSG_HELPDESK_NOT_OPEN] = {"helpdesk_not_open", {"chat"}, 4096},
    [MSG_HELPDESK_NOT_REACHED] = {"helpdesk_not_reached", {"chat"}, 4096},
    [MSG_HELPDESK_GONE] = {"helpdesk_gone", {NULL}, 4096},
    [MSG_HELPDESK_NEED_ID] = {"helpdesk_need_id", {NULL}, 4096},
    [MSG_HELPDESK_PICK] = {"helpdesk_pick", {"count"}, 1024},
    [MSG_HELPDESK_PICK_BUTTON] = {"helpdesk_pick_button", {NULL}, 20},
    [MSG_HELPDESK_ENDED_OFFICER] = {"helpdesk_ended_officer", {"chat"}, 4096},
    [MSG_HELPDESK_CITIZEN_LEFT] = {"helpdesk_citizen_left", {"chat"}, 4096},
    [MSG_HELPDESK_SILENCE_OFFICER] = {"helpdesk_silence_officer", {"chat"}, 4096},
    [MSG_HELPDESK_UNANSWERED_OFFICER] = {"helpdesk_unanswered_officer", {"chat"}, 4096},
    [MSG_HELPDESK_CASE_FILED] = {"helpdesk_case_filed", {"chat", "tracking_no", "department"}, 4096},
    [MSG_HELPDESK_TRANSCRIPT_HEAD] = {"helpdesk_transcript_head", {"chat"}, 400},
    [MSG_HELPDESK_SIDE_CITIZEN] = {"helpdesk_side_citizen", {NULL}, 40},
    [MSG_HELPDESK_SIDE_OFFICER] = {"helpdesk_side_officer", {NULL}, 40},
    [MSG_HELPDESK_LIVE_NOTE] = {"helpdesk_live_note", {NULL}, 1000},
    [MSG_HELPDESK_WAIT_NOTE] = {"helpdesk_wait_note", {"when"}, 1000},
    [MSG_HELPDESK_WHEN_TODAY] = {"helpdesk_when_today", {"time"}, 200},
    [MSG_HELPDESK_WHEN_TOMORROW] = {"helpdesk_when_tomorrow", {"time"}, 200},
    [MSG_HELPDESK_WHEN_DAY] = {"helpdesk_when_day", {"day", "time"}, 200},
    [MSG_DAY_MON] = {"day_mon", {NULL}, 40},
    [MSG_DAY_TUE] = {"day_tue", {NULL}, 40},
    [MSG_DAY_WED] = {"day_wed", {NULL}, 40},
    [MSG_DAY_THU] = {"day_thu", {NULL}, 40},
    [MSG_DAY_FRI] = {"day_fri", {NULL}, 40},
    [MSG_DAY_SAT] = {"day_sat", {NULL}, 40},
    [MSG_DAY_SUN] = {"day_sun", {NULL}, 40},
    [MSG_HELPDESK_OPENED] = {"helpdesk_opened", {NULL}, 4096},
    [MSG_HELPDESK_OFFICER_JOINED] = {"helpdesk_officer_joined", {"officer", "department"}, 4096},
    [MSG_HELPDESK_OFFICER_SAYS] = {"helpdesk_officer_says", {"officer", "text"}, 4096},
    [MSG_HELPDESK_KEPT] = {"helpdesk_kept", {"when"}, 4096},
    [MSG_HELPDESK_RATE] = {"helpdesk_rate", {"ended"}, 1024},
    [MSG_HELPDESK_RATE_YES] = {"helpdesk_rate_yes", {NULL}, 20},
    [MSG_HELPDESK_RATE_NO] = {"helpdesk_rate_no", {NULL}, 20},
    [MSG_HELPDESK_ENDED_BY_OFFICER] = {"helpdesk_ended_by_officer", {NULL}, 400},
    [MSG_HELPDESK_ENDED_SILENCE] = {"helpdesk_ended_silence", {NULL}, 400},
    [MSG_HELPDESK_ENDED_LEFT] = {"helpdesk_ended_left", {NULL}, 400},
    [MSG_HELPDESK_THANKS] = {"helpdesk_thanks", {NULL}, 4096},
    [MSG_HELPDESK_CASE_CITIZEN] = {"helpdesk_case_citizen", {"tracking_no", "department"}, 4096},
    [MSG_HELPDESK_ENDED_NOTE] = {"helpdesk_ended_note", {NULL}, 4096},
    [MSG_HELPDESK_UNANSWERED] = {"helpdesk_unanswered", {NULL}, 4096},
    [MSG_MEDIA_NOTE] = {"media_note", {"tracking_no"}, 1024},
    [MSG_MORE_OPTIONS] = {"more_options", {NULL}, 24},
    [MSG_MORE_OPTIONS_DESC] = {"more_options_desc", {NULL}, 72},
    [MSG_CHOOSE_BUTTON] = {"choose_button", {NULL}, 20},
    /* the case rules of issue 16 item 7 */
    [MSG_DIGEST_INTERIM] = {"digest_interim", {NULL}, 4096},
    [MSG_OFFICER_BAD_DATE] = {"officer_bad_date", {"tracking_no", "days"}, 4096},
    [MSG_OFFICER_INTERIM_SENT] = {"officer_interim_sent", {"tracking_no", "date"}, 4096},
    [MSG_CITIZEN_INTERIM] = {"citizen_interim", {"tracking_no", "text", "date"}, 4096},
    [MSG_OFFICER_REJECT_ASKED] = {"officer_reject_asked", {"tracking_no"}, 4096},
    [MSG_OFFICER_REJECT_WAITING] = {"officer_reject_waiting", {"tracking_no"}, 4096},
    [MSG_NODAL_REJECT] = {"nodal_reject", {"tracking_no", "department", "description", "officer", "text"}, 4096},
    [MSG_OFFICER_ONLY_NODAL] = {"officer_only_nodal", {NULL}, 4096},
    [MSG_OFFICER_NOTHING_TO_DECIDE] = {"officer_nothing_to_decide", {"tracking_no"}, 4096},
    [MSG_OFFICER_REJECTED] = {"officer_rejected", {"tracking_no"}, 4096},
    [MSG_CITIZEN_REJECTED] = {"citizen_rejected", {"tracking_no", "reason"}, 4096},
    [MSG_OFFICER_ASKER_REJECTED] = {"officer_asker_rejected", {"tracking_no"}, 4096},
    [MSG_OFFICER_RETURNED] = {"officer_returned", {"tracking_no"}, 4096},
    [MSG_OFFICER_ASKER_RETURNED] = {"officer_asker_returned", {"tracking_no", "text"}, 4096},
    [MSG_OFFICER_TRANSFER_LIMIT] = {"officer_transfer_limit", {"tracking_no", "count"}, 4096},
    [MSG_NODAL_TRANSFER] = {"nodal_transfer", {"tracking_no", "department", "count", "officer", "code"}, 4096},
    [MSG_SIMILAR_ROW] = {"similar_row", {"place", "age", "people", "subject"}, 72},
    [MSG_SIMILAR_AGE] = {"similar_age", {"days"}, 40},
    [MSG_SIMILAR_TODAY] = {"similar_today", {NULL}, 40},
    [MSG_SIMILAR_NEARBY] = {"similar_nearby", {NULL}, 40},
    [MSG_OFFICER_SAME_REPORTED] = {"officer_same_reported", {"tracking_no", "count"}, 4096},
    /* followers (issue 19) */
    [MSG_SATISFACTION_RECORDED] = {"satisfaction_recorded", {"tracking_no"}, 4096},
    [MSG_CASE_REOPENED_OTHERS] = {"case_reopened_others", {"tracking_no"}, 4096},
    [MSG_CASE_MERGED] = {"case_merged", {"tracking_no", "into"}, 4096},
    [MSG_RECENT_FOLLOWED] = {"recent_followed", {NULL}, 20},
    [MSG_ESCALATION_FOLLOWERS] = {"escalation_followers", {"count"}, 4096},
    [MSG_DIGEST_ROW_FOLLOWERS] = {"digest_row_followers", {"count"}, 4096},
    /* duplicate complaints: the officers' subject and merge (issue 19) */
    [MSG_OFFICER_SUBJECT_BAD] = {"officer_subject_bad", {"tracking_no", "min", "max"}, 4096},
    [MSG_OFFICER_SUBJECT_SET] = {"officer_subject_set", {"tracking_no", "text"}, 4096},
    [MSG_OFFICER_MERGE_NEED_INTO] = {"officer_merge_need_into", {"tracking_no"}, 4096},
    [MSG_OFFICER_MERGE_SELF] = {"officer_merge_self", {"tracking_no"}, 4096},
    [MSG_OFFICER_MERGE_INTO_CLOSED] = {"officer_merge_into_closed", {"into"}, 4096},
    [MSG_OFFICER_MERGE_DEPTS] = {"officer_merge_depts", {"tracking_no", "into"}, 4096},
    [MSG_OFFICER_MERGED] = {"officer_merged", {"tracking_no", "into"}, 4096},
    [MSG_CITIZEN_MERGED] = {"citizen_merged", {"tracking_no", "into", "status", "department"}, 4096},
    /* STOP and START (issue 20) */
    [MSG_BROADCASTS_STOPPED] = {"broadcasts_stopped", {NULL}, 4096},
    [MSG_BROADCASTS_STOPPED_CASES] = {"broadcasts_stopped_cases", {NULL}, 4096},
    [MSG_BROADCASTS_RESUMED] = {"broadcasts_resumed", {NULL}, 4096},
    [MSG_BROADCASTS_ALLOWED] = {"broadcasts_allowed", {NULL}, 4096},
    /* surveys (issue 20): said before the question is asked again */
    [MSG_SURVEY_RETRY_RATING] = {"survey_retry_rating", {NULL}, 4096},
    [MSG_SURVEY_RETRY_YES_NO] = {"survey_retry_yes_no", {NULL}, 4096},
    [MSG_SURVEY_RETRY_TEXT] = {"survey_retry_text", {NULL}, 4096},
    [MSG_SURVEY_COMPLAINT_HINT] = {"survey_complaint_hint", {NULL}, 4096},
    [MSG_SURVEY_STOPPED] = {"survey_stopped", {NULL}, 4096},
    [MSG_SURVEY_RESUMED] = {"survey_resumed", {"left"}, 4096},
};

enum { LANG_HI, LANG_EN, LANG_HNE, NLANGS };
static const char *const langs[NLANGS + 1] = {"hi", "en", "hne", NULL};

struct catalogue {
    json_object *root; /* owns the texts */
    const char *text[MSG_COUNT][NLANGS];
};

/* Where the problems go: printed (flows check) or the first kept (load). */
struct check {
    const char *file;
    FILE *out;
    int problems;
    char first[512];
};

static void problem(struct check *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct check *k, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (k->out)
        fprintf(k->out, "%s%s%s\n", k->file ? k->file : "", k->file ? ": " : "", msg);
    if (!k->problems++)
        snprintf(k->first, sizeof k->first, "%s%s%s", k->file ? k->file : "", k->file ? ": " : "",
                 msg);
}

const char *catalogue_name(msg_id id)
{
    return id < MSG_COUNT ? defs[id].name : "?";
}

/* The index of name among def's placeholders, or -1. */
static int var_index(const struct msg_def *def, const char *name)
{
    for (int i = 0; i < MAX_VARS && def->vars[i]; i++)
        if (strcmp(def->vars[i] + (def->vars[i][0] == '?'), name) == 0)
            return i;
    return -1;
}

/* What check_text's text_fill calls for each placeholder: it records which were used. */
struct seen {
    const struct msg_def *def;
    struct check *k;
    const char *where;
    unsigned used;
};

static const char *see_var(void *ud, const char *key)
{
    struct seen *s = ud;
    int i = var_index(s->def, key);
    char can[200] = "";
    if (i >= 0) {
        s->used |= 1u << i;
        return "";
    }
    for (int j = 0; j < MAX_VARS && s->def->vars[j]; j++)
        snprintf(can + strlen(can), sizeof can - strlen(can), "%s{%s}", j ? ", " : "",
                 s->def->vars[j] + (s->def->vars[j][0] == '?'));
    problem(s->k, "%s: unknown placeholder {%s} (%s%s)", s->where, key,
            *can ? "this message has " : "this message has none", can);
    return "";
}

/* One text of one message: its length, and its placeholders against the table's. */
static void check_text(struct check *k, const struct msg_def *def, const char *lang,
                       const char *text)
{
    char where[96];
    struct seen s = {def, k, where, 0};
    char *filled;
    snprintf(where, sizeof where, "\"%s\".%s", def->name, lang);
    if (text_utf8_chars(text) > def->limit)
        problem(k, "%s is %zu characters; WhatsApp shows at most %zu here", where,
                text_utf8_chars(text), def->limit);
    if ((filled = text_fill(text, see_var, &s, 0)))
        free(filled);
    for (int i = 0; i < MAX_VARS && def->vars[i]; i++)
        if (def->vars[i][0] != '?' && !(s.used & (1u << i)))
            problem(k, "%s does not use {%s}", where, def->vars[i]);
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_get_type(o) == json_type_object && json_object_object_get_ex(o, key, &v)
               ? v
               : NULL;
}

/* One message's object: {"hi": ..., "en": ...[, "hne": ...][, "note": ...]}. */
static void parse_message(struct check *k, catalogue *c, msg_id id, json_object *o)
{
    const struct msg_def *def = &defs[id];
    json_object_object_foreach(o, key, val)
    {
        int l = 0;
        while (langs[l] && strcmp(langs[l], key) != 0)
            l++;
        if (!langs[l] && strcmp(key, "note") != 0) {
            problem(k, "\"%s\": unknown field \"%s\" (use hi, en, hne or note)", def->name, key);
            continue;
        }
        if (!langs[l])
            continue;
        if (json_object_get_type(val) != json_type_string || !*json_object_get_string(val)) {
            problem(k, "\"%s\".%s must be a non-empty string", def->name, key);
            continue;
        }
        c->text[id][l] = json_object_get_string(val);
        check_text(k, def, key, c->text[id][l]);
    }
    if (!c->text[id][LANG_HI] || !c->text[id][LANG_EN])
        problem(k, "\"%s\" has no %s text", def->name, !c->text[id][LANG_HI] ? "Hindi (hi)"
                                                                              : "English (en)");
}

static void parse(struct check *k, catalogue *c)
{
    json_object *msgs = get(c->root, "messages");
    if (json_object_get_type(msgs) != json_type_object) {
        problem(k, "a message catalogue is {\"messages\": {\"<name>\": {\"hi\": ..., \"en\": "
                   "...}, ...}}");
        return;
    }
    json_object_object_foreach(c->root, top, tv)
    {
        (void)tv;
        if (strcmp(top, "messages") != 0 && strcmp(top, "note") != 0)
            problem(k, "unknown field \"%s\" (use messages or note)", top);
    }
    json_object_object_foreach(msgs, name, o)
    {
        int id = 0;
        while (id < MSG_COUNT && strcmp(defs[id].name, name) != 0)
            id++;
        if (id == MSG_COUNT)
            problem(k, "unknown message \"%s\" (no part of Sampark says it)", name);
        else if (json_object_get_type(o) != json_type_object)
            problem(k, "\"%s\" must be {\"hi\": \"...\", \"en\": \"...\"}", name);
        else
            parse_message(k, c, (msg_id)id, o);
    }
    for (int id = 0; id < MSG_COUNT; id++)
        if (!get(msgs, defs[id].name))
            problem(k, "the message \"%s\" is missing", defs[id].name);
}

/* Reads and checks dir's catalogue; the catalogue even with problems (k counts them), NULL
 * when the file cannot be read or parsed (a problem too) or memory runs out (e set). */
static catalogue *load(const char *dir, struct check *k, err *e)
{
    char path[4096];
    size_t len;
    err fe = {0};
    char *text;
    catalogue *c = calloc(1, sizeof *c);
    if (!c) {
        err_set(e, ERR_ENV, "out of memory loading the message catalogue");
        return NULL;
    }
    snprintf(path, sizeof path, "%s/%s", dir, CATALOGUE_FILE);
    k->file = path;
    if (!(text = jsonfile_read(path, &len, &fe)) ||
        !(c->root = jsonfile_parse(path, text, len, &fe))) {
        k->file = NULL;
        problem(k, "%s", fe.msg); /* names the path (and line:column) itself */
        free(text);
        free(c);
        return NULL;
    }
    free(text);
    parse(k, c);
    k->file = NULL; /* path is about to go out of scope */
    return c;
}

catalogue *catalogue_load(const char *dir, err *e)
{
    struct check k = {0};
    catalogue *c = load(dir, &k, e);
    if (k.problems) {
        catalogue_free(c);
        if (!e->msg[0])
            err_set(e, ERR_USER, "%s%s", k.first,
                    k.problems > 1 ? " (and more: run sampark flows check)" : "");
        return NULL;
    }
    return c;
}

int catalogue_check(const char *dir, FILE *out)
{
    struct check k = {0};
    err e = {0};
    catalogue *c;
    k.out = out;
    c = load(dir, &k, &e);
    if (e.msg[0])
        problem(&k, "%s", e.msg);
    if (c && !k.problems)
        fprintf(out, "%s/%s: %d messages: ok\n", dir, CATALOGUE_FILE, MSG_COUNT);
    catalogue_free(c);
    return k.problems;
}

int catalogue_reload(catalogue **cur, const char *dir, err *e)
{
    catalogue *fresh = catalogue_load(dir, e);
    if (!fresh)
        return -1;
    catalogue_free(*cur);
    *cur = fresh;
    return 0;
}

void catalogue_free(catalogue *c)
{
    if (!c)
        return;
    json_object_put(c->root);
    free(c);
}

struct say {
    const char *const *keys, *const *values;
    size_t n;
};

static const char *say_var(void *ud, const char *key)
{
    const struct say *s = ud;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->keys[i], key) == 0)
            return s->values[i];
    return NULL;
}

char *catalogue_say(const catalogue *c, msg_id id, const char *lang, const char *const *keys,
                    const char *const *values, size_t n)
{
    struct say s = {keys, values, n};
    int l = lang && strcmp(lang, "en") == 0 ? LANG_EN : lang && strcmp(lang, "hne") == 0 ? LANG_HNE
                                                                                           : LANG_HI;
    const char *t;
    if (id >= MSG_COUNT)
        return strdup("");
    t = c->text[id][l] ? c->text[id][l] : c->text[id][LANG_HI];
    return text_fill(t, say_var, &s, defs[id].limit);
}

/* The pairs of a catalogue_text / catalogue_put call, said. */
/* A caller may pass every value it has and let each message take its own, so the pairs are not
 * bounded by one message's placeholders (MAX_VARS) but by MAX_PAIRS. */
#define MAX_PAIRS 32
static char *say_pairs(const catalogue *c, msg_id id, const char *lang, va_list ap)
{
    const char *keys[MAX_PAIRS], *values[MAX_PAIRS], *k;
    size_t n = 0;
    while ((k = va_arg(ap, const char *)) != NULL) {
        const char *v = va_arg(ap, const char *);
        if (n < MAX_PAIRS) {
            keys[n] = k;
            values[n++] = v ? v : "";
        }
    }
    return catalogue_say(c, id, lang, keys, values, n);
}

char *catalogue_text(const catalogue *c, msg_id id, const char *lang, ...)
{
    va_list ap;
    char *t;
    va_start(ap, lang);
    t = say_pairs(c, id, lang, ap);
    va_end(ap);
    return t;
}

const char *catalogue_put(char *out, size_t n, const catalogue *c, msg_id id, const char *lang, ...)
{
    va_list ap;
    char *t;
    size_t len;
    va_start(ap, lang);
    t = say_pairs(c, id, lang, ap);
    va_end(ap);
    if (!n)
        return out;
    len = t ? strlen(t) : 0;
    if (len >= n) /* back to the start of a letter */
        for (len = n - 1; len > 0 && ((unsigned char)t[len] & 0xC0) == 0x80; len--)
            ;
    memcpy(out, t ? t : "", len);
    out[len] = '\0';
    free(t);
    return out;
}

const char *catalogue_raw(const catalogue *c, msg_id id, const char *lang)
{
    for (int l = 0; l < NLANGS; l++)
        if (id < MSG_COUNT && lang && strcmp(langs[l], lang) == 0)
            return c->text[id][l];
    return NULL;
}
