/* directory.c — parsing, validating and storing the district directory (see directory.h).
 * Validation is strict and names the exact field, because a collectorate's IT officer edits
 * this file by hand; unknown fields are refused so a typo never silently drops a setting. */
#include "directory.h"

#include <ctype.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "engine.h"
#include "jsonfile.h"
#include "log.h"
#include "text.h"

struct ctx {
    const char *src;
    err *e;
};

struct priv {
    json_object *root;
    void *allocs[512]; /* arrays behind the struct's pointers: two per department at most,
                        * one per helpdesk slot (ROSTER_MAX_SLOTS in each list) */
    size_t nallocs;
};

static int fail(struct ctx *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, const char *path, const char *fmt, ...)
{
    char msg[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(c->e, ERR_USER, "%s: %s: %s", c->src, path, msg);
}

static void *track(struct priv *p, void *mem)
{
    if (mem && p->nallocs < sizeof p->allocs / sizeof p->allocs[0]) {
        p->allocs[p->nallocs++] = mem;
        return mem;
    }
    free(mem);
    return NULL;
}

static int check_keys(struct ctx *c, json_object *obj, const char *path, const char *const *allowed)
{
    json_object_object_foreach(obj, key, val)
    {
        (void)val;
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            if (strcmp(*a, key) == 0)
                ok = 1;
        if (!ok)
            return fail(c, path, "unknown field \"%s\"", key);
    }
    return 0;
}

static json_object *member(struct ctx *c, json_object *obj, const char *path, const char *key,
                           json_type type, int required, int *rc)
{
    static const char *const names[] = {"null",      "true/false", "a number", "a number",
                                        "an object", "a list",     "a string"};
    json_object *v = NULL;
    *rc = 0;
    if (!json_object_object_get_ex(obj, key, &v) || json_object_get_type(v) == json_type_null) {
        if (required)
            *rc = fail(c, path, "\"%s\" is missing", key);
        return NULL;
    }
    if (json_object_get_type(v) != type &&
        !(type == json_type_int && json_object_get_type(v) == json_type_double)) {
        *rc = fail(c, path, "\"%s\" must be %s", key, names[type]);
        return NULL;
    }
    return v;
}

static int is_phone(const char *s)
{
    size_t n = strlen(s);
    if (n < 8 || n > 15)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int known_language(const char *s)
{
    return strcmp(s, "hi") == 0 || strcmp(s, "en") == 0 || strcmp(s, "hne") == 0;
}

/* A positive whole number of hours, at most a year. */
static int hours(struct ctx *c, json_object *obj, const char *path, const char *key, int required,
                 int *out)
{
    int rc;
    json_object *v = member(c, obj, path, key, json_type_int, required, &rc);
    *out = 0;
    if (rc < 0 || !v)
        return rc;
    if (json_object_get_type(v) != json_type_int || json_object_get_int64(v) <= 0 ||
        json_object_get_int64(v) > 8760)
        return fail(c, path, "\"%s\" must be a whole number of hours from 1 to 8760, got %s", key,
                    json_object_to_json_string(v));
    *out = (int)json_object_get_int64(v);
    return 0;
}

/* {"en": "...", "hi": "..."}: en and hi required, every key a declared language, each text
 * non-empty and at most maxchars Unicode characters (WhatsApp counts characters). */
static int names(struct ctx *c, const directory *d, json_object *obj, const char *path,
                 const char *key, int required, size_t maxchars, const char **json_out,
                 const char **en, const char **hi)
{
    int rc;
    char sub[256];
    json_object *v = member(c, obj, path, key, json_type_object, required, &rc);
    *json_out = NULL;
    if (rc < 0 || !v)
        return rc;
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    json_object_object_foreach(v, lang, text)
    {
        size_t i;
        for (i = 0; i < d->nlanguages; i++)
            if (strcmp(d->languages[i], lang) == 0)
                break;
        if (i == d->nlanguages)
            return fail(c, sub, "language \"%s\" is not among the district's languages", lang);
        if (json_object_get_type(text) != json_type_string ||
            json_object_get_string_len(text) == 0 ||
            strspn(json_object_get_string(text), " \t\r\n") ==
                (size_t)json_object_get_string_len(text))
            return fail(c, sub, "\"%s\" must be a non-empty string", lang);
        if (!text_utf8_valid(json_object_get_string(text),
                             (size_t)json_object_get_string_len(text)))
            return fail(c, sub, "\"%s\" is not valid UTF-8", lang);
        if (text_utf8_chars(json_object_get_string(text)) > maxchars)
            return fail(c, sub, "\"%s\" is %zu characters; at most %zu fit here", lang,
                        text_utf8_chars(json_object_get_string(text)), maxchars);
    }
    {
        json_object *t;
        if (!json_object_object_get_ex(v, "en", &t))
            return fail(c, sub, "needs an English (\"en\") text");
        if (en)
            *en = json_object_get_string(t);
        if (!json_object_object_get_ex(v, "hi", &t))
            return fail(c, sub, "needs a Hindi (\"hi\") text");
        if (hi)
            *hi = json_object_get_string(t);
    }
    *json_out = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
    return 0;
}

/* A list of unique WhatsApp phone ids; at least one when required. */
static int phones(struct ctx *c, struct priv *p, json_object *obj, const char *path,
                  const char *key, const char ***out, size_t *n)
{
    int rc;
    char sub[256];
    json_object *v = member(c, obj, path, key, json_type_array, 1, &rc);
    size_t len;
    if (rc < 0)
        return rc;
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    len = json_object_array_length(v);
    if (len == 0)
        return fail(c, sub, "needs at least one phone");
    if (!(*out = track(p, calloc(len, sizeof **out))))
        return err_set(c->e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < len; i++) {
        json_object *ph = json_object_array_get_idx(v, i);
        const char *s = json_object_get_string(ph);
        if (json_object_get_type(ph) != json_type_string || !is_phone(s))
            return fail(c, sub,
                        "[%zu] %s is not a WhatsApp id (country code and number, 8 to 15 digits, "
                        "no + or spaces)",
                        i, json_object_to_json_string(ph));
        for (size_t j = 0; j < i; j++)
            if (strcmp((*out)[j], s) == 0)
                return fail(c, sub, "%s is listed twice", s);
        (*out)[i] = s;
    }
    *n = len;
    return 0;
}

/* One "keywords" entry: "word" or {"word": "...", "weight": N}. */
static int parse_keyword(struct ctx *c, json_object *v, const char *path, directory_keyword *kw)
{
    static const char *const keys[] = {"word", "weight", NULL};
    char norm[4 * DIRECTORY_KEYWORD_MAX_CHARS + 1];
    json_object *w = v, *wt;
    int rc;
    kw->weight = 1;
    if (json_object_get_type(v) == json_type_object) {
        if (check_keys(c, v, path, keys) < 0 ||
            !(w = member(c, v, path, "word", json_type_string, 1, &rc)))
            return -1;
        if ((wt = member(c, v, path, "weight", json_type_int, 0, &rc))) {
            if (json_object_get_type(wt) != json_type_int || json_object_get_int64(wt) < 1 ||
                json_object_get_int64(wt) > 10)
                return fail(c, path, "\"weight\" must be a whole number from 1 to 10, got %s",
                            json_object_to_json_string(wt));
            kw->weight = (int)json_object_get_int64(wt);
            kw->weighted = 1;
        } else if (rc < 0)
            return -1;
    } else if (json_object_get_type(v) != json_type_string)
        return fail(c, path, "must be a word (a string) or {\"word\": ..., \"weight\": 1 to 10}");
    kw->word = json_object_get_string(w);
    if (!text_utf8_valid(kw->word, (size_t)json_object_get_string_len(w)))
        return fail(c, path, "is not valid UTF-8");
    if (text_utf8_chars(kw->word) > DIRECTORY_KEYWORD_MAX_CHARS)
        return fail(c, path, "\"%s\" is %zu characters; a keyword has at most %d", kw->word,
                    text_utf8_chars(kw->word), DIRECTORY_KEYWORD_MAX_CHARS);
    if (text_normalize(kw->word, norm, sizeof norm) == 0)
        return fail(c, path, "is empty; a keyword needs at least one letter");
    return 0;
}

/* "keywords": words that suggest the department (engine_suggest_department), kept in the
 * canonical form [{"word":..,"weight":N}] for the database. */
static int parse_keywords(struct ctx *c, struct priv *p, json_object *obj, const char *path,
                          directory_department *dep)
{
    char sub[192];
    int rc;
    json_object *v = member(c, obj, path, "keywords", json_type_array, 0, &rc), *out;
    if (rc < 0 || !v)
        return rc;
    snprintf(sub, sizeof sub, "%s: \"keywords\"", path);
    dep->nkeywords = json_object_array_length(v);
    if (dep->nkeywords > DIRECTORY_KEYWORDS_MAX)
        return fail(c, sub, "has %zu words; a department has at most %d", dep->nkeywords,
                    DIRECTORY_KEYWORDS_MAX);
    if (dep->nkeywords == 0)
        return 0;
    if (!(dep->keywords = track(p, calloc(dep->nkeywords, sizeof *dep->keywords))) ||
        !(out = json_object_new_array()))
        return err_set(c->e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < dep->nkeywords; i++) {
        char kpath[224];
        json_object *o = json_object_new_object();
        snprintf(kpath, sizeof kpath, "%s[%zu]", sub, i);
        if (!o || parse_keyword(c, json_object_array_get_idx(v, i), kpath, &dep->keywords[i]) < 0) {
            json_object_put(o);
            json_object_put(out);
            return o ? -1 : err_set(c->e, ERR_ENV, "out of memory");
        }
        json_object_object_add(o, "word", json_object_new_string(dep->keywords[i].word));
        json_object_object_add(o, "weight", json_object_new_int(dep->keywords[i].weight));
        json_object_array_add(out, o);
    }
    dep->keywords_json =
        track(p, strdup(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN)));
    json_object_put(out);
    return dep->keywords_json ? 0 : err_set(c->e, ERR_ENV, "out of memory");
}

/* A keyword (compared after text_normalize) may suggest two departments only when both give
 * it a weight and the weights differ: the higher one wins. Anything else would be a guess. */
static int check_shared_keywords(struct ctx *c, const directory *d, size_t j)
{
    const directory_department *b = &d->departments[j];
    for (size_t k = 0; k < b->nkeywords; k++) {
        char nb[4 * DIRECTORY_KEYWORD_MAX_CHARS + 1], path[224];
        text_normalize(b->keywords[k].word, nb, sizeof nb);
        snprintf(path, sizeof path, "departments[%zu] (%s): \"keywords\"[%zu]", j, b->code, k);
        for (size_t i = 0; i < j; i++) {
            const directory_department *a = &d->departments[i];
            for (size_t m = 0; m < a->nkeywords; m++) {
                const directory_keyword *ka = &a->keywords[m], *kb = &b->keywords[k];
                char na[sizeof nb];
                text_normalize(ka->word, na, sizeof na);
                if (strcmp(na, nb) != 0)
                    continue;
                if (!ka->weighted || !kb->weighted)
                    return fail(c, path,
                                "\"%s\" is also a keyword of departments[%zu] (%s); give it a "
                                "\"weight\" in both (the higher one wins) or keep it in one",
                                kb->word, i, a->code);
                if (ka->weight == kb->weight)
                    return fail(c, path,
                                "\"%s\" has weight %d here and in departments[%zu] (%s); "
                                "equal weights cannot say which department it suggests",
                                kb->word, kb->weight, i, a->code);
            }
        }
    }
    return 0;
}

/* The menu shows a department by its "short" name, else by its name, cut after a whole word
 * when longer than a row (the full name then goes in the row's description): only a name whose
 * first word alone fills the row, with no "short" name, cannot be shown. */
static int check_showable(struct ctx *c, const directory_department *dep, json_object *obj,
                          const char *path)
{
    json_object *name;
    char sub[160];
    if (dep->short_json || !json_object_object_get_ex(obj, "name", &name))
        return 0;
    snprintf(sub, sizeof sub, "%s.name", path);
    json_object_object_foreach(name, lang, text)
    {
        char cut[4 * DIRECTORY_NAME_MAX_CHARS + 8];
        if (text_cut_words(json_object_get_string(text), FLOW_ROW_TITLE_MAX, cut, sizeof cut) < 0)
            return fail(c, sub,
                        "\"%s\" cannot be cut at a word within a menu row's %d characters; add a "
                        "\"short\" name (at most %d characters, in each language) for the menu",
                        lang, FLOW_ROW_TITLE_MAX, FLOW_ROW_TITLE_MAX);
    }
    return 0;
}

static int parse_department(struct ctx *c, struct priv *p, directory *d, json_object *obj,
                            size_t idx, directory_department *dep)
{
    static const char *const keys[] = {"code",      "name",      "short",    "description",
                                       "sla_hours", "urgent",    "officers", "keywords",
                                       "subject",   "open_data", NULL};
    char path[128];
    int rc;
    json_object *v, *offs;
    snprintf(path, sizeof path, "departments[%zu]", idx);
    if (json_object_get_type(obj) != json_type_object)
        return fail(c, path, "must be an object with code, name, sla_hours and officers");
    if (!(v = member(c, obj, path, "code", json_type_string, 1, &rc)))
        return -1;
    dep->code = json_object_get_string(v);
    {
        size_t n = strlen(dep->code);
        int ok = n >= 2 && n <= 16 && isupper((unsigned char)dep->code[0]);
        for (size_t i = 0; ok && i < n; i++)
            ok = isupper((unsigned char)dep->code[i]) || isdigit((unsigned char)dep->code[i]) ||
                 dep->code[i] == '_';
        if (!ok)
            return fail(
                c, path,
                "code \"%s\" must be 2 to 16 capital letters, digits or _, starting with a letter",
                dep->code);
    }
    snprintf(path, sizeof path, "departments[%zu] (%s)", idx, dep->code);
    if (check_keys(c, obj, path, keys) < 0 ||
        names(c, d, obj, path, "name", 1, DIRECTORY_NAME_MAX_CHARS, &dep->name_json, &dep->name_en,
              &dep->name_hi) < 0 ||
        names(c, d, obj, path, "short", 0, FLOW_ROW_TITLE_MAX, &dep->short_json, NULL, NULL) < 0 ||
        check_showable(c, dep, obj, path) < 0 ||
        names(c, d, obj, path, "description", 0, FLOW_ROW_DESC_MAX, &dep->description_json, NULL,
              NULL) < 0 ||
        names(c, d, obj, path, "subject", 0, DIRECTORY_SUBJECT_MAX_CHARS, &dep->subject_json, NULL,
              NULL) < 0 ||
        hours(c, obj, path, "sla_hours", 0, &dep->sla_hours) < 0 ||
        parse_keywords(c, p, obj, path, dep) < 0)
        return -1;
    v = member(c, obj, path, "urgent", json_type_boolean, 0, &rc);
    if (rc < 0)
        return -1;
    dep->urgent = v ? json_object_get_boolean(v) : 0;
    v = member(c, obj, path, "open_data", json_type_string, 0, &rc);
    if (rc < 0)
        return -1;
    if (v && strcmp(json_object_get_string(v), "listed") != 0 &&
        strcmp(json_object_get_string(v), "counts") != 0)
        return fail(c, path,
                    "open_data \"%.40s\" must be \"listed\" (its cases are Open311 requests, the "
                    "default) or \"counts\" (only counted in the public figures)",
                    json_object_get_string(v));
    dep->open_data_counts = v && strcmp(json_object_get_string(v), "counts") == 0;
    if (!(offs = member(c, obj, path, "officers", json_type_array, 1, &rc)))
        return -1;
    dep->nofficers = json_object_array_length(offs);
    if (dep->nofficers == 0)
        return fail(c, path, "needs at least one officer, or its complaints would reach nobody");
    if (!(dep->officers = track(p, calloc(dep->nofficers, sizeof *dep->officers))))
        return err_set(c->e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < dep->nofficers; i++) {
        static const char *const okeys[] = {"phone", "name", NULL};
        json_object *o = json_object_array_get_idx(offs, i);
        char opath[192];
        json_object *ph, *nm;
        snprintf(opath, sizeof opath, "%s.officers[%zu]", path, i);
        if (json_object_get_type(o) != json_type_object)
            return fail(c, opath, "must be an object with phone and name");
        if (check_keys(c, o, opath, okeys) < 0 ||
            !(ph = member(c, o, opath, "phone", json_type_string, 1, &rc)) ||
            !(nm = member(c, o, opath, "name", json_type_string, 1, &rc)))
            return -1;
        dep->officers[i].phone = json_object_get_string(ph);
        dep->officers[i].name = json_object_get_string(nm);
        if (!is_phone(dep->officers[i].phone))
            return fail(c, opath,
                        "phone \"%s\" is not a WhatsApp id (country code and number, 8 to 15 "
                        "digits, no + or spaces)",
                        dep->officers[i].phone);
        if (!*dep->officers[i].name ||
            !text_utf8_valid(dep->officers[i].name, strlen(dep->officers[i].name)))
            return fail(c, opath, "name must be non-empty UTF-8 text");
        for (size_t j = 0; j < i; j++)
            if (strcmp(dep->officers[j].phone, dep->officers[i].phone) == 0)
                return fail(c, opath, "phone %s is listed twice in this department",
                            dep->officers[i].phone);
    }
    return 0;
}

static int parse_languages(struct ctx *c, struct priv *p, directory *d, json_object *root)
{
    int rc;
    json_object *v = member(c, root, "directory", "languages", json_type_array, 1, &rc);
    if (!v)
        return -1;
    d->nlanguages = json_object_array_length(v);
    if (!(d->languages = track(p, calloc(d->nlanguages + 1, sizeof *d->languages))))
        return err_set(c->e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < d->nlanguages; i++) {
        json_object *l = json_object_array_get_idx(v, i);
        char path[32];
        snprintf(path, sizeof path, "languages[%zu]", i);
        if (json_object_get_type(l) != json_type_string ||
            !known_language(json_object_get_string(l)))
            return fail(c, path, "unknown language %s (known: " DIRECTORY_LANGUAGES ")",
                        json_object_to_json_string(l));
        d->languages[i] = json_object_get_string(l);
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->languages[j], d->languages[i]) == 0)
                return fail(c, path, "\"%s\" is listed twice", d->languages[i]);
    }
    for (const char *const *need = (const char *const[]){"hi", "en", NULL}; *need; need++) {
        size_t i;
        for (i = 0; i < d->nlanguages; i++)
            if (strcmp(d->languages[i], *need) == 0)
                break;
        if (i == d->nlanguages)
            return fail(
                c, "languages",
                "must include \"%s\": everything a citizen sees exists in Hindi and English",
                *need);
    }
    return 0;
}

