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
    "SELECT phone, language FROM case_followers WHERE case_id = $1::bigint ORDER BY joined_at, phone",
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

/* ---- merge (the officers' `merge`, issue 19) ------------------------------------------------ */

/* One statement: who waited on $1 (its citizen, then its followers), added to $2's followers
 * (not $2's own citizen, not twice), taken off $1, and both counts set from the rows. The
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
    " del AS (DELETE FROM case_followers WHERE case_id = $1::bigint RETURNING phone),"
    " up AS (UPDATE cases x SET updated_at = now(), follower_count = CASE WHEN x.id = $1::bigint"
    "  THEN 0 ELSE x.follower_count + (SELECT count(*) FROM ins) END"
    "  WHERE x.id IN ($1::bigint, $2::bigint))"
    " SELECT s.phone, s.language FROM src s"
    " ORDER BY s.k, s.at, s.phone",
    2};

PGresult *followers_merge(db *d, const char *from_id, const char *into_id, err *e)
{
    return db_query(d, &st_merge, (const char *[]){from_id, into_id}, e);
}
