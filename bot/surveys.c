/* surveys.c — SQL on survey_answers (see surveys.h). Nothing here decides what to ask. */
#include "surveys.h"

#include <json.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "cases_query.h"
#include "text.h"

static const db_stmt st_answer = {
    "surveys_answer",
    "INSERT INTO survey_answers (broadcast_id, phone, question, value, village, block, village_key)"
    " VALUES ($1::bigint, $2, $3, $4, COALESCE($5, ''), COALESCE($6, ''), COALESCE($7, ''))"
    " ON CONFLICT (broadcast_id, phone, question) DO UPDATE SET value = EXCLUDED.value,"
    " village = EXCLUDED.village, block = EXCLUDED.block, village_key = EXCLUDED.village_key,"
    " answered_at = now()",
    7};
static const db_stmt st_answered = {
    "surveys_answered",
    "SELECT question FROM survey_answers WHERE broadcast_id = $1::bigint AND phone = $2", 2};
static const db_stmt st_counts = {
    "surveys_counts",
    "WITH a AS (SELECT question, village, CASE WHEN question = ANY ($2::text[]) THEN '' ELSE value"
    "  END AS v, CASE WHEN village_key <> '' THEN village_key ELSE '~' || village END AS k"
    "  FROM survey_answers WHERE broadcast_id = $1::bigint),"
    " n AS (SELECT k, mode() WITHIN GROUP (ORDER BY village) AS name FROM a GROUP BY k)"
    " SELECT a.question, n.name, a.v, count(*) FROM a JOIN n USING (k)"
    " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
    2};
static const db_stmt st_texts = {
    "surveys_texts",
    "SELECT question, village, value,"
    " to_char(answered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    " FROM survey_answers WHERE broadcast_id = $1::bigint AND question = ANY ($2::text[])"
    " AND value <> '' ORDER BY answered_at DESC, phone LIMIT $3::int",
    3};
/* Retention (SAMPARK_RETENTION_DAYS): answers older than $2 days before the clock $1 (ms) lose
 * the phone (a random stand-in keeps the rows apart) and a written answer's words; a rating and a
 * yes/no stay for the results, with the village. At most 5000 rows a pass. */
static const db_stmt st_forget = {
    "surveys_forget",
    "UPDATE survey_answers SET phone = 'anon:' || md5(random()::text || clock_timestamp()::text),"
    " value = CASE WHEN value IN ('1', '2', '3', '4', '5', 'yes', 'no') THEN value ELSE '' END"
    " WHERE ctid IN (SELECT ctid FROM survey_answers WHERE phone NOT LIKE 'anon:%'"
    " AND answered_at < to_timestamp($1::double precision / 1000) - $2::int * interval '1 day'"
    " LIMIT 5000)",
    2};

int surveys_answer(db *d, const char *bid, const char *phone, const char *qid, const char *value,
                   const char *village, const char *block, const char *village_key, err *e)
{
    return db_exec(d, &st_answer,
                   (const char *[]){bid, phone, qid, value, village, block, village_key}, e);
}

int surveys_next(db *d, const survey *s, const char *bid, const char *phone, err *e)
{
    PGresult *r = db_query(d, &st_answered, (const char *[]){bid, phone}, e);
    size_t i = 0;
    if (!r)
        return -1;
    for (; i < s->nq; i++) {
        int found = 0;
        for (int k = 0; k < PQntuples(r) && !found; k++)
            found = strcmp(PQgetvalue(r, k, 0), s->q[i].id) == 0;
        if (!found)
            break;
    }
    PQclear(r);
    return (int)i;
}

/* The ids of s's text questions as a PostgreSQL array literal (malloc'd). */
static char *text_ids(const survey *s, err *e)
{
    const char *ids[SURVEY_MAX_QUESTIONS + 1];
    size_t n = 0;
    char *arr;
    for (size_t i = 0; i < s->nq; i++)
        if (s->q[i].type == SURVEY_TEXT)
            ids[n++] = s->q[i].id;
    if (!(arr = db_text_array(ids, n)))
        err_set(e, ERR_ENV, "out of memory");
    return arr;
}

PGresult *surveys_counts(db *d, const survey *s, const char *bid, err *e)
{
    char *arr = text_ids(s, e);
    PGresult *r = arr ? db_query(d, &st_counts, (const char *[]){bid, arr}, e) : NULL;
    free(arr);
    return r;
}

