/* portal_api.c — the read API's handlers (see portal_api.h), on pool threads. SQL lives in
 * cases_query.c (cases) and chats_query.c (helpdesk conversations); this file checks arguments (400
 * naming the field), visibility (404) and shapes the answers. The media proxy fetches from the
 * Graph API with the access token and caches under SAMPARK_MEDIA_DIR; neither the token nor Meta's
 * URL ever reaches the browser.
 *
 * The POST case actions (reply, docs, resolve, transfer, note, subject, merge) are the desk's own
 * (desk_officer_web): the same decision, events and citizen messages as the WhatsApp command,
 * actor "web:<phone>", in one transaction — the event and its outbox rows, or nothing. */
#include "portal_api.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "catalogue.h"
#include "cases_query.h"
#include "chats_query.h"
#include "clock.h"
#include "directory.h"
#include "media_cache.h"
#include "desk.h"
#include "desk_officer.h"
#include "officer.h"
#include "portal_auth.h"
#include "portal_broadcasts.h"
#include "text.h"

/* Media larger than this is not proxied (WhatsApp allows documents up to 100 MB; a collectorate
 * browser needs photos, voice notes and scans). */
#define MEDIA_MAX (32L * 1024 * 1024)

/* An action's text, as WhatsApp counts a text message (officer.h: 4096 letters). */
#define OFFICER_TEXT_LETTERS 4096

/* The viewer's departments as a JSON array, or NULL: the whole district. */
static const char *visibility(const portal_user *u)
{
    return strcmp(u->role, "officer") == 0 ? u->departments : NULL;
}

void portal_api_db_failed(portal_response *rs, const char *what, const err *e)
{
    portal_log(what, e->msg);
    portal_error(rs, 503, "database unavailable; try again");
}

void portal_api_json_text(portal_response *rs, char *json)
{
    free(rs->body);
    rs->body = json;
    rs->len = strlen(json);
    rs->status = 200;
    rs->ctype = "application/json; charset=utf-8";
}

static int parse_filter(const portal_request *rq, int csv, cases_filter *f, portal_response *rs)
{
    err e = {0};
    if (cases_filter_parse((const char *const *)rq->args, rq->nargs, csv, f, &e) < 0) {
        portal_error(rs, 400, "%s", e.msg);
        return -1;
    }
    return 0;
}

static void list(portal_thread *t, const portal_user *u, const portal_request *rq,
                 portal_response *rs)
{
    cases_filter f;
    err e = {0};
    char *json;
    if (parse_filter(rq, 0, &f, rs) < 0)
        return;
    if (!(json = cases_query_list(t->pg, &f, visibility(u), &e)))
        return portal_api_db_failed(rs, "case list", &e);
    portal_api_json_text(rs, json);
}

static void csv(portal_thread *t, const portal_user *u, const portal_request *rq,
                portal_response *rs)
{
    cases_filter f;
    err e = {0};
    FILE *out;
    long size;
    if (parse_filter(rq, 1, &f, rs) < 0)
        return;
    /* Written to an unlinked temporary file a batch at a time, then sent a chunk at a time:
     * neither side holds the whole list in memory. */
    if (!(out = tmpfile())) {
        portal_error(rs, 503, "cannot write the CSV: %s", strerror(errno));
        return;
    }
    if (cases_query_csv(t->pg, &f, visibility(u), out, &e) < 0 || fflush(out) != 0 ||
        (size = ftell(out)) < 0 || fseek(out, 0, SEEK_SET) != 0) {
        fclose(out);
        return portal_api_db_failed(rs, "case CSV", &e);
    }
    rs->file = out;
    rs->len = (size_t)size;
    rs->status = 200;
    rs->ctype = "text/csv; charset=utf-8";
    rs->disposition = "attachment; filename=\"sampark-cases.csv\"";
}

static void one_case(portal_thread *t, const portal_user *u, const char *tracking,
                     portal_response *rs)
{
    char canon[32], id[24];
    err e = {0};
    char *json = NULL, *messages = NULL;
    json_object *o = NULL, *att;
    int found;
    if (!officer_find_tracking(tracking, canon, NULL, NULL) || strcmp(canon, tracking) != 0) {
        portal_error(rs, 404, "no such case");
        return;
    }
    if ((found = cases_query_visible(t->pg, canon, visibility(u), id, sizeof id, &e)) < 0)
        return portal_api_db_failed(rs, "case", &e);
    if (!found) { /* unknown, or another department's: the same answer */
        portal_error(rs, 404, "no such case");
        return;
    }
    if (!(json = case_json(t->pg, canon, &e)) ||
        !(messages = cases_query_messages(t->pg, id, &e))) {
        portal_api_db_failed(rs, "case", &e);
        goto out;
    }
    o = json_tokener_parse(json);
    if (!o) {
        portal_error(rs, 503, "case: unreadable");
        goto out;
    }
    if (json_object_object_get_ex(o, "attachments", &att))
        for (size_t i = 0; i < json_object_array_length(att); i++) {
            json_object *a = json_object_array_get_idx(att, i), *mid;
            char url[160];
            if (json_object_object_get_ex(a, "media_id", &mid)) {
                snprintf(url, sizeof url, "/api/media/%s", json_object_get_string(mid));
                json_object_object_add(a, "url", json_object_new_string(url));
            }
        }
    json_object_object_add(o, "messages", json_tokener_parse(messages));
    portal_json(rs, 200, o);
out:
    free(json);
    free(messages);
}

