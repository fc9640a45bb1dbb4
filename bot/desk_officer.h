/* desk_officer.h — the officers' commands as a table (officer_commands.def) and the pure
 * decision taken on one: the parsed command and the facts about its case and its officer in,
 * the plan — the steps to take, in order — out. No I/O: tests/test_desk.c runs it without
 * PostgreSQL. desk_officer.c gathers the facts, decides, and acts the plan out. */
#ifndef SAMPARK_DESK_OFFICER_H
#define SAMPARK_DESK_OFFICER_H

#include "err.h"
#include "officer.h"

/* What the act step knows before deciding (all 0 when not looked up). */
typedef struct desk_facts {
    int supervisor;    /* a nodal officer or the collector: may act on every case */
    int officer;       /* an officer of some department */
    int found;         /* the case written (or the notification swiped) exists */
    int of_dept;       /* the officer is one of the case's department's */
    int closed;        /* the case is closed */
    int same_dept;     /* transfer: the department named is the case's own */
    int target_active; /* transfer: the department named is an active one */
    int transfers;     /* how often the case has been transferred */
    int reject_pending; /* an officer asked to close it as not actionable; no verdict yet */
    /* interim: the district's today and the latest expected date allowed, YYYY-MM-DD */
    char today[11], latest[11];
    /* merge: the case to merge into exists, is closed, is of the first case's department */
    int into_found, into_closed, into_same_dept;
} desk_facts;

/* An officer may transfer a case this often; past it the nodal officers decide (CM Helpline
 * practice). An interim reply may promise a date at most this many days ahead. */
#define DESK_MAX_TRANSFERS  3
/* A case's public subject: one line, at least this many letters (and at most
 * DIRECTORY_SUBJECT_MAX_CHARS, directory.h). */
#define DESK_SUBJECT_MIN_CHARS 3
#define DESK_INTERIM_MAX_DAYS 90

typedef enum desk_step {
    DESK_SAY_OFFICER,      /* msg to the officer */
    DESK_SAY_CITIZEN,      /* msg to the case's citizen */
    DESK_LIST_CASES,       /* the officer's open cases */
    DESK_SHOW_CASE,        /* the case's details, then its files */
    DESK_MARK_PROGRESS,    /* open or reopened → in_progress */
    DESK_ADD_EVENT,        /* event, with the command's text */
    DESK_REQUEST_DOCS,     /* the case waits for the citizen's documents */
    DESK_RESOLVE,          /* resolved; the satisfaction question waits */
    DESK_ASK_SATISFACTION, /* the question to the citizen, with the officer's note */
    DESK_TRANSFER,         /* the case moves to the department named */
    DESK_NOTIFY_DEPT,      /* the case's (new) department's officers get the case */
    DESK_SAY_NODAL,        /* msg to the nodal officers (a request to decide) */
    DESK_SAY_ASKER,        /* msg to the officer who asked to reject (the verdict) */
    DESK_CLOSE_REJECTED,   /* closed as not actionable */
    DESK_SET_SUBJECT,      /* the case's public subject is the command's text */
    DESK_MERGE,            /* closed into the second case; its citizens follow that one, told */
    DESK_ADD_INTO_EVENT,   /* event on the case merged into */
} desk_step;

