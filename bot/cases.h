/* cases.h — complaints in PostgreSQL, and the one owner of their SQL: every statement on cases,
 * case_events and attachments, and the look-ups of who hears about a case (a department's
 * officers, the nodal officers, the collector, the digest readers). The desk, the scheduler and
 * the HTTP server call these functions and write no SQL on those tables of their own. Every
 * statement is a named prepared statement with bound parameters; every function runs inside the
 * caller's transaction. */
#ifndef SAMPARK_CASES_H
#define SAMPARK_CASES_H

#include "db.h"
#include "engine.h"

/* One case. case_create and case_lookup fill the citizen's view (tracking number to due,
 * urgent, urgent_limited); case_get, case_get_by_message and case_waiting fill the desk's (id to
 * asked, tracking number, status, department); case_create fills both, and attached. */
typedef struct case_info {
    char id[24];
    char tracking_no[32];
    char status[16];
    char department[24];
    char department_name[200]; /* case_lookup: in the language asked for */
    char last_action[32];
    char last_action_at[32]; /* DD-MM-YYYY HH:MM in the district's time zone */
    char due[32];            /* likewise */
    int urgent;              /* filed as urgent */
    int urgent_limited;      /* case_create: urgent, but filed as normal (!urgent_ok) */
    char citizen[24];        /* "" once anonymised */
    char lang[4];
    char description[4004]; /* the first 1000 letters, 4 bytes each at most */
    char place[1204];       /* village or ward, and the place named */
    char dept_name_hi[200], dept_name_en[200];
    int reopen_count;
    int awaiting_docs;   /* an officer asked for documents */
    int awaiting_reason; /* the citizen said "not satisfied" and owes the reason */
    int asked;           /* the satisfaction question waits for its answer */
    int transfers;       /* how often it has been transferred */
    /* A request to close it as not actionable, waiting for the nodal officers: who asked ("" when
     * none waits) and why. */
    char reject_by[24];
    char reject_reason[4004];
    int followers;        /* how many citizens follow it besides its own (case_followers) */
    char merged_into[32]; /* case_lookup: the case it was merged into, "" when none */
    /* case_create: how many of the draft's files it kept with the case (0: the officers' notice
     * need not look for any), -1 when not known (the case was filed before, by this message). */
    int attached;
} case_info;

/* A case this many citizens follow climbs the SLA ladder one rung earlier (case_pass). */
#define CASE_CROWD 5

/* Creates the complaint described by the session's variables (department, description,
 * attachment*, village, location*) for phone, inside the caller's transaction. Exactly once
 * per source message id: a second call with the same id returns the first case. !urgent_ok
 * (the citizen's urgent complaints for the day are used up): a complaint that would be urgent
 * is filed as a normal one, with an urgent_limited event. out: both views (case_info), so what
 * follows the filing in the same transaction (desk_case_created) reads nothing again. */
int case_create(db *d, const char *phone, const char *name, const char *lang,
                const engine_session *s, const char *source_msg_id, int urgent_ok, case_info *out,
                err *e);

/* Where the draft in the session is: the village or ward as written ("" when none, or when a
 * shared location answered the question), and the point shared (lat, lon; "" when none). */
const char *case_draft_where(const engine_session *s, char lat[32], char lon[32]);

/* Whether the complaint in the session would be urgent (its department, or an emergency word in
 * its description): 1 or 0, -1 + e on a database error. */
int case_is_urgent(db *d, const engine_session *s, err *e);

/* The case with this tracking number if phone filed or follows it, or phone's newest such case
 * when tracking_no is empty. 1 found, 0 not found (or someone else's), -1 error. */
int case_lookup(db *d, const char *phone, const char *tracking_no, const char *lang, case_info *out,
                err *e);

/* Whether phone filed or follows a case that is not closed (its updates still to come): 1, 0,
 * -1 + e. */
int case_open_for(db *d, const char *phone, err *e);

/* Remembers the citizen's language choice. */
int case_set_language(db *d, const char *phone, const char *lang, err *e);

/* SQL: a failed delivery to the citizen of a case, written on the case's events — for each row
 * of rel (a CTE with case_id and recipient) where cond holds, by actor, with text and code (SQL
 * expressions). The sender's status statements embed it, so a status and its event stay one
 * statement; the SQL is still this module's. (inbound.c, a layer below, keeps its own copy of
 * the fragment for now.) */
