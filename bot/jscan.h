/* jscan.h — a small JSON parser for the webhook hot path: one pass, every node and every
 * decoded string in one arena (a few mallocs per body instead of hundreds), depth bounded,
 * UTF-8 validated. json-c stays for everything that is not on the per-request path.
 * Pure; never trusts its input. */
#ifndef SAMPARK_JSCAN_H
#define SAMPARK_JSCAN_H

#include <stddef.h>

typedef enum jv_type {
    JV_NULL,
    JV_FALSE,
    JV_TRUE,
    JV_NUMBER,
    JV_STRING,
    JV_ARRAY,
    JV_OBJECT
} jv_type;

typedef struct jv {
    jv_type type;
    const char *key;  /* member name when inside an object, else NULL */
    const char *str;  /* JV_STRING: decoded, NUL-terminated; JV_NUMBER: the literal */
    size_t len;       /* JV_STRING: bytes of str; arrays/objects: number of children */
    struct jv *child; /* first element or member */
    struct jv *next;  /* next sibling */
    const char *raw;  /* where this value starts in the input, and its length */
    size_t rawlen;
} jv;

typedef struct jscan jscan;

/* Parses text[0..len) (need not be NUL-terminated). NULL on error, with a message and the
 * byte offset in errbuf. The tree lives until jscan_free. */
jscan *jscan_parse(const char *text, size_t len, int maxdepth, jv **root, char *errbuf,
                   size_t errsz);
void jscan_free(jscan *a);

/* Member of an object by name (the last one wins, as in most parsers), or NULL. */
const jv *jv_get(const jv *obj, const char *key);
/* String value or "" when v is absent or not a string. */
const char *jv_str(const jv *v);
/* A copy of raw JSON text of v (NUL-terminated), kept in the arena. */
const char *jscan_raw(jscan *a, const jv *v);

#endif
