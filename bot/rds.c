/* rds.c — one hiredis context behind a reconnecting handle (see rds.h).
 * Commands are always sent with %s/%b arguments, never string-built. */
#include "rds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

struct rds {
    const config *cfg;
    redisContext *ctx;
};

rds *rds_new(const config *c)
{
    rds *r = calloc(1, sizeof *r);
    if (r)
        r->cfg = c;
    return r;
}

void rds_free(rds *r)
{
    if (!r)
        return;
    if (r->ctx)
        redisFree(r->ctx);
    free(r);
}

void rds_reset(rds *r)
{
    if (r->ctx)
        redisFree(r->ctx);
    r->ctx = NULL;
}

static int command_ok(redisContext *ctx, redisReply *rep, const char *what, err *e)
{
    int rc = 0;
    if (!rep)
        rc = err_set(e, ERR_ENV, "Redis (REDIS_URL) %s: %s", what,
                     ctx->errstr[0] ? ctx->errstr : "no reply");
    else if (rep->type == REDIS_REPLY_ERROR)
        rc = err_set(e, ERR_ENV, "Redis (REDIS_URL) %s: %s", what, rep->str);
    freeReplyObject(rep);
    return rc;
}

redisContext *rds_connect(const config *c, int timeout_ms, err *e)
{
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *ctx = c->redis_socket[0]
                            ? redisConnectUnixWithTimeout(c->redis_socket, tv)
                            : redisConnectWithTimeout(c->redis_host, c->redis_port, tv);
    if (!ctx || ctx->err) {
        err_set(e, ERR_ENV, "Redis (REDIS_URL %s): cannot connect: %s", c->redis_url,
                ctx ? ctx->errstr : "out of memory");
        if (ctx)
            redisFree(ctx);
        return NULL;
    }
    redisSetTimeout(ctx, tv);
    if (c->redis_password) {
        redisReply *rep = c->redis_user
                              ? redisCommand(ctx, "AUTH %s %s", c->redis_user, c->redis_password)
                              : redisCommand(ctx, "AUTH %s", c->redis_password);
        if (command_ok(ctx, rep, "AUTH", e) < 0)
            goto fail;
    }
    if (c->redis_db) {
        char db[8];
        snprintf(db, sizeof db, "%d", c->redis_db);
        if (command_ok(ctx, redisCommand(ctx, "SELECT %s", db), "SELECT", e) < 0)
            goto fail;
    }
    return ctx;
fail:
    redisFree(ctx);
    return NULL;
}

redisContext *rds_get(rds *r, err *e)
{
    if (r->ctx && !r->ctx->err)
        return r->ctx;
    rds_reset(r);
    r->ctx = rds_connect(r->cfg, 2000, e);
    return r->ctx;
}

int rds_ping(rds *r, err *e)
{
    redisContext *ctx = rds_get(r, e);
    redisReply *rep;
    if (!ctx)
        return -1;
    rep = redisCommand(ctx, "PING");
    if (!rep) {
        /* A restarted server leaves a dead socket: reconnect once before saying so. */
        rds_reset(r);
        if (!(ctx = rds_get(r, e)))
            return -1;
        rep = redisCommand(ctx, "PING");
    }
    if (command_ok(ctx, rep, "PING", e) < 0) {
        rds_reset(r);
        return -1;
    }
    return 0;
}
