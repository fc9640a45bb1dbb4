/* desk_helpdesk.c — the live helpdesk (SPEC section 11; see desk.h): a citizen's conversation
 * with the officer on duty. The question goes where helpdesk_route_at says (helpdesk.c decides);
 * the first officer to answer or `take` it owns it, the others are told; then every message is
 * relayed both ways (media by id) and recorded (chats.c) until the officer's `end`, the
 * citizen's "menu", 30 minutes of silence (the scheduler's pass) or `case <DEPT>`, which files
 * the conversation as a complaint. Officers are written to in Hindi (OFFICER_LANG), the citizen
 * in the language they asked in. */
#include "desk_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "chats.h"
#include "clock.h"
#include "directory.h"
#include "helpdesk.h"
#include "log.h"
#include "outbox.h"
#include "text.h"
#include "words.h"

/* ---- words ------------------------------------------------------------------------------- */

static const char *label(const chat *c, char *buf, size_t n)
{
    snprintf(buf, n, "H%s", c->id);
    return buf;
}

/* A message whose one placeholder is {chat}, to an officer. */
static const char *put_chat(const desk_out *o, msg_id id, const chat *c, char *out, size_t n)
{
    char l[32];
    return catalogue_put(out, n, o->cat, id, OFFICER_LANG, "chat", label(c, l, sizeof l), NULL);
}

/* The department as lang reads it: its name, or "general". */
static const char *dept_label(const desk_out *o, const chat *c, const char *lang, char *out,
                              size_t n)
{
    const char *name = strcmp(lang, "en") == 0 ? c->dept_en : c->dept_hi;
    if (c->department[0])
        snprintf(out, n, "%s", *name ? name : c->department);
    else
        catalogue_put(out, n, o->cat, MSG_HELPDESK_GENERAL, lang, NULL);
    return out;
}

/* The name the directory knows phone by (an officer's name, else the phone). */
static int staff_name(desk_out *o, const char *phone, char *out, size_t n, err *e)
{
    char role[16], deps[512];
    int got = directory_portal_role(o->pg, phone, role, sizeof role, deps, sizeof deps, out, n, e);
    if (got < 0)
        return -1;
    if (got == 0 || strcmp(out, role) == 0)
        snprintf(out, n, "%s", phone);
    return 0;
}

/* One message's content, from WhatsApp or held for the officer's choice. */
typedef struct said {
    const char *text; /* "" when none */
    const char *media_type, *media_id, *mime_type, *filename; /* media_id "" when none */
} said;

/* ---- the way out --------------------------------------------------------------------------- */

/* What the sink (sampark chat) shows of a message. */
static void show(desk_out *o, const char *to, const char *text)
{
    engine_out shown;
    if (!o->sink)
        return;
    memset(&shown, 0, sizeof shown);
    shown.type = ENGINE_TEXT;
    shown.text = (char *)text;
    o->sink(o->ud, to, &shown);
}

/* The officer_new_case template's parameters for text: [H-number, first line, the rest], on
 * one line each (a template parameter holds no line breaks), cut at whole letters. Into out (n
 * bytes); "" when the JSON would not fit (then the sender cuts the text itself). */
static void template_hint(const char *chat_label, const char *text, char *out, size_t n)
{
    char first[400], rest[1000];
    const char *nl = strchr(text, '\n'), *json;
    size_t k = nl ? (size_t)(nl - text) : strlen(text);
    json_object *h = json_object_new_object(), *a = json_object_new_array();
    snprintf(first, sizeof first, "%.*s", (int)(k < sizeof first ? k : sizeof first - 1), text);
    snprintf(rest, sizeof rest, "%s", nl ? nl + 1 : "-");
    text_fit(first); /* a cut in the middle of a letter is mended */
    text_fit(rest);
    for (char *p = rest; *p; p++)
        if (*p == '\n' || *p == '\t' || *p == '\r')
            *p = ' ';
    text_cut(first, 120);
    text_cut(rest, 300);
    json_object_array_add(a, json_object_new_string(chat_label));
    json_object_array_add(a, json_object_new_string(first));
    json_object_array_add(a, json_object_new_string(*rest ? rest : "-"));
    json_object_object_add(h, "params", a);
    json = json_object_to_json_string_ext(h, JSON_C_TO_STRING_PLAIN);
    snprintf(out, n, "%s", strlen(json) < n ? json : "");
    json_object_put(h);
}

/* Text to an officer in conversation c (a swipe-reply on it comes back to c's citizen); outside
 * the officer's 24-hour window it goes as the officer_new_case template. */
static int to_officer(desk_out *o, const chat *c, const char *phone, const char *text, err *e)
{
    char key[320], l[32], hint[2400];
    template_hint(label(c, l, sizeof l), text, hint, sizeof hint);
    desk_key(o, key, sizeof key);
    if (!o->no_outbox && outbox_text_about_hinted(o->pg, key, phone, text, "officer_helpdesk",
                                                  c->citizen, *hint ? hint : NULL, e) < 0)
        return -1;
    show(o, phone, text);
    return 0;
}

/* Text to c's citizen from officer (NULL: from the desk itself). */
static int to_citizen(desk_out *o, const chat *c, const char *text, const char *officer, err *e)
{
    return desk_say_about(o, c->citizen, text, c->case_id[0] ? c->case_id : NULL,
                          officer ? "helpdesk_reply" : "citizen_update", officer, e);
}

/* A relayed file to `to` (the other party `about`), its caption naming the conversation. An
 * officer outside their window gets, as the template, the citizen's line with the file's kind
 * (writing back opens the window; the file itself is in the conversation's record). */
static int relay_media(desk_out *o, const chat *c, const char *to, const char *about,
                       const char *type, const char *media_id, const char *caption, err *e)
{
    char key[320], hint[2400] = "", line[600], l[32];
    int to_citizen = strcmp(to, c->citizen) == 0;
    if (!to_citizen) {
        catalogue_put(line, sizeof line, o->cat, MSG_HELPDESK_CITIZEN_WROTE, OFFICER_LANG, "chat",
                      label(c, l, sizeof l), "citizen", c->citizen, "text", type, NULL);
        template_hint(l, line, hint, sizeof hint);
    }
    desk_key(o, key, sizeof key);
    if (!o->no_outbox &&
        outbox_media_about(o->pg, key, to, type, media_id, caption,
                           to_citizen ? "helpdesk_reply" : "officer_helpdesk", NULL, about,
                           to_citizen || !*hint ? NULL : hint, e) < 0)
        return -1;
    show(o, to, caption);
    return 0;
}

