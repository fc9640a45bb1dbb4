/* cases_query.c — the portal's reads of cases (see cases_query.h).
 * One WHERE clause serves the list, its total and the CSV, with every filter a bound parameter
 * that is NULL (or false) when not asked for; visibility is the first condition of all.
 * Dates are the district's days (districts.timezone); times go out as UTC ISO 8601. */
#include "cases_query.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "directory.h"
#include "text.h"

/* The SQL keeps the layout of its clauses (clang-format would break them mid-word). */
// clang-format off
#define TZ_SQL DIRECTORY_SQL_TIMEZONE
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
#define VISIBLE(dep) \
    "($1::text IS NULL OR " dep " = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb))))"
#define UNRESOLVED "c.status IN ('open', 'in_progress', 'reopened')"

/* $1 visibility, $2 status, $3 department, $4 overdue, $5 urgent, $6 reopened, $7 level,
 * $8 from, $9 to, $10 q as an ILIKE pattern. */
#define WHERE                                                                                    \
    " FROM cases c WHERE " VISIBLE("c.department_code")                                         \
    " AND ($2::text IS NULL OR c.status = $2)"                                                  \
    " AND ($3::text IS NULL OR c.department_code = $3)"                                         \
    " AND (NOT $4::boolean OR (" UNRESOLVED " AND c.sla_due_at < " DB_CLOCK "))"                \
    " AND (NOT $5::boolean OR c.urgent)"                                                        \
    " AND (NOT $6::boolean OR c.reopen_count > 0)"                                              \
    " AND ($7::smallint IS NULL OR c.escalation_level = $7)"                                    \
    " AND ($8::date IS NULL OR c.created_at >= $8::date::timestamp AT TIME ZONE " TZ_SQL ")"    \
    " AND ($9::date IS NULL OR c.created_at < ($9::date + 1)::timestamp AT TIME ZONE " TZ_SQL \
    ")"                                                                                          \
    " AND ($10::text IS NULL OR c.description ILIKE $10 OR c.location_text ILIKE $10)"

#define ROW_COLUMNS                                                                              \
    "c.tracking_no, c.status, c.department_code, " ISO("c.created_at") ", " ISO(                 \
        "c.sla_due_at") ", c.escalation_level, c.reopen_count, c.urgent,"                        \
                        " COALESCE(c.location_text, ''), left(c.description, 120),"

static const db_stmt st_list = {
    "cases_query_list",
    "SELECT " ROW_COLUMNS " (extract(epoch FROM c.created_at) * 1000000)::bigint, c.id,"
    " c.follower_count" WHERE
    " AND ($11::bigint IS NULL OR (c.created_at, c.id) <"
    "  ('epoch'::timestamptz + $11::bigint * interval '1 microsecond', $12::bigint))"
    " ORDER BY c.created_at DESC, c.id DESC LIMIT $13",
    13};
/* The list's total, counted exactly up to CASES_TOTAL_CAP: past it the number is not worth a
 * full count of a million rows on every page (bench/portal: 130-340 ms of a 50 ms budget), and
 * the answer says so (total_capped). The statistics count exactly. */
#define CASES_TOTAL_CAP 10000
static const db_stmt st_count = {
    "cases_query_count",
    "SELECT count(*) FROM (SELECT 1" WHERE " LIMIT " DB_STR(CASES_TOTAL_CAP) " + 1) capped", 10};
/* The CSV's rows: a portable cursor is declared over this, so no batch holds them all. */
static const db_stmt st_csv_declare = {
    "cases_query_csv",
    "DECLARE cases_csv NO SCROLL CURSOR FOR SELECT " ROW_COLUMNS
    " COALESCE(c.citizen_name, ''), c.description" WHERE " ORDER BY c.created_at DESC, c.id DESC",
    10};
static const db_stmt st_csv_fetch = {"cases_query_csv_fetch", "FETCH 500 FROM cases_csv", 0};
static const db_stmt st_visible = {
    "cases_query_visible",
    "SELECT c.id FROM cases c WHERE " VISIBLE("c.department_code") " AND c.tracking_no = $2", 2};
static const db_stmt st_media_visible = {
    "cases_query_media_visible",
    "SELECT 1 FROM attachments a JOIN cases c ON c.id = a.case_id WHERE " VISIBLE(
        "c.department_code") " AND a.media_id = $2 LIMIT 1",
    2};
