/* inbound.c — recording inbound messages and delivery statuses (see inbound.h).
 * One statement per batch of messages (distinct senders), so a batch is recorded whole or not
 * at all; a failure of one message fails the batch, and the worker handles each alone. The WhatsApp
 * profile name fills a citizen's name only while none is known (the conversation may ask
 * for the real one); wa_contacts always keeps the latest profile name. */
#include "inbound.h"

#include "broadcast.h"
#include "subscribers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The advisory lock class of message ids (the two-key form: apart from every one-key lock). */
#define INBOUND_LOCK_CLASS "2204"
/* WhatsApp's time, never in the future; the transaction's start without one. now() is the
 * same in the record statement and in st_store (one transaction). */
#define INBOUND_SQL_RECEIVED_AT                                                                    \
    "LEAST(COALESCE(to_timestamp(NULLIF(ts, '')::bigint), now()), now())"

/* The batch's message ids, locked for the transaction before anything reads them (advisory
 * locks: no row, no WAL), in one order so two batches never wait on each other in a circle. A
 * second worker holding a message whose lease lapsed waits here until the first commits, and
 * its record statement — a new statement, a new snapshot (READ COMMITTED, which db.c asks for
 * on every connection) — then finds the row: a repeat. The row itself is written once, at the
 * end of the transaction, with the session the message left (st_store); without the lock
 * nothing would stop both workers from stepping it. */
static const db_stmt st_lock = {
    "inbound_lock",
    "SELECT count(pg_advisory_xact_lock(" INBOUND_LOCK_CLASS ", k.h)) FROM (SELECT DISTINCT"
    " hashtext(w) AS h FROM unnest((SELECT $1::text[])) AS w ORDER BY h) AS k",
    1};

/* A batch of messages from distinct senders (the worker's group, or one), one row each in
 * $1..$5 (text arrays, NULL for none), answered in the same order: one statement per batch
 * instead of one per message (issue 22). The messages' own rows are not written here but by
 * st_store at the end of the transaction (one write each, with the session; docs/THROUGHPUT.md
 * step 4): nothing else inside a conversation's transaction reads inbound_messages. */
