/* cases.c — complaint rows, their events and attachments (see cases.h).
 * A tracking number comes from a per-district, per-year sequence (migration 0011): unique,
 * never reused, taken without a lock (a rolled-back creation leaves a gap, which is fine). */
#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

/* Urgent: the department is, or the text (desc) names an emergency (आग, fire, बाढ़...); d is the
 * department's row, dist the district's. */
#define CASES_SQL_WANTED(desc)                                                                     \
    "(d.urgent OR EXISTS (SELECT 1 FROM unnest(dist.urgent_keywords) k WHERE strpos(lower(" desc   \
    "), lower(k)) > 0))"

/* $10: may the case be urgent (the citizen's urgent complaints today are within
 * SAMPARK_LIMIT_URGENT_DAY)? Returns the id, whether it is urgent, and whether it would have
 * been. An urgent complaint past the limit keeps the urgent deadline (the ladder takes it to
 * the nodal officers if it runs out) but not the immediate alert: urgent is false, level 0. */
static const db_stmt st_create = {
    "cases_create",
    "WITH dist AS (SELECT code, timezone, COALESCE(nodal_after_hours, 48) AS default_sla, "
    "urgent_keywords,"
    "  urgent_sla_hours FROM districts),"
    " counter AS (SELECT code AS district_code, y.year, sampark_tracking_next(code, y.year) AS "
    "last_value"
    "  FROM dist, LATERAL (SELECT extract(year FROM now() AT TIME ZONE timezone)::int AS year) y),"
    " dept AS (SELECT d.code, u.wanted, u.wanted AND $10::boolean AS urgent,"
    "  CASE WHEN u.wanted THEN dist.urgent_sla_hours"
    "  ELSE COALESCE(d.sla_hours, dist.default_sla) END AS sla"
    "  FROM departments d CROSS JOIN dist CROSS JOIN LATERAL (SELECT " CASES_SQL_WANTED(
        "$5") " AS wanted) u WHERE d.code = $1 AND d.active),"
              " ins AS (INSERT INTO cases (tracking_no, department_code, citizen_phone, "
              "citizen_name, "
              "language, description,"
              "  location_text, latitude, longitude, urgent, escalation_level, source_message_id, "
              "sla_due_at)"
              " SELECT counter.district_code || '-' || counter.year || '-' || "
              "lpad(counter.last_value::text, "
              "6, '0'),"
              "  dept.code, $2, NULLIF($3, ''), $4, $5, NULLIF($6, ''), NULLIF($7, '')::float8, "
              "NULLIF($8, "
              "'')::float8,"
              "  dept.urgent, CASE WHEN dept.urgent THEN 2 ELSE 0 END, $9, now() + dept.sla * "
              "interval '1 "
              "hour'"
              " FROM counter, dept"
              " ON CONFLICT (source_message_id) DO NOTHING RETURNING id, urgent)"
              " SELECT ins.id, ins.urgent, dept.wanted FROM ins, dept",
    10};
static const db_stmt st_wanted = {"cases_wanted",
                                  "SELECT " CASES_SQL_WANTED("$2") " FROM departments d, districts "
                                                                   "dist WHERE d.code = $1",
                                  2};
static const db_stmt st_by_source = {"cases_by_source",
                                     "SELECT id FROM cases WHERE source_message_id = $1", 1};
static const db_stmt st_event = {
    "cases_event",
    "INSERT INTO case_events (case_id, kind, actor, text, detail) VALUES ($1::bigint, $2, $3, $4, "
    "COALESCE(NULLIF($5, ''), '{}')::jsonb) RETURNING id",
    5};
static const db_stmt st_attach = {
    "cases_attach",
    "INSERT INTO attachments (case_id, event_id, media_id, media_type, mime, caption, filename)"
    " VALUES ($1::bigint, $2::bigint, $3, $4, NULLIF($5, ''), NULLIF($6, ''), NULLIF($7, ''))",
    7};
static const db_stmt st_info = {
    "cases_info",
    "SELECT c.tracking_no, c.status, c.department_code,"
    " COALESCE(d.name->>$2, d.name->>'hi'),"
    " COALESCE(e.kind, 'created'),"
    " to_char(COALESCE(e.at, c.created_at) AT TIME ZONE t.timezone, 'DD-MM-YYYY HH24:MI'),"
    " to_char(c.sla_due_at AT TIME ZONE t.timezone, 'DD-MM-YYYY HH24:MI')"
    " FROM cases c JOIN departments d ON d.code = c.department_code CROSS JOIN districts t"
    " LEFT JOIN LATERAL (SELECT kind, at FROM case_events WHERE case_id = c.id ORDER BY at DESC, "
    "id DESC LIMIT 1) e"
    " ON true"
    " WHERE c.id = $1::bigint",
    2};
static const db_stmt st_find = {
    "cases_find",
    "SELECT id FROM cases WHERE citizen_phone = $1 AND ($2 = '' OR tracking_no = $2)"
    " ORDER BY created_at DESC LIMIT 1",
    2};
