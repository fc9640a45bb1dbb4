/* flow.c — loading and checking flow files (see flow.h and flows/README.md).
 * Three passes: parse every file into states whose gotos are still names; resolve the
 * names; then check the graph (reachable from the start or a keyword, a way back to the
 * menu). Every problem is collected, so `flows check` reports all of them at once. */
#include "flow.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <dirent.h>
#include <pcre2.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "jsonfile.h"
#include "survey.h"
#include "text.h"
#include "vec.h"

enum edge_field {
    E_NEXT,
    E_CHOICE,
    E_ON_FAIL,
    E_SKIP,
    E_YES,
    E_NO,
    E_ON_ERROR,
    E_KEYWORD,
    E_START,
    E_MENU,
    E_FIRST_STATE,
    E_FIRST_NEXT
};

struct edge {
    size_t state; /* or keyword index for E_KEYWORD */
    size_t choice;
    enum edge_field field;
    const char *target;
};

struct priv {
    pcre2_match_context *match; /* the pattern limits, shared read-only by every thread */
    json_object **roots;
    size_t nroots;
    void **allocs;
    size_t nallocs, capallocs;
    char **names; /* file names */
    size_t nnames;
};

struct loader {
    flow_set *set;
    struct priv *p;
    size_t capstates, capkeywords;
    struct edge *edges;
    size_t nedges, capedges;
    char **problems;
    size_t nproblems, capproblems;
    const char *start_file, *menu_name, *start_name;
    const char *first_file; /* the file with "first_message" */
    const char *within;     /* a set-wide block whose fields are being read: named in problems */
    int oom;
};

/* ---- bookkeeping --------------------------------------------------------------------------- */

static void *track(struct loader *L, void *mem)
{
    struct priv *p = L->p;
    if (!mem) {
        L->oom = 1;
        return NULL;
    }
    if (vec_reserve(p->allocs, p->capallocs, p->nallocs + 1) < 0) {
        free(mem);
        L->oom = 1;
        return NULL;
    }
    p->allocs[p->nallocs++] = mem;
    return mem;
}

static void problem(struct loader *L, const char *file, const char *state, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void problem(struct loader *L, const char *file, const char *state, const char *fmt, ...)
{
    char msg[600], line[900];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!file)
        snprintf(line, sizeof line, "%s", msg);
    else if (state)
        snprintf(line, sizeof line, "%s: state \"%s\": %s", file, state, msg);
    else if (L->within)
        snprintf(line, sizeof line, "%s: %s: %s", file, L->within, msg);
    else
        snprintf(line, sizeof line, "%s: %s", file, msg);
    if (vec_reserve(L->problems, L->capproblems, L->nproblems + 1) < 0) {
        L->oom = 1;
        return;
    }
    if ((L->problems[L->nproblems] = strdup(line)))
        L->nproblems++;
}