static const db_stmt st_record = {
    "inbound_record",
    /* Each array behind a sub-select: PostgreSQL then estimates the same rows for the cached
     * generic plan and a custom one, and keeps the generic plan; unnest($1) as such is
     * re-planned on every call (its custom plan knows the array's length), which measured
     * costlier than the statement's execution (docs/THROUGHPUT.md). */
    "WITH v AS (SELECT * FROM unnest((SELECT $1::text[]), (SELECT $2::text[]),"
    "  (SELECT $3::text[]), (SELECT $4::text[]), (SELECT $5::text[]))"
    "  WITH ORDINALITY AS v(wamid, phone, type, ts, profile, ord)"
    "), ins AS (" /* the fresh ones: ids never recorded (locked by st_lock) */
    "  SELECT wamid, phone AS from_phone, " INBOUND_SQL_RECEIVED_AT " AS received_at,"
    "   NULLIF(profile, '') AS profile_name FROM v"
    "  WHERE NOT EXISTS (SELECT 1 FROM inbound_messages i WHERE i.wamid = v.wamid)"
    /* ON CONFLICT DO UPDATE locks the row even when its WHERE refuses the update (a heap write
     * and WAL for every message): a contact or citizen that needs no update is left out first;
     * the WHERE still decides for one that appears meanwhile. */
    "), contact AS ("
    "  INSERT INTO wa_contacts AS w (phone, profile_name, last_inbound_at)"
    "  SELECT from_phone, profile_name, received_at FROM ins WHERE NOT EXISTS (SELECT 1"
    "   FROM wa_contacts x WHERE x.phone = ins.from_phone"
    "   AND x.last_inbound_at >= ins.received_at - interval '1 minute'"
    "   AND x.profile_name IS NOT DISTINCT FROM COALESCE(ins.profile_name, x.profile_name))"
    "  ON CONFLICT (phone) DO UPDATE SET"
    "    profile_name = COALESCE(EXCLUDED.profile_name, w.profile_name),"
    "    last_inbound_at = GREATEST(w.last_inbound_at, EXCLUDED.last_inbound_at), updated_at = "
    "now()"
    /* A conversation writes every few seconds: the contact is rewritten when its time moved by
     * a minute or its name changed, not per message (the 24-hour window is judged to the
     * minute, on the safe side). */
    "  WHERE w.last_inbound_at IS NULL OR w.last_inbound_at < EXCLUDED.last_inbound_at - interval "
    "'1 minute'"
    "    OR w.profile_name IS DISTINCT FROM COALESCE(EXCLUDED.profile_name, w.profile_name)"
    "), citizen AS ("
    "  INSERT INTO citizens AS c (phone, name, last_inbound_at)"
    "  SELECT from_phone, profile_name, received_at FROM ins"
    "  WHERE NOT EXISTS (SELECT 1 FROM staff_phones s WHERE s.phone = ins.from_phone)"
    "  AND NOT EXISTS (SELECT 1 FROM citizens x WHERE x.phone = ins.from_phone"
    "   AND x.last_inbound_at >= ins.received_at - interval '1 minute'"
    "   AND (x.name IS NOT NULL OR ins.profile_name IS NULL))"
    "  ON CONFLICT (phone) DO UPDATE SET name = COALESCE(c.name, EXCLUDED.name),"
    "    last_inbound_at = GREATEST(c.last_inbound_at, EXCLUDED.last_inbound_at), updated_at = "
    "now()"
    "  WHERE c.last_inbound_at IS NULL OR c.last_inbound_at < EXCLUDED.last_inbound_at - interval "
    "'1 minute'"
    "    OR (c.name IS NULL AND EXCLUDED.name IS NOT NULL)"
    /* What the conversation needs next, in the same round trip: is the sender staff, their
     * remembered language, and whether one of their cases waits for an answer. (Read receipts
     * are not outbox rows: they go to Redis after the commit, receipts.h.) */
    ") SELECT EXISTS (SELECT 1 FROM ins WHERE ins.wamid = v.wamid),"
    " EXISTS (SELECT 1 FROM staff_phones s WHERE s.phone = v.phone),"
    " COALESCE((SELECT language FROM citizens WHERE phone = v.phone), ''),"
    " EXISTS (SELECT 1 FROM cases c WHERE c.citizen_phone = v.phone AND c.status <> 'closed'"
    "  AND (c.awaiting_docs OR c.awaiting_reason"
    "  OR (c.satisfaction_asked_at IS NOT NULL AND c.citizen_satisfied_at IS NULL)))"
    /* or a case they follow waits for their own answer or reason (migration 0023; the
     * statement is followers.c's followers_waiting, asked here in the same round trip) */
    " OR EXISTS (SELECT 1 FROM case_followers f JOIN cases c ON c.id = f.case_id"
    "  WHERE f.phone = v.phone AND c.status = 'resolved' AND (f.awaiting_reason"
    "  OR (f.satisfaction_asked_at IS NOT NULL AND f.answer IS NULL))),"
    /* A repeat: the session this message left (NULL for a fresh one: no row yet). Found by
     * the primary key alone: with "session IS NOT NULL" in the WHERE, statistics taken when
     * few rows kept a session led the planner to walk all of inbound_session_kept (two days of
     * messages) for every message — 220 µs each on a desk with history (bench/statements). */
    " (SELECT CASE WHEN session IS NOT NULL THEN encode(session, 'hex') || ':' || session_base"
    "  END FROM inbound_messages i WHERE i.wamid = v.wamid),"
    /* A live helpdesk conversation takes the citizen's messages (migration 0022). */
    " EXISTS (SELECT 1 FROM helpdesk_chats h WHERE h.citizen_phone = v.phone"
    "  AND h.state <> 'closed')"
    " FROM v ORDER BY v.ord",
    5};

/* The batch's fresh messages, written once at the end of the transaction with the session each
 * left ($6 hex, $7 its Redis version; NULL for none — migration 0010) — queued to travel with the
 * COMMIT. No ON CONFLICT: st_lock makes a row written meanwhile impossible, and were it there,
 * the primary key fails the transaction (the worker's fallback handles each message alone; a
 * lone message failing so is a dead letter, class 23) rather than a message being stepped
 * twice. */