static const db_stmt st_set_lang = {
    "cases_set_language", "UPDATE citizens SET language = $2, updated_at = now() WHERE phone = $1",
    2};

static int fill_info(db *d, const char *id, const char *lang, case_info *out, err *e)
{
    PGresult *r = db_query(d, &st_info, (const char *[]){id, lang}, e);
    if (!r)
        return -1;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return 0;
    }
    db_copy(out->tracking_no, sizeof out->tracking_no, r, 0, 0);
    db_copy(out->status, sizeof out->status, r, 0, 1);
    db_copy(out->department, sizeof out->department, r, 0, 2);
    db_copy(out->department_name, sizeof out->department_name, r, 0, 3);
    db_copy(out->last_action, sizeof out->last_action, r, 0, 4);
    db_copy(out->last_action_at, sizeof out->last_action_at, r, 0, 5);
    db_copy(out->due, sizeof out->due, r, 0, 6);
    PQclear(r);
    return 1;
}

static const char *var(const engine_session *s, const char *key)
{
    const char *v = engine_session_get(s, key);
    return v ? v : "";
}

/* The draft's media, in the order officers receive them: the description's own (a voice note
 * as the complaint), the media step's, the village said by voice (engine.h, ENGINE_MEDIA_SUFFIX).
 */
static const char *const attachment_vars[] = {"description" ENGINE_MEDIA_SUFFIX, "attachment",
                                              "village" ENGINE_MEDIA_SUFFIX, NULL};

static int attach(db *d, const engine_session *s, const char *id, const char *event_id,
                  const char *prefix, err *e)
{
    char k[5][40];
    static const char *const suffix[] = {"", "_type", "_mime", "_caption", "_filename"};
    for (int i = 0; i < 5; i++)
        snprintf(k[i], sizeof k[i], "%s%s", prefix, suffix[i]);
    if (!*var(s, k[0]) || !*var(s, k[1]) || strcmp(var(s, k[1]), "location") == 0)
        return 0; /* a location is the case's place, not an attachment */
    return db_exec(d, &st_attach,
                   (const char *[]){id, event_id, var(s, k[0]), var(s, k[1]), var(s, k[2]),
                                    var(s, k[3]), var(s, k[4])},
                   e);
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

int case_create(db *d, const char *phone, const char *name, const char *lang,
                const engine_session *s, const char *source_msg_id, int urgent_ok, case_info *out,
                err *e)
{
    char id[32], event_id[32] = "", lat[32] = "", lon[32] = "", place[2048], loc_name[40] = "";
    const char *where = location_var(s), *loc = where ? var(s, where) : "";
    /* A location that answered the village question: its var holds only the flow's words for
     * it ("📍 location shared on the map", in the citizen's language); the place is its name. */
    const char *village =
        where && strcmp(where, "village" ENGINE_MEDIA_SUFFIX) == 0 ? "" : var(s, "village");
    int urgent, limited;
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
    r = db_query(d, &st_create,
                 (const char *[]){var(s, "department"), phone, name ? name : "", lang,
                                  var(s, "description"), place, lat, lon, source_msg_id,
                                  urgent_ok ? "true" : "false"},
                 e);
    if (!r)
        return -1;
    if (PQntuples(r) == 0) { /* created before from this very message: the same case */
        PQclear(r);
        if (!(r = db_query(d, &st_by_source, (const char *[]){source_msg_id}, e)))
            return -1;
        if (PQntuples(r) != 1) {
            PQclear(r);
            return err_set(e, ERR_USER, "department %s is not in the directory",
                           var(s, "department"));
        }
        db_copy(id, sizeof id, r, 0, 0);
        PQclear(r);
        return fill_info(d, id, lang, out, e) < 0 ? -1 : 0;
    }
    db_copy(id, sizeof id, r, 0, 0);
    urgent = PQgetvalue(r, 0, 1)[0] == 't';
    limited = !urgent && PQgetvalue(r, 0, 2)[0] == 't';
    PQclear(r);
    if (!(r = db_query(d, &st_event,
                       (const char *[]){id, "created", "citizen", var(s, "description"), ""}, e)))
        return -1;
    db_copy(event_id, sizeof event_id, r, 0, 0);
    PQclear(r);
    /* The district sees which urgent complaints the daily limit filed as normal ones. */
    if (limited && db_exec(d, &st_event,
                           (const char *[]){id, "urgent_limited", "system",
                                            "a daily limit reached: filed with the urgent deadline "
                                            "but without the immediate nodal officer and collector "
                                            "alert",
                                            ""},
                           e) < 0)
        return -1;
    for (const char *const *p = attachment_vars; *p; p++)
        if (attach(d, s, id, event_id, *p, e) < 0)
            return -1;
    if (fill_info(d, id, lang, out, e) < 0)
        return -1;
    out->urgent = urgent;
    out->urgent_limited = limited;
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
