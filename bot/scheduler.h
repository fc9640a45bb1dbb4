/* scheduler.h — the collector's side: the SLA ladder (officers reminded near the due time,
 * nodal officers past it, the collector past escalation.collector.after_hours), the
 * satisfaction reminder and auto-close, the daily and weekly digests, and the retention of
 * closed cases (SAMPARK_RETENTION_DAYS, see docs/SECURITY.md). One pass does
 * everything due "as if the clock read" the given time; every action is claimed by an
 * UPDATE that only one process can win, so two schedulers — or one run twice — never send
 * anything twice. The scheduler role runs a pass every minute while it holds a Redis lease. */
#ifndef SAMPARK_SCHEDULER_H
#define SAMPARK_SCHEDULER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "catalogue.h"
#include "config.h"
#include "db.h"
#include "err.h"

typedef struct scheduler_stats {
    int reminded, nodal, collector, satisfaction_reminders, auto_closed, digests;
    int anonymised; /* closed cases past SAMPARK_RETENTION_DAYS stripped of personal data */
    int reopened_unexplained; /* "not satisfied" and no reason within a day: reopened */
    int docs_lapsed;          /* requests for documents unanswered for seven days */
    /* the live helpdesk: kept questions delivered at their slot, questions gone to the fallback
     * phones, conversations ended by silence, questions closed unanswered after a day */
    int helpdesk_opened, helpdesk_fallback, helpdesk_silent, helpdesk_unanswered;
} scheduler_stats;

/* One pass at now_ms (Unix ms), saying everything in cat's words. Runs in its own
 * transactions on d. */
int scheduler_pass(db *d, const config *c, const catalogue *cat, int64_t now_ms,
                   scheduler_stats *st, err *e);

/* Builds the digest ("daily" or "weekly") for the period ending at now_ms, sends it to the
 * digest phones, writes it as CSV and text under dir, and returns the text (malloc'd). */
char *scheduler_digest(db *d, const config *c, const catalogue *cat, int64_t now_ms,
                       const char *kind, const char *dir, err *e);

/* Parses ISO 8601 with Z or an offset ("2026-11-25T10:00:00Z", "...T15:30:00+05:30"). */
int scheduler_parse_time(const char *s, int64_t *ms);

/* The scheduler role: a pass a minute while this process leads. The message catalogue is
 * loaded from the flows folder at the start (-1 when it cannot be) and again when *reload
 * changes (SIGHUP; a broken one keeps the running one). */
int scheduler_run(const config *c, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
                  err *e);

#endif
