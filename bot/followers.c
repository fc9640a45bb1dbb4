/* followers.c — case_followers (see followers.h). */
#include "followers.h"

#include <stdlib.h>
#include <string.h>

/* Only an open case can be joined, and not by the citizen who filed it; the case row is locked
 * so that two joins at once each see the other's count. */
static const db_stmt st_join = {
    "followers_join",
    "WITH c AS (SELECT id FROM cases WHERE tracking_no = $1 AND citizen_phone <> $2"
    "  AND status IN ('open', 'in_progress', 'reopened') FOR UPDATE),"
    " ins AS (INSERT INTO case_followers (case_id, phone, language, source_message_id)"
    "  SELECT id, $2, $3, NULLIF($4, '') FROM c ON CONFLICT DO NOTHING RETURNING case_id),"
    " up AS (UPDATE cases x SET follower_count = x.follower_count + 1, updated_at = now()"
    "  FROM ins WHERE x.id = ins.case_id RETURNING x.follower_count)"
    " SELECT (SELECT id::text FROM c), (SELECT follower_count FROM up),"
    "  (SELECT follower_count FROM cases WHERE tracking_no = $1)",
    4};
static const db_stmt st_of = {
    "followers_of",
    "SELECT phone, language, COALESCE(answer, ''), satisfaction_asked_at IS NOT NULL"
    " FROM case_followers WHERE case_id = $1::bigint ORDER BY joined_at, phone",
    1};
static const db_stmt st_get = {
    "followers_get",
    "SELECT language, satisfaction_asked_at IS NOT NULL AND answer IS NULL, awaiting_reason"
    " FROM case_followers WHERE case_id = $1::bigint AND phone = $2",
    2};
/* Like cases.c's cases_waiting: $2 says what the message looks like. */
static const db_stmt st_waiting = {
    "followers_waiting",
    "SELECT c.tracking_no FROM case_followers f JOIN cases c ON c.id = f.case_id"
    " WHERE f.phone = $1 AND c.status = 'resolved'"
    " AND (f.awaiting_reason OR (f.satisfaction_asked_at IS NOT NULL AND f.answer IS NULL))"
    " ORDER BY CASE $2 WHEN 'answer' THEN NOT f.awaiting_reason ELSE f.awaiting_reason END DESC,"
    " c.updated_at DESC LIMIT 1",
    2};
static const db_stmt st_ask = {
    "followers_ask",
    "UPDATE case_followers SET satisfaction_asked_at = now(), answer = NULL, answered_at = NULL,"
    " awaiting_reason = false WHERE case_id = $1::bigint RETURNING phone, language",
    1};
/* Only while the case is resolved and the follower's question waits. */
static const db_stmt st_answer = {
    "followers_answer",
    "UPDATE case_followers f SET answer = CASE WHEN $3::boolean THEN 'yes' ELSE 'no' END,"
    " answered_at = now(), awaiting_reason = NOT $3::boolean"
    " WHERE f.case_id = $1::bigint AND f.phone = $2 AND f.satisfaction_asked_at IS NOT NULL"
    " AND f.answer IS NULL AND EXISTS (SELECT 1 FROM cases c WHERE c.id = f.case_id"
    "  AND c.status = 'resolved')",
    3};
static const db_stmt st_take_reason = {
    "followers_take_reason",
    "UPDATE case_followers SET awaiting_reason = false"
    " WHERE case_id = $1::bigint AND phone = $2 AND awaiting_reason",
    2};
static const db_stmt st_reset = {
    "followers_reset",
    "UPDATE case_followers SET satisfaction_asked_at = NULL, answer = NULL, answered_at = NULL,"
    " awaiting_reason = false WHERE case_id = $1::bigint",
    1};
static const db_stmt st_reasons_due = {
    "followers_reasons_due",
    "SELECT c.tracking_no, f.phone, extract(epoch FROM f.answered_at)::bigint"
    " FROM case_followers f JOIN cases c ON c.id = f.case_id"
    " WHERE f.awaiting_reason AND c.status = 'resolved'"
    " AND f.answered_at + interval '24 hours' <= to_timestamp($1::double precision / 1000)"
    " ORDER BY f.answered_at LIMIT 500",
    1};
static const db_stmt st_is = {
    "followers_is",
    "SELECT 1 FROM case_followers WHERE case_id = $1::bigint AND phone = $2", 2};

