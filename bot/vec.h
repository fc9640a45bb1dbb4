/* vec.h — the one growable array of Sampark, after curl's dynbuf: memory that grows by
 * doubling, errors as return values (0 ok, -1 out of memory or a size past SIZE_MAX), never a
 * print or an exit. Two faces over one growth rule:
 *  - vec_reserve(items, cap, need): a typed array kept in its owner's fields
 *    (T *items; size_t n, cap) gets room for at least `need` elements; on error it is unchanged;
 *  - vec_str: text appended to piece by piece, always NUL-terminated. The first failed addition
 *    frees it (s becomes NULL) and every later one fails too, so one check at the end sees any
 *    piece that went missing. */
#ifndef SAMPARK_VEC_H
#define SAMPARK_VEC_H

#include <stdarg.h>
#include <stddef.h>

/* Grows *itemsp (a T ** passed as void *) of *cap elements of `size` bytes to hold `need`:
 * 16 elements at first, then doubling. Use the macro, which gives the size from the type. */
int vec_reserve_size(void *itemsp, size_t *cap, size_t need, size_t size);
#define vec_reserve(items, cap, need) vec_reserve_size(&(items), &(cap), (need), sizeof *(items))

typedef struct vec_str {
    char *s;    /* NULL until the first addition, and after a failed one */
    size_t len; /* bytes before the NUL */
    size_t cap;
    int failed; /* an addition failed: the text is gone and stays so */
} vec_str;

int vec_str_add(vec_str *b, const char *text, size_t n);
int vec_str_addf(vec_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vec_str_vaddf(vec_str *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the text to the caller (free it; NULL if empty or failed) and leaves b empty. */
char *vec_str_take(vec_str *b);
void vec_str_free(vec_str *b);

#endif
