/* surveys.h — the answers to surveys (SPEC section 13, migration 0029): the one module with SQL
 * on `survey_answers`. One row per recipient per question, the last answer kept, with the
 * contact's village and block as they were when it came. Every call runs in the caller's
 * transaction; what to ask and what counts as an answer is survey.c's and survey_chat.c's. */
#ifndef SAMPARK_SURVEYS_H
#define SAMPARK_SURVEYS_H

#include <json.h>

#include "db.h"
#include "survey.h"

/* Stores (or replaces) phone's answer to question qid of broadcast bid, with the village (as
 * spelled, and its place key: bot/place.h) and block. */
int surveys_answer(db *d, const char *bid, const char *phone, const char *qid, const char *value,
                   const char *village, const char *block, const char *village_key, err *e);
/* The index of s's first question phone has not answered for broadcast bid (s->nq: all are
 * answered), or -1 + e. */
int surveys_next(db *d, const survey *s, const char *bid, const char *phone, err *e);
/* The counts of broadcast bid's answers: rows (question, village, answer, count), ordered by
 * question, village, answer; a village is its place key's most used spelling among the answers
 * ("Kasdol", "kasdol", "कसडोल" are one); a text question's answers are counted under the answer
 * "" (their words are not in it). */
PGresult *surveys_counts(db *d, const survey *s, const char *bid, err *e);
/* The newest `limit` free-text answers of broadcast bid: rows (question, village, value,
 * answered_at ISO UTC). */
PGresult *surveys_texts(db *d, const survey *s, const char *bid, int limit, err *e);

/* Retention (the scheduler's pass, SAMPARK_RETENTION_DAYS): answers older than days before the
 * clock now_ms lose the phone and a written answer's words; ratings and yes/no stay counted. */
int surveys_forget(db *d, const char *now_ms, const char *days, err *e);

/* ---- results (the CLI's CSV, the portal's distribution)
 * ------------------------------------------ */

/* The answers a question can have, in order: "1".."5", "yes" "no", or the one "" of a text. */
size_t surveys_options(const survey_question *q, const char **out);

/* Broadcast bid's survey as the flows folder dir defines it now: *flows is loaded (the caller
 * frees it, also on error). NULL + ERR_USER: no such broadcast, it has no survey, its survey is
 * no longer in the folder, or the folder's flows do not load. */
const survey *surveys_of_broadcast(db *d, const char *dir, const char *bid, flow_set **flows,
                                   err *e);

/* `sampark survey results ID`: CSV (RFC 4180, CRLF) to out with the columns
 * question_id,type,question,question_hi,village,answer,count — per question (the survey's
 * order) one row per village and answer given (village "(unknown)" when none was known; a
 * text question's answer "(text)", its words never in the file), then the question's totals
 * with village "(all)" and every answer, zeros included. */
int surveys_results_csv(db *d, const survey *s, const char *bid, FILE *out, err *e);
/* {name, questions: [{id, type, text: {hi, en}}]} of s, for the portal's create form. */
json_object *surveys_describe(const survey *s);
/* The same as JSON (malloc'd) for the portal: {broadcast, survey, questions: [{id, type, text:
 * {hi, en}, total, counts: {answer: n}, villages: [{village, total, counts}], texts?: [{village,
 * text, answered_at}]}]}; texts (the newest 100 of a text question) only when with_texts. */
char *surveys_results_json(db *d, const survey *s, const char *bid, int with_texts, err *e);

#endif
