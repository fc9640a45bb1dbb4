/* subscribers.c — the subscribers table (see subscribers.h). The village key is place.c's, so a
 * broadcast to "Simga ward 4" finds those who wrote "सिमगा वार्ड 4". */
#include "subscribers.h"

#include <string.h>

#include "place.h"

/* A village said in a voice note ($2 NULL) keeps the one known; the block is the answer's. */
static const db_stmt st_subscribe = {
    "subscribers_subscribe",
    "INSERT INTO subscribers AS s (phone, village, village_key, block, state, consent_at,"
    "  consent_via, subscribed_at)"
    " VALUES ($1, $2, $3, $4, 'subscribed', now(), $5, now())"
    " ON CONFLICT (phone) DO UPDATE SET village = COALESCE($2, s.village),"
    "  village_key = COALESCE($3, s.village_key), block = $4, state = 'subscribed',"
    "  consent_at = now(), consent_via = $5, subscribed_at = now(), blocked_at = NULL,"
    "  updated_at = now()",
    5};
static const db_stmt st_stop = {
    "subscribers_stop",
    "INSERT INTO subscribers AS s (phone, state, consent_at, consent_via)"
    " VALUES ($1, 'stopped', now(), 'keyword')"
    " ON CONFLICT (phone) DO UPDATE SET state = 'stopped', consent_at = now(),"
    "  consent_via = 'keyword', updated_at = now()",
    1};
static const db_stmt st_start = {
    "subscribers_start",
    "UPDATE subscribers SET state = CASE WHEN subscribed_at IS NULL THEN NULL"
    "  ELSE 'subscribed' END, consent_at = now(), consent_via = 'keyword', blocked_at = NULL,"
    "  updated_at = now()"
    " WHERE phone = $1 AND state = 'stopped' RETURNING state IS NOT NULL",
    1};
/* The first time counts: a later failure does not move it. */
static const db_stmt st_block = {
    "subscribers_block",
    "INSERT INTO subscribers AS s (phone, blocked_at) VALUES ($1, now())"
    " ON CONFLICT (phone) DO UPDATE SET blocked_at = COALESCE(s.blocked_at, now()),"
    "  updated_at = now()",
    1};
/* A contact whose village is known is left out before ON CONFLICT, which would lock its row
 * (a heap write and WAL) even when its WHERE refuses the update: each later complaint of the
 * same citizen (issue 22). The WHERE still decides when two transactions race. */
static const db_stmt st_learn = {
    "subscribers_learn_village",
    "INSERT INTO subscribers AS s (phone, village, village_key) SELECT $1, $2, $3"
    " WHERE NOT EXISTS (SELECT 1 FROM subscribers k WHERE k.phone = $1 AND k.village IS NOT NULL)"
    " ON CONFLICT (phone) DO UPDATE SET village = $2, village_key = $3, updated_at = now()"
    " WHERE s.village IS NULL",
    3};
static const db_stmt st_get = {
    "subscribers_get",
    "SELECT COALESCE(village, ''), COALESCE(village_key, ''), COALESCE(block, ''),"
    " COALESCE(state, ''), COALESCE(consent_via, ''), consent_at IS NOT NULL,"
    " subscribed_at IS NOT NULL, blocked_at IS NOT NULL FROM subscribers WHERE phone = $1",
    1};

static const char *or_null(const char *s)
{
    return s && *s ? s : NULL;
}

int subscribers_subscribe(db *d, const char *phone, const char *village, const char *block,
                          const char *via, err *e)
{
    char key[PLACE_KEY_MAX] = "";
    if (or_null(village))
        place_key(village, key, sizeof key);
    return db_exec(d, &st_subscribe,
                   (const char *[]){phone, or_null(village), or_null(key), or_null(block), via},
                   e);
}

int subscribers_stop(db *d, const char *phone, err *e)
{
    return db_exec(d, &st_stop, (const char *[]){phone}, e);
}

int subscribers_start(db *d, const char *phone, err *e)
{
    PGresult *r = db_query(d, &st_start, (const char *[]){phone}, e);
    int rc;
    if (!r)
        return -1;
    rc = PQntuples(r) == 0 ? 0 : strcmp(PQgetvalue(r, 0, 0), "t") == 0 ? 2 : 1;
    PQclear(r);
    return rc;
}

int subscribers_block(db *d, const char *phone, err *e)
{
    return db_exec(d, &st_block, (const char *[]){phone}, e);
}

int subscribers_learn_village(db *d, const char *phone, const char *village, err *e)
{
    char key[PLACE_KEY_MAX];
    if (!or_null(village))
        return 0;
    place_key(village, key, sizeof key);
    return db_send(d, &st_learn, (const char *[]){phone, village, or_null(key)}, e);
}

int subscribers_get(db *d, const char *phone, subscriber *out, err *e)
{
    PGresult *r = db_query(d, &st_get, (const char *[]){phone}, e);
    int found;
    memset(out, 0, sizeof *out);
    if (!r)
        return -1;
    if ((found = PQntuples(r) > 0)) {
        db_copy(out->village, sizeof out->village, r, 0, 0);
        db_copy(out->village_key, sizeof out->village_key, r, 0, 1);
        db_copy(out->block, sizeof out->block, r, 0, 2);
        db_copy(out->state, sizeof out->state, r, 0, 3);
        db_copy(out->consent_via, sizeof out->consent_via, r, 0, 4);
        out->has_consent = strcmp(PQgetvalue(r, 0, 5), "t") == 0;
        out->ever_subscribed = strcmp(PQgetvalue(r, 0, 6), "t") == 0;
        out->blocked = strcmp(PQgetvalue(r, 0, 7), "t") == 0;
    }
    PQclear(r);
    return found;
}
