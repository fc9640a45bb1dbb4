/* db.c — libpq behind a small handle: prepared-on-first-use statements, transactions and
 * one error style. It must never build SQL from data; parameters are always bound. */
#include "db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "vec.h"

struct db {
    PGconn *conn;
    char *conninfo;
    const char **prepared; /* names prepared on this connection */
    size_t nprepared, capprepared;
    long affected;
    int transient;
    void *slot; /* db_set_slot */
    void (*slot_free)(void *);
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
     * options and PGOPTIONS, and poolers refuse it. */
    {
        PGresult *r = PQexec(d->conn, "SET jit = off");
        int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!ok) {
            snprintf(msg, sizeof msg, "%s", PQerrorMessage(d->conn));
            first_line(msg);
            return err_set(e, ERR_ENV, "PostgreSQL (DATABASE_URL): SET jit = off: %s", msg);
        }
    }
    return 0;
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

static int ensure_prepared(db *d, const db_stmt *st, err *e)
{
    PGresult *r;
    for (size_t i = 0; i < d->nprepared; i++)
        if (d->prepared[i] == st->name || strcmp(d->prepared[i], st->name) == 0)
            return 0;
    if (vec_reserve(d->prepared, d->capprepared, d->nprepared + 1) < 0)
        return err_set(e, ERR_ENV, "PostgreSQL: out of memory");
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

PGresult *db_query(db *d, const db_stmt *st, const char *const *params, err *e)
{
    PGresult *r;
    ExecStatusType s;
    if (PQstatus(d->conn) != CONNECTION_OK && connect_now(d, e) < 0)
        return NULL;
    if (ensure_prepared(d, st, e) < 0)
        return NULL;
    r = PQexecPrepared(d->conn, st->name, st->nparams, params, NULL, NULL, 0);
    s = PQresultStatus(r);
    if (s != PGRES_TUPLES_OK && s != PGRES_COMMAND_OK) {
        result_error(d, r, st->name, e);
        PQclear(r);
        return NULL;
    }
    return r;
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

int db_error_transient(const db *d)
{
    return d->transient;
}

long db_affected(const db *d)
{
    return d->affected;
}

static int simple(db *d, const char *sql, const char *what, err *e)
{
    PGresult *r = PQexec(d->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
        result_error(d, r, what, e);
        PQclear(r);
        return -1;
    }
    PQclear(r);
    return 0;
}

int db_script(db *d, const char *sql, err *e)
{
    PGresult *r = PQexec(d->conn, sql);
    ExecStatusType s = PQresultStatus(r);
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
    if (PQstatus(d->conn) != CONNECTION_OK && connect_now(d, e) < 0)
        return -1;
    if (simple(d, "SELECT 1", "ping", e) == 0)
        return 0;
    /* A server restart leaves a dead socket behind: one reconnect before giving up. */
    if (connect_now(d, e) < 0)
        return -1;
    return simple(d, "SELECT 1", "ping", e);
}

int db_begin(db *d, err *e)
{
    if (PQstatus(d->conn) != CONNECTION_OK && connect_now(d, e) < 0)
        return -1;
    return simple(d, "BEGIN", "BEGIN", e);
}

int db_commit(db *d, err *e)
{
    return simple(d, "COMMIT", "COMMIT", e);
}

void db_rollback(db *d)
{
    PQclear(PQexec(d->conn, "ROLLBACK"));
}

void *db_slot(const db *d)
{
    return d->slot;
}

void db_set_slot(db *d, void *p, void (*free_fn)(void *))
{
    if (d->slot_free && d->slot != p)
        d->slot_free(d->slot);
    d->slot = p;
    d->slot_free = free_fn;
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
