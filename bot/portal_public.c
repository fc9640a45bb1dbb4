/* portal_public.c — the public page, its figures and Open311 (see portal_public.h). SQL lives in
 * cases_public.c; the page's words (Hindi, English) and Open311's status notes in
 * web/public.json, read on each request so an edit shows at once; this file holds only markup.
 * The figures are computed once per process per 5 minutes (a million cases take a second or two)
 * and shared by the pool threads: one thread recomputes while the others answer the previous
 * figures (or 503 before the first), so a recompute never holds up more than the request that
 * started it; after a failure (PostgreSQL away) nobody tries again for FAILED_US.
 *
 * Anonymous traffic must not starve the officers' portal: at most PUBLIC_BUSY_MAX of the pool's
 * threads query PostgreSQL for Open311 at a time, and one more recomputes the figures (once in 5
 * minutes, never two at once: cache.computing) — apart, so that a stream of Open311 searches
 * holding their slot cannot keep the public page's figures from ever being computed. An Open311
 * request that finds its slot taken is answered 503 with Retry-After at once. Answers from the
 * cached figures take microseconds and need no slot. The per-address limit counts an IPv6 client
 * by its /64 (netaddr_client_key). */
#include "portal_public.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cases_public.h"
#include "clock.h"
#include "jsonfile.h"
#include "netaddr.h"
#include "officer.h"
#include "portal_api.h"
#include "text.h"

#define CACHE_US  (300LL * 1000000)
#define FAILED_US (10LL * 1000000)
/* Pool threads that may work on Open311 requests at once (portal.c has 4; the figures' recompute
 * is one more at most). */
#define PUBLIC_BUSY_MAX 1
/* What a client may cache of the open data (stats, services, requests), in seconds. */
#define PUBLIC_MAX_AGE 300

static struct {
    pthread_mutex_t mu;
    char *json;        /* the figures as JSON text, NULL before the first computation */
    int64_t at_us;     /* clock_mono_us() of the computation */
    int64_t failed_us; /* clock_mono_us() of the last failed computation, 0 none */
    int computing;
} cache = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0};
static atomic_int public_busy;

int portal_public_path(const char *path)
{
    return strcmp(path, "/public") == 0 || strncmp(path, "/api/public/", 12) == 0 ||
           strncmp(path, "/open311/", 9) == 0;
}

/* An error in the shape the route's clients read: Open311's [{"code", "description"}], or the
 * portal's {"error"}. */
static void fail(const portal_request *rq, portal_response *rs, unsigned status, const char *msg)
{
    json_object *a, *o;
    if (strncmp(rq->path, "/open311/", 9) != 0) {
        portal_error(rs, status, "%s", msg);
        return;
    }
    a = json_object_new_array();
    o = json_object_new_object();
    json_object_object_add(o, "code", json_object_new_int((int)status));
    json_object_object_add(o, "description", json_object_new_string(msg));
    json_object_array_add(a, o);
    portal_json(rs, status, a);
}

/* Counts the request against its client's address: 1 when refused (429 answered). */
static int limited(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    char key[128], msg[120];
    int max = t->cfg->public_limit_min, ttl = 60;
    long long n;
    if (max <= 0)
        return 0;
    char who[80];
    snprintf(key, sizeof key, "sampark:public:addr:%s",
             netaddr_client_key(rq->client, who, sizeof who));
    if ((n = portal_count(t, key, 60, &ttl)) <= max) /* -1, Redis away: let it through */
        return 0;
    rs->retry_after = ttl > 0 ? ttl : 1;
    snprintf(msg, sizeof msg, "too many requests from this address; try again in %d s",
             rs->retry_after);
    fail(rq, rs, 429, msg);
    return 1;
}

/* Takes the slot for a public query: 1 taken (give it back with slot_give), 0 busy. */
static int slot_take(void)
{
    if (atomic_fetch_add(&public_busy, 1) < PUBLIC_BUSY_MAX)
        return 1;
    atomic_fetch_sub(&public_busy, 1);
    return 0;
}