/* The other party of a helpdesk message (migration 0015): the message swiped was of $2. */
static const db_stmt st_helpdesk_peer = {
    "desk_helpdesk_peer",
    "SELECT about_phone FROM outbound_messages"
    " WHERE wamid = $1 AND recipient = $2 AND purpose = $3 AND about_phone IS NOT NULL",
    3};

int desk_helpdesk_peer(desk_out *o, const char *wamid, const char *who, const char *purpose,
                       char *peer, size_t n, err *e)
{
    PGresult *r;
    int found;
    if (!wamid || !*wamid)
        return 0;
    if (!(r = db_query(o->pg, &st_helpdesk_peer, (const char *[]){wamid, who, purpose}, e)))
        return -1;
    if ((found = PQntuples(r) > 0))
        db_copy(peer, n, r, 0, 0);
    PQclear(r);
    return found;
}

/* ---- the roster ---------------------------------------------------------------------------- */

/* Where a question for dept goes at at_ms (helpdesk_route_at on the stored roster, read into
 * *hd, whose strings the route points into: the caller frees it with directory_free), with the
 * district's day and minute then. A stored roster that no longer reads is no roster. */
static int route_at(desk_out *o, const char *dept, int64_t at_ms, helpdesk_route *rt,
                    directory **hd, int *day, int *minute, err *e)
{
    char *json = NULL, local[96];
    err pe = {0};
    *hd = NULL;
    *day = *minute = 0;
    if (directory_stored_helpdesk(o->pg, at_ms, &json, day, minute, local, sizeof local, e) < 0)
        return -1;
    if (json && !(*hd = directory_helpdesk_parse(json, strlen(json), "stored helpdesk", &pe)))
        log_warn("helpdesk", "the stored roster does not read, the nodal officers answer: %s",
                 pe.msg);
    free(json);
    helpdesk_route_at(*hd ? (*hd)->helpdesk : NULL, dept, *day, *minute, rt);
    return 0;
}

/* The phones of a HELPDESK_NODAL route: the nodal officers (held in *r, which the caller
 * PQclear()s), as fallback phones. */
static int nodal_phones(desk_out *o, helpdesk_route *rt, PGresult **r, err *e)
{
    if (!(*r = case_recipients(o->pg, CASE_NODAL, NULL, e)))
        return -1;
    rt->n = 0;
    for (int i = 0; i < PQntuples(*r) && rt->n < HELPDESK_MAX_REACH; i++)
        rt->phones[rt->n++] = PQgetvalue(*r, i, 0);
    return 0;
}

/* When a waiting question opens: the minute the roster named, wait minutes from now's. */
static int64_t opens_ms(int64_t now_ms, int wait_minutes)
{
    return now_ms - now_ms % 60000 + (int64_t)wait_minutes * 60000;
}

/* "today at 10:00", "tomorrow at 10:00", "on Monday at 10:00" in lang. */
static const char *when_text(const desk_out *o, const helpdesk_route *rt, int day,
                             const char *lang, char *out, size_t n)
{
    static const msg_id days[] = {MSG_DAY_MON, MSG_DAY_TUE, MSG_DAY_WED, MSG_DAY_THU,
                                  MSG_DAY_FRI, MSG_DAY_SAT, MSG_DAY_SUN};
    char t[8], name[80];
    snprintf(t, sizeof t, "%02d:%02d", rt->next_minute / 60 % 24, rt->next_minute % 60);
    if (rt->next_day == day && rt->wait_minutes < 1440)
        return catalogue_put(out, n, o->cat, MSG_HELPDESK_WHEN_TODAY, lang, "time", t, NULL);
    if (rt->next_day == (day + 1) % 7 && rt->wait_minutes < 2 * 1440)
        return catalogue_put(out, n, o->cat, MSG_HELPDESK_WHEN_TOMORROW, lang, "time", t, NULL);
    catalogue_put(name, sizeof name, o->cat, days[rt->next_day % 7], lang, NULL);
    return catalogue_put(out, n, o->cat, MSG_HELPDESK_WHEN_DAY, lang, "day", name, "time", t,
                         NULL);
}

/* ---- the question reaches officers ----------------------------------------------------------- */

/* What the citizen has written in c so far, one message a line, cut to fit a message. */
static void citizen_words(const PGresult *t, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < PQntuples(t) && len + 1 < n; i++) {
        const char *txt = PQgetvalue(t, i, 2);
        if (strcmp(PQgetvalue(t, i, 0), "citizen") != 0 || !*txt)
            continue;
        len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "\n" : "", txt);
    }
    text_fit(out); /* a cut in the middle of a letter is mended */
}

/* The question so far to phones: the text, then each of the citizen's files. */
static int deliver(desk_out *o, const chat *c, const char *const *phones, size_t n,
                   msg_id headline, err *e)
{
    char words[3000], body[4600], head[400], dept[200], l[32];
    PGresult *t = chats_transcript(o->pg, c->id, e);
    int rc = 0;
    if (!t)
        return -1;
    citizen_words(t, words, sizeof words);
    catalogue_put(head, sizeof head, o->cat, headline, OFFICER_LANG, NULL);
    catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_NEW, OFFICER_LANG, "chat",
                  label(c, l, sizeof l), "headline", head, "department",
                  dept_label(o, c, OFFICER_LANG, dept, sizeof dept), "citizen", c->citizen,
                  "question", words, NULL);
    for (size_t k = 0; k < n && rc == 0; k++) {
        rc = to_officer(o, c, phones[k], body, e);
        for (int i = 0; i < PQntuples(t) && rc == 0; i++)
            if (strcmp(PQgetvalue(t, i, 0), "citizen") == 0 && *PQgetvalue(t, i, 4))
                rc = relay_media(o, c, phones[k], c->citizen, PQgetvalue(t, i, 3),
                                 PQgetvalue(t, i, 4), l, e);
    }
    PQclear(t);
    return rc;
}

static int citizen_writes(desk_out *o, chat *c, const said *s, err *e);