static void add_edge(struct loader *L, size_t state, size_t choice, enum edge_field field,
                     const char *target)
{
    if (vec_reserve(L->edges, L->capedges, L->nedges + 1) < 0) {
        L->oom = 1;
        return;
    }
    L->edges[L->nedges++] = (struct edge){state, choice, field, target};
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

static int check_keys(struct loader *L, const char *file, const char *state, json_object *o,
                      const char *where, const char *const *allowed)
{
    int ok = 1;
    json_object_object_foreach(o, key, val)
    {
        int found = 0;
        (void)val;
        for (const char *const *a = allowed; *a; a++)
            found |= strcmp(*a, key) == 0;
        if (!found) {
            problem(L, file, state, "%s: unknown field \"%s\"", where, key);
            ok = 0;
        }
    }
    return ok;
}

int flow_text_read(json_object *o, const char *key, int required, size_t limit, flow_text *out,
                   flow_report report, void *ud)
{
    static const char *const langs[] = {"hi", "en", "hne", NULL};
    const char **slot[] = {&out->hi, &out->en, &out->hne};
    json_object *v = get(o, key);
    char msg[600];
    memset(out, 0, sizeof *out);
    if (!v) {
        snprintf(msg, sizeof msg, "\"%s\" is missing", key);
        if (required)
            report(ud, msg);
        return required ? -1 : 0;
    }
    if (json_object_get_type(v) != json_type_object) {
        snprintf(msg, sizeof msg, "\"%s\" must be {\"hi\": \"...\", \"en\": \"...\"}", key);
        report(ud, msg);
        return -1;
    }
    json_object_object_foreach(v, lang, val)
    {
        int i = 0;
        (void)val;
        while (langs[i] && strcmp(langs[i], lang) != 0)
            i++;
        if (!langs[i]) {
            snprintf(msg, sizeof msg, "%s: unknown field \"%s\"", key, lang);
            report(ud, msg);
        }
    }
    for (int i = 0; langs[i]; i++) {
        json_object *t = get(v, langs[i]);
        const char *s;
        msg[0] = '\0';
        if (!t) {
            if (i < 2)
                snprintf(msg, sizeof msg, "\"%s\" has no %s text (\"%s\")", key,
                         i == 0 ? "Hindi" : "English", langs[i]);
        } else if (json_object_get_type(t) != json_type_string || !*(s = json_object_get_string(t))) {
            snprintf(msg, sizeof msg, "\"%s\".%s must be a non-empty string", key, langs[i]);
        } else {
            if (limit && text_utf8_chars(s) > limit)
                snprintf(msg, sizeof msg, "\"%s\".%s is %zu characters; WhatsApp allows %zu here",
                         key, langs[i], text_utf8_chars(s), limit);
            *slot[i] = s;
        }
        if (msg[0])
            report(ud, msg);
    }
    return out->hi && out->en ? 0 : -1;
}

struct text_at {
    struct loader *L;
    const char *file, *state;
};

static void text_problem(void *ud, const char *msg)
{
    struct text_at *at = ud;
    problem(at->L, at->file, at->state, "%s", msg);
}

/* {"hi": "...", "en": "..."[, "hne": "..."]}; limit in characters (0: none). */
static int text(struct loader *L, const char *file, const char *state, json_object *o,
                const char *key, int required, size_t limit, flow_text *out)
{
    struct text_at at = {L, file, state};
    return flow_text_read(o, key, required, limit, out, text_problem, &at);
}

static const char *str_field(struct loader *L, const char *file, const char *state, json_object *o,
                             const char *key, int required)
{
    json_object *v = get(o, key);
    if (!v) {
        if (required)
            problem(L, file, state, "\"%s\" is missing", key);
        return NULL;
    }
    if (json_object_get_type(v) != json_type_string || !*json_object_get_string(v)) {
        problem(L, file, state, "\"%s\" must be a non-empty string", key);
        return NULL;
    }
    return json_object_get_string(v);
}

static int int_field(struct loader *L, const char *file, const char *state, json_object *o,
                     const char *key, int def, int lo, int hi)
{
    json_object *v = get(o, key);
    int64_t n;
    if (!v)
        return def;
    n = json_object_get_int64(v);
    if (json_object_get_type(v) != json_type_int || n < lo || n > hi) {
        problem(L, file, state, "\"%s\" must be a whole number from %d to %d", key, lo, hi);
        return def;
    }
    return (int)n;
}

static const char *normalized(struct loader *L, const char *word)
{
    size_t cap = strlen(word) + 1;
    char *out = track(L, malloc(cap));
    if (out)
        text_normalize(word, out, cap);
    return out;
}

/* ---- states -------------------------------------------------------------------------------- */

/* A choice's "match": normalized words, each with letters or digits. */
static void parse_match(struct loader *L, const char *file, const flow_state *st, flow_choice *ch,
                        json_object *match, const char *where)
{
    size_t m = json_object_get_type(match) == json_type_array ? json_object_array_length(match) : 0;
    if (json_object_get_type(match) != json_type_array)
        problem(L, file, st->name, "%s.match must be a list of words", where);
    ch->match = track(L, calloc(m + 1, sizeof *ch->match));
    for (size_t k = 0; ch->match && k < m; k++) {
        json_object *w = json_object_array_get_idx(match, k);
        const char *nw = json_object_get_type(w) == json_type_string
                             ? normalized(L, json_object_get_string(w))
                             : NULL;
        if (!nw || !*nw) {
            problem(L, file, st->name, "%s.match[%zu] must be a word with letters or digits", where,
                    k);
            continue;
        }
        ch->match[ch->nmatch++] = nw;
    }
}

/* A choice's "set": variable → string value; lang only hi, en or hne. */
static void parse_set(struct loader *L, const char *file, const flow_state *st, flow_choice *ch,
                      json_object *set, const char *where)
{
    size_t m =
        json_object_get_type(set) == json_type_object ? (size_t)json_object_object_length(set) : 0;
    if (json_object_get_type(set) != json_type_object)
        problem(L, file, st->name, "%s.set must be an object of variable: value", where);
    ch->set_keys = track(L, calloc(m + 1, sizeof *ch->set_keys));
    ch->set_values = track(L, calloc(m + 1, sizeof *ch->set_values));
    if (!ch->set_keys || !ch->set_values || !m)
        return;
    json_object_object_foreach(set, key, val)
    {
        if (json_object_get_type(val) != json_type_string) {
            problem(L, file, st->name, "%s.set.%s must be a string", where, key);
            continue;
        }
        if (strcmp(key, "lang") == 0 && strcmp(json_object_get_string(val), "hi") != 0 &&
            strcmp(json_object_get_string(val), "en") != 0 &&
            strcmp(json_object_get_string(val), "hne") != 0)
            problem(L, file, st->name, "%s.set.lang must be \"hi\", \"en\" or \"hne\"", where);
        ch->set_keys[ch->nset] = key;
        ch->set_values[ch->nset++] = json_object_get_string(val);
    }
}

/* Choice i of n (title_max: a button's or a list row's), its goto an edge of state si. */
static void parse_choice(struct loader *L, const char *file, flow_state *st, size_t si, size_t i,
                         size_t n, json_object *c)
{
    static const char *const keys[] = {"id",  "title", "description", "match",
                                       "set", "goto",  "note",        NULL};
    size_t title_max = n <= FLOW_MAX_BUTTONS ? FLOW_BUTTON_TITLE_MAX : FLOW_ROW_TITLE_MAX;
    flow_choice *ch = &st->choices[i];
    json_object *v;
    const char *g;
    char where[64];
    snprintf(where, sizeof where, "choices[%zu]", i);
    ch->next = -1;
    if (json_object_get_type(c) != json_type_object) {
        problem(L, file, st->name, "%s must be an object with id, title and goto", where);
        return;
    }
    check_keys(L, file, st->name, c, where, keys);
    ch->id = str_field(L, file, st->name, c, "id", 1);
    text(L, file, st->name, c, "title", 1, title_max, &ch->title);
    text(L, file, st->name, c, "description", 0, FLOW_ROW_DESC_MAX, &ch->description);
    if (ch->description.hi && n <= FLOW_MAX_BUTTONS)
        problem(L, file, st->name, "%s: a description shows only in lists (4 or more choices)",
                where);
    for (size_t j = 0; ch->id && j < i; j++)
        if (st->choices[j].id && strcmp(st->choices[j].id, ch->id) == 0)
            problem(L, file, st->name, "two choices have the id \"%s\"", ch->id);
    if ((v = get(c, "match")))
        parse_match(L, file, st, ch, v, where);
    if ((v = get(c, "set")))
        parse_set(L, file, st, ch, v, where);
    if ((g = str_field(L, file, st->name, c, "goto", 1)))
        add_edge(L, si, i, E_CHOICE, g);
}

static void parse_choices(struct loader *L, const char *file, flow_state *st, size_t si,
                          json_object *arr)
{
    size_t n = json_object_array_length(arr);
    if (n == 0) {
        problem(L, file, st->name, "\"choices\" is empty");
        return;
    }
    if (n > FLOW_MAX_CHOICES) {
        problem(L, file, st->name, "%zu choices: a menu offers at most %d", n, FLOW_MAX_CHOICES);
        return;
    }
    if (!(st->choices = track(L, calloc(n, sizeof *st->choices))))
        return;
    st->nchoices = n;
    for (size_t i = 0; i < n; i++)
        parse_choice(L, file, st, si, i, n, json_object_array_get_idx(arr, i));
    /* The same typed word must not pick two different choices. */
    for (size_t i = 0; i < n; i++)
        for (size_t a = 0; a < st->choices[i].nmatch; a++)
            for (size_t j = i + 1; j < n; j++)
                for (size_t b = 0; b < st->choices[j].nmatch; b++)
                    if (strcmp(st->choices[i].match[a], st->choices[j].match[b]) == 0)
                        problem(L, file, st->name,
                                "the match word \"%s\" is in two choices (%s and %s)",
                                st->choices[i].match[a],
                                st->choices[i].id ? st->choices[i].id : "?",
                                st->choices[j].id ? st->choices[j].id : "?");
}

static void parse_skip(struct loader *L, const char *file, flow_state *st, size_t si,
                       json_object *o)
{
    static const char *const keys[] = {"title", "goto", NULL};
    json_object *skip = get(o, "skip");
    const char *g;
    if (!skip)
        return;
    if (json_object_get_type(skip) != json_type_object) {
        problem(L, file, st->name, "\"skip\" must be {\"title\": {...}, \"goto\": \"state\"}");
        return;
    }
    check_keys(L, file, st->name, skip, "skip", keys);
    st->has_skip = 1;
    text(L, file, st->name, skip, "title", 1, FLOW_BUTTON_TITLE_MAX, &st->skip_title);
    if ((g = str_field(L, file, st->name, skip, "goto", 1)))
        add_edge(L, si, 0, E_SKIP, g);
}

static void parse_answer(struct loader *L, const char *file, flow_state *st, size_t si,
                         json_object *o, const char *key, flow_text *title, enum edge_field field)
{
    static const char *const keys[] = {"title", "goto", NULL};
    json_object *a = get(o, key);
    const char *g;
    if (!a || json_object_get_type(a) != json_type_object) {
        problem(L, file, st->name, "\"%s\" must be {\"title\": {...}, \"goto\": \"state\"}", key);
        return;
    }
    check_keys(L, file, st->name, a, key, keys);
    text(L, file, st->name, a, "title", 1, FLOW_BUTTON_TITLE_MAX, title);
    if ((g = str_field(L, file, st->name, a, "goto", 1)))
        add_edge(L, si, 0, field, g);
}

/* departments: {"text": {...}, "yes": {...}, "other": {...}}, the question asked instead of the
 * list when a department is suggested; its two answers are buttons. */
static void parse_suggest(struct loader *L, const char *file, flow_state *st, json_object *o)
{
    static const char *const keys[] = {"text", "yes", "other", NULL};
    json_object *sg = get(o, "suggest");
    if (!sg)
        return;
    if (json_object_get_type(sg) != json_type_object) {
        problem(L, file, st->name,
                "\"suggest\" must be {\"text\": {...}, \"yes\": {...}, \"other\": {...}}");
        return;
    }
    check_keys(L, file, st->name, sg, "suggest", keys);
    text(L, file, st->name, sg, "text", 1, FLOW_INTERACTIVE_BODY_MAX, &st->suggest_text);
    text(L, file, st->name, sg, "yes", 1, FLOW_BUTTON_TITLE_MAX, &st->suggest_yes);
    text(L, file, st->name, sg, "other", 1, FLOW_BUTTON_TITLE_MAX, &st->suggest_other);
    if (!st->suggest_yes.hi || !st->suggest_other.hi)
        st->suggest_text.hi = NULL;
}

static const char *const media_kinds[] = {"image", "audio", "video", "document", "location", NULL};

/* "accept": media kinds → FLOW_ACCEPT_* bits (bit j is media_kinds[j]). An input state takes
 * media as a whole answer, a location included (a place sent instead of a village's name). */
static void parse_accept(struct loader *L, const char *file, flow_state *st, json_object *acc)
{
    const char *kinds = "image, audio, video, document or location";
    size_t n =
        acc && json_object_get_type(acc) == json_type_array ? json_object_array_length(acc) : 0;
    if (!n)
        problem(L, file, st->name, "\"accept\" must list at least one of %s", kinds);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(acc, i);
        const char *m =
            json_object_get_type(v) == json_type_string ? json_object_get_string(v) : NULL;
        int found = 0;
        for (int j = 0; media_kinds[j]; j++)
            if (m && strcmp(m, media_kinds[j]) == 0) {
                st->accept |= 1u << j;
                found = 1;
            }
        if (!found)
            problem(L, file, st->name, "\"accept\" has \"%s\"; use %s", m ? m : "?", kinds);
    }
}