static const db_stmt st_messages = {
    "cases_query_messages",
    "SELECT COALESCE(json_agg(json_build_object('at', " ISO("o.created_at") ", 'to', o.recipient,"
    " 'purpose', o.purpose, 'kind', o.kind, 'state', o.state,"
    " 'text', COALESCE(o.payload #>> '{text,body}', o.payload #>> '{interactive,body,text}',"
    "   o.payload #>> '{image,caption}', o.payload #>> '{document,caption}'))"
    " ORDER BY o.id), '[]')::text FROM outbound_messages o WHERE o.case_id = $1::bigint"
    " AND o.kind <> 'read'",
    1};

/* Per department between $2 and $3 (days, both included); received and resolved per day.
 * Each table is read once: the period's new cases (by created_at), the unresolved ones (their
 * partial index), the period's events of five kinds (by kind and time); then grouped. */
/* The period's bounds written out in ev's WHERE, not taken from r: against r's columns (a
 * join) the planner guessed a third of all events and hash-joined them with every case (a scan
 * of the whole table, 440 ms of 500 with 1M cases); as a range of two parameters it estimates
 * 0.5% and looks each event's case up by its key (30 ms; bench/portal). */
#define PERIOD_T0 "($2::date::timestamp AT TIME ZONE " TZ_SQL ")"
#define PERIOD_T1 "(($3::date + 1)::timestamp AT TIME ZONE " TZ_SQL ")"
static const db_stmt st_stats = {
    "cases_query_stats",
    "WITH r AS (SELECT $2::date::timestamp AT TIME ZONE " TZ_SQL " AS t0,"
    "   ($3::date + 1)::timestamp AT TIME ZONE " TZ_SQL " AS t1, " TZ_SQL " AS tz),"
    " rec AS (SELECT c.department_code AS dep, (c.created_at AT TIME ZONE r.tz)::date AS day"
    "   FROM cases c, r WHERE c.created_at >= r.t0 AND c.created_at < r.t1"
    "   AND " VISIBLE("c.department_code") "),"
    " unr AS (SELECT c.department_code AS dep, count(*) AS open,"
    "   count(*) FILTER (WHERE c.sla_due_at < " DB_CLOCK ") AS overdue"
    "   FROM cases c WHERE " UNRESOLVED " AND " VISIBLE("c.department_code") " GROUP BY 1),"
    " ev AS (SELECT c.department_code AS dep, e.kind, e.text, e.at, c.created_at, c.sla_due_at,"
    "   (e.at AT TIME ZONE r.tz)::date AS day"
    "   FROM r, case_events e JOIN cases c ON c.id = e.case_id"
    "   WHERE e.kind IN ('resolved', 'closed', 'reopened', 'auto_closed', 'not_satisfied')"
    "   AND e.at >= " PERIOD_T0 " AND e.at < " PERIOD_T1 " AND " VISIBLE("c.department_code") "),"
    " evd AS (SELECT dep,"
    "   count(*) FILTER (WHERE kind = 'resolved') AS resolved,"
    "   count(*) FILTER (WHERE kind = 'closed') AS closed,"
    "   count(*) FILTER (WHERE kind = 'reopened') AS reopened,"
    "   count(*) FILTER (WHERE kind = 'auto_closed') AS auto_closed,"
    "   round(100.0 * count(*) FILTER (WHERE kind = 'resolved' AND at <= sla_due_at)"
    "     / NULLIF(count(*) FILTER (WHERE kind = 'resolved'), 0), 1) AS within_sla,"
    "   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM at - created_at)"
    "     / 3600) FILTER (WHERE kind = 'resolved'))::numeric, 1) AS median_h,"
    "   round(100.0 * count(*) FILTER (WHERE kind = 'closed' AND text = 'citizen satisfied')"
    "     / NULLIF(count(*) FILTER (WHERE (kind = 'closed' AND text = 'citizen satisfied')"
    "       OR kind = 'not_satisfied'), 0), 1) AS satisfied"
    "   FROM ev GROUP BY dep),"
    " per AS (SELECT d.code, COALESCE(rc.n, 0) AS received, COALESCE(unr.open, 0) AS open, COALESCE(unr.overdue, 0) AS overdue,"
    "   COALESCE(evd.resolved, 0) AS resolved, COALESCE(evd.closed, 0) AS closed,"
    "   COALESCE(evd.reopened, 0) AS reopened, COALESCE(evd.auto_closed, 0) AS auto_closed,"
    "   evd.within_sla, evd.median_h, evd.satisfied"
    "   FROM departments d LEFT JOIN unr ON unr.dep = d.code LEFT JOIN evd ON evd.dep = d.code"
    "   LEFT JOIN (SELECT dep, count(*) AS n FROM rec GROUP BY dep) rc ON rc.dep = d.code"
    "   WHERE " VISIBLE("d.code") "),"
    " days AS (SELECT g::date AS day FROM generate_series($2::date, $3::date, interval '1 day') g)"
    " SELECT json_build_object('from', $2::date, 'to', $3::date,"
    "  'totals', (SELECT json_build_object('received', COALESCE(sum(received), 0),"
    "    'open', COALESCE(sum(open), 0), 'overdue', COALESCE(sum(overdue), 0),"
    "    'resolved', COALESCE(sum(resolved), 0), 'closed', COALESCE(sum(closed), 0),"
    "    'reopened', COALESCE(sum(reopened), 0), 'auto_closed', COALESCE(sum(auto_closed), 0))"
    "    FROM per),"
    "  'departments', (SELECT COALESCE(json_agg(json_build_object('department', code,"
    "    'received', received, 'open', open, 'overdue', overdue, 'resolved', resolved,"
    "    'closed', closed, 'reopened', reopened, 'auto_closed', auto_closed,"
    "    'resolved_within_sla_pct', within_sla, 'median_resolution_hours', median_h,"
    "    'satisfied_pct', satisfied) ORDER BY code), '[]') FROM per),"
    "  'days', (SELECT json_agg(json_build_object('day', days.day,"
    "    'received', COALESCE(rd.n, 0), 'resolved', COALESCE(vd.n, 0)) ORDER BY days.day)"
    "    FROM days"
    "    LEFT JOIN (SELECT day, count(*) AS n FROM rec GROUP BY day) rd ON rd.day = days.day"
    "    LEFT JOIN (SELECT day, count(*) AS n FROM ev WHERE kind = 'resolved' GROUP BY day) vd"
    "      ON vd.day = days.day)"
    " )::text",
    3};

