/* followers.h — the citizens who joined a case rather than filing the same complaint again
 * (SPEC section 12, migration 0023): the one module with SQL on case_followers (and on
 * cases.follower_count, which moves with it). Every call runs in the caller's transaction. */
#ifndef SAMPARK_FOLLOWERS_H
#define SAMPARK_FOLLOWERS_H

#include "db.h"

/* What a join did. */
typedef struct follow_result {
    int open;      /* the case exists, is not closed, and is not the citizen's own */
    int joined;    /* the citizen follows it now (0: they did already) */
    int followers; /* how many follow it now, besides the citizen who filed it */
    char case_id[24];
} follow_result;

/* phone (writing in lang) joins the case tracking_no, by the inbound message source (so a
 * redelivered message joins once). The case's row is locked, so joins at once are counted
 * right. 0, or -1 on error. */
int followers_join(db *d, const char *tracking_no, const char *phone, const char *lang,
                   const char *source, follow_result *out, err *e);

/* The followers of a case: rows (phone, language, answer — "yes", "no" or "" —, asked 't'/'f':
 * their satisfaction question is out), in the order they joined. */
PGresult *followers_of(db *d, const char *case_id, err *e);

/* Whether phone follows case_id: 1, 0, -1. */
int followers_is(db *d, const char *case_id, const char *phone, err *e);

/* A follower's side of the case's satisfaction question. */
typedef struct follower_state {
    char lang[4];
    int asked;           /* their question waits for an answer */
    int awaiting_reason; /* they said "no" and owe the reason */
} follower_state;
/* phone's row of case_id into out: 1, 0 not a follower, -1. */
int followers_get(db *d, const char *case_id, const char *phone, follower_state *out, err *e);
/* The resolved case phone follows that waits for their answer (like "answer": a yes or no
 * first, else a reason first), its tracking number into tracking (32 bytes): 1, 0, -1. */
int followers_waiting(db *d, const char *phone, const char *like, char *tracking, err *e);

/* On resolve: every follower's own question is out, earlier answers forgotten. Rows (phone,
 * language) of those to ask; NULL + e on error. */
PGresult *followers_ask(db *d, const char *case_id, err *e);
/* phone answers their question (yes 1: yes, 0: no, which then owes its reason): 1 kept, 0
 * nothing waits for it (the case moved on), -1. */
int followers_answer(db *d, const char *case_id, const char *phone, int yes, err *e);
/* phone's reason for "no" came (or the day for it passed): 1 it was owed, 0 not, -1. */
int followers_take_reason(db *d, const char *case_id, const char *phone, err *e);
/* The case reopened: every follower's question and answer reset (the next resolve asks again). */
int followers_reset(db *d, const char *case_id, err *e);
/* Followers' "no" with no reason for a day at now_ms (the scheduler's clock, text): tracking
 * number, phone, answered at (epoch s), at most 500. */
PGresult *followers_reasons_due(db *d, const char *now_ms, err *e);

/* ---- merge (the officers' `merge`, issue 19) ------------------------------------------------ */

/* The case from_id is merged into into_id: its citizen and its followers follow into_id (each
 * once, never the citizen who filed into_id; into_id's follower_count with them), and stay
 * from_id's followers so its number still tells them where it went. Returns who was moved — phone, language a row, the citizen who filed from_id first —
 * to be told; NULL + e on error. */
PGresult *followers_merge(db *d, const char *from_id, const char *into_id, err *e);

/* SQL: the followers of case_id (an SQL expression) as a JSON array of {phone, language,
 * joined_at}, in the order they joined — for `sampark case show` (cases.c embeds it, so the
 * table's SQL stays this module's). */
#define FOLLOWERS_SQL_JSON(case_id)                                                                \
    "(SELECT COALESCE(json_agg(json_build_object('phone', f.phone, 'language', f.language,"        \
    " 'joined_at', f.joined_at) ORDER BY f.joined_at, f.phone), '[]') FROM case_followers f"       \
    " WHERE f.case_id = " case_id ")"

#endif