/* A question for a citizen whose conversation is already open: a message in it. */
static int join(desk_out *o, const char *citizen, const chat_msg *cm, char *note, size_t n, err *e)
{
    chat c;
    said s = {cm->text ? cm->text : "", cm->media_type, cm->media_id ? cm->media_id : "",
              cm->mime_type, cm->filename};
    int got = chats_open_of(o->pg, citizen, NULL, &c, e);
    if (got == 0) /* closed between the two statements: the message is tried again */
        return err_set(e, ERR_ENV, "the citizen's helpdesk conversation changed meanwhile");
    if (got < 0 || chats_add(o->pg, c.id, cm, NULL, 0, e) < 0 || citizen_writes(o, &c, &s, e) < 0)
        return -1;
    catalogue_put(note, n, o->cat, MSG_HELPDESK_LIVE_NOTE, c.lang, NULL);
    return 1;
}

int desk_helpdesk_ask(desk_out *o, const char *citizen, const char *lang, const desk_question *q,
                      char *note, size_t n, err *e)
{
    helpdesk_route rt;
    directory *hd = NULL;
    PGresult *nodal = NULL;
    chat c;
    int day, minute, rc = -1, got, wait;
    int64_t now = clock_now_ms();
    chat_msg cm = {"citizen", citizen, q->wamid, q->text,
                   q->media_type, q->media_id, q->mime_type, q->filename};
    if (route_at(o, q->dept, now, &rt, &hd, &day, &minute, e) < 0 ||
        (rt.kind == HELPDESK_NODAL && nodal_phones(o, &rt, &nodal, e) < 0))
        goto out;
    wait = rt.kind == HELPDESK_WAIT;
    if (!wait && rt.n == 0) {
        rc = 0; /* nobody to ask: the flow's on_error says so */
        goto out;
    }
    got = chats_open(o->pg, citizen, q->dept, lang, wait ? opens_ms(now, rt.wait_minutes) : 0,
                     rt.phones, wait ? 0 : rt.n, &c, e);
    if (got == 0) { /* already open (two questions raced): this one is a message in it */
        rc = join(o, citizen, &cm, note, n, e);
        goto out;
    }
    if (got < 0 || chats_add(o->pg, c.id, &cm, NULL, 0, e) < 0)
        goto out;
    if (wait) {
        char when[200];
        catalogue_put(note, n, o->cat, MSG_HELPDESK_WAIT_NOTE, lang, "when",
                      when_text(o, &rt, day, lang, when, sizeof when), NULL);
        rc = 1;
        goto out;
    }
    catalogue_put(note, n, o->cat, MSG_HELPDESK_LIVE_NOTE, lang, NULL);
    if (rt.kind != HELPDESK_ON_DUTY && chats_reach(o->pg, c.id, rt.phones, rt.n, 1, e) < 0)
        goto out;
    rc = deliver(o, &c, rt.phones, rt.n,
                 rt.kind == HELPDESK_ON_DUTY ? MSG_HELPDESK_HEADLINE_NEW
                                             : MSG_HELPDESK_HEADLINE_FALLBACK,
                 e) < 0
             ? -1
             : 1;
out:
    PQclear(nodal);
    directory_free(hd);
    return rc;
}

/* ---- relaying -------------------------------------------------------------------------------- */

static int is_file(wa_msg_kind k)
{
    return k == WA_MSG_IMAGE || k == WA_MSG_AUDIO || k == WA_MSG_VIDEO || k == WA_MSG_DOCUMENT;
}

/* What m says; loc holds a shared location's words. 0 when there is nothing to relay (a
 * sticker, contacts, an unsupported message). */
static int said_of(const wa_message *m, said *s, char *loc, size_t n)
{
    memset(s, 0, sizeof *s);
    s->text = s->media_id = "";
    if (m->kind == WA_MSG_TEXT)
        s->text = m->text ? m->text : "";
    else if (m->kind == WA_MSG_BUTTON || m->kind == WA_MSG_BUTTON_REPLY ||
             m->kind == WA_MSG_LIST_REPLY)
        s->text = m->reply_title ? m->reply_title : "";
    else if (m->kind == WA_MSG_LOCATION) {
        snprintf(loc, n, "📍 %.6f,%.6f %s %s", m->latitude, m->longitude,
                 m->location_name ? m->location_name : "",
                 m->location_address ? m->location_address : "");
        text_fit(loc);
        s->text = loc;
    } else if (is_file(m->kind) && m->media_id && *m->media_id) {
        s->text = m->caption ? m->caption : "";
        s->media_type = wa_in_kind_name(m->kind);
        s->media_id = m->media_id;
        s->mime_type = m->mime_type;
        s->filename = m->filename;
    }
    return *s->text || *s->media_id;
}

/* The citizen's words or file to one officer of c. */
static int citizen_to(desk_out *o, const chat *c, const char *phone, const said *s, err *e)
{
    char body[4600], cut[3000], l[32];
    label(c, l, sizeof l);
    if (*s->media_id && relay_media(o, c, phone, c->citizen, s->media_type, s->media_id, l, e) < 0)
        return -1;
    if (!*s->text)
        return 0;
    catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_CITIZEN_WROTE, OFFICER_LANG, "chat", l,
                  "citizen", c->citizen, "text", desk_forwarded(s->text, cut, sizeof cut), NULL);
    return to_officer(o, c, phone, body, e);
}

/* The officer's words or file to c's citizen. */
static int officer_to_citizen(desk_out *o, const chat *c, const char *officer, const said *s,
                              err *e)
{
    char body[4600], cut[3000], name[200];
    if (staff_name(o, officer, name, sizeof name, e) < 0)
        return -1;
    if (*s->media_id &&
        relay_media(o, c, c->citizen, officer, s->media_type, s->media_id, name, e) < 0)
        return -1;
    if (!*s->text)
        return 0;
    catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_OFFICER_SAYS, c->lang, "officer", name,
                  "text", desk_forwarded(s->text, cut, sizeof cut), NULL);
    return to_citizen(o, c, body, officer, e);
}

/* Recorded in c (NULL: held, its id into held) as side's. */
static int record(desk_out *o, const chat *c, const char *side, const char *phone,
                  const char *wamid, const said *s, char *held, size_t n, err *e)
{
    chat_msg cm = {side, phone, wamid, s->text, s->media_type, s->media_id, s->mime_type,
                   s->filename};
    return chats_add(o->pg, c ? c->id : NULL, &cm, held, n, e);
}

/* ---- ending ---------------------------------------------------------------------------------- */

