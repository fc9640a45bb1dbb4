/* chats.c — helpdesk_chats and helpdesk_messages (see chats.h). */
#include "chats.h"
#include "directory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CLOCK DB_CLOCK /* the transaction's: a scheduler pass's --at, else the real time */
#define MS(x) "to_timestamp(" x "::double precision / 1000)"
#define CHAT_COLS                                                                                  \
    "id::text, citizen_phone, COALESCE(department, ''), lang, state, COALESCE(officer_phone, ''),"  \
    " fallback_at IS NOT NULL, COALESCE(case_id::text, ''),"                                     \
    " COALESCE((SELECT p.name->>'hi' FROM departments p WHERE p.code = department), ''),"          \
    " COALESCE((SELECT p.name->>'en' FROM departments p WHERE p.code = department), ''),"         \
    " officer_phone IS NULL OR EXISTS (SELECT 1 FROM staff_phones s WHERE s.phone = officer_phone)," \
    " (extract(epoch FROM last_at) * 1000)::bigint,"                                               \
    " COALESCE((extract(epoch FROM asked_at) * 1000)::bigint, 0)"

static const db_stmt st_open = {
    "chats_open",
    "INSERT INTO helpdesk_chats AS h (citizen_phone, department, lang, state, reached, created_at,"
    " opens_at, asked_at, last_at)"
    " SELECT $1, NULLIF($2, ''), $3, CASE WHEN $4 = '' THEN 'asked' ELSE 'waiting' END,"
    "  $5::text[], " CLOCK ", CASE WHEN $4 = '' THEN NULL ELSE " MS("NULLIF($4, '')") " END,"
    "  CASE WHEN $4 = '' THEN " CLOCK " END, " CLOCK
    " ON CONFLICT (citizen_phone) WHERE state <> 'closed' DO NOTHING"
    " RETURNING " CHAT_COLS ", true",
    5};
#define SELECT_CHAT(where)                                                                         \
    "SELECT " CHAT_COLS ", COALESCE($2 = ANY(reached), false) FROM helpdesk_chats WHERE " where
static const db_stmt st_open_of = {
    "chats_open_of", SELECT_CHAT("citizen_phone = $1 AND state <> 'closed' FOR UPDATE"),
    2};
static const db_stmt st_get = {"chats_get", SELECT_CHAT("id = $1::bigint FOR UPDATE"), 2};
static const db_stmt st_latest = {
    "chats_latest",
    SELECT_CHAT("citizen_phone = $1 ORDER BY id DESC LIMIT 1"), 2};
static const db_stmt st_reached = {
    "chats_reached",
    "SELECT DISTINCT unnest(reached) FROM helpdesk_chats WHERE id = $1::bigint ORDER BY 1", 1};
static const db_stmt st_reach = {
    "chats_reach",
    "UPDATE helpdesk_chats SET reached = ARRAY(SELECT DISTINCT unnest(reached || $2::text[])),"
    " state = CASE state WHEN 'waiting' THEN 'asked' ELSE state END,"
    " asked_at = COALESCE(asked_at, " CLOCK "),"
    " fallback_at = CASE WHEN $3 THEN COALESCE(fallback_at, " CLOCK ") ELSE fallback_at END"
    " WHERE id = $1::bigint",
    3};
static const db_stmt st_reschedule = {
    "chats_reschedule",
    "UPDATE helpdesk_chats SET opens_at = " MS("$2") " WHERE id = $1::bigint AND state = 'waiting'",
    2};
/* The first answer's time stays (the portal's time to a first answer); asked_at too, so the
 * fallback phones hear of it at the next pass unless someone takes it at once. */
static const db_stmt st_release = {
    "chats_release",
    "UPDATE helpdesk_chats SET state = 'asked', officer_phone = NULL, fallback_at = NULL"
    " WHERE id = $1::bigint AND state = 'live'",
    1};