/* An input's "media_text": {"audio": {"hi", "en"}, ...}, what its var says for an accepted
 * kind of media; a kind without one leaves the var empty. */
static void parse_media_text(struct loader *L, const char *file, flow_state *st, json_object *o)
{
    json_object *mt = get(o, "media_text");
    if (!mt)
        return;
    if (json_object_get_type(mt) != json_type_object || !st->accept) {
        problem(L, file, st->name,
                "\"media_text\" must be {\"audio\": {\"hi\": \"...\", \"en\": \"...\"}, ...} "
                "for kinds the state's \"accept\" lists");
        return;
    }
    json_object_object_foreach(mt, key, val)
    {
        int j = 0;
        (void)val;
        while (media_kinds[j] && strcmp(media_kinds[j], key) != 0)
            j++;
        if (!media_kinds[j] || !(st->accept & (1u << j))) {
            problem(L, file, st->name, "\"media_text\" has \"%s\", which \"accept\" does not list",
                    key);
            continue;
        }
        if (text(L, file, st->name, mt, key, 1, FLOW_TEXT_BODY_MAX, &st->media_text[j]) < 0 ||
            !st->max)
            continue;
        for (int l = 0; l < 3; l++) {
            const char *t = l == 0   ? st->media_text[j].hi
                            : l == 1 ? st->media_text[j].en
                                     : st->media_text[j].hne;
            if (t && text_utf8_chars(t) > (size_t)st->max)
                problem(L, file, st->name,
                        "\"media_text\" \"%s\" is %zu characters; the state's \"max\" is %d", key,
                        text_utf8_chars(t), st->max);
        }
    }
}

static const char *const state_kinds[] = {"message", "menu",   "departments", "input", "media",
                                          "confirm", "action", "similar",     NULL};

/* The keys each kind of state may have, in flow_kind order. */
static const char *const message_keys[] = {"kind", "text", "goto", "note", NULL};
static const char *const menu_keys[] = {"kind", "text",    "choices", "button",
                                        "note", "adds_to", NULL};
static const char *const departments_keys[] = {"kind",    "text", "var",     "goto",    "button",
                                               "suggest", "note", "general", "adds_to", NULL};
static const char *const input_keys[] = {"kind",    "text",   "var",        "min",   "max",
                                         "pattern", "accept", "media_text", "retry", "retries",
                                         "on_fail", "skip",   "goto",       "note",  NULL};
static const char *const media_keys[] = {"kind",    "text", "accept", "var",  "retry",   "retries",
                                         "on_fail", "skip", "goto",   "note", "adds_to", NULL};
static const char *const confirm_keys[] = {"kind", "text", "yes", "no", "note", "adds_to", NULL};
static const char *const action_keys[] = {"kind", "text",     "action", "language",
                                          "goto", "on_error", "note",   NULL};
static const char *const similar_keys[] = {"kind", "text", "button",  "different", "join",
                                           "goto", "note", "on_fail", "adds_to",   NULL};
static const char *const *const state_keys[] = {message_keys, menu_keys,    departments_keys,
                                                input_keys,   media_keys,   confirm_keys,
                                                action_keys,  similar_keys};

/* The kind of the state name in file, once its name is known to be new and well formed; -1
 * (with the problem told) when the state cannot be read. */
static int state_kind(struct loader *L, const char *file, const char *name, json_object *o)
{
    flow_set *f = L->set;
    const char *kind;
    int k = -1;
    for (size_t i = 0; i < f->nstates; i++)
        if (strcmp(f->states[i].name, name) == 0) {
            problem(L, file, name, "a state of this name is already in %s", f->states[i].file);
            return -1;
        }
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            strlen(name) ||
        !*name) {
        problem(L, file, name, "state names use only letters, digits and _");
        return -1;
    }
    if (json_object_get_type(o) != json_type_object) {
        problem(L, file, name, "must be an object with a \"kind\"");
        return -1;
    }
    if (!(kind = str_field(L, file, name, o, "kind", 1)))
        return -1;
    for (int i = 0; state_kinds[i]; i++)
        if (strcmp(state_kinds[i], kind) == 0)
            k = i;
    if (k < 0)
        problem(L, file, name,
                "unknown kind \"%s\" (message, menu, departments, input, media, confirm, action)",
                kind);
    return k;
}

/* A new state of kind k at index *si, every goto unresolved; NULL when out of memory. */
static flow_state *add_state(struct loader *L, const char *file, const char *name, int k,
                             size_t *si)
{
    flow_set *f = L->set;
    flow_state *st;
    if (vec_reserve(f->states, L->capstates, f->nstates + 1) < 0) {
        L->oom = 1;
        return NULL;
    }
    *si = f->nstates++;
    st = &f->states[*si];
    memset(st, 0, sizeof *st);
    st->name = name;
    st->file = file;
    st->kind = (flow_kind)k;
    st->next = st->on_fail = st->skip_next = st->yes_next = st->no_next = st->on_error = -1;
    st->adds_state = -1;
    return st;
}

static void parse_menu(struct loader *L, const char *file, flow_state *st, size_t si,
                       json_object *o)
{
    json_object *ch = get(o, "choices");
    if (!ch || json_object_get_type(ch) != json_type_array)
        problem(L, file, st->name, "\"choices\" must be a list");
    else
        parse_choices(L, file, st, si, ch);
    text(L, file, st->name, o, "button", 0, FLOW_LIST_BUTTON_MAX, &st->button);
}

/* An input's "pattern", compiled (and JIT-compiled) once here. */
static void parse_pattern(struct loader *L, const char *file, flow_state *st)
{
    int code;
    /* A pattern's cost grows with the text it runs on: bound the text. */
    if (!st->max)
        problem(L, file, st->name,
                "\"pattern\" needs \"max\" (at most 4096 letters), so a long message "
                "cannot keep the pattern busy");
    PCRE2_SIZE off;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)st->pattern_src, PCRE2_ZERO_TERMINATED,
                                   PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
    if (!re) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(code, msg, sizeof msg);
        problem(L, file, st->name,
                "\"pattern\" is not a valid regular expression: %s (at character %zu)",
                (const char *)msg, (size_t)off);
    } else {
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        st->pattern = re;
    }
}