/* The citizen asked whether c helped (buttons), after why it ended. */
static int ask_rating(desk_out *o, const chat *c, msg_id why, err *e)
{
    engine_out q;
    char body[1100], ended[500];
    memset(&q, 0, sizeof q);
    q.kind = ENGINE_SEND;
    q.type = ENGINE_BUTTONS;
    catalogue_put(ended, sizeof ended, o->cat, why, c->lang, NULL);
    catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_RATE, c->lang, "ended", ended, NULL);
    q.text = body;
    snprintf(q.opts[0].id, sizeof q.opts[0].id, "hd_rate:%s:yes", c->id);
    catalogue_put(q.opts[0].title, sizeof q.opts[0].title, o->cat, MSG_HELPDESK_RATE_YES, c->lang,
                  NULL);
    snprintf(q.opts[1].id, sizeof q.opts[1].id, "hd_rate:%s:no", c->id);
    catalogue_put(q.opts[1].title, sizeof q.opts[1].title, o->cat, MSG_HELPDESK_RATE_NO, c->lang,
                  NULL);
    q.nopts = 2;
    return desk_send(o, c->citizen, &q, "citizen_update", NULL, e);
}

/* c ends for reason; a conversation an officer was in is rated (why: the citizen's first line).
 * 1 ended, 0 it had ended already, -1 error. */
static int end_chat(desk_out *o, const chat *c, const char *reason, msg_id why, err *e)
{
    int got = chats_close(o->pg, c->id, reason, e);
    if (got <= 0 || !c->officer[0])
        return got;
    return ask_rating(o, c, why, e) < 0 ? -1 : 1;
}

/* Text to each phone c went to but `except`. */
static int tell_reached(desk_out *o, const chat *c, const char *except, const char *text, err *e)
{
    PGresult *r = chats_reached(o->pg, c->id, e);
    int rc = r ? 0 : -1;
    for (int i = 0; r && i < PQntuples(r) && rc == 0; i++)
        if (!except || strcmp(PQgetvalue(r, i, 0), except) != 0)
            rc = to_officer(o, c, PQgetvalue(r, i, 0), text, e);
    PQclear(r);
    return rc;
}

/* ---- the citizen's side ---------------------------------------------------------------------- */

/* The citizen leaves for the menu: closed, the officer told, the citizen asked to rate it. */
static int citizen_leaves(desk_out *o, const chat *c, err *e)
{
    char text[600];
    int got = end_chat(o, c, "citizen", MSG_HELPDESK_ENDED_LEFT, e);
    if (got <= 0)
        return got < 0 ? -1 : 0;
    put_chat(o, MSG_HELPDESK_CITIZEN_LEFT, c, text, sizeof text);
    if (!c->officer[0]) /* asked, or waiting (reached nobody yet) */
        return tell_reached(o, c, NULL, text, e);
    return to_officer(o, c, c->officer, text, e);
}

/* A message while the desk is closed: kept (recorded by the caller), the citizen told when it
 * opens. The slot is looked up again (the roster may have changed): the question waits for
 * the one named now, or, the desk being open, goes out with the scheduler's next pass. */
static int kept(desk_out *o, const chat *c, err *e)
{
    helpdesk_route rt;
    directory *hd;
    char when[200], text[1200];
    int day, minute, rc;
    int64_t now = clock_now_ms();
    if (route_at(o, c->department[0] ? c->department : NULL, now, &rt, &hd, &day, &minute, e) < 0)
        return -1;
    if (rt.kind == HELPDESK_WAIT)
        when_text(o, &rt, day, c->lang, when, sizeof when);
    directory_free(hd);
    if (chats_reschedule(o->pg, c->id,
                         rt.kind == HELPDESK_WAIT ? opens_ms(now, rt.wait_minutes) : now, e) < 0)
        return -1;
    if (rt.kind != HELPDESK_WAIT)
        return 0;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_KEPT, c->lang, "when", when, NULL);
    rc = to_citizen(o, c, text, NULL, e);
    return rc;
}

/* The officer of live conversation c left the directory: it is asked again, of those on duty
 * now (else the fallback phones, else the nodal officers), with everything the citizen wrote. */
static int handover(desk_out *o, chat *c, err *e)
{
    helpdesk_route rt;
    directory *hd = NULL;
    PGresult *nodal = NULL;
    int day, minute, rc = -1;
    if (route_at(o, c->department[0] ? c->department : NULL, clock_now_ms(), &rt, &hd, &day,
                 &minute, e) < 0)
        goto out;
    if (rt.kind == HELPDESK_WAIT) {
        rt.n = 0;
        for (size_t i = 0; i < hd->helpdesk->nfallback && rt.n < HELPDESK_MAX_REACH; i++)
            rt.phones[rt.n++] = hd->helpdesk->fallback_phones[i];
    }
    if ((rt.n == 0 && nodal_phones(o, &rt, &nodal, e) < 0) || chats_release(o->pg, c->id, e) < 0 ||
        chats_reach(o->pg, c->id, rt.phones, rt.n, 0, e) < 0)
        goto out;
    snprintf(c->state, sizeof c->state, "asked");
    c->officer[0] = '\0';
    rc = deliver(o, c, rt.phones, rt.n, MSG_HELPDESK_HEADLINE_NEW, e);
out:
    PQclear(nodal);
    directory_free(hd);
    return rc;
}

/* The citizen's message s, recorded in c, on its way: to the owner (or, the owner gone from the
 * directory, to those on duty now), to every officer an unanswered question reached, or kept
 * while the desk is closed. */
static int citizen_writes(desk_out *o, chat *c, const said *s, err *e)
{
    PGresult *r;
    int rc;
    if (strcmp(c->state, "live") == 0)
        return c->owner_staff ? citizen_to(o, c, c->officer, s, e) : handover(o, c, e);
    if (strcmp(c->state, "waiting") == 0)
        return kept(o, c, e);
    if (!(r = chats_reached(o->pg, c->id, e)))
        return -1;
    rc = 0;
    for (int i = 0; i < PQntuples(r) && rc == 0; i++)
        rc = citizen_to(o, c, PQgetvalue(r, i, 0), s, e);
    PQclear(r);
    return rc;
}

/* A tap that answers the case desk rather than the officer (desk_citizen.c's chain takes it). */
static int answers_the_desk(const wa_message *m)
{
    static const char *const ours[] = {"sat:", "t:", "hd_rate:", NULL};
    if ((m->kind != WA_MSG_BUTTON_REPLY && m->kind != WA_MSG_LIST_REPLY) || !m->reply_id)
        return 0;
    for (const char *const *p = ours; *p; p++)
        if (strncmp(m->reply_id, *p, strlen(*p)) == 0)
            return 1;
    return 0;
}

