/* db.h — one PostgreSQL connection and its named prepared statements.
 * SQL text lives beside the module that owns its tables (migrate.c, directory.c, cases.c...),
 * always as a static db_stmt with $n parameters; nothing is ever formatted into SQL.
 * db.c is the only file that talks to libpq directly. */
#ifndef SAMPARK_DB_H
#define SAMPARK_DB_H

#include <libpq-fe.h>

#include "err.h"

/* The time as SQL: the clock of a scheduler or digest pass (sampark.clock, set for its
 * transaction, migration 0007) when there is one, else now(). */
#define DB_CLOCK "COALESCE(NULLIF(current_setting('sampark.clock', true), '')::timestamptz, now())"

/* A number macro as an SQL literal: "interval '" DB_STR(SIMILAR_DAYS) " days'". */
#define DB_STR_(x) #x
#define DB_STR(x)  DB_STR_(x)

typedef struct db db;

typedef struct db_stmt {
    const char *name; /* unique across Sampark: "module_action" */
    const char *sql;
    int nparams;
} db_stmt;

/* Connects; fails with ERR_ENV naming the server's complaint. */
db *db_open(const char *conninfo, err *e);
/* A handle that connects on first use (serve starts while PostgreSQL is down). NULL only
 * when out of memory. */
db *db_new(const char *conninfo);
void db_close(db *d);

/* SELECT 1, reconnecting first if the connection was lost. */
int db_ping(db *d, err *e);

/* Runs a named prepared statement (prepared on first use on this connection) with text
 * parameters (NULL = SQL NULL). db_query returns the result of a statement that returns rows
 * or a command; the caller PQclear()s it. db_exec discards the result. On error the message
 * names the statement and carries PostgreSQL's primary message and detail. */
PGresult *db_query(db *d, const db_stmt *st, const char *const *params, err *e);
int db_exec(db *d, const db_stmt *st, const char *const *params, err *e);
/* 0 when the last error is the data's own fault (SQLSTATE class 22 or 23): retrying cannot
 * help. 1 for everything else (connection lost, server down, missing table, permissions):
 * retry later. */
int db_error_transient(const db *d);

/* The one text value a statement answers (its first row's first column), malloc'd; NULL + e on
 * error, or when it answered no row ("<statement>: no answer"). */
char *db_text(db *d, const db_stmt *st, const char *const *params, err *e);

/* Rows affected by the last db_exec on this handle. */
long db_affected(const db *d);

/* A multi-statement script through the simple query protocol (migrations). On error the
 * message says at which line of the script PostgreSQL stopped. */
int db_script(db *d, const char *sql, err *e);

int db_begin(db *d, err *e);
/* COMMIT; a transaction that had failed (PostgreSQL answers ROLLBACK) is a failure too, and a
 * failed COMMIT leaves no transaction open. */
int db_commit(db *d, err *e);
void db_rollback(db *d); /* best effort, never fails the caller; drops what db_send queued */

/* Pipelining (libpq pipeline mode): a statement whose answer nobody waits for is queued on the
 * handle by db_send (its parameters copied) and goes to PostgreSQL with the next call that waits
 * (db_query, db_exec, db_text, db_commit, db_begin, db_ping, db_script), all in one round trip.
 * db_send_begin queues BEGIN the same way, so BEGIN travels with the transaction's first
 * statement. A queued statement that fails fails that call, its message naming the queued
 * statement (and db_error_transient judging its error); PostgreSQL then skips the rest of the
 * round trip, and the transaction can only be rolled back. -1 only when out of memory. */
int db_send(db *d, const db_stmt *st, const char *const *params, err *e);
int db_send_begin(db *d, err *e);
/* Round trips this handle made to PostgreSQL (tests and benchmarks count them). */
long db_round_trips(const db *d);

/* One pointer a module keeps on a connection (outbox.c: the rows it defers for a conversation
 * transaction); db_close frees it with free_fn, and db_rollback calls on_rollback (may be NULL)
 * so nothing a rolled-back transaction kept there outlives it. NULL until set. */
void *db_slot(const db *d);
void db_set_slot(db *d, void *p, void (*free_fn)(void *), void (*on_rollback)(void *));

/* Copies field (row, col) of r into dst (dstsz bytes); a value longer than dst is cut at a whole
 * UTF-8 letter, never inside one, so what is copied can always be stored and sent again. */
void db_copy(char *dst, size_t dstsz, const PGresult *r, int row, int col);

/* Formats a PostgreSQL text[] literal from n strings into a malloc'd buffer; a NULL item is
 * SQL NULL (batched statements: one array per column, unnest()ed). */
char *db_text_array(const char *const *items, size_t n);

#endif