static const db_stmt st_take = {
    "chats_take",
    "UPDATE helpdesk_chats SET state = 'live', officer_phone = $2,"
    " answered_at = COALESCE(answered_at, " CLOCK "),"
    " last_at = " CLOCK " WHERE id = $1::bigint AND state = 'asked'",
    2};
static const db_stmt st_close = {
    "chats_close",
    "UPDATE helpdesk_chats SET state = 'closed', end_reason = $2, ended_at = " CLOCK
    " WHERE id = $1::bigint AND state <> 'closed'",
    2};
static const db_stmt st_rate = {
    "chats_rate",
    "UPDATE helpdesk_chats SET rating = $3 WHERE id = $1::bigint AND citizen_phone = $2"
    " AND state = 'closed' AND rating IS NULL",
    3};
static const db_stmt st_set_case = {
    "chats_set_case", "UPDATE helpdesk_chats SET case_id = $2::bigint WHERE id = $1::bigint", 2};
static const db_stmt st_add = {
    "chats_add",
    "WITH m AS (INSERT INTO helpdesk_messages (chat_id, side, phone, wamid, text, media_type,"
    "  media_id, mime_type, filename, at)"
    "  VALUES (NULLIF($1, '')::bigint, $2, $3, NULLIF($4, ''), NULLIF($5, ''), NULLIF($6, ''),"
    "  NULLIF($7, ''), NULLIF($8, ''), NULLIF($9, ''), " CLOCK ") RETURNING id, chat_id),"
    " t AS (UPDATE helpdesk_chats h SET last_at = " CLOCK " FROM m WHERE h.id = m.chat_id)"
    " SELECT id::text FROM m",
    9};
static const db_stmt st_unhold = {
    "chats_unhold",
    "WITH m AS (UPDATE helpdesk_messages SET chat_id = $3::bigint, at = " CLOCK
    "  WHERE id = $1::bigint AND phone = $2 AND chat_id IS NULL"
    "  RETURNING COALESCE(text, ''), COALESCE(media_type, ''), COALESCE(media_id, '')),"
    " t AS (UPDATE helpdesk_chats SET last_at = " CLOCK " WHERE id = $3::bigint"
    "  AND EXISTS (SELECT 1 FROM m))"
    " SELECT * FROM m",
    3};
static const db_stmt st_owned = {
    "chats_owned",
    "SELECT h.id::text, h.citizen_phone, COALESCE(h.department, ''),"
    " COALESCE((SELECT COALESCE(text, media_type) FROM helpdesk_messages m WHERE m.chat_id = h.id"
    "  AND m.side = 'citizen' ORDER BY m.id DESC LIMIT 1), '')"
    " FROM helpdesk_chats h WHERE officer_phone = $1 AND state = 'live' ORDER BY h.id",
    1};
static const db_stmt st_transcript = {
    "chats_transcript",
    "SELECT m.side, m.phone, COALESCE(m.text, ''), COALESCE(m.media_type, ''),"
    " COALESCE(m.media_id, ''), COALESCE(m.mime_type, ''), COALESCE(m.filename, ''),"
    " to_char(m.at AT TIME ZONE " DIRECTORY_SQL_TIMEZONE ","
    " 'YYYY-MM-DD HH24:MI')"
    " FROM helpdesk_messages m WHERE m.chat_id = $1::bigint ORDER BY m.id",
    1};