static const db_stmt st_store = {
    "inbound_store",
    "INSERT INTO inbound_messages (wamid, from_phone, type, received_at, profile_name, session,"
    " session_base)"
    " SELECT wamid, phone, type, " INBOUND_SQL_RECEIVED_AT ", NULLIF(profile, ''),"
    "  decode(s, 'hex'), b"
    " FROM unnest((SELECT $1::text[]), (SELECT $2::text[]), (SELECT $3::text[]),"
    "  (SELECT $4::text[]), (SELECT $5::text[]), (SELECT $6::text[]), (SELECT $7::int[]))"
    "  WITH ORDINALITY AS v(wamid, phone, type, ts, profile, s, b, ord) ORDER BY ord",
    7};

#define RANK(x)                                                                                    \
    "CASE " x " WHEN 'queued' THEN 0 WHEN 'sending' THEN 1 WHEN 'sent' THEN 2 WHEN 'delivered' "   \
    "THEN 3 WHEN 'read' THEN 4 WHEN 'failed' THEN 5 ELSE -1 END"

/* A broadcast's recipient whose number blocked the business is skipped by later broadcasts;
 * a broadcast whose template Meta refuses is paused after a few. */
#define STATUS_CODE "CASE WHEN $2 = 'failed' THEN NULLIF($3, '')::int END"
#define STATUS_BLOCKED                                                                             \
    " bl AS (" SUBSCRIBERS_SQL_BLOCKED("u", STATUS_CODE) "),"                                      \
    " tr AS (" BROADCAST_SQL_TEMPLATE_REFUSED("u", STATUS_CODE) "),"
#define SETTLE_CODE "CASE WHEN u.state = 'failed' THEN u.error_code END"
#define SETTLE_BLOCKED                                                                             \
    " bl AS (" SUBSCRIBERS_SQL_BLOCKED("u", SETTLE_CODE) "),"                                      \
    " tr AS (" BROADCAST_SQL_TEMPLATE_REFUSED("u", SETTLE_CODE) "),"

/* A failed delivery to the citizen of a case is written on the case's events as well. A status
 * for a wamid not stored yet is kept in early_statuses (migration 0013), the highest-ranked one,
 * for the sender to apply when it records the message. */
static const db_stmt st_status = {
    "inbound_status",
    "WITH u AS (UPDATE outbound_messages SET state = $2,"
    "  failed_at = CASE WHEN $2 = 'failed' THEN COALESCE(failed_at, now()) ELSE failed_at END,"
    "  error_code = COALESCE(NULLIF($3, '')::int, error_code),"
    "  error = COALESCE(NULLIF($4, ''), error), updated_at = now()"
    "  WHERE wamid = $1 AND (" RANK("state") ") < (" RANK(
        "$2::text") ") RETURNING id, case_id, recipient, purpose)," STATUS_BLOCKED
                    " ev AS (INSERT INTO case_events (case_id, kind, actor, text, detail)"
                    "  SELECT u.case_id, 'delivery_failed', 'whatsapp', NULLIF($4, ''),"
                    "   jsonb_build_object('recipient', u.recipient, 'code', NULLIF($3, '')::int)"
                    "  FROM u JOIN cases c ON c.id = u.case_id AND c.citizen_phone = u.recipient "
                    "  WHERE $2 = 'failed'),"
                    " early AS (INSERT INTO early_statuses (wamid, state, error_code, error)"
                    "  SELECT $1, $2, NULLIF($3, '')::int, NULLIF($4, '')"
                    "  WHERE NOT EXISTS (SELECT 1 FROM outbound_messages WHERE wamid = $1)"
                    "  ON CONFLICT (wamid) DO UPDATE SET state = EXCLUDED.state,"
                    "   error_code = COALESCE(EXCLUDED.error_code, early_statuses.error_code),"
                    "   error = COALESCE(EXCLUDED.error, early_statuses.error)"
                    "  WHERE (" RANK("early_statuses.state") ") < (" RANK(
                        "EXCLUDED.state") "))"
                                          " SELECT count(*) FROM u",
    4};