static int parse_escalation(struct ctx *c, struct priv *p, directory *d, json_object *root)
{
    static const char *const keys[] = {"nodal", "collector", NULL};
    static const char *const lkeys[] = {"phones", "after_hours", NULL};
    int rc;
    json_object *esc = member(c, root, "directory", "escalation", json_type_object, 1, &rc), *lv;
    if (!esc || check_keys(c, esc, "escalation", keys) < 0)
        return -1;
    if (!(lv = member(c, esc, "escalation", "nodal", json_type_object, 1, &rc)) ||
        check_keys(c, lv, "escalation.nodal", lkeys) < 0 ||
        phones(c, p, lv, "escalation.nodal", "phones", &d->nodal_phones, &d->nnodal) < 0 ||
        hours(c, lv, "escalation.nodal", "after_hours", 1, &d->nodal_after_hours) < 0)
        return -1;
    if (!(lv = member(c, esc, "escalation", "collector", json_type_object, 1, &rc)) ||
        check_keys(c, lv, "escalation.collector", lkeys) < 0 ||
        phones(c, p, lv, "escalation.collector", "phones", &d->collector_phones, &d->ncollector) <
            0 ||
        hours(c, lv, "escalation.collector", "after_hours", 1, &d->collector_after_hours) < 0)
        return -1;
    if (d->collector_after_hours <= d->nodal_after_hours)
        return fail(c, "escalation.collector.after_hours",
                    "%d must be later than escalation.nodal.after_hours (%d): the collector is the "
                    "second level",
                    d->collector_after_hours, d->nodal_after_hours);
    return 0;
}

