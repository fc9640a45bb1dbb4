/* desk_officer.c — the officers' side of the desk (see desk.h, desk_officer.h): their commands
 * by a table (officer_commands.def), a pure decision (desk_officer_decide) and a thin act step
 * that gathers the facts the decision needs and carries its plan out — SQL through cases.c,
 * messages through the outbox. Messages to officers are Hindi with the commands spelt out. */
#include "desk_officer.h"

#include <stdio.h>
#include <string.h>

#include "desk_int.h"
#include "outbox.h"
#include "text.h"

/* ---- the decision (pure) ------------------------------------------------------------------- */

static void add(desk_plan *p, desk_step step, desk_msg msg, const char *event)
{
    if (p->n < DESK_PLAN_MAX)
        p->a[p->n++] = (desk_action){step, msg, event};
}

static void say_officer(desk_plan *p, desk_msg msg)
{
    add(p, DESK_SAY_OFFICER, msg, NULL);
}

/* help, cases, show: one step, whatever the facts (the checks before it are the table's). */
static void plan_one(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    (void)f;
    if (c->cmd == OFFICER_HELP)
        say_officer(p, DESK_MSG_HELP);
    else
        add(p, c->cmd == OFFICER_CASES ? DESK_LIST_CASES : DESK_SHOW_CASE, DESK_MSG_NONE, NULL);
}

/* reply and docs: the officer's words reach the citizen and the case is in progress; docs also
 * makes the case wait for the citizen's documents. */
static void plan_answer(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    int docs = c->cmd == OFFICER_DOCS;
    (void)f;
    add(p, DESK_MARK_PROGRESS, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, docs ? "docs_requested" : "reply");
    if (docs)
        add(p, DESK_REQUEST_DOCS, DESK_MSG_NONE, NULL);
    add(p, DESK_SAY_CITIZEN, docs ? DESK_MSG_CITIZEN_DOCS : DESK_MSG_CITIZEN_REPLY, NULL);
    say_officer(p, DESK_MSG_SENT);
}

static void plan_resolve(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    (void)c, (void)f;
    add(p, DESK_RESOLVE, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "resolved");
    add(p, DESK_ASK_SATISFACTION, DESK_MSG_NONE, NULL);
    say_officer(p, DESK_MSG_RESOLVED);
}

static void plan_transfer(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    if (!c->dept[0] || f->same_dept) {
        say_officer(p, DESK_MSG_NEED_DEPT);
        return;
    }
    if (!f->target_active) {
        say_officer(p, DESK_MSG_UNKNOWN_DEPT);
        return;
    }
    add(p, DESK_TRANSFER, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "transferred");
    add(p, DESK_NOTIFY_DEPT, DESK_MSG_NONE, NULL);
    add(p, DESK_SAY_CITIZEN, DESK_MSG_CITIZEN_MOVED, NULL);
    say_officer(p, DESK_MSG_TRANSFERRED);
}

/* A portal note: internal, an event only — nothing is sent to anyone. */
static void plan_note(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    (void)c, (void)f;
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "note");
}

/* Not an officer's WhatsApp command (officer.c has no keyword for it): the portal's only. A note
 * may be kept on a closed case too. */
static const desk_command note_command = {OFFICER_UNKNOWN, "note", DESK_SEEN_CASE, 1, plan_note};

static const desk_command commands[] = {
#define OFFICER_COMMAND(cmd, name, en, hi, needs_case, needs_text, handler)                        \
    {cmd, name, (desk_needs_case)(needs_case), needs_text, handler},
#include "officer_commands.def"
#undef OFFICER_COMMAND
};

const desk_command *desk_command_of(officer_cmd c)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].cmd == c)
            return &commands[i];
    return NULL;
}

/* The checks every command shares, from its row of the table: the message that refuses it, or
 * DESK_MSG_NONE when its handler may plan it. */