/* What only an input has: bounds, a pattern, and the media it takes as a whole answer. */
static void parse_input(struct loader *L, const char *file, flow_state *st, json_object *o)
{
    const char *name = st->name;
    st->min = int_field(L, file, name, o, "min", 0, 0, 4096);
    st->max = int_field(L, file, name, o, "max", 0, 0, 4096);
    if (st->max && st->min > st->max)
        problem(L, file, name, "\"min\" %d is more than \"max\" %d", st->min, st->max);
    if ((st->pattern_src = str_field(L, file, name, o, "pattern", 0)))
        parse_pattern(L, file, st);
    if (get(o, "accept"))
        parse_accept(L, file, st, get(o, "accept"));
    /* Its media lands in <var>_media_filename and the like; a session's names hold 31. */
    if (st->accept && st->var && strlen(st->var) > 16)
        problem(L, file, name,
                "\"var\" \"%s\" is longer than 16 letters; with \"accept\" its media is kept "
                "in \"%s_media_filename\", and a session's names hold 31",
                st->var, st->var);
    parse_media_text(L, file, st, o);
}

/* An input or media state: the var its answer goes to, the retry and what follows failing. */
static void parse_question(struct loader *L, const char *file, flow_state *st, size_t si,
                           json_object *o)
{
    const char *name = st->name, *g;
    st->var = str_field(L, file, name, o, "var", 1);
    text(L, file, name, o, "retry", 1, FLOW_TEXT_BODY_MAX, &st->retry);
    st->retries = int_field(L, file, name, o, "retries", 3, 1, 10);
    if ((g = str_field(L, file, name, o, "on_fail", 0)))
        add_edge(L, si, 0, E_ON_FAIL, g);
    if (st->kind == FLOW_INPUT)
        parse_input(L, file, st, o);
    else
        parse_accept(L, file, st, get(o, "accept"));
}

static void parse_action(struct loader *L, const char *file, flow_state *st, size_t si,
                         json_object *o)
{
    static const char *const actions[] = {"create_case", "lookup_case",  "helpdesk",
                                          "set_language", "end",        "find_similar",
                                          "join_case",    "subscribe",  NULL};
    const char *name = st->name, *g;
    const char *a = str_field(L, file, name, o, "action", 1);
    int found = -1;
    for (int i = 0; a && actions[i]; i++)
        if (strcmp(actions[i], a) == 0)
            found = i;
    if (a && found < 0)
        problem(L, file, name,
                "unknown action \"%s\" (create_case, lookup_case, helpdesk, set_language, end, "
                "find_similar, join_case, subscribe)",
                a);
    st->action = found < 0 ? FLOW_ACT_END : (flow_action)found;
    if (st->action == FLOW_ACT_SET_LANGUAGE) {
        st->language = str_field(L, file, name, o, "language", 1);
        if (st->language && strcmp(st->language, "hi") != 0 && strcmp(st->language, "en") != 0 &&
            strcmp(st->language, "hne") != 0)
            problem(L, file, name, "\"language\" must be \"hi\", \"en\" or \"hne\"");
    }
    if ((g = str_field(L, file, name, o, "on_error", 0)))
        add_edge(L, si, 0, E_ON_ERROR, g);
}

/* An action state that may say nothing: "end" (the live helpdesk's: its conversation takes
 * over) and "find_similar" (the list that follows says it). */
static int may_be_silent(json_object *o)
{
    json_object *a = get(o, "action");
    const char *n = json_object_get_type(a) == json_type_string ? json_object_get_string(a) : "";
    return strcmp(n, "end") == 0 || strcmp(n, "find_similar") == 0;
}

/* One state: what every kind has (kind, text, skip, goto), then its kind's own fields. */
static void parse_state(struct loader *L, const char *file, const char *name, json_object *o)
{
    flow_state *st;
    const char *g;
    size_t si;
    int k = state_kind(L, file, name, o), interactive;
    if (k < 0 || !(st = add_state(L, file, name, k, &si)))
        return;
    check_keys(L, file, name, o, "state", state_keys[k]);
    parse_skip(L, file, st, si, o);
    interactive = k == FLOW_MENU || k == FLOW_DEPARTMENTS || k == FLOW_CONFIRM ||
                  k == FLOW_SIMILAR || st->has_skip;
    text(L, file, name, o, "text", k != FLOW_ACTION || !may_be_silent(o),
         interactive ? FLOW_INTERACTIVE_BODY_MAX : FLOW_TEXT_BODY_MAX, &st->text);
    if (k != FLOW_MENU && k != FLOW_CONFIRM && (g = str_field(L, file, name, o, "goto", 1)))
        add_edge(L, si, 0, E_NEXT, g);
    if (k == FLOW_MENU || k == FLOW_DEPARTMENTS || k == FLOW_MEDIA || k == FLOW_CONFIRM ||
        k == FLOW_SIMILAR)
        st->adds_to = str_field(L, file, name, o, "adds_to", 0); /* checked by check_adds */
    switch (st->kind) {
    case FLOW_MENU:
        parse_menu(L, file, st, si, o);
        break;
    case FLOW_DEPARTMENTS:
        st->var = str_field(L, file, name, o, "var", 1);
        text(L, file, name, o, "button", 0, FLOW_LIST_BUTTON_MAX, &st->button);
        /* "general": a last row for no department in particular (the helpdesk's). */
        text(L, file, name, o, "general", 0, FLOW_BUTTON_TITLE_MAX, &st->general);
        parse_suggest(L, file, st, o);
        break;
    case FLOW_INPUT:
    case FLOW_MEDIA:
        parse_question(L, file, st, si, o);
        break;
    case FLOW_CONFIRM:
        parse_answer(L, file, st, si, o, "yes", &st->yes_title, E_YES);
        parse_answer(L, file, st, si, o, "no", &st->no_title, E_NO);
        break;
    case FLOW_ACTION:
        parse_action(L, file, st, si, o);
        break;
    case FLOW_SIMILAR:
        text(L, file, name, o, "button", 0, FLOW_LIST_BUTTON_MAX, &st->button);
        text(L, file, name, o, "different", 1, FLOW_ROW_TITLE_MAX, &st->different);
        if ((g = str_field(L, file, name, o, "join", 1)))
            add_edge(L, si, 0, E_YES, g);
        if ((g = str_field(L, file, name, o, "on_fail", 0)))
            add_edge(L, si, 0, E_ON_FAIL, g);
        break;
    default:
        break;
    }
}

/* ---- files ---------------------------------------------------------------------------------- */

static void parse_keywords(struct loader *L, const char *file, json_object *arr)
{
    flow_set *f = L->set;
    if (json_object_get_type(arr) != json_type_array) {
        problem(L, file, NULL,
                "\"keywords\" must be a list of {\"words\": [...], \"goto\": \"state\"}");
        return;
    }
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *k = json_object_array_get_idx(arr, i), *words;
        const char *g;
        char where[48];
        snprintf(where, sizeof where, "keywords[%zu]", i);
        if (json_object_get_type(k) != json_type_object || !(words = get(k, "words")) ||
            json_object_get_type(words) != json_type_array ||
            !(g = str_field(L, file, NULL, k, "goto", 1))) {
            problem(L, file, NULL, "%s must be {\"words\": [...], \"goto\": \"state\"}", where);
            continue;
        }
        for (size_t j = 0; j < json_object_array_length(words); j++) {
            json_object *w = json_object_array_get_idx(words, j);
            const char *nw = json_object_get_type(w) == json_type_string
                                 ? normalized(L, json_object_get_string(w))
                                 : NULL;
            if (!nw || !*nw) {
                problem(L, file, NULL, "%s.words[%zu] must be a word with letters or digits", where,
                        j);
                continue;
            }
            for (size_t x = 0; x < f->nkeywords; x++)
                if (strcmp(f->keywords[x].word, nw) == 0)
                    problem(L, file, NULL, "the keyword \"%s\" is listed twice",
                            json_object_get_string(w));
            if (vec_reserve(f->keywords, L->capkeywords, f->nkeywords + 1) < 0) {
                L->oom = 1;
                return;
            }
            f->keywords[f->nkeywords] = (flow_keyword){nw, -1};
            add_edge(L, f->nkeywords++, 0, E_KEYWORD, g);
        }
    }
}

