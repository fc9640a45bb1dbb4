/* cases.c — complaint rows, their events and attachments (see cases.h).
 * A tracking number comes from a per-district, per-year sequence (migration 0011): unique,
 * never reused, taken without a lock (a rolled-back creation leaves a gap, which is fine). */
#include "cases.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "followers.h"
#include "officer.h"
#include "place.h"
#include "text.h"

/* Urgent: the department is, or the text (desc) names an emergency (आग, fire, बाढ़...); d is the
 * department's row, dist the district's. The text is lowered once, in a sub-select (an InitPlan),
 * not once a keyword: 34 → 14 µs a complaint with the sample's 15 keywords (issue 22). */
#define CASES_SQL_WANTED(desc)                                                                     \
    "(d.urgent OR EXISTS (SELECT 1 FROM unnest(dist.urgent_keywords) k"                            \
    " WHERE strpos((SELECT lower(" desc ")), lower(k)) > 0))"

/* $10: may the case be urgent (the citizen's urgent complaints today are within
 * SAMPARK_LIMIT_URGENT_DAY)? An urgent complaint past the limit keeps the urgent deadline (the
 * ladder takes it to the nodal officers if it runs out) but not the immediate alert: urgent is
 * false, level 0, and a second event, urgent_limited, tells the district which urgent
 * complaints the daily limit filed as normal ones.
 * Returns the id, whether it is urgent, whether it would have been, the created event's id,
 * then what fill_info reads (info_columns, in the citizen's language $4), then the rest of what
 * case_get reads (created_columns: the officers' notice needs it): one statement for the case,
 * its events and its facts (issue 22: five before, with the desk's re-read by case_get).
 * Plans (issue 22): districts holds one row (districts_one_row), but the planner does not know
 * it — never analysed, the table's page is guessed at 170 rows, and the insert at 28,900 — so
 * every expression a custom plan folds to a constant (NULLIF($3, ''), the float casts of $7
 * and $8, lower($5), $10) looked 580 cost units cheaper per call than the generic plan, far
 * more than a re-plan is deemed to cost: PostgreSQL planned every call (~270 µs). LIMIT 1
 * tells it one row; the generic plan is kept. OFFSET 0 keeps u a sub-select of its own, so the
 * keyword test runs once, not once for each of the three uses of wanted. The events' ids
 * follow ORDER BY n (created first), as two inserts did; their time is the column's default. */
#define CASES_WHEN "'DD-MM-YYYY HH24:MI'"
static const db_stmt st_create = {
    "cases_create",
    "WITH dist AS (SELECT code, timezone, COALESCE(nodal_after_hours, 48) AS default_sla,"
    "  urgent_keywords, urgent_sla_hours FROM districts LIMIT 1),"
    " counter AS (SELECT code AS district_code, y.year, sampark_tracking_next(code, y.year)"
    "  AS last_value"
    "  FROM dist, LATERAL (SELECT extract(year FROM now() AT TIME ZONE timezone)::int AS year) y),"
    " dept AS (SELECT d.code, d.name, u.wanted, u.wanted AND $10::boolean AS urgent,"
    "  CASE WHEN u.wanted THEN dist.urgent_sla_hours"
    "  ELSE COALESCE(d.sla_hours, dist.default_sla) END AS sla"
    "  FROM departments d CROSS JOIN dist"
    "  CROSS JOIN LATERAL (SELECT " CASES_SQL_WANTED("$5") " AS wanted OFFSET 0) u"
    "  WHERE d.code = $1 AND d.active),"
    " ins AS (INSERT INTO cases (tracking_no, department_code, citizen_phone, citizen_name,"
    "  language, description, location_text, latitude, longitude, urgent, escalation_level,"
    "  source_message_id, sla_due_at, place_key)"
    " SELECT counter.district_code || '-' || counter.year || '-'"
    "  || lpad(counter.last_value::text, 6, '0'),"
    "  dept.code, $2, NULLIF($3, ''), $4, $5, NULLIF($6, ''), NULLIF($7, '')::float8,"
    "  NULLIF($8, '')::float8, dept.urgent, CASE WHEN dept.urgent THEN 2 ELSE 0 END, $9,"
    "  now() + dept.sla * interval '1 hour', $11"
    " FROM counter, dept"
    " ON CONFLICT (source_message_id) DO NOTHING"
    " RETURNING id, urgent, tracking_no, status, department_code, sla_due_at, citizen_phone,"
    "  language, left(description, 1000) AS description, COALESCE(location_text, '') AS place),"
    " ev AS (INSERT INTO case_events (case_id, kind, actor, text)"
    " SELECT ins.id, v.kind, v.actor, v.text FROM ins, dept,"
    "  (VALUES (1, 'created', 'citizen', $5), (2, 'urgent_limited', 'system', 'a daily limit"
    " reached: filed with the urgent deadline but without the immediate nodal officer and"
    " collector alert')) v(n, kind, actor, text)"
    " WHERE v.n = 1 OR (dept.wanted AND NOT ins.urgent) ORDER BY v.n RETURNING id, kind, at)"
    " SELECT ins.id, ins.urgent, dept.wanted, (SELECT min(id) FROM ev),"
    " ins.tracking_no, ins.status, ins.department_code, COALESCE(dept.name->>$4, dept.name->>'hi'),"
    " l.kind, to_char(l.at AT TIME ZONE dist.timezone, " CASES_WHEN "),"
    " to_char(ins.sla_due_at AT TIME ZONE dist.timezone, " CASES_WHEN "), '',"
    " ins.citizen_phone, ins.language, ins.description, ins.place,"
    " COALESCE(dept.name->>'hi', ''), COALESCE(dept.name->>'en', '')"
    " FROM ins, dept, dist, LATERAL (SELECT kind, at FROM ev ORDER BY id DESC LIMIT 1) l",
    11};
static const db_stmt st_wanted = {"cases_wanted",
                                  "SELECT " CASES_SQL_WANTED("$2") " FROM departments d, districts "
                                                                   "dist WHERE d.code = $1",
                                  2};
static const db_stmt st_by_source = {
    "cases_by_source", "SELECT id, tracking_no FROM cases WHERE source_message_id = $1", 1};
/* The time is the column's default: the transaction's clock (sampark.clock, 0014). */
static const db_stmt st_event = {
    "cases_event",
    "INSERT INTO case_events (case_id, kind, actor, text, detail) VALUES ($1::bigint, $2, $3, $4,"
    " COALESCE(NULLIF($5, ''), '{}')::jsonb) RETURNING id",
    5};
static const db_stmt st_attach = {
    "cases_attach",
    "INSERT INTO attachments (case_id, event_id, media_id, media_type, mime, caption, filename)"
    " VALUES ($1::bigint, NULLIF($2, '')::bigint, $3, $4, NULLIF($5, ''), NULLIF($6, ''),"
    " NULLIF($7, ''))",
    7};