/* The week from $2 (a Monday) for seven days: reopened, overdue and unsatisfied cases by
 * department, the oldest CASES_REVIEW_MAX of each list with the full count beside it. */
#define CASES_REVIEW_MAX "100"
static const db_stmt st_review = {
    "cases_query_review",
    "WITH r AS (SELECT $2::date::timestamp AT TIME ZONE " TZ_SQL " AS t0,"
    "   ($2::date + 7)::timestamp AT TIME ZONE " TZ_SQL " AS t1),"
    " hit AS (SELECT DISTINCT e.case_id, CASE e.kind WHEN 'reopened' THEN 'reopened'"
    "     ELSE 'unsatisfied' END AS what"
    "   FROM case_events e, r WHERE e.kind IN ('reopened', 'not_satisfied')"
    "   AND e.at >= r.t0 AND e.at < r.t1"
    "   UNION ALL SELECT c.id, 'overdue' FROM cases c, r WHERE " UNRESOLVED
    "   AND c.sla_due_at < r.t1 AND c.created_at < r.t1),"
    " item AS (SELECT h.what, c.department_code AS dep, c.tracking_no, c.status,"
    "   " ISO("c.created_at") " AS created_at, " ISO("c.sla_due_at") " AS due_at,"
    "   c.reopen_count, c.escalation_level,"
    "   round((extract(epoch FROM r.t1 - c.created_at) / 86400)::numeric, 1) AS age_days,"
    "   row_number() OVER (PARTITION BY h.what, c.department_code"
    "     ORDER BY c.created_at, c.id) AS n,"
    "   count(*) OVER (PARTITION BY h.what, c.department_code) AS total"
    "   FROM hit h JOIN cases c ON c.id = h.case_id, r"
    "   WHERE " VISIBLE("c.department_code") ")"
    " SELECT json_build_object('week_start', $2::date, 'week_end', $2::date + 6,"
    "  'listed_at_most', " CASES_REVIEW_MAX ","
    "  'departments', (SELECT COALESCE(json_agg(x ORDER BY x.department), '[]') FROM ("
    "    SELECT dep AS department,"
    "     json_build_object("
    "       'reopened', COALESCE(max(total) FILTER (WHERE what = 'reopened'), 0),"
    "       'overdue', COALESCE(max(total) FILTER (WHERE what = 'overdue'), 0),"
    "       'unsatisfied', COALESCE(max(total) FILTER (WHERE what = 'unsatisfied'), 0)) AS counts,"
    "     COALESCE(json_agg(json_build_object('tracking_no', tracking_no, 'status', status,"
    "       'created_at', created_at, 'due_at', due_at, 'reopen_count', reopen_count,"
    "       'escalation_level', escalation_level, 'age_days', age_days) ORDER BY n)"
    "       FILTER (WHERE what = 'reopened'), '[]') AS reopened,"
    "     COALESCE(json_agg(json_build_object('tracking_no', tracking_no, 'status', status,"
    "       'created_at', created_at, 'due_at', due_at, 'reopen_count', reopen_count,"
    "       'escalation_level', escalation_level, 'age_days', age_days) ORDER BY n)"
    "       FILTER (WHERE what = 'overdue'), '[]') AS overdue,"
    "     COALESCE(json_agg(json_build_object('tracking_no', tracking_no, 'status', status,"
    "       'created_at', created_at, 'due_at', due_at, 'reopen_count', reopen_count,"
    "       'escalation_level', escalation_level, 'age_days', age_days) ORDER BY n)"
    "       FILTER (WHERE what = 'unsatisfied'), '[]') AS unsatisfied"
    "    FROM item WHERE n <= " CASES_REVIEW_MAX " GROUP BY dep) x))::text",
    2};