int desk_helpdesk_citizen(desk_out *o, const wa_message *m, int *to_menu, err *e)
{
    chat c;
    said s;
    char norm[64] = "", loc[600];
    int got;
    *to_menu = 0;
    if (answers_the_desk(m))
        return 0; /* a case's satisfaction buttons, a case tapped in a list, a rating */
    if ((got = chats_open_of(o->pg, m->from, NULL, &c, e)) < 0)
        return -1;
    if (got == 0) { /* it ended as this message came: the citizen is told, then the menu */
        char text[1024];
        const char *lang = chats_latest_of(o->pg, m->from, &c, e) > 0 ? c.lang : "hi";
        catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_ENDED_NOTE, lang, NULL);
        *to_menu = 1;
        return desk_say(o, m->from, text, NULL, "citizen_update", e) < 0 ? -1 : 1;
    }
    if (wa_in_kind_is_silent(m->kind))
        return 1;
    if (m->kind == WA_MSG_TEXT && m->text)
        text_normalize(m->text, norm, sizeof norm);
    if (*norm && words_in(norm, words_menu)) {
        *to_menu = 1;
        return citizen_leaves(o, &c, e) < 0 ? -1 : 1;
    }
    if (!said_of(m, &s, loc, sizeof loc))
        return 1; /* a sticker or contacts card: nothing an officer can use */
    if (record(o, &c, "citizen", m->from, m->id, &s, NULL, 0, e) < 0)
        return -1;
    return citizen_writes(o, &c, &s, e) < 0 ? -1 : 1;
}

int desk_helpdesk_rated(desk_out *o, const wa_message *m, err *e)
{
    chat c;
    char id[24], text[600];
    const char *r = m->reply_id, *colon;
    int got;
    if ((m->kind != WA_MSG_BUTTON_REPLY && m->kind != WA_MSG_BUTTON) || !r ||
        strncmp(r, "hd_rate:", 8) != 0 || !(colon = strchr(r + 8, ':')) ||
        (size_t)(colon - r - 8) >= sizeof id)
        return 0;
    snprintf(id, sizeof id, "%.*s", (int)(colon - r - 8), r + 8);
    if (strcmp(colon + 1, "yes") != 0 && strcmp(colon + 1, "no") != 0)
        return 1; /* not a button of ours: nothing to keep */
    got = chats_rate(o->pg, id, m->from, strcmp(colon + 1, "yes") == 0 ? "helpful" : "not_helpful",
                     e);
    if (got < 0 || (got = chats_get_for(o->pg, id, NULL, &c, e)) < 0)
        return -1;
    /* Kept, or the citizen's own conversation rated before (the first answer stands): thanks.
     * Someone else's conversation, or one not closed: nothing. */
    if (got == 0 || strcmp(c.citizen, m->from) != 0 || strcmp(c.state, "closed") != 0)
        return 1;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_THANKS, c.lang, NULL);
    return desk_say(o, m->from, text, NULL, "citizen_update", e) < 0 ? -1 : 1;
}

/* ---- the officer's side ---------------------------------------------------------------------- */

/* A reply to the officer's own message (a command's outcome). */
static int tell_officer(desk_out *o, const char *phone, const char *text, err *e)
{
    return desk_say(o, phone, text, NULL, "officer_reply", e) < 0 ? -1 : 1;
}

/* A notice about c to officer phone: a swipe-reply on it writes in c. */
static int tell_about(desk_out *o, const chat *c, const char *phone, const char *text, err *e)
{
    return to_officer(o, c, phone, text, e) < 0 ? -1 : 1;
}

/* "{chat} is with {officer}" to phone. */
static int taken_by(desk_out *o, const chat *c, const char *phone, err *e)
{
    char name[200], text[800], l[32];
    if (staff_name(o, c->officer, name, sizeof name, e) < 0)
        return -1;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_TAKEN_BY, OFFICER_LANG, "chat",
                  label(c, l, sizeof l), "officer", name, NULL);
    return tell_officer(o, phone, text, e);
}

/* officer takes asked conversation c: the others it went to are told who, the citizen who is
 * talking with them. */
static int take(desk_out *o, chat *c, const char *officer, err *e)
{
    char name[200], text[1200], dept[200];
    int got = chats_take(o->pg, c->id, officer, e);
    if (got <= 0)
        return got;
    snprintf(c->officer, sizeof c->officer, "%s", officer);
    snprintf(c->state, sizeof c->state, "live");
    if (staff_name(o, officer, name, sizeof name, e) < 0)
        return -1;
    {
        char l[32];
        catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_TAKEN_BY, OFFICER_LANG, "chat",
                      label(c, l, sizeof l), "officer", name, NULL);
    }
    if (tell_reached(o, c, officer, text, e) < 0 ||
        tell_about(o, c, officer, put_chat(o, MSG_HELPDESK_YOU_TOOK, c, text, sizeof text), e) < 0)
        return -1;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_OFFICER_JOINED, c->lang, "officer", name,
                  "department", dept_label(o, c, c->lang, dept, sizeof dept), NULL);
    return to_citizen(o, c, text, NULL, e) < 0 ? -1 : 1;
}

/* Whether officer may write in c, taking it first when it is asked and went to them; when not,
 * they are told why. 1 yes, 0 told, -1 error. */
static int may_write(desk_out *o, chat *c, const char *officer, err *e)
{
    char text[800];
    if (strcmp(c->state, "live") == 0)
        return strcmp(c->officer, officer) == 0 ? 1 : taken_by(o, c, officer, e) < 0 ? -1 : 0;
    if (strcmp(c->state, "asked") == 0 && c->reached)
        return take(o, c, officer, e);
    if (strcmp(c->state, "closed") == 0)
        return tell_officer(o, officer, put_chat(o, MSG_HELPDESK_NOT_OPEN, c, text, sizeof text),
                            e) < 0
                   ? -1
                   : 0;
    return tell_officer(o, officer, put_chat(o, MSG_HELPDESK_NOT_REACHED, c, text, sizeof text),
                        e) < 0
               ? -1
               : 0;
}

/* The officer's message s for c (taking it if it is theirs to take): recorded and relayed. */
static int officer_writes(desk_out *o, chat *c, const wa_message *m, const said *s, err *e)
{
    int ok = may_write(o, c, m->from, e);
    if (ok <= 0)
        return ok;
    if (record(o, c, "officer", m->from, m->id, s, NULL, 0, e) < 0)
        return -1;
    return officer_to_citizen(o, c, m->from, s, e) < 0 ? -1 : 1;
}