static const db_stmt st_settle_early = {
    "inbound_settle_early",
    "WITH m AS (DELETE FROM early_statuses es USING outbound_messages o WHERE o.wamid = es.wamid"
    "  RETURNING es.wamid, es.state, es.error_code, es.error),"
    " u AS (UPDATE outbound_messages o SET state = m.state,"
    "  failed_at = CASE WHEN m.state = 'failed' THEN COALESCE(o.failed_at, now())"
    "   ELSE o.failed_at END,"
    "  error_code = COALESCE(m.error_code, o.error_code), error = COALESCE(m.error, o.error),"
    "  updated_at = now()"
    "  FROM m WHERE o.wamid = m.wamid AND (" RANK("o.state") ") < (" RANK(
        "m.state") ")"
                   "  AND o.state <> 'sending' RETURNING o.id, o.case_id, o.recipient, o.state,"
                   " o.error, o.error_code, o.purpose)," SETTLE_BLOCKED
                   " ev AS (INSERT INTO case_events (case_id, kind, actor, text, detail)"
                   "  SELECT u.case_id, 'delivery_failed', 'whatsapp', u.error,"
                   "   jsonb_build_object('recipient', u.recipient, 'code', u.error_code)"
                   "  FROM u JOIN cases c ON c.id = u.case_id AND c.citizen_phone = u.recipient"
                   "  WHERE u.state = 'failed')"
                   " SELECT count(*) FROM u",
    0};
static const db_stmt st_forget_early = {
    "inbound_forget_early", "DELETE FROM early_statuses WHERE at < now() - interval '2 days'", 0};

long inbound_settle_early_statuses(db *d, err *e)
{
    PGresult *r = db_query(d, &st_settle_early, NULL, e);
    long n;
    if (!r)
        return -1;
    n = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return db_exec(d, &st_forget_early, NULL, e) < 0 ? -1 : n;
}

void inbound_info_clear(inbound_info *info)
{
    free(info->session_hex);
    info->session_hex = NULL;
}

/* One answer row into *out. */
static void record_row(const PGresult *r, int i, inbound_info *out)
{
    out->fresh = PQgetvalue(r, i, 0)[0] == 't';
    out->staff = PQgetvalue(r, i, 1)[0] == 't';
    db_copy(out->lang, sizeof out->lang, r, i, 2);
    out->case_waiting = PQgetvalue(r, i, 3)[0] == 't';
    out->chat_open = PQgetvalue(r, i, 5)[0] == 't';
    if (!out->fresh && !PQgetisnull(r, i, 4)) {
        const char *v = PQgetvalue(r, i, 4), *colon = strrchr(v, ':');
        if (colon && (out->session_hex = strndup(v, (size_t)(colon - v))))
            out->session_base = (unsigned)strtoul(colon + 1, NULL, 10);
    }
}

/* 1 when two of the batch's messages share a sender or a message id: one statement must not
 * upsert a row twice (SQLSTATE 21000), and a message id twice would be "fresh" twice. */
static int repeats(const wa_message *const *ms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(ms[i]->from, ms[j]->from) == 0 || strcmp(ms[i]->id, ms[j]->id) == 0)
                return 1;
    return 0;
}

/* Message k's first five columns (id, sender, type, WhatsApp's time, profile name), its time
 * written in ts. */
static void message_columns(const char **col[], size_t k, const wa_message *m, char ts[24])
{
    if (m->timestamp > 0)
        snprintf(ts, 24, "%lld", (long long)m->timestamp);
    col[0][k] = m->id;
    col[1][k] = m->from;
    col[2][k] = m->type_name;
    col[3][k] = ts;
    col[4][k] = m->profile_name;
}

/* The columns' first k items as PostgreSQL text arrays; -1 out of memory. */
static int text_arrays(const char **col[], int cols, size_t k, char **arr)
{
    for (int c = 0; c < cols; c++)
        if (!(arr[c] = db_text_array(col[c], k)))
            return -1;
    return 0;
}

