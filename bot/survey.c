/* survey.c — survey files and the pure answer decisions (see survey.h). Parsing collects every
 * problem of a file, in the `flows check` style, before it refuses it; a parsed survey owns
 * copies of its strings so it outlives the JSON it came from. */
#include "survey.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "officer.h"
#include "text.h"
#include "words.h"

struct parse {
    const char *file;
    survey_report report;
    void *ud;
    int problems, oom;
};

static void problem(struct parse *P, const char *qid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(struct parse *P, const char *qid, const char *fmt, ...)
{
    char msg[600], line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (qid)
        snprintf(line, sizeof line, "%s: question \"%s\": %s", P->file, qid, msg);
    else
        snprintf(line, sizeof line, "%s: %s", P->file, msg);
    P->problems++;
    if (P->report)
        P->report(P->ud, line);
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static char *dup(struct parse *P, const char *s)
{
    char *c = s ? strdup(s) : NULL;
    if (s && !c)
        P->oom = 1;
    return c;
}

static void keys(struct parse *P, const char *qid, json_object *o, const char *const *allowed)
{
    json_object_object_foreach(o, key, val)
    {
        const char *const *a = allowed;
        (void)val;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (!*a)
            problem(P, qid, "unknown field \"%s\"", key);
    }
}

struct text_at {
    struct parse *P;
    const char *qid;
};

static void text_problem(void *ud, const char *msg)
{
    struct text_at *at = ud;
    problem(at->P, at->qid, "%s", msg);
}

/* {"hi", "en"[, "hne"]} at key (read as flows read texts, then copied into out). */
static void text(struct parse *P, const char *qid, json_object *o, const char *key, int required,
                 size_t limit, flow_text *out)
{
    struct text_at at = {P, qid};
    flow_text t;
    flow_text_read(o, key, required, limit, &t, text_problem, &at);
    out->hi = dup(P, t.hi);
    out->en = dup(P, t.en);
    out->hne = dup(P, t.hne);
}

static void text_free(flow_text *t)
{
    free((char *)t->hi);
    free((char *)t->en);
    free((char *)t->hne);
}

static int good_id(const char *id)
{
    size_t n = strlen(id);
    return n && n <= SURVEY_ID_MAX &&
           strspn(id, "abcdefghijklmnopqrstuvwxyz"
                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

/* A rating's optional "labels": five row titles, best last. */
static void parse_labels(struct parse *P, survey_question *q, json_object *o)
{
    json_object *v = get(o, "labels");
    if (!v)
        return;
    if (!json_object_is_type(v, json_type_array) ||
        json_object_array_length(v) != SURVEY_RATING_MAX) {
        problem(P, q->id, "\"labels\" must be a list of %d texts, for 1 to %d", SURVEY_RATING_MAX,
                SURVEY_RATING_MAX);
        return;
    }
    for (size_t i = 0; i < SURVEY_RATING_MAX; i++) {
        json_object *wrap = json_object_new_object();
        char key[16];
        snprintf(key, sizeof key, "labels[%zu]", i);
        json_object_object_add(wrap, key, json_object_get(json_object_array_get_idx(v, i)));
        text(P, q->id, wrap, key, 1, FLOW_ROW_TITLE_MAX, &q->labels[i]);
        json_object_put(wrap);
    }
}

/* One question; its problems named by its id (or its place when it has none). */
static void parse_question(struct parse *P, survey_question *q, size_t i, json_object *o)
{
    static const char *const allowed[] = {"id",  "type", "text", "labels", "button",
                                          "yes", "no",   "max",  "note",   NULL};
    static const char *const types[] = {"rating", "yes_no", "text", NULL};
    char place[32];
    json_object *id = get(o, "id"), *type = get(o, "type"), *max = get(o, "max");
    const char *t;
    snprintf(place, sizeof place, "#%zu", i + 1);
    if (!id || !json_object_is_type(id, json_type_string) || !good_id(json_object_get_string(id)))
        problem(P, place, "\"id\" must be letters, digits or '_' (at most %d)", SURVEY_ID_MAX);
    q->id = dup(P, id && json_object_is_type(id, json_type_string) ? json_object_get_string(id)
                                                                   : place);
    if (!q->id)
        return;
    keys(P, q->id, o, allowed);
    t = type && json_object_is_type(type, json_type_string) ? json_object_get_string(type) : "";
    q->type = SURVEY_TEXT;
    for (int k = 0; types[k]; k++)
        if (strcmp(types[k], t) == 0)
            q->type = (survey_qtype)k;
    if (!type || (strcmp(t, "rating") && strcmp(t, "yes_no") && strcmp(t, "text")))
        problem(P, q->id, "\"type\" must be rating, yes_no or text (not \"%s\")", t);
    text(P, q->id, o, "text", 1,
         q->type == SURVEY_TEXT ? FLOW_TEXT_BODY_MAX : FLOW_INTERACTIVE_BODY_MAX, &q->text);
    if (q->type != SURVEY_RATING && (get(o, "labels") || get(o, "button")))
        problem(P, q->id, "\"labels\" and \"button\" are for a rating question");
    if (q->type != SURVEY_YES_NO && (get(o, "yes") || get(o, "no")))
        problem(P, q->id, "\"yes\" and \"no\" are for a yes_no question");
    if (q->type != SURVEY_TEXT && max)
        problem(P, q->id, "\"max\" is for a text question");
    parse_labels(P, q, o);
    text(P, q->id, o, "button", 0, FLOW_LIST_BUTTON_MAX, &q->button);
    text(P, q->id, o, "yes", 0, FLOW_BUTTON_TITLE_MAX, &q->yes);
    text(P, q->id, o, "no", 0, FLOW_BUTTON_TITLE_MAX, &q->no);
    q->max = SURVEY_TEXT_MAX_DEF;
    if (max && (!json_object_is_type(max, json_type_int) || json_object_get_int(max) < 1 ||
                json_object_get_int(max) > FLOW_TEXT_BODY_MAX))
        problem(P, q->id, "\"max\" must be a whole number from 1 to %d", FLOW_TEXT_BODY_MAX);
    else if (max)
        q->max = json_object_get_int(max);
}

static void parse_questions(struct parse *P, survey *s, json_object *qs)
{
    size_t n;
    if (!qs || !json_object_is_type(qs, json_type_array) || !(n = json_object_array_length(qs))) {
        problem(P, NULL, "\"questions\" must be a list of at least one question");
        return;
    }
    if (n > SURVEY_MAX_QUESTIONS) {
        problem(P, NULL, "%zu questions; a survey has at most %d", n, SURVEY_MAX_QUESTIONS);
        return;
    }
    if (!(s->q = calloc(n, sizeof *s->q))) {
        P->oom = 1;
        return;
    }
    s->nq = n;
    for (size_t i = 0; i < n && !P->oom; i++) {
        json_object *o = json_object_array_get_idx(qs, i);
        if (!json_object_is_type(o, json_type_object)) {
            char place[32];
            snprintf(place, sizeof place, "#%zu", i + 1);
            problem(P, place, "a question is an object with id, type and text");
            s->q[i].id = dup(P, place);
            continue;
        }
        parse_question(P, &s->q[i], i, o);
        for (size_t j = 0; j < i && s->q[i].id; j++)
            if (s->q[j].id && strcmp(s->q[j].id, s->q[i].id) == 0)
                problem(P, s->q[i].id, "the id is used by question #%zu too", j + 1);
    }
}

int survey_is_file(json_object *root)
{
    json_object *k = json_object_is_type(root, json_type_object) ? get(root, "kind") : NULL;
    return k && json_object_is_type(k, json_type_string) &&
           strcmp(json_object_get_string(k), "survey") == 0;
}

survey *survey_parse(json_object *root, const char *file, survey_report report, void *ud)
{
    static const char *const allowed[] = {"flow",      "kind", "intro", "thanks",
                                          "questions", "note", NULL};
    struct parse P = {file, report, ud, 0, 0};
    survey *s = calloc(1, sizeof *s);
    json_object *name = get(root, "flow");
    if (!s)
        return NULL;
    keys(&P, NULL, root, allowed);
    if (!name || !json_object_is_type(name, json_type_string) ||
        !good_id(json_object_get_string(name)))
        problem(&P, NULL, "\"flow\" (the survey's name) must be letters, digits or '_'");
    s->name = dup(&P, name ? json_object_get_string(name) : "");
    s->file = dup(&P, file);
    text(&P, NULL, root, "intro", 1, FLOW_TEXT_BODY_MAX, &s->intro);
    text(&P, NULL, root, "thanks", 1, FLOW_TEXT_BODY_MAX, &s->thanks);
    parse_questions(&P, s, get(root, "questions"));
    if (P.problems || P.oom) {
        survey_free(s);
        return NULL;
    }
    return s;
}

void survey_free(survey *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nq; i++) {
        survey_question *q = &s->q[i];
        free(q->id);
        text_free(&q->text);
        for (int k = 0; k < SURVEY_RATING_MAX; k++)
            text_free(&q->labels[k]);
        text_free(&q->yes);
        text_free(&q->no);
        text_free(&q->button);
    }
    free(s->q);
    text_free(&s->intro);
    text_free(&s->thanks);
    free(s->name);
    free(s->file);
    free(s);
}

/* ---- a flow set's surveys ---------------------------------------------------------------------
 */

const survey *survey_find(const flow_set *flows, const char *name)
{
    for (size_t i = 0; flows && name && i < flows->nsurveys; i++)
        if (strcmp(flows->surveys[i]->name, name) == 0)
            return flows->surveys[i];
    return NULL;
}

void survey_names(const flow_set *flows, char *out, size_t outsz)
{
    size_t used = 0;
    snprintf(out, outsz, "none");
    for (size_t i = 0; flows && i < flows->nsurveys && used < outsz; i++)
        used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? ", " : "",
                                 flows->surveys[i]->name);
}

int survey_question_index(const survey *s, const char *id)
{
    for (size_t i = 0; s && id && i < s->nq; i++)
        if (strcmp(s->q[i].id, id) == 0)
            return (int)i;
    return -1;
}

const char *survey_type_name(survey_qtype t)
{
    return t == SURVEY_RATING ? "rating" : t == SURVEY_YES_NO ? "yes_no" : "text";
}

/* ---- answers -----------------------------------------------------------------------------------
 */

static size_t count_words(const char *s)
{
    size_t n = 0;
    int in = 0;
    for (; *s; s++) {
        int space = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r';
        n += !space && !in;
        in = !space;
    }
    return n;
}

/* The digit of one character at s: 1..5 for "1".."5" or "१".."५" (Devanagari digits are
 * U+0966..U+096F: E0 A5 A6..AF), its length in *len; else 0. */
static int digit_1_5(const char *s, size_t *len)
{
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] >= '1' && u[0] <= '5')
        return *len = 1, u[0] - '0';
    if (u[0] == 0xE0 && u[1] == 0xA5 && u[2] >= 0xA7 && u[2] <= 0xAB)
        return *len = 3, u[2] - 0xA6;
    return 0;
}

