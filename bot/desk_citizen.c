/* desk_citizen.c — the citizen's side of a case (see desk.h, desk_citizen): a chain of small
 * handlers, in order, each taking the message or passing it on — a swipe-reply to the helpdesk,
 * the reason for a "not satisfied", the answer to the satisfaction question, documents an
 * officer asked for, a tracking number. What none takes goes to the flow engine. Also the
 * reopening of a case, which the scheduler uses too. Messages are in the citizen's language. */
#include "desk_int.h"

#include <stdio.h>
#include <string.h>

#include "followers.h"
#include "officer.h"
#include "outbox.h"
#include "text.h"
#include "words.h"

/* A citizen's message as the chain sees it. */
struct msg {
    const wa_message *m;
    const char *lang;     /* the session's language */
    int in_confirm;       /* the flow waits for a typed answer: typed text is the flow's */
    int case_waiting;     /* one of the citizen's cases waits for an answer */
    char norm[256];       /* typed text, normalised; "" for anything else */
    const char *reply_id; /* a tapped button's or row's id; "" for anything else */
    int found;            /* c is the case the message answers */
    int follower;         /* the sender follows c (its question and reason are theirs) */
    char follower_lang[4];
    const char *say;      /* the language to answer in: the case's (or the follower's), else
                             the session's */
    case_info c;
};

/* What a handler did: passed the message on, took it, ended the chain leaving the message to
 * the flow engine (the case changed meanwhile, or it is nothing of the desk's), or took it and
 * wants the menu shown after its answer; -1 error. */
enum { PASS, TAKEN, TO_FLOW, TO_MENU };

/* A handler's answer sent: the message is taken (or the error). */
static int taken(int sent)
{
    return sent < 0 ? -1 : TAKEN;
}

static int flow_word(const struct msg *x)
{
    return *x->norm && words_in(x->norm, words_flow);
}

/* Who said "not satisfied": the case's citizen or a follower (phone), writing in lang. */
struct asker {
    const char *phone, *lang;
};

/* "Not satisfied", with the asker's reason (or none, when it never came): the case reopens for
 * everyone, its SLA clock restarts, the department's officers are told why, a second reopen
 * goes to the nodal officer too; the asker is thanked, the citizen and the other followers told
 * it is reopened, and every follower's answer forgotten (the next resolve asks again). Returns 1
 * when reopened, 0 when the case no longer waits for a reason (closed or reopened meanwhile),
 * -1 on error. */
static int reopen(desk_out *o, const case_info *c, const char *actor, const char *reason,
                  int explained, const struct asker *who, err *e)
{
    char reply[4200], cut[3000], times[16];
    int count = case_reopen(o->pg, c->id, strcmp(who->phone, c->citizen) != 0, e);
    if (count <= 0)
        return count;
    if (followers_reset(o->pg, c->id, e) < 0)
        return -1;
    if (desk_event(o, c, "reopened", actor, reason, NULL, e) < 0)
        return -1;
    snprintf(times, sizeof times, "%d", count);
    catalogue_put(reply, sizeof reply, o->cat, MSG_OFFICER_REOPENED, OFFICER_LANG, "tracking_no",
                  c->tracking_no, "times", times, "reason", desk_forwarded(reason, cut, sizeof cut),
                  NULL);
    if (desk_notify_dept(o, c->department, reply, c->id, "officer_reopened", count >= 2, 0, e) < 0)
        return -1;
    if (count >= 2 &&
        desk_event(o, c, "escalated", "system", "reopened twice: nodal officer notified",
                   "{\"level\": 1, \"reason\": \"reopened\"}", e) < 0)
        return -1;
    if (desk_tell_to(o, c, who->phone,
                     explained ? MSG_CITIZEN_REOPENED : MSG_CITIZEN_REOPENED_UNEXPLAINED, who->lang,
                     e) < 0 ||
        desk_tell_all(o, c, MSG_CASE_REOPENED_OTHERS, who->phone, e) < 0)
        return -1;
    return 1;
}

/* The live helpdesk's leftovers (its open conversation took the citizen's messages before the
 * chain): a tap on a conversation's rating, and a swipe-reply on the officer's message of a
 * conversation that has ended — a polite note, then the menu. */
static int helpdesk_after(desk_out *o, struct msg *x, err *e)
{
    const wa_message *m = x->m;
    char staff[32], text[1024];
    int got = desk_helpdesk_rated(o, m, e);
    if (got)
        return got < 0 ? -1 : TAKEN;
    if (!m->context_id || !*m->context_id || (m->kind == WA_MSG_TEXT && x->in_confirm))
        return PASS; /* typed text the flow asked for is the flow's, whatever it swipes */
    got = desk_helpdesk_peer(o, m->context_id, m->from, "helpdesk_reply", staff, sizeof staff, e);
    if (got <= 0)
        return got < 0 ? -1 : PASS;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_ENDED_NOTE, x->lang, NULL);
    return desk_say(o, m->from, text, NULL, "citizen_update", e) < 0 ? -1 : TO_MENU;
}

