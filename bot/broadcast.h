/* broadcast.h — broadcasts (SPEC section 13, issue 20): an approved template with parameters
 * sent to a segment of phones (migration 0026 owns the tables). Creating one validates the
 * template against the directory's "broadcast_templates" and fixes its recipients; the sender
 * role's feeder (broadcast_feed) moves them into the outbox a small batch at a time, below case
 * traffic and within SAMPARK_DAILY_LIMIT. Never sends a free-form message: only templates. */
#ifndef SAMPARK_BROADCAST_H
#define SAMPARK_BROADCAST_H

#include <stdio.h>

#include "config.h"
#include "db.h"
#include "err.h"
#include "rds.h"
#include "subscribers.h"

/* ---- pure parts (unit-tested) ---------------------------------------------------------------- */

typedef enum {
    BROADCAST_TO_SUBSCRIBERS,
    BROADCAST_TO_VILLAGE,
    BROADCAST_TO_BLOCK,
    BROADCAST_TO_DEPARTMENT,
    BROADCAST_TO_FILE
} broadcast_to;

typedef struct broadcast_segment {
    broadcast_to kind;
    char value[256]; /* the village, block, department code or file path */
    int days;        /* department: cases filed in the last days (default 30) */
} broadcast_segment;

/* `--to` as the operator wrote it: subscribers | village=V | block=B | department=D[,days=N] |
 * file=PATH. 0, or -1 with e naming what is wrong. */
int broadcast_parse_segment(const char *to, broadcast_segment *out, err *e);

/* The phones of a CSV file's text (the first column; a header line "phone" is allowed; blank
 * lines are ignored): each good one, once, into *phones (malloc'd array of malloc'd strings).
 * Each bad line — not a WhatsApp number, or a repeat — is written to report as
 * "SOURCE:LINE: why" and skipped. Returns how many lines were bad, -1 out of memory. */
int broadcast_read_phones(const char *text, const char *source, FILE *report, char ***phones,
                          size_t *nphones);
void broadcast_free_phones(char **phones, size_t n);

/* The template `name` of the directory's broadcast_templates (JSON text) with these
 * parameters: Graph's "components" (body parameters, quick-reply payloads "broadcast:ID" —
 * the payload's id is filled in by create) into *components (malloc'd), the language into
 * lang. -1 and e naming the expected parameters when name is unknown or nparams is wrong. */
int broadcast_check_template(const char *templates_json, const char *name,
                             const char *const *params, size_t nparams, char *lang, size_t langsz,
                             char **components, err *e);

/* What the feeder does with one queued recipient. */
typedef enum {
    BROADCAST_SKIP_STOPPED, /* said STOP: no broadcast reaches them */
    BROADCAST_SKIP_BLOCKED, /* Graph said the number blocked the business */
    BROADCAST_FREE,         /* inside their 24-hour window: not counted against the daily limit */
    BROADCAST_COUNTED       /* outside it: needs a place in the day's limit */
} broadcast_fate;
broadcast_fate broadcast_classify(int stopped, int blocked, int window_open);

/* ---- commands ------------------------------------------------------------------------------- */

typedef struct broadcast_created {
    char id[24];
    long recipients; /* queued to receive it */
    long skipped;    /* in the segment but stopped or blocked */
} broadcast_created;

/* `broadcast create`: refuses an unknown template, a wrong number of parameters, an unknown
 * department, an empty segment (ERR_USER); a CSV's bad lines go to report. survey (NULL: none)
 * names the survey its recipients answer, already checked by the caller against the flows. */
int broadcast_create(db *d, const char *template_name, const char *const *params, size_t nparams,
                     const char *to, const char *created_by, const char *survey, FILE *report,
                     broadcast_created *out, err *e);
/* start (a draft or paused one), pause (a running one), cancel (any not done or cancelled):
 * pause and cancel take back at once whatever the outbox holds unclaimed. */
