/* desk_notify.c — the desk's way out (see desk_int.h): every message of the desk goes through
 * desk_say or desk_send, to the outbox (unless no_outbox) with a key derived from the inbound
 * message, and to the sink that shows it; and the officers' notification of a new case. Writes
 * no SQL of its own (cases.c). The words are the message catalogue's (messages.json): to officers
 * in Hindi (OFFICER_LANG) with the commands spelt out, to a citizen in their language. */
#include "desk_int.h"

#include <stdio.h>
#include <string.h>

#include "followers.h"
#include "outbox.h"
#include "text.h"

/* ---- sending ------------------------------------------------------------------------------ */

void desk_key(desk_out *o, char *key, size_t n)
{
    snprintf(key, n, "%s:desk:%d", o->key, o->seq++);
}

int desk_say_about(desk_out *o, const char *to, const char *text, const char *case_id,
                   const char *purpose, const char *about, err *e)
{
    char key[320];
    engine_out shown;
    desk_key(o, key, sizeof key);
    if (!o->no_outbox && outbox_text_about(o->pg, key, to, text, purpose, case_id, about, e) < 0)
        return -1;
    if (o->sink) {
        memset(&shown, 0, sizeof shown);
        shown.type = ENGINE_TEXT;
        shown.text = (char *)text;
        o->sink(o->ud, to, &shown);
    }
    return 0;
}

int desk_say(desk_out *o, const char *to, const char *text, const char *case_id,
             const char *purpose, err *e)
{
    return desk_say_about(o, to, text, case_id, purpose, NULL, e);
}

int desk_send(desk_out *o, const char *to, const engine_out *q, const char *purpose,
              const char *case_id, err *e)
{
    char key[320];
    desk_key(o, key, sizeof key);
    if (!o->no_outbox && outbox_engine(o->pg, key, to, q, purpose, case_id, e) < 0)
        return -1;
    if (o->sink)
        o->sink(o->ud, to, q);
    return 0;
}

int desk_tell_to(desk_out *o, const case_info *c, const char *to, msg_id id, const char *lang,
                 err *e)
{
    char text[4096];
    catalogue_put(text, sizeof text, o->cat, id, lang, "tracking_no", c->tracking_no, NULL);
    return desk_say(o, to, text, c->id, "citizen_update", e);
}

int desk_tell(desk_out *o, const case_info *c, msg_id id, const char *lang, err *e)
{
    return desk_tell_to(o, c, c->citizen, id, lang, e);
}

/* Followers' messages go as the citizen's do: "citizen_update" is also the template the sender
 * falls back on outside their 24-hour window. */
int desk_tell_case(desk_out *o, const case_info *c, desk_words w, const void *ud, const char *skip,
                   err *e)
{
    char text[4600];
    PGresult *f;
    int rc = 0;
    if (c->citizen[0] && (!skip || strcmp(skip, c->citizen) != 0)) {
        w(o, ud, c->lang, text, sizeof text);
        if (desk_say(o, c->citizen, text, c->id, "citizen_update", e) < 0)
            return -1;
    }
    if (!(f = followers_of(o->pg, c->id, e)))
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(f); i++) {
        if (skip && !strcmp(skip, PQgetvalue(f, i, 0)))
            continue;
        w(o, ud, PQgetvalue(f, i, 1), text, sizeof text);
        rc = desk_say(o, PQgetvalue(f, i, 0), text, c->id, "citizen_update", e);
    }
    PQclear(f);
    return rc;
}

struct one_line {
    const case_info *c;
    msg_id id;
};

static void one_line(const desk_out *o, const void *ud, const char *lang, char *out, size_t n)
{
    const struct one_line *l = ud;
    catalogue_put(out, n, o->cat, l->id, lang, "tracking_no", l->c->tracking_no, NULL);
}

int desk_tell_all(desk_out *o, const case_info *c, msg_id id, const char *skip, err *e)
{
    const struct one_line l = {c, id};
    return desk_tell_case(o, c, one_line, &l, skip, e);
}

const char *desk_forwarded(const char *text, char *buf, size_t n)
{
    snprintf(buf, n, "%s", text);
    text_fit(buf);
    return buf;
}

int desk_event(desk_out *o, const case_info *c, const char *kind, const char *actor,
               const char *text, const char *detail, err *e)
{
    return case_add_event(o->pg, c->id, kind, actor, text, detail, NULL, e);
}

/* text to each phone of to (case_recipients' rows): how many, -1 + e on error. */
static int say_each(desk_out *o, const PGresult *to, const char *text, const char *case_id,
                    const char *purpose, const char *about, err *e)
{
    int n = 0;
    while (n < PQntuples(to) &&
           desk_say_about(o, PQgetvalue(to, n, 0), text, case_id, purpose, about, e) == 0)
        n++;
    return n < PQntuples(to) ? -1 : n;
}