static desk_msg refusal(const desk_command *k, const officer_command *c, const desk_facts *f)
{
    if (!k)
        return DESK_MSG_NOT_UNDERSTOOD;
    if (k->needs_case != DESK_NO_CASE) {
        /* A swipe-reply is about the swiped notification's case; otherwise the number written. */
        if (!c->swipe && !c->tracking[0])
            return DESK_MSG_NEED_TRACKING;
        if (!f->found)
            return DESK_MSG_NO_CASE;
        if (!f->supervisor && !f->of_dept)
            return DESK_MSG_NOT_YOURS;
        if (k->needs_case == DESK_OPEN_CASE && f->closed)
            return DESK_MSG_CLOSED;
    }
    if (k->needs_text && !c->text[0])
        return DESK_MSG_EMPTY_TEXT;
    return DESK_MSG_NONE;
}

static void decide(const desk_command *k, const officer_command *c, const desk_facts *f,
                   desk_plan *out)
{
    desk_msg refused = refusal(k, c, f);
    memset(out, 0, sizeof *out);
    if (refused != DESK_MSG_NONE)
        say_officer(out, refused);
    else
        k->plan(c, f, out);
}

void desk_officer_decide(const officer_command *c, const desk_facts *f, desk_plan *out)
{
    decide(desk_command_of(c->cmd), c, f, out);
}

/* ---- gathering the facts ------------------------------------------------------------------- */

/* The case (into c) and who the officer is to it. A swipe-reply is about the swiped
 * notification's case, whatever numbers the text mentions; a written number counts only when
 * the swipe does not lead to a case. */
static int gather(desk_out *o, const char *phone, const char *context_id,
                  const desk_command *k, const officer_command *cmd, case_info *c, desk_facts *f,
                  err *e)
{
    case_staff staff;
    int found = 0;
    memset(f, 0, sizeof *f);
    if (k && k->needs_case != DESK_NO_CASE) {
        if (cmd->swipe && (found = case_get_by_message(o->pg, context_id, c, e)) < 0)
            return -1;
        if (!found && cmd->tracking[0] && (found = case_get(o->pg, cmd->tracking, c, e)) < 0)
            return -1;
    }
    if (case_staff_of(o->pg, phone, found ? c->department : NULL,
                      found && cmd->cmd == OFFICER_TRANSFER ? cmd->dept : NULL, &staff, e) < 0)
        return -1;
    f->supervisor = staff.supervisor;
    f->officer = staff.officer;
    f->of_dept = staff.of_dept;
    f->found = found;
    f->closed = found && !strcmp(c->status, "closed");
    f->same_dept = found && !strcmp(cmd->dept, c->department);
    f->target_active = staff.target_active;
    return 0;
}

/* ---- acting -------------------------------------------------------------------------------- */

static const char officer_help[] = "आदेश / Commands:\n"
                                   "reply <शिकायत संख्या> <संदेश> — नागरिक को जवाब\n"
                                   "docs <शिकायत संख्या> <क्या चाहिए> — दस्तावेज़ मांगें\n"
                                   "resolve <शिकायत संख्या> <टिप्पणी> — हल करें\n"
                                   "transfer <शिकायत संख्या> <विभाग कोड> — दूसरे विभाग को भेजें\n"
                                   "cases — आपकी खुली शिकायतें\n"
                                   "show <शिकायत संख्या> — विवरण\n"
                                   "(हिंदी में भी: उत्तर, दस्तावेज़, हल, स्थानांतरण, मामले, देखें। किसी सूचना पर "
                                   "स्वाइप करके सीधे जवाब भी दे सकते हैं।)";