int broadcast_start(db *d, const char *id, err *e);
int broadcast_pause(db *d, const char *id, err *e);
int broadcast_cancel(db *d, const char *id, err *e);
/* `broadcast show ID` and `broadcast list` as text (malloc'd). */
char *broadcast_show(db *d, const char *id, err *e);
char *broadcast_list(db *d, err *e);
/* The same as JSON (malloc'd) for the portal: one broadcast {id, state, template, language,
 * params, segment, created_by, created_at, started_at, finished_at (ISO UTC or null),
 * progress: {queued, sent, delivered, read, failed, skipped, total, failed_reasons: [{code,
 * reason, count}], skipped_reasons}} ("no broadcast ID": ERR_USER), and {"broadcasts": [...]},
 * the newest 100, newest first. */
char *broadcast_show_json(db *d, const char *id, err *e);
char *broadcast_list_json(db *d, err *e);
/* The directory's broadcast_templates as JSON text (malloc'd): [{name, language, params: [names],
 * buttons}]; NULL and ERR_USER without a directory. */
char *broadcast_templates(db *d, err *e);

/* ---- delivery (broadcast_feed.c) ------------------------------------------------------------ */

typedef struct broadcast_feeder broadcast_feeder;
broadcast_feeder *broadcast_feeder_new(const config *c);
void broadcast_feeder_free(broadcast_feeder *f);
/* One step of the feeder, at most every 100 ms (sooner calls return 0 at once): recipients
 * moved into the outbox, or -1 and e. */
int broadcast_feed(broadcast_feeder *f, db *pg, rds *redis, err *e);
/* Admits phones[0..n) (n at most BROADCAST_ADMIT_MAX) to the rolling window of the daily limit,
 * atomically across processes: ok[i] 1 when phone i is already in the window or the window
 * holds fewer than cfg->daily_limit (it is then added at Redis's time), else 0; *wait_ms until
 * the window's oldest entry leaves when it is full (0 otherwise). */
#define BROADCAST_ADMIT_MAX 200
int broadcast_admit(const config *cfg, rds *redis, const char *const *phones, size_t n, int *ok,
                    long long *wait_ms, err *e);
/* Takes back into broadcast_recipients what the outbox holds unclaimed for broadcasts paused or
 * cancelled (the commands, and the feeder for a row released after them). */
int broadcast_pull_back(db *d, err *e);
/* Adds phones[0..n) to the daily limit's window without asking (they never wait): case traffic
 * sent as a template to a citizen outside their window opens a business-initiated conversation
 * too, and the admission of broadcasts must see it. 0, or -1 and e. */
int broadcast_count_daily(const config *cfg, rds *redis, const char *const *phones, size_t n,
                          err *e);
/* The share of the daily limit broadcasts may fill: a tenth is kept for case traffic's
 * templates (which are never refused), so a broadcast cannot take the number past its tier. */
int broadcast_daily_share(int daily_limit);

/* A survey broadcast's template button starts the survey this many days after the broadcast
 * started, not later (broadcast_survey_of). */
#define BROADCAST_SURVEY_BUTTON_DAYS 30

/* ---- the broadcast tables' SQL in the outbox's statements ------------------------------------ */

/* True when outbox row `id` to `phone` must not go: its broadcast is not running (paused,
 * cancelled, or gone) or the recipient said STOP since it was queued. A scalar subquery, one
 * index lookup a row: as NOT EXISTS the planner may hash every running broadcast's recipients
 * instead — 100,000 rows read on each claim (bench/broadcast). */
#define BROADCAST_SQL_HELD(id, phone)                                                              \
    "(COALESCE((SELECT bb.state FROM broadcast_recipients br JOIN broadcasts bb"                   \
    " ON bb.id = br.broadcast_id WHERE br.outbound_id = " id " LIMIT 1), '') <> 'running'"         \
    " OR " SUBSCRIBERS_SQL_STOPPED(phone) ")"
