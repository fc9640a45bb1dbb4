/* cases_export.h — `sampark export` (SPEC section 14, issue 21): the grievances received between
 * two of the district's days and their actions, as two CSV files in the record layout of CPGRAMS
 * data extracts. The cases module's third side (cases.c writes, cases_query.c serves the
 * portal): the owner of this SQL. The deciding parts (wording, delay, number masking, the range)
 * are pure and unit-tested; the export streams through cursors, so memory does not grow with the
 * number of cases. Never writes a phone number: actors become roles or officers' names. */
#ifndef SAMPARK_CASES_EXPORT_H
#define SAMPARK_CASES_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* ---- pure parts ----------------------------------------------------------------------------- */

/* --from and --to: real dates (YYYY-MM-DD), from not after to. e->msg names the parameter. */
int cases_export_range(const char *from, const char *to, err *e);

/* Days past the SLA: 0 when done_ms is at or before due_ms, else the days late with a part of a
 * day counted as a day (an hour late is 1). */
long cases_export_delay(int64_t due_ms, int64_t done_ms);

/* One case's SLA clock as its events go past, oldest first. */
typedef struct cases_export_clock {
    int64_t start_ms;   /* created, or the last reopen */
    int64_t stopped_ms; /* when the desk answered this clock (resolved, closed...); 0 running */
    int64_t sla_ms;     /* the case's SLA length */
    char org[24];       /* the department the case is in at the event */
} cases_export_clock;

/* One event of a case: kind, time, and from its detail the department or case it went to
 * (transferred: "to"; merged: "into"), the one it came from ("from") and the escalation level. */
typedef struct cases_export_event {
    const char *kind;
    int64_t at_ms;
    const char *to, *from, *level;
} cases_export_event;

/* The event moves the clock (created and reopened start it, the desk's answers stop it, a
 * transfer changes the department after its own row) and is given its row: the action status
 * into status (n bytes), the department it belongs to into org, and the delay. Returns 1 for a
 * row, 0 for an event that is not an action on the grievance (a delivery failure, a reminder,
 * an internal note...). */
int cases_export_step(cases_export_clock *c, const cases_export_event *ev, char *status, size_t n,
                      char org[24], long *delay);

/* The grievance's status in words: from the case's status, how a closed one was closed (the
 * kind of its closing event) and the case it was merged into. */
const char *cases_export_status(const char *status, const char *closed_by, const char *merged_into,
                                char *buf, size_t n);
/* The citizen's last answer to the satisfaction question (an event kind) as a rating, "" none. */
const char *cases_export_rating(const char *last_answer);
/* Who acted (role: citizen, system, officer, nodal, collector, "" unknown) in words; name is the
 * officer's name from the directory. Never the phone. */
const char *cases_export_officer(const char *role, const char *name);

/* Masks in place, with 'X', every run of 10 or more digits — phone, Aadhaar and account numbers
 * a citizen wrote in the text. A run may go on past one space or hyphen into a group of 4 digits
 * or more ("+91 98765 43210"), so dates and times next to each other are left alone. */
void cases_export_mask_numbers(char *text);

/* ---- the export ----------------------------------------------------------------------------- */

typedef struct cases_export_result {
    long grievances, actions;
    char grievances_path[4200], actions_path[4200];
} cases_export_result;

/* Writes DIR/grievances_FROM_TO.csv and DIR/actions_FROM_TO.csv (dir created when missing, its
 * parent must exist) for the cases received from..to, both the district's days, included. Each
 * file is written beside its name and renamed into place once both are complete: on failure
 * neither appears and an existing pair stays as it was. ERR_USER when dir cannot be used. */
int cases_export_run(db *d, const char *from, const char *to, const char *dir,
                     cases_export_result *out, err *e);

#endif