static int parse_digest(struct ctx *c, struct priv *p, directory *d, json_object *root)
{
    static const char *const keys[] = {"phones", "daily_at", "weekly_day", "timezone", NULL};
    static const char *const days[] = {"monday", "tuesday",  "wednesday", "thursday",
                                       "friday", "saturday", "sunday"};
    int rc, ok = 0;
    json_object *dg = member(c, root, "directory", "digest", json_type_object, 1, &rc), *v;
    if (!dg || check_keys(c, dg, "digest", keys) < 0 ||
        phones(c, p, dg, "digest", "phones", &d->digest_phones, &d->ndigest) < 0)
        return -1;
    if (!(v = member(c, dg, "digest", "daily_at", json_type_string, 1, &rc)))
        return -1;
    d->daily_at = json_object_get_string(v);
    if (strlen(d->daily_at) != 5 || !isdigit((unsigned char)d->daily_at[0]) ||
        !isdigit((unsigned char)d->daily_at[1]) || d->daily_at[2] != ':' ||
        !isdigit((unsigned char)d->daily_at[3]) || !isdigit((unsigned char)d->daily_at[4]) ||
        atoi(d->daily_at) > 23 || atoi(d->daily_at + 3) > 59)
        return fail(c, "digest.daily_at", "\"%s\" must be a 24-hour time HH:MM, like \"18:00\"",
                    d->daily_at);
    if (!(v = member(c, dg, "digest", "weekly_day", json_type_string, 1, &rc)))
        return -1;
    d->weekly_day = json_object_get_string(v);
    for (size_t i = 0; i < 7; i++)
        ok |= strcmp(days[i], d->weekly_day) == 0;
    if (!ok)
        return fail(c, "digest.weekly_day", "\"%s\" must be a day in lower case, monday to sunday",
                    d->weekly_day);
    v = member(c, dg, "digest", "timezone", json_type_string, 0, &rc);
    if (rc < 0)
        return -1;
    d->timezone = v ? json_object_get_string(v) : "Asia/Kolkata";
    ok = *d->timezone && d->timezone[0] != '/';
    for (const char *s = d->timezone; ok && *s; s++)
        ok = isalnum((unsigned char)*s) || strchr("/_+-", *s);
    if (!ok || strstr(d->timezone, ".."))
        return fail(c, "digest.timezone", "\"%s\" is not a time-zone name like \"Asia/Kolkata\"",
                    d->timezone);
    return 0;
}