static const db_stmt st_info = {
    "cases_info",
    "SELECT c.tracking_no, c.status, c.department_code,"
    " COALESCE(d.name->>$2, d.name->>'hi'),"
    " COALESCE(e.kind, 'created'),"
    " to_char(COALESCE(e.at, c.created_at) AT TIME ZONE t.timezone, " CASES_WHEN "),"
    " to_char(c.sla_due_at AT TIME ZONE t.timezone, " CASES_WHEN "),"
    " COALESCE((SELECT m.tracking_no FROM cases m WHERE m.id = c.merged_into), '')"
    " FROM cases c JOIN departments d ON d.code = c.department_code CROSS JOIN districts t"
    " LEFT JOIN LATERAL (SELECT kind, at FROM case_events WHERE case_id = c.id ORDER BY at DESC, "
    "id DESC LIMIT 1) e"
    " ON true"
    " WHERE c.id = $1::bigint",
    2};
/* The citizen's own cases and those they follow (case_followers, by its phone index). */
static const db_stmt st_find = {
    "cases_find",
    "SELECT id FROM (SELECT id, created_at FROM cases WHERE citizen_phone = $1"
    "  AND ($2 = '' OR tracking_no = $2)"
    " UNION ALL SELECT c.id, c.created_at FROM case_followers f JOIN cases c ON c.id = f.case_id"
    "  WHERE f.phone = $1 AND ($2 = '' OR c.tracking_no = $2)) x"
    " ORDER BY created_at DESC LIMIT 1",
    2};
/* Like st_find: the citizen's own cases and those they follow, any not closed. */
static const db_stmt st_open_for = {
    "cases_open_for",
    "SELECT EXISTS (SELECT 1 FROM cases WHERE citizen_phone = $1 AND status <> 'closed')"
    " OR EXISTS (SELECT 1 FROM case_followers f JOIN cases c ON c.id = f.case_id"
    "  WHERE f.phone = $1 AND c.status <> 'closed')",
    1};
static const db_stmt st_set_lang = {
    "cases_set_language", "UPDATE citizens SET language = $2, updated_at = now() WHERE phone = $1",
    2};

/* Where a result's text columns go in a case_info, in column order. */
struct column {
    size_t offset, size;
};
#define COLUMN(field) {offsetof(case_info, field), sizeof((case_info *)0)->field}
static const struct column info_columns[] = {
    COLUMN(tracking_no), COLUMN(status),         COLUMN(department), COLUMN(department_name),
    COLUMN(last_action), COLUMN(last_action_at), COLUMN(due),        COLUMN(merged_into)};
/* What st_create returns after info_columns: the rest of the desk's view (desk_columns). A new
 * case has no reopen, no transfer, no follower and waits for nothing: those stay 0. */
static const struct column created_columns[] = {COLUMN(citizen),     COLUMN(lang),
                                                COLUMN(description), COLUMN(place),
                                                COLUMN(dept_name_hi), COLUMN(dept_name_en)};

/* n columns from first on. */
static void copy_columns(case_info *c, const PGresult *r, int first, const struct column *cols,
                         size_t n)
{
    for (size_t i = 0; i < n; i++)
        db_copy((char *)c + cols[i].offset, cols[i].size, r, 0, first + (int)i);
}

/* n boolean columns from first on, into flags. */
static void copy_flags(const PGresult *r, int first, int *const *flags, int n)
{
    for (int i = 0; i < n; i++)
        *flags[i] = PQgetvalue(r, 0, first + i)[0] == 't';
}

static int fill_info(db *d, const char *id, const char *lang, case_info *out, err *e)
{
    PGresult *r = db_query(d, &st_info, (const char *[]){id, lang}, e);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    copy_columns(out, r, 0, info_columns, sizeof info_columns / sizeof info_columns[0]);
    PQclear(r);
    return 1;
}

static const char *var(const engine_session *s, const char *key)
{
    const char *v = engine_session_get(s, key);
    return v ? v : "";
}

/* The draft's media, in the order officers receive them: the description's own (a voice note
 * as the complaint), those sent while a question waited on it (ENGINE_MORE_SUFFIX: a voice note
 * at "Is this about …?"), the media step's, the village said by voice (engine.h). */
static const char *const attachment_vars[] = {
    "description" ENGINE_MEDIA_SUFFIX, "description" ENGINE_MORE_SUFFIX "1",
    "description" ENGINE_MORE_SUFFIX "2", "description" ENGINE_MORE_SUFFIX "3",
    "attachment", "village" ENGINE_MEDIA_SUFFIX, NULL};
_Static_assert(ENGINE_MORE_MAX == 3, "attachment_vars names each of the description's more");

/* 1 kept, 0 the draft has no such file, -1 error. Queued (db_send): nobody reads the answer,
 * so the insert travels with the transaction's next statement (issue 22); its failure fails
 * that call. */
static int attach(db *d, const engine_session *s, const char *id, const char *event_id,
                  const char *prefix, err *e)
{
    char k[5][40];
    static const char *const suffix[] = {"", "_type", "_mime", "_caption", "_filename"};
    for (int i = 0; i < 5; i++)
        snprintf(k[i], sizeof k[i], "%s%s", prefix, suffix[i]);
    if (!*var(s, k[0]) || !*var(s, k[1]) || strcmp(var(s, k[1]), "location") == 0)
        return 0; /* a location is the case's place, not an attachment */
    return db_send(d, &st_attach,
                   (const char *[]){id, event_id, var(s, k[0]), var(s, k[1]), var(s, k[2]),
                                    var(s, k[3]), var(s, k[4])},
                   e) < 0
               ? -1
               : 1;
}

/* The session variable holding the complaint's shared location: the location step's, or a
 * location sent as the answer to the village question (issue 15); NULL when the draft has none.
 * Only a variable that holds the place itself counts: a question asked again empties its var but
 * leaves the old answer's _type and _name, which must not name a place the citizen left behind. */
static const char *location_var(const engine_session *s)
{
    if (*var(s, "location"))
        return "location";
    if (*var(s, "village" ENGINE_MEDIA_SUFFIX) &&
        strcmp(var(s, "village" ENGINE_MEDIA_SUFFIX "_type"), "location") == 0)
        return "village" ENGINE_MEDIA_SUFFIX;
    return NULL;
}

const char *case_draft_where(const engine_session *s, char lat[32], char lon[32])
{
    const char *where = location_var(s), *loc = where ? var(s, where) : "";
    lat[0] = lon[0] = '\0';
    if (*loc && sscanf(loc, "%31[^,],%31s", lat, lon) != 2)
        lat[0] = lon[0] = '\0';
    /* A location, a voice note or a photo that answered the village question: its var holds the
     * flow's words for it ("🎤 told in a voice note"), the same for everyone — never a place. */
    return *var(s, "village" ENGINE_MEDIA_SUFFIX) ? "" : var(s, "village");
}

