/* db.c — libpq behind a small handle: prepared-on-first-use statements, transactions, the
 * statements queued for the next round trip (pipeline mode) and one error style. It must never
 * build SQL from data; parameters are always bound. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "vec.h"

/* A statement queued by db_send (st) or db_send_begin (cmd "BEGIN"). */
typedef struct queued {
    const db_stmt *st;
    const char *cmd;
    char **params; /* st->nparams copies */
} queued;

struct db {
    PGconn *conn; /* NULL after a round trip went wrong half-way: reconnect */
    char *conninfo;
    const char **prepared; /* names prepared on this connection */
    size_t nprepared, capprepared;
    long affected;
    int transient;
    void *slot; /* db_set_slot */
    void (*slot_free)(void *);
    void (*slot_rollback)(void *);
    queued *queue; /* for the next round trip */
    size_t nqueue, capqueue;
    long round_trips;
};

static void quiet_notices(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "relation already exists, skipping" and friends are not news */
}

static void first_line(char *s)
{
    char *nl = strchr(s, '\n');
    if (nl)
        *nl = '\0';
}

static int connect_now(db *d, err *e)
{
    char msg[512];
    if (d->conn)
        PQfinish(d->conn);
    d->nprepared = 0;
    {
        /* A default connect timeout so a blackholed server cannot stall a loop for minutes;
         * the conninfo's own connect_timeout, if any, wins (it comes later). */
        const char *const keys[] = {"connect_timeout", "dbname", NULL};
        const char *const vals[] = {"5", d->conninfo, NULL};
        d->conn = PQconnectdbParams(keys, vals, 1);
    }
    d->transient = 1;
    if (!d->conn)
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
    if (PQstatus(d->conn) != CONNECTION_OK) {
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(d->conn));
        first_line(msg);
        return err_set(e, ERR_ENV, "PostgreSQL (DATABASE_URL): cannot connect: %s", msg);
    }
    PQsetNoticeProcessor(d->conn, quiet_notices, NULL);
    /* No JIT: Sampark's statements touch a few rows, but a CTE's row estimates can pass
     * jit_above_cost, and compiling then cost 15 ms a statement (case creation ran ten times
     * slower). A SET, not a connection option: that would replace a DATABASE_URL's own
     * options and PGOPTIONS, and poolers refuse it. READ COMMITTED whatever the database's
     * default: each statement must see what committed before it began — a worker waiting on
     * another's message-id lock then finds that message recorded (inbound.c's st_lock), and an
     * upsert's WHERE judges the row that is there (a transaction wanting one snapshot, as the
     * export does, says so itself). */
    {
        PGresult *r = PQexec(d->conn, "SET jit = off; SET default_transaction_isolation = "
                                      "'read committed'");
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            snprintf(msg, sizeof msg, "%s", PQerrorMessage(d->conn));
            first_line(msg);
            return err_set(e, ERR_ENV, "PostgreSQL (DATABASE_URL): SET jit, isolation: %s", msg);
        }
    }
    return 0;
}

static void drop_queue(db *d)
{
    for (size_t i = 0; i < d->nqueue; i++) {
        for (int k = 0; d->queue[i].params && k < d->queue[i].st->nparams; k++)
            free(d->queue[i].params[k]);
        free(d->queue[i].params);
    }
    d->nqueue = 0;
}

db *db_new(const char *conninfo)
{
    db *d = calloc(1, sizeof *d);
    if (!d || !(d->conninfo = strdup(conninfo))) {
        free(d);
        return NULL;
    }
    return d;
}

db *db_open(const char *conninfo, err *e)
{
    db *d = db_new(conninfo);
    if (!d) {
        err_set(e, ERR_ENV, "PostgreSQL: out of memory");
        return NULL;
    }
    if (connect_now(d, e) < 0) {
        db_close(d);
        return NULL;
    }
    return d;
}

void db_close(db *d)
{
    if (!d)
        return;
    if (d->conn)
        PQfinish(d->conn);
    if (d->slot_free)
        d->slot_free(d->slot);
    drop_queue(d);
    free(d->queue);
    free(d->prepared);
    free(d->conninfo);
    free(d);
}

