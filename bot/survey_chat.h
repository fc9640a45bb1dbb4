/* survey_chat.h — the survey's side of a citizen's conversation (SPEC section 13): starting the
 * survey a broadcast carries (its template's button, or a plain reply soon after it that answers
 * its first question), asking its questions one by one, storing each answer (bot/surveys.c),
 * asking again politely, and leaving it — answers kept — for the desk and the flow when the
 * citizen sends something else (media, a location, another conversation's button, a sentence).
 * The conversation calls it after STOP/START, the live helpdesk and a case waiting for the
 * citizen's answer, before the rest of the desk and the flow; never for staff. */
#ifndef SAMPARK_SURVEY_CHAT_H
#define SAMPARK_SURVEY_CHAT_H

#include "catalogue.h"
#include "db.h"
#include "engine.h"
#include "wa_in.h"

/* The session variables of a survey in progress: the broadcast, its survey, the question asked
 * ("" once none is in progress). */
#define SURVEY_VAR_BROADCAST "survey_broadcast"
#define SURVEY_VAR_NAME      "survey_name"
#define SURVEY_VAR_QUESTION  "survey_question"

/* One message m from a citizen with session s. busy: another conversation waits for this
 * citizen's answer (a question of the flow, a case's question): a plain reply then never starts
 * a survey. 1: the survey took the message (its replies appended to r as ENGINE_SEND, s updated);
 * 0: not the survey's (the survey left, if one was in progress); -1 + e. */
int survey_chat(db *pg, const flow_set *flows, const catalogue *cat, engine_session *s,
                const wa_message *m, int expired, int busy, engine_result *r, err *e);
/* 1 when s is in the middle of a survey and m can only be an answer to its question
 * (survey_exact_answer): it goes to the survey before a case waiting for the citizen. */
int survey_chat_claims(const flow_set *flows, const engine_session *s, const wa_message *m);
/* 1 when s is in the middle of a survey. */
int survey_chat_active(const engine_session *s);
/* Ends the survey in progress (STOP): its answers stay. */
void survey_chat_end(engine_session *s);

#endif
