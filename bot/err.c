/* err.c — filling the caller-owned err; see err.h. */
#include "err.h"

#include <stdio.h>
#include <string.h>

/* A message cut to fit ends at a whole letter and never inside a number: a phone number cut
 * short no longer looks like one, and would escape the masking of log lines. */
static void cut_clean(char *msg, size_t len)
{
    size_t lead = len;
    while (lead > 0 && ((unsigned char)msg[lead - 1] & 0xC0) == 0x80)
        lead--;
    if (lead > 0) { /* msg[lead-1] starts the last letter: keep it only if it is whole */
        unsigned char c = (unsigned char)msg[lead - 1];
        size_t need = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (lead - 1 + need > len)
            len = lead - 1;
    }
    while (len > 0 && msg[len - 1] >= '0' && msg[len - 1] <= '9')
        len--;
    msg[len] = '\0';
}

int err_vset(err *e, int kind, const char *fmt, va_list ap)
{
    int n;
    if (!e)
        return -1;
    e->kind = kind;
    n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    if (n >= (int)sizeof e->msg)
        cut_clean(e->msg, sizeof e->msg - 1);
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
    if (vsnprintf(prefix, sizeof prefix, fmt, ap) >= (int)sizeof prefix)
        cut_clean(prefix, sizeof prefix - 1);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    if (snprintf(e->msg, sizeof e->msg, "%s: %s", prefix, old) >= (int)sizeof e->msg)
        cut_clean(e->msg, sizeof e->msg - 1);
    return -1;
}

void err_clear(err *e)
{
    if (e) {
        e->kind = 0;
        e->msg[0] = '\0';
    }
}