/* A typed rating: exactly one digit 1..5 or १..५, optionally followed by '.' or '।', spaces
 * around — never "-3", "+4", "#5" or "45"; else 0. */
static int rating_typed(const char *s)
{
    static const char danda[] = "\xE0\xA5\xA4"; /* । */
    size_t len;
    int d;
    s += strspn(s, " \t\r\n");
    if (!(d = digit_1_5(s, &len)))
        return 0;
    s += len;
    if (*s == '.')
        s++;
    else if (strncmp(s, danda, 3) == 0)
        s += 3;
    s += strspn(s, " \t\r\n");
    return *s ? 0 : d;
}

/* 1 when s holds a digit (ASCII or Devanagari): "5 में से 4" tries to answer a rating. */
static int has_digit(const char *s)
{
    for (; *s; s++)
        if ((*s >= '0' && *s <= '9') ||
            ((unsigned char)s[0] == 0xE0 && (unsigned char)s[1] == 0xA5 &&
             (unsigned char)s[2] >= 0xA6 && (unsigned char)s[2] <= 0xAF))
            return 1;
    return 0;
}

int survey_exact_answer(const survey_question *q, const survey_input *in)
{
    if (in->reply_id)
        return strncmp(in->reply_id, SURVEY_REPLY_PREFIX, strlen(SURVEY_REPLY_PREFIX)) == 0;
    return in->text && q->type == SURVEY_RATING && rating_typed(in->text) > 0;
}

