/* err.c — filling the caller-owned err; see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

int err_vset(err *e, int kind, const char *fmt, va_list ap)
{
    if (!e)
        return -1;
    e->kind = kind;
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return -1;
}

int err_set(err *e, int kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, kind, fmt, ap);
    va_end(ap);
    return -1;
}

int err_prefix(err *e, const char *fmt, ...)
{
    char prefix[512], old[sizeof e->msg];
    va_list ap;
    if (!e)
        return -1;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old);
    return -1;
}

void err_clear(err *e)
{
    if (e) {
        e->kind = 0;
        e->msg[0] = '\0';
    }
}
