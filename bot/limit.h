/* limit.h — per-citizen limits (issue 14): complaints and urgent complaints per day, helpdesk
 * questions per hour, messages per minute, counted per phone in Redis. The decision is pure
 * (limit_decide, limit_window: tested without services); limit_append and limit_read are the thin
 * Redis part. Officers never reach this module: conversation.c asks only for citizens. Never blocks
 * on Redis trouble: a count that cannot be read is 0, and 0 allows (fail-open). */
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

/* One action's rank (phone's action member — a message id, so a message handled twice keeps
 * its place — at t_ms) in the window of kind k, appended to c's pipeline: store records it (a
 * member past max + 1 is not recorded, so a window holds at most max + 1 ids); otherwise it is
 * only looked at. limit_read then reads n appended answers in order (every one, even after an
 * error, so the connection stays in step); ranks are 0 on error. Callers append only kinds
 * whose max is above 0. */
int limit_append(redisContext *c, limit_kind k, int max, const char *phone, const char *member,
                 int64_t t_ms, int store, err *e);
int limit_read(redisContext *c, size_t n, long *ranks, err *e);

#endif
