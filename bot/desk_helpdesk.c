/* desk_helpdesk.c — "talk to the helpdesk" (see desk.h, desk_helpdesk): a citizen and the
 * district's nodal officers, by swipe-reply on each other's messages. Which message belongs to
 * which exchange is the outbox's record (migration 0015); nothing else is stored. */
#include "desk_int.h"

#include <stdio.h>
#include <string.h>

/* The other party of a helpdesk exchange (migration 0015): the message swiped was of $2. The
 * helpdesk is the nodal officers' (desk_helpdesk): one who is no longer a nodal officer or the
 * collector — removed, or now a department's officer — comes back as '' and the citizen's words
 * go to the nodal officers of today instead. */
static const db_stmt st_helpdesk_peer = {
    "desk_helpdesk_peer",
    "SELECT CASE WHEN $3 <> 'helpdesk_reply' OR"
    " EXISTS (SELECT 1 FROM districts t WHERE about_phone = ANY(t.nodal_phones || "
    "t.collector_phones))"
    " THEN about_phone ELSE '' END FROM outbound_messages"
    " WHERE wamid = $1 AND recipient = $2 AND purpose = $3 AND about_phone IS NOT NULL",
    3};

int desk_helpdesk_peer(desk_out *o, const char *wamid, const char *who, const char *purpose,
                       char *peer, size_t n, err *e)
{
    PGresult *r;
    int found;
    if (!*wamid)
        return 0;
    if (!(r = db_query(o->pg, &st_helpdesk_peer, (const char *[]){wamid, who, purpose}, e)))
        return -1;
    if ((found = PQntuples(r) > 0))
        db_copy(peer, n, r, 0, 0);
    PQclear(r);
    return found;
}

/* The headline and the citizen's words, as a helpdesk officer gets them. */
static const char *staff_text(const desk_out *o, const char *citizen, msg_id headline,
                              const char *text, char *body, size_t n)
{
    char cut[3000], head[400];
    catalogue_put(head, sizeof head, o->cat, headline, OFFICER_LANG, NULL);
    return catalogue_put(body, n, o->cat, MSG_HELPDESK_STAFF, OFFICER_LANG, "citizen", citizen,
                         "headline", head, "text", desk_forwarded(text, cut, sizeof cut), NULL);
}

int desk_helpdesk_to_staff(desk_out *o, const char *staff, const char *citizen, msg_id headline,
                           const char *text, err *e)
{
    char body[4600];
    return desk_say_about(o, staff, staff_text(o, citizen, headline, text, body, sizeof body), NULL,
                          "officer_helpdesk", citizen, e);
}

int desk_helpdesk_to_nodal(desk_out *o, const char *citizen, msg_id headline, const char *text,
                           err *e)
{
    char body[4600];
    return desk_say_role(o, CASE_NODAL, NULL,
                         staff_text(o, citizen, headline, text, body, sizeof body), NULL,
                         "officer_helpdesk", citizen, e);
}

int desk_helpdesk(desk_out *o, const char *citizen, const char *question, err *e)
{
    char text[4200], none[200];
    int n;
    if (!question || !*question)
        question =
            catalogue_put(none, sizeof none, o->cat, MSG_HELPDESK_NO_QUESTION, OFFICER_LANG, NULL);
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_QUESTION, OFFICER_LANG, "question",
                  question, NULL);
    if ((n = desk_helpdesk_to_nodal(o, citizen, MSG_HELPDESK_WANTS_TO_TALK, text, e)) < 0)
        return -1;
    return n > 0;
}

/* A nodal officer's swipe-reply on a helpdesk message: to the citizen, who can swipe back. */
int desk_helpdesk_answer(desk_out *o, const char *staff, const char *citizen, const char *text,
                         err *e)
{
    char body[4600], cut[3000];
    /* The citizen's language is not known here: the Hindi text says it in both. */
    catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_ANSWER, "hi", "text",
                  desk_forwarded(text, cut, sizeof cut), NULL);
    if (desk_say_about(o, citizen, body, NULL, "helpdesk_reply", staff, e) < 0)
        return -1;
    catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_SENT, OFFICER_LANG, "citizen", citizen,
                  NULL);
    return desk_say(o, staff, body, NULL, "officer_reply", e);
}
