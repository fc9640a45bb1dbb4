/* limit.h — per-citizen limits (issue 14): complaints and urgent complaints per day, helpdesk
 * questions per hour, messages per minute, counted per phone in Redis. The decision is pure
 * (limit_decide, limit_window: tested without services); limit_rank is the thin Redis part.
 * Officers never reach this module: conversation.c asks only for citizens. Never blocks on
 * Redis trouble: a count that cannot be read is 0, and 0 allows (fail-open). */
#ifndef SAMPARK_LIMIT_H
#define SAMPARK_LIMIT_H

#include <hiredis.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "err.h"

typedef enum limit_kind {
    LIMIT_MESSAGES,   /* inbound messages per clock minute */
    LIMIT_COMPLAINTS, /* complaints filed per day */
    LIMIT_URGENT,     /* complaints filed as urgent per day */
    LIMIT_HELPDESK,   /* helpdesk questions forwarded per clock hour */
    LIMIT_KIND_COUNT
} limit_kind;

typedef enum limit_verdict {
    LIMIT_ALLOW,        /* within the limit, no limit set, or the count unknown */
    LIMIT_REFUSE,       /* past the limit: refuse and tell the citizen why */
    LIMIT_REFUSE_QUIET, /* past it again in the same window: refuse, already told */
} limit_verdict;

/* India Standard Time (UTC+05:30, no daylight saving): a "day" is 00:00–24:00 IST. */
#define LIMIT_DAY_OFFSET_MS (19800LL * 1000)

/* "messages", "complaints", "urgent", "helpdesk" (the /metrics label). */
const char *limit_name(limit_kind k);
/* The configured limit (0 = none). */
int limit_max(const config *c, limit_kind k);

/* rank: this action's place among the phone's actions of the window, itself included
 * (1 = the first); 0 = unknown (Redis away), which allows. Past the limit every refusal is
 * told, except messages: only the first one past it, so a flood gets one answer a minute. */
limit_verdict limit_decide(limit_kind k, int max, long rank);

/* The fixed window an action at t_ms (Unix ms) falls in: its number, and its length in ms. */
int64_t limit_window(limit_kind k, int64_t t_ms, int64_t *len_ms);

/* The same, in halves, to put several kinds in one round trip: append one action's count
 * (ranks of a kind without a limit, max 0, come back 0 without being stored), then read the n
 * answers in order. */
int limit_append(redisContext *c, limit_kind k, int max, const char *phone, const char *member,
                 int64_t t_ms, int store, err *e);
int limit_read(redisContext *c, size_t n, long *ranks, err *e);

/* The ranks of n actions (phones[i], members[i] — a message id, so a redelivered message
 * keeps its place — at t_ms[i]) in one round trip. store: record them (a member past max + 1
 * is not recorded, so a window holds at most max + 1 ids); otherwise only look. ranks[i] is 0
 * where max is 0. -1 + e when Redis failed (ranks then all 0). */
int limit_rank(redisContext *c, limit_kind k, int max, const char *const *phones,
               const char *const *members, const int64_t *t_ms, size_t n, int store, long *ranks,
               err *e);

#endif
