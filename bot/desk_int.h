/* desk_int.h — what the desk's files (desk_*.c) share and nobody else uses: the way out for
 * their messages (the outbox and the sink, keys derived from the inbound message), the case's
 * events, the officers' notification of a case, and the helpdesk's relay. Not an API: callers
 * outside the desk include desk.h. */
#ifndef SAMPARK_DESK_INT_H
#define SAMPARK_DESK_INT_H

#include <stddef.h>

#include "cases.h"
#include "desk.h"

/* The next idempotency key of this inbound message's replies. */
void desk_key(desk_out *o, char *key, size_t n);
/* Text to to, kept with case_id (may be NULL) for purpose; about: the other phone of a helpdesk
 * exchange (NULL otherwise). */
int desk_say_about(desk_out *o, const char *to, const char *text, const char *case_id,
                   const char *purpose, const char *about, err *e);
int desk_say(desk_out *o, const char *to, const char *text, const char *case_id,
             const char *purpose, err *e);
/* A built message (buttons, a list) to to. */
int desk_send(desk_out *o, const char *to, const engine_out *q, const char *purpose,
              const char *case_id, err *e);
/* A one-line update to the case's citizen: message id (its placeholder {tracking_no}) in lang. */
int desk_tell(desk_out *o, const case_info *c, msg_id id, const char *lang, err *e);
/* The same to phone to (the case's citizen or one of its followers). */
int desk_tell_to(desk_out *o, const case_info *c, const char *to, msg_id id, const char *lang,
                 err *e);
/* How an update about a case reads for a reader in lang: its words into out (n bytes). */
typedef void (*desk_words)(const desk_out *o, const void *ud, const char *lang, char *out,
                           size_t n);
/* The one way a case's update reaches everyone it concerns (SPEC section 12): its citizen and
 * each follower, each in their own language (case_followers.language), each under a key of its
 * own; not skip (NULL: nobody skipped), who was told otherwise. */
int desk_tell_case(desk_out *o, const case_info *c, desk_words w, const void *ud, const char *skip,
                   err *e);
/* A one-line update (message id, its placeholder {tracking_no}) to everyone of case c but skip. */
int desk_tell_all(desk_out *o, const case_info *c, msg_id id, const char *skip, err *e);
/* An event of case c by actor (text, detail may be NULL). */
int desk_event(desk_out *o, const case_info *c, const char *kind, const char *actor,
               const char *text, const char *detail, err *e);
/* A message's text cut to leave room for the headline and footer around it (WhatsApp allows
 * 4,096 letters, up to 16 KiB; a forward keeps the first 3,000 bytes, at a whole letter). */
const char *desk_forwarded(const char *text, char *buf, size_t n);

/* Text to every phone of role (case_recipients): how many, -1 on error. */
int desk_say_role(desk_out *o, case_role role, const char *dept, const char *text,
                  const char *case_id, const char *purpose, const char *about, err *e);
/* Text to every officer of dept; with supervisors, to the nodal officers (and the collector
 * with collector) too, as an escalation. */
int desk_notify_dept(desk_out *o, const char *dept, const char *text, const char *case_id,
                     const char *purpose, int supervisors, int collector, err *e);
/* The officers' view of case c under headline (a message), with the commands to answer it. */
void desk_case_summary(const desk_out *o, const case_info *c, msg_id headline, char *out, size_t n);
/* The case's village or ward on a line of its own (case_place), or "" when it has none. */
const char *desk_place(const desk_out *o, const case_info *c, char *out, size_t n);

/* The helpdesk (desk_helpdesk.c). The phone on the other side of the helpdesk message wamid
 * (of purpose, sent to who — the one swiping it), into peer: 1 found, 0 not a helpdesk
 * message, -1 error. */
int desk_helpdesk_peer(desk_out *o, const char *wamid, const char *who, const char *purpose,
                       char *peer, size_t n, err *e);
/* An officer's message that belongs to the helpdesk — take, end, case, a swipe-reply on a
 * conversation's message, a pick from the list of their conversations — handled (*handled 1),
 * else *handled 0. */
int desk_helpdesk_officer(desk_out *o, const wa_message *m, int *handled, err *e);
/* An officer's message that is no command: to their one live conversation, or held with the
 * list of them when there are several (*handled 1); *handled 0 when they own none. */
int desk_helpdesk_plain(desk_out *o, const wa_message *m, int *handled, err *e);
/* A tap on a conversation's rating (hd_rate:<id>:yes|no): kept, the citizen thanked. 1 taken, 0
 * not such a tap, -1 error. */
int desk_helpdesk_rated(desk_out *o, const wa_message *m, err *e);

#endif