/* ---- the media proxy ---------------------------------------------------------------------- */

/* Where a download goes: the cache file, or memory (open_memstream) for Graph's JSON. */
struct sink {
    FILE *f;
    long max;
    long got;
};

static size_t on_data(char *data, size_t size, size_t n, void *ud)
{
    struct sink *k = ud;
    size_t len = size * n;
    if (k->got + (long)len > k->max)
        return 0; /* over the cap: curl stops with an error */
    k->got += (long)len;
    return fwrite(data, 1, len, k->f);
}

/* GET url with the bearer token into k. Returns the HTTP status, or -1. */
static long fetch(const portal_thread *t, const char *url, struct sink *k)
{
    CURL *h = curl_easy_init();
    struct curl_slist *hd = NULL;
    char auth[600];
    long status = -1;
    if (!h)
        return -1;
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", t->cfg->access_token);
    hd = curl_slist_append(hd, auth);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hd);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, k);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)k->max);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    /* No redirects: the token must go to the Graph API's own URL only. */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (curl_easy_perform(h) == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(hd);
    curl_easy_cleanup(h);
    return status;
}

/* A MIME type we may repeat in Content-Type: type/subtype of plain characters, else octets. */
static const char *safe_mime(const char *m, char *out, size_t outsz)
{
    size_t n = strlen(m);
    if (!n || n >= outsz || !strchr(m, '/') ||
        strspn(m, "abcdefghijklmnopqrstuvwxyz0123456789/.+-") != n)
        return "application/octet-stream";
    memcpy(out, m, n + 1);
    return out;
}

/* The media's download URL, and its type into mime, from the Graph API; one over MEDIA_MAX is
 * refused. 0 ok, -1 with the error in rs. */
static int media_lookup(const portal_thread *t, const char *id, char *url, size_t urlsz, char *mime,
                        size_t mimesz, portal_response *rs)
{
    char *answer = NULL;
    size_t answer_len = 0;
    struct sink k = {0};
    json_object *meta = NULL, *v;
    long status;
    int rc = -1;
    snprintf(url, urlsz, "%s/%s", t->cfg->api_base, id);
    k.max = 65536;
    if (!(k.f = open_memstream(&answer, &answer_len))) {
        portal_error(rs, 503, "out of memory");
        return -1;
    }
    status = fetch(t, url, &k);
    fclose(k.f);
    meta = status == 200 && answer ? json_tokener_parse(answer) : NULL;
    free(answer);
    if (!meta || !json_object_object_get_ex(meta, "url", &v) ||
        (strncmp(json_object_get_string(v), "https://", 8) != 0 &&
         strncmp(json_object_get_string(v), "http://", 7) != 0)) {
        char why[40];
        snprintf(why, sizeof why, "HTTP %ld", status);
        portal_log("media lookup failed", why);
        portal_error(rs, 502, "media: the WhatsApp server did not give it (HTTP %ld)", status);
        goto out;
    }
    snprintf(url, urlsz, "%s", json_object_get_string(v));
    if (json_object_object_get_ex(meta, "file_size", &v) && json_object_get_int64(v) > MEDIA_MAX) {
        portal_error(rs, 502,
                     "media: %lld bytes, over the portal's %ld MiB; open it in "
                     "WhatsApp",
                     (long long)json_object_get_int64(v), MEDIA_MAX / 1024 / 1024);
        goto out;
    }
    if (json_object_object_get_ex(meta, "mime_type", &v))
        snprintf(mime, mimesz, "%s", json_object_get_string(v));
    rc = 0;
out:
    json_object_put(meta);
    return rc;
}

/* Downloads url into the cache file path and notes mime beside it in mpath. 0 ok, -1 with the
 * error in rs. */
