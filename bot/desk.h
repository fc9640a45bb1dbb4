/* desk.h — the case desk: what happens around a complaint once it exists. Officers'
 * commands (reply, docs, resolve, transfer, cases, show) and swipe-replies; the officers'
 * notification of a new case; the citizen's side of the loop — documents the officer asked
 * for, the satisfaction question (yes closes, no asks the reason and reopens), a tracking
 * number sent at any time — and the same for the case's followers (SPEC section 12: its
 * updates, their own satisfaction question, their tracking number). Runs inside the caller's
 * PostgreSQL transaction; every message goes to the outbox with a key derived from the inbound
 * message, so nothing doubles.
 * The files, by role: desk_officer.c (the command table, officer_commands.def, a pure decision,
 * desk_officer.h, and the act step), desk_citizen.c (a chain of handlers), desk_helpdesk.c,
 * desk_notify.c (the way out and the officers' notification; desk_int.h is what they share).
 * No SQL on the case tables here: cases.c owns it. */
#ifndef SAMPARK_DESK_H
#define SAMPARK_DESK_H

#include "catalogue.h"
#include "chats.h"
#include "db.h"
#include "engine.h"
#include "wa_in.h"

/* Where the desk's messages go: the outbox (unless no_outbox, for sampark chat) and the
 * optional sink that shows them. */
typedef void (*desk_sink)(void *ud, const char *to, const engine_out *o);
typedef struct desk_out {
    db *pg;
    const char *key; /* the inbound message id: idempotency keys derive from it */
    int seq;
    int no_outbox;
    desk_sink sink;
    void *ud;
    const catalogue *cat; /* the words of every message (messages.json beside the flows) */
    int lock_case;        /* the case's row locked while the facts are read (the portal's) */
} desk_out;

/* An officer's (or nodal officer's, collector's) message. */
int desk_officer(desk_out *o, const wa_message *m, err *e);

/* A citizen's message that belongs to a case rather than to the menu flow: a document the
 * officer asked for, the answer to the satisfaction question, the reason for a "no", a
 * tracking number. *handled = 1 when consumed (the flow engine must not see it).
 * in_confirm: the flow is waiting for a typed answer (a yes/no or an input), so typed text
 * belongs to the flow; taps and media still reach the case. case_waiting: one of the
 * citizen's cases waits for an answer (when 0, no case is looked up unless the message names one).
 * *handled: DESK_TAKEN, or DESK_TAKEN_MENU when the menu is to follow the desk's answer.
 */
enum { DESK_TAKEN = 1, DESK_TAKEN_MENU = 2 };
int desk_citizen(desk_out *o, const wa_message *m, const char *lang, int in_confirm,
                 int case_waiting, int *handled, err *e);

/* After a case is created (c: what case_create filled, in this transaction): notify every
 * officer of its department (text, then the citizen's attachments forwarded by media id, looked
 * for unless c->attached is 0); urgent cases also go to the nodal officers and the collector at
 * once. */
int desk_case_created(desk_out *o, const case_info *c, err *e);

/* After a status lookup without a number: the citizen's other recent complaints as a list to
 * tap (each row shows that case's status when tapped). Nothing when there is only one. */
int desk_recent_cases(desk_out *o, const char *phone, const char *lang, const char *shown, err *e);

/* The scheduler's side of the loop: a citizen (follower NULL) or a follower who answered "not
 * satisfied" and gave no reason within a day — the case reopens as with a reason (officers told,
 * a second reopen escalates, the citizen and every follower told). 1 reopened, 0 nothing to do,
 * -1 error. o->key names the pass. */
int desk_reopen_unexplained(desk_out *o, const char *tracking_no, const char *follower, err *e);

/* phone joined case tracking_no instead of filing the same complaint (SPEC section 12,
 * desk_follow.c): its officers hear one line (people: how many report it now), and the case's
 * trail keeps what the joining citizen wrote. */
int desk_case_joined(desk_out *o, const char *tracking_no, const char *phone, int people,
                     const char *description, err *e);

/* The live helpdesk (SPEC section 11, desk_helpdesk.c). A citizen's question, as the flow kept
 * it: the department ("" general), the words (the flow's words for a file when it is one), the
 * file (media_id NULL when none), the message it came in. */
typedef struct desk_question {
    const char *dept, *text, *wamid;
    const char *media_type, *media_id, *mime_type, *filename;
} desk_question;

/* Opens the citizen's conversation: to the officers on duty now, or kept for the desk's next
 * opening. note (n bytes) gets the citizen's line for the flow's {helpdesk_note}. 1 opened, 0
 * nobody to reach (no roster and no nodal officer), -1 error. */
int desk_helpdesk_ask(desk_out *o, const char *citizen, const char *lang, const desk_question *q,
                      char *note, size_t n, err *e);

/* A citizen's message while their conversation is open: relayed to the officer (or to every
 * officer it went to, or kept while the desk is closed) and recorded; "menu" ends it (the
 * officer told, the citizen asked to rate it) and sets *to_menu. 1 taken, 0 no conversation is
 * open (the message is the flow's), -1 error. */
int desk_helpdesk_citizen(desk_out *o, const wa_message *m, int *to_menu, err *e);

/* The scheduler's pass over one conversation chats_due found for kind k at at_ms: the opening
 * of its slot, the fallback phones, the end after silence, the end of a question nobody took.
 * 1 done, 0 nothing to do (it moved on meanwhile), -1 error. o->key names the pass. */
int desk_helpdesk_due(desk_out *o, chats_due_kind k, const char *id, int64_t at_ms, err *e);

#endif