/* A template's approved name and WhatsApp language code, as Meta spells them. */
static int template_name_lang(struct ctx *c, const char *path, json_object *nm, json_object *lang)
{
    const char *s = json_object_get_string(nm);
    if (!*s || strlen(s) > 512 || strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(s))
        return fail(c, path,
                    "name \"%s\" must be the approved template's name: lower-case letters, "
                    "digits and _",
                    s);
    s = json_object_get_string(lang);
    if (!(strlen(s) == 2 || (strlen(s) == 5 && s[2] == '_' && isupper((unsigned char)s[3]) &&
                             isupper((unsigned char)s[4]))) ||
        !islower((unsigned char)s[0]) || !islower((unsigned char)s[1]))
        return fail(c, path,
                    "language \"%s\" must be a WhatsApp template language code such as \"hi\" "
                    "or \"en_US\"",
                    s);
    return 0;
}

static int parse_templates(struct ctx *c, directory *d, json_object *root)
{
    /* login_code (the portal's code outside the 24-hour window) is optional: without it an
     * official whose window is closed gets no code (README: the portal). */
    static const char *const kinds[] = {"officer_new_case", "citizen_update", "digest",
                                        "login_code", NULL};
    static const char *const tkeys[] = {"name", "language", NULL};
    int rc;
    json_object *t = member(c, root, "directory", "templates", json_type_object, 1, &rc);
    if (!t || check_keys(c, t, "templates", kinds) < 0)
        return -1;
    for (const char *const *k = kinds; *k; k++) {
        char path[64];
        json_object *tpl, *nm, *lang;
        snprintf(path, sizeof path, "templates.%s", *k);
        if (strcmp(*k, "login_code") == 0 && !json_object_object_get_ex(t, *k, NULL))
            continue;
        if (!(tpl = member(c, t, "templates", *k, json_type_object, 1, &rc)) ||
            check_keys(c, tpl, path, tkeys) < 0 ||
            !(nm = member(c, tpl, path, "name", json_type_string, 1, &rc)) ||
            !(lang = member(c, tpl, path, "language", json_type_string, 1, &rc)))
            return -1;
        if (template_name_lang(c, path, nm, lang) < 0)
            return -1;
    }
    d->templates_json = json_object_to_json_string_ext(t, JSON_C_TO_STRING_PLAIN);
    return 0;
}

/* One entry of "broadcast_templates": {"name", "language", "params": [names], "buttons":
 * [quick-reply texts]} — the parameters' names are what `broadcast create` asks --param for. */
static int parse_broadcast_template(struct ctx *c, json_object *tpl, size_t i)
{
    static const char *const keys[] = {"name", "language", "params", "buttons", NULL};
    char path[64];
    int rc;
    json_object *nm, *lang, *params, *buttons;
    snprintf(path, sizeof path, "broadcast_templates[%zu]", i);
    if (json_object_get_type(tpl) != json_type_object)
        return fail(c, path, "must be an object with name, language, params and buttons");
    if (check_keys(c, tpl, path, keys) < 0 ||
        !(nm = member(c, tpl, path, "name", json_type_string, 1, &rc)) ||
        !(lang = member(c, tpl, path, "language", json_type_string, 1, &rc)) ||
        template_name_lang(c, path, nm, lang) < 0)
        return -1;
    params = member(c, tpl, path, "params", json_type_array, 0, &rc);
    if (rc < 0 || (buttons = member(c, tpl, path, "buttons", json_type_array, 0, &rc), rc < 0))
        return -1;
    for (size_t k = 0; params && k < json_object_array_length(params); k++) {
        json_object *v = json_object_array_get_idx(params, k);
        if (json_object_get_type(v) != json_type_string || !*json_object_get_string(v))
            return fail(c, path, "params[%zu] must be the parameter's name, a non-empty string", k);
    }
    if (buttons && json_object_array_length(buttons) > 3)
        return fail(c, path, "has %zu buttons; a template has at most 3 quick replies",
                    json_object_array_length(buttons));
    for (size_t k = 0; buttons && k < json_object_array_length(buttons); k++) {
        json_object *v = json_object_array_get_idx(buttons, k);
        if (json_object_get_type(v) != json_type_string || !*json_object_get_string(v) ||
            text_utf8_chars(json_object_get_string(v)) > 25)
            return fail(c, path, "buttons[%zu] must be a quick reply's text, 1 to 25 letters", k);
    }
    return 0;
}

/* "broadcast_templates", optional: the templates `sampark broadcast create` may send. */
static int parse_broadcast_templates(struct ctx *c, directory *d, json_object *root)
{
    int rc;
    json_object *list =
        member(c, root, "directory", "broadcast_templates", json_type_array, 0, &rc);
    if (rc < 0)
        return -1;
    d->broadcast_templates_json = "[]";
    if (!list)
        return 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        const char *name;
        if (parse_broadcast_template(c, json_object_array_get_idx(list, i), i) < 0)
            return -1;
        name = json_object_get_string(
            json_object_object_get(json_object_array_get_idx(list, i), "name"));
        for (size_t j = 0; j < i; j++)
            if (strcmp(name, json_object_get_string(json_object_object_get(
                                 json_object_array_get_idx(list, j), "name"))) == 0) {
                char path[64];
                snprintf(path, sizeof path, "broadcast_templates[%zu]", i);
                return fail(c, path, "duplicate template name \"%s\" (also [%zu])", name, j);
            }
    }
    d->broadcast_templates_json = json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN);
    return 0;
}

/* "urgent": {"keywords": [...], "sla_hours": 4}, optional: words in a complaint that make it
 * urgent (matched anywhere, any case), and the short SLA urgent cases get. */
static int parse_urgent(struct ctx *c, struct priv *p, directory *d, json_object *root)
{
    static const char *const keys[] = {"keywords", "sla_hours", NULL};
    static const char *const defaults[] = {
        "आग",     "आगजनी",  "fire",     "बाढ़", "flood", "दंगा", "riot",       "हत्या",
        "murder", "दुर्घटना", "accident", "डूब",  "drown", "करंट", "electrocut", NULL};
    int rc;
    json_object *u = member(c, root, "directory", "urgent", json_type_object, 0, &rc), *kw;
    d->urgent_sla_hours = 4;
    if (rc < 0)
        return -1;
    if (!u || !(kw = member(c, u, "urgent", "keywords", json_type_array, 0, &rc))) {
        if (rc < 0)
            return -1;
        d->urgent_keywords = (const char **)defaults;
        d->nurgent_keywords = sizeof defaults / sizeof defaults[0] - 1;
    } else {
        d->nurgent_keywords = json_object_array_length(kw);
        if (!(d->urgent_keywords =
                  track(p, calloc(d->nurgent_keywords + 1, sizeof *d->urgent_keywords))))
            return err_set(c->e, ERR_ENV, "out of memory");
        for (size_t i = 0; i < d->nurgent_keywords; i++) {
            json_object *w = json_object_array_get_idx(kw, i);
            if (json_object_get_type(w) != json_type_string || !*json_object_get_string(w))
                return fail(c, "urgent.keywords", "[%zu] must be a non-empty word", i);
            d->urgent_keywords[i] = json_object_get_string(w);
        }
    }
    if (u && (check_keys(c, u, "urgent", keys) < 0 ||
              hours(c, u, "urgent", "sla_hours", 0, &d->urgent_sla_hours) < 0))
        return -1;
    if (!d->urgent_sla_hours)
        d->urgent_sla_hours = 4;
    return 0;
}