static void slot_give(void)
{
    atomic_fetch_sub(&public_busy, 1);
}

/* Whether the cache needs a computation now (under cache.mu). */
static int stale(int64_t now)
{
    return !cache.computing && (!cache.json || now - cache.at_us >= CACHE_US) &&
           (!cache.failed_us || now - cache.failed_us >= FAILED_US);
}

/* The figures as JSON text (malloc'd): the cached copy while under 5 minutes old; else this
 * thread recomputes unless another does, or one failed under
 * FAILED_US ago — then the previous copy. NULL + e when there is none: *busy 1 when a computation
 * is under way, 2 when one failed just now (answer 503 at once: nobody waits for another thread's
 * computation). */
static char *figures(portal_thread *t, int *busy, err *e)
{
    char *out = NULL, *json;
    int64_t now = clock_mono_us();
    pthread_mutex_lock(&cache.mu);
    if (stale(now)) {
        cache.computing = 1;
        pthread_mutex_unlock(&cache.mu);
        json = cases_public_stats(t->pg, e);
        pthread_mutex_lock(&cache.mu);
        cache.computing = 0;
        if (json) {
            free(cache.json);
            cache.json = json;
            cache.at_us = clock_mono_us();
            cache.failed_us = 0;
        } else {
            cache.failed_us = clock_mono_us();
        }
    } else if (!cache.json) {
        *busy = cache.failed_us && now - cache.failed_us < FAILED_US ? 2 : 1;
        err_set(e, ERR_ENV, "the figures are being computed, or failed just now");
    }
    if (cache.json && !(out = strdup(cache.json)))
        err_set(e, ERR_ENV, "out of memory");
    pthread_mutex_unlock(&cache.mu);
    return out;
}

/* 503 for figures that are not there, with Retry-After. */
static void no_figures(const portal_request *rq, portal_response *rs, int busy, const err *e)
{
    rs->retry_after = busy == 1 ? 5 : (int)(FAILED_US / 1000000);
    if (busy == 1) {
        fail(rq, rs, 503, "the figures are being computed; try again in a few seconds");
        return;
    }
    if (!busy)
        portal_log("public figures", e->msg);
    fail(rq, rs, 503, "database unavailable; try again");
}

/* An answer of open data: any site may read it, and keep it PUBLIC_MAX_AGE seconds. */
static void open_data(portal_response *rs, char *json)
{
    portal_api_json_text(rs, json);
    rs->max_age = PUBLIC_MAX_AGE;
}

static void stats(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    err e = {0};
    char *json;
    int busy = 0;
    if (rq->nargs) {
        fail(rq, rs, 400, "/api/public/stats takes no arguments");
        return;
    }
    if (!(json = figures(t, &busy, &e)))
        return no_figures(rq, rs, busy, &e);
    open_data(rs, json);
}

/* web/public.json, parsed; NULL (logged) when missing or broken. */
static json_object *words_file(const portal_thread *t)
{
    char path[1024];
    size_t len;
    err e = {0};
    char *text;
    json_object *o = NULL;
    snprintf(path, sizeof path, "%s/public.json", t->cfg->web_dir);
    if ((text = jsonfile_read(path, &len, &e)))
        o = jsonfile_parse(path, text, len, &e);
    free(text);
    if (!o)
        portal_log("public words", e.msg);
    return o;
}

/* The arguments are among the names a and b (b may be NULL), each at most once; else 400 naming
 * the argument (its bytes echoed as valid UTF-8 only). 0 ok, -1 answered. */
static int known_args(const portal_request *rq, portal_response *rs, const char *a, const char *b)
{
    int seen_a = 0, seen_b = 0;
    char name[48], msg[160];
    for (size_t i = 0; i < rq->nargs; i++) {
        size_t n = strcspn(rq->args[i], "=");
        int is_a = strlen(a) == n && strncmp(rq->args[i], a, n) == 0,
            is_b = b && strlen(b) == n && strncmp(rq->args[i], b, n) == 0;
        text_copy_shown(name, sizeof name, rq->args[i], n);
        if (!is_a && !is_b)
            snprintf(msg, sizeof msg, "%s: unknown %s (%s)", name,
                     strcmp(rq->path, "/public") == 0 ? "argument" : "parameter", a);
        else if ((is_a && seen_a++) || (is_b && seen_b++))
            snprintf(msg, sizeof msg, "%s: given twice; give it once", name);
        else
            continue;
        fail(rq, rs, 400, msg);
        return -1;
    }
    return 0;
}