int survey_reply_id(char *out, size_t outsz, const char *bid, const char *qid, const char *v)
{
    int n = snprintf(out, outsz, SURVEY_REPLY_PREFIX "%s:%s:%s", bid, qid, v);
    return n > 0 && (size_t)n < outsz ? 0 : -1;
}

/* A tapped option id "sv:<bid>:<qid>:<v>" for question q of broadcast bid: its value into value,
 * SURVEY_ANSWERED; SURVEY_ASK_AGAIN when it is a survey's option but not one of this question's
 * (an old list tapped later, another broadcast's); SURVEY_LEAVE when it is not a survey's. */
static survey_verdict tapped(const survey_question *q, const char *bid, const char *id,
                             char *value, size_t valuesz)
{
    size_t p = strlen(SURVEY_REPLY_PREFIX), nb = bid ? strlen(bid) : 0, nq = strlen(q->id);
    const char *v;
    size_t len;
    if (strncmp(id, SURVEY_REPLY_PREFIX, p) != 0)
        return SURVEY_LEAVE;
    id += p;
    if (!nb || strncmp(id, bid, nb) != 0 || id[nb] != ':' || strncmp(id + nb + 1, q->id, nq) != 0 ||
        id[nb + 1 + nq] != ':')
        return SURVEY_ASK_AGAIN;
    v = id + nb + nq + 2;
    if ((q->type == SURVEY_RATING && digit_1_5(v, &len) && len == 1 && !v[1]) ||
        (q->type == SURVEY_YES_NO && (strcmp(v, "yes") == 0 || strcmp(v, "no") == 0))) {
        snprintf(value, valuesz, "%s", v);
        return SURVEY_ANSWERED;
    }
    return SURVEY_ASK_AGAIN;
}

