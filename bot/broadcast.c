/* broadcast.c — creating and steering broadcasts (see broadcast.h): the segment, the CSV, the
 * template check, and the commands. Owns broadcasts and broadcast_recipients (migration 0026);
 * reads subscribers (bot/subscribers.c's) and cases only inside its own segment statements.
 * Never writes the outbox itself: the feeder (broadcast_feed.c) does, within the limits. */
#include "broadcast.h"

#include <ctype.h>
#include <json.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "jsonfile.h"
#include "place.h"
#include "sender.h"
#include "text.h"
#include "vec.h"

/* ---- pure parts ----------------------------------------------------------------------------- */

static int segment_days(const char *s, int *days)
{
    char *end;
    long v;
    if (strncmp(s, "days=", 5) != 0)
        return -1;
    v = strtol(s + 5, &end, 10);
    if (end == s + 5 || *end || v < 1 || v > 3650)
        return -1;
    *days = (int)v;
    return 0;
}

int broadcast_parse_segment(const char *to, broadcast_segment *out, err *e)
{
    static const struct {
        const char *prefix;
        broadcast_to kind;
    } kinds[] = {{"village=", BROADCAST_TO_VILLAGE},
                 {"block=", BROADCAST_TO_BLOCK},
                 {"department=", BROADCAST_TO_DEPARTMENT},
                 {"file=", BROADCAST_TO_FILE}};
    memset(out, 0, sizeof *out);
    out->days = 30;
    if (strcmp(to, "subscribers") == 0) {
        out->kind = BROADCAST_TO_SUBSCRIBERS;
        return 0;
    }
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t n = strlen(kinds[i].prefix);
        const char *v = to + n;
        if (strncmp(to, kinds[i].prefix, n) != 0)
            continue;
        out->kind = kinds[i].kind;
        if (!*v || strlen(v) >= sizeof out->value)
            return err_set(e, ERR_USER, "--to %s: the %.*s is missing or longer than %zu bytes", to,
                           (int)n - 1, to, sizeof out->value - 1);
        snprintf(out->value, sizeof out->value, "%s", v);
        if (out->kind == BROADCAST_TO_DEPARTMENT) {
            char *comma = strchr(out->value, ',');
            if (comma) {
                *comma = '\0';
                if (segment_days(comma + 1, &out->days) < 0)
                    return err_set(e, ERR_USER,
                                   "--to %s: after the department comes days=N, N from 1 to 3650",
                                   to);
            }
            for (char *p = out->value; *p; p++)
                *p = (char)toupper((unsigned char)*p);
        }
        return 0;
    }
    return err_set(e, ERR_USER,
                   "--to '%s' is not one of subscribers, village=V, block=B, "
                   "department=D[,days=N], file=PHONES.csv",
                   to);
}

/* A WhatsApp id: the country code and the number, 11 to 15 digits, no leading 0 (a bare
 * 10-digit Indian number would go to another country's number). */
static int is_phone(const char *s)
{
    size_t n = strlen(s);
    return n >= 11 && n <= 15 && s[0] != '0' && strspn(s, "0123456789") == n;
}

/* The first field of a CSV line, quotes, spaces, '+' and a UTF-8 BOM removed, into out. */
static void first_field(const char *line, size_t len, char *out, size_t outsz)
{
    size_t n = 0;
    if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
        line += 3;
        len -= 3;
    }
    for (size_t i = 0; i < len && line[i] != ',' && line[i] != ';'; i++) {
        char ch = line[i];
        if (ch == '"' || ch == ' ' || ch == '\t' || ch == '\r' || (ch == '+' && n == 0))
            continue;
        if (n + 1 < outsz)
            out[n++] = ch;
    }
    out[n] = '\0';
}

struct entry {
    char phone[16];
    size_t line, first; /* first: the line it repeats, 0 when it is the first */
};

static int by_phone(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    int c = strcmp(x->phone, y->phone);
    return c ? c : (x->line > y->line) - (x->line < y->line);
}

static int by_line(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

/* Marks repeats (sorting: a file may hold 100,000 lines), reports them, and keeps the firsts. */
static int keep_firsts(struct entry *v, size_t n, const char *source, FILE *report, char ***phones,
                       size_t *nphones)
{
    int bad = 0;
    if (!n)
        return 0;
    qsort(v, n, sizeof *v, by_phone);
    for (size_t i = 1; i < n; i++)
        if (strcmp(v[i].phone, v[i - 1].phone) == 0)
            v[i].first = v[i - 1].first ? v[i - 1].first : v[i - 1].line;
    qsort(v, n, sizeof *v, by_line);
    if (!(*phones = calloc(n, sizeof **phones)))
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (v[i].first) {
            fprintf(report, "%s:%zu: %s repeats line %zu; skipped\n", source, v[i].line, v[i].phone,
                    v[i].first);
            bad++;
        } else if (!((*phones)[(*nphones)++] = strdup(v[i].phone))) {
            return -1;
        }
    }
    return bad;
}

