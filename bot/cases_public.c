/* cases_public.c — the public's reads of cases (see cases_public.h): performance figures and the
 * Open311 requests. Every column chosen here is one the public may see; the complaint's words
 * (description, subject), the citizen's phone and name, events' texts and actors never appear in
 * a select list. Times go out as UTC ISO 8601 ("2026-12-06T03:30:00Z", a W3C datetime). */
#include "cases_public.h"

#include <ctype.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "text.h"

/* India's offset from UTC: a date alone in a search is a day of the district's clock. */
#define IST_OFFSET_S 19800

// clang-format off
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define UNRESOLVED "c.status IN ('open', 'in_progress', 'reopened')"

/* Each case received in the last 90 days (merged duplicates left out: their citizens follow the
 * case they joined, which is counted), with the facts known about it now: resolved (and in how
 * many days, on time or not), overdue while unresolved, reopened, and the last answer of the
 * case's own citizen to "are you satisfied?" (a 'satisfied' or 'not_satisfied' event by
 * cases.citizen_phone, or the closing 'closed' event a yes of theirs wrote; followers' answers
 * are left out: they were counted one-sidedly before, and a case is one answer). An unresolved
 * case still within its time is no fact about timeliness yet: it counts as received only. Then
 * per department and window (30 or 90 days) the figures; a window with fewer than $1 cases
 * received shows the count and null figures (too_few), and a figure whose own denominator
 * (resolved cases, known outcomes, answers) is under $1 is null too, named in too_few_figures. */
#define FEW(n) "COALESCE(w.received, 0) < $1 OR COALESCE(" n ", 0) < $1"
#define FIG(x) "CASE WHEN COALESCE(w.received, 0) < $1 THEN NULL ELSE " x " END"
#define FIGN(x, n) "CASE WHEN " FEW(n) " THEN NULL ELSE " x " END"
#define FEWNAME(n, name) "CASE WHEN " FEW(n) " THEN '" name "' END"
/* The window's start written out, not taken from r: against r's column (a join) the planner read
 * every 'closed' event of all time (570,000 of 26,000 wanted at 1M cases, 430 ms); as an
 * expression of the clock it is an index range (bench/public). */