int desk_say_role(desk_out *o, case_role role, const char *dept, const char *text,
                  const char *case_id, const char *purpose, const char *about, err *e)
{
    PGresult *r = case_recipients(o->pg, role, dept, e);
    int n;
    if (!r)
        return -1;
    n = say_each(o, r, text, case_id, purpose, about, e);
    PQclear(r);
    return n;
}

int desk_notify_dept(desk_out *o, const char *dept, const char *text, const char *case_id,
                     const char *purpose, int supervisors, int collector, err *e)
{
    if (desk_say_role(o, CASE_OFFICERS, dept, text, case_id, purpose, NULL, e) < 0)
        return -1;
    if (supervisors && desk_say_role(o, collector ? CASE_SUPERVISORS : CASE_NODAL, NULL, text,
                                     case_id, "escalation", NULL, e) < 0)
        return -1;
    return 0;
}

const char *desk_place(const desk_out *o, const case_info *c, char *out, size_t n)
{
    out[0] = '\0';
    if (c->place[0] && n > 1) {
        out[0] = '\n';
        catalogue_put(out + 1, n - 1, o->cat, MSG_CASE_PLACE, OFFICER_LANG, "place", c->place,
                      NULL);
    }
    return out;
}

void desk_case_summary(const desk_out *o, const case_info *c, msg_id headline, char *out, size_t n)
{
    char head[200], place[600];
    catalogue_put(head, sizeof head, o->cat, headline, OFFICER_LANG, NULL);
    catalogue_put(out, n, o->cat, MSG_OFFICER_CASE_SUMMARY, OFFICER_LANG, "headline", head,
                  "tracking_no", c->tracking_no, "department", c->dept_name_hi, "description",
                  c->description, "place", desk_place(o, c, place, sizeof place), "citizen",
                  c->citizen, NULL);
}

/* Every attachment (rows of case_attachments) of case c, by media id, to each phone of to
 * (rows of case_recipients). */
static int forward_to(desk_out *o, const case_info *c, const PGresult *att, const PGresult *to,
                      err *e)
{
    int rc = 0;
    for (int i = 0; i < PQntuples(att) && rc == 0; i++)
        for (int k = 0; k < PQntuples(to) && rc == 0; k++) {
            char key[320];
            desk_key(o, key, sizeof key);
            rc = outbox_media(o->pg, key, PQgetvalue(to, k, 0), PQgetvalue(att, i, 1),
                              PQgetvalue(att, i, 0), c->tracking_no, "officer_new_case", c->id, e);
        }
    return rc < 0 ? -1 : 0;
}

/* The citizen's attachments, forwarded by media id to those told of the case (to[0] the
 * department's officers; to[1] for an urgent case the nodal officers and the collector, else
 * NULL) — a complaint said in a voice note is nothing without its audio. Not looked for when
 * case_create kept none (issue 22). */
static int forward_attachments(desk_out *o, const case_info *c, PGresult *const to[2], err *e)
{
    PGresult *att;
    int rc;
    if (o->no_outbox || c->attached == 0)
        return 0;
    if (!(att = case_attachments(o->pg, c->id, e)))
        return -1;
    rc = forward_to(o, c, att, to[0], e) < 0 || (to[1] && forward_to(o, c, att, to[1], e) < 0)
             ? -1
             : 0;
    PQclear(att);
    return rc;
}

/* Urgent: the ladder is skipped; the trail says so and the citizen is told who knows. */
static int urgent_told(desk_out *o, const case_info *c, err *e)
{
    char msg[2048];
    if (desk_event(o, c, "escalated", "system",
                   "urgent: nodal officer and collector notified at creation",
                   "{\"level\": 2, \"reason\": \"urgent\"}", e) < 0)
        return -1;
    catalogue_put(msg, sizeof msg, o->cat, MSG_CITIZEN_URGENT, c->lang, "tracking_no",
                  c->tracking_no, NULL);
    return desk_say(o, c->citizen, msg, c->id, "citizen_update", e);
}

/* c is case_create's: the case as filed, read by nobody again (issue 22: the notice re-read it
 * by its tracking number, and its files, in the transaction that had just written them). Who
 * is told is asked once a role: the files go to the same phones as the notice. */
int desk_case_created(desk_out *o, const case_info *c, err *e)
{
    char text[2000];
    PGresult *to[2] = {NULL, NULL};
    int rc = -1;
    desk_case_summary(o, c, c->urgent ? MSG_OFFICER_URGENT_CASE : MSG_OFFICER_NEW_CASE, text,
                      sizeof text);
    if (!(to[0] = case_recipients(o->pg, CASE_OFFICERS, c->department, e)) ||
        say_each(o, to[0], text, c->id, "officer_new_case", NULL, e) < 0)
        goto out;
    if (c->urgent &&
        (!(to[1] = case_recipients(o->pg, CASE_SUPERVISORS, NULL, e)) ||
         say_each(o, to[1], text, c->id, "escalation", NULL, e) < 0 || urgent_told(o, c, e) < 0))
        goto out;
    rc = forward_attachments(o, c, to, e);
out:
    PQclear(to[0]);
    PQclear(to[1]);
    return rc;
}
