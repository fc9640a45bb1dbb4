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

/* India's offset from UTC: a date alone in a search is a day of the district's clock. */
#define IST_OFFSET_S 19800

// clang-format off
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define UNRESOLVED "c.status IN ('open', 'in_progress', 'reopened')"

/* Each case received in the last 90 days (merged duplicates left out: their citizens follow the
 * case they joined, which is counted), with the facts known about it now: resolved (and in how
 * many days, on time or not), overdue while unresolved, reopened, and its citizens' last answer
 * to "are you satisfied?" (yes: the closing answer or the citizen's yes; no: a "no" not followed
 * by a yes). An unresolved case still within its time is no fact about timeliness yet: it counts
 * as received only. Then per department and window (30 or 90 days) the figures; a window with
 * fewer than $1 cases received shows the count and null figures (too_few). */
#define FIG(x) "CASE WHEN COALESCE(w.received, 0) < $1 THEN NULL ELSE " x " END"
/* The window's start written out, not taken from r: against r's column (a join) the planner read
 * every 'closed' event of all time (570,000 of 26,000 wanted at 1M cases, 430 ms); as an
 * expression of the clock it is an index range (bench/public). */
#define SINCE_90 "(" DB_CLOCK " - interval '90 days')"
static const db_stmt st_stats = {
    "cases_public_stats",
    "WITH r AS (SELECT " DB_CLOCK " AS now),"
    " ans AS (SELECT e.case_id, bool_or(e.kind = 'closed') AS yes,"
    "   bool_or(e.kind = 'not_satisfied') AS no FROM case_events e"
    "   WHERE e.at >= " SINCE_90 " AND (e.kind = 'not_satisfied' OR (e.kind = 'closed'"
    "   AND e.text IN ('citizen satisfied', 'citizen and followers satisfied'))) GROUP BY 1),"
    " c AS (SELECT c.department_code AS dep, c.created_at >= r.now - interval '30 days' AS in30,"
    "   c.status IN ('resolved', 'closed') AND c.resolved_at IS NOT NULL AS resolved,"
    "   extract(epoch FROM c.resolved_at - c.created_at) / 86400 AS days,"
    "   c.resolved_at <= c.sla_due_at AS on_time,"
    "   " UNRESOLVED " AND c.sla_due_at < r.now AS overdue, c.reopen_count > 0 AS reopened,"
    "   c.citizen_satisfied_at IS NOT NULL OR COALESCE(a.yes, false) AS yes, COALESCE(a.no, false) AS no"
    "   FROM r, cases c LEFT JOIN ans a ON a.case_id = c.id"
    "   WHERE c.created_at >= " SINCE_90 " AND c.created_at <= " DB_CLOCK
    "   AND c.merged_into IS NULL),"
    " w AS (SELECT dep, v.days, count(*) AS received, count(*) FILTER (WHERE resolved) AS resolved,"
    "   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY c.days) FILTER (WHERE resolved))::numeric,"
    "     1) AS median,"
    "   round(100.0 * count(*) FILTER (WHERE resolved AND on_time)"
    "     / NULLIF(count(*) FILTER (WHERE resolved OR overdue), 0), 1) AS on_time,"
    "   count(*) FILTER (WHERE yes OR no) AS answered,"
    "   round(100.0 * count(*) FILTER (WHERE yes) / NULLIF(count(*) FILTER (WHERE yes OR no), 0), 1)"
    "     AS satisfied,"
    "   round(100.0 * count(*) FILTER (WHERE reopened)"
    "     / NULLIF(count(*) FILTER (WHERE resolved OR reopened), 0), 1) AS reopened"
    "   FROM c, (VALUES (30), (90)) v(days) WHERE v.days = 90 OR c.in30 GROUP BY dep, v.days),"
    " cell AS (SELECT d.code, v.days, json_build_object('received', COALESCE(w.received, 0),"
    "   'too_few', COALESCE(w.received, 0) < $1,"
    "   'resolved', " FIG("w.resolved") ", 'median_days_to_resolution', " FIG("w.median") ","
    "   'resolved_within_sla_pct', " FIG("w.on_time") ", 'satisfaction_answers', " FIG("w.answered") ","
    "   'satisfied_pct', " FIG("w.satisfied") ", 'reopened_pct', " FIG("w.reopened") ") AS j"
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
    " ORDER BY d.position, d.code), '[]')::text FROM departments d WHERE d.active",
    0};

/* A run of 7 or more digits (ASCII or Devanagari, spaces and hyphens between): a phone number a
 * citizen typed into the village's answer is cut from the address; a ward or a PIN code stays. */
#define NUMBER_RUN "'\\+?[0-9०-९][0-9०-९ -]{5,}[0-9०-९]'"
/* One request as Open311 shows it; $1 the status notes. lat/long only when a location was shared,
 * expected_datetime only while unresolved. */
#define REQUEST_JSON                                                                             \
    "jsonb_build_object('service_request_id', c.tracking_no,"                                   \
    " 'status', CASE WHEN " UNRESOLVED " THEN 'open' ELSE 'closed' END,"                        \
    " 'status_notes', CASE WHEN m.tracking_no IS NOT NULL"                                      \
    "   THEN replace($1::jsonb ->> 'merged', '{case}', m.tracking_no) ELSE $1::jsonb ->> c.status END," \
    " 'service_code', c.department_code, 'service_name', " NAME("d.name") ","                   \
    " 'agency_responsible', " NAME("d.name") ","                                                \
    " 'requested_datetime', " ISO("c.created_at") ", 'updated_datetime', " ISO("c.updated_at") "," \
    " 'expected_datetime', CASE WHEN " UNRESOLVED " THEN " ISO("c.sla_due_at") " END,"         \
    " 'address', NULLIF(btrim(regexp_replace(c.location_text, " NUMBER_RUN ", '', 'g'), ' ,'), ''))" \
    " || CASE WHEN c.latitude IS NULL OR c.longitude IS NULL THEN '{}'::jsonb"                  \
    "   ELSE jsonb_build_object('lat', round(c.latitude::numeric, 3),"                          \
    "   'long', round(c.longitude::numeric, 3)) END"
