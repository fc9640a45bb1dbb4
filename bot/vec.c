/* vec.c — arrays and text that grow by doubling; see vec.h. */
#include "vec.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VEC_FIRST 16

/* The array pointer is read and written through memcpy: itemsp points at a T *, which has the
 * representation of a void * on every platform Sampark builds for (POSIX), and memcpy keeps the
 * access free of aliasing questions. */
int vec_reserve_size(void *itemsp, size_t *cap, size_t need, size_t size)
{
    void *items, *grown;
    size_t n = *cap ? *cap : VEC_FIRST;
    if (need <= *cap)
        return 0;
    while (n < need) {
        if (n > SIZE_MAX / 2)
            return -1;
        n *= 2;
    }
    if (!size || n > SIZE_MAX / size)
        return -1;
    memcpy(&items, itemsp, sizeof items);
    if (!(grown = realloc(items, n * size)))
        return -1;
    memcpy(itemsp, &grown, sizeof grown);
    *cap = n;
    return 0;
}

static int str_fail(vec_str *b)
{
    vec_str_free(b);
    b->failed = 1;
    return -1;
}

/* Room for n more bytes and the NUL. */
static int str_room(vec_str *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n > SIZE_MAX - b->len - 1 || vec_reserve(b->s, b->cap, b->len + n + 1) < 0)
        return str_fail(b);
    return 0;
}

int vec_str_add(vec_str *b, const char *text, size_t n)
{
    if (str_room(b, n) < 0)
        return -1;
    memcpy(b->s + b->len, text, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

int vec_str_vaddf(vec_str *b, const char *fmt, va_list ap)
{
    va_list again;
    int n;
    va_copy(again, ap);
    n = vsnprintf(NULL, 0, fmt, again);
    va_end(again);
    if (n < 0)
        return str_fail(b);
    if (str_room(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int vec_str_addf(vec_str *b, const char *fmt, ...)
{
    va_list ap;
    int rc;
    va_start(ap, fmt);
    rc = vec_str_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

char *vec_str_take(vec_str *b)
{
    char *s = b->failed ? NULL : b->s;
    memset(b, 0, sizeof *b);
    return s;
}

void vec_str_free(vec_str *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
