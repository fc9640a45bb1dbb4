/* http.h — the HTTP face of `sampark serve` on libwebsockets: routes, limits, health.
 * Today: GET /healthz (200 when Redis and PostgreSQL answer, 503 otherwise); the webhook
 * routes of SPEC section 4 arrive with the receiver. Never blocks on anything but the
 * health probes themselves. */
#ifndef SAMPARK_HTTP_H
#define SAMPARK_HTTP_H

#include "config.h"
#include "db.h"
#include "err.h"
#include "rds.h"

typedef struct http_server http_server;

/* Binds SAMPARK_LISTEN; a port in use is reported as such (ERR_ENV). redis and pg are the
 * health probes' connections, owned by the caller. */
http_server *http_start(const config *c, rds *redis, db *pg, err *e);
/* Serves until http_stop is called (from a signal handler too). */
int http_run(http_server *s);
void http_stop(http_server *s);
void http_free(http_server *s);

#endif