#define SINCE_90 "(" DB_CLOCK " - interval '90 days')"
static const db_stmt st_stats = {
    "cases_public_stats",
    "WITH r AS (SELECT " DB_CLOCK " AS now),"
    " ans AS (SELECT DISTINCT ON (e.case_id) e.case_id, e.kind <> 'not_satisfied' AS yes"
    "   FROM case_events e JOIN cases x ON x.id = e.case_id AND e.actor = x.citizen_phone"
    "   WHERE e.at >= " SINCE_90 " AND (e.kind IN ('satisfied', 'not_satisfied') OR (e.kind ="
    "   'closed' AND e.text IN ('citizen satisfied', 'citizen and followers satisfied')))"
    "   ORDER BY e.case_id, e.at DESC, e.id DESC),"
    " c AS (SELECT c.department_code AS dep, c.created_at >= r.now - interval '30 days' AS in30,"
    "   c.status IN ('resolved', 'closed') AND c.resolved_at IS NOT NULL AS resolved,"
    "   extract(epoch FROM c.resolved_at - c.created_at) / 86400 AS days,"
    "   c.resolved_at <= c.sla_due_at AS on_time,"
    "   " UNRESOLVED " AND c.sla_due_at < r.now AS overdue, c.reopen_count > 0 AS reopened,"
    "   COALESCE(a.yes, false) AS yes, NOT COALESCE(a.yes, true) AS no"
    "   FROM r, cases c LEFT JOIN ans a ON a.case_id = c.id"
    "   WHERE c.created_at >= " SINCE_90 " AND c.created_at <= " DB_CLOCK
    "   AND c.merged_into IS NULL),"
    " w AS (SELECT dep, v.days, count(*) AS received, count(*) FILTER (WHERE resolved) AS resolved,"
    "   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY c.days) FILTER (WHERE resolved))::numeric,"
    "     1) AS median,"
    "   count(*) FILTER (WHERE resolved OR overdue) AS known,"
    "   round(100.0 * count(*) FILTER (WHERE resolved AND on_time)"
    "     / NULLIF(count(*) FILTER (WHERE resolved OR overdue), 0), 1) AS on_time,"
    "   count(*) FILTER (WHERE yes OR no) AS answered,"
    "   round(100.0 * count(*) FILTER (WHERE yes) / NULLIF(count(*) FILTER (WHERE yes OR no), 0), 1)"
    "     AS satisfied,"
    "   count(*) FILTER (WHERE resolved OR reopened) AS reopen_base,"
    "   round(100.0 * count(*) FILTER (WHERE reopened)"
    "     / NULLIF(count(*) FILTER (WHERE resolved OR reopened), 0), 1) AS reopened"
    "   FROM c, (VALUES (30), (90)) v(days) WHERE v.days = 90 OR c.in30 GROUP BY dep, v.days),"
    " cell AS (SELECT d.code, v.days, json_build_object('received', COALESCE(w.received, 0),"
    "   'too_few', COALESCE(w.received, 0) < $1,"
    "   'resolved', " FIG("w.resolved") ","
    "   'median_days_to_resolution', " FIGN("w.median", "w.resolved") ","
    "   'resolved_within_sla_pct', " FIGN("w.on_time", "w.known") ","
    "   'satisfaction_answers', " FIG("w.answered") ","
    "   'satisfied_pct', " FIGN("w.satisfied", "w.answered") ","
    "   'reopened_pct', " FIGN("w.reopened", "w.reopen_base") ","
    "   'too_few_figures', to_jsonb(array_remove(ARRAY["
    "     " FEWNAME("w.resolved", "median_days_to_resolution") ","
    "     " FEWNAME("w.known", "resolved_within_sla_pct") ","
    "     " FEWNAME("w.answered", "satisfied_pct") ","
    "     " FEWNAME("w.reopen_base", "reopened_pct") "]::text[], NULL))) AS j"
    "   FROM departments d CROSS JOIN (VALUES (30), (90)) v(days)"
    "   LEFT JOIN w ON w.dep = d.code AND w.days = v.days)"
    " SELECT json_build_object('computed_at', " ISO("r.now") ", 'min_cases', $1::int,"
    "  'district', (SELECT name FROM districts LIMIT 1),"
    "  'departments', COALESCE((SELECT json_agg(json_build_object('code', d.code, 'name', d.name,"
    "    'last_30_days', (SELECT j FROM cell WHERE cell.code = d.code AND cell.days = 30),"
    "    'last_90_days', (SELECT j FROM cell WHERE cell.code = d.code AND cell.days = 90))"
    "    ORDER BY d.position, d.code) FROM departments d"
    "    WHERE d.active OR EXISTS (SELECT 1 FROM w WHERE w.dep = d.code)), '[]'))::text FROM r",
    1};

#define NAME(o) "COALESCE(" o "->>'en', " o "->>'hi')"
static const db_stmt st_services = {
    "cases_public_services",
    "SELECT COALESCE(json_agg(json_build_object('service_code', d.code,"
    " 'service_name', " NAME("d.name") ", 'description', COALESCE(" NAME("d.description") ", ''),"
    " 'metadata', false, 'type', 'realtime',"
    " 'keywords', COALESCE((SELECT string_agg(COALESCE(k->>'word', k #>> '{}'), ',')"
    "   FROM jsonb_array_elements(CASE jsonb_typeof(d.keywords) WHEN 'array' THEN d.keywords"
    "   ELSE '[]' END) k), ''),"
    " 'group', COALESCE((SELECT " NAME("name") " FROM districts LIMIT 1), ''))"
    " ORDER BY d.position, d.code), '[]')::text FROM departments d"
    " WHERE d.active AND d.open_data = 'listed'",
    0};

/* A case that came as urgent (or kept an urgent deadline past the urgent limit): its deadline
 * is shorter than the department's. Such a case — a fight, an accident — never shows where, and
 * its expected time is the department's usual one, so nothing tells it from the others. */
#define NORMAL_DUE                                                                               \
    "c.sla_started_at + COALESCE(d.sla_hours, (SELECT COALESCE(nodal_after_hours, 48)"          \
    " FROM districts LIMIT 1)) * interval '1 hour'"
