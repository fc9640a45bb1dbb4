/* cases_query.h — reading cases for the portal (SPEC section 10): the filtered case list with
 * keyset paging and a total, its CSV, per-department statistics and the weekly review. Owner of
 * this SQL (the cases module's read side, apart from cases.c so the two change independently).
 * The parsers are pure and name the field at fault; the queries take a visibility (the
 * officer's departments, or NULL for the whole district) and never show a case outside it. */
#ifndef SAMPARK_CASES_QUERY_H
#define SAMPARK_CASES_QUERY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "db.h"
#include "err.h"

#define CASES_QUERY_LIMIT_MAX     200
#define CASES_QUERY_LIMIT_DEFAULT 50

typedef struct cases_filter {
    char status[16];               /* "" any */
    char department[24];           /* "" any */
    int overdue, urgent, reopened; /* 1: only such cases */
    int level;                     /* escalation level 0..2, -1 any */
    char from[11], to[11];         /* YYYY-MM-DD, the district's days, both included; "" open */
    char q[404];                   /* search text, "" none */
    int limit;
    int has_after;
    int64_t after_us; /* cursor: created_at in Unix microseconds and id of the last row seen */
    long long after_id;
} cases_filter;

/* args: "name=value" (decoded). Unknown names and bad values fail with e->msg starting with the
 * argument's name ("level: must be 0, 1 or 2"). csv: limit and after are not taken. */
int cases_filter_parse(const char *const *args, size_t nargs, int csv, cases_filter *f, err *e);

/* The opaque "after" cursor of a row: "<microseconds>-<id>". */
void cases_cursor_encode(int64_t us, long long id, char *out, size_t outsz);
int cases_cursor_decode(const char *s, int64_t *us, long long *id);

/* A YYYY-MM-DD that is a real date: 0, else -1. */
int cases_date_ok(const char *s);
/* "YYYY-Www" (ISO week) → its Monday as YYYY-MM-DD: 0, else -1. */
int cases_week_monday(const char *week, char out[11]);

/* Appends field to a CSV line (RFC 4180: quoted when it holds a comma, quote, CR or LF; a field
 * that a spreadsheet would run as a formula — starting with = + - @ or a tab — gets a leading
 * apostrophe). last: ends the line with CRLF instead of a comma. */
void cases_csv_field(FILE *out, const char *field, int last);

/* depts: a JSON array of department codes the viewer may see, or NULL for every department. */

/* {"cases": [...], "next": cursor|null, "total": N} as JSON text (malloc'd), NULL + e. */
char *cases_query_list(db *d, const cases_filter *f, const char *depts, err *e);
/* Writes every matching case as CSV (UTF-8 BOM, header line) to out, a batch of rows at a
 * time through a cursor. Returns rows written, -1 + e. */
long cases_query_csv(db *d, const cases_filter *f, const char *depts, FILE *out, err *e);
/* The case's id when the viewer may see it: 1, 0 when unknown or invisible, -1 error. */
int cases_query_visible(db *d, const char *tracking_no, const char *depts, char *id, size_t idsz,
                        err *e);
/* The outgoing messages of a case as a JSON array (malloc'd). */
char *cases_query_messages(db *d, const char *case_id, err *e);
/* Whether media_id is attached to a case the viewer may see: 1, 0, -1. */
int cases_query_media_visible(db *d, const char *media_id, const char *depts, err *e);
/* Statistics between two days (YYYY-MM-DD, both included) as JSON (malloc'd). */
char *cases_query_stats(db *d, const char *from, const char *to, const char *depts, err *e);
/* The weekly review of the ISO week starting on monday (YYYY-MM-DD) as JSON (malloc'd). */
char *cases_query_review(db *d, const char *monday, const char *depts, err *e);

#endif