// clang-format on

/* ---- pure parts ----------------------------------------------------------------------------- */

int cases_date_ok(const char *s)
{
    struct tm tm;
    char back[11];
    time_t t;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || strspn(s, "0123456789-") != 10)
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    tm.tm_hour = 12;
    if (tm.tm_year < 100 || tm.tm_year > 300) /* 2000..2200 */
        return -1;
    t = timegm(&tm);
    gmtime_r(&t, &tm);
    strftime(back, sizeof back, "%Y-%m-%d", &tm);
    return strcmp(back, s) == 0 ? 0 : -1; /* 2026-02-30 comes back as March */
}

int cases_week_monday(const char *week, char out[11])
{
    struct tm tm;
    time_t jan4;
    int year, w, wday;
    if (strlen(week) != 8 || week[4] != '-' || week[5] != 'W' || strspn(week, "0123456789") != 4 ||
        strspn(week + 6, "0123456789") != 2)
        return -1;
    year = atoi(week);
    w = atoi(week + 6);
    if (year < 2000 || year > 2200 || w < 1 || w > 53)
        return -1;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = year - 1900;
    tm.tm_mday = 4; /* 4 January is always in week 1 */
    tm.tm_hour = 12;
    jan4 = timegm(&tm);
    gmtime_r(&jan4, &tm);
    wday = (tm.tm_wday + 6) % 7; /* Monday 0 */
    jan4 += (time_t)((w - 1) * 7 - wday) * 86400;
    gmtime_r(&jan4, &tm);
    if (w == 53) { /* only years whose week 53 exists: its Thursday is still in that year */
        struct tm th;
        time_t thursday = jan4 + 3 * 86400;
        gmtime_r(&thursday, &th);
        if (th.tm_year != year - 1900)
            return -1;
    }
    strftime(out, 11, "%Y-%m-%d", &tm);
    return 0;
}

void cases_cursor_encode(int64_t us, long long id, char *out, size_t outsz)
{
    snprintf(out, outsz, "%lld-%lld", (long long)us, id);
}

int cases_cursor_decode(const char *s, int64_t *us, long long *id)
{
    const char *dash = strchr(s, '-');
    char *end;
    long long a, b;
    if (!dash || dash == s || strspn(s, "0123456789") != (size_t)(dash - s) || dash - s > 18 ||
        !dash[1] || strspn(dash + 1, "0123456789") != strlen(dash + 1) || strlen(dash + 1) > 18)
        return -1;
    a = strtoll(s, &end, 10);
    b = strtoll(dash + 1, &end, 10);
    if (b <= 0)
        return -1;
    *us = a;
    *id = b;
    return 0;
}

