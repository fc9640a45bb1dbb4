/* survey_chat.c — a survey conversation (see survey_chat.h). Where a survey stands is what is
 * stored: starting it again (the button twice, a plain reply after "menu") asks the first question
 * not yet answered, so answers are never asked or stored twice. The session only remembers which
 * broadcast's survey is in progress and which question was asked last. */
#include "survey_chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "place.h"
#include "subscribers.h"
#include "survey.h"
#include "surveys.h"
#include "vec.h"

static const char *lang_of(const engine_session *s)
{
    return s->lang[0] ? s->lang : "hi";
}

static engine_out *say(engine_result *r, engine_msg_type type, const char *text, err *e)
{
    engine_out *o;
    if (vec_reserve(r->out, r->cap, r->n + 1) < 0 || !text)
        return err_set(e, ERR_ENV, "out of memory"), NULL;
    o = &r->out[r->n];
    memset(o, 0, sizeof *o);
    if (!(o->text = strdup(text)))
        return err_set(e, ERR_ENV, "out of memory"), NULL;
    r->n++;
    o->kind = ENGINE_SEND;
    o->type = type;
    return o;
}

static void option(engine_out *o, const char *bid, const char *qid, const char *v,
                   const char *title)
{
    engine_option *opt = &o->opts[o->nopts++];
    survey_reply_id(opt->id, sizeof opt->id, bid, qid, v); /* fits: see survey.h */
    snprintf(opt->title, sizeof opt->title, "%s", title);
}

/* The text t in lang, or the catalogue's message when the survey leaves t out. */
static const char *own_or(const flow_text *t, const catalogue *cat, msg_id id, const char *lang)
{
    return t->hi ? flow_text_get(t, lang) : catalogue_raw(cat, id, lang);
}

/* Question q of broadcast bid's survey as its message: a list of 1..5 (rating), two buttons
 * (yes/no), or text. */
static int ask(const survey_question *q, const char *bid, const catalogue *cat, const char *lang,
               engine_result *r, err *e)
{
    static const char *const stars = "⭐⭐⭐⭐⭐";
    engine_msg_type type = q->type == SURVEY_RATING   ? ENGINE_LIST
                           : q->type == SURVEY_YES_NO ? ENGINE_BUTTONS
                                                      : ENGINE_TEXT;
    engine_out *o = say(r, type, flow_text_get(&q->text, lang), e);
    if (!o)
        return -1;
    if (q->type == SURVEY_RATING) {
        for (int k = 1; k <= SURVEY_RATING_MAX; k++) {
            char id[4], title[64];
            snprintf(id, sizeof id, "%d", k);
            if (q->labels[k - 1].hi)
                snprintf(title, sizeof title, "%s", flow_text_get(&q->labels[k - 1], lang));
            else /* "3 ⭐⭐⭐": a star is three bytes */
                snprintf(title, sizeof title, "%d %.*s", k, 3 * k, stars);
            option(o, bid, q->id, id, title);
        }
        snprintf(o->button, sizeof o->button, "%s",
                 own_or(&q->button, cat, MSG_CHOOSE_BUTTON, lang));
    } else if (q->type == SURVEY_YES_NO) {
        option(o, bid, q->id, "yes", own_or(&q->yes, cat, MSG_ANSWER_YES, lang));
        option(o, bid, q->id, "no", own_or(&q->no, cat, MSG_ANSWER_NO, lang));
    }
    return 0;
}

int survey_chat_active(const engine_session *s)
{
    const char *b = engine_session_get(s, SURVEY_VAR_BROADCAST);
    return b && *b;
}

/* What m says to a survey question of broadcast bid: typed text, a tapped id, or media. */
static survey_input input_of(const wa_message *m, const char *bid)
{
    int tap = m->kind == WA_MSG_LIST_REPLY || m->kind == WA_MSG_BUTTON_REPLY ||
              m->kind == WA_MSG_BUTTON;
    return (survey_input){m->kind == WA_MSG_TEXT ? m->text : NULL, tap ? m->reply_id : NULL,
                          m->kind != WA_MSG_TEXT && !tap, bid};
}

int survey_chat_claims(const flow_set *flows, const engine_session *s, const wa_message *m)
{
    const survey *sv;
    int qi;
    survey_input in = input_of(m, NULL);
    if (!survey_chat_active(s) || !(sv = survey_find(flows, engine_session_get(s, SURVEY_VAR_NAME))))
        return 0;
    qi = survey_question_index(sv, engine_session_get(s, SURVEY_VAR_QUESTION));
    return qi >= 0 && survey_exact_answer(&sv->q[qi], &in);
}