#define REQUEST_FROM                                                                             \
    " FROM cases c JOIN departments d ON d.code = c.department_code"                            \
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
 * (offsets run -12:00..+14:00). */
static int zone(const char *s, long *offset)
{
    int hh, mm;
    if (s[0] == 'Z' && !s[1]) {
        *offset = 0;
        return 0;
    }
    if ((s[0] != '+' && s[0] != '-' && s[0] != ' ') || strlen(s) != 6 || s[3] != ':' ||
        (hh = digits(s + 1, 2)) < 0 || (mm = digits(s + 4, 2)) < 0 || mm > 59 || hh > 14)
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
    char one[16];
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        snprintf(one, sizeof one, "%.*s", (int)(n < 15 ? n : 15), p);
        if (strcmp(one, "open") == 0)
            open = 1;
        else if (strcmp(one, "closed") == 0)
            closed = 1;
        else
            return err_set(e, ERR_USER, "status: '%.40s' is not open or closed", one);
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

static int parse_codes(const char *v, char *out, size_t outsz, err *e)
{
    json_object *a = json_object_new_array();
    int rc = 0;
    for (const char *p = v; *p && rc == 0;) {
        size_t n = strcspn(p, ",");
        if (!code_ok(p, n))
            rc = err_set(e, ERR_USER, "service_code: '%.*s' is not a department code (as PHE)",
                         (int)(n < 40 ? n : 40), p);
        else
            json_object_array_add(a, json_object_new_string_len(p, (int)n));
        p += n + (p[n] == ',');
    }
    if (rc == 0 && !json_object_array_length(a))
        rc = err_set(e, ERR_USER, "service_code: empty");
    if (rc == 0 &&
        (size_t)snprintf(out, outsz, "%s",
                         json_object_to_json_string_ext(a, JSON_C_TO_STRING_PLAIN)) >= outsz)
        rc = err_set(e, ERR_USER, "service_code: too many codes");
    json_object_put(a);
    return rc;
}

static int parse_date(const char *name, const char *v, int end, int64_t *ms, err *e)
{
    if (cases_public_datetime(v, end, ms) < 0)
        return err_set(e, ERR_USER,
                       "%s: '%.40s' is not a W3C datetime (2026-12-01T00:00:00Z, "
                       "2026-12-01T05:30:00+05:30 or 2026-12-01)",
                       name, v);
    return 0;
}

/* Whether the argument's name (its first n bytes) is name. */
static int is(const char *arg, size_t n, const char *name)
{
    return strlen(name) == n && strncmp(arg, name, n) == 0;
}

int cases_public_search_parse(const char *const *args, size_t nargs, int64_t now_ms,
                              cases_public_search *s, err *e)
{
    const int64_t window = (int64_t)CASES_PUBLIC_MAX_DAYS * 86400000;
    int has_from = 0, has_to = 0;
    memset(s, 0, sizeof *s);
    for (size_t i = 0; i < nargs; i++) {
        const char *eq = strchr(args[i], '='), *v = eq ? eq + 1 : "";
        size_t n = eq ? (size_t)(eq - args[i]) : strlen(args[i]);
        int rc = 0;
        if (is(args[i], n, "start_date")) {
            has_from = 1;
            rc = parse_date("start_date", v, 0, &s->from_ms, e);
        } else if (is(args[i], n, "end_date")) {
            has_to = 1;
            rc = parse_date("end_date", v, 1, &s->to_ms, e);
        } else if (is(args[i], n, "status")) {
            rc = parse_status(v, s->status, sizeof s->status, e);
        } else if (is(args[i], n, "service_code")) {
            rc = parse_codes(v, s->codes, sizeof s->codes, e);
        } else if (!is(args[i], n, "jurisdiction_id") && !is(args[i], n, "api_key")) {
            rc = err_set(e, ERR_USER,
                         "%.*s: unknown parameter (start_date, end_date, status, service_code, "
                         "jurisdiction_id)",
                         (int)(n < 40 ? n : 40), args[i]);
        }
        if (rc < 0)
            return rc;
    }
    if (!has_to)
        s->to_ms = now_ms;
    if (!has_from)
        s->from_ms = s->to_ms - window;
    if (s->to_ms < s->from_ms)
        return err_set(e, ERR_USER, "end_date: before start_date");
    if (s->to_ms - s->from_ms > window)
        return err_set(e, ERR_USER, "%s: the window is over %d days%s",
                       has_from ? "start_date" : "end_date", CASES_PUBLIC_MAX_DAYS,
                       has_to ? "" : " (end_date is now when not given)");
    return 0;
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
    return db_text(d, &st_requests,
                   (const char *[]){notes, from, to, *s->status ? s->status : NULL,
                                    *s->codes ? s->codes : NULL},
                   e);
}

char *cases_public_request(db *d, const char *tracking_no, const char *notes, err *e)
{
    return db_text(d, &st_request, (const char *[]){notes, tracking_no}, e);
}