/* case_create's repeat: the case source_msg_id filed, both views read again (its files not
 * counted: attached -1). */
static int created_before(db *d, const char *source_msg_id, const char *dept, const char *lang,
                          case_info *out, err *e)
{
    char id[32], tracking_no[32];
    PGresult *r = db_query(d, &st_by_source, (const char *[]){source_msg_id}, e);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return err_set(e, ERR_USER, "department %s is not in the directory", dept);
    }
    db_copy(id, sizeof id, r, 0, 0);
    db_copy(tracking_no, sizeof tracking_no, r, 0, 1);
    PQclear(r);
    if (case_get(d, tracking_no, out, e) < 0 || fill_info(d, id, lang, out, e) < 0)
        return -1;
    out->attached = -1;
    return 0;
}

int case_create(db *d, const char *phone, const char *name, const char *lang,
                const engine_session *s, const char *source_msg_id, int urgent_ok, case_info *out,
                err *e)
{
    char id[32], event_id[32] = "", lat[32] = "", lon[32] = "", place[2048], loc_name[40] = "",
         key[PLACE_KEY_MAX];
    const char *where = location_var(s), *loc = where ? var(s, where) : "";
    /* A location that answered the village question: its var holds only the flow's words for
     * it ("📍 location shared on the map", in the citizen's language); the place is its name. */
    const char *village =
        where && strcmp(where, "village" ENGINE_MEDIA_SUFFIX) == 0 ? "" : var(s, "village");
    PGresult *r;
    memset(out, 0, sizeof *out);
    if (*loc && sscanf(loc, "%31[^,],%31s", lat, lon) != 2)
        lat[0] = lon[0] = '\0';
    if (where)
        snprintf(loc_name, sizeof loc_name, "%s_name", where);
    snprintf(place, sizeof place, "%s%s%s", village,
             *village && *loc_name && *var(s, loc_name) ? ", " : "",
             *loc_name ? var(s, loc_name) : "");
    text_fit(place);
    /* The name as written, not the map's nor a voice note's words (place.h). */
    place_key(*var(s, "village" ENGINE_MEDIA_SUFFIX) ? "" : village, key, sizeof key);
    r = db_query(d, &st_create,
                 (const char *[]){var(s, "department"), phone, name ? name : "", lang,
                                  var(s, "description"), place, lat, lon, source_msg_id,
                                  urgent_ok ? "true" : "false", key},
                 e);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) { /* created before from this very message: the same case */
        PQclear(r);
        return created_before(d, source_msg_id, var(s, "department"), lang, out, e);
    }
    db_copy(id, sizeof id, r, 0, 0);
    out->urgent = PQgetvalue(r, 0, 1)[0] == 't';
    out->urgent_limited = !out->urgent && PQgetvalue(r, 0, 2)[0] == 't';
    db_copy(event_id, sizeof event_id, r, 0, 3);
    copy_columns(out, r, 4, info_columns, sizeof info_columns / sizeof info_columns[0]);
    copy_columns(out, r, 12, created_columns, sizeof created_columns / sizeof created_columns[0]);
    memcpy(out->id, id, sizeof out->id);
    PQclear(r);
    for (const char *const *p = attachment_vars; *p; p++) {
        int kept = attach(d, s, id, event_id, *p, e);
        if (kept < 0)
            return -1;
        out->attached += kept;
    }
    return 0;
}

int case_is_urgent(db *d, const engine_session *s, err *e)
{
    PGresult *r =
        db_query(d, &st_wanted, (const char *[]){var(s, "department"), var(s, "description")}, e);
    int wanted;
    if (!r)
        return -1;
    wanted = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    return wanted;
}

