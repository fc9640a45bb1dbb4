/* desk_officer.c — the officers' side of the desk (see desk.h, desk_officer.h): their commands
 * by a table (officer_commands.def), a pure decision (desk_officer_decide) and a thin act step
 * that gathers the facts the decision needs and carries its plan out — SQL through cases.c,
 * messages through the outbox, in the catalogue's words (desk_text): to officers in Hindi with
 * the commands spelt out, to the citizen in their language. */
#include "desk_officer.h"

#include <stdio.h>
#include <string.h>

#include "desk_int.h"
#include "directory.h"
#include "followers.h"
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
    /* A case passed from desk to desk stops with the nodal officers: they transfer it, or not. */
    if (!f->supervisor && f->transfers >= DESK_MAX_TRANSFERS) {
        add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "transfer_requested");
        add(p, DESK_SAY_NODAL, DESK_MSG_NODAL_TRANSFER, NULL);
        say_officer(p, DESK_MSG_TRANSFER_LIMIT);
        return;
    }
    add(p, DESK_TRANSFER, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "transferred");
    add(p, DESK_NOTIFY_DEPT, DESK_MSG_NONE, NULL);
    add(p, DESK_SAY_CITIZEN, DESK_MSG_CITIZEN_MOVED, NULL);
    say_officer(p, DESK_MSG_TRANSFERRED);
}

/* interim: the reason and the expected date reach the citizen. The SLA clock runs on: the
 * date is a promise to the citizen, not a new deadline for the desk (CM Helpline practice). */
static void plan_interim(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    if (!c->date[0] || strcmp(c->date, f->today) < 0 || strcmp(c->date, f->latest) > 0) {
        say_officer(p, DESK_MSG_BAD_DATE);
        return;
    }
    add(p, DESK_MARK_PROGRESS, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "interim");
    add(p, DESK_SAY_CITIZEN, DESK_MSG_CITIZEN_INTERIM, NULL);
    say_officer(p, DESK_MSG_INTERIM_SENT);
}

static void close_rejected(desk_plan *p)
{
    add(p, DESK_CLOSE_REJECTED, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "rejected");
    add(p, DESK_SAY_CITIZEN, DESK_MSG_CITIZEN_REJECTED, NULL);
    say_officer(p, DESK_MSG_REJECTED);
}

/* reject (not actionable: a court matter, outside the district): an officer asks and the nodal
 * officers decide — an officer never closes a case this way alone. A nodal officer's or the
 * collector's own reject closes it at once: they are the ones who approve. */
static void plan_reject(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    (void)c;
    if (f->supervisor) {
        close_rejected(p);
        return;
    }
    if (f->reject_pending) {
        say_officer(p, DESK_MSG_REJECT_WAITING);
        return;
    }
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "reject_requested");
    add(p, DESK_SAY_NODAL, DESK_MSG_NODAL_REJECT, NULL);
    say_officer(p, DESK_MSG_REJECT_ASKED);
}

/* approve / return: the nodal officers' verdict on a waiting request to reject. */
static void plan_verdict(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    if (!f->supervisor) {
        say_officer(p, DESK_MSG_ONLY_NODAL);
        return;
    }
    if (!f->reject_pending) {
        say_officer(p, DESK_MSG_NOTHING_TO_DECIDE);
        return;
    }
    if (c->cmd == OFFICER_APPROVE) {
        close_rejected(p);
        add(p, DESK_SAY_ASKER, DESK_MSG_ASKER_REJECTED, NULL);
        return;
    }
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "reject_returned");
    add(p, DESK_SAY_ASKER, DESK_MSG_ASKER_RETURNED, NULL);
    say_officer(p, DESK_MSG_RETURNED);
}

/* subject: the public line other citizens see when offered the case as the one they may join
 * (SPEC section 12) — one line of DESK_SUBJECT_MIN_CHARS..DIRECTORY_SUBJECT_MAX_CHARS letters. */