static int flag(const char *name, const char *v, int *out, err *e)
{
    if (strcmp(v, "1") != 0 && strcmp(v, "0") != 0 && strcmp(v, "") != 0)
        return err_set(e, ERR_USER, "%s: must be 1 (or 0)", name);
    *out = strcmp(v, "1") == 0;
    return 0;
}

int cases_filter_parse(const char *const *args, size_t nargs, int csv, cases_filter *f, err *e)
{
    static const char *const statuses[] = {"open",     "in_progress", "resolved",
                                           "reopened", "closed",      NULL};
    memset(f, 0, sizeof *f);
    f->level = -1;
    f->limit = CASES_QUERY_LIMIT_DEFAULT;
    for (size_t i = 0; i < nargs; i++) {
        const char *eq = strchr(args[i], '='), *v;
        char name[64];
        size_t n = eq ? (size_t)(eq - args[i]) : strlen(args[i]);
        snprintf(name, sizeof name, "%.*s", (int)(n < 63 ? n : 63), args[i]);
        v = eq ? eq + 1 : "";
        if (!strcmp(name, "status")) {
            const char *const *s = statuses;
            while (*s && strcmp(*s, v) != 0)
                s++;
            if (*v && !*s)
                return err_set(e, ERR_USER,
                               "status: must be one of open, in_progress, resolved, reopened, "
                               "closed");
            snprintf(f->status, sizeof f->status, "%s", v);
        } else if (!strcmp(name, "department")) {
            if (*v && (strlen(v) < 2 || strlen(v) > 16 || v[0] < 'A' || v[0] > 'Z' ||
                       strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != strlen(v)))
                return err_set(e, ERR_USER, "department: must be a department code such as PHE");
            snprintf(f->department, sizeof f->department, "%s", v);
        } else if (!strcmp(name, "overdue")) {
            if (flag(name, v, &f->overdue, e) < 0)
                return -1;
        } else if (!strcmp(name, "urgent")) {
            if (flag(name, v, &f->urgent, e) < 0)
                return -1;
        } else if (!strcmp(name, "reopened")) {
            if (flag(name, v, &f->reopened, e) < 0)
                return -1;
        } else if (!strcmp(name, "level")) {
            if (*v && (strlen(v) != 1 || v[0] < '0' || v[0] > '2'))
                return err_set(e, ERR_USER, "level: must be 0, 1 or 2");
            f->level = *v ? v[0] - '0' : -1;
        } else if (!strcmp(name, "from") || !strcmp(name, "to")) {
            if (*v && cases_date_ok(v) < 0)
                return err_set(e, ERR_USER, "%s: must be a date YYYY-MM-DD", name);
            snprintf(name[0] == 'f' ? f->from : f->to, 11, "%s", v);
        } else if (!strcmp(name, "q")) {
            size_t chars = text_utf8_chars(v);
            if (!text_utf8_valid(v, strlen(v)) || chars > 100 || strlen(v) >= sizeof f->q)
                return err_set(e, ERR_USER, "q: must be text of at most 100 letters");
            snprintf(f->q, sizeof f->q, "%s", v);
        } else if (!csv && !strcmp(name, "limit")) {
            if (!*v || strlen(v) > 3 || strspn(v, "0123456789") != strlen(v) || atoi(v) < 1 ||
                atoi(v) > CASES_QUERY_LIMIT_MAX)
                return err_set(e, ERR_USER, "limit: must be a number from 1 to %d",
                               CASES_QUERY_LIMIT_MAX);
            f->limit = atoi(v);
        } else if (!csv && !strcmp(name, "after")) {
            if (*v && cases_cursor_decode(v, &f->after_us, &f->after_id) < 0)
                return err_set(e, ERR_USER, "after: not a cursor this server gave (use \"next\")");
            f->has_after = *v != 0;
        } else {
            return err_set(e, ERR_USER, "%s: unknown filter", name);
        }
    }
    if (f->from[0] && f->to[0] && strcmp(f->from, f->to) > 0)
        return err_set(e, ERR_USER, "from: is after to");
    return 0;
}