int followers_join(db *d, const char *tracking_no, const char *phone, const char *lang,
                   const char *source, follow_result *out, err *e)
{
    PGresult *r = db_query(d, &st_join, (const char *[]){tracking_no, phone, lang, source}, e);
    memset(out, 0, sizeof *out);
    if (!r)
        return -1;
    out->open = !PQgetisnull(r, 0, 0);
    db_copy(out->case_id, sizeof out->case_id, r, 0, 0);
    out->joined = !PQgetisnull(r, 0, 1);
    out->followers = atoi(PQgetvalue(r, 0, out->joined ? 1 : 2));
    PQclear(r);
    return 0;
}

PGresult *followers_of(db *d, const char *case_id, err *e)
{
    return db_query(d, &st_of, (const char *[]){case_id}, e);
}

int followers_is(db *d, const char *case_id, const char *phone, err *e)
{
    PGresult *r = db_query(d, &st_is, (const char *[]){case_id, phone}, e);
    int yes;
    if (!r)
        return -1;
    yes = PQntuples(r) > 0;
    PQclear(r);
    return yes;
}

int followers_get(db *d, const char *case_id, const char *phone, follower_state *out, err *e)
{
    PGresult *r = db_query(d, &st_get, (const char *[]){case_id, phone}, e);
    int found;
    memset(out, 0, sizeof *out);
    if (!r)
        return -1;
    if ((found = PQntuples(r) > 0)) {
        db_copy(out->lang, sizeof out->lang, r, 0, 0);
        out->asked = PQgetvalue(r, 0, 1)[0] == 't';
        out->awaiting_reason = PQgetvalue(r, 0, 2)[0] == 't';
    }
    PQclear(r);
    return found;
}

int followers_waiting(db *d, const char *phone, const char *like, char *tracking, err *e)
{
    PGresult *r = db_query(d, &st_waiting, (const char *[]){phone, like}, e);
    int found;
    if (!r)
        return -1;
    if ((found = PQntuples(r) > 0))
        db_copy(tracking, 32, r, 0, 0);
    PQclear(r);
    return found;
}

PGresult *followers_ask(db *d, const char *case_id, err *e)
{
    return db_query(d, &st_ask, (const char *[]){case_id}, e);
}

/* 1 when the statement changed a row, 0 none, -1 error. */
static int changed(db *d, const db_stmt *st, const char *const *params, err *e)
{
    if (db_exec(d, st, params, e) < 0)
        return -1;
    return db_affected(d) > 0;
}

int followers_answer(db *d, const char *case_id, const char *phone, int yes, err *e)
{
    return changed(d, &st_answer, (const char *[]){case_id, phone, yes ? "true" : "false"}, e);
}

int followers_take_reason(db *d, const char *case_id, const char *phone, err *e)
{
    return changed(d, &st_take_reason, (const char *[]){case_id, phone}, e);
}

int followers_reset(db *d, const char *case_id, err *e)
{
    return db_exec(d, &st_reset, (const char *[]){case_id}, e);
}

PGresult *followers_reasons_due(db *d, const char *now_ms, err *e)
{
    return db_query(d, &st_reasons_due, (const char *[]){now_ms}, e);
}

/* ---- merge (the officers' `merge`, issue 19) ------------------------------------------------ */

/* One statement: who waited on $1 (its citizen, then its followers), added to $2's followers
 * (not $2's own citizen, not twice) and $2's count with them. $1's followers stay its followers
 * too: the number they were given still shows them where it went (closed, merged into $2). The
 * callers hold both cases' rows locked (desk_officer.c), so no join slips in between. */
static const db_stmt st_merge = {
    "followers_merge",
    "WITH src AS (SELECT c.citizen_phone AS phone, c.language, 0 AS k, c.created_at AS at"
    "  FROM cases c WHERE c.id = $1::bigint AND COALESCE(c.citizen_phone, '') <> ''"
    "  UNION ALL SELECT phone, language, 1, joined_at FROM case_followers"
    "  WHERE case_id = $1::bigint),"
    " ins AS (INSERT INTO case_followers (case_id, phone, language)"
    "  SELECT $2::bigint, s.phone, s.language FROM src s"
    "  WHERE s.phone <> (SELECT citizen_phone FROM cases WHERE id = $2::bigint)"
    "  ON CONFLICT DO NOTHING RETURNING phone),"
    " up AS (UPDATE cases x SET updated_at = now(),"
    "  follower_count = x.follower_count + (SELECT count(*) FROM ins) WHERE x.id = $2::bigint)"
    " SELECT s.phone, s.language FROM src s"
    " ORDER BY s.k, s.at, s.phone",
    2};

PGresult *followers_merge(db *d, const char *from_id, const char *into_id, err *e)
{
    return db_query(d, &st_merge, (const char *[]){from_id, into_id}, e);
}