static int result_error(db *d, const PGresult *r, const char *what, err *e)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    /* Only the data's own fault is permanent (22 data exception, 23 constraint violation);
     * everything else — connection, missing table, permissions, read-only standby — may be
     * mended by an operator, so callers retry rather than throw the message away. */
    d->transient = PQstatus(d->conn) != CONNECTION_OK || !state ||
                   (strncmp(state, "22", 2) != 0 && strncmp(state, "23", 2) != 0);
    const char *primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", primary ? primary : PQerrorMessage(d->conn));
    first_line(msg);
    return err_set(e, ERR_ENV, "PostgreSQL %s: %s%s%s", what, msg, detail ? " — " : "",
                   detail ? detail : "");
}

static int is_prepared(const db *d, const char *name)
{
    for (size_t i = 0; i < d->nprepared; i++)
        if (d->prepared[i] == name || strcmp(d->prepared[i], name) == 0)
            return 1;
    return 0;
}

static int ensure_prepared(db *d, const db_stmt *st, err *e)
{
    PGresult *r;
    if (is_prepared(d, st->name))
        return 0;
    if (vec_reserve(d->prepared, d->capprepared, d->nprepared + 1) < 0)
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
    d->round_trips++;
    r = PQprepare(d->conn, st->name, st->sql, st->nparams, NULL);
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        char what[160];
        snprintf(what, sizeof what, "preparing %s", st->name);
        result_error(d, r, what, e);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    d->prepared[d->nprepared++] = st->name;
    return 0;
}

/* A lost connection is made again — unless statements of a transaction begun on it are
 * queued: they must not run on another connection outside it. */
static int reconnect(db *d, err *e)
{
    if (d->nqueue && !d->queue[0].cmd) {
        drop_queue(d);
        d->transient = 1;
        return err_set(e, ERR_ENV, "PostgreSQL: the connection was lost with statements queued");
    }
    return connect_now(d, e);
}

/* What one round trip of a pipeline carries: a statement prepared on the way (prepare), or a
 * statement run, named for errors. */
typedef struct piece {
    const char *what;
    const db_stmt *prepare;
} piece;

static int send_one(db *d, const db_stmt *st, const char *cmd, const char *const *params, piece *pc,
                    size_t *np)
{
    if (cmd) {
        pc[(*np)++] = (piece){cmd, NULL};
        return PQsendQueryParams(d->conn, cmd, 0, NULL, NULL, NULL, NULL, 0);
    }
    if (!is_prepared(d, st->name)) {
        int sent = 0;
        for (size_t i = 0; i < *np && !sent; i++)
            sent = pc[i].prepare && strcmp(pc[i].prepare->name, st->name) == 0;
        if (!sent) {
            pc[(*np)++] = (piece){st->name, st};
            if (!PQsendPrepare(d->conn, st->name, st->sql, st->nparams, NULL))
                return 0;
        }
    }
    pc[(*np)++] = (piece){st->name, NULL};
    return PQsendQueryPrepared(d->conn, st->name, st->nparams, params, NULL, NULL, 0);
}

/* The answers of a pipeline's np pieces, then its sync. The last piece's result goes to *out
 * when asked for; the first failure sets e (PostgreSQL skips the pieces after it). 1 when the
 * connection can be used again, 0 when it cannot (lost, or answers out of step). */
static int read_pieces(db *d, const piece *pc, size_t np, PGresult **out, int *failed, err *e)
{
    PGresult *r;
    for (size_t j = 0; j < np; j++) {
        ExecStatusType s;
        if (!(r = PQgetResult(d->conn)))
            return 0;
        s = PQresultStatus(r);
        if ((s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) && pc[j].prepare)
            d->prepared[d->nprepared++] = pc[j].prepare->name; /* room reserved by pipeline() */
        else if (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK) {
            if (out && j == np - 1) {
                *out = r;
                r = NULL;
            }
        } else if (!*failed) {
            *failed = 1;
            if (s == PGRES_PIPELINE_ABORTED) /* not after an error: cannot be, but say so */
                err_set(e, ERR_ENV, "PostgreSQL %s: skipped", pc[j].what);
            else
                result_error(d, r, pc[j].what, e);
        }
        PQclear(r);
        if ((r = PQgetResult(d->conn))) { /* each piece's answers end with a NULL */
            PQclear(r);
            return 0;
        }
    }
    r = PQgetResult(d->conn);
    if (!r || PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
        PQclear(r);
        return 0;
    }
    PQclear(r);
    return PQexitPipelineMode(d->conn) == 1;
}