static int media_download(const portal_thread *t, const char *url, const char *path,
                          const char *mpath, const char *mime, portal_response *rs)
{
    char part[1220];
    struct sink k = {0};
    FILE *f;
    int fd = -1;
    long status;
    if (mkdir(t->cfg->media_dir, 0700) < 0 && errno != EEXIST) {
        portal_error(rs, 503, "media: cannot create SAMPARK_MEDIA_DIR: %s", strerror(errno));
        return -1;
    }
    /* Written aside and renamed into place: a half-written file is never served. */
    snprintf(part, sizeof part, "%s.XXXXXX", path);
    k.max = MEDIA_MAX;
    if ((fd = mkstemp(part)) < 0 || !(k.f = fdopen(fd, "wb"))) {
        if (fd >= 0) {
            close(fd);
            unlink(part);
        }
        portal_error(rs, 503, "media: cannot write the cache: %s", strerror(errno));
        return -1;
    }
    status = fetch(t, url, &k);
    if (fclose(k.f) != 0 || status != 200) {
        unlink(part);
        char why[40];
        snprintf(why, sizeof why, "HTTP %ld", status);
        portal_log("media download failed", why);
        portal_error(rs, 502, "media: the download failed (HTTP %ld)", status);
        return -1;
    }
    if ((f = fopen(mpath, "w"))) {
        fputs(mime, f);
        fclose(f);
    }
    if (rename(part, path) < 0) {
        unlink(part);
        portal_error(rs, 503, "media: cannot write the cache: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* rs->ctype must outlive the request: one of a fixed list, or plain octets. */
static const char *media_ctype(const char *mime)
{
    char safe[100];
    const char *m = safe_mime(mime, safe, sizeof safe);
    static const char *const known[] = {"image/jpeg", "image/png",       "image/webp", "audio/ogg",
                                        "audio/mpeg", "audio/aac",       "audio/mp4",  "video/mp4",
                                        "video/3gpp", "application/pdf", NULL};
    const char *ctype = "application/octet-stream";
    for (const char *const *kk = known; *kk; kk++)
        if (strncmp(m, *kk, strlen(*kk)) == 0)
            ctype = *kk;
    return ctype;
}

/* Answers with the cached file path, typed by the note in mpath; when the note is missing,
 * mime keeps what the caller had (the type just fetched, or ""). */
static void media_serve(portal_response *rs, const char *path, const char *mpath, char *mime,
                        size_t mimesz)
{
    struct stat st;
    FILE *f;
    if ((f = fopen(mpath, "r"))) {
        if (!fgets(mime, (int)mimesz, f))
            mime[0] = '\0';
        fclose(f);
    }
    if (!(f = fopen(path, "rb")) || fstat(fileno(f), &st) < 0) {
        if (f)
            fclose(f);
        portal_error(rs, 503, "media: cannot read the cache");
        return;
    }
    rs->file = f;
    rs->len = (size_t)st.st_size;
    rs->status = 200;
    rs->ctype = media_ctype(mime);
    /* Photos, voice notes, video and PDFs open in the browser; anything else downloads. */
    rs->disposition = strcmp(rs->ctype, "application/octet-stream") == 0 ? "attachment" : "inline";
}

/* The portal's media proxy: a case's media the user may see, fetched once from the Graph API
 * into SAMPARK_MEDIA_DIR (named by the SHA-256 of its id) and served from there. */
static void media(portal_thread *t, const portal_user *u, const char *id, portal_response *rs)
{
    char path[1200], mpath[1200], url[1200], mime[100] = "";
    struct stat st;
    err e = {0};
    int found;
    if (!*id || strlen(id) > 128 ||
        strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
            strlen(id)) {
        portal_error(rs, 404, "no such media");
        return;
    }
    if ((found = cases_query_media_visible(t->pg, id, visibility(u), &e)) < 0)
        return portal_api_db_failed(rs, "media", &e);
    if (!found) {
        portal_error(rs, 404, "no such media");
        return;
    }
    media_cache_paths(t->cfg->media_dir, id, path, mpath, sizeof path);
    if (stat(path, &st) < 0) { /* not cached yet: from the Graph API */
        if (!t->cfg->access_token) {
            portal_error(rs, 503, "media: not available in dry-run (no WA_ACCESS_TOKEN)");
            return;
        }
        if (media_lookup(t, id, url, sizeof url, mime, sizeof mime, rs) < 0 ||
            media_download(t, url, path, mpath, mime, rs) < 0)
            return;
    }
    media_serve(rs, path, mpath, mime, sizeof mime);
}

void portal_api_media_sweep(portal_thread *t, const char *arg)
{
    /* One sweep at a time: one slower than SAMPARK_MEDIA_SWEEP_S (a lock on attachments, a
     * big cache) must not be joined by the next ticks' on the pool's other threads — three
     * would leave the officers' portal none. */
    static atomic_flag running = ATOMIC_FLAG_INIT;
    size_t removed = 0;
    err e = {0};
    (void)arg;
    if (atomic_flag_test_and_set(&running)) {
        log_info("portal", "media cache: the last sweep still runs; this one is skipped");
        return;
    }
    if (media_cache_sweep(t->pg, t->cfg->media_dir, 3600, &removed, &e) < 0)
        portal_log("media cache sweep", e.msg);
    atomic_flag_clear(&running);
    if (removed)
        log_info("portal", "media cache: %zu files no attachment names any more removed", removed);
}

/* ---- statistics and the weekly review -------------------------------------------------------- */

/* Days since 1970 of a valid YYYY-MM-DD. */
static long day_number(const char *date)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = atoi(date) - 1900;
    tm.tm_mon = atoi(date + 5) - 1;
    tm.tm_mday = atoi(date + 8);
    return (long)(timegm(&tm) / 86400);
}

static void stats(portal_thread *t, const portal_user *u, const portal_request *rq,
                  portal_response *rs)
{
    char from[11], to[11];
    err e = {0};
    char *json;
    time_t now = time(NULL) + 19800; /* the district's day (IST) for the defaults */
    struct tm tm;
    for (size_t i = 0; i < rq->nargs; i++)
        if (strncmp(rq->args[i], "from=", 5) != 0 && strncmp(rq->args[i], "to=", 3) != 0) {
            portal_error(rs, 400, "%.*s: unknown argument (from, to)",
                         (int)strcspn(rq->args[i], "="), rq->args[i]);
            return;
        }
    gmtime_r(&now, &tm);
    strftime(to, sizeof to, "%Y-%m-%d", &tm);
    now -= 29 * 86400;
    gmtime_r(&now, &tm);
    strftime(from, sizeof from, "%Y-%m-%d", &tm);
    if (portal_arg(rq, "from") && *portal_arg(rq, "from"))
        snprintf(from, sizeof from, "%.10s", portal_arg(rq, "from"));
    if (portal_arg(rq, "to") && *portal_arg(rq, "to"))
        snprintf(to, sizeof to, "%.10s", portal_arg(rq, "to"));
    if ((portal_arg(rq, "from") && *portal_arg(rq, "from") &&
         (strlen(portal_arg(rq, "from")) != 10 || cases_date_ok(from) < 0))) {
        portal_error(rs, 400, "from: must be a date YYYY-MM-DD");
        return;
    }
    if ((portal_arg(rq, "to") && *portal_arg(rq, "to") &&
         (strlen(portal_arg(rq, "to")) != 10 || cases_date_ok(to) < 0))) {
        portal_error(rs, 400, "to: must be a date YYYY-MM-DD");
        return;
    }
    if (strcmp(from, to) > 0) {
        portal_error(rs, 400, "from: is after to");
        return;
    }
    {
        if (day_number(to) - day_number(from) > 366) {
            portal_error(rs, 400, "to: at most 366 days after from");
            return;
        }
    }
    if (!(json = cases_query_stats(t->pg, from, to, visibility(u), &e)))
        return portal_api_db_failed(rs, "stats", &e);
    portal_api_json_text(rs, json);
}

static void review(portal_thread *t, const portal_user *u, const portal_request *rq,
                   portal_response *rs)
{
    const char *week = portal_arg(rq, "week");
    char monday[11];
    err e = {0};
    char *json;
    for (size_t i = 0; i < rq->nargs; i++)
        if (strncmp(rq->args[i], "week=", 5) != 0) {
            portal_error(rs, 400, "%.*s: unknown argument (week)", (int)strcspn(rq->args[i], "="),
                         rq->args[i]);
            return;
        }
    if (!week || cases_week_monday(week, monday) < 0) {
        portal_error(rs, 400, "week: must be an ISO week such as 2026-W49");
        return;
    }
    if (!(json = cases_query_review(t->pg, monday, visibility(u), &e)))
        return portal_api_db_failed(rs, "review", &e);
    portal_api_json_text(rs, json);
}

/* ---- the helpdesk (SPEC section 11) ---------------------------------------------------------- */

static json_object *hhmm(int minute)
{
    char s[8];
    snprintf(s, sizeof s, "%02d:%02d", minute / 60 % 24, minute % 60);
    return json_object_new_string(s);
}

/* [{"phone", "name"}]: the name from the officers (names: phone → name), null for a phone that
 * is no department's officer (a nodal officer on the fallback list). */
static json_object *phones_json(const char *const *phones, size_t n, json_object *names)
{
    json_object *a = json_object_new_array(), *name;
    for (size_t i = 0; i < n; i++) {
        json_object *p = json_object_new_object();
        json_object_object_add(p, "phone", json_object_new_string(phones[i]));
        json_object_object_add(
            p, "name",
            json_object_object_get_ex(names, phones[i], &name) ? json_object_get(name) : NULL);
        json_object_array_add(a, p);
    }
    return a;
}

/* The slots (or opening hours) of r's list that run on day, in the directory's order. */
static json_object *today_json(const roster_slot *list, size_t n, int day, int minute,
                               json_object *names)
{
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n; i++) {
        const roster_slot *s = &list[i];
        json_object *x;
        if (!(s->days & (1u << day)))
            continue;
        x = json_object_new_object();
        if (s->department) {
            json_object_object_add(x, "department", json_object_new_string(s->department));
            json_object_object_add(x, "phones", phones_json(s->phones, s->nphones, names));
        }
        json_object_object_add(x, "from", hhmm(s->from));
        json_object_object_add(x, "to", hhmm(s->to));
        json_object_object_add(x, "on_duty_now",
                               json_object_new_boolean(roster_slot_runs(s, day, minute)));
        json_object_array_add(a, x);
    }
    return a;
}

/* Today's roster at day/minute: the slots with who sits in them, the opening hours, whether the
 * desk is open (else when the next slot starts), who is on duty now and the fallback phones. */
static json_object *roster_json(const roster *r, int day, int minute, json_object *names)
{
    json_object *o = json_object_new_object(), *next = NULL;
    const char *on[ROSTER_MAX_SLOTS];
    size_t non = roster_on_duty(r, NULL, day, minute, on, ROSTER_MAX_SLOTS);
    int open = roster_is_open(r, day, minute), nd, nm, wait;
    json_object_object_add(o, "slots", today_json(r->slots, r->nslots, day, minute, names));
    json_object_object_add(o, "hours", today_json(r->hours, r->nhours, day, minute, names));
    json_object_object_add(o, "open_now", json_object_new_boolean(open));
    if (!open && (wait = roster_next_opening(r, NULL, day, minute, &nd, &nm)) >= 0) {
        next = json_object_new_object();
        json_object_object_add(next, "day", json_object_new_string(roster_day_name(nd)));
        json_object_object_add(next, "time", hhmm(nm));
        json_object_object_add(next, "in_minutes", json_object_new_int(wait));
    }
    json_object_object_add(o, "next_opening", next);
    json_object_object_add(o, "on_duty_now",
                           phones_json(on, non < ROSTER_MAX_SLOTS ? non : ROSTER_MAX_SLOTS, names));
    json_object_object_add(o, "fallback_phones",
                           phones_json(r->fallback_phones, r->nfallback, names));
    return o;
}

/* {"local": "YYYY-MM-DD HH:MM", "timezone", "weekday"} from directory_stored_helpdesk's
 * "YYYY-MM-DD HH:MM Zone"; null when no directory is loaded. */
static json_object *now_json(const char *local, int day)
{
    json_object *o;
    if (strlen(local) < 16)
        return NULL;
    o = json_object_new_object();
    json_object_object_add(o, "local", json_object_new_string_len(local, 16));
    json_object_object_add(o, "timezone", json_object_new_string(local[16] ? local + 17 : ""));
    json_object_object_add(o, "weekday", json_object_new_string(roster_day_name(day)));
    return o;
}

/* GET /api/helpdesk: today's roster, the open conversations, the unanswered and the median
 * first answer (chats_query_desk); the roster is the whole district's for every role (it is the
 * Kendra's timetable), the conversations only those the viewer may see. */
static void helpdesk(portal_thread *t, const portal_user *u, const portal_request *rq,
                     portal_response *rs)
{
    char local[96] = "", *stored = NULL, *names = NULL, *chats = NULL;
    int day = 0, minute = 0;
    directory *hd = NULL;
    json_object *o = NULL, *nm = NULL;
    err e = {0};
    if (rq->nargs) {
        portal_error(rs, 400, "%.*s: unknown argument (none taken)", (int)strcspn(rq->args[0], "="),
                     rq->args[0]);
        return;
    }
    if (!(chats = chats_query_desk(t->pg, visibility(u), u->phone, &e)) ||
        directory_stored_helpdesk(t->pg, clock_now_ms(), &stored, &day, &minute, local,
                                  sizeof local, &e) < 0 ||
        !(names = directory_officer_names(t->pg, &e))) {
        portal_api_db_failed(rs, "helpdesk", &e);
        goto out;
    }
    if (!(o = json_tokener_parse(chats)) || !(nm = json_tokener_parse(names)) ||
        (stored &&
         !(hd = directory_helpdesk_parse(stored, strlen(stored), "stored helpdesk", &e)))) {
        portal_log("helpdesk: unreadable", e.msg[0] ? e.msg : "JSON");
        portal_error(rs, 503, "helpdesk: the stored roster or conversations are unreadable");
        goto out;
    }
    json_object_object_add(o, "now", now_json(local, day));
    json_object_object_add(o, "roster",
                           hd && hd->helpdesk ? roster_json(hd->helpdesk, day, minute, nm) : NULL);
    portal_json(rs, 200, o);
    o = NULL;
out:
    json_object_put(o);
    json_object_put(nm);
    directory_free(hd);
    free(chats);
    free(stored);
    free(names);
}

/* ---- the case actions ---------------------------------------------------------------------- */

static const struct {
    const char *name;
    officer_cmd cmd; /* OFFICER_UNKNOWN: the note */
    int text;        /* 2 required, 1 optional */
    int dept;
    int into; /* merge: {"into": TRACKING}, the case it is merged into */
} actions[] = {
    {"reply", OFFICER_REPLY, 2, 0, 0},     {"docs", OFFICER_DOCS, 2, 0, 0},
    {"resolve", OFFICER_RESOLVE, 2, 0, 0}, {"transfer", OFFICER_TRANSFER, 1, 1, 0},
    {"note", OFFICER_UNKNOWN, 2, 0, 0},    {"subject", OFFICER_SUBJECT, 2, 0, 0},
    {"merge", OFFICER_MERGE, 0, 0, 1},
};

int portal_api_string(json_object *o, const char *name, int required, char *out, size_t n,
                      portal_response *rs)
{
    json_object *v;
    const char *s;
    size_t len;
    out[0] = '\0';
    if (!json_object_object_get_ex(o, name, &v)) {
        if (required)
            portal_error(rs, 400, "%s: missing", name);
        return required ? -1 : 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        portal_error(rs, 400, "%s: must be a string", name);
        return -1;
    }
    s = json_object_get_string(v);
    len = (size_t)json_object_get_string_len(v);
    /* json-c decodes \u0000 into the string and passes bytes that are not UTF-8: the C string
     * would end at the NUL (the citizen getting only the text before it) and PostgreSQL refuses
     * the rest (a 503 for what is the client's mistake). */
    if (memchr(s, '\0', len) || !text_utf8_valid(s, len)) {
        portal_error(rs, 400, "%s: not valid UTF-8 text (NUL or a broken sequence)", name);
        return -1;
    }
    s += strspn(s, " \t\r\n");
    len = strlen(s);
    while (len && strchr(" \t\r\n", s[len - 1]))
        len--;
    if (required && !len) {
        portal_error(rs, 400, "%s: empty", name);
        return -1;
    }
    if (len >= n) {
        portal_error(rs, 400, "%s: too long (at most %zu bytes)", name, n - 1);
        return -1;
    }
    memcpy(out, s, len);
    out[len] = '\0';
    return 0;
}

/* The catalogue for this thread: loaded on first use, read again when messages.json changes
 * (a broken new file keeps the running words, as SIGHUP does for the other roles). NULL + e
 * when none could ever be read. */
static const catalogue *thread_catalogue(portal_thread *t, err *e)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", t->cfg->flows_dir, CATALOGUE_FILE);
    if (stat(path, &st) == 0 && (long long)st.st_mtime != t->cat_mtime) {
        err re = {0};
        if (catalogue_reload(&t->cat, t->cfg->flows_dir, &re) == 0)
            t->cat_mtime = (long long)st.st_mtime;
        else if (t->cat)
            portal_log("messages not reloaded, keeping the running ones", re.msg);
        else
            *e = re;
    } else if (!t->cat) {
        err_set(e, ERR_ENV, "%s: cannot read it", path);
    }
    return t->cat;
}