static const db_stmt st_due[] = {
    [CHATS_DUE_OPENING] = {"chats_due_opening",
                           "SELECT id::text FROM helpdesk_chats WHERE state = 'waiting'"
                           " AND opens_at <= " MS("$1") " ORDER BY id LIMIT 500",
                           1},
    [CHATS_DUE_FALLBACK] = {"chats_due_fallback",
                            "SELECT id::text FROM helpdesk_chats WHERE state = 'asked'"
                            " AND fallback_at IS NULL AND asked_at <= " MS("$1") " - interval '" DB_STR(
                                CHATS_FALLBACK_MIN) " minutes' ORDER BY id LIMIT 500",
                            1},
    [CHATS_DUE_SILENT] = {"chats_due_silent",
                          "SELECT id::text FROM helpdesk_chats WHERE state = 'live'"
                          " AND last_at <= " MS("$1") " - interval '" DB_STR(CHATS_SILENCE_MIN) " minutes'"
                          " ORDER BY id LIMIT 500",
                          1},
    [CHATS_DUE_UNANSWERED] = {"chats_due_unanswered",
                              "SELECT id::text FROM helpdesk_chats WHERE state = 'asked'"
                              " AND asked_at <= " MS("$1") " - interval '" DB_STR(CHATS_UNANSWERED_MIN) " minutes'"
                              " ORDER BY id LIMIT 500",
                              1},
};
static const db_stmt st_forget = {
    "chats_forget",
    "WITH c AS (SELECT id FROM helpdesk_chats WHERE state = 'closed' AND ended_at < " MS("$1") "),"
    " m AS (DELETE FROM helpdesk_messages WHERE chat_id IN (SELECT id FROM c)"
    "  OR (chat_id IS NULL AND at < " MS("$1") "))"
    " DELETE FROM helpdesk_chats WHERE id IN (SELECT id FROM c)",
    1};

static void fill(chat *c, const PGresult *r)
{
    db_copy(c->id, sizeof c->id, r, 0, 0);
    db_copy(c->citizen, sizeof c->citizen, r, 0, 1);
    db_copy(c->department, sizeof c->department, r, 0, 2);
    db_copy(c->lang, sizeof c->lang, r, 0, 3);
    db_copy(c->state, sizeof c->state, r, 0, 4);
    db_copy(c->officer, sizeof c->officer, r, 0, 5);
    c->fallback = PQgetvalue(r, 0, 6)[0] == 't';
    db_copy(c->case_id, sizeof c->case_id, r, 0, 7);
    db_copy(c->dept_hi, sizeof c->dept_hi, r, 0, 8);
    db_copy(c->dept_en, sizeof c->dept_en, r, 0, 9);
    c->owner_staff = PQgetvalue(r, 0, 10)[0] == 't';
    c->last_ms = atoll(PQgetvalue(r, 0, 11));
    c->asked_ms = atoll(PQgetvalue(r, 0, 12));
    c->reached = PQgetvalue(r, 0, 13)[0] == 't';
}

/* A statement returning at most one conversation row into *c: 1, 0 none, -1 error. */
static int one(db *d, const db_stmt *st, const char *const *params, chat *c, err *e)
{
    PGresult *r = db_query(d, st, params, e);
    int found;
    if (!r)
        return -1;
    if ((found = PQntuples(r) == 1))
        fill(c, r);
    PQclear(r);
    return found;
}

int chats_open(db *d, const char *citizen, const char *dept, const char *lang, int64_t opens_ms,
               const char *const *reached, size_t nreached, chat *c, err *e)
{
    char opens[24] = "", *arr = db_text_array(reached, nreached);
    int rc;
    if (!arr)
        return err_set(e, ERR_ENV, "out of memory");
    if (opens_ms > 0)
        snprintf(opens, sizeof opens, "%lld", (long long)opens_ms);
    rc = one(d, &st_open, (const char *[]){citizen, dept ? dept : "", lang, opens, arr}, c, e);
    free(arr);
    return rc;
}

int chats_open_of(db *d, const char *citizen, const char *phone, chat *c, err *e)
{
    return one(d, &st_open_of, (const char *[]){citizen, phone}, c, e);
}

PGresult *chats_reached(db *d, const char *id, err *e)
{
    return db_query(d, &st_reached, (const char *[]){id}, e);
}