/* The conversation a command names (cmd->id), else the officer's only live one; when neither,
 * the officer is told. 1 found (*c), 0 told, -1 error. */
static int named_chat(desk_out *o, const helpdesk_cmd *cmd, const char *officer, chat *c, err *e)
{
    char text[800];
    int got;
    if (cmd->id[0]) {
        if ((got = chats_get_for(o->pg, cmd->id, officer, c, e)) != 0)
            return got;
        snprintf(c->id, sizeof c->id, "%s", cmd->id);
        return tell_officer(o, officer, put_chat(o, MSG_HELPDESK_NOT_OPEN, c, text, sizeof text),
                            e) < 0
                   ? -1
                   : 0;
    }
    {
        PGresult *r = chats_owned(o->pg, officer, e);
        char id[24] = "";
        if (!r)
            return -1;
        if (PQntuples(r) == 1)
            db_copy(id, sizeof id, r, 0, 0);
        PQclear(r);
        if (*id)
            return chats_get_for(o->pg, id, officer, c, e);
    }
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_NEED_ID, OFFICER_LANG, NULL);
    return tell_officer(o, officer, text, e) < 0 ? -1 : 0;
}

/* A command that needs the officer's own live conversation: 1 it is (*c), 0 told, -1 error. */
static int own_chat(desk_out *o, const helpdesk_cmd *cmd, const char *officer, chat *c, err *e)
{
    int got = named_chat(o, cmd, officer, c, e);
    if (got <= 0)
        return got;
    if (strcmp(c->state, "live") == 0 && strcmp(c->officer, officer) == 0)
        return 1;
    return may_write(o, c, officer, e) < 0 ? -1 : 0;
}

static int cmd_take(desk_out *o, const helpdesk_cmd *cmd, const char *officer, err *e)
{
    chat c;
    char text[800];
    int got;
    if (!cmd->id[0]) {
        catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_NEED_ID, OFFICER_LANG, NULL);
        return tell_officer(o, officer, text, e);
    }
    if ((got = named_chat(o, cmd, officer, &c, e)) <= 0)
        return got < 0 ? -1 : 1;
    if (strcmp(c.state, "live") == 0 && strcmp(c.officer, officer) == 0)
        return tell_about(o, &c, officer, put_chat(o, MSG_HELPDESK_YOU_TOOK, &c, text, sizeof text),
                          e);
    return may_write(o, &c, officer, e) < 0 ? -1 : 1;
}

static int cmd_end(desk_out *o, const helpdesk_cmd *cmd, const char *officer, err *e)
{
    chat c;
    char text[800];
    int got = own_chat(o, cmd, officer, &c, e);
    if (got <= 0)
        return got < 0 ? -1 : 1;
    if (end_chat(o, &c, "officer", MSG_HELPDESK_ENDED_BY_OFFICER, e) < 0)
        return -1;
    return tell_officer(o, officer, put_chat(o, MSG_HELPDESK_ENDED_OFFICER, &c, text, sizeof text),
                        e);
}

/* The conversation as a complaint's text: a heading, then "[time] who: words" a message (a
 * file's caption or kind when it has no words), cut at a whole letter to fit. */
static void transcript_text(const desk_out *o, const chat *c, const PGresult *t, char *out,
                            size_t n)
{
    char head[200], who[2][60], l[32];
    size_t len;
    catalogue_put(head, sizeof head, o->cat, MSG_HELPDESK_TRANSCRIPT_HEAD, c->lang, "chat",
                  label(c, l, sizeof l), NULL);
    catalogue_put(who[0], sizeof who[0], o->cat, MSG_HELPDESK_SIDE_CITIZEN, c->lang, NULL);
    catalogue_put(who[1], sizeof who[1], o->cat, MSG_HELPDESK_SIDE_OFFICER, c->lang, NULL);
    len = (size_t)snprintf(out, n, "%s", head);
    for (int i = 0; i < PQntuples(t) && len + 1 < n; i++) {
        const char *words = *PQgetvalue(t, i, 2) ? PQgetvalue(t, i, 2) : PQgetvalue(t, i, 3);
        len += (size_t)snprintf(out + len, n - len, "\n[%s] %s: %s", PQgetvalue(t, i, 7) + 11,
                                who[strcmp(PQgetvalue(t, i, 0), "officer") == 0], words);
    }
    text_fit(out);
}

/* The complaint filed from c (department dept, source: the officer's message): its text the
 * transcript, its files every file of the conversation, its trail naming the conversation. 1
 * filed (*ci), 0 the department is not an active one, -1 error. */
static int file_from(desk_out *o, const chat *c, const char *dept, const wa_message *m,
                     case_info *ci, err *e)
{
    char desc[3600], detail[64];
    engine_session s;
    PGresult *t = chats_transcript(o->pg, c->id, e);
    int rc = -1;
    if (!t)
        return -1;
    transcript_text(o, c, t, desc, sizeof desc);
    engine_session_init(&s);
    if (engine_session_set(&s, "department", dept) < 0 ||
        engine_session_set(&s, "description", desc) < 0) {
        err_set(e, ERR_ENV, "out of memory");
        goto out;
    }
    if (case_create(o->pg, c->citizen, "", c->lang, &s, m->id, 1, ci, e) < 0) {
        rc = e->kind == ERR_USER ? 0 : -1;
        goto out;
    }
    /* case_create filled the desk's facts too (its id); the files kept below are counted, so
     * the officers' notice forwards them. */
    for (int i = 0; i < PQntuples(t); i++) {
        if (!*PQgetvalue(t, i, 4))
            continue;
        if (case_attach(o->pg, ci->id, NULL, PQgetvalue(t, i, 4), PQgetvalue(t, i, 3),
                        PQgetvalue(t, i, 5), NULL, PQgetvalue(t, i, 6), e) < 0)
            goto out;
        if (ci->attached >= 0)
            ci->attached++;
    }
    snprintf(detail, sizeof detail, "{\"helpdesk\": %s}", c->id);
    if (case_add_event(o->pg, ci->id, "from_helpdesk", m->from, desc, detail, NULL, e) < 0 ||
        chats_set_case(o->pg, c->id, ci->id, e) < 0)
        goto out;
    rc = 1;
out:
    engine_session_clear(&s);
    PQclear(t);
    return rc;
}