/* ---- the helpdesk (SPEC section 11) ------------------------------------------------------ */

static void hhmm(char out[6], int minutes)
{
    snprintf(out, 6, "%02d:%02d", minutes / 60 % 24, minutes % 60);
}

/* "days": a non-empty list of day names, each once: mon..sun or monday..sunday. */
static int parse_days(struct ctx *c, json_object *o, const char *path, unsigned *days)
{
    char sub[200];
    int rc;
    json_object *v = member(c, o, path, "days", json_type_array, 1, &rc);
    if (!v)
        return -1;
    snprintf(sub, sizeof sub, "%s.days", path);
    if (json_object_array_length(v) == 0)
        return fail(c, sub, "needs at least one day");
    *days = 0;
    for (size_t i = 0; i < json_object_array_length(v); i++) {
        json_object *dv = json_object_array_get_idx(v, i);
        int day = json_object_get_type(dv) == json_type_string
                      ? roster_parse_day(json_object_get_string(dv))
                      : -1;
        if (day < 0)
            return fail(c, sub,
                        "[%zu] %s is not a day: write mon, tue, wed, thu, fri, sat, sun (or the "
                        "full name, monday..sunday), in lower case",
                        i, json_object_to_json_string(dv));
        if (*days & (1u << day))
            return fail(c, sub, "%s is listed twice", roster_day_name(day));
        *days |= 1u << day;
    }
    return 0;
}

static int slot_time(struct ctx *c, json_object *o, const char *path, const char *key, int *out)
{
    int rc;
    json_object *v = member(c, o, path, key, json_type_string, 1, &rc);
    if (!v)
        return -1;
    if ((*out = roster_parse_hhmm(json_object_get_string(v))) < 0)
        return fail(c, path, "\"%s\" \"%s\" must be a 24-hour time HH:MM, 00:00 to 23:59", key,
                    json_object_get_string(v));
    return 0;
}

static int known_department(const directory *d, const char *code)
{
    for (size_t i = 0; i < d->ndepartments; i++)
        if (strcmp(d->departments[i].code, code) == 0)
            return 1;
    return 0;
}

/* One "hours" entry (no department, no phones) or one "roster" slot. */
static int parse_slot(struct ctx *c, struct priv *p, const directory *d, json_object *o,
                      const char *path, int is_roster, roster_slot *s)
{
    static const char *const hkeys[] = {"days", "from", "to", NULL};
    static const char *const rkeys[] = {"days", "from", "to", "department", "phones", NULL};
    char from[6], to[6];
    int rc;
    json_object *v;
    if (json_object_get_type(o) != json_type_object)
        return fail(c, path, "must be an object with days, from, to%s",
                    is_roster ? ", department and phones" : "");
    if (check_keys(c, o, path, is_roster ? rkeys : hkeys) < 0 ||
        parse_days(c, o, path, &s->days) < 0 || slot_time(c, o, path, "from", &s->from) < 0 ||
        slot_time(c, o, path, "to", &s->to) < 0)
        return -1;
    hhmm(from, s->from);
    hhmm(to, s->to);
    if (s->from >= s->to)
        return fail(c, path,
                    "\"from\" %s must be before \"to\" %s (a slot starts and ends on one day)",
                    from, to);
    if (!is_roster)
        return 0;
    if (!(v = member(c, o, path, "department", json_type_string, 1, &rc)))
        return -1;
    s->department = json_object_get_string(v);
    if (d->departments && !known_department(d, s->department))
        return fail(c, path, "department \"%s\" is not one of the directory's departments",
                    s->department);
    return phones(c, p, o, path, "phones", &s->phones, &s->nphones);
}

/* Two entries of one list that share a day and a minute: hours always clash, roster slots only
 * within one department (departments sit side by side). */
static int check_overlaps(struct ctx *c, const roster_slot *s, size_t n, const char *list)
{
    for (size_t j = 1; j < n; j++)
        for (size_t i = 0; i < j; i++) {
            unsigned common = s[i].days & s[j].days;
            char path[64], a[6], b[6], x[6], y[6];
            int day = 0;
            if (!common || s[i].from >= s[j].to || s[j].from >= s[i].to ||
                (s[i].department && strcmp(s[i].department, s[j].department) != 0))
                continue;
            while (!(common & (1u << day)))
                day++;
            hhmm(a, s[i].from), hhmm(b, s[i].to), hhmm(x, s[j].from), hhmm(y, s[j].to);
            snprintf(path, sizeof path, "helpdesk.%s[%zu]", list, j);
            return fail(c, path, "%s %s-%s overlaps helpdesk.%s[%zu] (%s-%s)%s%s",
                        roster_day_name(day), x, y, list, i, a, b,
                        s[i].department ? " of the same department " : "",
                        s[i].department ? s[i].department : "");
        }
    return 0;
}

/* Every day of a roster slot lies within one opening-hours entry of that day. */
static int check_within_hours(struct ctx *c, const roster *r)
{
    for (size_t i = 0; i < r->nslots; i++) {
        const roster_slot *s = &r->slots[i];
        for (int day = 0; day < 7; day++) {
            size_t h;
            char path[64], a[6], b[6];
            if (!(s->days & (1u << day)))
                continue;
            for (h = 0; h < r->nhours; h++)
                if ((r->hours[h].days & (1u << day)) && r->hours[h].from <= s->from &&
                    s->to <= r->hours[h].to)
                    break;
            if (h < r->nhours)
                continue;
            hhmm(a, s->from), hhmm(b, s->to);
            snprintf(path, sizeof path, "helpdesk.roster[%zu]", i);
            return fail(c, path, "%s %s-%s (%s) is outside the opening hours (helpdesk.hours)",
                        roster_day_name(day), a, b, s->department);
        }
    }
    return 0;
}

/* "hours" or "roster": a non-empty list of at most ROSTER_MAX_SLOTS entries. */
static int parse_slots(struct ctx *c, struct priv *p, const directory *d, json_object *hd,
                       const char *key, roster_slot **out, size_t *n)
{
    char path[64];
    int rc;
    json_object *v = member(c, hd, "helpdesk", key, json_type_array, 1, &rc);
    if (!v)
        return -1;
    snprintf(path, sizeof path, "helpdesk.%s", key);
    *n = json_object_array_length(v);
    if (*n == 0 || *n > ROSTER_MAX_SLOTS)
        return fail(c, path, "needs 1 to %d entries, has %zu", ROSTER_MAX_SLOTS, *n);
    if (!(*out = track(p, calloc(*n, sizeof **out))))
        return err_set(c->e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < *n; i++) {
        snprintf(path, sizeof path, "helpdesk.%s[%zu]", key, i);
        if (parse_slot(c, p, d, json_object_array_get_idx(v, i), path, strcmp(key, "roster") == 0,
                       &(*out)[i]) < 0)
            return -1;
    }
    return 0;
}

