/* cases.h — complaints in PostgreSQL: creation with its tracking number, lookup by the
 * citizen who filed them. (Officer actions, escalations and the satisfaction loop build on
 * this module.) Every statement is a named prepared statement with bound parameters. */
#ifndef SAMPARK_CASES_H
#define SAMPARK_CASES_H

#include "db.h"
#include "engine.h"

typedef struct case_info {
    char tracking_no[32];
    char status[16];
    char department[24];
    char department_name[200];
    char last_action[32];
    char last_action_at[32]; /* DD-MM-YYYY HH:MM in the district's time zone */
    char due[32];            /* likewise */
    int urgent;              /* case_create: filed as urgent */
    int urgent_limited;      /* case_create: urgent, but filed as normal (!urgent_ok) */
} case_info;

/* Creates the complaint described by the session's variables (department, description,
 * attachment*, village, location*) for phone, inside the caller's transaction. Exactly once
 * per source message id: a second call with the same id returns the first case. !urgent_ok
 * (the citizen's urgent complaints for the day are used up): a complaint that would be urgent
 * is filed as a normal one, with an urgent_limited event. */
int case_create(db *d, const char *phone, const char *name, const char *lang,
                const engine_session *s, const char *source_msg_id, int urgent_ok, case_info *out,
                err *e);

/* Whether the complaint in the session would be urgent (its department, or an emergency word in
 * its description): 1 or 0, -1 + e on a database error. */
int case_is_urgent(db *d, const engine_session *s, err *e);

/* The case with this tracking number if phone filed it, or phone's newest case when
 * tracking_no is empty. 1 found, 0 not found (or someone else's), -1 error. */
int case_lookup(db *d, const char *phone, const char *tracking_no, const char *lang, case_info *out,
                err *e);

/* Remembers the citizen's language choice. */
int case_set_language(db *d, const char *phone, const char *lang, err *e);

#endif