static int cmd_case(desk_out *o, const helpdesk_cmd *cmd, const wa_message *m, err *e)
{
    chat c;
    case_info ci;
    char text[1200], l[32];
    int got = own_chat(o, cmd, m->from, &c, e);
    if (got <= 0)
        return got < 0 ? -1 : 1;
    if ((got = file_from(o, &c, cmd->dept, m, &ci, e)) <= 0) {
        said s;
        char loc[8];
        if (got < 0)
            return -1;
        if (!cmd->as_code && said_of(m, &s, loc, sizeof loc)) /* "case closed": words for the citizen */
            return officer_writes(o, &c, m, &s, e);
        catalogue_put(text, sizeof text, o->cat, MSG_OFFICER_UNKNOWN_DEPT, OFFICER_LANG, "code",
                      cmd->dept, NULL);
        return tell_officer(o, m->from, text, e);
    }
    if (chats_close(o->pg, c.id, "case", e) < 0 || desk_case_created(o, &ci, e) < 0)
        return -1;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_CASE_CITIZEN, c.lang, "tracking_no",
                  ci.tracking_no, "department", ci.department_name, NULL);
    if (desk_say(o, c.citizen, text, ci.id, "citizen_update", e) < 0)
        return -1;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_CASE_FILED, OFFICER_LANG, "chat",
                  label(&c, l, sizeof l), "tracking_no", ci.tracking_no, "department",
                  ci.dept_name_hi, NULL);
    return tell_officer(o, m->from, text, e);
}

/* Several conversations open and a message without a swipe-reply: it is held, and the officer
 * picks whose it is from a list (hd_pick:<conversation>:<held message>). */
static int hold_and_ask(desk_out *o, const wa_message *m, const said *s, const PGresult *owned,
                        err *e)
{
    engine_out q;
    char held[24], body[1100], count[16];
    int n = PQntuples(owned);
    if (record(o, NULL, "officer", m->from, m->id, s, held, sizeof held, e) < 0)
        return -1;
    memset(&q, 0, sizeof q);
    q.kind = ENGINE_SEND;
    q.type = ENGINE_LIST;
    snprintf(count, sizeof count, "%d", n);
    q.text = (char *)catalogue_put(body, sizeof body, o->cat, MSG_HELPDESK_PICK, OFFICER_LANG,
                                   "count", count, NULL);
    catalogue_put(q.button, sizeof q.button, o->cat, MSG_HELPDESK_PICK_BUTTON, OFFICER_LANG, NULL);
    for (int i = 0; i < n && q.nopts < FLOW_MAX_ROWS; i++) {
        engine_option *op = &q.opts[q.nopts++];
        snprintf(op->id, sizeof op->id, "hd_pick:%s:%s", PQgetvalue(owned, i, 0), held);
        snprintf(op->title, sizeof op->title, "H%s · %s", PQgetvalue(owned, i, 0),
                 PQgetvalue(owned, i, 1));
        text_cut(op->title, FLOW_ROW_TITLE_MAX);
        snprintf(op->desc, sizeof op->desc, "%s", PQgetvalue(owned, i, 3));
        text_fit(op->desc);
        text_cut(op->desc, FLOW_ROW_DESC_MAX);
    }
    return desk_send(o, m->from, &q, "officer_reply", NULL, e) < 0 ? -1 : 1;
}

/* The officer picked the conversation a held message is for: it goes there now. */
static int picked(desk_out *o, const wa_message *m, err *e)
{
    char id[24], msg[24], text[4100], type[24], media[300];
    chat c;
    said s = {text, type, media, NULL, NULL};
    int got;
    if (sscanf(m->reply_id, "hd_pick:%23[0-9]:%23[0-9]", id, msg) != 2)
        return 1;
    if ((got = chats_get_for(o->pg, id, m->from, &c, e)) <= 0)
        return got < 0 ? -1 : 1;
    if ((got = may_write(o, &c, m->from, e)) <= 0)
        return got < 0 ? -1 : 1;
    got = chats_unhold(o->pg, msg, m->from, c.id, text, sizeof text, type, media, sizeof media, e);
    if (got <= 0) /* sent already (a tap redelivered or tapped twice) */
        return got < 0 ? -1 : 1;
    s.media_type = *type ? type : NULL;
    return officer_to_citizen(o, &c, m->from, &s, e) < 0 ? -1 : 1;
}

/* A swipe-reply on one of the helpdesk's messages about citizen: for their conversation. */
static int swiped(desk_out *o, const wa_message *m, const char *citizen, err *e)
{
    chat c;
    said s;
    char loc[600], text[800];
    int got = chats_open_of(o->pg, citizen, m->from, &c, e);
    if (got < 0)
        return -1;
    if (got == 0) { /* ended (or forgotten by retention) */
        if ((got = chats_latest_of(o->pg, citizen, &c, e)) < 0)
            return -1;
        if (got == 0)
            catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_GONE, OFFICER_LANG, NULL);
        else
            put_chat(o, MSG_HELPDESK_NOT_OPEN, &c, text, sizeof text);
        return tell_officer(o, m->from, text, e);
    }
    if (!said_of(m, &s, loc, sizeof loc))
        return 1;
    return officer_writes(o, &c, m, &s, e);
}

int desk_helpdesk_officer(desk_out *o, const wa_message *m, int *handled, err *e)
{
    helpdesk_cmd cmd;
    char citizen[32];
    int got;
    *handled = 1;
    if (m->kind == WA_MSG_LIST_REPLY && m->reply_id && !strncmp(m->reply_id, "hd_pick:", 8))
        return picked(o, m, e) < 0 ? -1 : 0;
    helpdesk_parse(m->kind == WA_MSG_TEXT ? m->text : NULL, &cmd);
    switch (cmd.kind) {
    case HELPDESK_CMD_TAKE:
        return cmd_take(o, &cmd, m->from, e) < 0 ? -1 : 0;
    case HELPDESK_CMD_END:
        return cmd_end(o, &cmd, m->from, e) < 0 ? -1 : 0;
    case HELPDESK_CMD_CASE:
        return cmd_case(o, &cmd, m, e) < 0 ? -1 : 0;
    case HELPDESK_CMD_NONE:
        break;
    }
    got = m->context_id && *m->context_id
              ? desk_helpdesk_peer(o, m->context_id, m->from, "officer_helpdesk", citizen,
                                   sizeof citizen, e)
              : 0;
    if (got)
        return got < 0 || swiped(o, m, citizen, e) < 0 ? -1 : 0;
    *handled = 0;
    return 0;
}