static int parse_helpdesk_block(struct ctx *c, struct priv *p, directory *d, json_object *hd)
{
    static const char *const keys[] = {"hours", "roster", "fallback_phones", NULL};
    roster *r;
    if (check_keys(c, hd, "helpdesk", keys) < 0)
        return -1;
    if (!(r = d->helpdesk = track(p, calloc(1, sizeof *r))))
        return err_set(c->e, ERR_ENV, "out of memory");
    if (parse_slots(c, p, d, hd, "hours", &r->hours, &r->nhours) < 0 ||
        check_overlaps(c, r->hours, r->nhours, "hours") < 0 ||
        parse_slots(c, p, d, hd, "roster", &r->slots, &r->nslots) < 0 ||
        check_overlaps(c, r->slots, r->nslots, "roster") < 0 || check_within_hours(c, r) < 0 ||
        phones(c, p, hd, "helpdesk", "fallback_phones", &r->fallback_phones, &r->nfallback) < 0)
        return -1;
    d->helpdesk_json = json_object_to_json_string_ext(hd, JSON_C_TO_STRING_PLAIN);
    return 0;
}

/* "helpdesk", optional: opening hours, duty roster, fallback phones. */
static int parse_helpdesk(struct ctx *c, struct priv *p, directory *d, json_object *root)
{
    int rc;
    json_object *hd = member(c, root, "directory", "helpdesk", json_type_object, 0, &rc);
    return hd ? parse_helpdesk_block(c, p, d, hd) : rc;
}

/* An empty directory owning the parsed JSON text, which must be an object (named what). */
static directory *parse_object(struct ctx *c, const char *json, size_t len, const char *what)
{
    directory *d = calloc(1, sizeof *d);
    struct priv *p = calloc(1, sizeof *p);
    if (!d || !p) {
        free(d);
        free(p);
        err_set(c->e, ERR_ENV, "out of memory");
        return NULL;
    }
    d->priv_ = p;
    if ((p->root = jsonfile_parse(c->src, json, len, c->e)) &&
        json_object_get_type(p->root) == json_type_object)
        return d;
    if (p->root)
        fail(c, what, "must be a JSON object");
    directory_free(d);
    return NULL;
}

directory *directory_helpdesk_parse(const char *json, size_t len, const char *source, err *e)
{
    struct ctx c = {source ? source : "helpdesk", e};
    directory *d = parse_object(&c, json, len, "helpdesk");
    if (d && parse_helpdesk_block(&c, d->priv_, d, ((struct priv *)d->priv_)->root) < 0) {
        directory_free(d);
        return NULL;
    }
    return d;
}

directory *directory_parse(const char *json, size_t len, const char *source, err *e)
{
    static const char *const keys[] = {
        "district",  "languages", "departments", "escalation",          "digest",
        "templates", "urgent",    "helpdesk",    "broadcast_templates", NULL};
    static const char *const dkeys[] = {"code", "name", "state", NULL};
    struct ctx c = {source ? source : "directory", e};
    directory *d = parse_object(&c, json, len, "directory");
    struct priv *p;
    json_object *root, *dist, *v, *deps;
    int rc;
    if (!d)
        return NULL;
    p = d->priv_;
    root = p->root;
    if (check_keys(&c, root, "directory", keys) < 0 || parse_languages(&c, p, d, root) < 0)
        goto fail;
    if (!(dist = member(&c, root, "directory", "district", json_type_object, 1, &rc)) ||
        check_keys(&c, dist, "district", dkeys) < 0 ||
        !(v = member(&c, dist, "district", "code", json_type_string, 1, &rc)))
        goto fail;
    d->code = json_object_get_string(v);
    if (strlen(d->code) < 2 || strlen(d->code) > 8 ||
        strspn(d->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(d->code)) {
        fail(&c, "district.code",
             "\"%s\" must be 2 to 8 capital letters (it starts every tracking number)", d->code);
        goto fail;
    }
    if (names(&c, d, dist, "district", "name", 1, 100, &d->name_json, &d->name_en, &d->name_hi) < 0)
        goto fail;
    if (names(&c, d, dist, "district", "state", 0, 100, &d->state_json, NULL, NULL) < 0)
        goto fail;
    if (!(deps = member(&c, root, "directory", "departments", json_type_array, 1, &rc)))
        goto fail;
    d->ndepartments = json_object_array_length(deps);
    if (d->ndepartments > ENGINE_MAX_CHOICES) {
        fail(&c, "departments", "has %zu departments; the department menu offers at most %d",
             d->ndepartments, ENGINE_MAX_CHOICES);
        goto fail;
    }
    if (d->ndepartments == 0) {
        fail(&c, "departments", "needs at least one department");
        goto fail;
    }
    if (!(d->departments = track(p, calloc(d->ndepartments, sizeof *d->departments)))) {
        err_set(e, ERR_ENV, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < d->ndepartments; i++) {
        if (parse_department(&c, p, d, json_object_array_get_idx(deps, i), i, &d->departments[i]) <
            0)
            goto fail;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->departments[j].code, d->departments[i].code) == 0) {
                char path[64];
                snprintf(path, sizeof path, "departments[%zu]", i);
                fail(&c, path, "duplicate department code \"%s\" (also departments[%zu])",
                     d->departments[i].code, j);
                goto fail;
            }
        if (check_shared_keywords(&c, d, i) < 0)
            goto fail;
    }
    if (parse_escalation(&c, p, d, root) < 0 || parse_digest(&c, p, d, root) < 0 ||
        parse_templates(&c, d, root) < 0 || parse_broadcast_templates(&c, d, root) < 0 ||
        parse_urgent(&c, p, d, root) < 0 || parse_helpdesk(&c, p, d, root) < 0)
        goto fail;
    return d;
fail:
    directory_free(d);
    return NULL;
}

directory *directory_parse_file(const char *path, err *e)
{
    size_t len;
    char *buf = jsonfile_read(path, &len, e);
    directory *d;
    if (!buf)
        return NULL;
    d = directory_parse(buf, len, path, e);
    free(buf);
    return d;
}

void directory_free(directory *d)
{
    struct priv *p;
    if (!d)
        return;
    if ((p = d->priv_)) {
        json_object_put(p->root);
        for (size_t i = 0; i < p->nallocs; i++)
            free(p->allocs[i]);
        free(p);
    }
    free(d);
}

/* ---- storing ---------------------------------------------------------------------------- */

/* "SAMPDIR" in ASCII: serialises concurrent directory loads. */
static const db_stmt st_lock = {"directory_lock", "SELECT pg_advisory_xact_lock(23434223381924178)",
                                0};
static const db_stmt st_current = {"directory_current", "SELECT code FROM districts", 0};
/* Broadcast templates (migration 0026) beside the rest: changing them changes no count. */
static const db_stmt st_broadcast_templates = {
    "directory_broadcast_templates",
    "UPDATE districts SET broadcast_templates = COALESCE($1::jsonb, '[]')", 1};