#define SHORT "(c.urgent OR c.sla_due_at < " NORMAL_DUE ")"
/* The address's candidate: the village as the citizen typed it, only when no location was
 * shared (then location_text carries the location's own name: a shop, "Home"), the case is not
 * urgent, and at least CASES_PUBLIC_MIN_PLACE_CITIZENS citizens named a place of the same key
 * (place.c: a spelling of one village) — a place only one person names ("Ram Kumar ke ghar ke
 * paas") is about a person. cases_public_address then refuses digits and long texts. */
#define ADDRESS                                                                                  \
    "CASE WHEN c.latitude IS NULL AND c.place_key <> '' AND NOT " SHORT                        \
    " AND (SELECT count(*) FROM (SELECT DISTINCT x.citizen_phone FROM cases x"                 \
    "   WHERE x.place_key = c.place_key AND x.place_key <> ''" /* the index's predicate */     \
    "   AND x.citizen_phone IS NOT NULL" /* an anonymised case is nobody */                       \
    "   LIMIT " DB_STR(CASES_PUBLIC_MIN_PLACE_CITIZENS) ") k)"                                   \
    "   >= " DB_STR(CASES_PUBLIC_MIN_PLACE_CITIZENS) " THEN c.location_text END"
/* One request as Open311 shows it; $1 the status notes. lat/long only when a location was shared
 * (and the case is not urgent), expected_datetime only while unresolved. */
#define REQUEST_JSON                                                                             \
    "jsonb_build_object('service_request_id', c.tracking_no,"                                   \
    " 'status', CASE WHEN " UNRESOLVED " THEN 'open' ELSE 'closed' END,"                        \
    " 'status_notes', CASE WHEN m.tracking_no IS NULL THEN $1::jsonb ->> c.status"               \
    "   WHEN m.department_code = ANY (ARRAY(SELECT code FROM departments"                        \
    "   WHERE open_data = 'counts')) THEN $1::jsonb ->> 'closed'" /* its number is unlisted */     \
    "   ELSE replace($1::jsonb ->> 'merged', '{case}', m.tracking_no) END,"                      \
    " 'service_code', c.department_code, 'service_name', " NAME("d.name") ","                   \
    " 'agency_responsible', " NAME("d.name") ","                                                \
    " 'requested_datetime', " ISO("c.created_at") ", 'updated_datetime', " ISO("c.updated_at") "," \
    " 'expected_datetime', CASE WHEN " UNRESOLVED " THEN "                                      \
    ISO("GREATEST(c.sla_due_at, " NORMAL_DUE ")") " END,"                                       \
    " 'address', " ADDRESS ")"                                                                   \
    " || CASE WHEN c.latitude IS NULL OR c.longitude IS NULL OR " SHORT " THEN '{}'::jsonb"     \
    "   ELSE jsonb_build_object('lat', round(c.latitude::numeric, 3),"                          \
    "   'long', round(c.longitude::numeric, 3)) END"
/* Departments kept to counts as an array computed once (an InitPlan): as a join condition the
 * planner gave up reading cases_newest backwards to the 1000th row and sorted the whole window
 * per department (615 ms against 70 ms at 1M cases, bench/public). */
#define REQUEST_FROM                                                                             \
    " FROM cases c JOIN departments d ON d.code = c.department_code"                            \
    " AND c.department_code <> ALL (ARRAY(SELECT code FROM departments"                         \
    "   WHERE open_data = 'counts'))"                                                          \
    " LEFT JOIN cases m ON m.id = c.merged_into"
static const db_stmt st_requests = {
    "cases_public_requests",
    "SELECT COALESCE(jsonb_agg(r ORDER BY at DESC, id DESC), '[]')::text FROM (SELECT "
    REQUEST_JSON " AS r, c.created_at AS at, c.id" REQUEST_FROM
    " WHERE c.created_at >= 'epoch'::timestamptz + $2::bigint * interval '1 millisecond'"
    " AND c.created_at <= 'epoch'::timestamptz + $3::bigint * interval '1 millisecond'"
    " AND ($4::text IS NULL OR (" UNRESOLVED ") = ($4 = 'open'))"
    " AND ($5::jsonb IS NULL OR c.department_code IN (SELECT jsonb_array_elements_text($5::jsonb)))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT " DB_STR(CASES_PUBLIC_MAX_REQUESTS) ") x",
    5};