/* Why the desk refused, as the API says it: the status and the error (the field first when one
 * is wrong). A refusal not listed is the case's state: 409, closed. */
static const struct {
    desk_msg why;
    int status;
    const char *error;
} refusals[] = {
    {DESK_MSG_NO_CASE, 404, "no such case"},
    /* visible to a digest reader, who acts on no case */
    {DESK_MSG_NOT_YOURS, 403, "your role may read this case but not act on it"},
    {DESK_MSG_EMPTY_TEXT, 400, "text: empty"},
    {DESK_MSG_NEED_DEPT, 400, "department: missing, or the case's own department"},
    {DESK_MSG_UNKNOWN_DEPT, 400, "department: no active department has this code"},
    /* duplicate complaints (issue 19) */
    {DESK_MSG_SUBJECT_BAD, 400,
     "text: a subject is one line of " DB_STR(DESK_SUBJECT_MIN_CHARS) " to " DB_STR(
         DIRECTORY_SUBJECT_MAX_CHARS) " letters"},
    {DESK_MSG_NEED_INTO, 400, "into: missing, or not a tracking number"},
    {DESK_MSG_MERGE_SELF, 400, "into: a case cannot be merged into itself"},
    {DESK_MSG_NO_INTO, 400, "into: no case has this tracking number"},
    {DESK_MSG_MERGE_INTO_CLOSED, 409, "not allowed: the case to merge into is closed"},
    {DESK_MSG_MERGE_DEPTS, 409,
     "not allowed: the cases are of different departments; transfer first"},
};