/* The state (migration 0031) likewise: only the export reads it. */
static const db_stmt st_state = {"directory_state", "UPDATE districts SET state = $1::jsonb", 1};
static const db_stmt st_district = {
    "directory_district",
    "INSERT INTO districts AS t (code, name, languages, nodal_phones, nodal_after_hours,"
    " collector_phones, collector_after_hours, digest_phones, digest_daily_at, digest_weekly_day,"
    " timezone, templates, urgent_keywords, urgent_sla_hours, helpdesk)"
    " VALUES ($1, $2::jsonb, $3::text[], $4::text[], $5::int, $6::text[], $7::int, $8::text[],"
    " $9::time, $10, $11, $12::jsonb, $13::text[], $14::int, $15::jsonb)"
    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, languages = EXCLUDED.languages,"
    " nodal_phones = EXCLUDED.nodal_phones, nodal_after_hours = EXCLUDED.nodal_after_hours,"
    " collector_phones = EXCLUDED.collector_phones,"
    " collector_after_hours = EXCLUDED.collector_after_hours,"
    " digest_phones = EXCLUDED.digest_phones, digest_daily_at = EXCLUDED.digest_daily_at,"
    " digest_weekly_day = EXCLUDED.digest_weekly_day, timezone = EXCLUDED.timezone,"
    " templates = EXCLUDED.templates, urgent_keywords = EXCLUDED.urgent_keywords,"
    " urgent_sla_hours = EXCLUDED.urgent_sla_hours, helpdesk = EXCLUDED.helpdesk,"
    " updated_at = now()"
    " WHERE (t.name, t.languages, t.nodal_phones, t.nodal_after_hours, t.collector_phones,"
    " t.collector_after_hours, t.digest_phones, t.digest_daily_at, t.digest_weekly_day,"
    " t.timezone, t.templates, t.urgent_keywords, t.urgent_sla_hours, t.helpdesk)"
    " IS DISTINCT FROM "
    "(EXCLUDED.name, EXCLUDED.languages,"
    " EXCLUDED.nodal_phones, EXCLUDED.nodal_after_hours, EXCLUDED.collector_phones,"
    " EXCLUDED.collector_after_hours, EXCLUDED.digest_phones, EXCLUDED.digest_daily_at,"
    " EXCLUDED.digest_weekly_day, EXCLUDED.timezone, EXCLUDED.templates, EXCLUDED.urgent_keywords,"
    " EXCLUDED.urgent_sla_hours, EXCLUDED.helpdesk)"
    " RETURNING (xmax = 0) AS inserted",
    15};
static const db_stmt st_retire = {"directory_retire",
                                  "UPDATE departments SET active = false, updated_at = now()"
                                  " WHERE active AND NOT (code = ANY($1::text[]))",
                                  1};
static const db_stmt st_drop_retired_officers = {
    "directory_drop_retired_officers",
    "DELETE FROM officers WHERE NOT (department_code = ANY($1::text[]))", 1};
static const db_stmt st_department = {
    "directory_department",
    "INSERT INTO departments AS t (code, name, description, sla_hours, urgent, position, active,"
    " keywords, short_name, subject, open_data)"
    " VALUES ($1, $2::jsonb, $3::jsonb, $4::int, $5::boolean, $6::int, true, $7::jsonb, $8::jsonb,"
    " $9::jsonb, $10)"
    " ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, description = EXCLUDED.description,"
    " sla_hours = EXCLUDED.sla_hours, urgent = EXCLUDED.urgent, position = EXCLUDED.position,"
    " active = true, keywords = EXCLUDED.keywords, short_name = EXCLUDED.short_name,"
    " subject = EXCLUDED.subject, open_data = EXCLUDED.open_data, updated_at = now()"
    " WHERE (t.name, t.description, t.sla_hours, t.urgent, t.position, t.active, t.keywords,"
    " t.short_name, t.subject, t.open_data) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.description,"
    " EXCLUDED.sla_hours, EXCLUDED.urgent, EXCLUDED.position, true, EXCLUDED.keywords,"
    " EXCLUDED.short_name, EXCLUDED.subject, EXCLUDED.open_data)"
    " RETURNING (xmax = 0) AS inserted",
    10};
static const db_stmt st_drop_officers = {
    "directory_drop_officers",
    "DELETE FROM officers WHERE department_code = $1 AND NOT (phone = ANY($2::text[]))", 2};
static const db_stmt st_officer = {
    "directory_officer",
    "INSERT INTO officers AS t (department_code, phone, name) VALUES ($1, $2, $3)"
    " ON CONFLICT (department_code, phone) DO UPDATE SET name = EXCLUDED.name, updated_at = now()"
    " WHERE t.name IS DISTINCT FROM EXCLUDED.name"
    " RETURNING (xmax = 0) AS inserted",
    3};

/* Runs an upsert with RETURNING (xmax = 0): counts an added or a changed row. */
static int upsert(db *d, const db_stmt *st, const char *const *params, int *added, int *changed,
                  err *e)
{
    PGresult *r = db_query(d, st, params, e);
    if (!r)
        return -1;
    if (PQntuples(r) == 1)
        (*(PQgetvalue(r, 0, 0)[0] == 't' ? added : changed))++;
    PQclear(r);
    return 0;
}

static int store_departments(db *d, const directory *dir, directory_stats *st, const char *codes,
                             err *e)
{
    PGresult *r = case_open_outside(d, codes, e);
    if (!r)
        return -1;
    if (PQntuples(r) > 0) {
        err_set(e, ERR_USER,
                "department %s has %s case(s) not yet closed; transfer or close them before "
                "removing it from the directory",
                PQgetvalue(r, 0, 0), PQgetvalue(r, 0, 1));
        PQclear(r);
        return -1;
    }
    PQclear(r);
    if (db_exec(d, &st_retire, (const char *[]){codes}, e) < 0)
        return -1;
    st->departments_retired = (int)db_affected(d);
    if (db_exec(d, &st_drop_retired_officers, (const char *[]){codes}, e) < 0)
        return -1;
    st->officers_removed += (int)db_affected(d);
    for (size_t i = 0; i < dir->ndepartments; i++) {
        const directory_department *dep = &dir->departments[i];
        char sla[24], pos[24];
        const char **phones;
        char *arr;
        int rc;
        snprintf(sla, sizeof sla, "%d", dep->sla_hours);
        snprintf(pos, sizeof pos, "%zu", i + 1);
        if (upsert(d, &st_department,
                   (const char *[]){dep->code, dep->name_json, dep->description_json,
                                    dep->sla_hours ? sla : NULL, dep->urgent ? "true" : "false",
                                    pos, dep->keywords_json, dep->short_json, dep->subject_json,
                                    dep->open_data_counts ? "counts" : "listed"},
                   &st->departments_added, &st->departments_changed, e) < 0)
            return -1;
        if (!(phones = calloc(dep->nofficers, sizeof *phones)))
            return err_set(e, ERR_ENV, "out of memory");
        for (size_t j = 0; j < dep->nofficers; j++)
            phones[j] = dep->officers[j].phone;
        arr = db_text_array(phones, dep->nofficers);
        free(phones);
        if (!arr)
            return err_set(e, ERR_ENV, "out of memory");
        rc = db_exec(d, &st_drop_officers, (const char *[]){dep->code, arr}, e);
        free(arr);
        if (rc < 0)
            return -1;
        st->officers_removed += (int)db_affected(d);
        for (size_t j = 0; j < dep->nofficers; j++)
            if (upsert(d, &st_officer,
                       (const char *[]){dep->code, dep->officers[j].phone, dep->officers[j].name},
                       &st->officers_added, &st->officers_changed, e) < 0)
                return -1;
    }
    return 0;
}

/* Autovacuum never analyses a one-row table, and the planner's guess for districts (170 rows)
 * made every statement joining it re-planned on each call (docs/THROUGHPUT.md, step 6; migration
 * 0035 for a database loaded before). The directory's tables change only here. The bot's role
 * owns them (scripts/lib.sh, README): another role's ANALYZE would only warn. Not worth failing
 * the load for. */
static void analyse(db *d)
{
    err ae = {0};
    if (db_script(d, "ANALYZE districts, departments, officers", &ae) < 0)
        log_warn(NULL, "directory loaded, but not analysed: %s", ae.msg);
}

