/* http.h — the HTTP face of `sampark serve` on libwebsockets (SPEC section 4):
 * GET/POST /webhook, GET /healthz, GET /metrics. The POST path verifies the signature over
 * the raw bytes, parses, and answers 200 only once the notification is durably queued in
 * Redis; enqueues of one event-loop turn share one pipelined round trip. Only routes whose
 * table entry allows it may carry a body; /metrics and /healthz's details are for local
 * clients or SAMPARK_METRICS_TOKEN holders. */
#ifndef SAMPARK_HTTP_H
#define SAMPARK_HTTP_H

#include "config.h"
#include "err.h"

#define HTTP_MAX_BODY (1024 * 1024)

typedef struct http_server http_server;

/* Binds SAMPARK_LISTEN; a port in use is reported as such (ERR_ENV). */
http_server *http_start(const config *c, err *e);
/* Serves until http_stop; then stops accepting, answers what is in flight (up to 5 s) and
 * returns 0. */
int http_run(http_server *s);
/* Async-signal-safe. */
void http_stop(http_server *s);
void http_free(http_server *s);

#endif