int surveys_forget(db *d, const char *now_ms, const char *days, err *e)
{
    return db_exec(d, &st_forget, (const char *[]){now_ms, days}, e);
}

PGresult *surveys_texts(db *d, const survey *s, const char *bid, int limit, err *e)
{
    char *arr = text_ids(s, e), lim[16];
    PGresult *r;
    snprintf(lim, sizeof lim, "%d", limit);
    r = arr ? db_query(d, &st_texts, (const char *[]){bid, arr, lim}, e) : NULL;
    free(arr);
    return r;
}

/* ---- results ------------------------------------------------------------------------------------
 */

#define TEXTS_SHOWN 100

size_t surveys_options(const survey_question *q, const char **out)
{
    static const char *const ratings[] = {"1", "2", "3", "4", "5"}, *const yn[] = {"yes", "no"};
    size_t n = q->type == SURVEY_RATING ? 5 : q->type == SURVEY_YES_NO ? 2 : 1;
    for (size_t i = 0; i < n; i++)
        out[i] = q->type == SURVEY_RATING ? ratings[i] : q->type == SURVEY_YES_NO ? yn[i] : "";
    return n;
}

/* Question q's count of answer `answer` in village (NULL: every village) from counts rows. */
static long count_of(const PGresult *r, const char *qid, const char *village, const char *answer)
{
    long n = 0;
    for (int i = 0; i < PQntuples(r); i++)
        if (strcmp(PQgetvalue(r, i, 0), qid) == 0 &&
            (!village || strcmp(PQgetvalue(r, i, 1), village) == 0) &&
            (!answer || strcmp(PQgetvalue(r, i, 2), answer) == 0))
            n += atol(PQgetvalue(r, i, 3));
    return n;
}

static void csv_row(FILE *out, const survey_question *q, const char *village, const char *answer,
                    long n)
{
    char count[24];
    snprintf(count, sizeof count, "%ld", n);
    cases_csv_field(out, q->id, 0);
    cases_csv_field(out, survey_type_name(q->type), 0);
    cases_csv_field(out, q->text.en, 0);
    cases_csv_field(out, q->text.hi, 0); /* the district team reads Hindi (both are required) */
    cases_csv_field(out, *village ? village : "(unknown)", 0);
    cases_csv_field(out, q->type == SURVEY_TEXT ? "(text)" : answer, 0);
    cases_csv_field(out, count, 1);
}

int surveys_results_csv(db *d, const survey *s, const char *bid, FILE *out, err *e)
{
    PGresult *r = surveys_counts(d, s, bid, e);
    const char *opts[SURVEY_RATING_MAX];
    if (!r)
        return -1;
    fputs("\xEF\xBB\xBF", out); /* the BOM, as the cases CSV: Excel then reads UTF-8 */
    fputs("question_id,type,question,question_hi,village,answer,count\r\n", out);
    for (size_t qi = 0; qi < s->nq; qi++) {
        const survey_question *q = &s->q[qi];
        size_t n = surveys_options(q, opts);
        for (int i = 0; i < PQntuples(r); i++)
            if (strcmp(PQgetvalue(r, i, 0), q->id) == 0)
                csv_row(out, q, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
                        atol(PQgetvalue(r, i, 3)));
        for (size_t k = 0; k < n; k++)
            csv_row(out, q, "(all)", opts[k], count_of(r, q->id, NULL, opts[k]));
    }
    PQclear(r);
    return 0;
}

/* {answer: n} of question q in village (NULL: all), and their sum into *total. */
static json_object *counts_json(const PGresult *r, const survey_question *q, const char *village,
                                long *total)
{
    const char *opts[SURVEY_RATING_MAX];
    size_t n = surveys_options(q, opts);
    json_object *o = json_object_new_object();
    *total = 0;
    for (size_t k = 0; k < n; k++) {
        long c = count_of(r, q->id, village, opts[k]);
        *total += c;
        json_object_object_add(o, q->type == SURVEY_TEXT ? "text" : opts[k],
                               json_object_new_int64(c));
    }
    return o;
}

