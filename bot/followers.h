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

/* The followers of a case: rows (phone, language), in the order they joined. */
PGresult *followers_of(db *d, const char *case_id, err *e);

/* Whether phone follows case_id: 1, 0, -1. */
int followers_is(db *d, const char *case_id, const char *phone, err *e);

#endif