/* x->c read, the sender not its citizen: the case is theirs to answer only as a follower, and
 * then its question and reason are their own row's (documents stay with the citizen). 1 a
 * follower, 0 not, -1 error. */
static int as_follower(desk_out *o, struct msg *x, err *e)
{
    follower_state f;
    int got = followers_get(o->pg, x->c.id, x->m->from, &f, e);
    if (got <= 0)
        return got;
    x->follower = 1;
    snprintf(x->follower_lang, sizeof x->follower_lang, "%s", f.lang);
    x->c.asked = f.asked;
    x->c.awaiting_reason = f.awaiting_reason;
    x->c.awaiting_docs = 0;
    return 1;
}

/* The case a follower's typed answer or reason is for (like as for case_get_waiting). */
static int followed_waiting(desk_out *o, struct msg *x, const char *like, err *e)
{
    char t[32];
    int got = followers_waiting(o->pg, x->m->from, like, t, e);
    if (got > 0)
        got = case_get(o->pg, t, &x->c, e);
    return got > 0 ? as_follower(o, x, e) : got;
}

/* Not a handler's choice but the chain's second link: the case the message is about. A tapped
 * satisfaction button names its case; otherwise the citizen's waiting one — media answers a
 * request for documents, a yes or no the question — or else one they follow that waits. */
static int find_case(desk_out *o, struct msg *x, err *e)
{
    const wa_message *m = x->m;
    if (!strncmp(x->reply_id, "sat:", 4)) {
        const char *t = strchr(x->reply_id + 4, ':');
        x->found = t ? case_get(o->pg, t + 1, &x->c, e) : 0;
        if (x->found > 0 && strcmp(x->c.citizen, m->from) != 0)
            x->found = as_follower(o, x, e);
    } else if (x->case_waiting) {
        const char *like =
            m->kind == WA_MSG_TEXT
                ? (*x->norm && (words_in(x->norm, words_yes) || words_in(x->norm, words_no))
                       ? "answer"
                       : "text")
            : m->kind == WA_MSG_AUDIO ? "text"
                                      : "docs";
        x->found = case_get_waiting(o->pg, m->from, like, &x->c, e);
        if (x->found == 0 && strcmp(like, "docs") != 0)
            x->found = followed_waiting(o, x, like, e);
    }
    if (x->found < 0 || (x->found > 0 && case_lock(o->pg, x->c.id, e) < 0))
        return -1;
    x->say = !x->found ? x->lang : x->follower ? x->follower_lang : x->c.lang;
    return PASS;
}

/* The reason for a "not satisfied", typed or said: the case reopens (a follower's too). */
static int reason(desk_out *o, struct msg *x, err *e)
{
    const wa_message *m = x->m;
    const struct asker who = {m->from, x->say};
    int rc;
    if (!x->found || !x->c.awaiting_reason || (m->kind != WA_MSG_TEXT && m->kind != WA_MSG_AUDIO) ||
        x->in_confirm || flow_word(x))
        return PASS;
    if (x->follower && (rc = followers_take_reason(o->pg, x->c.id, m->from, e)) <= 0)
        return rc < 0 ? -1 : TO_FLOW;
    rc = reopen(o, &x->c, m->from, m->kind == WA_MSG_TEXT ? m->text : "(voice note)", 1, &who, e);
    return rc < 0 ? -1 : rc > 0 ? TAKEN : TO_FLOW;
}

/* "Yes": kept (the citizen's on the case, a follower's on their row); the case closes once the
 * citizen and every follower said yes — everyone told — else the answerer is told it waits for
 * the others (or for the scheduler's auto-close). Without followers a yes closes at once. */
static int said_yes(desk_out *o, struct msg *x, err *e)
{
    const char *from = x->m->from;
    int done = x->follower ? followers_answer(o->pg, x->c.id, from, 1, e)
                           : case_citizen_satisfied(o->pg, x->c.id, e);
    if (done <= 0)
        return done < 0 ? -1 : TO_FLOW; /* closed meanwhile (auto-close) */
    if ((done = case_close_satisfied(o->pg, x->c.id, e)) < 0)
        return -1;
    if (!done)
        return desk_event(o, &x->c, "satisfied", from, NULL, NULL, e) < 0
                   ? -1
                   : taken(desk_tell_to(o, &x->c, from, MSG_SATISFACTION_RECORDED, x->say, e));
    if (desk_event(o, &x->c, "closed", from,
                   x->c.followers ? "citizen and followers satisfied" : "citizen satisfied", NULL,
                   e) < 0 ||
        desk_tell_to(o, &x->c, from, MSG_CITIZEN_CLOSED, x->say, e) < 0)
        return -1;
    return taken(desk_tell_all(o, &x->c, MSG_CITIZEN_CLOSED, from, e));
}

