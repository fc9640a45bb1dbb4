/* rds.h — the Redis connection (REDIS_URL): connect with timeouts, AUTH, SELECT, and
 * reconnect after a server restart. Sessions, queues, dedupe and locks build on it. */
#ifndef SAMPARK_RDS_H
#define SAMPARK_RDS_H

#include <hiredis.h>

#include "config.h"
#include "err.h"

typedef struct rds rds;

/* A new connection per REDIS_URL (AUTH and SELECT done) with the given connect and command
 * timeout; the caller redisFree()s it. For modules that keep their own connection. */
redisContext *rds_connect(const config *c, int timeout_ms, err *e);

/* Does not connect yet: serve must start even while Redis is down (healthz says 503). */
rds *rds_new(const config *c);
void rds_free(rds *r);

/* The live context, connecting (or reconnecting after an error) first. NULL + e if Redis
 * cannot be reached. The context stays owned by r. */
redisContext *rds_get(rds *r, err *e);
/* Marks the context broken so the next rds_get reconnects. */
void rds_reset(rds *r);
/* PING round trip. */
int rds_ping(rds *r, err *e);

#endif