/* The names of "replies", in FLOW_REPLY_* order. */
static const char *const reply_names[FLOW_REPLY_COUNT + 1] = {
    "not_understood", "unsupported",    "expired",
    "too_many_tries", "limit_messages", "limit_complaints",
    "limit_urgent",   "limit_helpdesk", "added",
    "kept",           NULL};

/* What the optional replies say when a flow set leaves them out: the shipped flows' own words
 * (flows/grievance.json), so a district's older flow set still loads after an upgrade and its
 * citizens read the same sentences (tests/test_flow.c compares the two). */
static const flow_text builtin_replies[FLOW_REPLY_COUNT] = {
    [FLOW_REPLY_LIMIT_MESSAGES] =
        {"आप बहुत जल्दी-जल्दी संदेश भेज रहे हैं। 🙏 कृपया एक मिनट रुककर फिर लिखें। इस बीच भेजे गए संदेश हमारे पास दर्ज "
         "हैं, पर उनका जवाब नहीं जाएगा।",
         "You are sending messages very fast. 🙏 Please wait a minute and write again. Messages "
         "sent meanwhile are recorded, but will not be answered.",
         NULL},
    [FLOW_REPLY_LIMIT_COMPLAINTS] =
        {"आज आप {limit} शिकायतें दर्ज कर चुके हैं, जो एक दिन की सीमा है, इसलिए यह शिकायत दर्ज *नहीं* हुई। "
         "कृपया इसे कल फिर भेजें। अपनी दर्ज शिकायतें आप 'शिकायत की स्थिति' में देख सकते हैं। जान का खतरा हो तो "
         "112 पर फोन करें।",
         "You have already filed {limit} complaints today, the limit for one day, so this "
         "complaint was *not* registered. Please send it again tomorrow. You can follow your "
         "registered complaints under 'Track a complaint'. If a life is in danger, call 112.",
         NULL},
    [FLOW_REPLY_LIMIT_URGENT] =
        {"आज इस नंबर से तत्काल शिकायतों की सीमा पूरी हो चुकी है, इसलिए यह शिकायत तत्काल समय-सीमा के साथ दर्ज "
         "की जा रही है, पर नोडल अधिकारी और कलेक्टर को तुरंत सूचना नहीं जाएगी: विभाग के अधिकारियों को यह अभी "
         "भेजी जाएगी, और समय पर हल न होने पर यह नोडल अधिकारी तक पहुँचेगी। जान का खतरा हो तो 112 पर फोन "
         "करें।",
         "Today's limit of urgent complaints from this number has been reached, so this complaint "
         "is registered with the urgent deadline but without an immediate alert to the nodal "
         "officer and the Collector: the department's officers get it now, and it goes up to the "
         "nodal officer if it is not resolved in time. If a life is in danger, call 112.",
         NULL},
    [FLOW_REPLY_LIMIT_HELPDESK] =
        {"इस घंटे आप हेल्पडेस्क को {limit} प्रश्न भेज चुके हैं, इसलिए यह प्रश्न नहीं भेजा गया। कृपया अधिकारियों के "
         "जवाब की प्रतीक्षा करें, या एक घंटे बाद फिर पूछें।",
         "You have already sent {limit} questions to the helpdesk this hour, so this one was not "
         "sent. Please wait for the officers' answer, or ask again in an hour.",
         NULL},
};

/* A list of words, normalized; a word without letters or digits is a problem. */
static const char **word_list(struct loader *L, const char *file, json_object *o, const char *key,
                              size_t *n)
{
    json_object *arr = get(o, key);
    size_t len = arr && json_object_get_type(arr) == json_type_array
                     ? json_object_array_length(arr)
                     : 0;
    const char **out = len ? track(L, calloc(len, sizeof *out)) : NULL;
    *n = 0;
    if (arr && !len)
        problem(L, file, NULL, "\"first_message\".%s must be a list of words", key);
    for (size_t i = 0; out && i < len; i++) {
        json_object *w = json_object_array_get_idx(arr, i);
        const char *nw = json_object_get_type(w) == json_type_string
                             ? normalized(L, json_object_get_string(w))
                             : NULL;
        if (!nw || !*nw)
            problem(L, file, NULL, "\"first_message\".%s[%zu] must be a word with letters", key,
                    i);
        else
            out[(*n)++] = nw;
    }
    return out;
}

/* "first_message": which input state a conversation's first message may answer (the
 * complaint's description), where that state then goes, what the citizen is told, the
 * greetings that are never a complaint and the romanised words that mark Hindi. */
static void parse_first(struct loader *L, const char *file, json_object *o)
{
    static const char *const keys[] = {"state",    "goto",          "text", "greetings",
                                       "words_hi", "problem_words", "note", NULL};
    flow_set *f = L->set;
    const char *st, *next;
    if (json_object_get_type(o) != json_type_object) {
        problem(L, file, NULL,
                "\"first_message\" must be {\"state\", \"goto\", \"text\", \"greetings\", "
                "\"words_hi\"}");
        return;
    }
    if (L->first_file) {
        problem(L, file, NULL, "\"first_message\" is also set in %s; one file sets it",
                L->first_file);
        return;
    }
    L->first_file = file;
    check_keys(L, file, NULL, o, "first_message", keys);
    f->greetings = word_list(L, file, o, "greetings", &f->ngreetings);
    f->words_hi = word_list(L, file, o, "words_hi", &f->nwords_hi);
    f->problem_words = word_list(L, file, o, "problem_words", &f->nproblem_words);
    L->within = "\"first_message\""; /* not a state's "text" or "goto": say whose */
    text(L, file, NULL, o, "text", 1, FLOW_TEXT_BODY_MAX, &f->first_text);
    if ((st = str_field(L, file, NULL, o, "state", 1)))
        add_edge(L, 0, 0, E_FIRST_STATE, st);
    if ((next = str_field(L, file, NULL, o, "goto", 1)))
        add_edge(L, 0, 0, E_FIRST_NEXT, next);
    L->within = NULL;
}