/* "No": the reason is asked of whoever said it (the citizen's on the case, a follower's on their
 * row); the case reopens when it comes, or after a day without it. */
static int said_no(desk_out *o, struct msg *x, err *e)
{
    const char *from = x->m->from;
    int done = x->follower ? followers_answer(o->pg, x->c.id, from, 0, e)
                           : case_ask_reason(o->pg, x->c.id, e);
    if (done <= 0)
        return done < 0 ? -1 : TO_FLOW; /* closed meanwhile */
    if (desk_event(o, &x->c, "not_satisfied", from, NULL, NULL, e) < 0)
        return -1;
    return taken(desk_tell_to(o, &x->c, from, MSG_CITIZEN_ASK_REASON, x->say, e));
}

/* The answer to "are you satisfied?" (the citizen's or a follower's own). A tapped answer
 * always counts; a typed one only when the flow is not asking its own question. */
static int satisfaction(desk_out *o, struct msg *x, err *e)
{
    int typed = !*x->reply_id && !x->in_confirm && *x->norm;
    if (!x->found || !x->c.asked || strcmp(x->c.status, "resolved") != 0)
        return PASS;
    if (!strncmp(x->reply_id, "sat:yes:", 8) || (typed && words_in(x->norm, words_yes)))
        return said_yes(o, x, e);
    if (!strncmp(x->reply_id, "sat:no:", 7) || (typed && words_in(x->norm, words_no)))
        return said_no(o, x, e);
    return PASS;
}

/* What the citizen sent for a request for documents, to one officer: their text, or the file. */
static int forward_docs(desk_out *o, const case_info *c, const char *to, const wa_message *m,
                        err *e)
{
    char reply[5120], key[320];
    catalogue_put(reply, sizeof reply, o->cat,
                  m->kind == WA_MSG_TEXT ? MSG_OFFICER_DOCS_TEXT : MSG_OFFICER_DOCS_FILE,
                  OFFICER_LANG, "tracking_no", c->tracking_no, "text", m->text, NULL);
    if (desk_say(o, to, reply, c->id, "officer_docs", e) < 0)
        return -1;
    desk_key(o, key, sizeof key);
    if (m->kind == WA_MSG_TEXT || o->no_outbox)
        return 0;
    return outbox_media(o->pg, key, to, wa_in_kind_name(m->kind), m->media_id, c->tracking_no,
                        "officer_docs", c->id, e);
}

/* What the officer asked for: attached to the case and forwarded to that officer. */
static int documents(desk_out *o, struct msg *x, err *e)
{
    const wa_message *m = x->m;
    PGresult *r;
    int rc = 0;
    if (!x->found || !x->c.awaiting_docs || x->in_confirm || flow_word(x) ||
        !(m->kind == WA_MSG_IMAGE || m->kind == WA_MSG_DOCUMENT || m->kind == WA_MSG_AUDIO ||
          m->kind == WA_MSG_VIDEO || m->kind == WA_MSG_TEXT))
        return PASS;
    if (!(r = case_docs_answered(o->pg, x->c.id, e)))
        return -1;
    if ((m->kind != WA_MSG_TEXT &&
         case_attach(o->pg, x->c.id, NULL, m->media_id, wa_in_kind_name(m->kind), m->mime_type,
                     m->caption, m->filename, e) < 0) ||
        desk_event(o, &x->c, "docs_received", m->from,
                   m->kind == WA_MSG_TEXT ? m->text : m->caption, NULL, e) < 0)
        rc = -1;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        rc = forward_docs(o, &x->c, PQgetvalue(r, i, 0), m, e);
    PQclear(r);
    if (rc < 0)
        return -1;
    return taken(desk_tell(o, &x->c, MSG_CITIZEN_DOCS_RECEIVED, x->say, e));
}

/* A tracking number sent (or a case tapped in the list) at any time: the status of that case,
 * if it is theirs or one they follow — a merged one names the case it went into. */