#define CASES_SQL_DELIVERY_FAILED(rel, actor, text, code, cond)                                    \
    "INSERT INTO case_events (case_id, kind, actor, text, detail)"                                 \
    " SELECT " rel ".case_id, 'delivery_failed', " actor ", " text ","                             \
    "  jsonb_build_object('recipient', " rel ".recipient, 'code', " code ")"                       \
    " FROM " rel " JOIN cases c ON c.id = " rel ".case_id AND c.citizen_phone = " rel ".recipient" \
    " WHERE " cond

/* ---- the desk's side ---------------------------------------------------------------------- */

/* The case with this (canonical) tracking number; the case a message we sent was about (wamid);
 * the case of phone that waits for what its message looks like (like: "docs" for media,
 * "answer" for a yes or no, "text" otherwise). 1 found, 0 not, -1 error. */
int case_get(db *d, const char *tracking_no, case_info *out, err *e);
/* case_get, the case's row locked until the caller's transaction ends. */
int case_get_locked(db *d, const char *tracking_no, case_info *out, err *e);
/* Locks case_id's row for the transaction: answers to one case (the citizen's and its
 * followers') then queue behind each other, so the last sees every earlier one. */
int case_lock(db *d, const char *case_id, err *e);
int case_get_by_message(db *d, const char *wamid, case_info *out, err *e);
int case_get_waiting(db *d, const char *phone, const char *like, case_info *out, err *e);

/* Who phone is at the desk: a nodal officer or the collector (supervisor), an officer of some
 * department (officer), an officer of dept (of_dept); whether target is an active department
 * (target_active); and the district's date today and days_ahead days on (YYYY-MM-DD, for an
 * interim reply's promise). dept and target may be NULL. */
typedef struct case_staff {
    int supervisor, officer, of_dept, target_active;
    char today[11], latest[11];
} case_staff;
int case_staff_of(db *d, const char *phone, const char *dept, const char *target, int days_ahead,
                  case_staff *out, err *e);

/* Who hears about cases, one phone a row in column 0, each once, in order: CASE_OFFICERS the
 * officers of dept; the others the district's (dept ignored). NULL + e on error. */
typedef enum case_role {
    CASE_OFFICERS,
    CASE_NODAL,
    CASE_COLLECTOR,
    CASE_SUPERVISORS, /* nodal officers and collector */
    CASE_DIGEST,
} case_role;
PGresult *case_recipients(db *d, case_role role, const char *dept, err *e);

/* Every change of a case is an event with its actor: text NULL or "" for none, detail a JSON
 * object or NULL; the time is the transaction's clock (a scheduler pass's, else now). The new
 * event's id into id_out when given. */
int case_add_event(db *d, const char *case_id, const char *kind, const char *actor,
                   const char *text, const char *detail, char id_out[24], err *e);
/* A file of the citizen's, kept with the case (event_id may be NULL). */
int case_attach(db *d, const char *case_id, const char *event_id, const char *media_id,
                const char *media_type, const char *mime, const char *caption, const char *filename,
                err *e);
/* The case's files: media_id, media_type, caption a row, in the order received. */
PGresult *case_attachments(db *d, const char *case_id, err *e);

/* An officer acts: open or reopened → in_progress; documents asked for by officer; resolved
 * (the satisfaction question waits); moved to dept (1, or 0 when dept is not an active one). */
int case_mark_in_progress(db *d, const char *case_id, err *e);
int case_request_docs(db *d, const char *case_id, const char *officer, err *e);
int case_resolve(db *d, const char *case_id, err *e);
int case_transfer(db *d, const char *case_id, const char *dept, err *e);
/* The nodal officers approved closing it as not actionable: closed, nothing waits. */
int case_close_rejected(db *d, const char *case_id, err *e);
/* Duplicate complaints (issue 19): the case's public subject (the line a candidate shows other
 * citizens); closed as merged into the case into_id (from any status but closed). */
int case_set_subject(db *d, const char *case_id, const char *subject, err *e);
int case_close_merged(db *d, const char *case_id, const char *into_id, err *e);
/* The documents came: the request ends; returns who gets them (column 0) — the officer who
 * asked while they may still act on the case, else the department's officers now. */
