/* survey_chat.c — a survey conversation (see survey_chat.h). Where a survey stands is what is
 * stored: starting it again (the button twice, a plain reply after "menu") asks the first question
 * not yet answered, so answers are never asked or stored twice. The session only remembers which
 * broadcast's survey is in progress and which question was asked last. */
#include "survey_chat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
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

static void option(engine_out *o, const char *id, const char *title)
{
    engine_option *opt = &o->opts[o->nopts++];
    snprintf(opt->id, sizeof opt->id, SURVEY_REPLY_PREFIX "%s", id);
    snprintf(opt->title, sizeof opt->title, "%s", title);
}

/* The text t in lang, or the catalogue's message when the survey leaves t out. */
static const char *own_or(const flow_text *t, const catalogue *cat, msg_id id, const char *lang)
{
    return t->hi ? flow_text_get(t, lang) : catalogue_raw(cat, id, lang);
}

/* Question q as its message: a list of 1..5 (rating), two buttons (yes/no), or text. */
static int ask(const survey_question *q, const catalogue *cat, const char *lang, engine_result *r,
               err *e)
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
            option(o, id, title);
        }
        snprintf(o->button, sizeof o->button, "%s",
                 own_or(&q->button, cat, MSG_CHOOSE_BUTTON, lang));
    } else if (q->type == SURVEY_YES_NO) {
        option(o, "yes", own_or(&q->yes, cat, MSG_ANSWER_YES, lang));
        option(o, "no", own_or(&q->no, cat, MSG_ANSWER_NO, lang));
    }
    return 0;
}

int survey_chat_active(const engine_session *s)
{
    const char *b = engine_session_get(s, SURVEY_VAR_BROADCAST);
    return b && *b;
}

void survey_chat_end(engine_session *s)
{
    engine_session_set(s, SURVEY_VAR_BROADCAST, "");
    engine_session_set(s, SURVEY_VAR_NAME, "");
    engine_session_set(s, SURVEY_VAR_QUESTION, "");
}

/* The next unanswered question of bid's survey, or the thanks (and the survey ends). */
static int next(db *pg, const survey *sv, const char *bid, engine_session *s, const char *phone,
                const catalogue *cat, engine_result *r, err *e)
{
    int i = surveys_next(pg, sv, bid, phone, e);
    if (i < 0)
        return -1;
    if ((size_t)i == sv->nq) {
        survey_chat_end(s);
        return say(r, ENGINE_TEXT, flow_text_get(&sv->thanks, lang_of(s)), e) ? 1 : -1;
    }
    if (engine_session_set(s, SURVEY_VAR_BROADCAST, bid) < 0 ||
        engine_session_set(s, SURVEY_VAR_NAME, sv->name) < 0 ||
        engine_session_set(s, SURVEY_VAR_QUESTION, sv->q[i].id) < 0)
        return err_set(e, ERR_ENV, "out of memory");
    return ask(&sv->q[i], cat, lang_of(s), r, e) < 0 ? -1 : 1;
}

/* Starts (or resumes) broadcast bid's survey: the intro, then the first question not answered. */
static int start(db *pg, const survey *sv, const char *bid, engine_session *s, const char *phone,
                 const catalogue *cat, engine_result *r, err *e)
{
    if (!say(r, ENGINE_TEXT, flow_text_get(&sv->intro, lang_of(s)), e))
        return -1;
    return next(pg, sv, bid, s, phone, cat, r, e);
}

static int stopped(db *pg, const char *phone, err *e)
{
    subscriber sub;
    int rc = subscribers_get(pg, phone, &sub, e);
    return rc < 0 ? -1 : rc == 1 && strcmp(sub.state, "stopped") == 0;
}

/* The answer to the question asked: stored (with the village and block now) and the next asked;
 * or the question again; or the survey left for the flow (0). */
static int answer(db *pg, const survey *sv, engine_session *s, const wa_message *m,
                  const catalogue *cat, engine_result *r, err *e)
{
    static const msg_id retry[] = {MSG_SURVEY_RETRY_RATING, MSG_SURVEY_RETRY_YES_NO,
                                   MSG_SURVEY_RETRY_TEXT};
    const char *bid = engine_session_get(s, SURVEY_VAR_BROADCAST);
    int qi = survey_question_index(sv, engine_session_get(s, SURVEY_VAR_QUESTION));
    survey_input in = {m->kind == WA_MSG_TEXT ? m->text : NULL,
                       m->kind == WA_MSG_LIST_REPLY || m->kind == WA_MSG_BUTTON_REPLY ? m->reply_id
                                                                                      : NULL,
                       m->kind != WA_MSG_TEXT};
    char value[4 * FLOW_TEXT_BODY_MAX + 8];
    subscriber sub;
    if (qi < 0) /* the flows were reloaded with other questions: go on from what is stored */
        return next(pg, sv, bid, s, m->from, cat, r, e);
    switch (survey_answer(&sv->q[qi], &in, value, sizeof value)) {
    case SURVEY_LEAVE:
        survey_chat_end(s);
        return 0;
    case SURVEY_ASK_AGAIN:
        if (!say(r, ENGINE_TEXT, catalogue_raw(cat, retry[sv->q[qi].type], lang_of(s)), e))
            return -1;
        return ask(&sv->q[qi], cat, lang_of(s), r, e) < 0 ? -1 : 1;
    case SURVEY_ANSWERED:
        break;
    }
    if (subscribers_get(pg, m->from, &sub, e) < 0 ||
        surveys_answer(pg, bid, m->from, sv->q[qi].id, value, sub.village, sub.block, e) < 0)
        return -1;
    return next(pg, sv, bid, s, m->from, cat, r, e);
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
        return start(pg, sv, bid, s, m->from, cat, r, e);
    }
    if (survey_chat_active(s)) {
        sv = survey_find(flows, engine_session_get(s, SURVEY_VAR_NAME));
        if (!sv || expired || (m->kind == WA_MSG_TEXT && survey_is_flow_word(flows, m->text))) {
            survey_chat_end(s); /* "menu", help...: the flow's; a later reply resumes */
            return 0;
        }
        return answer(pg, sv, s, m, cat, r, e);
    }
    if (busy || m->kind != WA_MSG_TEXT || !survey_may_start(flows, m->text))
        return 0;
    if ((rc = broadcast_survey_recent(pg, m->from, SURVEY_WINDOW_DAYS, bid, sizeof bid, name,
                                      sizeof name, e)) <= 0)
        return rc;
    if (!(sv = survey_find(flows, name)) || (rc = stopped(pg, m->from, e)) != 0)
        return rc < 0 ? -1 : 0;
    if ((rc = surveys_next(pg, sv, bid, m->from, e)) < 0 || (size_t)rc == sv->nq)
        return rc < 0 ? -1 : 0; /* all answered: "ok" is the flow's again */
    return start(pg, sv, bid, s, m->from, cat, r, e);
}