int broadcast_read_phones(const char *text, const char *source, FILE *report, char ***phones,
                          size_t *nphones)
{
    size_t cap = 0, n = 0, lineno = 0;
    struct entry *v = NULL;
    int bad = 0, rc;
    *phones = NULL;
    *nphones = 0;
    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char field[64];
        lineno++;
        first_field(p, len, field, sizeof field);
        p += len + (nl ? 1 : 0);
        if (!field[0] || (lineno == 1 && strcasecmp(field, "phone") == 0))
            continue;
        if (!is_phone(field)) {
            fprintf(report,
                    "%s:%zu: '%s' is not a WhatsApp number (country code and number, 8 to "
                    "15 digits); skipped\n",
                    source, lineno, field);
            bad++;
            continue;
        }
        if (vec_reserve(v, cap, n + 1) < 0) {
            free(v);
            return -1;
        }
        snprintf(v[n].phone, sizeof v[n].phone, "%s", field);
        v[n].line = lineno;
        v[n++].first = 0;
    }
    rc = keep_firsts(v, n, source, report, phones, nphones);
    free(v);
    if (rc < 0) {
        broadcast_free_phones(*phones, *nphones);
        *phones = NULL;
        *nphones = 0;
        return -1;
    }
    return bad + rc;
}

void broadcast_free_phones(char **phones, size_t n)
{
    for (size_t i = 0; phones && i < n; i++)
        free(phones[i]);
    free(phones);
}

static json_object *find_template(json_object *list, const char *name)
{
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        json_object *t = json_object_array_get_idx(list, i), *v;
        if (json_object_object_get_ex(t, "name", &v) &&
            strcmp(json_object_get_string(v), name) == 0)
            return t;
    }
    return NULL;
}

/* "scheme, village" of a template's params, into out. */
static void param_names(json_object *t, char *out, size_t outsz)
{
    json_object *ps = NULL;
    size_t used = 0;
    out[0] = '\0';
    json_object_object_get_ex(t, "params", &ps);
    for (size_t i = 0; ps && i < json_object_array_length(ps) && used < outsz; i++)
        used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? ", " : "",
                                 json_object_get_string(json_object_array_get_idx(ps, i)));
    if (!out[0])
        snprintf(out, outsz, "none");
}

static json_object *body_component(const char *const *params, size_t nparams)
{
    json_object *comp = json_object_new_object(), *list = json_object_new_array();
    json_object_object_add(comp, "type", json_object_new_string("body"));
    for (size_t i = 0; i < nparams; i++) {
        json_object *p = json_object_new_object();
        json_object_object_add(p, "type", json_object_new_string("text"));
        json_object_object_add(p, "text", json_object_new_string(params[i]));
        json_object_array_add(list, p);
    }
    json_object_object_add(comp, "parameters", list);
    return comp;
}

/* A quick-reply button whose payload says which broadcast it answers ("broadcast:" and the id,
 * appended by the create statement: the id is not known yet). */
static json_object *button_component(size_t index)
{
    json_object *b = json_object_new_object(), *ps = json_object_new_array(),
                *p = json_object_new_object();
    char idx[16];
    snprintf(idx, sizeof idx, "%zu", index);
    json_object_object_add(p, "type", json_object_new_string("payload"));
    json_object_object_add(p, "payload", json_object_new_string("broadcast:"));
    json_object_array_add(ps, p);
    json_object_object_add(b, "type", json_object_new_string("button"));
    json_object_object_add(b, "sub_type", json_object_new_string("quick_reply"));
    json_object_object_add(b, "index", json_object_new_string(idx));
    json_object_object_add(b, "parameters", ps);
    return b;
}