/* ---- the page ---------------------------------------------------------------------------- */

const char *portal_public_lang(const char *arg, const char *accept_language)
{
    double best_hi = 0, best_en = 0;
    if (arg)
        return strcmp(arg, "hi") == 0 ? "hi" : strcmp(arg, "en") == 0 ? "en" : NULL;
    /* "en-IN,en;q=0.9,hi;q=0.8": entries of a tag and an optional weight (1 when none) */
    for (const char *p = accept_language ? accept_language : ""; *p;) {
        size_t n, tag;
        const char *q;
        double w = 1;
        p += strspn(p, " ,");
        n = strcspn(p, ",");
        tag = strcspn(p, ",;- ");
        q = memchr(p, ';', n);
        if (q && (q = strstr(q, "q=")) && q < p + n)
            w = atof(q + 2);
        if (tag == 2 && strncasecmp(p, "hi", 2) == 0 && w > best_hi)
            best_hi = w;
        if (tag == 2 && strncasecmp(p, "en", 2) == 0 && w > best_en)
            best_en = w;
        p += n;
    }
    return best_en > best_hi ? "en" : "hi";
}

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++)
        switch (*s) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        default:
            fputc(*s, f);
        }
}

/* The word key of w (the language's object); the key itself when missing, so a gap shows. */
static const char *word(json_object *w, const char *key)
{
    json_object *v;
    return json_object_object_get_ex(w, key, &v) && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v)
               : key;
}

/* tmpl with {name} replaced by value, escaped. */
static void esc_fill(FILE *f, const char *tmpl, const char *name, const char *value)
{
    const char *at = strstr(tmpl, name);
    char *head = at ? strndup(tmpl, (size_t)(at - tmpl)) : NULL;
    if (!head) {
        esc(f, tmpl);
        return;
    }
    esc(f, head);
    esc(f, value);
    esc(f, at + strlen(name));
    free(head);
}

/* The name of a {"hi": ..., "en": ...} object in lang, else in the other language. */
static const char *name_in(json_object *names, const char *lang)
{
    json_object *v;
    if (json_object_object_get_ex(names, lang, &v) || json_object_object_get_ex(names, "en", &v) ||
        json_object_object_get_ex(names, "hi", &v))
        return json_object_get_string(v);
    return "";
}

/* One figure of a window: the too-few words, a dash when nothing to divide by, or the number
 * (with unit "%" for percentages). */
static int too_few(json_object *win)
{
    json_object *few;
    return json_object_object_get_ex(win, "too_few", &few) && json_object_get_boolean(few);
}

/* Whether the figure's own denominator is too small (too_few_figures names it). */
static int figure_too_few(json_object *win, const char *field)
{
    json_object *few;
    if (!json_object_object_get_ex(win, "too_few_figures", &few))
        return 0;
    for (size_t i = 0; i < json_object_array_length(few); i++)
        if (strcmp(json_object_get_string(json_object_array_get_idx(few, i)), field) == 0)
            return 1;
    return 0;
}

static void cell(FILE *f, json_object *w, json_object *win, const char *field, const char *unit)
{
    json_object *v;
    fputs("<td>", f);
    if ((too_few(win) && strcmp(field, "received") != 0) || figure_too_few(win, field)) {
        fputs("<span class=\"few\">", f);
        esc(f, word(w, "too_few"));
        fputs("</span>", f);
    } else if (!json_object_object_get_ex(win, field, &v) ||
               json_object_is_type(v, json_type_null)) {
        esc(f, word(w, "none"));
    } else {
        fprintf(f, "%s%s", json_object_get_string(v), unit);
    }
    fputs("</td>", f);
}