int desk_helpdesk_plain(desk_out *o, const wa_message *m, int *handled, err *e)
{
    PGresult *owned;
    chat c;
    said s;
    char loc[600];
    int n, rc = 0;
    *handled = 0;
    if (!said_of(m, &s, loc, sizeof loc))
        return 0;
    if (!(owned = chats_owned(o->pg, m->from, e)))
        return -1;
    if ((n = PQntuples(owned)) > 0)
        *handled = 1;
    if (n == 1 && (rc = chats_get_for(o->pg, PQgetvalue(owned, 0, 0), m->from, &c, e)) > 0)
        rc = officer_writes(o, &c, m, &s, e);
    else if (n > 1)
        rc = hold_and_ask(o, m, &s, owned, e);
    PQclear(owned);
    return rc < 0 ? -1 : 0;
}

/* ---- the scheduler's pass ---------------------------------------------------------------------- */

/* A waiting conversation whose slot opened: to the officers on duty now (or, the roster having
 * changed, kept for its new opening). */
static int opening(desk_out *o, chat *c, int64_t at_ms, err *e)
{
    helpdesk_route rt;
    directory *hd = NULL;
    PGresult *nodal = NULL;
    char text[1200];
    int day, minute, rc = -1;
    if (route_at(o, c->department[0] ? c->department : NULL, at_ms, &rt, &hd, &day, &minute, e) <
            0 ||
        (rt.kind == HELPDESK_NODAL && nodal_phones(o, &rt, &nodal, e) < 0))
        goto out;
    if (rt.kind == HELPDESK_WAIT || rt.n == 0) {
        /* Nobody after all: an hour later when the roster names no one at all. */
        rc = chats_reschedule(o->pg, c->id,
                              opens_ms(at_ms, rt.kind == HELPDESK_WAIT ? rt.wait_minutes : 60), e);
        goto out;
    }
    if (chats_reach(o->pg, c->id, rt.phones, rt.n, rt.kind != HELPDESK_ON_DUTY, e) < 0 ||
        deliver(o, c, rt.phones, rt.n,
                rt.kind == HELPDESK_ON_DUTY ? MSG_HELPDESK_HEADLINE_NEW
                                            : MSG_HELPDESK_HEADLINE_FALLBACK,
                e) < 0)
        goto out;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_OPENED, c->lang, NULL);
    rc = to_citizen(o, c, text, NULL, e) < 0 ? -1 : 1;
out:
    PQclear(nodal);
    directory_free(hd);
    return rc;
}

/* Asked ten minutes ago and nobody answered: the fallback phones (the nodal officers when the
 * roster names none) get it too, those it has not reached yet. */
static int fallback(desk_out *o, chat *c, int64_t at_ms, err *e)
{
    helpdesk_route rt;
    directory *hd = NULL;
    PGresult *nodal = NULL, *had = NULL;
    const char *fresh[HELPDESK_MAX_REACH];
    size_t n = 0;
    int day, minute, rc = -1;
    if (route_at(o, NULL, at_ms, &rt, &hd, &day, &minute, e) < 0)
        goto out;
    rt.n = 0;
    for (size_t i = 0; hd && i < hd->helpdesk->nfallback && rt.n < HELPDESK_MAX_REACH; i++)
        rt.phones[rt.n++] = hd->helpdesk->fallback_phones[i];
    if ((rt.n == 0 && nodal_phones(o, &rt, &nodal, e) < 0) ||
        !(had = chats_reached(o->pg, c->id, e)))
        goto out;
    for (size_t i = 0; i < rt.n; i++) {
        int seen = 0;
        for (int k = 0; k < PQntuples(had); k++)
            seen |= strcmp(PQgetvalue(had, k, 0), rt.phones[i]) == 0;
        if (!seen)
            fresh[n++] = rt.phones[i];
    }
    if (chats_reach(o->pg, c->id, fresh, n, 1, e) < 0 ||
        deliver(o, c, fresh, n, MSG_HELPDESK_HEADLINE_FALLBACK, e) < 0)
        goto out;
    rc = n > 0;
out:
    PQclear(had);
    PQclear(nodal);
    directory_free(hd);
    return rc;
}

/* Thirty minutes without a message: closed, the citizen asked to rate it, the officer told. */
static int silent(desk_out *o, const chat *c, err *e)
{
    char text[600];
    int got = end_chat(o, c, "silence", MSG_HELPDESK_ENDED_SILENCE, e);
    if (got <= 0)
        return got;
    return tell_about(o, c, c->officer,
                      put_chat(o, MSG_HELPDESK_SILENCE_OFFICER, c, text, sizeof text), e);
}

/* A day and nobody took it: closed; the citizen pointed to a complaint, the officers told. */
static int unanswered(desk_out *o, const chat *c, err *e)
{
    char text[1200];
    int got = chats_close(o->pg, c->id, "unanswered", e);
    if (got <= 0)
        return got;
    if (tell_reached(o, c, NULL,
                     put_chat(o, MSG_HELPDESK_UNANSWERED_OFFICER, c, text, sizeof text), e) < 0)
        return -1;
    catalogue_put(text, sizeof text, o->cat, MSG_HELPDESK_UNANSWERED, c->lang, NULL);
    return to_citizen(o, c, text, NULL, e) < 0 ? -1 : 1;
}

int desk_helpdesk_due(desk_out *o, chats_due_kind k, const char *id, int64_t at_ms, err *e)
{
    chat c;
    int got = chats_get_for(o->pg, id, NULL, &c, e);
    if (got <= 0)
        return got;
    /* Checked again now the row is locked: a message may have come since the pass chose it. */
    switch (k) {
    case CHATS_DUE_OPENING:
        return strcmp(c.state, "waiting") == 0 ? opening(o, &c, at_ms, e) : 0;
    case CHATS_DUE_FALLBACK: /* not one a day old: that one closes instead */
        return strcmp(c.state, "asked") == 0 && !c.fallback &&
                       c.asked_ms > at_ms - (int64_t)CHATS_UNANSWERED_MIN * 60000
                   ? fallback(o, &c, at_ms, e)
                   : 0;
    case CHATS_DUE_SILENT:
        return strcmp(c.state, "live") == 0 &&
                       c.last_ms <= at_ms - (int64_t)CHATS_SILENCE_MIN * 60000
                   ? silent(o, &c, e)
                   : 0;
    case CHATS_DUE_UNANSWERED:
        return strcmp(c.state, "asked") == 0 &&
                       c.asked_ms <= at_ms - (int64_t)CHATS_UNANSWERED_MIN * 60000
                   ? unanswered(o, &c, e)
                   : 0;
    }
    return 0;
}