/* service_request_id=A,B: these requests, whatever the other arguments (Open311 says so). */
static const db_stmt st_requests_by_id = {
    "cases_public_requests_by_id",
    "SELECT COALESCE(jsonb_agg(r ORDER BY at DESC, id DESC), '[]')::text FROM (SELECT "
    REQUEST_JSON " AS r, c.created_at AS at, c.id" REQUEST_FROM
    " WHERE c.tracking_no IN (SELECT jsonb_array_elements_text($2::jsonb))) x",
    2};
static const db_stmt st_request = {
    "cases_public_request",
    "SELECT COALESCE(jsonb_agg(" REQUEST_JSON "), '[]')::text" REQUEST_FROM
    " WHERE c.tracking_no = $2",
    2};
// clang-format on

/* n digits of s as a number, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : days[m - 1];
}

/* The zone designator at s ("Z", "+05:30", " 05:30"): its offset in seconds; -1 when not one
 * (offsets run -12:00..+14:00, minutes under 60). */
static int zone(const char *s, long *offset)
{
    int hh, mm;
    if (s[0] == 'Z' && !s[1]) {
        *offset = 0;
        return 0;
    }
    if ((s[0] != '+' && s[0] != '-' && s[0] != ' ') || strlen(s) != 6 || s[3] != ':' ||
        (hh = digits(s + 1, 2)) < 0 || (mm = digits(s + 4, 2)) < 0 || mm > 59 ||
        hh * 60 + mm > (s[0] == '-' ? 12 : 14) * 60)
        return -1;
    *offset = (s[0] == '-' ? -1 : 1) * (hh * 3600L + mm * 60L);
    return 0;
}

int cases_public_datetime(const char *s, int end_of_day, int64_t *ms)
{
    int y, mo, d, hh = 0, mi = 0, ss = 0;
    long offset = IST_OFFSET_S;
    const char *p;
    if (strlen(s) < 10 || (y = digits(s, 4)) < 1970 || s[4] != '-' || (mo = digits(s + 5, 2)) < 1 ||
        mo > 12 || s[7] != '-' || (d = digits(s + 8, 2)) < 1 || d > days_in_month(y, mo))
        return -1;
    p = s + 10;
    if (!*p) {
        if (end_of_day)
            d++; /* timegm carries the 32nd into the next month */
    } else {
        if (*p != 'T' || (hh = digits(p + 1, 2)) < 0 || hh > 23 || p[3] != ':' ||
            (mi = digits(p + 4, 2)) < 0 || mi > 59)
            return -1;
        p += 6;
        if (*p == ':') {
            if ((ss = digits(p + 1, 2)) < 0 || ss > 59)
                return -1;
            p += 3;
            if (*p == '.') { /* a fraction of a second: read and dropped */
                size_t n = strspn(p + 1, "0123456789");
                if (!n)
                    return -1;
                p += 1 + n;
            }
        }
        if (zone(p, &offset) < 0)
            return -1;
    }
    /* the end of a day is the last millisecond before the next one: searches include their end */
    *ms = clock_utc_ms(y, mo, d, hh, mi, ss) - (int64_t)offset * 1000 -
          (end_of_day && !s[10] ? 1 : 0);
    return 0;
}

static int parse_status(const char *v, char *out, size_t outsz, err *e)
{
    int open = 0, closed = 0;
    char one[48];
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        text_copy_shown(one, sizeof one, p, n);
        if (strcmp(one, "open") == 0)
            open = 1;
        else if (strcmp(one, "closed") == 0)
            closed = 1;
        else
            return err_set(e, ERR_USER, "status: '%s' is not open or closed", one);
        p += n + (p[n] == ',');
    }
    if (!open && !closed)
        return err_set(e, ERR_USER, "status: empty; open, closed, or both comma-separated");
    snprintf(out, outsz, "%s", open && closed ? "" : open ? "open" : "closed");
    return 0;
}