int broadcast_check_template(const char *templates_json, const char *name,
                             const char *const *params, size_t nparams, char *lang, size_t langsz,
                             char **components, err *e)
{
    json_object *list = json_tokener_parse(templates_json ? templates_json : "[]"), *t, *v, *comps;
    char names[512];
    size_t want;
    *components = NULL;
    if (!(t = find_template(list, name))) {
        json_object_put(list);
        return err_set(e, ERR_USER,
                       "template '%s' is not among the directory's broadcast_templates", name);
    }
    param_names(t, names, sizeof names);
    want = json_object_object_get_ex(t, "params", &v) ? json_object_array_length(v) : 0;
    if (want != nparams) {
        json_object_put(list);
        return err_set(e, ERR_USER, "template '%s' takes %zu --param (%s), %zu given", name, want,
                       names, nparams);
    }
    for (size_t i = 0; i < nparams; i++)
        if (!params[i][strspn(params[i], " \t\r\n")]) {
            json_object_put(list);
            return err_set(e, ERR_USER, "template '%s': --param %zu (%s) is empty", name, i + 1,
                           names);
        }
    json_object_object_get_ex(t, "language", &v);
    snprintf(lang, langsz, "%s", json_object_get_string(v));
    comps = json_object_new_array();
    if (nparams)
        json_object_array_add(comps, body_component(params, nparams));
    if (json_object_object_get_ex(t, "buttons", &v))
        for (size_t i = 0; i < json_object_array_length(v); i++)
            json_object_array_add(comps, button_component(i));
    *components = strdup(json_object_to_json_string_ext(comps, JSON_C_TO_STRING_PLAIN |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(comps);
    json_object_put(list);
    return *components ? 0 : err_set(e, ERR_ENV, "out of memory");
}

broadcast_fate broadcast_classify(int stopped, int blocked, int window_open)
{
    if (stopped)
        return BROADCAST_SKIP_STOPPED;
    if (blocked)
        return BROADCAST_SKIP_BLOCKED;
    return window_open ? BROADCAST_FREE : BROADCAST_COUNTED;
}

/* ---- create --------------------------------------------------------------------------------- */

static const db_stmt st_templates = {"broadcast_templates",
                                     "SELECT broadcast_templates::text FROM districts", 0};
static const db_stmt st_department = {"broadcast_department",
                                      "SELECT 1 FROM departments WHERE code = $1", 1};
static const db_stmt st_insert = {
    "broadcast_insert",
    "INSERT INTO broadcasts (template, language, params, segment, created_by, survey)"
    " VALUES ($1, $2, $3::jsonb, $4, $5, $6) RETURNING id",
    6};
/* The quick replies' payloads get the broadcast's id ("broadcast:17"). */
static const db_stmt st_components = {
    "broadcast_components",
    "UPDATE broadcasts SET components = (SELECT COALESCE(jsonb_agg(CASE WHEN c->>'type' = 'button'"
    "  THEN jsonb_set(c, '{parameters,0,payload}', to_jsonb('broadcast:' || $1)) ELSE c END),"
    "  '[]') FROM jsonb_array_elements($2::jsonb) c) WHERE id = $1::bigint",
    2};

/* Everyone of a segment (src: a SELECT of phone) becomes a recipient; who said STOP or blocked
 * the business is kept as skipped, with why, so `show` counts them. */
#define RECIPIENTS(src)                                                                            \
    "INSERT INTO broadcast_recipients (broadcast_id, phone, state, error)"                         \
    " SELECT $1::bigint, p.phone,"                                                                 \
    "  CASE WHEN s.state = 'stopped' OR s.blocked_at IS NOT NULL THEN 'skipped' ELSE 'queued' "    \
    "END,"                                                                                         \
    "  CASE WHEN s.state = 'stopped' THEN 'stopped' WHEN s.blocked_at IS NOT NULL THEN 'blocked'"  \
    "  END"                                                                                        \
    " FROM (" src ") p LEFT JOIN subscribers s ON s.phone = p.phone"                               \
    " ON CONFLICT (broadcast_id, phone) DO NOTHING"

static const db_stmt st_to_subscribers = {
    "broadcast_to_subscribers",
    RECIPIENTS("SELECT phone FROM subscribers WHERE state = 'subscribed'"), 1};
static const db_stmt st_to_village = {
    "broadcast_to_village", RECIPIENTS("SELECT phone FROM subscribers WHERE village_key = $2"), 2};
static const db_stmt st_to_block = {
    "broadcast_to_block",
    RECIPIENTS("SELECT phone FROM subscribers WHERE lower(block) = lower($2)"), 2};
static const db_stmt st_to_department = {
    "broadcast_to_department",
    RECIPIENTS("SELECT DISTINCT citizen_phone AS phone FROM cases WHERE department_code = $2"
               " AND created_at > now() - $3::int * interval '1 day' AND citizen_phone IS NOT NULL"),
    3};
static const db_stmt st_to_file = {"broadcast_to_file",
                                   RECIPIENTS("SELECT DISTINCT unnest($2::text[]) AS phone"), 2};
static const db_stmt st_counts = {
    "broadcast_counts",
    "SELECT count(*) FILTER (WHERE state = 'queued'), count(*) FILTER (WHERE state = 'skipped')"
    " FROM broadcast_recipients WHERE broadcast_id = $1::bigint",
    1};

char *broadcast_templates(db *d, err *e)
{
    PGresult *r = db_query(d, &st_templates, NULL, e);
    char *out = NULL;
    if (!r)
        return NULL;
    if (PQntuples(r) == 0)
        err_set(e, ERR_USER, "no district directory loaded yet (sampark directory load FILE)");
    else if (!(out = strdup(PQgetvalue(r, 0, 0))))
        err_set(e, ERR_ENV, "out of memory");
    PQclear(r);
    return out;
}

static int check_department(db *d, const char *code, err *e)
{
    PGresult *r = db_query(d, &st_department, (const char *[]){code}, e);
    int found;
    if (!r)
        return -1;
    found = PQntuples(r) > 0;
    PQclear(r);
    return found ? 0 : err_set(e, ERR_USER, "--to department=%s: no such department", code);
}

/* The segment's phones into broadcast id's recipients. */
static int add_recipients(db *d, const char *id, const broadcast_segment *seg, char *const *phones,
                          size_t nphones, err *e)
{
    char key[PLACE_KEY_MAX], days[16], *arr;
    int rc;
    switch (seg->kind) {
    case BROADCAST_TO_SUBSCRIBERS:
        return db_exec(d, &st_to_subscribers, (const char *[]){id}, e);
    case BROADCAST_TO_VILLAGE:
        place_key(seg->value, key, sizeof key);
        return db_exec(d, &st_to_village, (const char *[]){id, key}, e);
    case BROADCAST_TO_BLOCK:
        return db_exec(d, &st_to_block, (const char *[]){id, seg->value}, e);
    case BROADCAST_TO_DEPARTMENT:
        snprintf(days, sizeof days, "%d", seg->days);
        return db_exec(d, &st_to_department, (const char *[]){id, seg->value, days}, e);
    case BROADCAST_TO_FILE:
        if (!(arr = db_text_array((const char *const *)phones, nphones)))
            return err_set(e, ERR_ENV, "out of memory");
        rc = db_exec(d, &st_to_file, (const char *[]){id, arr}, e);
        free(arr);
        return rc;
    }
    return err_set(e, ERR_USER, "unknown segment");
}

/* The broadcast row and its recipients, in one transaction; an empty segment is rolled back. */
static int store(db *d, const char *const *row, const char *components,
                 const broadcast_segment *seg, char *const *phones, size_t nphones,
                 broadcast_created *out, err *e)
{
    PGresult *r;
    if (db_begin(d, e) < 0)
        return -1;
    if (!(r = db_query(d, &st_insert, row, e)))
        goto fail;
    db_copy(out->id, sizeof out->id, r, 0, 0);
    PQclear(r);
    if (db_exec(d, &st_components, (const char *[]){out->id, components}, e) < 0 ||
        add_recipients(d, out->id, seg, phones, nphones, e) < 0 ||
        !(r = db_query(d, &st_counts, (const char *[]){out->id}, e)))
        goto fail;
    out->recipients = atol(PQgetvalue(r, 0, 0));
    out->skipped = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (out->recipients == 0) {
        err_set(e, ERR_USER,
                "--to %s: nobody to send to (%ld in the segment said STOP or blocked "
                "the number); nothing created",
                row[3], out->skipped);
        goto fail;
    }
    return db_commit(d, e);
fail:
    db_rollback(d);
    return -1;
}

static int read_segment_file(const broadcast_segment *seg, FILE *report, char ***phones, size_t *n,
                             err *e)
{
    size_t len;
    char *text = jsonfile_read(seg->value, &len, e);
    int bad;
    if (!text)
        return -1;
    if (strlen(text) != len) { /* the lines after a NUL would be dropped without a word */
        size_t line = 1;
        for (const char *p = text; *p; p++)
            line += *p == '\n';
        free(text);
        return err_set(e, ERR_USER,
                       "--to file=%s:%zu: a NUL byte: not a text file of phones; nothing created",
                       seg->value, line);
    }
    bad = broadcast_read_phones(text, seg->value, report, phones, n);
    free(text);
    if (bad < 0)
        return err_set(e, ERR_ENV, "out of memory");
    if (*n == 0)
        return err_set(e, ERR_USER, "--to file=%s: no valid phone in the file", seg->value);
    return 0;
}

/* The parameters cleaned as Graph wants them (no newlines, tabs, runs of spaces: malloc'd copies
 * into clean) and as a JSON array (malloc'd) for the broadcast's row. */
static char *clean_params(const char *const *params, size_t nparams, char **clean)
{
    json_object *pj = json_object_new_array();
    char *out;
    for (size_t i = 0; i < nparams; i++) {
        if (!(clean[i] = strdup(params[i]))) {
            json_object_put(pj);
            return NULL;
        }
        sender_sanitize_param(clean[i]);
        json_object_array_add(pj, json_object_new_string(clean[i]));
    }
    out = strdup(json_object_to_json_string_ext(pj, JSON_C_TO_STRING_PLAIN));
    json_object_put(pj);
    return out;
}

int broadcast_create(db *d, const char *template_name, const char *const *params, size_t nparams,
                     const char *to, const char *created_by, const char *survey, FILE *report,
                     broadcast_created *out, err *e)
{
    broadcast_segment seg;
    char lang[16], *templates = NULL, *components = NULL, *params_json = NULL, **phones = NULL;
    char **clean = calloc(nparams + 1, sizeof *clean);
    size_t nphones = 0;
    int rc = -1;
    memset(out, 0, sizeof *out);
    if (!clean || !(params_json = clean_params(params, nparams, clean))) {
        err_set(e, ERR_ENV, "out of memory");
        goto out;
    }
    if (broadcast_parse_segment(to, &seg, e) < 0 || !(templates = broadcast_templates(d, e)) ||
        broadcast_check_template(templates, template_name, (const char *const *)clean, nparams,
                                 lang, sizeof lang, &components, e) < 0)
        goto out;
    if ((seg.kind == BROADCAST_TO_DEPARTMENT && check_department(d, seg.value, e) < 0) ||
        (seg.kind == BROADCAST_TO_FILE &&
         read_segment_file(&seg, report, &phones, &nphones, e) < 0))
        goto out;
    rc = store(
        d,
        (const char *[]){template_name, lang, params_json, to, created_by ? created_by : "cli",
                         survey && *survey ? survey : NULL},
        components, &seg, phones, nphones, out, e);
out:
    broadcast_free_phones(phones, nphones);
    broadcast_free_phones(clean, nparams);
    free(templates);
    free(components);
    free(params_json);
    return rc;
}

/* ---- steering ------------------------------------------------------------------------------- */

static const db_stmt st_state = {"broadcast_state",
                                 "SELECT state FROM broadcasts WHERE id = $1::bigint", 1};
static const db_stmt st_start = {
    "broadcast_start",
    "WITH b AS (UPDATE broadcasts SET state = 'running', started_at = COALESCE(started_at, now()),"
    " template_failures = 0, paused_reason = NULL, resumed_at = now(), updated_at = now()"
    " WHERE id = $1::bigint AND state IN ('draft', 'paused') RETURNING 1)"
    " SELECT count(*) FROM b",
    1};
static const db_stmt st_pause = {
    "broadcast_pause",
    "WITH b AS (UPDATE broadcasts SET state = 'paused', paused_reason = NULL, updated_at = now()"
    " WHERE id = $1::bigint AND state = 'running' RETURNING 1) SELECT count(*) FROM b",
    1};
/* Recipients not yet handed over are skipped as cancelled; the outbox's are pulled back next. */
static const db_stmt st_cancel = {
    "broadcast_cancel",
    "WITH b AS (UPDATE broadcasts SET state = 'cancelled', finished_at = now(), updated_at = now()"
    "  WHERE id = $1::bigint AND state IN ('draft', 'running', 'paused') RETURNING id)"
    " , r AS (UPDATE broadcast_recipients r SET state = 'skipped', error = 'cancelled',"
    "  updated_at = now() FROM b WHERE r.broadcast_id = b.id AND r.state = 'queued')"
    " SELECT count(*) FROM b",
    1};
static int is_id(const char *id)
{
    return *id && strlen(id) < 19 && strspn(id, "0123456789") == strlen(id);
}

/* Why a change did not apply: the broadcast's current state, or that there is none. */
static int refused(db *d, const char *id, const char *what, err *e)
{
    PGresult *r = db_query(d, &st_state, (const char *[]){id}, e);
    if (!r)
        return -1;
    if (PQntuples(r) == 0)
        err_set(e, ERR_USER, "no broadcast %s", id);
    else
        err_set(e, ERR_USER, "broadcast %s is %s: it cannot be %s", id, PQgetvalue(r, 0, 0), what);
    PQclear(r);
    return -1;
}

static int change(db *d, const db_stmt *st, const char *id, const char *what, err *e)
{
    PGresult *r;
    int done;
    if (!is_id(id))
        return err_set(e, ERR_USER, "'%s' is not a broadcast id (a number)", id);
    if (!(r = db_query(d, st, (const char *[]){id}, e)))
        return -1;
    done = atol(PQgetvalue(r, 0, 0)) > 0;
    PQclear(r);
    return done ? 0 : refused(d, id, what, e);
}

int broadcast_start(db *d, const char *id, err *e)
{
    return change(d, &st_start, id, "started", e);
}

int broadcast_pause(db *d, const char *id, err *e)
{
    if (change(d, &st_pause, id, "paused", e) < 0)
        return -1;
    return broadcast_pull_back(d, e);
}

int broadcast_cancel(db *d, const char *id, err *e)
{
    if (change(d, &st_cancel, id, "cancelled", e) < 0)
        return -1;
    return broadcast_pull_back(d, e);
}

/* ---- progress ------------------------------------------------------------------------------- */

static const db_stmt st_head = {
    "broadcast_head",
    "SELECT id, state, template, language, params::text, segment, created_by,"
    " to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),"
    " COALESCE(to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'),"
    " COALESCE(to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'), '-'),"
    " COALESCE(paused_reason, ''), COALESCE(survey, '-')"
    " FROM broadcasts WHERE id = $1::bigint",
    1};
/* A recipient handed to the outbox is where its outbox row is (statuses move that row); one
 * whose row is gone (retention) counts as sent. */
#define PROGRESS_STATE                                                                             \
    "CASE WHEN r.state <> 'sending' THEN r.state WHEN o.state IS NULL THEN 'sent'"                 \
    " WHEN o.state IN ('queued', 'sending') THEN 'queued' ELSE o.state END"
static const db_stmt st_progress = {
    "broadcast_progress",
    "SELECT " PROGRESS_STATE ", COALESCE(COALESCE(o.error_code, r.error_code)::text, ''),"
    " COALESCE(CASE WHEN r.state = 'sending' THEN o.error ELSE r.error END, ''), count(*)"
    " FROM broadcast_recipients r LEFT JOIN outbound_messages o ON o.id = r.outbound_id"
    " WHERE r.broadcast_id = $1::bigint GROUP BY 1, 2, 3 ORDER BY 1, 4 DESC",
    1};
static const db_stmt st_list = {
    "broadcast_list",
    "SELECT b.id, b.state, b.template, b.segment,"
    " to_char(b.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'),"
    " (SELECT count(*) FROM broadcast_recipients r WHERE r.broadcast_id = b.id)"
    " FROM broadcasts b ORDER BY b.id",
    0};

static const char *const progress_states[] = {"queued", "sent",    "delivered", "read",
                                              "failed", "skipped", NULL};
enum { PROGRESS_FAILED = 4, PROGRESS_SKIPPED = 5 }; /* their places above: they have reasons */

static char *done_buf(vec_str *b, err *e)
{
    char *out = b->failed ? NULL : vec_str_take(b);
    if (!out)
        err_set(e, ERR_ENV, "out of memory");
    return out;
}

/* "failed 2" and under it each reason with its count. */
static void put_state(vec_str *b, const PGresult *r, const char *state)
{
    long total = 0;
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), state) == 0)
            total += atol(PQgetvalue(r, i, 3));
    vec_str_addf(b, "%-10s %ld\n", state, total);
    if (strcmp(state, "failed") != 0 && strcmp(state, "skipped") != 0)
        return;
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), state) == 0 && *PQgetvalue(r, i, 2))
            vec_str_addf(b, "  %s%s%s: %s\n", PQgetvalue(r, i, 1), *PQgetvalue(r, i, 1) ? " " : "",
                         PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
}