/* The text of msg to the officer; 1 when it is about the case (kept with it), 0 when not. */
static int officer_text(desk_msg msg, const officer_command *cmd, const case_info *c, char *out,
                        size_t n)
{
    switch (msg) {
    case DESK_MSG_NOT_UNDERSTOOD:
    case DESK_MSG_HELP:
        snprintf(out, n, "%s%s", msg == DESK_MSG_NOT_UNDERSTOOD ? "यह आदेश समझ नहीं आया।\n\n" : "",
                 officer_help);
        return 0;
    case DESK_MSG_NEED_TRACKING:
        snprintf(out, n, "शिकायत संख्या लिखें, जैसे: %s BLB-2026-000123 <संदेश>",
                 officer_cmd_name(cmd->cmd));
        return 0;
    case DESK_MSG_NO_CASE:
        snprintf(
            out, n,
            "शिकायत %s नहीं मिली। संख्या जांचें (जैसे BLB-2026-000123), या 'cases' लिखकर अपनी शिकायतें देखें।",
            cmd->tracking[0] ? cmd->tracking : "(जिस संदेश पर जवाब दिया)");
        return 0;
    case DESK_MSG_NOT_YOURS:
        /* Which department holds it is not theirs to know (issue 14). */
        snprintf(out, n,
                 "शिकायत %s आपके विभाग की शिकायतों में नहीं है, इस पर आप कार्रवाई नहीं कर सकते। / "
                 "Complaint %s is not one of your department's cases.",
                 c->tracking_no, c->tracking_no);
        return 0;
    case DESK_MSG_CLOSED:
        snprintf(out, n, "शिकायत %s बंद हो चुकी है।", c->tracking_no);
        return 0;
    case DESK_MSG_EMPTY_TEXT:
        snprintf(out, n, "संदेश खाली है। ऐसे लिखें: %s %s <संदेश>", officer_cmd_name(cmd->cmd),
                 c->tracking_no);
        return 0;
    case DESK_MSG_NEED_DEPT:
        snprintf(out, n, "किस विभाग को? ऐसे लिखें: transfer %s <विभाग कोड, जैसे CSPDCL>",
                 c->tracking_no);
        return 0;
    case DESK_MSG_UNKNOWN_DEPT:
        snprintf(out, n, "विभाग कोड %s नहीं मिला। सही कोड लिखें (जैसे PHE, CSPDCL, REVENUE)।",
                 cmd->dept);
        return 0;
    case DESK_MSG_SENT:
        snprintf(out, n, "✓ शिकायत %s: नागरिक को भेज दिया गया।", c->tracking_no);
        return 1;
    case DESK_MSG_RESOLVED:
        snprintf(out, n, "✓ शिकायत %s हल के रूप में दर्ज। नागरिक से संतुष्टि पूछी गई है।", c->tracking_no);
        return 1;
    case DESK_MSG_TRANSFERRED:
        snprintf(out, n, "✓ शिकायत %s %s विभाग को भेज दी गई।", c->tracking_no, c->department);
        return 1;
    default:
        out[0] = '\0';
        return 0;
    }
}

/* The text of msg to the case's citizen, in their language. */
static void citizen_text(desk_msg msg, const officer_command *cmd, const case_info *c, char *out,
                         size_t n)
{
    int en = !strcmp(c->lang, "en");
    switch (msg) {
    case DESK_MSG_CITIZEN_DOCS:
        snprintf(out, n,
                 en ? "For your complaint %s the officer needs:\n%s\nPlease send the photo or "
                      "document here."
                    : "शिकायत %s के लिए अधिकारी को यह चाहिए:\n%s\nकृपया फोटो या दस्तावेज़ यहीं भेजें।",
                 c->tracking_no, cmd->text);
        break;
    case DESK_MSG_CITIZEN_MOVED:
        snprintf(out, n,
                 en ? "Your complaint %s is now with the %s department."
                    : "आपकी शिकायत %s अब %s विभाग को भेजी गई है।",
                 c->tracking_no, en ? c->dept_name_en : c->dept_name_hi);
        break;
    default:
        snprintf(out, n,
                 en ? "Reply from the officer on your complaint %s:\n%s"
                    : "आपकी शिकायत %s पर अधिकारी का जवाब:\n%s",
                 c->tracking_no, cmd->text);
        break;
    }
}

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
    return desk_say(o, phone, text, NULL, "officer_reply", e);
}