/* A department code as the directory writes them (^[A-Z][A-Z0-9_]{1,15}$). */
static int code_ok(const char *s, size_t n)
{
    if (n < 2 || n > 16 || !isupper((unsigned char)s[0]))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
            return 0;
    return 1;
}

/* A tracking number as a search names it: letters, digits and '-' (BLB-2026-000123). */
static int tracking_ok(const char *s, size_t n)
{
    if (n < 4 || n > 31)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
    return 1;
}

/* A comma-separated list of name's values, each ok (what, an example), as a JSON array. */
static int parse_list(const char *name, const char *v, int (*ok)(const char *, size_t),
                      const char *what, char *out, size_t outsz, err *e)
{
    json_object *a = json_object_new_array();
    char shown[48];
    int rc = 0;
    for (const char *p = v; *p && rc == 0;) {
        size_t n = strcspn(p, ",");
        if (!ok(p, n))
            rc = err_set(e, ERR_USER, "%s: '%s' is not %s", name,
                         text_copy_shown(shown, sizeof shown, p, n), what);
        else
            json_object_array_add(a, json_object_new_string_len(p, (int)n));
        p += n + (p[n] == ',');
    }
    if (rc == 0 && !json_object_array_length(a))
        rc = err_set(e, ERR_USER, "%s: empty", name);
    if (rc == 0 &&
        (size_t)snprintf(out, outsz, "%s",
                         json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN)) >= outsz)
        rc = err_set(e, ERR_USER, "%s: too many values", name);
    json_object_put(a);
    return rc;
}

static int parse_date(const char *name, const char *v, int end, int64_t *ms, err *e)
{
    char shown[48];
    if (cases_public_datetime(v, end, ms) < 0)
        return err_set(e, ERR_USER,
                       "%s: '%s' is not a W3C datetime (2026-12-01T00:00:00Z, "
                       "2026-12-01T05:30:00+05:30 or 2026-12-01)",
                       name, text_copy_shown(shown, sizeof shown, v, strlen(v)));
    return 0;
}

/* The parameters of requests.json, in the order of cases_public_search_parse's bits. */
static const char *const params[] = {"start_date",   "end_date",           "status",
                                     "service_code", "service_request_id", "jurisdiction_id",
                                     "api_key"};
enum { P_START, P_END, P_STATUS, P_CODE, P_ID, P_NPARAMS = 7 };

/* The index in params of the argument's name (its first n bytes), -1 when none. */
static int param_of(const char *arg, size_t n)
{
    for (int i = 0; i < P_NPARAMS; i++)
        if (strlen(params[i]) == n && strncmp(arg, params[i], n) == 0)
            return i;
    return -1;
}

static int parse_one(int which, const char *v, cases_public_search *s, err *e)
{
    switch (which) {
    case P_START:
        return parse_date("start_date", v, 0, &s->from_ms, e);
    case P_END:
        return parse_date("end_date", v, 1, &s->to_ms, e);
    case P_STATUS:
        return parse_status(v, s->status, sizeof s->status, e);
    case P_CODE:
        return parse_list("service_code", v, code_ok, "a department code (as PHE)", s->codes,
                          sizeof s->codes, e);
    case P_ID:
        return parse_list("service_request_id", v, tracking_ok,
                          "a tracking number (as BLB-2026-000123)", s->ids, sizeof s->ids, e);
    default: /* jurisdiction_id, api_key: ignored */
        return 0;
    }
}

int cases_public_search_parse(const char *const *args, size_t nargs, int64_t now_ms,
                              cases_public_search *s, err *e)
{
    const int64_t window = (int64_t)CASES_PUBLIC_MAX_DAYS * 86400000;
    unsigned seen = 0;
    char shown[48];
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < nargs; i++) {
        const char *eq = strchr(args[i], '='), *v = eq ? eq + 1 : "";
        size_t n = eq ? (size_t)(eq - args[i]) : strlen(args[i]);
        int which = param_of(args[i], n);
        if (which < 0)
            return err_set(e, ERR_USER,
                           "%s: unknown parameter (start_date, end_date, status, service_code, "
                           "service_request_id, jurisdiction_id)",
                           text_copy_shown(shown, sizeof shown, args[i], n));
        if (seen & (1u << which))
            return err_set(e, ERR_USER, "%s: given twice; give it once (lists: comma-separated)",
                           params[which]);
        seen |= 1u << which;
        if (parse_one(which, v, s, e) < 0)
            return -1;
    }
    if (!(seen & (1u << P_END)))
        s->to_ms = now_ms;
    if (!(seen & (1u << P_START)))
        s->from_ms = s->to_ms - window;
    if (s->to_ms < s->from_ms)
        return err_set(e, ERR_USER, "end_date: before start_date");
    if (s->to_ms - s->from_ms > window)
        return err_set(e, ERR_USER, "%s: the window is over %d days%s",
                       seen & (1u << P_START) ? "start_date" : "end_date", CASES_PUBLIC_MAX_DAYS,
                       seen & (1u << P_END) ? "" : " (end_date is now when not given)");
    return 0;
}