/* Broadcast id's row of st (its one parameter the id), or NULL with ERR_USER for a malformed id
 * or none. */
static PGresult *one_broadcast(db *d, const db_stmt *st, const char *id, err *e)
{
    PGresult *h;
    if (!is_id(id))
        return err_set(e, ERR_USER, "'%s' is not a broadcast id (a number)", id), NULL;
    if (!(h = db_query(d, st, (const char *[]){id}, e)))
        return NULL;
    if (PQntuples(h) == 0) {
        PQclear(h);
        return err_set(e, ERR_USER, "no broadcast %s", id), NULL;
    }
    return h;
}

char *broadcast_show(db *d, const char *id, err *e)
{
    PGresult *h, *r;
    vec_str b = {0};
    if (!(h = one_broadcast(d, &st_head, id, e)))
        return NULL;
    if (!(r = db_query(d, &st_progress, (const char *[]){id}, e))) {
        PQclear(h);
        return NULL;
    }
    vec_str_addf(&b,
                 "broadcast %s: %s\ntemplate   %s (%s) %s\nto         %s\ncreated    %s UTC by %s\n"
                 "started    %s\nfinished   %s\nsurvey     %s\n",
                 PQgetvalue(h, 0, 0), PQgetvalue(h, 0, 1), PQgetvalue(h, 0, 2), PQgetvalue(h, 0, 3),
                 PQgetvalue(h, 0, 4), PQgetvalue(h, 0, 5), PQgetvalue(h, 0, 7), PQgetvalue(h, 0, 6),
                 PQgetvalue(h, 0, 8), PQgetvalue(h, 0, 9), PQgetvalue(h, 0, 11));
    if (*PQgetvalue(h, 0, 10))
        vec_str_addf(&b, "paused     %s\n", PQgetvalue(h, 0, 10));
    for (const char *const *s = progress_states; *s; s++)
        put_state(&b, r, *s);
    PQclear(h);
    PQclear(r);
    return done_buf(&b, e);
}