/* [{village, total, counts}] of question q, each village with answers once (rows are ordered). */
static json_object *villages_json(const PGresult *r, const survey_question *q)
{
    json_object *list = json_object_new_array();
    const char *last = NULL;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *v = PQgetvalue(r, i, 1);
        json_object *one;
        long total;
        if (strcmp(PQgetvalue(r, i, 0), q->id) != 0 || (last && strcmp(last, v) == 0))
            continue;
        last = v;
        one = json_object_new_object();
        json_object_object_add(one, "village", json_object_new_string(v));
        json_object_object_add(one, "counts", counts_json(r, q, v, &total));
        json_object_object_add(one, "total", json_object_new_int64(total));
        json_object_array_add(list, one);
    }
    return list;
}

static json_object *texts_json(const PGresult *t, const survey_question *q)
{
    json_object *list = json_object_new_array();
    for (int i = 0; t && i < PQntuples(t); i++) {
        json_object *one;
        if (strcmp(PQgetvalue(t, i, 0), q->id) != 0)
            continue;
        one = json_object_new_object();
        json_object_object_add(one, "village", json_object_new_string(PQgetvalue(t, i, 1)));
        char *words = strdup(PQgetvalue(t, i, 2));
        if (words) /* a phone or account number written into an answer is masked */
            text_mask_numbers(words);
        json_object_object_add(one, "text", json_object_new_string(words ? words : ""));
        free(words);
        json_object_object_add(one, "answered_at", json_object_new_string(PQgetvalue(t, i, 3)));
        json_object_array_add(list, one);
    }
    return list;
}

/* {id, type, text: {hi, en}} of question q. */
static json_object *question_head(const survey_question *q)
{
    json_object *o = json_object_new_object(), *text = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(q->id));
    json_object_object_add(o, "type", json_object_new_string(survey_type_name(q->type)));
    json_object_object_add(text, "hi", json_object_new_string(q->text.hi));
    json_object_object_add(text, "en", json_object_new_string(q->text.en));
    json_object_object_add(o, "text", text);
    return o;
}

json_object *surveys_describe(const survey *s)
{
    json_object *o = json_object_new_object(), *qs = json_object_new_array();
    json_object_object_add(o, "name", json_object_new_string(s->name));
    for (size_t i = 0; i < s->nq; i++)
        json_object_array_add(qs, question_head(&s->q[i]));
    json_object_object_add(o, "questions", qs);
    return o;
}

static json_object *question_json(const PGresult *r, const PGresult *t, const survey_question *q)
{
    json_object *o = question_head(q);
    long total;
    json_object_object_add(o, "counts", counts_json(r, q, NULL, &total));
    json_object_object_add(o, "total", json_object_new_int64(total));
    json_object_object_add(o, "villages", villages_json(r, q));
    if (q->type == SURVEY_TEXT && t)
        json_object_object_add(o, "texts", texts_json(t, q));
    return o;
}

char *surveys_results_json(db *d, const survey *s, const char *bid, int with_texts, err *e)
{
    PGresult *r = surveys_counts(d, s, bid, e), *t = NULL;
    json_object *o, *qs;
    char *out = NULL;
    if (!r || (with_texts && !(t = surveys_texts(d, s, bid, TEXTS_SHOWN, e)))) {
        PQclear(r);
        return NULL;
    }
    o = json_object_new_object();
    qs = json_object_new_array();
    json_object_object_add(o, "broadcast", json_object_new_string(bid));
    json_object_object_add(o, "survey", json_object_new_string(s->name));
    for (size_t i = 0; i < s->nq; i++)
        json_object_array_add(qs, question_json(r, t, &s->q[i]));
    json_object_object_add(o, "questions", qs);
    if (!(out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN))))
        err_set(e, ERR_ENV, "out of memory");
    json_object_put(o);
    PQclear(r);
    PQclear(t);
    return out;
}

const survey *surveys_of_broadcast(db *d, const char *dir, const char *bid, flow_set **flows,
                                   err *e)
{
    char name[128];
    const survey *s;
    *flows = NULL;
    if (broadcast_survey_name(d, bid, name, sizeof name, e) < 0 ||
        !(*flows = flow_set_load(dir, e)))
        return NULL;
    if (!(s = survey_find(*flows, name)))
        err_set(e, ERR_USER, "broadcast %s's survey \"%s\" is not in %s any more", bid, name, dir);
    return s;
}