static void plan_subject(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    size_t n = text_utf8_chars(c->text);
    (void)f;
    if (strpbrk(c->text, "\r\n\t") || n < DESK_SUBJECT_MIN_CHARS ||
        n > DIRECTORY_SUBJECT_MAX_CHARS) {
        say_officer(p, DESK_MSG_SUBJECT_BAD);
        return;
    }
    add(p, DESK_SET_SUBJECT, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "subject");
    say_officer(p, DESK_MSG_SUBJECT_SET);
}

/* merge: the first case (open, the officer's — the table's checks) is a duplicate of the second,
 * which must be another open case of the same department: across departments the officer
 * transfers first, so no department's case is closed by another's officer. */
static desk_msg merge_refusal(const officer_command *c, const desk_facts *f)
{
    if (!c->into[0])
        return DESK_MSG_NEED_INTO;
    if (!strcmp(c->into, c->tracking))
        return DESK_MSG_MERGE_SELF;
    if (!f->into_found)
        return DESK_MSG_NO_INTO;
    if (f->into_closed)
        return DESK_MSG_MERGE_INTO_CLOSED;
    if (!f->into_same_dept)
        return DESK_MSG_MERGE_DEPTS;
    return DESK_MSG_NONE;
}

static void plan_merge(const officer_command *c, const desk_facts *f, desk_plan *p)
{
    desk_msg refused = merge_refusal(c, f);
    if (refused != DESK_MSG_NONE) {
        say_officer(p, refused);
        return;
    }
    add(p, DESK_MERGE, DESK_MSG_NONE, NULL);
    add(p, DESK_ADD_EVENT, DESK_MSG_NONE, "merged");
    add(p, DESK_ADD_INTO_EVENT, DESK_MSG_NONE, "merged");
    say_officer(p, DESK_MSG_MERGED);
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

/* merge: both cases, their rows locked in one order (the smaller tracking number first) so that
 * two merges of the same pair at once wait for each other rather than deadlock. 1 when the first
 * was found, 0 not, -1 error; the second's facts into f. */
static int gather_merge(desk_out *o, const officer_command *cmd, case_info *c, case_info *into,
                        desk_facts *f, err *e)
{
    int found = 0, got = 0, into_first = cmd->into[0] && strcmp(cmd->into, cmd->tracking) < 0;
    if (into_first && (got = case_get_locked(o->pg, cmd->into, into, e)) < 0)
        return -1;
    if (cmd->tracking[0] && (found = case_get_locked(o->pg, cmd->tracking, c, e)) < 0)
        return -1;
    if (!into_first && cmd->into[0] && strcmp(cmd->into, cmd->tracking) &&
        (got = case_get_locked(o->pg, cmd->into, into, e)) < 0)
        return -1;
    f->into_found = got > 0;
    f->into_closed = got > 0 && !strcmp(into->status, "closed");
    f->into_same_dept = got > 0 && found && !strcmp(into->department, c->department);
    return found;
}

/* The case (into c) and who the officer is to it. A swipe-reply is about the swiped
 * notification's case, whatever numbers the text mentions; a written number counts only when
 * the swipe does not lead to a case. */
static int gather(desk_out *o, const char *phone, const char *context_id,
                  const desk_command *k, const officer_command *cmd, case_info *c,
                  case_info *into, desk_facts *f, err *e)
{
    case_staff staff;
    int found = 0;
    memset(f, 0, sizeof *f);
    if (k && k->cmd == OFFICER_MERGE) {
        if ((found = gather_merge(o, cmd, c, into, f, e)) < 0)
            return -1;
    } else if (k && k->needs_case != DESK_NO_CASE) {
        if (cmd->swipe && (found = case_get_by_message(o->pg, context_id, c, e)) < 0)
            return -1;
        if (!found && cmd->tracking[0] &&
            (found = (o->lock_case ? case_get_locked : case_get)(o->pg, cmd->tracking, c, e)) < 0)
            return -1;
    }
    if (case_staff_of(o->pg, phone, found ? c->department : NULL,
                      found && cmd->cmd == OFFICER_TRANSFER ? cmd->dept : NULL,
                      DESK_INTERIM_MAX_DAYS, &staff, e) < 0)
        return -1;
    f->supervisor = staff.supervisor;
    f->officer = staff.officer;
    f->of_dept = staff.of_dept;
    f->found = found;
    f->closed = found && !strcmp(c->status, "closed");
    f->same_dept = found && !strcmp(cmd->dept, c->department);
    f->target_active = staff.target_active;
    f->transfers = found ? c->transfers : 0;
    f->reject_pending = found && c->reject_by[0];
    snprintf(f->today, sizeof f->today, "%s", staff.today);
    snprintf(f->latest, sizeof f->latest, "%s", staff.latest);
    return 0;
}

/* ---- acting -------------------------------------------------------------------------------- */

#define DESK_SUBJECT_MIN_STR DB_STR(DESK_SUBJECT_MIN_CHARS)
#define DESK_SUBJECT_MAX_STR DB_STR(DIRECTORY_SUBJECT_MAX_CHARS)

/* YYYY-MM-DD as the district writes dates: DD-MM-YYYY. */
static const char *dmy(const char *iso, char out[11])
{
    snprintf(out, 11, "%.2s-%.2s-%.4s", iso + 8, iso + 5, iso);
    return out;
}

/* What each of the decision's messages says (the catalogue's words) and whether it is about
 * the case (kept with it); the citizen's are in the citizen's language. */
static const struct {
    msg_id id;
    int about;
} words_of[] = {
    [DESK_MSG_HELP] = {MSG_OFFICER_HELP, 0},
    [DESK_MSG_NOT_UNDERSTOOD] = {MSG_OFFICER_HELP, 0},
    [DESK_MSG_NEED_TRACKING] = {MSG_OFFICER_NEED_TRACKING, 0},
    [DESK_MSG_NO_CASE] = {MSG_OFFICER_NO_CASE, 0},
    /* Which department holds it is not theirs to know (issue 14). */
    [DESK_MSG_NOT_YOURS] = {MSG_OFFICER_NOT_YOURS, 0},
    [DESK_MSG_CLOSED] = {MSG_OFFICER_CASE_CLOSED, 0},
    [DESK_MSG_EMPTY_TEXT] = {MSG_OFFICER_EMPTY_TEXT, 0},
    [DESK_MSG_NEED_DEPT] = {MSG_OFFICER_NEED_DEPT, 0},
    [DESK_MSG_UNKNOWN_DEPT] = {MSG_OFFICER_UNKNOWN_DEPT, 0},
    [DESK_MSG_SENT] = {MSG_OFFICER_SENT, 1},
    [DESK_MSG_RESOLVED] = {MSG_OFFICER_RESOLVED, 1},
    [DESK_MSG_TRANSFERRED] = {MSG_OFFICER_TRANSFERRED, 1},
    [DESK_MSG_CITIZEN_REPLY] = {MSG_CITIZEN_OFFICER_REPLY, 1},
    [DESK_MSG_CITIZEN_DOCS] = {MSG_CITIZEN_DOCS_REQUEST, 1},
    [DESK_MSG_CITIZEN_MOVED] = {MSG_CITIZEN_TRANSFERRED, 1},
    /* the case rules (issue 16 item 7) */
    [DESK_MSG_BAD_DATE] = {MSG_OFFICER_BAD_DATE, 0},
    [DESK_MSG_INTERIM_SENT] = {MSG_OFFICER_INTERIM_SENT, 1},
    [DESK_MSG_CITIZEN_INTERIM] = {MSG_CITIZEN_INTERIM, 1},
    [DESK_MSG_REJECT_ASKED] = {MSG_OFFICER_REJECT_ASKED, 1},
    [DESK_MSG_REJECT_WAITING] = {MSG_OFFICER_REJECT_WAITING, 0},
    [DESK_MSG_NODAL_REJECT] = {MSG_NODAL_REJECT, 1},
    [DESK_MSG_ONLY_NODAL] = {MSG_OFFICER_ONLY_NODAL, 0},
    [DESK_MSG_NOTHING_TO_DECIDE] = {MSG_OFFICER_NOTHING_TO_DECIDE, 0},
    [DESK_MSG_REJECTED] = {MSG_OFFICER_REJECTED, 1},
    [DESK_MSG_CITIZEN_REJECTED] = {MSG_CITIZEN_REJECTED, 1},
    [DESK_MSG_ASKER_REJECTED] = {MSG_OFFICER_ASKER_REJECTED, 1},
    [DESK_MSG_RETURNED] = {MSG_OFFICER_RETURNED, 1},
    [DESK_MSG_ASKER_RETURNED] = {MSG_OFFICER_ASKER_RETURNED, 1},
    [DESK_MSG_TRANSFER_LIMIT] = {MSG_OFFICER_TRANSFER_LIMIT, 1},
    [DESK_MSG_NODAL_TRANSFER] = {MSG_NODAL_TRANSFER, 1},
    /* duplicate complaints (issue 19) */
    [DESK_MSG_SUBJECT_BAD] = {MSG_OFFICER_SUBJECT_BAD, 0},
    [DESK_MSG_SUBJECT_SET] = {MSG_OFFICER_SUBJECT_SET, 1},
    [DESK_MSG_NEED_INTO] = {MSG_OFFICER_MERGE_NEED_INTO, 0},
    [DESK_MSG_MERGE_SELF] = {MSG_OFFICER_MERGE_SELF, 0},
    [DESK_MSG_NO_INTO] = {MSG_OFFICER_NO_CASE, 0},
    [DESK_MSG_MERGE_INTO_CLOSED] = {MSG_OFFICER_MERGE_INTO_CLOSED, 0},
    [DESK_MSG_MERGE_DEPTS] = {MSG_OFFICER_MERGE_DEPTS, 0},
    [DESK_MSG_MERGED] = {MSG_OFFICER_MERGED, 1},
};

/* The text of msg, to the officer or to a citizen of the case (in reader's language: the case's
 * citizen's, or a follower's); 1 when it is about the case (kept with it), 0 when not. Each
 * message takes the placeholders it has; from is who gave the command (named to the nodal
 * officers when they are asked to decide). */
static int desk_text_in(const desk_out *o, desk_msg msg, const officer_command *cmd,
                        const case_info *c, const char *from, const char *reader, char *out,
                        size_t n)
{
    int citizen = msg == DESK_MSG_CITIZEN_REPLY || msg == DESK_MSG_CITIZEN_DOCS ||
                  msg == DESK_MSG_CITIZEN_MOVED || msg == DESK_MSG_CITIZEN_INTERIM ||
                  msg == DESK_MSG_CITIZEN_REJECTED;
    const char *lang = citizen ? reader : OFFICER_LANG, *tracking = c->tracking_no;
    /* A rejection approved tells the asking officer's reason (approve has no text). */
    const char *reason = cmd->cmd == OFFICER_APPROVE ? c->reject_reason : cmd->text;
    char swiped[200], before[200] = "", date[11] = "", days[8], count[8];
    size_t len;
    if (msg <= DESK_MSG_NONE || msg >= sizeof words_of / sizeof words_of[0]) {
        out[0] = '\0';
        return 0;
    }
    if (msg == DESK_MSG_NO_INTO)
        tracking = cmd->into;
    else if (msg == DESK_MSG_NO_CASE)
        tracking = cmd->tracking[0] ? cmd->tracking
                                    : catalogue_put(swiped, sizeof swiped, o->cat,
                                                    MSG_OFFICER_SWIPED_CASE, lang, NULL);
    if (msg == DESK_MSG_NOT_UNDERSTOOD) {
        catalogue_put(before, sizeof before - 2, o->cat, MSG_OFFICER_NOT_UNDERSTOOD, lang, NULL);
        strcat(before, "\n\n");
    }
    if (cmd->date[0])
        dmy(cmd->date, date);
    snprintf(days, sizeof days, "%d", DESK_INTERIM_MAX_DAYS);
    snprintf(count, sizeof count, "%d", c->transfers);
    len = (size_t)snprintf(out, n, "%s", before);
    catalogue_put(out + len, n - len, o->cat, words_of[msg].id, lang, "tracking_no", tracking,
                  "command", officer_cmd_name(cmd->cmd), "code",
                  msg == DESK_MSG_UNKNOWN_DEPT || msg == DESK_MSG_NODAL_TRANSFER ? cmd->dept
                                                                                 : c->department,
                  "department",
                  citizen && !strcmp(lang, "en") ? c->dept_name_en : c->dept_name_hi, "text",
                  cmd->text, "request", cmd->text, "date", date, "days", days, "count", count,
                  "officer", from, "reason", reason, "description", c->description, "into",
                  cmd->into, "min", DESK_SUBJECT_MIN_STR, "max", DESK_SUBJECT_MAX_STR, NULL);
    return words_of[msg].about;
}

static int desk_text(const desk_out *o, desk_msg msg, const officer_command *cmd,
                     const case_info *c, const char *from, char *out, size_t n)
{
    return desk_text_in(o, msg, cmd, c, from, c->lang, out, n);
}

/* A citizen's message of the plan, as desk_tell_case renders it for each reader. */
struct citizen_words {
    desk_msg msg;
    const officer_command *cmd;
    const case_info *c;
    const char *from;
};

static void citizen_words(const desk_out *o, const void *ud, const char *lang, char *out, size_t n)
{
    const struct citizen_words *w = ud;
    desk_text_in(o, w->msg, w->cmd, w->c, w->from, lang, out, n);
}

/* A citizen's message of the plan: to the citizen and every follower — but a request for
 * documents only to the citizen who filed the complaint. */
static int say_citizen(desk_out *o, desk_msg msg, const officer_command *cmd, const case_info *c,
                       const char *from, err *e)
{
    const struct citizen_words w = {msg, cmd, c, from};
    char text[4600];
    if (msg != DESK_MSG_CITIZEN_DOCS)
        return desk_tell_case(o, c, citizen_words, &w, NULL, e);
    desk_text(o, msg, cmd, c, from, text, sizeof text);
    return desk_say(o, c->citizen, text, c->id, "citizen_update", e);
}

static int officer_cases(desk_out *o, const char *phone, int supervisor, err *e)
{
    PGresult *r = case_open_of_officer(o->pg, phone, supervisor, e);
    char text[4000];
    size_t n = 0;
    if (!r)
        return -1;
    catalogue_put(text, sizeof text - 1, o->cat,
                  PQntuples(r) ? MSG_OFFICER_CASES_HEAD : MSG_OFFICER_NO_CASES, OFFICER_LANG, NULL);
    n = strlen(text);
    if (PQntuples(r))
        text[n++] = '\n', text[n] = '\0';
    for (int i = 0; i < PQntuples(r) && n < sizeof text - 200; i++) {
        catalogue_put(text + n, sizeof text - n - 1, o->cat, MSG_OFFICER_CASES_ROW, OFFICER_LANG,
                      "tracking_no", PQgetvalue(r, i, 0), "status", PQgetvalue(r, i, 1), "hours",
                      PQgetvalue(r, i, 2), "description", PQgetvalue(r, i, 3), NULL);
        n += strlen(text + n);
        text[n++] = '\n', text[n] = '\0';
    }
    PQclear(r);
    return desk_say(o, phone, text, NULL, "officer_reply", e);
}

/* The case's details, then its files: writing has opened the officer's 24-hour window, so media
 * that could not reach them as a template notification arrives now. */
static int show_case(desk_out *o, const char *to, const case_info *c, err *e)
{
    char text[4600], place[600], reopened[16], removed[200];
    PGresult *a;
    int rc = 0;
    snprintf(reopened, sizeof reopened, "%d", c->reopen_count);
    catalogue_put(text, sizeof text, o->cat, MSG_OFFICER_CASE_DETAILS, OFFICER_LANG, "tracking_no",
                  c->tracking_no, "department", c->dept_name_hi, "code", c->department, "status",
                  c->status, "reopened", reopened, "description", c->description, "place",
                  desk_place(o, c, place, sizeof place), "citizen",
                  c->citizen[0] ? c->citizen
                                : catalogue_put(removed, sizeof removed, o->cat,
                                                MSG_OFFICER_CITIZEN_REMOVED, OFFICER_LANG, NULL),
                  NULL);
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

/* The closing step for one reader (to, in lang): the officer's note and "are you satisfied?",
 * Yes/No buttons naming the case. */
static int ask_one(desk_out *o, const case_info *c, const char *to, const char *lang,
                   const char *full_note, err *e)
{
    engine_out q;
    char body[3200], note[2404]; /* 600 letters of note */
    memset(&q, 0, sizeof q);
    q.kind = ENGINE_SEND;
    q.type = ENGINE_BUTTONS;
    snprintf(note, sizeof note, "%s", full_note);
    text_cut(note, 600); /* the question must stay within WhatsApp's 1024 characters */
    catalogue_put(body, sizeof body, o->cat, MSG_SATISFACTION_ASK, lang, "tracking_no",
                  c->tracking_no, "note", note, NULL);
    q.text = body;
    snprintf(q.opts[0].id, sizeof q.opts[0].id, "sat:yes:%s", c->tracking_no);
    catalogue_put(q.opts[0].title, sizeof q.opts[0].title, o->cat, MSG_ANSWER_YES, lang, NULL);
    snprintf(q.opts[1].id, sizeof q.opts[1].id, "sat:no:%s", c->tracking_no);
    catalogue_put(q.opts[1].title, sizeof q.opts[1].title, o->cat, MSG_ANSWER_NO, lang, NULL);
    q.nopts = 2;
    return desk_send(o, to, &q, "citizen_update", c->id, e);
}

/* The citizen's question, and each follower's own (their earlier answers forgotten). */
static int ask_satisfaction(desk_out *o, const case_info *c, const char *note, err *e)
{
    PGresult *f;
    int rc = 0;
    if (c->citizen[0] && ask_one(o, c, c->citizen, c->lang, note, e) < 0)
        return -1;
    if (!(f = followers_ask(o->pg, c->id, e)))
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(f); i++)
        rc = ask_one(o, c, PQgetvalue(f, i, 0), PQgetvalue(f, i, 1), note, e);
    PQclear(f);
    return rc;
}

/* The case moved: re-read in its new department, whose officers get it. */
static int notify_new_dept(desk_out *o, case_info *c, err *e)
{
    char text[4600];
    if (case_get(o->pg, c->tracking_no, c, e) < 0)
        return -1;
    desk_case_summary(o, c, MSG_OFFICER_TRANSFERRED_CASE, text, sizeof text);
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

/* The event of a step, with the command's text and what else it needs to be read later: a
 * transfer's departments (c is still in the one it leaves), an interim reply's date, who asked
 * for a rejection the nodal officer decided — and for "rejected" after approve, the asking
 * officer's reason (approve has no text of its own). */
static int add_event(desk_out *o, const who *w, const officer_command *cmd,
                     const case_info *c, const char *kind, err *e)
{
    char detail[200] = "";
    const char *text = cmd->text;
    if (cmd->cmd == OFFICER_TRANSFER)
        snprintf(detail, sizeof detail, "{\"from\": \"%s\", \"to\": \"%s\"}", c->department,
                 cmd->dept);
    else if (cmd->cmd == OFFICER_INTERIM)
        snprintf(detail, sizeof detail, "{\"until\": \"%s\"}", cmd->date);
    else if (c->reject_by[0] && (cmd->cmd == OFFICER_APPROVE || cmd->cmd == OFFICER_RETURN))
        snprintf(detail, sizeof detail, "{\"asked_by\": \"%s\"}", c->reject_by);
    else if (cmd->cmd == OFFICER_MERGE)
        snprintf(detail, sizeof detail, "{\"into\": \"%s\"}", cmd->into);
    if (cmd->cmd == OFFICER_APPROVE)
        text = c->reject_reason;
    if (cmd->cmd == OFFICER_MERGE)
        text = NULL; /* the numbers are the detail; the words around them say nothing */
    return desk_event(o, c, kind, w->actor, text, detail[0] ? detail : NULL, e);
}

/* merge: the duplicate c closed into the case into; everyone who waited on c — its citizen and
 * its followers — follows into now (followers.h) and is told its number and status, each in
 * their language, kept with into (the case they follow now). */
static int merge_cases(desk_out *o, const case_info *c, const case_info *into, err *e)
{
    PGresult *r;
    int rc = 0;
    if (!(r = followers_merge(o->pg, c->id, into->id, e)))
        return -1;
    if (case_close_merged(o->pg, c->id, into->id, e) < 0) {
        PQclear(r);
        return -1;
    }
    for (int i = 0; rc == 0 && i < PQntuples(r); i++) {
        char text[1600];
        const char *lang = PQgetvalue(r, i, 1);
        catalogue_put(text, sizeof text, o->cat, MSG_CITIZEN_MERGED, lang, "tracking_no",
                      c->tracking_no, "into", into->tracking_no, "status", into->status,
                      "department", !strcmp(lang, "en") ? into->dept_name_en : into->dept_name_hi,
                      NULL);
        rc = desk_say(o, PQgetvalue(r, i, 0), text, into->id, "citizen_update", e);
    }
    PQclear(r);
    return rc < 0 ? -1 : 0;
}

/* The event on the case merged into: which case joined it. */
static int add_into_event(desk_out *o, const who *w, const case_info *c, const case_info *into,
                          const char *kind, err *e)
{
    char detail[80];
    snprintf(detail, sizeof detail, "{\"from\": \"%s\"}", c->tracking_no);
    return desk_event(o, into, kind, w->actor, NULL, detail, e);
}

/* A request for the nodal officers to decide; the collector when the district names none. */
static int say_nodal(desk_out *o, const case_info *c, const char *text, err *e)
{
    int n = desk_say_role(o, CASE_NODAL, NULL, text, c->id, "escalation", NULL, e);
    if (n == 0)
        n = desk_say_role(o, CASE_COLLECTOR, NULL, text, c->id, "escalation", NULL, e);
    return n < 0 ? -1 : 0;
}

/* One step of the plan: 0 done, 1 the plan ends here (said why), -1 error. */
static int act(desk_out *o, const who *w, const officer_command *cmd, case_info *c,
               const case_info *into, const desk_facts *f, const desk_action *a, err *e)
{
    char text[4600];
    int moved;
    switch (a->step) {
    case DESK_SAY_OFFICER: {
        if (!w->tell)
            return 0;
        int about = desk_text(o, a->msg, cmd, c, w->phone, text, sizeof text);
        return desk_say(o, w->phone, text, about ? c->id : NULL, "officer_reply", e);
    }
    case DESK_SAY_CITIZEN:
        return say_citizen(o, a->msg, cmd, c, w->phone, e);
    case DESK_LIST_CASES:
        return officer_cases(o, w->phone, f->supervisor && !f->officer, e);
    case DESK_SHOW_CASE:
        return show_case(o, w->phone, c, e);
    case DESK_MARK_PROGRESS:
        return case_mark_in_progress(o->pg, c->id, e);
    case DESK_ADD_EVENT:
        return add_event(o, w, cmd, c, a->event, e);
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
        desk_text(o, DESK_MSG_UNKNOWN_DEPT, cmd, c, w->phone, text, sizeof text);
        return desk_say(o, w->phone, text, NULL, "officer_reply", e) < 0 ? -1 : 1;
    case DESK_NOTIFY_DEPT:
        return notify_new_dept(o, c, e);
    case DESK_SAY_NODAL:
        desk_text(o, a->msg, cmd, c, w->phone, text, sizeof text);
        return say_nodal(o, c, text, e);
    case DESK_SAY_ASKER:
        desk_text(o, a->msg, cmd, c, w->phone, text, sizeof text);
        return c->reject_by[0] ? desk_say(o, c->reject_by, text, c->id, "officer_reply", e) : 0;
    case DESK_CLOSE_REJECTED:
        return case_close_rejected(o->pg, c->id, e);
    case DESK_SET_SUBJECT:
        return case_set_subject(o->pg, c->id, cmd->text, e);
    case DESK_MERGE:
        return merge_cases(o, c, into, e);
    case DESK_ADD_INTO_EVENT:
        return add_into_event(o, w, c, into, a->event, e);
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
    return desk_say(
        o, m->from,
        catalogue_put(earlier, sizeof earlier, o->cat, MSG_OFFICER_DIGEST_GONE, OFFICER_LANG, NULL),
        NULL, "officer_reply", e);
}

/* Whether t holds more than one word. */
static int several_words(const char *t)
{
    t += strspn(t, " \t\r\n");
    t += strcspn(t, " \t\r\n");
    return t[strspn(t, " \t\r\n")] != '\0';
}

int desk_officer(desk_out *o, const wa_message *m, err *e)
{
    officer_command cmd;
    case_info c, into;
    desk_facts f;
    desk_plan plan;
    const who w = {m->from, m->from, 1};
    int handled = 0;
    const char *text = m->kind == WA_MSG_TEXT     ? m->text
                       : m->kind == WA_MSG_BUTTON ? m->reply_title
                                                  : "";
    if (wa_in_kind_is_silent(m->kind))
        return 0;
    if (m->kind == WA_MSG_BUTTON && !strncmp(m->reply_id, "digest:", 7))
        return digest_tap(o, m, e); /* before its title "Show the list" is taken for "show" */
    if (desk_helpdesk_officer(o, m, &handled, e) < 0)
        return -1;
    if (handled)
        return 0;
    officer_parse(text, m->context_id, &cmd);
    /* No command — or, while the officer is in a live helpdesk conversation, words that start
     * like one ("Show me the meter", "मदद के लिए टीम आ रही है") but name no case: a message for
     * the citizen. A bare keyword ("help", "cases") stays a command. */
    if (!cmd.swipe && (cmd.cmd == OFFICER_UNKNOWN || (!cmd.tracking[0] && several_words(text)))) {
        if (desk_helpdesk_plain(o, m, &handled, e) < 0)
            return -1;
        if (handled)
            return 0;
    }
    memset(&c, 0, sizeof c);
    memset(&into, 0, sizeof into);
    if (gather(o, m->from, m->context_id, desk_command_of(cmd.cmd), &cmd, &c, &into, &f, e) < 0)
        return -1;
    desk_officer_decide(&cmd, &f, &plan);
    for (int i = 0; i < plan.n; i++) {
        int rc = act(o, &w, &cmd, &c, &into, &f, &plan.a[i], e);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    return 0;
}

int desk_officer_web(desk_out *o, const char *phone, const char *actor, const officer_command *cmd,
                     int note, desk_msg *refused, desk_msg *told, err *e)
{
    const desk_command *k = note ? &note_command : desk_command_of(cmd->cmd);
    const who w = {phone, actor, 0};
    case_info c, into;
    desk_facts f;
    desk_plan plan;
    *refused = *told = DESK_MSG_NONE;
    memset(&c, 0, sizeof c);
    memset(&into, 0, sizeof into);
    if (gather(o, phone, "", k, cmd, &c, &into, &f, e) < 0)
        return -1;
    decide(k, cmd, &f, &plan);
    /* Every plan that goes ahead starts by doing something; one that starts by telling the
     * officer is a refusal. */
    if (plan.n && plan.a[0].step == DESK_SAY_OFFICER) {
        *refused = plan.a[0].msg;
        return 0;
    }
    for (int i = 0; i < plan.n; i++) {
        int rc = act(o, &w, cmd, &c, &into, &f, &plan.a[i], e);
        if (rc < 0)
            return -1;
        if (rc > 0) { /* the department was made inactive since the facts were gathered */
            *refused = DESK_MSG_UNKNOWN_DEPT;
            return 0;
        }
        /* What the WhatsApp officer would read last: a transfer past the limit only asked the
         * nodal officers, and the portal must not answer it as done. */
        if (plan.a[i].step == DESK_SAY_OFFICER)
            *told = plan.a[i].msg;
    }
    return 0;
}