char *broadcast_list(db *d, err *e)
{
    PGresult *r = db_query(d, &st_list, NULL, e);
    vec_str b = {0};
    if (!r)
        return NULL;
    vec_str_addf(&b, "id\tstate\ttemplate\tto\tcreated (UTC)\trecipients\n");
    for (int i = 0; i < PQntuples(r); i++)
        vec_str_addf(&b, "%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                     PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4),
                     PQgetvalue(r, i, 5));
    PQclear(r);
    return done_buf(&b, e);
}

/* ---- progress as JSON (the portal's /api/broadcasts) ----------------------------------------- */

#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define ROW_COLUMNS                                                                                \
    "SELECT id, state, template, language, params::text, segment, created_by, " ISO(               \
        "created_at") ", " ISO("started_at") ", " ISO("finished_at") ", paused_reason, survey"  \
                      " FROM broadcasts"
static const char *const row_names[] = {"id",         "state",         "template",   "language",
                                        "params",     "segment",       "created_by", "created_at",
                                        "started_at", "finished_at",   "paused_reason",
                                        "survey"};
/* The newest 100: the list is for steering what runs now, not an archive. */
#define LIST_MAX "100"
static const db_stmt st_rows_one = {"broadcast_rows_one", ROW_COLUMNS " WHERE id = $1::bigint", 1};
static const db_stmt st_rows_all = {"broadcast_rows_all",
                                    ROW_COLUMNS " ORDER BY id DESC LIMIT " LIST_MAX, 0};
