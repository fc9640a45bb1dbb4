/* err.h — the one error style of Sampark.
 * Functions return int (0 ok, negative on error) or a pointer (NULL on error) and fill a
 * caller-owned err with one human sentence naming the file, field or variable at fault.
 * Modules never print and exit; only main.c decides what reaches the operator. */
#ifndef SAMPARK_ERR_H
#define SAMPARK_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum {
    ERR_USER = 1, /* bad input from the operator: exit status 1 */
    ERR_ENV = 2,  /* the environment failed us (database down, file unreadable): exit 2 */
};

typedef struct err {
    int kind; /* ERR_USER or ERR_ENV; 0 when no error was set */
    char msg[1024];
} err;

/* Sets e (if not NULL) and returns -1, so callers can write `return err_set(e, ...)`. */
int err_set(err *e, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int err_vset(err *e, int kind, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));
/* Prepends "prefix: " to an already set message, keeping its kind. */
int err_prefix(err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void err_clear(err *e);

#endif