/* A department too small in both windows: its counts and "too few to say" on one line. */
static void few_line(FILE *f, json_object *w, json_object *d30, json_object *d90)
{
    json_object *n30, *n90;
    json_object_object_get_ex(d30, "received", &n30);
    json_object_object_get_ex(d90, "received", &n90);
    fputs("<p class=\"few\">", f);
    esc(f, word(w, "received"));
    fputs(": ", f);
    esc(f, word(w, "days_30"));
    fprintf(f, " %s, ", json_object_get_string(n30));
    esc(f, word(w, "days_90"));
    fprintf(f, " %s — ", json_object_get_string(n90));
    esc(f, word(w, "too_few"));
    fputs("</p></section>\n", f);
}

static void department(FILE *f, json_object *w, json_object *dep, const char *lang)
{
    static const struct {
        const char *field, *label, *unit;
    } rows[] = {{"received", "received", ""},
                {"resolved", "resolved", ""},
                {"median_days_to_resolution", "median_days", ""},
                {"resolved_within_sla_pct", "within_sla", "%"},
                {"satisfied_pct", "satisfied", "%"},
                {"reopened_pct", "reopened", "%"}};
    json_object *names, *d30, *d90, *code;
    json_object_object_get_ex(dep, "name", &names);
    json_object_object_get_ex(dep, "code", &code);
    json_object_object_get_ex(dep, "last_30_days", &d30);
    json_object_object_get_ex(dep, "last_90_days", &d90);
    fputs("<section class=\"dept\" id=\"", f);
    esc(f, json_object_get_string(code));
    fputs("\"><h2>", f);
    esc(f, name_in(names, lang));
    fputs("</h2>", f);
    if (too_few(d30) && too_few(d90)) /* one line, not a table of "too few to say" */
        return few_line(f, w, d30, d90);
    fputs("<table><thead><tr><td></td><th scope=\"col\">", f);
    esc(f, word(w, "days_30"));
    fputs("</th><th scope=\"col\">", f);
    esc(f, word(w, "days_90"));
    fputs("</th></tr></thead><tbody>", f);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fputs("<tr><th scope=\"row\">", f);
        esc(f, word(w, rows[i].label));
        fputs("</th>", f);
        cell(f, w, d30, rows[i].field, rows[i].unit);
        cell(f, w, d90, rows[i].field, rows[i].unit);
        fputs("</tr>", f);
    }
    fputs("</tbody></table></section>\n", f);
}

/* "2026-12-06T03:30:00Z" as India's "06-12-2026 09:00". */
static void local_time(FILE *f, const char *iso)
{
    int64_t ms;
    char out[32];
    struct tm tm;
    time_t at;
    if (cases_public_datetime(iso, 0, &ms) < 0) {
        esc(f, iso);
        return;
    }
    at = (time_t)(ms / 1000) + 19800;
    gmtime_r(&at, &tm);
    strftime(out, sizeof out, "%d-%m-%Y %H:%M", &tm);
    fputs(out, f);
}