static const db_stmt st_progress_of = {
    "broadcast_progress_of",
    "SELECT r.broadcast_id, " PROGRESS_STATE ","
    " COALESCE(COALESCE(o.error_code, r.error_code)::text, ''),"
    " COALESCE(CASE WHEN r.state = 'sending' THEN o.error ELSE r.error END, ''), count(*)"
    " FROM broadcast_recipients r LEFT JOIN outbound_messages o ON o.id = r.outbound_id"
    " WHERE r.broadcast_id = ANY ($1::bigint[]) GROUP BY 1, 2, 3, 4 ORDER BY 1, 5 DESC",
    1};

/* {"queued": N, ..., "skipped": N, "total": N, "failed_reasons": [{code, reason, count}],
 * "skipped_reasons": [...]} of broadcast id's rows in r (st_progress_of). */
static json_object *progress_json(const PGresult *r, const char *id)
{
    json_object *o = json_object_new_object(), *failed = json_object_new_array(),
                *skipped = json_object_new_array();
    long counts[6] = {0}, total = 0;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *state = PQgetvalue(r, i, 1);
        long n = atol(PQgetvalue(r, i, 4));
        size_t s = 0;
        json_object *why;
        if (strcmp(PQgetvalue(r, i, 0), id) != 0)
            continue;
        while (progress_states[s] && strcmp(progress_states[s], state) != 0)
            s++;
        if (!progress_states[s])
            continue;
        counts[s] += n;
        total += n;
        if ((s != PROGRESS_FAILED && s != PROGRESS_SKIPPED) || !*PQgetvalue(r, i, 3))
            continue;
        why = json_object_new_object();
        json_object_object_add(
            why, "code", *PQgetvalue(r, i, 2) ? json_object_new_string(PQgetvalue(r, i, 2)) : NULL);
        json_object_object_add(why, "reason", json_object_new_string(PQgetvalue(r, i, 3)));
        json_object_object_add(why, "count", json_object_new_int64(n));
        json_object_array_add(s == PROGRESS_FAILED ? failed : skipped, why);
    }
    for (size_t s = 0; progress_states[s]; s++)
        json_object_object_add(o, progress_states[s], json_object_new_int64(counts[s]));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "failed_reasons", failed);
    json_object_object_add(o, "skipped_reasons", skipped);
    return o;
}