/* The first max characters of s into value (whole UTF-8 sequences only). */
static void cut(const char *s, int max, char *value, size_t valuesz)
{
    size_t i = 0, chars = 0;
    while (s[i] && chars < (size_t)max && i + 4 < valuesz) {
        size_t len = 1;
        while ((s[i + len] & 0xC0) == 0x80)
            len++;
        i += len;
        chars++;
    }
    memcpy(value, s, i);
    value[i] = '\0';
}

/* 1 when text is a tracking number and nothing else ("BLB-2026-000123", "blb 2026 000123."),
 * its year 2000-2199: not a phone number after a word ("call 9811127701" reads as CALL-9811-...). */
static int only_tracking(const char *text)
{
    char track[32];
    const char *start, *end, *year;
    if (!officer_find_tracking(text, track, &start, &end) || !(year = strchr(track, '-')))
        return 0;
    return (strncmp(year + 1, "20", 2) == 0 || strncmp(year + 1, "21", 2) == 0) &&
           start == text + strspn(text, " \t\r\n") && end[strspn(end, " \t\r\n.!?")] == '\0';
}

/* A typed yes or no to q: "yes"/"no" into value, 1; else 0. */
static int yes_no_typed(const char *text, char *value, size_t valuesz)
{
    char norm[64];
    if (text_normalize(text, norm, sizeof norm) == 0 || !norm[0])
        return 0;
    if (!words_in(norm, words_yes) && !words_in(norm, words_no))
        return 0;
    snprintf(value, valuesz, "%s", words_in(norm, words_yes) ? "yes" : "no");
    return 1;
}