int chats_get_for(db *d, const char *id, const char *phone, chat *c, err *e)
{
    if (!*id || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
        return 0;
    return one(d, &st_get, (const char *[]){id, phone}, c, e);
}

int chats_latest_of(db *d, const char *citizen, chat *c, err *e)
{
    return one(d, &st_latest, (const char *[]){citizen, NULL}, c, e);
}

int chats_reach(db *d, const char *id, const char *const *phones, size_t n, int fallback, err *e)
{
    char *arr = db_text_array(phones, n);
    int rc;
    if (!arr)
        return err_set(e, ERR_ENV, "out of memory");
    rc = db_exec(d, &st_reach, (const char *[]){id, arr, fallback ? "true" : "false"}, e);
    free(arr);
    return rc;
}

int chats_reschedule(db *d, const char *id, int64_t opens_ms, err *e)
{
    char opens[24];
    snprintf(opens, sizeof opens, "%lld", (long long)opens_ms);
    return db_exec(d, &st_reschedule, (const char *[]){id, opens}, e);
}

/* An UPDATE's outcome: 1 a row changed, 0 none, -1 error. */
static int changed(db *d, const db_stmt *st, const char *const *params, err *e)
{
    return db_exec(d, st, params, e) < 0 ? -1 : db_affected(d) > 0;
}

int chats_take(db *d, const char *id, const char *officer, err *e)
{
    return changed(d, &st_take, (const char *[]){id, officer}, e);
}

int chats_release(db *d, const char *id, err *e)
{
    return changed(d, &st_release, (const char *[]){id}, e);
}

int chats_close(db *d, const char *id, const char *reason, err *e)
{
    return changed(d, &st_close, (const char *[]){id, reason}, e);
}

int chats_rate(db *d, const char *id, const char *citizen, const char *rating, err *e)
{
    if (!*id || strspn(id, "0123456789") != strlen(id) || strlen(id) > 18)
        return 0;
    return changed(d, &st_rate, (const char *[]){id, citizen, rating}, e);
}

int chats_set_case(db *d, const char *id, const char *case_id, err *e)
{
    return db_exec(d, &st_set_case, (const char *[]){id, case_id}, e);
}

int chats_add(db *d, const char *id, const chat_msg *m, char *held, size_t heldsz, err *e)
{
    PGresult *r = db_query(
        d, &st_add,
        (const char *[]){id ? id : "", m->side, m->phone, m->wamid ? m->wamid : "",
                         m->text ? m->text : "", m->media_type ? m->media_type : "",
                         m->media_id ? m->media_id : "", m->mime_type ? m->mime_type : "",
                         m->filename ? m->filename : ""},
        e);
    if (!r)
        return -1;
    if (held && heldsz)
        db_copy(held, heldsz, r, 0, 0);
    PQclear(r);
    return 0;
}

int chats_unhold(db *d, const char *msg_id, const char *officer, const char *id, char *text,
                 size_t textsz, char *media_type, char *media_id, size_t mediasz, err *e)
{
    PGresult *r;
    int found;
    if (!*msg_id || strspn(msg_id, "0123456789") != strlen(msg_id) || strlen(msg_id) > 18)
        return 0;
    if (!(r = db_query(d, &st_unhold, (const char *[]){msg_id, officer, id}, e)))
        return -1;
    if ((found = PQntuples(r) == 1)) {
        db_copy(text, textsz, r, 0, 0);
        db_copy(media_type, mediasz, r, 0, 1);
        db_copy(media_id, mediasz, r, 0, 2);
    }
    PQclear(r);
    return found;
}

PGresult *chats_owned(db *d, const char *officer, err *e)
{
    return db_query(d, &st_owned, (const char *[]){officer}, e);
}

PGresult *chats_transcript(db *d, const char *id, err *e)
{
    return db_query(d, &st_transcript, (const char *[]){id}, e);
}

PGresult *chats_due(db *d, chats_due_kind k, int64_t at_ms, err *e)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)at_ms);
    return db_query(d, &st_due[k], (const char *[]){at}, e);
}

long chats_forget(db *d, int64_t before_ms, err *e)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)before_ms);
    return db_exec(d, &st_forget, (const char *[]){at}, e) < 0 ? -1 : db_affected(d);
}