/* Row i of h (ROW_COLUMNS) with its progress from r. */
static json_object *row_json(const PGresult *h, int i, const PGresult *r)
{
    json_object *o = json_object_new_object();
    for (int c = 0; c < (int)(sizeof row_names / sizeof row_names[0]); c++) {
        const char *v = PQgetvalue(h, i, c);
        json_object *val = PQgetisnull(h, i, c) ? NULL
                           : c == 4             ? json_tokener_parse(v)
                                                : json_object_new_string(v);
        json_object_object_add(o, row_names[c], val);
    }
    json_object_object_add(o, "progress", progress_json(r, PQgetvalue(h, i, 0)));
    return o;
}

/* The progress rows of every broadcast in h. */
static PGresult *progress_of(db *d, const PGresult *h, err *e)
{
    int n = PQntuples(h);
    const char **ids = calloc((size_t)n + 1, sizeof *ids);
    char *arr;
    PGresult *r = NULL;
    for (int i = 0; ids && i < n; i++)
        ids[i] = PQgetvalue(h, i, 0);
    if (!ids || !(arr = db_text_array(ids, (size_t)n))) {
        free(ids);
        return err_set(e, ERR_ENV, "out of memory"), NULL;
    }
    r = db_query(d, &st_progress_of, (const char *[]){arr}, e);
    free(arr);
    free(ids);
    return r;
}