survey_verdict survey_answer(const survey_question *q, const survey_input *in, char *value,
                             size_t valuesz)
{
    size_t words;
    value[0] = '\0';
    if (in->reply_id)
        return tapped(q, in->broadcast, in->reply_id, value, valuesz);
    if (!in->text || in->media)
        return SURVEY_LEAVE; /* a photo, a voice note, a location: the desk's or the flow's */
    if (only_tracking(in->text))
        return SURVEY_LEAVE; /* a tracking number: the lookup's */
    if (q->type == SURVEY_TEXT) {
        size_t start = strspn(in->text, " \t\r\n");
        if (!in->text[start])
            return SURVEY_ASK_AGAIN;
        cut(in->text + start, q->max, value, valuesz);
        return SURVEY_ANSWERED;
    }
    if (q->type == SURVEY_RATING && rating_typed(in->text)) {
        snprintf(value, valuesz, "%d", rating_typed(in->text));
        return SURVEY_ANSWERED;
    }
    if (q->type == SURVEY_YES_NO && yes_no_typed(in->text, value, valuesz))
        return SURVEY_ANSWERED;
    words = count_words(in->text);
    if (words > SURVEY_ANSWER_WORDS && !(words <= SURVEY_TRY_WORDS && has_digit(in->text)))
        return SURVEY_LEAVE;
    return SURVEY_ASK_AGAIN;
}

int survey_start_answer(const survey_question *q, const char *text, char *value, size_t valuesz)
{
    char norm[8];
    value[0] = '\0';
    if (!text || q->type == SURVEY_TEXT)
        return 0; /* any words answer a free-text question: none of them starts a survey */
    if (q->type == SURVEY_RATING && rating_typed(text))
        return snprintf(value, valuesz, "%d", rating_typed(text)), 1;
    /* "ok" acknowledges the broadcast; it is not a yes to its first question */
    if (text_normalize(text, norm, sizeof norm) > 0 && strcmp(norm, "ok") == 0)
        return 0;
    return q->type == SURVEY_YES_NO && yes_no_typed(text, value, valuesz);
}

int survey_button_broadcast(const char *payload, char *id, size_t idsz)
{
    static const char prefix[] = "broadcast:";
    const char *digits;
    size_t n;
    if (!payload || strncmp(payload, prefix, sizeof prefix - 1) != 0)
        return 0;
    digits = payload + sizeof prefix - 1;
    n = strlen(digits);
    if (!n || n >= idsz || n > 18 || strspn(digits, "0123456789") != n)
        return 0;
    memcpy(id, digits, n + 1);
    return 1;
}

int survey_is_flow_word(const flow_set *flows, const char *text)
{
    char norm[64];
    if (!text || text_normalize(text, norm, sizeof norm) == 0 || !norm[0])
        return 0;
    if (words_in(norm, words_flow) || words_in(norm, words_menu))
        return 1;
    for (size_t i = 0; flows && i < flows->nkeywords; i++)
        if (strcmp(flows->keywords[i].word, norm) == 0)
            return 1;
    return 0;
}

int survey_menu_answer(const flow_state *menu, const char *text)
{
    char norm[64], title[128];
    if (!text || text_normalize(text, norm, sizeof norm) == 0 || !norm[0])
        return 0;
    if (strspn(norm, "0123456789") == strlen(norm))
        return 1; /* a row's number */
    for (size_t i = 0; i < menu->nchoices; i++) {
        const flow_choice *ch = &menu->choices[i];
        const char *titles[] = {ch->title.hi, ch->title.en, ch->title.hne};
        for (size_t k = 0; k < ch->nmatch; k++)
            if (strcmp(ch->match[k], norm) == 0)
                return 1;
        for (size_t k = 0; k < 3; k++)
            if (titles[k] && text_normalize(titles[k], title, sizeof title) &&
                strcmp(title, norm) == 0)
                return 1;
    }
    return 0;
}