void cases_csv_field(FILE *out, const char *field, int last)
{
    const char *f = field ? field : "";
    int formula =
        f[0] == '=' || f[0] == '+' || f[0] == '-' || f[0] == '@' || f[0] == '\t' || f[0] == '\r';
    int quote = formula || strpbrk(f, ",\"\r\n") != NULL;
    if (quote)
        fputc('"', out);
    if (formula)
        fputc('\'', out);
    for (; *f; f++) {
        if (*f == '"')
            fputc('"', out);
        fputc(*f, out);
    }
    if (quote)
        fputc('"', out);
    fputs(last ? "\r\n" : ",", out);
}

/* ---- queries -------------------------------------------------------------------------------- */

/* The ten WHERE parameters as text (NULL = not asked); pattern holds q's ILIKE pattern. */
static void where_params(const cases_filter *f, const char *depts, char *level, char *pattern,
                         size_t patsz, const char *p[10])
{
    size_t o = 0;
    p[0] = depts;
    p[1] = f->status[0] ? f->status : NULL;
    p[2] = f->department[0] ? f->department : NULL;
    p[3] = f->overdue ? "true" : "false";
    p[4] = f->urgent ? "true" : "false";
    p[5] = f->reopened ? "true" : "false";
    snprintf(level, 4, "%d", f->level);
    p[6] = f->level >= 0 ? level : NULL;
    p[7] = f->from[0] ? f->from : NULL;
    p[8] = f->to[0] ? f->to : NULL;
    p[9] = NULL;
    if (f->q[0]) {
        /* %, _ and \ in the text are letters, not wildcards. */
        pattern[o++] = '%';
        for (const char *s = f->q; *s && o + 3 < patsz; s++) {
            if (*s == '%' || *s == '_' || *s == '\\')
                pattern[o++] = '\\';
            pattern[o++] = *s;
        }
        pattern[o++] = '%';
        pattern[o] = '\0';
        p[9] = pattern;
    }
}

static json_object *row_json(const PGresult *r, int i)
{
    json_object *o = json_object_new_object();
    json_object_object_add(o, "tracking_no", json_object_new_string(PQgetvalue(r, i, 0)));
    json_object_object_add(o, "status", json_object_new_string(PQgetvalue(r, i, 1)));
    json_object_object_add(o, "department", json_object_new_string(PQgetvalue(r, i, 2)));
    json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(r, i, 3)));
    json_object_object_add(o, "due_at", json_object_new_string(PQgetvalue(r, i, 4)));
    json_object_object_add(o, "escalation_level", json_object_new_int(atoi(PQgetvalue(r, i, 5))));
    json_object_object_add(o, "reopen_count", json_object_new_int(atoi(PQgetvalue(r, i, 6))));
    json_object_object_add(o, "urgent", json_object_new_boolean(PQgetvalue(r, i, 7)[0] == 't'));
    json_object_object_add(o, "village", json_object_new_string(PQgetvalue(r, i, 8)));
    json_object_object_add(o, "headline", json_object_new_string(PQgetvalue(r, i, 9)));
    /* Duplicate complaints (SPEC section 12): how many citizens follow it besides its own. */
    json_object_object_add(o, "follower_count", json_object_new_int(atoi(PQgetvalue(r, i, 12))));
    return o;
}