void survey_chat_end(engine_session *s)
{
    engine_session_set(s, SURVEY_VAR_BROADCAST, "");
    engine_session_set(s, SURVEY_VAR_NAME, "");
    engine_session_set(s, SURVEY_VAR_QUESTION, "");
}

/* What a survey step says: a greeting before the next question (greet: the intro, or how many
 * questions are left), and after the thanks or before the next question a hint; either may be
 * absent. */
typedef struct said {
    int greet;
    const char *hint;
} said;

/* The greeting before question i of n: the survey's intro when nothing is answered yet; once
 * some are (a plain reply answered the first, or the button is pressed again) the intro's
 * "3 short questions" would be wrong, so the catalogue's count of those left (README). */
static int greet(const survey *sv, size_t i, const catalogue *cat, engine_session *s,
                 engine_result *r, err *e)
{
    char left[16], *text;
    int rc;
    if (i == 0)
        return say(r, ENGINE_TEXT, flow_text_get(&sv->intro, lang_of(s)), e) ? 0 : -1;
    snprintf(left, sizeof left, "%zu", sv->nq - i);
    if (!(text = catalogue_text(cat, MSG_SURVEY_RESUMED, lang_of(s), "left", left, NULL)))
        return err_set(e, ERR_ENV, "out of memory");
    rc = say(r, ENGINE_TEXT, text, e) ? 0 : -1;
    free(text);
    return rc;
}

/* The next unanswered question of bid's survey, or the thanks (and the survey ends) — the
 * question after sd's greeting; sd's hint comes after the thanks, or before the question. */
static int next(db *pg, const survey *sv, const char *bid, engine_session *s, const char *phone,
                const catalogue *cat, said sd, engine_result *r, err *e)
{
    int i = surveys_next(pg, sv, bid, phone, e);
    if (i < 0)
        return -1;
    if (sd.greet && (size_t)i < sv->nq && greet(sv, (size_t)i, cat, s, r, e) < 0)
        return -1;
    if ((size_t)i == sv->nq) {
        survey_chat_end(s);
        if (!say(r, ENGINE_TEXT, flow_text_get(&sv->thanks, lang_of(s)), e))
            return -1;
        return !sd.hint || say(r, ENGINE_TEXT, sd.hint, e) ? 1 : -1;
    }
    if (engine_session_set(s, SURVEY_VAR_BROADCAST, bid) < 0 ||
        engine_session_set(s, SURVEY_VAR_NAME, sv->name) < 0 ||
        engine_session_set(s, SURVEY_VAR_QUESTION, sv->q[i].id) < 0)
        return err_set(e, ERR_ENV, "out of memory");
    if (sd.hint && !say(r, ENGINE_TEXT, sd.hint, e))
        return -1;
    return ask(&sv->q[i], bid, cat, lang_of(s), r, e) < 0 ? -1 : 1;
}

static int stopped(db *pg, const char *phone, err *e)
{
    subscriber sub;
    int rc = subscribers_get(pg, phone, &sub, e);
    return rc < 0 ? -1 : rc == 1 && strcmp(sub.state, "stopped") == 0;
}

/* Stores value as phone's answer to question qi, with the village and block now. */
static int store(db *pg, const survey *sv, const char *bid, size_t qi, const char *phone,
                 const char *value, err *e)
{
    subscriber sub;
    if (subscribers_get(pg, phone, &sub, e) < 0)
        return -1;
    if (!sub.village_key[0] && sub.village[0])
        place_key(sub.village, sub.village_key, sizeof sub.village_key);
    return surveys_answer(pg, bid, phone, sv->q[qi].id, value, sub.village, sub.block,
                          sub.village_key, e);
}

/* The template's button: broadcast bid's survey starts (or resumes) with its greeting — only
 * the thanks when all is answered; after STOP only a word on how to START (README: the choice). */
static int button(db *pg, const survey *sv, const char *bid, engine_session *s, const char *phone,
                  const catalogue *cat, engine_result *r, err *e)
{
    int rc = stopped(pg, phone, e);
    if (rc != 0)
        return rc < 0 ? -1 : say(r, ENGINE_TEXT, catalogue_raw(cat, MSG_SURVEY_STOPPED, lang_of(s)),
                                 e) ? 1 : -1;
    return next(pg, sv, bid, s, phone, cat, (said){1, NULL}, r, e);
}

/* The answer to the question asked: stored and the next asked (after a written answer, how to
 * file a complaint); or the question again; or the survey left for the desk and the flow (0). */