static int tracking_number(desk_out *o, struct msg *x, err *e)
{
    const wa_message *m = x->m;
    char t[32], reply[5120];
    case_info ci;
    int got, en;
    if (!((m->kind == WA_MSG_TEXT && !x->in_confirm) || !strncmp(x->reply_id, "t:", 2)))
        return PASS;
    if (!officer_find_tracking(*x->reply_id ? x->reply_id + 2 : m->text, t, NULL, NULL))
        return PASS;
    en = x->say && !strcmp(x->say, "en");
    if ((got = case_lookup(o->pg, m->from, t, en ? "en" : "hi", &ci, e)) < 0)
        return -1;
    if (got && ci.merged_into[0])
        catalogue_put(reply, sizeof reply, o->cat, MSG_CASE_MERGED, x->say, "tracking_no",
                      ci.tracking_no, "into", ci.merged_into, NULL);
    else if (got)
        catalogue_put(reply, sizeof reply, o->cat, MSG_CASE_STATUS, x->say, "tracking_no",
                      ci.tracking_no, "status", ci.status, "department", ci.department_name,
                      "last_action", ci.last_action, "last_action_at", ci.last_action_at, "due",
                      ci.due, NULL);
    else
        catalogue_put(reply, sizeof reply, o->cat, MSG_CASE_NOT_FOUND, x->say, "tracking_no", t,
                      NULL);
    return taken(desk_say(o, m->from, reply, NULL, "conversation", e));
}

typedef int (*citizen_handler)(desk_out *o, struct msg *x, err *e);

/* In this order: a later handler must not take what an earlier one answers. */
static const citizen_handler chain[] = {helpdesk_after, find_case, reason,
                                        satisfaction,   documents, tracking_number};

int desk_citizen(desk_out *o, const wa_message *m, const char *lang, int in_confirm,
                 int case_waiting, int *handled, err *e)
{
    static struct msg zero;
    struct msg x = zero;
    *handled = 0;
    if (wa_in_kind_is_silent(m->kind))
        return 0;
    x.m = m;
    x.lang = lang;
    x.in_confirm = in_confirm;
    x.case_waiting = case_waiting;
    x.reply_id =
        (m->kind == WA_MSG_BUTTON_REPLY || m->kind == WA_MSG_LIST_REPLY) ? m->reply_id : "";
    if (m->kind == WA_MSG_TEXT)
        text_normalize(m->text, x.norm, sizeof x.norm);
    for (size_t i = 0; i < sizeof chain / sizeof chain[0]; i++) {
        int rc = chain[i](o, &x, e);
        if (rc < 0)
            return -1;
        if (rc != PASS) {
            *handled = rc == TAKEN ? DESK_TAKEN : rc == TO_MENU ? DESK_TAKEN_MENU : 0;
            return 0;
        }
    }
    return 0;
}

int desk_recent_cases(desk_out *o, const char *phone, const char *lang, const char *shown, err *e)
{
    int en = lang && !strcmp(lang, "en");
    PGresult *r = case_recent_of(o->pg, phone, en ? "en" : "hi", shown, e);
    engine_out list;
    char body[3200], followed[100];
    if (!r)
        return -1;
    catalogue_put(followed, sizeof followed, o->cat, MSG_RECENT_FOLLOWED, lang, NULL);
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    memset(&list, 0, sizeof list);
    list.kind = ENGINE_SEND;
    list.type = ENGINE_LIST;
    catalogue_put(body, sizeof body, o->cat, MSG_RECENT_CASES, lang, NULL);
    list.text = body;
    catalogue_put(list.button, sizeof list.button, o->cat, MSG_RECENT_CASES_BUTTON, lang, NULL);
    for (int i = 0; i < PQntuples(r) && list.nopts < 9; i++) {
        engine_option *op = &list.opts[list.nopts++];
        snprintf(op->id, sizeof op->id, "t:%s", PQgetvalue(r, i, 0));
        db_copy(op->title, sizeof op->title, r, i, 0);
        snprintf(op->desc, sizeof op->desc, "%s — %s%s%s", PQgetvalue(r, i, 1),
                 PQgetvalue(r, i, 2), PQgetvalue(r, i, 3)[0] == 't' ? " · " : "",
                 PQgetvalue(r, i, 3)[0] == 't' ? followed : "");
        text_cut(op->desc, 72);
    }
    PQclear(r);
    return desk_send(o, phone, &list, "conversation", NULL, e);
}

int desk_reopen_unexplained(desk_out *o, const char *tracking_no, const char *follower, err *e)
{
    case_info c;
    follower_state f;
    struct asker who;
    char none[400];
    int found = case_get(o->pg, tracking_no, &c, e);
    if (found > 0 && follower)
        found = followers_get(o->pg, c.id, follower, &f, e);
    if (found > 0 && follower)
        found = followers_take_reason(o->pg, c.id, follower, e);
    if (found <= 0)
        return found;
    who.phone = follower ? follower : c.citizen;
    who.lang = follower ? f.lang : c.lang;
    return reopen(o, &c, "scheduler",
                  catalogue_put(none, sizeof none, o->cat, MSG_NO_REASON_GIVEN, OFFICER_LANG, NULL),
                  0, &who, e);
}