static void parse_file(struct loader *L, const char *file, json_object *root)
{
    static const char *const keys[] = {"flow",   "start", "menu",          "keywords", "replies",
                                       "states", "note",  "first_message", NULL};
    flow_set *f = L->set;
    json_object *v;
    if (json_object_get_type(root) != json_type_object) {
        problem(L, file, NULL, "a flow file is a JSON object with \"flow\" and \"states\"");
        return;
    }
    check_keys(L, file, NULL, root, "file", keys);
    str_field(L, file, NULL, root, "flow", 1);
    if ((v = get(root, "start"))) {
        const char *menu = str_field(L, file, NULL, root, "menu", 1),
                   *start = str_field(L, file, NULL, root, "start", 1);
        if (L->start_file)
            problem(L, file, NULL, "\"start\" is also set in %s; one file starts the conversation",
                    L->start_file);
        else if (start) {
            L->start_file = file;
            L->start_name = start;
            L->menu_name = menu;
            add_edge(L, 0, 0, E_START, start);
            if (menu)
                add_edge(L, 0, 0, E_MENU, menu);
        }
    } else if (get(root, "menu")) {
        problem(L, file, NULL, "\"menu\" belongs with \"start\"");
    }
    if ((v = get(root, "keywords")))
        parse_keywords(L, file, v);
    if ((v = get(root, "first_message")))
        parse_first(L, file, v);
    if ((v = get(root, "replies"))) {
        if (json_object_get_type(v) != json_type_object) {
            problem(L, file, NULL, "\"replies\" must be an object");
        } else {
            check_keys(L, file, NULL, v, "replies", reply_names);
            for (int i = 0; reply_names[i]; i++) {
                if (!get(v, reply_names[i]))
                    continue;
                if (f->replies[i].hi)
                    problem(L, file, NULL, "the reply \"%s\" is defined twice", reply_names[i]);
                text(L, file, NULL, v, reply_names[i], 1, FLOW_TEXT_BODY_MAX, &f->replies[i]);
            }
        }
    }
    if (!(v = get(root, "states")) || json_object_get_type(v) != json_type_object) {
        problem(L, file, NULL, "\"states\" must be an object of named states");
        return;
    }
    {
        json_object_object_foreach(v, name, st) parse_state(L, file, name, st);
    }
}

static int resolve(struct loader *L)
{
    flow_set *f = L->set;
    f->start = f->menu = f->first_state = f->first_next = -1;
    for (size_t i = 0; i < L->nedges; i++) {
        struct edge *e = &L->edges[i];
        int target = flow_state_index(f, e->target);
        int first = e->field == E_FIRST_STATE || e->field == E_FIRST_NEXT;
        int set_wide = first || e->field == E_KEYWORD || e->field == E_START || e->field == E_MENU;
        const char *file = first      ? L->first_file
                           : set_wide ? L->start_file
                                      : f->states[e->state].file;
        const char *state = set_wide ? NULL : f->states[e->state].name;
        if (target < 0) {
            static const char *const what[] = {
                "goto",     "goto",         "on_fail", "skip.goto", "yes.goto",
                "no.goto",  "on_error",     "keyword goto", "start", "menu",
                "first_message.state", "first_message.goto"};
            problem(L, file ? file : "flows", state, "%s \"%s\" is not a state", what[e->field],
                    e->target);
            continue;
        }
        switch (e->field) {
        case E_NEXT:
            f->states[e->state].next = target;
            break;
        case E_CHOICE:
            f->states[e->state].choices[e->choice].next = target;
            break;
        case E_ON_FAIL:
            f->states[e->state].on_fail = target;
            break;
        case E_SKIP:
            f->states[e->state].skip_next = target;
            break;
        case E_YES:
            f->states[e->state].yes_next = target;
            break;
        case E_NO:
            f->states[e->state].no_next = target;
            break;
        case E_ON_ERROR:
            f->states[e->state].on_error = target;
            break;
        case E_KEYWORD:
            f->keywords[e->state].next = target;
            break;
        case E_START:
            f->start = target;
            break;
        case E_MENU:
            f->menu = target;
            break;
        case E_FIRST_STATE:
            f->first_state = target;
            break;
        case E_FIRST_NEXT:
            f->first_next = target;
            break;
        }
    }
    return 0;
}

/* Out-edges of a state, for the graph checks; the menu stands in for unset on_fail/on_error. */
static size_t out_edges(const flow_set *f, const flow_state *st, int *out, size_t max)
{
    size_t n = 0;
#define OUT(x)                                                                                     \
    do {                                                                                           \
        if ((x) >= 0 && n < max)                                                                   \
            out[n++] = (x);                                                                        \
    } while (0)
    OUT(st->next);
    for (size_t i = 0; i < st->nchoices; i++)
        OUT(st->choices[i].next);
    OUT(st->skip_next);
    OUT(st->yes_next);
    OUT(st->no_next);
    if (st->kind == FLOW_INPUT || st->kind == FLOW_MEDIA || st->kind == FLOW_SIMILAR)
        OUT(st->on_fail >= 0 ? st->on_fail : f->menu);
    if (st->kind == FLOW_ACTION)
        OUT(st->on_error >= 0 ? st->on_error : f->menu);
    if (f->first_state >= 0 && st == &f->states[f->first_state])
        OUT(f->first_next); /* the first message answered it */
#undef OUT
    return n;
}

/* The duplicate-complaint states fit together (SPEC section 12): a "similar" list is filled by
 * the find_similar action before it (nothing else leads there: its rows would be stale), its
 * "join" is a join_case action, and find_similar says where to go when it finds nothing. */
static void check_similar(struct loader *L)
{
    flow_set *f = L->set;
    for (size_t i = 0; i < f->nstates; i++) {
        const flow_state *st = &f->states[i];
        int edges[FLOW_MAX_CHOICES + 8];
        if (st->kind == FLOW_ACTION && st->action == FLOW_ACT_FIND_SIMILAR &&
            (st->on_error < 0 || st->next < 0 || f->states[st->next].kind != FLOW_SIMILAR))
            problem(L, st->file, st->name,
                    "find_similar needs \"goto\" a state of kind similar and \"on_error\" (none "
                    "found)");
        if (st->kind == FLOW_SIMILAR && (st->yes_next < 0 ||
                                         f->states[st->yes_next].kind != FLOW_ACTION ||
                                         f->states[st->yes_next].action != FLOW_ACT_JOIN_CASE))
            problem(L, st->file, st->name, "\"join\" must name an action state of join_case");
        for (size_t k = 0, n = out_edges(f, st, edges, sizeof edges / sizeof *edges); k < n; k++)
            if (f->states[edges[k]].kind == FLOW_SIMILAR &&
                !(st->kind == FLOW_ACTION && st->action == FLOW_ACT_FIND_SIMILAR &&
                  st->next == edges[k]))
                problem(L, st->file, st->name,
                        "only a find_similar action may lead to \"%s\" (its rows come from it)",
                        f->states[edges[k]].name);
    }
}

static void check_graph(struct loader *L)
{
    flow_set *f = L->set;
    size_t n = f->nstates;
    char *seen = calloc(n ? n : 1, 1), *back = calloc(n ? n : 1, 1);
    int *stack = calloc(n ? n : 1, sizeof *stack), edges[FLOW_MAX_CHOICES + 8];
    size_t top = 0;
    if (!seen || !back || !stack) {
        L->oom = 1;
        goto out;
    }
    /* Reachable: from the start and every keyword. */
    if (f->start >= 0)
        seen[f->start] = 1, stack[top++] = f->start;
    for (size_t k = 0; k < f->nkeywords; k++)
        if (f->keywords[k].next >= 0 && !seen[f->keywords[k].next])
            seen[f->keywords[k].next] = 1, stack[top++] = f->keywords[k].next;
    while (top) {
        const flow_state *st = &f->states[stack[--top]];
        size_t m = out_edges(f, st, edges, sizeof edges / sizeof *edges);
        for (size_t i = 0; i < m; i++)
            if (!seen[edges[i]])
                seen[edges[i]] = 1, stack[top++] = edges[i];
    }
    for (size_t i = 0; i < n; i++)
        if (!seen[i])
            problem(L, f->states[i].file, f->states[i].name,
                    "no conversation reaches this state (nothing goes to it from the start or a "
                    "keyword)");
    /* A way back: to the menu, or to an end action; iterate to a fixed point. */
    if (f->menu >= 0)
        back[f->menu] = 1;
    for (size_t i = 0; i < n; i++)
        if (f->states[i].kind == FLOW_ACTION && f->states[i].action == FLOW_ACT_END)
            back[i] = 1;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t i = 0; i < n; i++) {
            size_t m;
            if (back[i])
                continue;
            m = out_edges(f, &f->states[i], edges, sizeof edges / sizeof *edges);
            for (size_t j = 0; j < m; j++)
                if (back[edges[j]]) {
                    back[i] = changed = 1;
                    break;
                }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (!back[i] && f->menu >= 0)
            problem(L, f->states[i].file, f->states[i].name,
                    "no way back to the menu from here (every path must lead to \"%s\" or an end "
                    "action)",
                    f->states[f->menu].name);
    if (f->menu >= 0) {
        int has = 0;
        for (size_t k = 0; k < f->nkeywords; k++)
            has |= f->keywords[k].next == f->menu;
        if (!has)
            problem(L, L->start_file, NULL,
                    "no keyword leads to the menu \"%s\" (add {\"words\": [\"menu\", \"मेनू\", "
                    "\"0\"], \"goto\": \"%s\"})",
                    f->states[f->menu].name, f->states[f->menu].name);
    }
out:
    free(seen);
    free(back);
    free(stack);
}