int directory_store(db *d, const directory *dir, directory_stats *st, err *e)
{
    char *langs = NULL, *nodal = NULL, *coll = NULL, *digest = NULL, *codes = NULL, *urgent = NULL;
    const char **deps = NULL;
    char nodal_h[16], coll_h[16], urgent_h[16];
    PGresult *r;
    int rc = -1;
    memset(st, 0, sizeof *st);
    if (!(deps = calloc(dir->ndepartments, sizeof *deps)))
        return err_set(e, ERR_ENV, "out of memory");
    for (size_t i = 0; i < dir->ndepartments; i++)
        deps[i] = dir->departments[i].code;
    langs = db_text_array(dir->languages, dir->nlanguages);
    nodal = db_text_array(dir->nodal_phones, dir->nnodal);
    coll = db_text_array(dir->collector_phones, dir->ncollector);
    digest = db_text_array(dir->digest_phones, dir->ndigest);
    codes = db_text_array(deps, dir->ndepartments);
    urgent = db_text_array(dir->urgent_keywords, dir->nurgent_keywords);
    if (!langs || !nodal || !coll || !digest || !codes || !urgent) {
        err_set(e, ERR_ENV, "out of memory");
        goto out;
    }
    snprintf(nodal_h, sizeof nodal_h, "%d", dir->nodal_after_hours);
    snprintf(coll_h, sizeof coll_h, "%d", dir->collector_after_hours);
    snprintf(urgent_h, sizeof urgent_h, "%d", dir->urgent_sla_hours);
    if (db_begin(d, e) < 0)
        goto out;
    if (db_exec(d, &st_lock, NULL, e) < 0 || !(r = db_query(d, &st_current, NULL, e)))
        goto rollback;
    if (PQntuples(r) > 0 && strcmp(PQgetvalue(r, 0, 0), dir->code) != 0) {
        err_set(e, ERR_USER,
                "district.code: this database already serves district %s; one database serves one "
                "district, so %s needs its own",
                PQgetvalue(r, 0, 0), dir->code);
        PQclear(r);
        goto rollback;
    }
    PQclear(r);
    if (upsert(d, &st_district,
               (const char *[]){dir->code, dir->name_json, langs, nodal, nodal_h, coll, coll_h,
                                digest, dir->daily_at, dir->weekly_day, dir->timezone,
                                dir->templates_json, urgent, urgent_h, dir->helpdesk_json},
               &st->district_added, &st->district_changed, e) < 0 ||
        db_exec(d, &st_broadcast_templates, (const char *[]){dir->broadcast_templates_json}, e) <
            0 ||
        db_exec(d, &st_state, (const char *[]){dir->state_json}, e) < 0 ||
        store_departments(d, dir, st, codes, e) < 0 || db_commit(d, e) < 0)
        goto rollback;
    rc = 0;
    analyse(d);
    goto out;
rollback:
    db_rollback(d);
out:
    free(langs);
    free(nodal);
    free(coll);
    free(digest);
    free(codes);
    free(urgent);
    free(deps);
    return rc;
}

static const db_stmt st_portal_role = {
    "directory_portal_role",
    "SELECT CASE WHEN $1 = ANY(t.collector_phones) OR $1 = ANY(t.digest_phones) THEN 'collector'"
    " WHEN $1 = ANY(t.nodal_phones) THEN 'nodal'"
    " WHEN EXISTS (SELECT 1 FROM officers o JOIN departments d ON d.code = o.department_code"
    "   WHERE o.phone = $1 AND d.active) THEN 'officer' END,"
    " COALESCE((SELECT json_agg(o.department_code ORDER BY o.department_code) FROM officers o"
    "   JOIN departments d ON d.code = o.department_code WHERE o.phone = $1 AND d.active)::text,"
    "   '[]'),"
    " COALESCE((SELECT min(o.name) FROM officers o WHERE o.phone = $1), '')"
    " FROM districts t",
    1};

int directory_portal_role(db *d, const char *phone, char *role, size_t rolesz, char *departments,
                          size_t depsz, char *name, size_t namesz, err *e)
{
    PGresult *r = db_query(d, &st_portal_role, (const char *[]){phone}, e);
    int found;
    if (!r)
        return -1;
    found = PQntuples(r) == 1 && !PQgetisnull(r, 0, 0);
    if (found) {
        db_copy(role, rolesz, r, 0, 0);
        db_copy(departments, depsz, r, 0, 1);
        db_copy(name, namesz, r, 0, 2);
        if (!*name)
            snprintf(name, namesz, "%s", role);
    }
    PQclear(r);
    return found;
}

/* The moment as the district reads it: ISO day of week (1 = Monday), minute of the day. */
static const db_stmt st_helpdesk = {
    "directory_helpdesk",
    "SELECT helpdesk::text,"
    " extract(isodow FROM to_timestamp($1::bigint / 1000.0) AT TIME ZONE timezone)::int,"
    " (extract(hour FROM to_timestamp($1::bigint / 1000.0) AT TIME ZONE timezone) * 60"
    "  + extract(minute FROM to_timestamp($1::bigint / 1000.0) AT TIME ZONE timezone))::int,"
    " to_char(to_timestamp($1::bigint / 1000.0) AT TIME ZONE timezone, 'YYYY-MM-DD HH24:MI')"
    " || ' ' || timezone"
    " FROM districts",
    1};

int directory_stored_helpdesk(db *d, int64_t at_ms, char **helpdesk_json, int *day, int *minute,
                              char *local, size_t localsz, err *e)
{
    char at[24];
    PGresult *r;
    snprintf(at, sizeof at, "%lld", (long long)at_ms);
    *helpdesk_json = NULL;
    if (!(r = db_query(d, &st_helpdesk, (const char *[]){at}, e)))
        return -1;
    if (PQntuples(r) == 1) {
        *day = atoi(PQgetvalue(r, 0, 1)) - 1;
        *minute = atoi(PQgetvalue(r, 0, 2));
        db_copy(local, localsz, r, 0, 3);
        if (!PQgetisnull(r, 0, 0) && !(*helpdesk_json = strdup(PQgetvalue(r, 0, 0)))) {
            PQclear(r);
            return err_set(e, ERR_ENV, "out of memory");
        }
    }
    PQclear(r);
    return 0;
}

static const db_stmt st_officer_names = {
    "directory_officer_names",
    "SELECT COALESCE(json_object_agg(phone, name), '{}')::text FROM"
    " (SELECT DISTINCT ON (phone) phone, name FROM officers ORDER BY phone, department_code) o",
    0};

char *directory_officer_names(db *d, err *e)
{
    return db_text(d, &st_officer_names, NULL, e); /* an aggregate: always one row */
}

char *directory_roster_show(db *d, int64_t at_ms, err *e)
{
    char *json = NULL, *body = NULL, *text = NULL, local[96] = "";
    int day = 0, minute = 0;
    directory *hd = NULL;
    if (directory_stored_helpdesk(d, at_ms, &json, &day, &minute, local, sizeof local, e) < 0)
        return NULL;
    if (!json) {
        err_set(e, ERR_USER,
                "no helpdesk roster is loaded: add a \"helpdesk\" block to the directory (README: "
                "the helpdesk roster) and run `sampark directory load`");
        return NULL;
    }
    if (!(hd = directory_helpdesk_parse(json, strlen(json), "stored helpdesk", e)))
        goto out;
    if (!(body = roster_describe(hd->helpdesk, day, minute)) ||
        !(text = malloc(strlen(local) + strlen(body) + 16))) {
        err_set(e, ERR_ENV, "out of memory");
        goto out;
    }
    sprintf(text, "at %s (%s)\n%s", local, roster_day_name(day), body);
out:
    free(json);
    free(body);
    directory_free(hd);
    return text;
}
