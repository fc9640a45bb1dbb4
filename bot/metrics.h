/* metrics.h — process-wide counters for GET /metrics (Prometheus text format).
 * Lock-free atomics, so the HTTP loop and worker threads count without contention.
 * Gauges that need Redis or PostgreSQL (queue depth, cases by status) are added by the
 * caller at scrape time through metrics_render's extra text. */
#ifndef SAMPARK_METRICS_H
#define SAMPARK_METRICS_H

#include <stddef.h>

#include "limit.h"
#include "wa_in.h"

typedef enum metrics_route {
    METRICS_WEBHOOK_GET,
    METRICS_WEBHOOK_POST,
    METRICS_HEALTHZ,
    METRICS_METRICS,
    METRICS_PORTAL, /* /portal/ files */
    METRICS_API,    /* the portal's /api/ */
    METRICS_OTHER,
    METRICS_ROUTE_COUNT
} metrics_route;

void metrics_http(metrics_route route, int status, double seconds);
void metrics_http_second_answer(void);       /* a bug: one request answered twice (refused) */
void metrics_inbound(wa_msg_kind kind);      /* accepted by the webhook */
void metrics_foreign_number(size_t n);       /* messages/statuses for another business number */
void metrics_duplicate(size_t n);            /* messages already seen */
void metrics_status_in(wa_status_kind kind); /* delivery statuses accepted */
void metrics_processed(int ok);              /* worker: entries done (ok) or failed (retry) */
void metrics_dead_letter(void);              /* worker: entries that can never be processed */
void metrics_batch_fallback(void);           /* worker: a batch that failed, handled one by one */
void metrics_send(int outcome);              /* sender: 0 sent, 1 retried, 2 failed */
void metrics_send_seconds(double seconds);   /* sender: Graph API round trip */
void metrics_limited(limit_kind kind);       /* worker: a citizen's action past a limit */

/* The whole exposition, extra appended; malloc'd, NUL-terminated. */
char *metrics_render(const char *extra, size_t *len);

#endif