typedef enum desk_msg {
    DESK_MSG_NONE,
    DESK_MSG_HELP,           /* the commands */
    DESK_MSG_NOT_UNDERSTOOD, /* the commands, after "not understood" */
    DESK_MSG_NEED_TRACKING,  /* write the tracking number */
    DESK_MSG_NO_CASE,        /* no such case */
    DESK_MSG_NOT_YOURS,      /* another department's case */
    DESK_MSG_CLOSED,         /* the case is closed */
    DESK_MSG_EMPTY_TEXT,     /* the command needs a text */
    DESK_MSG_NEED_DEPT,      /* transfer: to which department? */
    DESK_MSG_UNKNOWN_DEPT,   /* transfer: no such department */
    DESK_MSG_SENT,           /* done: the citizen has it */
    DESK_MSG_RESOLVED,       /* done: resolved, the citizen asked */
    DESK_MSG_TRANSFERRED,    /* done: moved */
    DESK_MSG_CITIZEN_REPLY,  /* to the citizen: the officer's reply */
    DESK_MSG_CITIZEN_DOCS,   /* to the citizen: what the officer needs */
    DESK_MSG_CITIZEN_MOVED,  /* to the citizen: the new department */
    /* the case rules (issue 16) */
    DESK_MSG_BAD_DATE,           /* interim: the date missing, past or too far */
    DESK_MSG_INTERIM_SENT,       /* done: the citizen has the reason and the date */
    DESK_MSG_CITIZEN_INTERIM,    /* to the citizen: the reason and the expected date */
    DESK_MSG_REJECT_ASKED,       /* done: the nodal officers decide */
    DESK_MSG_REJECT_WAITING,     /* a rejection already waits for the nodal officers */
    DESK_MSG_NODAL_REJECT,       /* to the nodal officers: approve or return */
    DESK_MSG_ONLY_NODAL,         /* approve/return: for the nodal officers and the collector */
    DESK_MSG_NOTHING_TO_DECIDE,  /* approve/return: no rejection waits */
    DESK_MSG_REJECTED,           /* done: closed as not actionable */
    DESK_MSG_CITIZEN_REJECTED,   /* to the citizen: closed, and why */
    DESK_MSG_ASKER_REJECTED,     /* to the asking officer: approved */
    DESK_MSG_RETURNED,           /* done: back with the officer */
    DESK_MSG_ASKER_RETURNED,     /* to the asking officer: returned, with the note */
    DESK_MSG_TRANSFER_LIMIT,     /* transfer: past the limit, the nodal officers decide */
    DESK_MSG_NODAL_TRANSFER,     /* to the nodal officers: a transfer past the limit asked */
    /* duplicate complaints (issue 19) */
    DESK_MSG_SUBJECT_BAD,        /* subject: not one line of 3..60 letters */
    DESK_MSG_SUBJECT_SET,        /* done: the subject is set */
    DESK_MSG_NEED_INTO,          /* merge: into which case? */
    DESK_MSG_MERGE_SELF,         /* merge: a case into itself */
    DESK_MSG_NO_INTO,            /* merge: no case by the second number */
    DESK_MSG_MERGE_INTO_CLOSED,  /* merge: the second case is closed */
    DESK_MSG_MERGE_DEPTS,        /* merge: of another department; transfer first */
    DESK_MSG_MERGED,             /* done: merged, its citizens told */
} desk_msg;

typedef struct desk_action {
    desk_step step;
    desk_msg msg;      /* DESK_SAY_* */
    const char *event; /* DESK_ADD_EVENT: its kind */
} desk_action;

#define DESK_PLAN_MAX 8
typedef struct desk_plan {
    desk_action a[DESK_PLAN_MAX];
    int n;
} desk_plan;

/* What a command needs before its handler plans it (officer_commands.def). */
typedef enum desk_needs_case {
    DESK_NO_CASE,   /* none */
    DESK_SEEN_CASE, /* a case the officer may see, even closed */
    DESK_OPEN_CASE, /* a case the officer may act on, not closed */
} desk_needs_case;

typedef void (*desk_planner)(const officer_command *c, const desk_facts *f, desk_plan *p);

typedef struct desk_command {
    officer_cmd cmd;
    const char *name;
    desk_needs_case needs_case;
    int needs_text;
    desk_planner plan;
} desk_command;

/* The table's row for c; NULL for OFFICER_UNKNOWN. */
const desk_command *desk_command_of(officer_cmd c);

/* The decision: the checks every command shares (a case when it needs one, the officer's right
 * to it, a text when it needs one), then the command's handler. Pure. */
void desk_officer_decide(const officer_command *c, const desk_facts *f, desk_plan *out);

/* The portal's case action (SPEC section 10), inside the caller's transaction: cmd (a command
 * of the table with its tracking number, text and department; or with note, an internal note —
 * an event only) by the directory's phone, its events recorded as actor. The citizen gets what
 * the WhatsApp command sends; the officer gets nothing on WhatsApp (the portal answers).
 * *refused: DESK_MSG_NONE when done, else why nothing was done (the caller rolls back).
 * *told: what the plan would have told the officer on WhatsApp (DESK_MSG_TRANSFER_LIMIT: the
 * case did not move, the nodal officers were asked), DESK_MSG_NONE when nothing.
 * 0, or -1 on error. Declared here rather than in desk.h: only the portal calls it. */
struct desk_out;
int desk_officer_web(struct desk_out *o, const char *phone, const char *actor,
                     const officer_command *cmd, int note, desk_msg *refused, desk_msg *told,
                     err *e);

#endif
