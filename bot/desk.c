/* desk.c — officers' commands and the citizen's side of a case (see desk.h). Messages to
 * officers are Hindi with the commands spelt out; messages to citizens are in their own
 * language. Every state change writes a case_events row with its actor. */
#include "desk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "officer.h"
#include "outbox.h"
#include "text.h"
#include "words.h"

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

/* ---- sending ------------------------------------------------------------------------------ */

static void key_for(desk_out *o, char *key, size_t n)
{
    snprintf(key, n, "%s:desk:%d", o->key, o->seq++);
}

static int say_about(desk_out *o, const char *to, const char *text, const char *case_id,
                     const char *purpose, const char *about, err *e)
{
    char key[320];
    engine_out shown;
    key_for(o, key, sizeof key);
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

static int say(desk_out *o, const char *to, const char *text, const char *case_id,
               const char *purpose, err *e)
{
    return say_about(o, to, text, case_id, purpose, NULL, e);
}

/* ---- the helpdesk: a citizen and the nodal officers, by swipe-reply ------------------------ */

/* The phone on the other side of the helpdesk message wamid (of purpose, sent to who — the one
 * swiping it), into peer:
 * 1 found, 0 not a helpdesk message, -1 error. */
static int helpdesk_peer(desk_out *o, const char *wamid, const char *who, const char *purpose,
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

/* A message's text cut to leave room for the headline and footer around it (WhatsApp allows
 * 4,096 letters, up to 16 KiB; a forward keeps the first 3,000 bytes, at a whole letter). */
static const char *forwarded(const char *text, char *buf, size_t n)
{
    snprintf(buf, n, "%s", text);
    text_fit(buf);
    return buf;
}

static int helpdesk_to_staff(desk_out *o, const char *staff, const char *citizen,
                             const char *headline, const char *text, err *e)
{
    char body[4600], cut[3000];
    snprintf(body, sizeof body,
             "☎️ हेल्पडेस्क — नागरिक %s %s\n%s\n\n"
             "जवाब देने के लिए इसी संदेश पर स्वाइप करके लिखें; जवाब नागरिक को इसी चैट में जाएगा।",
             citizen, headline, forwarded(text, cut, sizeof cut));
    return say_about(o, staff, body, NULL, "officer_helpdesk", citizen, e);
}

/* To every nodal officer: the number of them told, -1 on error. */
static int helpdesk_to_nodal(desk_out *o, const char *citizen, const char *headline,
                             const char *text, err *e)
{
    PGresult *r = case_recipients(o->pg, CASE_NODAL, NULL, e);
    int n;
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        if (helpdesk_to_staff(o, PQgetvalue(r, i, 0), citizen, headline, text, e) < 0) {
            PQclear(r);
            return -1;
        }
    n = PQntuples(r);
    PQclear(r);
    return n;
}

int desk_helpdesk(desk_out *o, const char *citizen, const char *question, err *e)
{
    char text[4200];
    int n;
    snprintf(text, sizeof text, "प्रश्न: %s", question && *question ? question : "(नहीं लिखा)");
    if ((n = helpdesk_to_nodal(o, citizen, "बात करना चाहते हैं।", text, e)) < 0)
        return -1;
    return n > 0;
}

/* A nodal officer's swipe-reply on a helpdesk message: to the citizen, who can swipe back. */
static int helpdesk_answer(desk_out *o, const char *staff, const char *citizen, const char *text,
                           err *e)
{
    char body[4600], cut[3000];
    snprintf(body, sizeof body,
             "☎️ जिला हेल्पडेस्क / District helpdesk:\n%s\n\n"
             "↩️ आगे लिखने के लिए इस संदेश पर स्वाइप "
             "करके "
             "जवाब "
             "दें। "
             "/ "
             "Swipe-reply to this message to write back.",
             forwarded(text, cut, sizeof cut));
    if (say_about(o, citizen, body, NULL, "helpdesk_reply", staff, e) < 0)
        return -1;
    snprintf(body, sizeof body, "✅ नागरिक %s को भेज दिया गया।", citizen);
    return say(o, staff, body, NULL, "officer_reply", e);
}

static int ask_satisfaction(desk_out *o, const case_info *c, const char *full_note, err *e)
{
    engine_out q;
    char key[320], body[3072], note[2404]; /* 600 letters of note */
    int en = strcmp(c->lang, "en") == 0;
    memset(&q, 0, sizeof q);
    q.kind = ENGINE_SEND;
    q.type = ENGINE_BUTTONS;
    snprintf(note, sizeof note, "%s", full_note);
    text_cut(note, 600); /* the question must stay within WhatsApp's 1024 characters */
    if (en)
        snprintf(body, sizeof body,
                 "Your complaint %s has been resolved.\nOfficer's note: %s\n\nAre you satisfied "
                 "with the resolution?",
                 c->tracking_no, note);
    else
        snprintf(body, sizeof body,
                 "आपकी शिकायत %s का समाधान कर दिया गया है।\nअधिकारी की टिप्पणी: %s\n\nक्या आप समाधान "
                 "से संतुष्ट हैं?",
                 c->tracking_no, note);
    q.text = body;
    snprintf(q.opts[0].id, sizeof q.opts[0].id, "sat:yes:%s", c->tracking_no);
    snprintf(q.opts[0].title, sizeof q.opts[0].title, "%s", en ? "Yes" : "हाँ");
    snprintf(q.opts[1].id, sizeof q.opts[1].id, "sat:no:%s", c->tracking_no);
    snprintf(q.opts[1].title, sizeof q.opts[1].title, "%s", en ? "No" : "नहीं");
    q.nopts = 2;
    key_for(o, key, sizeof key);
    if (!o->no_outbox && outbox_engine(o->pg, key, c->citizen, &q, "citizen_update", c->id, e) < 0)
        return -1;
    if (o->sink)
        o->sink(o->ud, c->citizen, &q);
    return 0;
}

static int event(desk_out *o, const case_info *c, const char *kind, const char *actor,
                 const char *text, const char *detail, err *e)
{
    return case_add_event(o->pg, c->id, kind, actor, text, detail, NULL, e);
}

/* Sends text to every officer of a department (and the supervisors when asked). */
static int notify_dept(desk_out *o, const char *dept, const char *text, const char *case_id,
                       const char *purpose, int supervisors, int collector, err *e)
{
    PGresult *r = case_recipients(o->pg, CASE_OFFICERS, dept, e);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        if (say(o, PQgetvalue(r, i, 0), text, case_id, purpose, e) < 0) {
            PQclear(r);
            return -1;
        }
    PQclear(r);
    if (!supervisors)
        return 0;
    if (!(r = case_recipients(o->pg, collector ? CASE_SUPERVISORS : CASE_NODAL, NULL, e)))
        return -1;
    for (int i = 0; i < PQntuples(r); i++)
        if (say(o, PQgetvalue(r, i, 0), text, case_id, "escalation", e) < 0) {
            PQclear(r);
            return -1;
        }
    PQclear(r);
    return 0;
}

static void case_summary(const case_info *c, const char *headline, char *out, size_t n)
{
    snprintf(out, n,
             "%s %s (%s)\n%s%s%s\nनागरिक: %s\n\nजवाब: reply %s <संदेश>\nदस्तावेज़: docs %s <क्या "
             "चाहिए>\nहल: resolve %s <टिप्पणी>",
             headline, c->tracking_no, c->dept_name_hi, c->description,
             c->place[0] ? "\nगांव/वार्ड: " : "", c->place, c->citizen, c->tracking_no, c->tracking_no,
             c->tracking_no);
}

/* Every attachment (rows of case_attachments) of case c, by media id, to each phone of role. */
static int forward_to(desk_out *o, const case_info *c, const PGresult *att, case_role role,
                      err *e)
{
    PGresult *to = case_recipients(o->pg, role, c->department, e);
    int rc = to ? 0 : -1;
    for (int i = 0; to && i < PQntuples(att) && rc == 0; i++)
        for (int k = 0; k < PQntuples(to) && rc == 0; k++) {
            char key[320];
            key_for(o, key, sizeof key);
            rc = outbox_media(o->pg, key, PQgetvalue(to, k, 0), PQgetvalue(att, i, 1),
                              PQgetvalue(att, i, 0), c->tracking_no, "officer_new_case", c->id, e);
        }
    PQclear(to);
    return rc < 0 ? -1 : 0;
}

/* The citizen's attachments, forwarded by media id: to the department's officers, and for an
 * urgent case to the nodal officers and the collector too — a complaint said in a voice note
 * is nothing without its audio. */
static int forward_attachments(desk_out *o, const case_info *c, err *e)
{
    PGresult *att;
    int rc;
    if (o->no_outbox)
        return 0;
    if (!(att = case_attachments(o->pg, c->id, e)))
        return -1;
    rc = PQntuples(att) == 0 ? 0
         : forward_to(o, c, att, CASE_OFFICERS, e) < 0 ||
                 (c->urgent && forward_to(o, c, att, CASE_SUPERVISORS, e) < 0)
             ? -1
             : 0;
    PQclear(att);
    return rc;
}

int desk_case_created(desk_out *o, const char *tracking_no, err *e)
{
    case_info c;
    char text[2000];
    int found = case_get(o->pg, tracking_no, &c, e);
    if (found <= 0)
        return found < 0 ? -1 : 0;
    case_summary(&c, c.urgent ? "🚨 तत्काल शिकायत" : "नई शिकायत", text, sizeof text);
    if (notify_dept(o, c.department, text, c.id, "officer_new_case", c.urgent, c.urgent, e) < 0)
        return -1;
    if (c.urgent) {
        /* Urgent: the ladder is skipped; the citizen is told who knows. */
        char msg[700];
        if (event(o, &c, "escalated", "system",
                  "urgent: nodal officer and collector notified at creation",
                  "{\"level\": 2, \"reason\": \"urgent\"}", e) < 0)
            return -1;
        snprintf(msg, sizeof msg,
                 strcmp(c.lang, "en")
                     ? "⚠️ आपकी शिकायत %s तत्काल मानी "
                       "गई "
                       "है: "
                       "विभाग "
                       "के "
                       "अधिकारी, "
                       "नोडल "
                       "अधिकारी "
                       "और "
                       "कलेक्टर को तुरंत सूचना दे दी गई है। जान का खतरा हो तो 112 पर फोन करें।"
                     : "⚠️ Your complaint %s is treated as urgent: the department's officers, "
                       "the nodal officer and the Collector have been informed at once. If a life "
                       "is in danger, call 112.",
                 c.tracking_no);
        if (say(o, c.citizen, msg, c.id, "citizen_update", e) < 0)
            return -1;
    }
    return forward_attachments(o, &c, e);
}

/* ---- officers ------------------------------------------------------------------------------ */

static const char officer_help[] = "आदेश / Commands:\n"
                                   "reply <शिकायत संख्या> <संदेश> — नागरिक को जवाब\n"
                                   "docs <शिकायत संख्या> <क्या चाहिए> — दस्तावेज़ मांगें\n"
                                   "resolve <शिकायत संख्या> <टिप्पणी> — हल करें\n"
                                   "transfer <शिकायत संख्या> <विभाग कोड> — दूसरे विभाग को भेजें\n"
                                   "cases — आपकी खुली शिकायतें\n"
                                   "show <शिकायत संख्या> — विवरण\n"
                                   "(हिंदी में भी: उत्तर, दस्तावेज़, हल, स्थानांतरण, मामले, देखें। किसी सूचना पर "
                                   "स्वाइप करके सीधे जवाब भी दे सकते हैं।)";

static int officer_cases(desk_out *o, const char *phone, int supervisor, err *e)
{
    PGresult *r = case_open_of_officer(o->pg, phone, supervisor, e);
    char text[4000];
    size_t n = 0;
    if (!r)
        return -1;
    n += (size_t)snprintf(text, sizeof text,
                          PQntuples(r) ? "आपकी खुली शिकायतें (सबसे पुरानी पहले):\n"
                                       : "आपके विभाग की कोई खुली शिकायत नहीं है।");
    for (int i = 0; i < PQntuples(r) && n < sizeof text - 200; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "%s — %s, %s घंटे — %s\n",
                              PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                              PQgetvalue(r, i, 3));
    PQclear(r);
    return say(o, phone, text, NULL, "officer_reply", e);
}

/* "Show the list" tapped on the digest template (scheduler.c): the digest it announced, in full,
 * now that the tap has opened the window — for a phone that still reads the digests. */
static int digest_tap(desk_out *o, const wa_message *m, err *e)
{
    char earlier[300], key[320];
    int got;
    if (o->no_outbox)
        return 0;
    snprintf(earlier, sizeof earlier, "%s:%s", m->reply_id, m->from);
    key_for(o, key, sizeof key);
    if ((got = outbox_digest_again(o->pg, key, m->from, earlier, e)) != 0)
        return got < 0 ? -1 : 0;
    return say(o, m->from, "यह सूची अब उपलब्ध नहीं है। / This list is no longer available.", NULL,
               "officer_reply", e);
}

int desk_officer(desk_out *o, const wa_message *m, err *e)
{
    officer_command cmd;
    case_info c;
    case_staff staff;
    char reply[4600];
    int found;
    const char *text = m->kind == WA_MSG_TEXT     ? m->text
                       : m->kind == WA_MSG_BUTTON ? m->reply_title
                                                  : "";
    if (wa_in_kind_is_silent(m->kind))
        return 0;
    if (m->kind == WA_MSG_BUTTON && !strncmp(m->reply_id, "digest:", 7))
        return digest_tap(o, m, e); /* before its title "Show the list" is taken for "show" */
    if (*text) {
        char citizen[32];
        int got = helpdesk_peer(o, m->context_id, m->from, "officer_helpdesk", citizen,
                                sizeof citizen, e);
        if (got)
            return got < 0 ? -1 : helpdesk_answer(o, m->from, citizen, text, e);
    }
    if (case_staff_of(o->pg, m->from, NULL, &staff, e) < 0)
        return -1;
    officer_parse(text, m->context_id, &cmd);
    if (cmd.cmd == OFFICER_UNKNOWN || cmd.cmd == OFFICER_HELP) {
        snprintf(reply, sizeof reply, "%s%s",
                 cmd.cmd == OFFICER_UNKNOWN ? "यह आदेश समझ नहीं आया।\n\n" : "", officer_help);
        return say(o, m->from, reply, NULL, "officer_reply", e);
    }
    if (cmd.cmd == OFFICER_CASES)
        return officer_cases(o, m->from, staff.supervisor && !staff.officer, e);
    /* Find the case: the tracking number written, or the notification swiped. */
    /* A swipe-reply is about the swiped notification's case, whatever numbers the text
     * mentions; a written number counts only when the swipe does not lead to a case. */
    found = cmd.swipe ? case_get_by_message(o->pg, m->context_id, &c, e) : 0;
    if (found < 0)
        return -1;
    if (!found && cmd.tracking[0])
        found = case_get(o->pg, cmd.tracking, &c, e);
    else if (!found && !cmd.swipe) {
        snprintf(reply, sizeof reply, "शिकायत संख्या लिखें, जैसे: %s BLB-2026-000123 <संदेश>",
                 officer_cmd_name(cmd.cmd));
        return say(o, m->from, reply, NULL, "officer_reply", e);
    }
    if (found < 0)
        return -1;
    if (!found) {
        snprintf(
            reply, sizeof reply,
            "शिकायत %s नहीं मिली। संख्या जांचें (जैसे BLB-2026-000123), या 'cases' लिखकर अपनी शिकायतें देखें।",
            cmd.tracking[0] ? cmd.tracking : "(जिस संदेश पर जवाब दिया)");
        return say(o, m->from, reply, NULL, "officer_reply", e);
    }
    if (!staff.supervisor) {
        if (case_staff_of(o->pg, m->from, c.department, &staff, e) < 0)
            return -1;
        if (!staff.of_dept) {
            /* Which department holds it is not theirs to know (issue 14). */
            snprintf(reply, sizeof reply,
                     "शिकायत %s आपके विभाग की शिकायतों में नहीं है, इस पर आप कार्रवाई नहीं कर सकते। / "
                     "Complaint %s is not one of your department's cases.",
                     c.tracking_no, c.tracking_no);
            return say(o, m->from, reply, NULL, "officer_reply", e);
        }
    }
    if (cmd.cmd == OFFICER_SHOW) {
        snprintf(
            reply, sizeof reply, "%s — %s (%s)\nस्थिति: %s, दोबारा खुली: %d बार\n%s%s%s\nनागरिक: %s",
            c.tracking_no, c.dept_name_hi, c.department, c.status, c.reopen_count, c.description,
            c.place[0] ? "\nगांव/वार्ड: " : "", c.place,
            c.citizen[0] ? c.citizen : "— (अवधि पूरी होने पर हटाया गया / removed after retention)");
        if (say(o, m->from, reply, NULL, "officer_reply", e) < 0)
            return -1;
        /* The case's files follow: writing has opened the officer's 24-hour window, so media
         * that could not reach them as a template notification arrives now. */
        {
            PGresult *a = case_attachments(o->pg, c.id, e);
            if (!a)
                return -1;
            for (int i = 0; i < PQntuples(a); i++) {
                char key[320];
                key_for(o, key, sizeof key);
                if (!o->no_outbox &&
                    outbox_media(o->pg, key, m->from, PQgetvalue(a, i, 1), PQgetvalue(a, i, 0),
                                 c.tracking_no, "officer_reply", c.id, e) < 0) {
                    PQclear(a);
                    return -1;
                }
            }
            PQclear(a);
        }
        return 0;
    }
    if (!strcmp(c.status, "closed")) {
        snprintf(reply, sizeof reply, "शिकायत %s बंद हो चुकी है।", c.tracking_no);
        return say(o, m->from, reply, NULL, "officer_reply", e);
    }
    if ((cmd.cmd == OFFICER_REPLY || cmd.cmd == OFFICER_DOCS || cmd.cmd == OFFICER_RESOLVE) &&
        !cmd.text[0]) {
        snprintf(reply, sizeof reply, "संदेश खाली है। ऐसे लिखें: %s %s <संदेश>", officer_cmd_name(cmd.cmd),
                 c.tracking_no);
        return say(o, m->from, reply, NULL, "officer_reply", e);
    }
    switch (cmd.cmd) {
    case OFFICER_REPLY:
    case OFFICER_DOCS: {
        int en = !strcmp(c.lang, "en");
        if (case_mark_in_progress(o->pg, c.id, e) < 0 ||
            event(o, &c, cmd.cmd == OFFICER_REPLY ? "reply" : "docs_requested", m->from, cmd.text,
                  NULL, e) < 0)
            return -1;
        if (cmd.cmd == OFFICER_DOCS) {
            if (case_request_docs(o->pg, c.id, m->from, e) < 0)
                return -1;
            snprintf(reply, sizeof reply,
                     en ? "For your complaint %s the officer needs:\n%s\nPlease send the photo or "
                          "document here."
                        : "शिकायत %s के लिए अधिकारी को यह चाहिए:\n%s\nकृपया फोटो या दस्तावेज़ यहीं भेजें।",
                     c.tracking_no, cmd.text);
        } else {
            snprintf(reply, sizeof reply,
                     en ? "Reply from the officer on your complaint %s:\n%s"
                        : "आपकी शिकायत %s पर अधिकारी का जवाब:\n%s",
                     c.tracking_no, cmd.text);
        }
        if (say(o, c.citizen, reply, c.id, "citizen_update", e) < 0)
            return -1;
        snprintf(reply, sizeof reply, "✓ शिकायत %s: नागरिक को भेज दिया गया।", c.tracking_no);
        return say(o, m->from, reply, c.id, "officer_reply", e);
    }
    case OFFICER_RESOLVE:
        if (case_resolve(o->pg, c.id, e) < 0 ||
            event(o, &c, "resolved", m->from, cmd.text, NULL, e) < 0 ||
            ask_satisfaction(o, &c, cmd.text, e) < 0)
            return -1;
        snprintf(reply, sizeof reply, "✓ शिकायत %s हल के रूप में दर्ज। नागरिक से संतुष्टि पूछी गई है।",
                 c.tracking_no);
        return say(o, m->from, reply, c.id, "officer_reply", e);
    case OFFICER_TRANSFER: {
        char detail[200];
        int moved;
        if (!cmd.dept[0] || !strcmp(cmd.dept, c.department)) {
            snprintf(reply, sizeof reply,
                     "किस विभाग को? ऐसे लिखें: transfer %s <विभाग कोड, जैसे CSPDCL>", c.tracking_no);
            return say(o, m->from, reply, NULL, "officer_reply", e);
        }
        if ((moved = case_transfer(o->pg, c.id, cmd.dept, e)) < 0)
            return -1;
        if (moved == 0) {
            snprintf(reply, sizeof reply,
                     "विभाग कोड %s नहीं मिला। सही कोड लिखें (जैसे PHE, CSPDCL, REVENUE)।", cmd.dept);
            return say(o, m->from, reply, NULL, "officer_reply", e);
        }
        snprintf(detail, sizeof detail, "{\"from\": \"%s\", \"to\": \"%s\"}", c.department, cmd.dept);
        if (event(o, &c, "transferred", m->from, cmd.text, detail, e) < 0 ||
            case_get(o->pg, c.tracking_no, &c, e) < 0)
            return -1;
        case_summary(&c, "स्थानांतरित शिकायत", reply, sizeof reply);
        if (notify_dept(o, c.department, reply, c.id, "officer_new_case", 0, 0, e) < 0)
            return -1;
        snprintf(reply, sizeof reply,
                 strcmp(c.lang, "en") ? "आपकी शिकायत %s अब %s विभाग को भेजी गई है।"
                                      : "Your complaint %s is now with the %s department.",
                 c.tracking_no, strcmp(c.lang, "en") ? c.dept_name_hi : c.dept_name_en);
        if (say(o, c.citizen, reply, c.id, "citizen_update", e) < 0)
            return -1;
        snprintf(reply, sizeof reply, "✓ शिकायत %s %s विभाग को भेज दी गई।", c.tracking_no, c.department);
        return say(o, m->from, reply, c.id, "officer_reply", e);
    }
    default:
        return 0;
    }
}

/* ---- citizens ------------------------------------------------------------------------------ */

/* A one-line update to the case's citizen about their case: fmt names the tracking number once. */
static int tell(desk_out *o, const case_info *c, err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int tell(desk_out *o, const case_info *c, err *e, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return say(o, c->citizen, text, c->id, "citizen_update", e);
}

/* "Not satisfied", with the citizen's reason (or none, when it never came): the case reopens,
 * its SLA clock restarts, the department's officers are told why, a second reopen goes to the
 * nodal officer too, and the citizen is told. Returns 1 when reopened, 0 when the case no
 * longer waits for a reason (closed or reopened meanwhile), -1 on error. */
static int reopen(desk_out *o, const case_info *c, const char *actor, const char *reason,
                  int explained, int en, err *e)
{
    char reply[4200], cut[3000];
    int count = case_reopen(o->pg, c->id, e);
    if (count <= 0)
        return count;
    if (event(o, c, "reopened", actor, reason, NULL, e) < 0)
        return -1;
    snprintf(reply, sizeof reply,
             "शिकायत %s फिर से खोली गई — नागरिक समाधान से संतुष्ट नहीं (%d बार)।\nकारण: %s\n\nजवाब: "
             "reply %s <संदेश>",
             c->tracking_no, count, forwarded(reason, cut, sizeof cut), c->tracking_no);
    if (notify_dept(o, c->department, reply, c->id, "officer_reopened", count >= 2, 0, e) < 0)
        return -1;
    if (count >= 2 && (case_escalate_reopened(o->pg, c->id, e) < 0 ||
                       event(o, c, "escalated", "system", "reopened twice: nodal officer notified",
                             "{\"level\": 1, \"reason\": \"reopened\"}", e) < 0))
        return -1;
    if (tell(o, c, e,
             explained ? (en ? "Thank you. Your complaint %s has been reopened and the officer has "
                               "been told why."
                             : "धन्यवाद। आपकी शिकायत %s फिर से खोल दी गई है और अधिकारी को कारण बता "
                               "दिया गया है।")
                       : (en ? "Your complaint %s has been reopened, and the officer has been told "
                               "that the problem is not solved."
                             : "आपकी शिकायत %s फिर से खोल दी गई है, और अधिकारी को बता दिया गया है कि "
                               "समस्या हल नहीं हुई।"),
             c->tracking_no) < 0)
        return -1;
    return 1;
}

/* What the citizen sent for a request for documents, to one officer: their text, or the file. */
static int forward_docs(desk_out *o, const case_info *c, const char *to, const wa_message *m,
                        err *e)
{
    char reply[5120], key[320];
    snprintf(reply, sizeof reply, "शिकायत %s: नागरिक ने भेजा%s%s", c->tracking_no,
             m->kind == WA_MSG_TEXT ? ":\n" : " (फाइल साथ में)",
             m->kind == WA_MSG_TEXT ? m->text : "");
    if (say(o, to, reply, c->id, "officer_docs", e) < 0)
        return -1;
    key_for(o, key, sizeof key);
    if (m->kind == WA_MSG_TEXT || o->no_outbox)
        return 0;
    return outbox_media(o->pg, key, to, wa_in_kind_name(m->kind), m->media_id, c->tracking_no,
                        "officer_docs", c->id, e);
}

int desk_citizen(desk_out *o, const wa_message *m, const char *lang, int in_confirm,
                 int case_waiting, int *handled, err *e)
{
    case_info c;
    char norm[256] = "", reply[5120];
    const char *reply_id =
        (m->kind == WA_MSG_BUTTON_REPLY || m->kind == WA_MSG_LIST_REPLY) ? m->reply_id : "";
    int found, en;
    *handled = 0;
    if (wa_in_kind_is_silent(m->kind))
        return 0;
    if (m->kind == WA_MSG_TEXT) {
        /* A swipe-reply to the helpdesk's answer goes back to the officer who wrote it. */
        char staff[32];
        int got =
            helpdesk_peer(o, m->context_id, m->from, "helpdesk_reply", staff, sizeof staff, e);
        if (got < 0)
            return -1;
        if (got) {
            int english = lang && !strcmp(lang, "en");
            *handled = 1;
            if (staff[0]) {
                if (helpdesk_to_staff(o, staff, m->from, "ने लिखा:", m->text, e) < 0)
                    return -1;
            } else if ((got = helpdesk_to_nodal(o, m->from, "ने लिखा:", m->text, e)) < 0) {
                return -1;
            }
            return say(o, m->from,
                       got == 0  ? (english ? "The helpdesk cannot be reached at the moment."
                                            : "हेल्पडेस्क से अभी संपर्क नहीं हो सकता।")
                       : english ? "✅ Sent to the helpdesk."
                                 : "✅ हेल्पडेस्क को भेज दिया गया।",
                       NULL, "citizen_update", e);
        }
    }
    if (m->kind == WA_MSG_TEXT)
        text_normalize(m->text, norm, sizeof norm);
    /* A tapped satisfaction button names its case; otherwise the citizen's pending one. */
    if (!strncmp(reply_id, "sat:", 4)) {
        const char *t = strchr(reply_id + 4, ':');
        found = t ? case_get(o->pg, t + 1, &c, e) : 0;
        if (found > 0 && strcmp(c.citizen, m->from) != 0)
            found = 0;
    } else if (case_waiting) {
        /* Which waiting case: media answers a request for documents, yes/no a question. */
        const char *like =
            m->kind == WA_MSG_TEXT
                ? (*norm && (words_in(norm, words_yes) || words_in(norm, words_no)) ? "answer"
                                                                                    : "text")
            : m->kind == WA_MSG_AUDIO ? "text"
                                      : "docs";
        found = case_get_waiting(o->pg, m->from, like, &c, e);
    } else {
        found = 0;
    }
    if (found < 0)
        return -1;
    en = found ? !strcmp(c.lang, "en") : lang && !strcmp(lang, "en");
    if (found && c.awaiting_reason && (m->kind == WA_MSG_TEXT || m->kind == WA_MSG_AUDIO) &&
        !in_confirm && !(*norm && words_in(norm, words_flow))) {
        int rc =
            reopen(o, &c, m->from, m->kind == WA_MSG_TEXT ? m->text : "(voice note)", 1, en, e);
        *handled = rc > 0;
        return rc < 0 ? -1 : 0;
    }
    if (found && c.asked && !strcmp(c.status, "resolved")) {
        /* A tapped answer always counts; a typed one only when the flow is not asking its own
         * question. */
        int typed = !*reply_id && !in_confirm && *norm;
        int is_yes = !strncmp(reply_id, "sat:yes:", 8) || (typed && words_in(norm, words_yes));
        int is_no = !strncmp(reply_id, "sat:no:", 7) || (typed && words_in(norm, words_no));
        if (is_yes) {
            int done = case_close_satisfied(o->pg, c.id, e);
            if (done <= 0)
                return done; /* 0: closed meanwhile (auto-close) */
            if (event(o, &c, "closed", m->from, "citizen satisfied", NULL, e) < 0)
                return -1;
            *handled = 1;
            return tell(o, &c, e,
                        en ? "Thank you! Your complaint %s is now closed."
                           : "धन्यवाद! आपकी शिकायत %s बंद कर दी गई है।",
                        c.tracking_no);
        }
        if (is_no) {
            int done = case_ask_reason(o->pg, c.id, e);
            if (done <= 0)
                return done; /* 0: closed meanwhile */
            if (event(o, &c, "not_satisfied", m->from, NULL, NULL, e) < 0)
                return -1;
            *handled = 1;
            return tell(o, &c, e,
                        en ? "We are sorry. Please tell us in a few words why the problem of "
                             "complaint %s is not solved."
                           : "हमें खेद है। कृपया कुछ शब्दों में बताएं कि शिकायत %s की समस्या क्यों हल नहीं हुई।",
                        c.tracking_no);
        }
    }
    if (found && c.awaiting_docs && !in_confirm && !(*norm && words_in(norm, words_flow)) &&
        (m->kind == WA_MSG_IMAGE || m->kind == WA_MSG_DOCUMENT || m->kind == WA_MSG_AUDIO ||
         m->kind == WA_MSG_VIDEO || m->kind == WA_MSG_TEXT)) {
        /* What the officer asked for: attached to the case and forwarded to that officer. */
        PGresult *r = case_docs_answered(o->pg, c.id, e);
        if (!r)
            return -1;
        if (m->kind != WA_MSG_TEXT &&
            case_attach(o->pg, c.id, NULL, m->media_id, wa_in_kind_name(m->kind), m->mime_type,
                        m->caption, m->filename, e) < 0) {
            PQclear(r);
            return -1;
        }
        if (event(o, &c, "docs_received", m->from, m->kind == WA_MSG_TEXT ? m->text : m->caption,
                  NULL, e) < 0) {
            PQclear(r);
            return -1;
        }
        for (int i = 0; i < PQntuples(r); i++)
            if (forward_docs(o, &c, PQgetvalue(r, i, 0), m, e) < 0) {
                PQclear(r);
                return -1;
            }
        PQclear(r);
        *handled = 1;
        return tell(
            o, &c, e,
            en ? "Thank you. This has been added to your complaint %s and sent to the officer."
               : "धन्यवाद। यह आपकी शिकायत %s में जोड़कर अधिकारी को भेज दिया गया है।",
            c.tracking_no);
    }
    if ((m->kind == WA_MSG_TEXT && !in_confirm) || !strncmp(reply_id, "t:", 2)) {
        /* A tracking number sent (or a case tapped in the list) at any time: the status of
         * that case, if it is theirs. */
        char t[32];
        case_info ci;
        int got;
        if (!officer_find_tracking(*reply_id ? reply_id + 2 : m->text, t, NULL, NULL))
            return 0;
        if ((got = case_lookup(o->pg, m->from, t, en ? "en" : "hi", &ci, e)) < 0)
            return -1;
        if (got)
            snprintf(reply, sizeof reply,
                     en ? "Complaint %s\nStatus: %s\nDepartment: %s\nLast action: %s on "
                          "%s\nExpected resolution by: %s"
                        : "शिकायत %s\nस्थिति: %s\nविभाग: %s\nपिछली कार्रवाई: %s, %s\nसमाधान की "
                          "समय-सीमा: %s",
                     ci.tracking_no, ci.status, ci.department_name, ci.last_action,
                     ci.last_action_at, ci.due);
        else
            snprintf(reply, sizeof reply,
                     en ? "We could not find complaint %s among your complaints. Please check the "
                          "number."
                        : "आपकी शिकायतों में %s नहीं मिली। कृपया नंबर जांच लें।",
                     t);
        *handled = 1;
        return say(o, m->from, reply, NULL, "conversation", e);
    }
    return 0;
}

int desk_recent_cases(desk_out *o, const char *phone, const char *lang, const char *shown, err *e)
{
    int en = lang && !strcmp(lang, "en");
    PGresult *r = case_recent_of(o->pg, phone, en ? "en" : "hi", shown, e);
    engine_out list;
    char key[320], body[200];
    if (!r)
        return -1;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return 0;
    }
    memset(&list, 0, sizeof list);
    list.kind = ENGINE_SEND;
    list.type = ENGINE_LIST;
    snprintf(body, sizeof body, "%s",
             en ? "Your other complaints: tap one to see its status."
                : "आपकी दूसरी शिकायतें: स्थिति देखने के लिए किसी एक को चुनें।");
    list.text = body;
    snprintf(list.button, sizeof list.button, "%s", en ? "My complaints" : "मेरी शिकायतें");
    for (int i = 0; i < PQntuples(r) && list.nopts < 9; i++) {
        engine_option *op = &list.opts[list.nopts++];
        snprintf(op->id, sizeof op->id, "t:%s", PQgetvalue(r, i, 0));
        db_copy(op->title, sizeof op->title, r, i, 0);
        snprintf(op->desc, sizeof op->desc, "%s — %s", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        text_cut(op->desc, 72);
    }
    PQclear(r);
    key_for(o, key, sizeof key);
    if (!o->no_outbox && outbox_engine(o->pg, key, phone, &list, "conversation", NULL, e) < 0)
        return -1;
    if (o->sink)
        o->sink(o->ud, phone, &list);
    return 0;
}

int desk_reopen_unexplained(desk_out *o, const char *tracking_no, err *e)
{
    case_info c;
    int found = case_get(o->pg, tracking_no, &c, e);
    if (found <= 0)
        return found;
    return reopen(o, &c, "scheduler",
                  "(कारण नहीं बताया — no reason given within a day of answering \"not satisfied\")",
                  0, !strcmp(c.lang, "en"), e);
}