/* The queued statements, then st or cmd (neither: the queue alone), in one round trip. */
static int pipeline(db *d, const db_stmt *st, const char *cmd, const char *const *params,
                    PGresult **out, err *e)
{
    size_t np = 0, cap = 2 * (d->nqueue + 1);
    piece *pc = malloc(cap * sizeof *pc);
    int ok, failed = 0;
    if (!pc || vec_reserve(d->prepared, d->capprepared, d->nprepared + cap) < 0) {
        free(pc);
        drop_queue(d);
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
    }
    ok = PQenterPipelineMode(d->conn);
    for (size_t i = 0; ok && i < d->nqueue; i++)
        ok = send_one(d, d->queue[i].st, d->queue[i].cmd, (const char *const *)d->queue[i].params,
                      pc, &np);
    if (ok && (st || cmd))
        ok = send_one(d, st, cmd, params, pc, &np);
    ok = ok && PQpipelineSync(d->conn);
    drop_queue(d);
    d->round_trips++;
    if (!ok || !read_pieces(d, pc, np, out, &failed, e)) {
        /* Lost half-way: this connection's state is unknown; the next call connects anew. */
        if (!failed)
            result_error(d, NULL, np ? pc[np - 1].what : "pipeline", e);
        d->transient = 1;
        PQfinish(d->conn);
        d->conn = NULL;
        failed = 1;
    }
    free(pc);
    if (failed && out) {
        PQclear(*out);
        *out = NULL;
    }
    return failed ? -1 : 0;
}

/* One call that waits for its answer: st (prepared on first use) or the command cmd, after
 * whatever is queued. *out gets the result when out is given. */
static int round_trip(db *d, const db_stmt *st, const char *cmd, const char *const *params,
                      PGresult **out, err *e)
{
    PGresult *r;
    ExecStatusType s;
    if (out)
        *out = NULL;
    /* An error that is no PostgreSQL answer (out of memory, a lost connection) is passing;
     * result_error judges the rest from its SQLSTATE. */
    d->transient = 1;
    if (!st && !cmd && !d->nqueue)
        return 0;
    if (PQstatus(d->conn) != CONNECTION_OK) {
        /* a COMMIT on a new connection would commit nothing and say so */
        if (!d->nqueue && cmd && strcmp(cmd, "COMMIT") == 0) {
            d->transient = 1;
            return err_set(e, ERR_ENV, "PostgreSQL COMMIT: the connection was lost");
        }
        if (reconnect(d, e) < 0)
            return -1;
    }
    if (d->nqueue)
        return pipeline(d, st, cmd, params, out, e);
    if (st && ensure_prepared(d, st, e) < 0)
        return -1;
    d->round_trips++;
    r = st ? PQexecPrepared(d->conn, st->name, st->nparams, params, NULL, NULL, 0)
           : PQexec(d->conn, cmd);
    s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        result_error(d, r, st ? st->name : cmd, e);
        PQclear(r);
        return -1;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return 0;
}

PGresult *db_query(db *d, const db_stmt *st, const char *const *params, err *e)
{
    PGresult *r;
    return round_trip(d, st, NULL, params, &r, e) < 0 ? NULL : r;
}

int db_exec(db *d, const db_stmt *st, const char *const *params, err *e)
{
    PGresult *r = db_query(d, st, params, e);
    if (!r)
        return -1;
    d->affected = atol(PQcmdTuples(r));
    PQclear(r);
    return 0;
}

int db_send(db *d, const db_stmt *st, const char *const *params, err *e)
{
    queued *q;
    d->transient = 1; /* as in round_trip */
    if (vec_reserve(d->queue, d->capqueue, d->nqueue + 1) < 0)
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
    q = &d->queue[d->nqueue];
    *q = (queued){st, NULL, NULL};
    if (st->nparams && !(q->params = calloc((size_t)st->nparams, sizeof *q->params)))
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
    d->nqueue++; /* counted now, so a failure below frees what was copied */
    for (int k = 0; k < st->nparams; k++)
        if (params[k] && !(q->params[k] = strdup(params[k]))) {
            d->nqueue--;
            for (int j = 0; j < k; j++)
                free(q->params[j]);
            free(q->params);
            return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
        }
    return 0;
}

int db_send_begin(db *d, err *e)
{
    if (vec_reserve(d->queue, d->capqueue, d->nqueue + 1) < 0)
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
    d->queue[d->nqueue++] = (queued){NULL, "BEGIN", NULL};
    return 0;
}

long db_round_trips(const db *d)
{
    return d->round_trips;
}

int db_error_transient(const db *d)
{
    return d->transient;
}

