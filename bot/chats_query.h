/* chats_query.h — reading the live helpdesk's conversations for the portal (SPEC section 11,
 * issue 18): the ones not closed, how many wait unanswered, and the median time to a first
 * answer. Owner of the portal's SQL on helpdesk_chats (bot/chats.c owns the writes); it never
 * returns a citizen's phone nor any message text. */
#ifndef SAMPARK_CHATS_QUERY_H
#define SAMPARK_CHATS_QUERY_H

#include "db.h"
#include "err.h"

/* A question asked and unanswered this long is late (SPEC section 11: then the fallback phones
 * get it). */
#define CHATS_QUERY_LATE_MINUTES 10
/* The open list shows at most this many (oldest first), with the full count beside it. */
#define CHATS_QUERY_OPEN_MAX 500

/* {"open": [...], "open_total": N, "listed_at_most": N, "unanswered": {"count", "past_10_min"},
 * "first_answer": [...]} as JSON text (malloc'd), NULL + e. depts: the officer's departments
 * as a JSON array, or NULL for the whole district; an officer also sees the conversations that
 * reached them (phone) or that they own, general or another department's. */
char *chats_query_desk(db *d, const char *depts, const char *phone, err *e);

#endif