static void refused(portal_response *rs, desk_msg why)
{
    for (size_t i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
        if (refusals[i].why == why) {
            portal_error(rs, refusals[i].status, "%s", refusals[i].error);
            return;
        }
    portal_error(rs, 409, "not allowed: the case is closed"); /* DESK_MSG_CLOSED */
}

/* merge's "into": a tracking number in any spelling, canonical in cmd->into; 0, or -1 with rs
 * answered 400. */
static int action_into(json_object *o, officer_command *cmd, portal_response *rs)
{
    char into[64];
    if (portal_api_string(o, "into", 1, into, sizeof into, rs) < 0)
        return -1;
    if (!officer_find_tracking(into, cmd->into, NULL, NULL)) {
        portal_error(rs, 400, "into: not a tracking number");
        return -1;
    }
    return 0;
}

/* The command a web action stands for, from its JSON body (only the action's own fields, the
 * department in capitals): NULL when rs holds the answer. Its 16 KiB of text live on the heap. */
static officer_command *action_command(const portal_request *rq, size_t a, const char *canon,
                                       portal_response *rs)
{
    officer_command *cmd = NULL;
    json_object *o = portal_auth_body(rq, rs);
    if (!o)
        return NULL;
    json_object_object_foreach(o, field, val) {
        (void)val;
        if (!(strcmp(field, "text") == 0 && actions[a].text) &&
            !(strcmp(field, "department") == 0 && actions[a].dept) &&
            !(strcmp(field, "into") == 0 && actions[a].into)) {
            portal_error(rs, 400, "%.40s: unknown field (%s)", field,
                         actions[a].dept   ? "department, text"
                         : actions[a].into ? "into"
                                           : "text");
            goto out;
        }
    }
    if (!(cmd = calloc(1, sizeof *cmd))) {
        portal_error(rs, 503, "out of memory");
        goto out;
    }
    cmd->cmd = actions[a].cmd;
    snprintf(cmd->tracking, sizeof cmd->tracking, "%s", canon);
    if (portal_api_string(o, "text", actions[a].text == 2, cmd->text, sizeof cmd->text, rs) < 0 ||
        (actions[a].dept &&
         portal_api_string(o, "department", 1, cmd->dept, sizeof cmd->dept, rs) < 0) ||
        (actions[a].into && action_into(o, cmd, rs) < 0)) {
        free(cmd);
        cmd = NULL;
        goto out;
    }
    /* What WhatsApp carries (and the app's textarea allows): a longer text reached the citizen
     * cut short in the middle while its event kept it whole. */
    if (text_utf8_chars(cmd->text) > OFFICER_TEXT_LETTERS) {
        portal_error(rs, 400, "text: too long (at most %d letters)", OFFICER_TEXT_LETTERS);
        free(cmd);
        cmd = NULL;
        goto out;
    }
    for (char *d = cmd->dept; *d; d++)
        if (*d >= 'a' && *d <= 'z')
            *d = (char)(*d - 'a' + 'A');
out:
    json_object_put(o);
    return cmd;
}

/* The desk's action for the signed-in person, in one transaction, actor web:<phone>, its outbox
 * keys from a fresh random id: 0 done, -1 when rs holds the answer (refused, or a failure). */
static int run_action(portal_thread *t, const portal_user *u, const officer_command *cmd,
                      desk_msg *told, portal_response *rs)
{
    char actor[40], key[40];
    unsigned char nonce[12];
    desk_out dout;
    desk_msg why;
    int note = cmd->cmd == OFFICER_UNKNOWN;
    err e = {0};
    if (RAND_bytes(nonce, sizeof nonce) != 1) {
        portal_error(rs, 503, "no randomness; try again");
        return -1;
    }
    snprintf(key, sizeof key, "web:");
    for (size_t i = 0; i < sizeof nonce; i++)
        snprintf(key + 4 + 2 * i, 3, "%02x", nonce[i]);
    snprintf(actor, sizeof actor, "web:%s", u->phone);
    memset(&dout, 0, sizeof dout);
    dout.pg = t->pg;
    dout.key = key;
    /* Decided on the case as it is: a WhatsApp command or another web action on it waits. */
    dout.lock_case = 1;
    if (!(dout.cat = thread_catalogue(t, &e))) {
        portal_log("case action", e.msg);
        portal_error(rs, 503, "the message catalogue cannot be read; try again");
        return -1;
    }
    if (db_begin(t->pg, &e) < 0)
        return portal_api_db_failed(rs, "case action", &e), -1;
    if (desk_officer_web(&dout, u->phone, actor, cmd, note, &why, told, &e) < 0) {
        db_rollback(t->pg);
        return portal_api_db_failed(rs, "case action", &e), -1;
    }
    if (why != DESK_MSG_NONE) {
        db_rollback(t->pg);
        refused(rs, why);
        return -1;
    }
    if (db_commit(t->pg, &e) < 0)
        return portal_api_db_failed(rs, "case action", &e), -1;
    return 0;
}

static void case_action(portal_thread *t, const portal_user *u, const portal_request *rq,
                        const char *tracking, const char *name, portal_response *rs)
{
    officer_command *cmd = NULL;
    desk_msg told = DESK_MSG_NONE;
    char canon[32], id[24];
    json_object *out;
    case_info c;
    err e = {0};
    size_t a = 0, nact = sizeof actions / sizeof actions[0];
    int found;
    while (a < nact && strcmp(actions[a].name, name) != 0)
        a++;
    if (a == nact) {
        portal_error(rs, 404, "no such API route");
        return;
    }
    if (!officer_find_tracking(tracking, canon, NULL, NULL) || strcmp(canon, tracking) != 0) {
        portal_error(rs, 404, "no such case");
        return;
    }
    if (!(cmd = action_command(rq, a, canon, rs)))
        return;
    if ((found = cases_query_visible(t->pg, canon, visibility(u), id, sizeof id, &e)) < 0)
        portal_api_db_failed(rs, "case action", &e);
    else if (!found) /* unknown, or another department's: the same answer */
        portal_error(rs, 404, "no such case");
    else if (run_action(t, u, cmd, &told, rs) == 0) {
        /* Past DESK_MAX_TRANSFERS an officer's transfer only asks the nodal officers (as on
         * WhatsApp, where the officer is told so): 202, the case where it was. */
        int asked = told == DESK_MSG_TRANSFER_LIMIT;
        out = json_object_new_object();
        json_object_object_add(out, "ok", json_object_new_boolean(1));
        json_object_object_add(out, "action", json_object_new_string(actions[a].name));
        if (asked)
            json_object_object_add(out, "requested", json_object_new_string("nodal"));
        json_object_object_add(out, "tracking_no", json_object_new_string(canon));
        if (case_get(t->pg, canon, &c, &e) > 0) {
            json_object_object_add(out, "status", json_object_new_string(c.status));
            json_object_object_add(out, "department", json_object_new_string(c.department));
        }
        portal_json(rs, asked ? 202 : 200, out);
    }
    free(cmd);
}

void portal_api(portal_thread *t, const portal_user *u, const portal_request *rq,
                portal_response *rs)
{
    const char *path = rq->path;
    if (strcmp(path, "/api/broadcast-templates") == 0 ||
        strcmp(path, "/api/broadcast-surveys") == 0 ||
        (strncmp(path, "/api/broadcasts", 15) == 0 && (!path[15] || path[15] == '/')))
        return portal_broadcasts(t, u, rq, rs);
    if (rq->post) {
        const char *slash;
        char tracking[40];
        if (strncmp(path, "/api/cases/", 11) != 0 || !(slash = strchr(path + 11, '/')) ||
            strchr(slash + 1, '/') || (size_t)(slash - (path + 11)) >= sizeof tracking) {
            portal_error(rs, 404, "no such API route");
            return;
        }
        snprintf(tracking, sizeof tracking, "%.*s", (int)(slash - (path + 11)), path + 11);
        return case_action(t, u, rq, tracking, slash + 1, rs);
    }
    if (strcmp(path, "/api/cases") == 0)
        return list(t, u, rq, rs);
    if (strcmp(path, "/api/cases.csv") == 0)
        return csv(t, u, rq, rs);
    if (strncmp(path, "/api/cases/", 11) == 0 && !strchr(path + 11, '/'))
        return one_case(t, u, path + 11, rs);
    if (strncmp(path, "/api/media/", 11) == 0 && !strchr(path + 11, '/'))
        return media(t, u, path + 11, rs);
    if (strcmp(path, "/api/stats") == 0)
        return stats(t, u, rq, rs);
    if (strcmp(path, "/api/review") == 0)
        return review(t, u, rq, rs);
    if (strcmp(path, "/api/helpdesk") == 0)
        return helpdesk(t, u, rq, rs);
    portal_error(rs, 404, "no such API route");
}