/* The recipients of the outbox rows deleted unsent (relation rel, with id): skipped as 'stopped'
 * when they said STOP, as 'cancelled' when their broadcast was cancelled, else back to its
 * queue. */
#define BROADCAST_SQL_WITHDRAWN(rel)                                                               \
    "UPDATE broadcast_recipients r SET outbound_id = NULL, updated_at = now(),"                    \
    " state = CASE WHEN b.state = 'cancelled' OR " SUBSCRIBERS_SQL_STOPPED("r.phone")              \
    " THEN 'skipped' ELSE 'queued' END,"                                                           \
    " error = CASE WHEN " SUBSCRIBERS_SQL_STOPPED("r.phone") " THEN 'stopped'"                     \
    " WHEN b.state = 'cancelled' THEN 'cancelled' END"                                             \
    " FROM " rel ", broadcasts b WHERE r.outbound_id = " rel ".id AND b.id = r.broadcast_id"
/* Recipients refused with a template error before the broadcast is paused: the template is
 * missing, paused, disabled or its parameters do not fit, and every further send would fail. */
#define BROADCAST_TEMPLATE_FAILURES 5
/* Outbox rows (relation rel, with id and purpose) that failed with Graph code `code`: a template
 * error (132000-132999) counts against the broadcast, and pauses it at the limit with the reason.
 * Only rows fed since the broadcast last started count: the failures of those still in flight
 * when it paused must not pause it again once resumed. A CTE body for the statements that record
 * failures (sender.c, inbound.c's statuses). */
#define BROADCAST_SQL_TEMPLATE_REFUSED(rel, code)                                                  \
    "UPDATE broadcasts b SET template_failures = b.template_failures + t.n, updated_at = now(),"   \
    " state = CASE WHEN b.state = 'running' AND b.template_failures + t.n >= "                     \
    DB_STR(BROADCAST_TEMPLATE_FAILURES) " THEN 'paused' ELSE b.state END,"                         \
    " paused_reason = CASE WHEN b.state = 'running' AND b.template_failures + t.n >= "             \
    DB_STR(BROADCAST_TEMPLATE_FAILURES) " THEN 'template refused by WhatsApp (error ' || t.code"   \
    " || ')' ELSE b.paused_reason END"                                                             \
    " FROM (SELECT br.broadcast_id, count(*) AS n, max(" code ") AS code FROM " rel                \
    "  JOIN broadcast_recipients br ON br.outbound_id = " rel ".id"                                \
    "  JOIN broadcasts bs ON bs.id = br.broadcast_id AND br.updated_at >= bs.resumed_at"           \
    "  WHERE " rel ".purpose = 'broadcast' AND (" code ") BETWEEN 132000 AND 132999"               \
    "  GROUP BY br.broadcast_id) t WHERE b.id = t.broadcast_id"

/* phone said STOP: its broadcast messages not yet handed to the sender leave the outbox and
 * their recipients are skipped ('stopped'). In the caller's transaction; 0 or -1. */
int broadcast_forget_phone(db *d, const char *phone, err *e);

/* The survey a broadcast carries (migration 0029). broadcast_survey_of: broadcast id's survey
 * into name, 1 when it has one and it reached phone (sent, delivered or read — never a failed
 * delivery); 0 when not (or id is not a number).
 * broadcast_survey_recent: the newest broadcast with a survey that reached phone in the last days,
 * its id and survey, 1; 0 none. broadcast_survey_name: id's survey, 0; -1 + ERR_USER for no
 * such broadcast or one without a survey. */
int broadcast_survey_of(db *d, const char *id, const char *phone, char *name, size_t namesz,
                        err *e);
int broadcast_survey_recent(db *d, const char *phone, int days, char *id, size_t idsz, char *name,
                            size_t namesz, err *e);
int broadcast_survey_name(db *d, const char *id, char *name, size_t namesz, err *e);

#endif