static int is_json(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0 && d->d_name[0] != '.';
}

/* The set for up to n files; -1 (and L->oom) when memory runs out. */
static int load_begin(struct loader *L, size_t n, err *e)
{
    L->set = calloc(1, sizeof *L->set);
    L->p = calloc(1, sizeof *L->p);
    if (!L->set || !L->p || !(L->p->roots = calloc(n + 1, sizeof *L->p->roots)) ||
        !(L->p->match = pcre2_match_context_create(NULL)) ||
        !(L->p->names = calloc(n + 1, sizeof *L->p->names))) {
        err_set(e, ERR_ENV, "out of memory");
        L->oom = 1;
        return -1;
    }
    L->set->priv_ = L->p;
    pcre2_set_match_limit(L->p->match, FLOW_PATTERN_MATCH_LIMIT);
    pcre2_set_depth_limit(L->p->match, FLOW_PATTERN_DEPTH_LIMIT);
    return 0;
}

/* A copy of a file's name that lives as long as the set (states point at it). */
static const char *load_name(struct loader *L, const char *name)
{
    char *copy = strdup(name);
    if (!copy) {
        L->oom = 1;
        return NULL;
    }
    L->p->names[L->p->nnames++] = copy;
    return copy;
}

static void survey_problem(void *ud, const char *line)
{
    problem(ud, NULL, NULL, "%s", line);
}

/* A survey file: checked (its problems are the set's), kept in the set; never a flow file. */
static int load_survey(struct loader *L, const char *name, json_object *root)
{
    flow_set *f = L->set;
    size_t before = L->nproblems;
    survey *s = survey_parse(root, name, survey_problem, L), **grown;
    if (!s) {
        L->oom |= L->nproblems == before;
        return 0;
    }
    for (size_t i = 0; i < f->nsurveys; i++)
        if (strcmp(f->surveys[i]->name, s->name) == 0) {
            problem(L, name, NULL, "the survey \"%s\" is also defined in %s", s->name,
                    f->surveys[i]->file);
            survey_free(s);
            return 0;
        }
    if (!(grown = realloc(f->surveys, (f->nsurveys + 1) * sizeof *grown))) {
        survey_free(s);
        L->oom = 1;
        return 0;
    }
    f->surveys = grown;
    f->surveys[f->nsurveys++] = s;
    return 0;
}

/* One file's text (NUL-terminated at text[len]): its states, or its problems. Returns 1 when it
 * was a flow file, 0 when it was not (or did not parse). */
static int load_text(struct loader *L, const char *name, const char *text_buf, size_t len)
{
    err fe = {0};
    json_object *root = jsonfile_parse(name, text_buf, len, &fe);
    if (!root) {
        problem(L, NULL, NULL, "%s", fe.msg); /* already file:line:column: ... */
        return 0;
    }
    L->p->roots[L->p->nroots++] = root;
    if (survey_is_file(root))
        return load_survey(L, name, root);
    if (json_object_get_type(root) == json_type_object && !get(root, "flow") &&
        (get(root, "district") || get(root, "departments") || get(root, "messages")))
        return 0; /* the district directory and the message catalogue live here too */
    if (json_object_get_type(root) == json_type_object && !get(root, "flow")) {
        problem(L, name, NULL, "not a flow file (no \"flow\" field)");
        return 0;
    }
    parse_file(L, name, root);
    return 1;
}

/* 1 when the complaint the menu's departments choice starts comes to the first_message state
 * before it is back at the menu. */
static int on_the_complaint(struct loader *L, const flow_state *menu)
{
    const flow_set *f = L->set;
    size_t n = f->nstates, top = 0;
    char *seen = calloc(n ? n : 1, 1);
    int *stack = calloc(n ? n : 1, sizeof *stack), edges[FLOW_MAX_CHOICES + 8], found = 0;
    if (!seen || !stack) {
        L->oom = 1;
        found = 1;
        goto out;
    }
    for (size_t i = 0; i < menu->nchoices; i++) {
        int next = menu->choices[i].next;
        if (next >= 0 && f->states[next].kind == FLOW_DEPARTMENTS && !seen[next])
            seen[next] = 1, stack[top++] = next;
    }
    while (top && !found) {
        int at = stack[--top];
        size_t m;
        if (at == f->first_state) {
            found = 1;
            break;
        }
        m = out_edges(f, &f->states[at], edges, sizeof edges / sizeof *edges);
        for (size_t i = 0; i < m; i++)
            if (edges[i] != f->menu && !seen[edges[i]])
                seen[edges[i]] = 1, stack[top++] = edges[i];
    }
out:
    free(seen);
    free(stack);
    return found;
}

/* The first message answers an input state's var, and starts at the main menu's departments
 * choice: a set without one cannot use it. */
static void check_first(struct loader *L)
{
    const flow_set *f = L->set;
    const flow_state *menu = f->menu >= 0 ? &f->states[f->menu] : NULL;
    int departments = 0;
    if (f->first_state < 0)
        return;
    if (f->states[f->first_state].kind != FLOW_INPUT || !f->states[f->first_state].var)
        problem(L, L->first_file, NULL,
                "\"first_message\".state \"%s\" must be an input state with a \"var\"",
                f->states[f->first_state].name);
    for (size_t i = 0; menu && i < menu->nchoices; i++)
        departments |= menu->choices[i].next >= 0 &&
                       f->states[menu->choices[i].next].kind == FLOW_DEPARTMENTS;
    if (!departments)
        problem(L, L->first_file, NULL,
                "\"first_message\" needs a choice of the menu that leads to a departments state "
                "(the complaint it starts)");
    /* Passing over the state to itself would ask it again, emptied: the draft lost. */
    if (f->first_next == f->first_state)
        problem(L, L->first_file, NULL,
                "\"first_message\".goto \"%s\" is its state; name the question after it",
                f->states[f->first_next].name);
    /* The complaint must come to the state, or the draft waits for a question never asked. */
    if (departments && !on_the_complaint(L, menu))
        problem(L, L->first_file, NULL,
                "\"first_message\".state \"%s\" is not on the complaint's way from the menu's "
                "departments choice: the first message would never be used",
                f->states[f->first_state].name);
}

/* "adds_to" names the var an input state asks (the complaint told), short enough for the media
 * attached to it (<var>_more<i>_filename in a session name of 31), never at the main menu (which
 * starts afresh: nothing is held there); and the set says "added" and "kept". */