static void page_body(FILE *f, json_object *w, json_object *figs, const char *lang)
{
    json_object *deps, *district, *notes, *at;
    const char *other = strcmp(lang, "hi") == 0 ? "en" : "hi", *where;
    json_object_object_get_ex(figs, "district", &district);
    where = name_in(district, lang);
    fprintf(f,
            "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
            lang);
    esc(f, word(w, "title"));
    fputs(" — ", f);
    esc(f, where);
    fputs(
        "</title>\n<link rel=\"stylesheet\" href=\"/portal/style.css\">\n"
        "<link rel=\"stylesheet\" href=\"/portal/public.css\">\n</head>\n<body class=\"public\">\n"
        "<header><span class=\"brand\">",
        f);
    esc(f, where);
    fprintf(f, "</span><a class=\"lang\" href=\"/public?lang=%s\" hreflang=\"%s\" lang=\"%s\">",
            other, other, other);
    esc(f, word(w, "other_lang"));
    fputs("</a></header>\n<main>\n<h1>", f);
    esc(f, word(w, "title"));
    fputs("</h1>\n<p class=\"lede\">", f);
    esc_fill(f, word(w, "lede"), "{district}", where);
    fputs("</p>\n", f);
    if (json_object_object_get_ex(figs, "departments", &deps))
        for (size_t i = 0; i < json_object_array_length(deps); i++)
            department(f, w, json_object_array_get_idx(deps, i), lang);
    fputs("<section class=\"note\"><h2>", f);
    esc(f, word(w, "note_title"));
    fputs("</h2><ul>", f);
    if (json_object_object_get_ex(w, "notes", &notes) &&
        json_object_is_type(notes, json_type_array))
        for (size_t i = 0; i < json_object_array_length(notes); i++) {
            fputs("<li>", f);
            esc(f, json_object_get_string(json_object_array_get_idx(notes, i)));
            fputs("</li>", f);
        }
    fputs("</ul></section>\n<p class=\"computed\">", f);
    esc(f, word(w, "computed"));
    fputs(": <time>", f);
    if (json_object_object_get_ex(figs, "computed_at", &at))
        local_time(f, json_object_get_string(at));
    fputs("</time> ", f);
    esc(f, word(w, "time_zone"));
    fputs("</p>\n<p class=\"data\">", f);
    esc(f, word(w, "data"));
    fputs(" <a href=\"/api/public/stats\">/api/public/stats</a> · "
          "<a href=\"/open311/v2/services.json\">Open311 GeoReport v2</a></p>\n</main>\n</body>\n"
          "</html>\n",
          f);
}

static void page(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    const char *lang;
    json_object *words = NULL, *w, *figs = NULL;
    char *json = NULL, *html = NULL;
    size_t len = 0;
    FILE *f;
    err e = {0};
    int busy = 0;
    if (known_args(rq, rs, "lang", NULL) < 0)
        return;
    if (!(lang = portal_public_lang(portal_arg(rq, "lang"), rq->accept_language))) {
        portal_error(rs, 400, "lang: hi or en");
        return;
    }
    if (!(words = words_file(t)) || !json_object_object_get_ex(words, lang, &w)) {
        portal_error(rs, 503, "the page's words (public.json in the web directory) are unreadable");
        goto out;
    }
    if (!(json = figures(t, &busy, &e))) {
        no_figures(rq, rs, busy, &e);
        goto out;
    }
    if (!(figs = json_tokener_parse(json))) {
        portal_error(rs, 503, "the figures do not parse");
        goto out;
    }
    if (!(f = open_memstream(&html, &len))) {
        portal_error(rs, 503, "out of memory");
        goto out;
    }
    page_body(f, w, figs, lang);
    if (fclose(f) != 0 || !html) {
        free(html);
        portal_error(rs, 503, "out of memory");
        goto out;
    }
    free(rs->body);
    rs->body = html;
    rs->len = len;
    rs->status = 200;
    rs->ctype = "text/html; charset=utf-8";
out:
    json_object_put(words);
    json_object_put(figs);
    free(json);
}

/* ---- Open311 ------------------------------------------------------------------------------- */

/* Only jurisdiction_id and api_key (both ignored, with or without a value). */
static int no_args(const portal_request *rq, portal_response *rs)
{
    return known_args(rq, rs, "jurisdiction_id", "api_key");
}

/* Open311's status notes (web/public.json "open311"."status_notes") as JSON text (malloc'd). */
static char *status_notes(const portal_thread *t)
{
    json_object *words = words_file(t), *o, *n;
    char *out = NULL;
    if (words && json_object_object_get_ex(words, "open311", &o) &&
        json_object_object_get_ex(o, "status_notes", &n))
        out = strdup(json_object_to_json_string_ext(n, JSON_C_TO_STRING_PLAIN));
    json_object_put(words);
    return out;
}