/* The case's details, then its files: writing has opened the officer's 24-hour window, so media
 * that could not reach them as a template notification arrives now. */
static int show_case(desk_out *o, const char *to, const case_info *c, err *e)
{
    char text[4600];
    PGresult *a;
    int rc = 0;
    snprintf(text, sizeof text, "%s — %s (%s)\nस्थिति: %s, दोबारा खुली: %d बार\n%s%s%s\nनागरिक: %s",
             c->tracking_no, c->dept_name_hi, c->department, c->status, c->reopen_count,
             c->description, c->place[0] ? "\nगांव/वार्ड: " : "", c->place,
             c->citizen[0] ? c->citizen
                           : "— (अवधि पूरी होने पर हटाया गया / removed after retention)");
    if (desk_say(o, to, text, NULL, "officer_reply", e) < 0)
        return -1;
    if (!(a = case_attachments(o->pg, c->id, e)))
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(a); i++) {
        char key[320];
        desk_key(o, key, sizeof key);
        if (!o->no_outbox)
            rc = outbox_media(o->pg, key, to, PQgetvalue(a, i, 1), PQgetvalue(a, i, 0),
                              c->tracking_no, "officer_reply", c->id, e);
    }
    PQclear(a);
    return rc < 0 ? -1 : 0;
}

/* The closing step: the officer's note and "are you satisfied?", Yes/No buttons naming the case. */
static int ask_satisfaction(desk_out *o, const case_info *c, const char *full_note, err *e)
{
    engine_out q;
    char body[3072], note[2404]; /* 600 letters of note */
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
    return desk_send(o, c->citizen, &q, "citizen_update", c->id, e);
}

/* The case moved: re-read in its new department, whose officers get it. */
static int notify_new_dept(desk_out *o, case_info *c, err *e)
{
    char text[4600];
    if (case_get(o->pg, c->tracking_no, c, e) < 0)
        return -1;
    desk_case_summary(c, "स्थानांतरित शिकायत", text, sizeof text);
    return desk_notify_dept(o, c->department, text, c->id, "officer_new_case", 0, 0, e);
}

/* Who acts: the phone the directory knows (and the officer's messages go to), the actor their
 * events record ("web:<phone>" on the portal), and whether they are told on WhatsApp (not on
 * the portal, whose answer tells them). */
typedef struct who {
    const char *phone;
    const char *actor;
    int tell;
} who;

/* One step of the plan: 0 done, 1 the plan ends here (said why), -1 error. */
static int act(desk_out *o, const who *w, const officer_command *cmd, case_info *c,
               const desk_facts *f, const desk_action *a, err *e)
{
    char text[4600], detail[200];
    int moved;
    switch (a->step) {
    case DESK_SAY_OFFICER: {
        if (!w->tell)
            return 0;
        int about = officer_text(a->msg, cmd, c, text, sizeof text);
        return desk_say(o, w->phone, text, about ? c->id : NULL, "officer_reply", e);
    }
    case DESK_SAY_CITIZEN:
        citizen_text(a->msg, cmd, c, text, sizeof text);
        return desk_say(o, c->citizen, text, c->id, "citizen_update", e);
    case DESK_LIST_CASES:
        return officer_cases(o, w->phone, f->supervisor && !f->officer, e);
    case DESK_SHOW_CASE:
        return show_case(o, w->phone, c, e);
    case DESK_MARK_PROGRESS:
        return case_mark_in_progress(o->pg, c->id, e);
    case DESK_ADD_EVENT:
        /* Before the transfer's re-read, c is still in the department it leaves. */
        snprintf(detail, sizeof detail, "{\"from\": \"%s\", \"to\": \"%s\"}", c->department,
                 cmd->dept);
        return desk_event(o, c, a->event, w->actor, cmd->text,
                          cmd->cmd == OFFICER_TRANSFER ? detail : NULL, e);
    case DESK_REQUEST_DOCS:
        return case_request_docs(o->pg, c->id, w->phone, e);
    case DESK_RESOLVE:
        return case_resolve(o->pg, c->id, e);
    case DESK_ASK_SATISFACTION:
        return ask_satisfaction(o, c, cmd->text, e);
    case DESK_TRANSFER:
        if ((moved = case_transfer(o->pg, c->id, cmd->dept, e)) != 0)
            return moved < 0 ? -1 : 0;
        /* Made inactive since the facts were gathered. */
        if (!w->tell)
            return 1;
        officer_text(DESK_MSG_UNKNOWN_DEPT, cmd, c, text, sizeof text);
        return desk_say(o, w->phone, text, NULL, "officer_reply", e) < 0 ? -1 : 1;
    case DESK_NOTIFY_DEPT:
        return notify_new_dept(o, c, e);
    }
    return 0;
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
    desk_key(o, key, sizeof key);
    if ((got = outbox_digest_again(o->pg, key, m->from, earlier, e)) != 0)
        return got < 0 ? -1 : 0;
    return desk_say(o, m->from, "यह सूची अब उपलब्ध नहीं है। / This list is no longer available.", NULL,
                    "officer_reply", e);
}