char *cases_query_list(db *d, const cases_filter *f, const char *depts, err *e)
{
    const char *p[13];
    char level[4], pattern[sizeof f->q * 2 + 3], after_us[24], after_id[24], limit[8];
    PGresult *r = NULL, *c = NULL;
    json_object *root = NULL, *list;
    char *out = NULL;
    int n;
    where_params(f, depts, level, pattern, sizeof pattern, p);
    snprintf(after_us, sizeof after_us, "%lld", (long long)f->after_us);
    snprintf(after_id, sizeof after_id, "%lld", f->after_id);
    snprintf(limit, sizeof limit, "%d", f->limit + 1); /* one more tells whether a next exists */
    p[10] = f->has_after ? after_us : NULL;
    p[11] = f->has_after ? after_id : NULL;
    p[12] = limit;
    if (!(r = db_query(d, &st_list, p, e)) || !(c = db_query(d, &st_count, p, e)))
        goto out;
    root = json_object_new_object();
    list = json_object_new_array();
    n = PQntuples(r);
    for (int i = 0; i < n && i < f->limit; i++)
        json_object_array_add(list, row_json(r, i));
    json_object_object_add(root, "cases", list);
    if (n > f->limit) {
        char cur[48];
        cases_cursor_encode(strtoll(PQgetvalue(r, f->limit - 1, 10), NULL, 10),
                            strtoll(PQgetvalue(r, f->limit - 1, 11), NULL, 10), cur, sizeof cur);
        json_object_object_add(root, "next", json_object_new_string(cur));
    } else {
        json_object_object_add(root, "next", NULL);
    }
    {
        long long total = strtoll(PQgetvalue(c, 0, 0), NULL, 10);
        json_object_object_add(root, "total", json_object_new_int64(total > CASES_TOTAL_CAP
                                                                        ? CASES_TOTAL_CAP
                                                                        : total));
        json_object_object_add(root, "total_capped",
                               json_object_new_boolean(total > CASES_TOTAL_CAP));
    }
    out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    if (!out)
        err_set(e, ERR_ENV, "out of memory");
out:
    json_object_put(root);
    PQclear(r);
    PQclear(c);
    return out;
}

long cases_query_csv(db *d, const cases_filter *f, const char *depts, FILE *out, err *e)
{
    static const char *const header[] = {
        "tracking_no",      "status",       "department", "created_at", "due_at",
        "escalation_level", "reopen_count", "urgent",     "village",    "headline",
        "citizen_name",     "description",  NULL};
    const char *p[10];
    char level[4], pattern[sizeof f->q * 2 + 3];
    long rows = 0;
    PGresult *r;
    where_params(f, depts, level, pattern, sizeof pattern, p);
    fputs("\xEF\xBB\xBF", out); /* the BOM: Excel then reads UTF-8 */
    for (int i = 0; header[i]; i++)
        cases_csv_field(out, header[i], !header[i + 1]);
    if (db_begin(d, e) < 0)
        return -1;
    if (db_exec(d, &st_csv_declare, p, e) < 0)
        goto fail;
    for (;;) {
        int n;
        if (!(r = db_query(d, &st_csv_fetch, NULL, e)))
            goto fail;
        n = PQntuples(r);
        for (int i = 0; i < n; i++) {
            /* The list's columns, then the citizen's name and the whole description. */
            for (int col = 0; col < 12; col++) {
                const char *v = PQgetvalue(r, i, col);
                if (col == 7)
                    v = v[0] == 't' ? "yes" : "no";
                cases_csv_field(out, v, col == 11);
            }
            rows++;
        }
        PQclear(r);
        if (n == 0)
            break;
        if (ferror(out)) {
            err_set(e, ERR_ENV, "cannot write the CSV");
            goto fail;
        }
    }
    if (db_commit(d, e) < 0)
        return -1;
    return rows;
fail:
    db_rollback(d);
    return -1;
}

/* The first column of the first row into out (when given): 1, 0 for no row, -1 error. */
static int first_value(db *d, const db_stmt *st, const char *const *p, char *out, size_t outsz,
                       err *e)
{
    PGresult *r = db_query(d, st, p, e);
    int n;
    if (!r)
        return -1;
    if ((n = PQntuples(r) > 0) && out)
        db_copy(out, outsz, r, 0, 0);
    PQclear(r);
    return n;
}

int cases_query_visible(db *d, const char *tracking_no, const char *depts, char *id, size_t idsz,
                        err *e)
{
    return first_value(d, &st_visible, (const char *[]){depts, tracking_no}, id, idsz, e);
}

int cases_query_media_visible(db *d, const char *media_id, const char *depts, err *e)
{
    return first_value(d, &st_media_visible, (const char *[]){depts, media_id}, NULL, 0, e);
}

char *cases_query_messages(db *d, const char *case_id, err *e)
{
    return db_text(d, &st_messages, (const char *[]){case_id}, e);
}

char *cases_query_stats(db *d, const char *from, const char *to, const char *depts, err *e)
{
    return db_text(d, &st_stats, (const char *[]){depts, from, to}, e);
}

char *cases_query_review(db *d, const char *monday, const char *depts, err *e)
{
    return db_text(d, &st_review, (const char *[]){depts, monday}, e);
}