PGresult *case_docs_answered(db *d, const char *case_id, err *e);

/* The citizen answers the satisfaction question: yes is kept (case_citizen_satisfied) and the
 * case closes once its followers said yes too (case_close_satisfied: 1 closed, 0 not yet), or
 * the reason is asked (no); then the case reopens with its SLA clock restarted (a second reopen
 * at escalation level 1 at least) — on the citizen's reason, or on a follower's (by_follower:
 * followers.c took it). 1 done, 0 when the case no longer waits for that answer (closed or
 * reopened meanwhile), -1 error. case_reopen's 1 is the new reopen count (>= 1). */
int case_citizen_satisfied(db *d, const char *case_id, err *e);
int case_close_satisfied(db *d, const char *case_id, err *e);
int case_ask_reason(db *d, const char *case_id, err *e);
int case_reopen(db *d, const char *case_id, int by_follower, err *e);

/* An officer's open cases, oldest first (all departments' when all): tracking number, status,
 * hours open, the description's start. */
PGresult *case_open_of_officer(db *d, const char *phone, int all, err *e);
/* phone's other cases (not except), filed or followed, newest first, at most 9: tracking
 * number, department name in lang, status, followed ('t'/'f'). */
PGresult *case_recent_of(db *d, const char *phone, const char *lang, const char *except, err *e);
/* `sampark case show`: the case with its files and events as JSON (malloc'd), NULL + e when
 * unknown. Any spelling of the tracking number. */
char *case_json(db *d, const char *tracking_no, err *e);

/* ---- the scheduler's and the server's side ------------------------------------------------- */

/* The scheduler's questions of the cases, each at the pass's clock now_ms (milliseconds) and
 * one that changes the cases it returns, so a row is this pass's to announce. arg is the duty's
 * second parameter where it has one. Columns a row: */
typedef enum case_duty {
    /* SLA reminders at 80% of the time: id, tracking number, department, due (local text). */
    CASE_REMIND,
    /* arg the level (1 nodal, 2 collector): id, tracking number, department, reopen count, the
     * description's start, hours open, SLA clock start (epoch s), department's Hindi name,
     * followers (CASE_CROWD of them climb a rung earlier). */
    CASE_ESCALATE,
    /* arg the auto-close hours: satisfaction questions a day old (id, tracking number, citizen,
     * language, asked at epoch s, the citizen said yes); those unanswered past arg hours, closed
     * (id, tracking number, citizen, language, the citizen said yes). */
    CASE_SAT_REMIND,
    CASE_AUTO_CLOSE,
    /* "Not satisfied" with no reason for a day: tracking number, id, asked at (epoch s). */
    CASE_REASONS_DUE,
    /* Requests for documents unanswered for seven days lapse: id, tracking number, the officer
     * who asked, when (epoch s), department, whether that officer may still act ('t'/'f'). */
    CASE_DOCS_LAPSE,
    /* arg the retention days: closed cases anonymised; their former citizens' phones. */
    CASE_ANONYMISE,
    /* Digest, arg the period's start (timestamptz): per active department received, resolved,
     * closed, reopened, overdue; the overdue and reopened cases (kind, tracking number,
     * department, days, hours, reopen count, followers); closed-by-citizen and not-satisfied
     * counts. */
    CASE_DIGEST_COUNTS,
    CASE_DIGEST_LISTS,
    CASE_DIGEST_ANSWERS,
} case_duty;
PGresult *case_pass(db *d, case_duty duty, const char *now_ms, const char *arg, err *e);
/* The directory's check before it retires departments: every active department not in codes
 * (a text[] literal) that still has cases not closed — code, how many — by code. */
PGresult *case_open_outside(db *d, const char *codes, err *e);
/* Cases by status: status, count a row. */
PGresult *case_count_by_status(db *d, err *e);
/* The media cache's sweep (media_cache.h): of the n hashes (hex SHA-256 of a media id), those
 * that no attachment's media id hashes to get unknown[i] = 1, the others 0. One statement. */
int case_media_unknown(db *d, const char *const *hashes, size_t n, unsigned char *unknown, err *e);

#endif