/* "blb 2026 000123", "BLB2026000123" → "BLB-2026-000123". */
static void canonical_tracking(const char *in, char out[32])
{
    char letters[16] = "", digits[16] = "";
    size_t nl = 0, nd = 0;
    for (const char *p = in; *p; p++) {
        if (((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) && nd == 0 && nl < 8)
            letters[nl++] = (char)(*p & ~0x20);
        else if (*p >= '0' && *p <= '9' && nd < 10)
            digits[nd++] = *p;
    }
    if (nl >= 2 && nd == 10)
        snprintf(out, 32, "%s-%.4s-%.6s", letters, digits, digits + 4);
    else
        snprintf(out, 32, "%s", in);
}

int case_open_for(db *d, const char *phone, err *e)
{
    PGresult *r = db_query(d, &st_open_for, (const char *[]){phone}, e);
    int yes;
    if (!r)
        return -1;
    yes = strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    return yes;
}

int case_lookup(db *d, const char *phone, const char *tracking_no, const char *lang, case_info *out,
                err *e)
{
    char canon[32], id[32];
    PGresult *r;
    memset(out, 0, sizeof *out);
    canonical_tracking(tracking_no ? tracking_no : "", canon);
    if (!(r = db_query(d, &st_find, (const char *[]){phone, canon}, e)))
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    db_copy(id, sizeof id, r, 0, 0);
    PQclear(r);
    return fill_info(d, id, lang, out, e);
}

int case_set_language(db *d, const char *phone, const char *lang, err *e)
{
    return db_exec(d, &st_set_lang, (const char *[]){phone, lang}, e);
}

/* ---- the desk's side ---------------------------------------------------------------------- */

/* SQL: true when phone (an SQL expression) may still hear about a case of dept (one too): an
 * officer of that department in the directory now, or a nodal officer or the collector. An
 * officer removed from the directory (their row is deleted) or whose case moved to another
 * department is no longer sent its citizen's words and files. */
#define CASES_SQL_STILL_ACTS(phone, dept)                                                          \
    "(EXISTS (SELECT 1 FROM officers sa WHERE sa.phone = " phone " AND sa.department_code = " dept \
    ") OR EXISTS (SELECT 1 FROM districts sa WHERE " phone                                         \
    " = ANY(sa.nodal_phones || sa.collector_phones)))"

#define CASE_COLUMNS                                                                               \
    "c.id, c.tracking_no, c.status, c.department_code, c.citizen_phone, c.language, "              \
    "left(c.description, 1000),"                                                                   \
    " COALESCE(c.location_text, ''), COALESCE(d.name->>'hi', ''), COALESCE(d.name->>'en', ''), "   \
    "c.reopen_count,"                                                                              \
    " c.awaiting_docs, c.awaiting_reason,"                                                        \
    " c.satisfaction_asked_at IS NOT NULL AND c.citizen_satisfied_at IS NULL, c.urgent,"         \
    " (SELECT count(*) FROM case_events t WHERE t.case_id = c.id AND t.kind = 'transferred'),"     \
    " " CASE_PENDING_REJECTION("actor") ", " CASE_PENDING_REJECTION("text") ", c.follower_count"
/* Who asked to close the case as not actionable, and why, while the nodal officers' verdict
 * waits (issue 16's case rules): the last of its requests, approvals and returns, when it is a
 * request; '' otherwise. */
#define CASE_PENDING_REJECTION(col)                                                                \
    "COALESCE((SELECT CASE WHEN r.kind = 'reject_requested' THEN r." col " END"                   \
    " FROM case_events r WHERE r.case_id = c.id"                                                   \
    " AND r.kind IN ('reject_requested', 'rejected', 'reject_returned')"                          \
    " ORDER BY r.id DESC LIMIT 1), '')"

static const db_stmt st_get = {"cases_get",
                               "SELECT " CASE_COLUMNS
                               " FROM cases c JOIN departments d ON d.code = c.department_code"
                               " WHERE c.tracking_no = $1",
                               1};
static const db_stmt st_get_locked = {
    "cases_get_locked",
    "SELECT " CASE_COLUMNS " FROM cases c JOIN departments d ON d.code = c.department_code"
    " WHERE c.tracking_no = $1 FOR UPDATE OF c",
    1};
static const db_stmt st_by_wamid = {
    "cases_by_wamid",
    "SELECT " CASE_COLUMNS " FROM cases c JOIN departments d ON d.code = c.department_code"
    " JOIN outbound_messages o ON o.case_id = c.id WHERE o.wamid = $1",
    1};
/* The case a citizen's message answers: $2 says what the message looks like ('docs' for
 * media, 'answer' for a yes/no, 'text' otherwise), so it goes to the case waiting for it. */
static const db_stmt st_waiting = {
    "cases_waiting",
    "SELECT " CASE_COLUMNS " FROM cases c JOIN departments d ON d.code = c.department_code"
    " WHERE c.citizen_phone = $1 AND c.status <> 'closed' AND (c.awaiting_docs OR "
    "c.awaiting_reason OR"
    "  (c.status = 'resolved' AND c.satisfaction_asked_at IS NOT NULL"
    "   AND c.citizen_satisfied_at IS NULL))"
    " ORDER BY CASE $2 WHEN 'docs' THEN c.awaiting_docs"
    "  WHEN 'answer' THEN c.status = 'resolved' AND c.satisfaction_asked_at IS NOT NULL"
    "  ELSE c.awaiting_reason END DESC, c.awaiting_reason DESC, c.awaiting_docs DESC, c.updated_at "
    "DESC LIMIT 1",
    2};
static const db_stmt st_staff = {
    "cases_staff",
    "SELECT EXISTS (SELECT 1 FROM districts WHERE $1 = ANY(nodal_phones || collector_phones)),"
    " EXISTS (SELECT 1 FROM officers WHERE phone = $1),"
    " EXISTS (SELECT 1 FROM officers WHERE phone = $1 AND department_code = $2),"
    " EXISTS (SELECT 1 FROM departments WHERE code = $3 AND active),"
    " (SELECT to_char(now() AT TIME ZONE timezone, 'YYYY-MM-DD') FROM districts),"
    " (SELECT to_char(now() AT TIME ZONE timezone + $4::int * interval '1 day', 'YYYY-MM-DD')"
    "  FROM districts)",
    4};
/* One statement a role (issue 22): with the role as a parameter, `$1 = 'officers'` and the CASE
 * folded away in a custom plan, which looked cheaper than the generic plan holding both branches,
 * so every call was planned (~80 µs, more than its execution). The district's roles take no
 * parameter and are planned once a connection. */
#define CASES_DISTRICT_PHONES(phones)                                                              \
    "SELECT DISTINCT p FROM districts, unnest(" phones ") p ORDER BY p"
static const db_stmt st_recipients[] = {
    [CASE_OFFICERS] =
        {"cases_recipients_officers",
         "SELECT DISTINCT phone FROM officers WHERE department_code = $1 ORDER BY phone", 1},
    [CASE_NODAL] = {"cases_recipients_nodal", CASES_DISTRICT_PHONES("nodal_phones"), 0},
    [CASE_COLLECTOR] = {"cases_recipients_collector", CASES_DISTRICT_PHONES("collector_phones"), 0},
    [CASE_SUPERVISORS] = {"cases_recipients_supervisors",
                          CASES_DISTRICT_PHONES("nodal_phones || collector_phones"), 0},
    [CASE_DIGEST] = {"cases_recipients_digest", CASES_DISTRICT_PHONES("digest_phones"), 0},
};
static const db_stmt st_progress = {"cases_progress",
                                    "UPDATE cases SET status = 'in_progress', updated_at = now() "
                                    "WHERE id = $1::bigint AND status IN ('open', 'reopened')",
                                    1};
static const db_stmt st_docs = {
    "cases_docs",
    "UPDATE cases SET awaiting_docs = true, docs_requested_by = $2, docs_requested_at = now(),"
    " updated_at = now()"
    " WHERE id = $1::bigint",
    2};
/* The request answered; who gets what the citizen sent: the officer who asked, while they may
 * still act on the case, else the department's officers now (issue 14). */
static const db_stmt st_docs_done = {
    "cases_docs_done",
    "WITH d AS (UPDATE cases c SET awaiting_docs = false, updated_at = now()"
    " WHERE c.id = $1::bigint RETURNING c.docs_requested_by AS asker, c.department_code AS dept)"
    " SELECT x.p FROM d, LATERAL (SELECT d.asker UNION SELECT phone FROM officers"
    "  WHERE department_code = d.dept) x(p)"
    " WHERE (x.p IS NOT DISTINCT FROM d.asker) = " CASES_SQL_STILL_ACTS("d.asker", "d.dept"),
    1};
static const db_stmt st_resolve = {
    "cases_resolve",
    "UPDATE cases SET status = 'resolved', resolved_at = now(), satisfaction_asked_at = now(),"
    " satisfaction_reminded_at = NULL, citizen_satisfied_at = NULL, awaiting_reason = false,"
    " awaiting_docs = false, updated_at "
    "= now()"
    " WHERE id = $1::bigint AND status <> 'closed'",
    1};
static const db_stmt st_transfer = {
    "cases_transfer",
    "UPDATE cases SET department_code = $2, updated_at = now()"
    " WHERE id = $1::bigint AND EXISTS (SELECT 1 FROM departments WHERE code = $2 AND active)",
    2};
/* The citizen said yes; with followers the case may wait for them (st_close). */
static const db_stmt st_citizen_yes = {
    "cases_citizen_yes",
    "UPDATE cases SET citizen_satisfied_at = now(), updated_at = now() WHERE id = $1::bigint"
    " AND status = 'resolved' AND satisfaction_asked_at IS NOT NULL",
    1};
/* Closed once the citizen and every follower said yes (SPEC section 12); a follower not yet
 * asked or not yet answered keeps it open until the scheduler's auto-close. */
static const db_stmt st_close = {
    "cases_close",
    "UPDATE cases c SET status = 'closed', closed_at = now(), satisfaction_asked_at = NULL, "
    "awaiting_docs = false,"
    " awaiting_reason = false, updated_at = now() WHERE c.id = $1::bigint AND c.status = 'resolved'"
    " AND c.citizen_satisfied_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM case_followers f"
    "  WHERE f.case_id = c.id AND f.satisfaction_asked_at IS NOT NULL"
    "  AND f.answer IS DISTINCT FROM 'yes')",
    1};
/* Closed as not actionable (issue 16's case rules): from any status but closed; nothing waits
 * any more (no satisfaction question: the citizen is told why). */
static const db_stmt st_close_rejected = {
    "cases_close_rejected",
    "UPDATE cases SET status = 'closed', closed_at = now(), satisfaction_asked_at = NULL, "
    "awaiting_docs = false, awaiting_reason = false, updated_at = now()"
    " WHERE id = $1::bigint AND status <> 'closed'",
    1};
/* merge (issue 19): closed into another case; like a rejection, nothing waits any more (its
 * citizens are told the case they follow now). */
static const db_stmt st_close_merged = {
    "cases_close_merged",
    "UPDATE cases SET status = 'closed', closed_at = now(), merged_into = $2::bigint,"
    " satisfaction_asked_at = NULL, awaiting_docs = false, awaiting_reason = false,"
    " updated_at = now() WHERE id = $1::bigint AND status <> 'closed'",
    2};
static const db_stmt st_subject = {
    "cases_subject", "UPDATE cases SET subject = $2, updated_at = now() WHERE id = $1::bigint", 2};
static const db_stmt st_ask_reason = {
    "cases_ask_reason",
    "UPDATE cases SET awaiting_reason = true, reason_asked_at = now(), satisfaction_asked_at = "
    "NULL,"
    " updated_at = now()"
    " WHERE id = $1::bigint AND status = 'resolved' AND satisfaction_asked_at IS NOT NULL",
    1};
/* Reopening restarts the SLA clock — on the citizen's reason, or ($2) a follower's, which
 * followers.c took off their row — — the urgent one for urgent cases, which keep their level;
 * a second reopen (the count before this one is 1 or more) is at level 1, for the nodal officer.
 * In a scheduler pass (a reason that never came) the clock is the pass's. */
static const db_stmt st_reopen = {
    "cases_reopen",
    "UPDATE cases c SET status = 'reopened', reopen_count = c.reopen_count + 1,"
    " awaiting_reason = false, citizen_satisfied_at = NULL, reason_asked_at = NULL,"
    " resolved_at = NULL,"
    " sla_started_at = " DB_CLOCK ", updated_at = now(), sla_reminded_at = NULL,"
    " escalation_level = CASE WHEN c.urgent THEN 2 WHEN c.reopen_count >= 1 THEN 1 ELSE 0 END,"
    " sla_due_at = " DB_CLOCK " + CASE WHEN c.urgent THEN t.urgent_sla_hours"
    "  ELSE COALESCE(d.sla_hours, t.nodal_after_hours, 48) END * interval '1 hour'"
    " FROM departments d, districts t WHERE c.id = $1::bigint AND d.code = c.department_code"
    " AND c.status = 'resolved' AND (c.awaiting_reason OR $2::boolean) RETURNING c.reopen_count",
    2};
static const db_stmt st_officer_cases = {
    "cases_officer_cases",
    "SELECT c.tracking_no, c.status, floor(extract(epoch FROM now() - c.created_at) / 3600)::int,"
    " left(c.description, 60) FROM cases c"
    " WHERE ($2 OR c.department_code IN (SELECT department_code FROM officers WHERE phone = $1))"
    " AND c.status IN ('open', 'in_progress', 'reopened') ORDER BY c.created_at LIMIT 20",
    2};
static const db_stmt st_attachments = {"cases_attachments",
                                       "SELECT media_id, media_type, COALESCE(caption, '') FROM "
                                       "attachments WHERE case_id = $1::bigint ORDER BY id",
                                       1};
/* The citizen's own cases and those they follow (the last column says which). */
static const db_stmt st_recent = {
    "cases_recent",
    "SELECT c.tracking_no, COALESCE(d.name->>$2, d.name->>'hi'), c.status, x.followed FROM"
    " (SELECT id, false AS followed FROM cases WHERE citizen_phone = $1"
    "  UNION ALL SELECT case_id, true FROM case_followers WHERE phone = $1) x"
    " JOIN cases c ON c.id = x.id JOIN departments d ON d.code = c.department_code"
    " WHERE c.tracking_no <> $3 ORDER BY c.created_at DESC LIMIT 9",
    3};
static const db_stmt st_json = {
    "cases_json",
    "SELECT json_build_object('tracking_no', c.tracking_no, 'status', c.status, 'department', "
    "c.department_code,"
    " 'citizen', c.citizen_phone, 'citizen_name', c.citizen_name, 'language', c.language,"
    " 'description', c.description, 'location', c.location_text, 'latitude', c.latitude, "
    "'longitude', c.longitude,"
    " 'urgent', c.urgent, 'reopen_count', c.reopen_count, 'escalation_level', c.escalation_level,"
    " 'created_at', c.created_at, 'sla_due_at', c.sla_due_at, 'resolved_at', c.resolved_at, "
    "'closed_at', c.closed_at,"
    " 'subject', c.subject, 'follower_count', c.follower_count,"
    " 'merged_into', (SELECT m.tracking_no FROM cases m WHERE m.id = c.merged_into),"
    " 'followers', " FOLLOWERS_SQL_JSON("c.id") ","
    " 'attachments', (SELECT COALESCE(json_agg(json_build_object('media_id', a.media_id, 'type', "
    "a.media_type,"
    "   'mime', a.mime, 'caption', a.caption) ORDER BY a.id), '[]') FROM attachments a WHERE "
    "a.case_id = c.id),"
    " 'events', (SELECT COALESCE(json_agg(json_build_object('kind', e.kind, 'at', e.at, 'actor', "
    "e.actor,"
    "   'text', e.text, 'detail', e.detail) ORDER BY e.at, e.id), '[]') FROM case_events e WHERE "
    "e.case_id = c.id))"
    " FROM cases c WHERE c.tracking_no = $1",
    1};

/* CASE_COLUMNS' text columns; the flags follow them. */
static const struct column desk_columns[] = {
    COLUMN(id),   COLUMN(tracking_no), COLUMN(status), COLUMN(department),   COLUMN(citizen),
    COLUMN(lang), COLUMN(description), COLUMN(place),  COLUMN(dept_name_hi), COLUMN(dept_name_en)};

static int read_case(db *d, const db_stmt *st, const char *const *params, case_info *c, err *e)
{
    PGresult *r = db_query(d, st, params, e);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    memset(c, 0, sizeof *c);
    copy_columns(c, r, 0, desk_columns, sizeof desk_columns / sizeof desk_columns[0]);
    c->reopen_count = atoi(PQgetvalue(r, 0, 10));
    copy_flags(r, 11, (int *[]){&c->awaiting_docs, &c->awaiting_reason, &c->asked, &c->urgent}, 4);
    c->transfers = atoi(PQgetvalue(r, 0, 15));
    snprintf(c->reject_by, sizeof c->reject_by, "%s", PQgetvalue(r, 0, 16));
    snprintf(c->reject_reason, sizeof c->reject_reason, "%s", PQgetvalue(r, 0, 17));
    text_fit(c->reject_reason);
    c->followers = atoi(PQgetvalue(r, 0, 18));
    PQclear(r);
    return 1;
}

int case_get(db *d, const char *tracking_no, case_info *out, err *e)
{
    return read_case(d, &st_get, (const char *[]){tracking_no}, out, e);
}

static const db_stmt st_lock = {
    "cases_lock", "SELECT 1 FROM cases WHERE id = $1::bigint FOR UPDATE", 1};

int case_lock(db *d, const char *case_id, err *e)
{
    return db_exec(d, &st_lock, (const char *[]){case_id}, e);
}

int case_get_locked(db *d, const char *tracking_no, case_info *out, err *e)
{
    return read_case(d, &st_get_locked, (const char *[]){tracking_no}, out, e);
}

int case_get_by_message(db *d, const char *wamid, case_info *out, err *e)
{
    return read_case(d, &st_by_wamid, (const char *[]){wamid}, out, e);
}

int case_get_waiting(db *d, const char *phone, const char *like, case_info *out, err *e)
{
    return read_case(d, &st_waiting, (const char *[]){phone, like}, out, e);
}

int case_staff_of(db *d, const char *phone, const char *dept, const char *target, int days_ahead,
                  case_staff *out, err *e)
{
    char days[16];
    PGresult *r;
    snprintf(days, sizeof days, "%d", days_ahead);
    if (!(r = db_query(d, &st_staff,
                       (const char *[]){phone, dept ? dept : "", target ? target : "", days}, e)))
        return -1;
    copy_flags(r, 0, (int *[]){&out->supervisor, &out->officer, &out->of_dept, &out->target_active},
               4);
    snprintf(out->today, sizeof out->today, "%s", PQgetvalue(r, 0, 4));
    snprintf(out->latest, sizeof out->latest, "%s", PQgetvalue(r, 0, 5));
    PQclear(r);
    return 0;
}

_Static_assert(sizeof st_recipients / sizeof *st_recipients == CASE_DIGEST + 1,
               "one recipients statement a case_role");

PGresult *case_recipients(db *d, case_role role, const char *dept, err *e)
{
    return db_query(d, &st_recipients[role], (const char *[]){dept ? dept : ""}, e);
}

int case_add_event(db *d, const char *case_id, const char *kind, const char *actor,
                   const char *text, const char *detail, char id_out[24], err *e)
{
    PGresult *r = db_query(
        d, &st_event,
        (const char *[]){case_id, kind, actor, text && *text ? text : NULL, detail ? detail : ""},
        e);
    if (!r)
        return -1;
    if (id_out)
        db_copy(id_out, 24, r, 0, 0);
    PQclear(r);
    return 0;
}

int case_attach(db *d, const char *case_id, const char *event_id, const char *media_id,
                const char *media_type, const char *mime, const char *caption, const char *filename,
                err *e)
{
    return db_exec(d, &st_attach,
                   (const char *[]){case_id, event_id ? event_id : "", media_id, media_type,
                                    mime ? mime : "", caption ? caption : "",
                                    filename ? filename : ""},
                   e);
}

PGresult *case_attachments(db *d, const char *case_id, err *e)
{
    return db_query(d, &st_attachments, (const char *[]){case_id}, e);
}

int case_mark_in_progress(db *d, const char *case_id, err *e)
{
    return db_exec(d, &st_progress, (const char *[]){case_id}, e);
}

int case_request_docs(db *d, const char *case_id, const char *officer, err *e)
{
    return db_exec(d, &st_docs, (const char *[]){case_id, officer}, e);
}

int case_resolve(db *d, const char *case_id, err *e)
{
    return db_exec(d, &st_resolve, (const char *[]){case_id}, e);
}

int case_close_rejected(db *d, const char *case_id, err *e)
{
    return db_exec(d, &st_close_rejected, (const char *[]){case_id}, e);
}

int case_set_subject(db *d, const char *case_id, const char *subject, err *e)
{
    return db_exec(d, &st_subject, (const char *[]){case_id, subject}, e);
}

int case_close_merged(db *d, const char *case_id, const char *into_id, err *e)
{
    return db_exec(d, &st_close_merged, (const char *[]){case_id, into_id}, e);
}

/* 1 when the statement changed a row, 0 none, -1 error. */
static int changed(db *d, const db_stmt *st, const char *const *params, err *e)
{
    if (db_exec(d, st, params, e) < 0)
        return -1;
    return db_affected(d) > 0;
}

int case_transfer(db *d, const char *case_id, const char *dept, err *e)
{
    return changed(d, &st_transfer, (const char *[]){case_id, dept}, e);
}

PGresult *case_docs_answered(db *d, const char *case_id, err *e)
{
    return db_query(d, &st_docs_done, (const char *[]){case_id}, e);
}

int case_citizen_satisfied(db *d, const char *case_id, err *e)
{
    return changed(d, &st_citizen_yes, (const char *[]){case_id}, e);
}

int case_close_satisfied(db *d, const char *case_id, err *e)
{
    return changed(d, &st_close, (const char *[]){case_id}, e);
}

int case_ask_reason(db *d, const char *case_id, err *e)
{
    return changed(d, &st_ask_reason, (const char *[]){case_id}, e);
}

int case_reopen(db *d, const char *case_id, int by_follower, err *e)
{
    PGresult *r =
        db_query(d, &st_reopen, (const char *[]){case_id, by_follower ? "true" : "false"}, e);
    int count = 0;
    if (!r)
        return -1;
    if (PQntuples(r) > 0)
        count = atoi(PQgetvalue(r, 0, 0));
    PQclear(r);
    return count;
}

PGresult *case_open_of_officer(db *d, const char *phone, int all, err *e)
{
    return db_query(d, &st_officer_cases, (const char *[]){phone, all ? "true" : "false"}, e);
}

PGresult *case_recent_of(db *d, const char *phone, const char *lang, const char *except, err *e)
{
    return db_query(d, &st_recent, (const char *[]){phone, lang, except ? except : ""}, e);
}

char *case_json(db *d, const char *tracking_no, err *e)
{
    char canon[32];
    PGresult *r;
    char *out;
    if (!officer_find_tracking(tracking_no, canon, NULL, NULL))
        snprintf(canon, sizeof canon, "%s", tracking_no);
    if (!(r = db_query(d, &st_json, (const char *[]){canon}, e)))
        return NULL;
    if (PQntuples(r) == 0) {
        PQclear(r);
        err_set(e, ERR_USER, "case %s: no such tracking number", tracking_no);
        return NULL;
    }
    out = strdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return out;
}

/* ---- the scheduler's and the server's side ------------------------------------------------- */

/* The scheduler's clock: $1 is the pass's time in milliseconds. */
#define CASES_AT         "to_timestamp($1::double precision / 1000)"
#define CASES_UNRESOLVED "('open', 'in_progress', 'reopened')"
#define CASES_STR(x)     #x
#define CASES_NUM(x)     CASES_STR(x)
#define CASES_CROWD      CASES_NUM(CASE_CROWD)

static const db_stmt st_remind = {
    "cases_remind",
    "WITH r AS (UPDATE cases c SET sla_reminded_at = " CASES_AT
    " WHERE c.status IN " CASES_UNRESOLVED " AND c.escalation_level = 0"
    " AND (c.sla_reminded_at IS NULL OR c.sla_reminded_at < c.sla_started_at)"
    " AND c.sla_started_at + (c.sla_due_at - c.sla_started_at) * 0.8 <= " CASES_AT
    " AND c.sla_due_at > " CASES_AT
    " RETURNING c.id, c.tracking_no, c.department_code, c.sla_due_at)"
    " SELECT r.id, r.tracking_no, r.department_code, to_char(r.sla_due_at AT TIME ZONE t.timezone, "
    "'DD-MM-YYYY HH24:MI')"
    " FROM r CROSS JOIN districts t",
    1};
/* Level 1 fires past the SLA — or past the collector's threshold when a department's SLA is
 * longer than it, so the nodal officer is never skipped; level 2 past the threshold.
 * A case CASE_CROWD or more citizens follow (SPEC section 12) climbs one rung earlier: level 1 at
 * the officers' reminder (80% of the SLA), level 2 at the SLA's due time — where the nodal
 * officer normally comes. Each rung still comes once per clock, level 1 before level 2. */
static const db_stmt st_level = {
    "cases_level",
    "WITH esc AS (UPDATE cases c SET escalation_level = $2::int FROM districts t"
    " WHERE c.status IN " CASES_UNRESOLVED " AND c.escalation_level < $2::int"
    " AND (($2::int = 1 AND c.sla_due_at <= " CASES_AT ") OR"
    "  c.sla_started_at + COALESCE(t.collector_after_hours, 96) * interval '1 hour' <= " CASES_AT
    "  OR (c.follower_count >= " CASES_CROWD " AND (($2::int = 1 AND c.sla_started_at"
    "   + (c.sla_due_at - c.sla_started_at) * 0.8 <= " CASES_AT ") OR ($2::int = 2"
    "   AND c.sla_due_at <= " CASES_AT "))))"
    " RETURNING c.id, c.tracking_no, c.department_code, c.reopen_count, c.description, "
    "c.created_at,"
    "  c.sla_started_at, c.follower_count)"
    " SELECT esc.id, esc.tracking_no, esc.department_code, esc.reopen_count, left(esc.description, "
    "300),"
    "  floor(extract(epoch FROM " CASES_AT
    " - esc.created_at) / 3600)::int, extract(epoch FROM esc.sla_started_at)::bigint,"
    "  COALESCE(d.name->>'hi', esc.department_code), esc.follower_count"
    " FROM esc JOIN departments d ON d.code = esc.department_code",
    2};
static const db_stmt st_sat_remind = {
    "cases_sat_remind",
    "UPDATE cases SET satisfaction_reminded_at = " CASES_AT
    " WHERE status = 'resolved' AND satisfaction_asked_at IS NOT NULL AND satisfaction_reminded_at "
    "IS NULL"
    " AND satisfaction_asked_at + interval '24 hours' <= " CASES_AT
    " AND satisfaction_asked_at + $2::int * interval '1 hour' > " CASES_AT
    " RETURNING id, tracking_no, citizen_phone, language, extract(epoch FROM "
    "satisfaction_asked_at)::bigint, citizen_satisfied_at IS NOT NULL",
    2};
/* Not while a follower's "no" waits for its reason: that reopens the case instead. */
static const db_stmt st_auto_close = {
    "cases_auto_close",
    "UPDATE cases c SET status = 'closed', closed_at = " CASES_AT
    ", satisfaction_asked_at = NULL, awaiting_docs = false,"
    " awaiting_reason = false, updated_at = now()"
    " WHERE c.status = 'resolved' AND c.satisfaction_asked_at IS NOT NULL"
    " AND c.satisfaction_asked_at + $2::int * interval '1 hour' <= " CASES_AT
    " AND NOT EXISTS (SELECT 1 FROM case_followers f WHERE f.case_id = c.id AND f.awaiting_reason)"
    " RETURNING c.id, c.tracking_no, c.citizen_phone, c.language,"
    " c.citizen_satisfied_at IS NOT NULL",
    2};
/* Waiting on the citizen does not last forever (migration 0014): a "not satisfied" without a
 * reason for a day reopens the case anyway; a request for documents unanswered for seven days
 * lapses, so later messages are no longer taken as its answer. */
static const db_stmt st_reasons_due = {
    "cases_reasons_due",
    "SELECT tracking_no, id, extract(epoch FROM reason_asked_at)::bigint FROM cases"
    " WHERE status = 'resolved' AND awaiting_reason"
    " AND COALESCE(reason_asked_at, updated_at) + interval '24 hours' <= " CASES_AT
    " ORDER BY id LIMIT 500",
    1};
/* Per department for the period [$2, $1): received, resolved, closed, reopened, and overdue now. */
static const db_stmt st_digest_rows = {
    "cases_digest_rows",
    "SELECT d.code,"
    " (SELECT count(*) FROM cases c WHERE c.department_code = d.code AND c.created_at >= "
    "$2::timestamptz"
    "  AND c.created_at < " CASES_AT "),"
    " (SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.department_code "
    "= d.code"
    "  AND e.kind = 'resolved' AND e.at >= $2::timestamptz AND e.at < " CASES_AT "),"
    " (SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.department_code "
    "= d.code"
    "  AND e.kind IN ('closed', 'auto_closed') AND e.at >= $2::timestamptz AND e.at < " CASES_AT
    "),"
    " (SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.department_code "
    "= d.code"
    "  AND e.kind = 'reopened' AND e.at >= $2::timestamptz AND e.at < " CASES_AT "),"
    " (SELECT count(*) FROM cases c WHERE c.department_code = d.code AND c.status "
    "IN " CASES_UNRESOLVED "  AND c.sla_due_at < " CASES_AT ")"
    " FROM departments d WHERE d.active ORDER BY d.position, d.code",
    2};
static const db_stmt st_digest_lists = {
    "cases_digest_lists",
    "SELECT kind, tracking_no, department_code, floor(extract(epoch FROM " CASES_AT
    " - created_at) / 86400)::int,"
    " floor(extract(epoch FROM " CASES_AT " - created_at) / 3600)::int % 24, reopen_count,"
    " follower_count FROM ("
    " (SELECT 'overdue' AS kind, * FROM cases WHERE status IN " CASES_UNRESOLVED
    " AND sla_due_at < " CASES_AT "  ORDER BY sla_due_at, created_at LIMIT 10)"
    " UNION ALL (SELECT 'reopened', * FROM cases WHERE status = 'reopened' ORDER BY created_at "
    "LIMIT 20)"
    /* Open cases an officer answered with an interim reply (issue 16): the collector sees the
     * promises, the latest first. */
    " UNION ALL (SELECT 'interim', c.* FROM cases c WHERE c.status IN " CASES_UNRESOLVED
    "  AND EXISTS (SELECT 1 FROM case_events i WHERE i.case_id = c.id AND i.kind = 'interim')"
    "  ORDER BY c.updated_at DESC LIMIT 20)) x",
    1};
static const db_stmt st_satisfaction = {
    "cases_satisfaction",
    "SELECT count(*) FILTER (WHERE kind = 'closed' AND actor <> 'scheduler'), count(*) FILTER "
    "(WHERE kind = 'not_satisfied')"
    " FROM case_events WHERE at >= $2::timestamptz AND at < " CASES_AT,
    2};
/* Retention: closed cases whose closure is more than $2 days before the pass's clock lose
 * what tells about the citizen — the text, the place, the name and phone, event texts and the
 * recipient in a delivery failure's detail, the citizen's phone as an event's actor (it
 * becomes 'citizen'), files, and the case's messages (which quote its text) — and keep what
 * the digests count: tracking number, department, status, dates, reopen count, escalation
 * level, events' kinds, officer actors and times. At most 500 a pass keeps the transaction
 * short; the next pass goes on. Returns each anonymised case's former citizen. */
#define CASES_CUTOFF "(" CASES_AT " - $2::int * interval '1 day')"
static const db_stmt st_anonymise = {
    "cases_anonymise",
    "WITH c AS (SELECT id, citizen_phone FROM cases WHERE status = 'closed' AND anonymised_at IS "
    "NULL"
    "  AND closed_at < " CASES_CUTOFF " ORDER BY closed_at LIMIT 500 FOR UPDATE SKIP LOCKED),"
    " ev AS (UPDATE case_events e SET text = NULL, detail = e.detail - 'recipient',"
    "  actor = CASE WHEN e.actor = c.citizen_phone OR EXISTS (SELECT 1 FROM case_followers f"
    "   WHERE f.case_id = c.id AND f.phone = e.actor) THEN 'citizen' ELSE e.actor END"
    "  FROM c WHERE e.case_id = c.id),"
    " fol AS (DELETE FROM case_followers f USING c WHERE f.case_id = c.id),"
    " att AS (DELETE FROM attachments a USING c WHERE a.case_id = c.id),"
    " msg AS (DELETE FROM outbound_messages o USING c WHERE o.case_id = c.id),"
    " an AS (UPDATE cases x SET description = '', location_text = NULL, latitude = NULL,"
    "  longitude = NULL, citizen_name = NULL, citizen_phone = NULL, source_message_id = NULL,"
    "  anonymised_at = " CASES_AT ", updated_at = now() FROM c WHERE x.id = c.id RETURNING x.id)"
    " SELECT c.citizen_phone FROM c JOIN an ON an.id = c.id",
    2};
/* The lapse is told to the officer who asked while they may still act on the case, else to the
 * department's officers now (the last column says which). */
static const db_stmt st_docs_lapse = {
    "cases_docs_lapse",
    "UPDATE cases c SET awaiting_docs = false, updated_at = now() WHERE c.id IN (SELECT id FROM"
    " cases WHERE awaiting_docs AND COALESCE(docs_requested_at, updated_at) + interval '7 days'"
    " <= " CASES_AT " ORDER BY id LIMIT 500)"
    " RETURNING c.id, c.tracking_no, COALESCE(c.docs_requested_by, ''),"
    " extract(epoch FROM c.docs_requested_at)::bigint, c.department_code,"
    " " CASES_SQL_STILL_ACTS("c.docs_requested_by", "c.department_code"),
    1};
static const db_stmt st_by_status = {
    "cases_by_status", "SELECT status, count(*) FROM cases GROUP BY status ORDER BY status", 0};

PGresult *case_pass(db *d, case_duty duty, const char *now_ms, const char *arg, err *e)
{
    static const db_stmt *const duties[] = {
        [CASE_REMIND] = &st_remind,
        [CASE_ESCALATE] = &st_level,
        [CASE_SAT_REMIND] = &st_sat_remind,
        [CASE_AUTO_CLOSE] = &st_auto_close,
        [CASE_REASONS_DUE] = &st_reasons_due,
        [CASE_DOCS_LAPSE] = &st_docs_lapse,
        [CASE_ANONYMISE] = &st_anonymise,
        [CASE_DIGEST_COUNTS] = &st_digest_rows,
        [CASE_DIGEST_LISTS] = &st_digest_lists,
        [CASE_DIGEST_ANSWERS] = &st_satisfaction,
    };
    return db_query(d, duties[duty], (const char *[]){now_ms, arg ? arg : ""}, e);
}

static const db_stmt st_busy_removed = {
    "cases_busy_removed",
    "SELECT d.code, count(c.id) FROM departments d JOIN cases c ON c.department_code = d.code"
    " AND c.status <> 'closed' WHERE d.active AND NOT (d.code = ANY($1::text[]))"
    " GROUP BY d.code ORDER BY d.code",
    1};

PGresult *case_open_outside(db *d, const char *codes, err *e)
{
    return db_query(d, &st_busy_removed, (const char *[]){codes}, e);
}

PGresult *case_count_by_status(db *d, err *e)
{
    return db_query(d, &st_by_status, NULL, e);
}

/* A hash anti-join over every attachment: the sweep's batches are few and a day apart. */
static const db_stmt st_media_unknown = {
    "cases_media_unknown",
    "SELECT h.o FROM unnest((SELECT $1::text[])) WITH ORDINALITY AS h(k, o)"
    " WHERE NOT EXISTS (SELECT 1 FROM attachments a"
    "  WHERE encode(sha256(convert_to(a.media_id, 'UTF8')), 'hex') = h.k)",
    1};

int case_media_unknown(db *d, const char *const *hashes, size_t n, unsigned char *unknown, err *e)
{
    char *arr = db_text_array(hashes, n);
    PGresult *r;
    if (!arr)
        return err_set(e, ERR_ENV, "out of memory");
    r = db_query(d, &st_media_unknown, (const char *[]){arr}, e);
    free(arr);
    if (!r)
        return -1;
    memset(unknown, 0, n);
    for (int i = 0; i < PQntuples(r); i++) {
        long o = atol(PQgetvalue(r, i, 0));
        if (o >= 1 && (size_t)o <= n)
            unknown[o - 1] = 1;
    }
    PQclear(r);
    return 0;
}