int inbound_record_many(db *d, const wa_message *const *ms, size_t n, inbound_info *out, err *e)
{
    enum { COLS = 5 };
    const char **col[COLS] = {NULL};
    char (*ts)[24] = calloc(n ? n : 1, sizeof *ts), *arr[COLS] = {NULL};
    PGresult *r = NULL;
    int rc = -1;
    memset(out, 0, n * sizeof *out);
    if (repeats(ms, n)) {
        err_set(e, ERR_USER, "a batch to record holds one sender or message twice");
        goto out;
    }
    for (int c = 0; c < COLS; c++)
        if (!(col[c] = calloc(n ? n : 1, sizeof *col[c])))
            goto oom;
    if (!ts)
        goto oom;
    for (size_t i = 0; i < n; i++)
        message_columns(col, i, ms[i], ts[i]);
    if (text_arrays(col, COLS, n, arr) < 0)
        goto oom;
    if (db_send(d, &st_lock, (const char *const *)arr, e) < 0 || /* in the record's trip */
        !(r = db_query(d, &st_record, (const char *const *)arr, e)))
        goto out;
    if ((size_t)PQntuples(r) != n) {
        err_set(e, ERR_ENV, "PostgreSQL inbound_record: %d rows for %zu messages", PQntuples(r), n);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        record_row(r, (int)i, &out[i]);
    rc = 0;
    goto out;
oom:
    err_set(e, ERR_ENV, "out of memory");
out:
    PQclear(r);
    for (int c = 0; c < COLS; c++) {
        free(col[c]);
        free(arr[c]);
    }
    free(ts);
    return rc;
}

int inbound_store_many(db *d, const wa_message *const *ms, size_t n, const inbound_info *info,
                       const char *const *session_hex, const unsigned *base, err *e)
{
    enum { COLS = 7 };
    const char **col[COLS] = {NULL};
    char (*num)[24] = calloc(2 * (n ? n : 1), sizeof *num), *arr[COLS] = {NULL};
    size_t k = 0;
    int rc = -1;
    for (int c = 0; c < COLS; c++)
        if (!(col[c] = calloc(n ? n : 1, sizeof *col[c])))
            goto oom;
    if (!num)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        if (!info[i].fresh)
            continue; /* a repeat's row is there, with the session it left the first time */
        message_columns(col, k, ms[i], num[2 * k]);
        if (session_hex[i])
            snprintf(num[2 * k + 1], sizeof num[2 * k + 1], "%u", base[i]);
        col[5][k] = session_hex[i];
        col[6][k] = session_hex[i] ? num[2 * k + 1] : NULL;
        k++;
    }
    if (k == 0) {
        rc = 0;
        goto out;
    }
    if (text_arrays(col, COLS, k, arr) < 0)
        goto oom;
    rc = db_send(d, &st_store, (const char *const *)arr, e);
    goto out;
oom:
    err_set(e, ERR_ENV, "out of memory");
out:
    for (int c = 0; c < COLS; c++) {
        free(col[c]);
        free(arr[c]);
    }
    free(num);
    return rc;
}

int inbound_status(db *d, const wa_status *s, int *updated, err *e)
{
    char code[16] = "";
    const char *state;
    switch (s->kind) {
    case WA_STATUS_SENT:
        state = "sent";
        break;
    case WA_STATUS_DELIVERED:
        state = "delivered";
        break;
    case WA_STATUS_READ:
        state = "read";
        break;
    case WA_STATUS_FAILED:
        state = "failed";
        break;
    default:
        *updated = 0;
        return 0; /* "deleted", "warning"...: nothing to record on the message */
    }
    if (s->error_code)
        snprintf(code, sizeof code, "%d", s->error_code);
    {
        PGresult *r =
            db_query(d, &st_status,
                     (const char *[]){s->id, state, code,
                                      *s->error_detail ? s->error_detail : s->error_title},
                     e);
        if (!r)
            return -1;
        *updated = atoi(PQgetvalue(r, 0, 0)) > 0;
        PQclear(r);
    }
    return 0;
}