long db_affected(const db *d)
{
    return d->affected;
}

int db_script(db *d, const char *sql, err *e)
{
    PGresult *r;
    ExecStatusType s;
    if (round_trip(d, NULL, NULL, NULL, NULL, e) < 0) /* what is queued goes first */
        return -1;
    d->round_trips++;
    r = PQexec(d->conn, sql);
    s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
        const char *pos = r ? PQresultErrorField(r, PG_DIAG_STATEMENT_POSITION) : NULL;
        char what[64] = "script";
        if (pos) {
            /* The position counts characters from 1; count lines up to it. */
            long target = atol(pos), line = 1, chars = 0;
            for (const unsigned char *p = (const unsigned char *)sql; *p && chars < target - 1;
                 p++) {
                if ((*p & 0xC0) != 0x80)
                    chars++;
                if (*p == '\n')
                    line++;
            }
            snprintf(what, sizeof what, "at line %ld", line);
        }
        result_error(d, r, what, e);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

int db_ping(db *d, err *e)
{
    if (round_trip(d, NULL, "SELECT 1", NULL, NULL, e) == 0)
        return 0;
    /* A server restart leaves a dead socket behind: one reconnect before giving up. */
    if (reconnect(d, e) < 0)
        return -1;
    return round_trip(d, NULL, "SELECT 1", NULL, NULL, e);
}

int db_begin(db *d, err *e)
{
    return round_trip(d, NULL, "BEGIN", NULL, NULL, e);
}

int db_commit(db *d, err *e)
{
    PGresult *r;
    int rc = round_trip(d, NULL, "COMMIT", NULL, &r, e);
    if (rc == 0 && strcmp(PQcmdStatus(r), "ROLLBACK") == 0) /* the transaction had failed */
        rc = err_set(e, ERR_ENV, "PostgreSQL COMMIT: the transaction had failed, rolled back");
    PQclear(r);
    /* A round trip that failed before its COMMIT leaves the transaction open, and failed. */
    if (rc < 0 && PQtransactionStatus(d->conn) != PQTRANS_IDLE &&
        PQtransactionStatus(d->conn) != PQTRANS_UNKNOWN)
        db_rollback(d);
    return rc;
}

void db_rollback(db *d)
{
    drop_queue(d);
    if (d->slot_rollback)
        d->slot_rollback(d->slot);
    /* Nothing open (db_commit rolled back already, or the connection is gone): no round trip. */
    if (!d->conn || PQtransactionStatus(d->conn) == PQTRANS_IDLE)
        return;
    d->round_trips++;
    PQclear(PQexec(d->conn, "ROLLBACK"));
}

void *db_slot(const db *d)
{
    return d->slot;
}

void db_set_slot(db *d, void *p, void (*free_fn)(void *), void (*on_rollback)(void *))
{
    if (d->slot_free && d->slot != p)
        d->slot_free(d->slot);
    d->slot = p;
    d->slot_free = free_fn;
    d->slot_rollback = on_rollback;
}

void db_copy(char *dst, size_t dstsz, const PGresult *r, int row, int col)
{
    snprintf(dst, dstsz, "%s", PQgetvalue(r, row, col));
    text_fit(dst);
}

char *db_text_array(const char *const *items, size_t n)
{
    size_t len = 3;
    char *out, *p;
    for (size_t i = 0; i < n; i++)
        len += (items[i] ? 2 * strlen(items[i]) : 4) + 3;
    if (!(out = malloc(len)))
        return NULL;
    p = out;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i)
            *p++ = ',';
        if (!items[i]) { /* unquoted NULL is SQL NULL; "NULL" quoted is the word */
            memcpy(p, "NULL", 4);
            p += 4;
            continue;
        }
        *p++ = '"';
        for (const char *s = items[i]; *s; s++) {
            if (*s == '"' || *s == '\\')
                *p++ = '\\';
            *p++ = *s;
        }
        *p++ = '"';
    }
    *p++ = '}';
    *p = '\0';
    return out;
}

char *db_text(db *d, const db_stmt *st, const char *const *params, err *e)
{
    PGresult *r = db_query(d, st, params, e);
    char *out;
    if (!r)
        return NULL;
    out = PQntuples(r) == 1 ? strdup(PQgetvalue(r, 0, 0)) : NULL;
    if (!out)
        err_set(e, ERR_ENV, "%s: no answer", st->name);
    PQclear(r);
    return out;
}