/* The rows of h (taken; NULL: e is set) as JSON text (malloc'd): one object when one, else
 * {"broadcasts": [...]}. */
static char *rows_json(db *d, PGresult *h, int one, err *e)
{
    PGresult *r = h ? progress_of(d, h, e) : NULL;
    json_object *o, *list;
    char *out = NULL;
    if (!r) {
        PQclear(h);
        return NULL;
    }
    if (one) {
        o = row_json(h, 0, r);
    } else {
        o = json_object_new_object();
        list = json_object_new_array();
        for (int i = 0; i < PQntuples(h); i++)
            json_object_array_add(list, row_json(h, i, r));
        json_object_object_add(o, "broadcasts", list);
    }
    PQclear(r);
    PQclear(h);
    if (!(out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))))
        err_set(e, ERR_ENV, "out of memory");
    json_object_put(o);
    return out;
}

char *broadcast_show_json(db *d, const char *id, err *e)
{
    return rows_json(d, one_broadcast(d, &st_rows_one, id, e), 1, e);
}

char *broadcast_list_json(db *d, err *e)
{
    return rows_json(d, db_query(d, &st_rows_all, NULL, e), 0, e);
}

/* ---- the survey a broadcast carries (migration 0029; asked by bot/survey_chat.c) ------------- */

/* A recipient counts once the template reached WhatsApp for them: its progress (the outbox row's
 * state, or the recipient's for rows settled elsewhere) is sent, delivered or read — never a
 * failed send, nor one still queued or skipped. */
#define SURVEY_REACHED "(" PROGRESS_STATE ") IN ('sent', 'delivered', 'read')"
#define SURVEY_OUTBOX  " LEFT JOIN outbound_messages o ON o.id = r.outbound_id"
/* The template's button answers while its broadcast is less than BROADCAST_SURVEY_BUTTON_DAYS old: later,
 * retention may have taken the phone off the answers given, and the survey would be asked and
 * counted again. */
static const db_stmt st_survey_of = {
    "broadcast_survey_of",
    "SELECT b.survey FROM broadcasts b JOIN broadcast_recipients r ON r.broadcast_id = b.id"
    SURVEY_OUTBOX " WHERE b.id = $1::bigint AND r.phone = $2 AND b.survey IS NOT NULL AND "
    SURVEY_REACHED " AND b.started_at > now() - interval '" DB_STR(BROADCAST_SURVEY_BUTTON_DAYS) " days'",
    2};
/* From the few broadcasts with a survey that ran in the window to each one's row for the phone
 * (its unique index): no index on phone alone, which every recipient row would pay for. */
static const db_stmt st_survey_recent = {
    "broadcast_survey_recent",
    "SELECT b.id, b.survey FROM broadcasts b JOIN broadcast_recipients r"
    " ON r.broadcast_id = b.id AND r.phone = $1" SURVEY_OUTBOX
    " WHERE b.survey IS NOT NULL AND b.started_at IS NOT NULL AND (b.finished_at IS NULL"
    " OR b.finished_at > now() - make_interval(days => $2::int)) AND " SURVEY_REACHED
    " AND r.updated_at > now() - make_interval(days => $2::int) ORDER BY r.updated_at DESC LIMIT 1",
    2};
static const db_stmt st_survey_name = {
    "broadcast_survey_name", "SELECT COALESCE(survey, '') FROM broadcasts WHERE id = $1::bigint", 1};

int broadcast_survey_of(db *d, const char *id, const char *phone, char *name, size_t namesz,
                        err *e)
{
    PGresult *r;
    int found;
    name[0] = '\0';
    if (!is_id(id))
        return 0;
    if (!(r = db_query(d, &st_survey_of, (const char *[]){id, phone}, e)))
        return -1;
    if ((found = PQntuples(r) > 0))
        db_copy(name, namesz, r, 0, 0);
    PQclear(r);
    return found;
}

int broadcast_survey_recent(db *d, const char *phone, int days, char *id, size_t idsz, char *name,
                            size_t namesz, err *e)
{
    char dstr[16];
    PGresult *r;
    int found;
    snprintf(dstr, sizeof dstr, "%d", days);
    if (!(r = db_query(d, &st_survey_recent, (const char *[]){phone, dstr}, e)))
        return -1;
    if ((found = PQntuples(r) > 0)) {
        db_copy(id, idsz, r, 0, 0);
        db_copy(name, namesz, r, 0, 1);
    }
    PQclear(r);
    return found;
}

int broadcast_survey_name(db *d, const char *id, char *name, size_t namesz, err *e)
{
    PGresult *r = one_broadcast(d, &st_survey_name, id, e);
    if (!r)
        return -1;
    db_copy(name, namesz, r, 0, 0);
    PQclear(r);
    return name[0] ? 0 : err_set(e, ERR_USER, "broadcast %s has no survey", id);
}
