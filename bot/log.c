/* log.c — leveled log lines on stderr; see log.h. */
#include "log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int threshold = LOG_LEVEL_INFO;

static const char *const names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *name, log_level *out)
{
    for (int l = LOG_LEVEL_ERROR; l <= LOG_LEVEL_DEBUG; l++)
        if (strcmp(name, names[l]) == 0) {
            *out = (log_level)l;
            return 0;
        }
    return -1;
}

void log_set_level(log_level level)
{
    atomic_store(&threshold, (int)level);
}

int log_enabled(log_level level)
{
    return (int)level <= atomic_load(&threshold);
}

/* The whole line goes out in one stdio call, so the threads of `serve --role all` never
 * interleave inside a line; a message longer than the stack buffer is formatted once more on
 * the heap rather than cut (a dry-run line quotes the whole outgoing text). */
void log_at(log_level level, const char *who, const char *fmt, ...)
{
    char small[1024], *msg = small;
    va_list ap;
    int n;
    if (!log_enabled(level))
        return;
    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof small && (msg = malloc((size_t)n + 1))) {
        va_start(ap, fmt);
        vsnprintf(msg, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!msg)
        msg = small; /* out of memory: the line cut is better than none */
    fprintf(stderr, "sampark%s%s: %s\n", who ? " " : "", who ? who : "", msg);
    if (msg != small)
        free(msg);
}