int desk_officer(desk_out *o, const wa_message *m, err *e)
{
    officer_command cmd;
    case_info c;
    desk_facts f;
    desk_plan plan;
    const who w = {m->from, m->from, 1};
    const char *text = m->kind == WA_MSG_TEXT     ? m->text
                       : m->kind == WA_MSG_BUTTON ? m->reply_title
                                                  : "";
    if (wa_in_kind_is_silent(m->kind))
        return 0;
    if (m->kind == WA_MSG_BUTTON && !strncmp(m->reply_id, "digest:", 7))
        return digest_tap(o, m, e); /* before its title "Show the list" is taken for "show" */
    if (*text) {
        char citizen[32];
        int got = desk_helpdesk_peer(o, m->context_id, m->from, "officer_helpdesk", citizen,
                                     sizeof citizen, e);
        if (got)
            return got < 0 ? -1 : desk_helpdesk_answer(o, m->from, citizen, text, e);
    }
    officer_parse(text, m->context_id, &cmd);
    memset(&c, 0, sizeof c);
    if (gather(o, m->from, m->context_id, desk_command_of(cmd.cmd), &cmd, &c, &f, e) < 0)
        return -1;
    desk_officer_decide(&cmd, &f, &plan);
    for (int i = 0; i < plan.n; i++) {
        int rc = act(o, &w, &cmd, &c, &f, &plan.a[i], e);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    return 0;
}

int desk_officer_web(desk_out *o, const char *phone, const char *actor, const officer_command *cmd,
                     int note, desk_msg *refused, err *e)
{
    const desk_command *k = note ? &note_command : desk_command_of(cmd->cmd);
    const who w = {phone, actor, 0};
    case_info c;
    desk_facts f;
    desk_plan plan;
    *refused = DESK_MSG_NONE;
    memset(&c, 0, sizeof c);
    if (gather(o, phone, "", k, cmd, &c, &f, e) < 0)
        return -1;
    decide(k, cmd, &f, &plan);
    /* Every plan that goes ahead starts by doing something; one that starts by telling the
     * officer is a refusal. */
    if (plan.n && plan.a[0].step == DESK_SAY_OFFICER) {
        *refused = plan.a[0].msg;
        return 0;
    }
    for (int i = 0; i < plan.n; i++) {
        int rc = act(o, &w, cmd, &c, &f, &plan.a[i], e);
        if (rc < 0)
            return -1;
        if (rc > 0) { /* the department was made inactive since the facts were gathered */
            *refused = DESK_MSG_UNKNOWN_DEPT;
            return 0;
        }
    }
    return 0;
}