/* 503 when the slot for public queries is taken: 1 answered, 0 go on (slot held). */
static int no_slot(const portal_request *rq, portal_response *rs)
{
    if (slot_take())
        return 0;
    rs->retry_after = 2;
    fail(rq, rs, 503, "busy with other requests for the open data; try again in 2 s");
    return 1;
}

static void answer(const portal_request *rq, portal_response *rs, char *json, const err *e)
{
    slot_give(); /* taken by no_slot before the query */
    if (!json) {
        portal_log("open311", e->msg);
        fail(rq, rs, 503, "database unavailable; try again");
        return;
    }
    open_data(rs, json);
}

static void open311_request(portal_thread *t, const portal_request *rq, const char *id,
                            portal_response *rs)
{
    char tracking[40], canon[32], msg[120];
    size_t n = strlen(id);
    char *notes, *json;
    err e = {0};
    if (no_args(rq, rs) < 0)
        return;
    text_copy_shown(tracking, sizeof tracking, id, n > 5 ? n - 5 : 0);
    snprintf(msg, sizeof msg, "no request %s", tracking);
    if (!officer_find_tracking(tracking, canon, NULL, NULL) || strcmp(canon, tracking) != 0) {
        fail(rq, rs, 404, msg);
        return;
    }
    if (!(notes = status_notes(t))) {
        fail(rq, rs, 503, "the status notes (public.json in the web directory) are unreadable");
        return;
    }
    if (no_slot(rq, rs)) {
        free(notes);
        return;
    }
    json = cases_public_request(t->pg, canon, notes, &e);
    free(notes);
    if (json && strcmp(json, "[]") == 0) { /* unknown, or of a department kept out */
        slot_give();
        free(json);
        fail(rq, rs, 404, msg);
        return;
    }
    answer(rq, rs, json, &e);
}

static void open311(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    const char *rest = rq->path + strlen("/open311/v2/");
    size_t n;
    err e = {0};
    if (strncmp(rq->path, "/open311/v2/", 12) != 0) {
        fail(rq, rs, 404, "Open311 GeoReport v2 is under /open311/v2/");
        return;
    }
    n = strlen(rest);
    if (strcmp(rest, "services.json") == 0) {
        if (no_args(rq, rs) == 0 && !no_slot(rq, rs))
            answer(rq, rs, cases_public_services(t->pg, &e), &e);
    } else if (strcmp(rest, "requests.json") == 0) {
        cases_public_search s;
        char *notes;
        if (cases_public_search_parse((const char *const *)rq->args, rq->nargs, clock_now_ms(), &s,
                                      &e) < 0) {
            fail(rq, rs, 400, e.msg);
            return;
        }
        if (!(notes = status_notes(t))) {
            fail(rq, rs, 503, "the status notes (public.json in the web directory) are unreadable");
            return;
        }
        if (!no_slot(rq, rs))
            answer(rq, rs, cases_public_requests(t->pg, &s, notes, &e), &e);
        free(notes);
    } else if (strncmp(rest, "requests/", 9) == 0 && n > 14 && !strchr(rest + 9, '/') &&
               strcmp(rest + n - 5, ".json") == 0) {
        open311_request(t, rq, rest + 9, rs);
    } else {
        fail(rq, rs, 404,
             "no such Open311 resource: services.json, requests.json, requests/{id}.json "
             "(JSON only)");
    }
}

static void route(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    if (strcmp(rq->path, "/public") == 0)
        return page(t, rq, rs);
    if (strcmp(rq->path, "/api/public/stats") == 0)
        return stats(t, rq, rs);
    if (strncmp(rq->path, "/open311/", 9) == 0)
        return open311(t, rq, rs);
    fail(rq, rs, 404, "no such API route");
}

void portal_public(portal_thread *t, const portal_request *rq, portal_response *rs)
{
    rs->cors = strcmp(rq->path, "/public") != 0; /* the data, not the page */
    if (rq->post) { /* http.c refuses it first; this is the second guard */
        fail(rq, rs, 405, "the open data is read with GET");
        return;
    }
    if (!limited(t, rq, rs))
        route(t, rq, rs);
}