static void check_adds(struct loader *L)
{
    flow_set *f = L->set;
    int any = 0;
    for (size_t i = 0; i < f->nstates; i++) {
        flow_state *st = &f->states[i];
        if (!st->adds_to)
            continue;
        any = 1;
        for (size_t j = 0; j < f->nstates && st->adds_state < 0; j++)
            if (f->states[j].kind == FLOW_INPUT && f->states[j].var &&
                strcmp(f->states[j].var, st->adds_to) == 0)
                st->adds_state = (int)j;
        if (st->adds_state < 0)
            problem(L, st->file, st->name,
                    "\"adds_to\" \"%s\" is no input state's \"var\": name the var of the question "
                    "that asks the complaint",
                    st->adds_to);
        if (strlen(st->adds_to) > 16)
            problem(L, st->file, st->name,
                    "\"adds_to\" \"%s\" is longer than 16 letters; media added are kept in "
                    "\"%s_more1_filename\" and the like, and a session's names hold 31",
                    st->adds_to, st->adds_to);
        if ((int)i == f->menu)
            problem(L, st->file, st->name,
                    "the menu cannot have \"adds_to\": it starts afresh, no complaint is held there");
    }
    for (int r = FLOW_REPLY_ADDED; any && r <= FLOW_REPLY_KEPT; r++)
        if (!f->replies[r].hi)
            problem(L, L->start_file, NULL,
                    "the reply \"%s\" is missing from \"replies\": a state has \"adds_to\"",
                    reply_names[r]);
}

/* After the last file: the set-wide checks, then the gotos and the graph. */
static void load_end(struct loader *L, const char *dir, int files)
{
    if (L->oom)
        return;
    if (!files)
        problem(L, dir, NULL, "no flow files here");
    else if (!L->start_file)
        problem(L, dir, NULL, "no flow file has \"start\": where does a conversation begin?");
    for (int i = 0; files && i < FLOW_REPLY_COUNT; i++)
        if (!L->set->replies[i].hi && i >= FLOW_REPLY_REQUIRED)
            L->set->replies[i] = builtin_replies[i];
        else if (!L->set->replies[i].hi)
            problem(L, L->start_file ? L->start_file : dir, NULL,
                    "the reply \"%s\" is missing from \"replies\"", reply_names[i]);
    resolve(L);
    check_first(L);
    check_adds(L);
    check_graph(L);
    check_similar(L);
}

/* Loads and checks; the problems stay in L. NULL only when the folder cannot be read. */
static flow_set *load(struct loader *L, const char *dir, err *e)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, is_json, alphasort), files = 0;
    if (n < 0) {
        err_set(e, ERR_USER, "%s: cannot read the flows folder", dir);
        return NULL;
    }
    if (load_begin(L, (size_t)n, e) < 0)
        goto out;
    for (int i = 0; i < n; i++) {
        char path[4096];
        size_t len;
        err fe = {0};
        char *text_buf;
        const char *name;
        snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
        if (!(name = load_name(L, path)))
            break;
        if (!(text_buf = jsonfile_read(path, &len, &fe))) {
            problem(L, NULL, NULL, "%s", fe.msg);
            continue;
        }
        files += load_text(L, name, text_buf, len);
        free(text_buf);
    }
    load_end(L, dir, files);
out:
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    if (L->oom)
        err_set(e, ERR_ENV, "out of memory loading flows");
    return L->set;
}

/* load() over texts in memory, named and ordered by the caller. */
static flow_set *load_sources(struct loader *L, const flow_source *src, size_t n, err *e)
{
    int files = 0;
    if (load_begin(L, n, e) == 0) {
        for (size_t i = 0; i < n; i++) {
            const char *name = load_name(L, src[i].name ? src[i].name : "flow.json");
            /* a private NUL-terminated copy, as jsonfile_read gives for a file */
            char *text_buf = name ? malloc(src[i].len + 1) : NULL;
            if (!text_buf) {
                L->oom = 1;
                break;
            }
            if (src[i].len)
                memcpy(text_buf, src[i].text, src[i].len);
            text_buf[src[i].len] = '\0';
            files += load_text(L, name, text_buf, src[i].len);
            free(text_buf);
        }
        load_end(L, "flows", files);
    }
    if (L->oom)
        err_set(e, ERR_ENV, "out of memory loading flows");
    return L->set;
}

static void loader_done(struct loader *L)
{
    for (size_t i = 0; i < L->nproblems; i++)
        free(L->problems[i]);
    free(L->problems);
    free(L->edges);
}

/* The set when it has no problem; else NULL + e naming the first. */
static flow_set *load_result(struct loader *L, flow_set *f, err *e)
{
    if (f && (L->nproblems || L->oom)) {
        if (!L->oom)
            err_set(e, ERR_USER, "%s%s", L->problems[0],
                    L->nproblems > 1 ? " (and more: run sampark flows check)" : "");
        flow_set_free(f);
        f = NULL;
    } else if (!f && L->set) {
        flow_set_free(L->set);
    }
    loader_done(L);
    return f;
}

flow_set *flow_set_load(const char *dir, err *e)
{
    struct loader L = {0};
    return load_result(&L, load(&L, dir, e), e);
}

flow_set *flow_set_load_sources(const flow_source *src, size_t n, err *e)
{
    struct loader L = {0};
    return load_result(&L, load_sources(&L, src, n, e), e);
}

int flow_check(const char *dir, FILE *out, err *e)
{
    struct loader L = {0};
    flow_set *f = load(&L, dir, e);
    int rc;
    if (!f) {
        loader_done(&L);
        return -1;
    }
    for (size_t i = 0; i < L.nproblems; i++)
        fprintf(out, "%s\n", L.problems[i]);
    if (L.oom) {
        rc = -1;
    } else {
        rc = (int)L.nproblems;
        if (!rc)
            fprintf(out, "%s: %zu states, %zu survey%s, %zu keywords: ok\n", dir, f->nstates,
                    f->nsurveys, f->nsurveys == 1 ? "" : "s", f->nkeywords);
    }
    flow_set_free(f);
    loader_done(&L);
    return rc;
}

void flow_set_free(flow_set *f)
{
    struct priv *p;
    if (!f)
        return;
    for (size_t i = 0; i < f->nstates; i++)
        pcre2_code_free(f->states[i].pattern);
    if ((p = f->priv_)) {
        pcre2_match_context_free(p->match);
        for (size_t i = 0; i < p->nroots; i++)
            json_object_put(p->roots[i]);
        for (size_t i = 0; i < p->nallocs; i++)
            free(p->allocs[i]);
        for (size_t i = 0; i < p->nnames; i++)
            free(p->names[i]);
        free(p->roots);
        free(p->allocs);
        free(p->names);
        free(p);
    }
    for (size_t i = 0; i < f->nsurveys; i++)
        survey_free(f->surveys[i]);
    free(f->surveys);
    free(f->states);
    free(f->keywords);
    free(f);
}

int flow_match(const flow_set *f, const flow_state *st, const char *txt)
{
    const struct priv *p = f->priv_;
    pcre2_match_data *md;
    int rc;
    if (!st->pattern)
        return 1;
    if (!(md = pcre2_match_data_create_from_pattern(st->pattern, NULL)))
        return PCRE2_ERROR_NOMEMORY;
    rc = pcre2_match(st->pattern, (PCRE2_SPTR)txt, strlen(txt), 0, 0, md, p->match);
    pcre2_match_data_free(md);
    return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : rc;
}

int flow_state_index(const flow_set *f, const char *name)
{
    for (size_t i = 0; i < f->nstates; i++)
        if (strcmp(f->states[i].name, name) == 0)
            return (int)i;
    return -1;
}

const char *flow_text_get(const flow_text *t, const char *lang)
{
    if (lang && strcmp(lang, "en") == 0 && t->en)
        return t->en;
    if (lang && strcmp(lang, "hne") == 0 && t->hne)
        return t->hne;
    return t->hi ? t->hi : t->en ? t->en : "";
}