static int answer(db *pg, const survey *sv, engine_session *s, const wa_message *m,
                  const catalogue *cat, engine_result *r, err *e)
{
    static const msg_id retry[] = {MSG_SURVEY_RETRY_RATING, MSG_SURVEY_RETRY_YES_NO,
                                   MSG_SURVEY_RETRY_TEXT};
    char bid[24]; /* a copy: next() replaces the session's value */
    int qi = survey_question_index(sv, engine_session_get(s, SURVEY_VAR_QUESTION));
    survey_input in = input_of(m, bid);
    char value[4 * FLOW_TEXT_BODY_MAX + 8];
    snprintf(bid, sizeof bid, "%s", engine_session_get(s, SURVEY_VAR_BROADCAST));
    if (qi < 0) /* the flows were reloaded with other questions: go on from what is stored */
        return next(pg, sv, bid, s, m->from, cat, (said){0}, r, e);
    switch (survey_answer(&sv->q[qi], &in, value, sizeof value)) {
    case SURVEY_LEAVE:
        survey_chat_end(s);
        return 0;
    case SURVEY_ASK_AGAIN:
        if (!say(r, ENGINE_TEXT, catalogue_raw(cat, retry[sv->q[qi].type], lang_of(s)), e))
            return -1;
        return ask(&sv->q[qi], bid, cat, lang_of(s), r, e) < 0 ? -1 : 1;
    case SURVEY_ANSWERED:
        break;
    }
    if (store(pg, sv, bid, (size_t)qi, m->from, value, e) < 0)
        return -1;
    return next(pg, sv, bid, s, m->from, cat,
                (said){0, sv->q[qi].type == SURVEY_TEXT
                                 ? catalogue_raw(cat, MSG_SURVEY_COMPLAINT_HINT, lang_of(s))
                                 : NULL},
                r, e);
}

/* A plain reply soon after a broadcast with a survey: it starts the survey only when it answers
 * the first question not yet answered (stored; how many are left, then the question after it). */
static int plain(db *pg, const flow_set *flows, const catalogue *cat, engine_session *s,
                 const wa_message *m, engine_result *r, err *e)
{
    char bid[24], name[128], value[8];
    const survey *sv;
    int rc;
    if ((rc = broadcast_survey_recent(pg, m->from, SURVEY_WINDOW_DAYS, bid, sizeof bid, name,
                                      sizeof name, e)) <= 0)
        return rc;
    if (!(sv = survey_find(flows, name)) || (rc = stopped(pg, m->from, e)) != 0)
        return rc < 0 ? -1 : 0;
    if ((rc = surveys_next(pg, sv, bid, m->from, e)) < 0 || (size_t)rc == sv->nq)
        return rc < 0 ? -1 : 0; /* all answered: the reply is the flow's again */
    if (!survey_start_answer(&sv->q[rc], m->text, value, sizeof value))
        return 0;
    if (store(pg, sv, bid, (size_t)rc, m->from, value, e) < 0)
        return -1;
    return next(pg, sv, bid, s, m->from, cat, (said){1, NULL}, r, e);
}

int survey_chat(db *pg, const flow_set *flows, const catalogue *cat, engine_session *s,
                const wa_message *m, int expired, int busy, engine_result *r, err *e)
{
    char bid[24], name[128];
    const survey *sv;
    int rc;
    if (wa_in_kind_is_silent(m->kind))
        return 0; /* a reaction, an edit: the engine stays silent, the survey waits */
    if (m->kind == WA_MSG_BUTTON && survey_button_broadcast(m->reply_id, bid, sizeof bid)) {
        if ((rc = broadcast_survey_of(pg, bid, m->from, name, sizeof name, e)) <= 0)
            return rc;
        if (!(sv = survey_find(flows, name)))
            return 0; /* its survey file is gone: the flow answers */
        return button(pg, sv, bid, s, m->from, cat, r, e);
    }
    if (survey_chat_active(s)) {
        sv = survey_find(flows, engine_session_get(s, SURVEY_VAR_NAME));
        if (!sv || expired || (m->kind == WA_MSG_TEXT && survey_is_flow_word(flows, m->text))) {
            survey_chat_end(s); /* "menu", help...: the flow's; a later reply resumes */
            return 0;
        }
        return answer(pg, sv, s, m, cat, r, e);
    }
    if (busy || m->kind != WA_MSG_TEXT)
        return 0;
    return plain(pg, flows, cat, s, m, r, e);
}