/* 1 when every character of s is one a place key reads (ASCII letters and digits, Devanagari) or
 * a space, comma, full stop or hyphen: the key skips every other character, so "Kasdol, <a name
 * in Urdu>" or "Kasdol <emoji>" shares Kasdol's key and would ride on its count of citizens. */
static int place_chars_only(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        if (*u < 0x80) {
            if (!isalnum(*u) && !strchr(" ,.-", *u))
                return 0;
            u++;
        } else if (u[0] == 0xE0 && (u[1] == 0xA4 || u[1] == 0xA5) && u[2]) {
            u += 3; /* U+0900..U+097F */
        } else {
            return 0;
        }
    }
    return 1;
}

int cases_public_address_ok(const char *village)
{
    size_t words = 0;
    if (!village || !*village || !text_utf8_valid(village, strlen(village)) ||
        !place_chars_only(village) ||
        text_digits(village) > CASES_PUBLIC_ADDRESS_MAX_DIGITS ||
        text_utf8_chars(village) > CASES_PUBLIC_ADDRESS_MAX_CHARS)
        return 0;
    for (const char *p = village; *p;) {
        p += strspn(p, " \t\r\n,");
        if (*p)
            words++;
        p += strcspn(p, " \t\r\n,");
    }
    return words >= 1 && words <= CASES_PUBLIC_ADDRESS_MAX_WORDS;
}

/* The requests' JSON text (json, taken) with every address cases_public_address_ok refuses made
 * null: the SQL chooses which villages are candidates, this the rules SQL cannot say (the digits
 * of every script are text.c's). NULL + e when json is NULL or broken. */
static char *addresses_checked(char *json, err *e)
{
    json_object *a = json ? json_tokener_parse(json) : NULL, *addr;
    char *out = NULL;
    if (json && !a)
        err_set(e, ERR_ENV, "requests: the database's JSON does not parse");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *r = json_object_array_get_idx(a, i);
        if (json_object_object_get_ex(r, "address", &addr) &&
            !cases_public_address_ok(json_object_get_string(addr)))
            json_object_object_add(r, "address", NULL);
    }
    if (a && !(out = strdup(json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE))))
        err_set(e, ERR_ENV, "out of memory");
    json_object_put(a);
    free(json);
    return out;
}

char *cases_public_stats(db *d, err *e)
{
    return db_text(d, &st_stats, (const char *[]){DB_STR(CASES_PUBLIC_MIN_CASES)}, e);
}

char *cases_public_services(db *d, err *e)
{
    return db_text(d, &st_services, NULL, e);
}

char *cases_public_requests(db *d, const cases_public_search *s, const char *notes, err *e)
{
    char from[24], to[24];
    snprintf(from, sizeof from, "%lld", (long long)s->from_ms);
    snprintf(to, sizeof to, "%lld", (long long)s->to_ms);
    if (*s->ids)
        return addresses_checked(db_text(d, &st_requests_by_id, (const char *[]){notes, s->ids}, e),
                                 e);
    return addresses_checked(
        db_text(d, &st_requests,
                (const char *[]){notes, from, to, *s->status ? s->status : NULL,
                                 *s->codes ? s->codes : NULL},
                e),
        e);
}

char *cases_public_request(db *d, const char *tracking_no, const char *notes, err *e)
{
    return addresses_checked(db_text(d, &st_request, (const char *[]){notes, tracking_no}, e), e);
}
