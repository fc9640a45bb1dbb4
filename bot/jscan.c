/* jscan.c — see jscan.h. Recursive descent with an explicit depth limit; strings are
 * unescaped into the arena (\uXXXX with surrogate pairs to UTF-8; a lone surrogate is an
 * error and a \u0000 is dropped, so every decoded string is a valid C string of valid UTF-8). */
#include "jscan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

struct block {
    struct block *next;
    size_t used, cap;
    max_align_t data[];
};

struct jscan {
    struct block *blocks;
};

struct parser {
    jscan *a;
    const char *s, *end, *p;
    int depth, maxdepth;
    const char *error;
};

static void *alloc(jscan *a, size_t n)
{
    struct block *b = a->blocks;
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    if (!b || b->cap - b->used < n) {
        size_t cap = n > 16384 ? n : 16384;
        struct block *nb = malloc(sizeof *nb + cap);
        if (!nb)
            return NULL;
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        a->blocks = nb;
        b = nb;
    }
    b->used += n;
    return (char *)b->data + b->used - n;
}

void jscan_free(jscan *a)
{
    struct block *b, *next;
    if (!a)
        return;
    for (b = a->blocks; b; b = next) {
        next = b->next;
        free(b);
    }
    free(a);
}

static void skip_ws(struct parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static jv *fail(struct parser *ps, const char *why)
{
    if (!ps->error)
        ps->error = why;
    return NULL;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* UTF-8 of cp is never longer than its 6- or 12-byte escape, so d has room. */
static char *put_utf8(char *d, unsigned cp)
{
    if (cp < 0x80) {
        *d++ = (char)cp;
    } else if (cp < 0x800) {
        *d++ = (char)(0xC0 | cp >> 6);
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *d++ = (char)(0xE0 | cp >> 12);
        *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *d++ = (char)(0xF0 | cp >> 18);
        *d++ = (char)(0x80 | (cp >> 12 & 0x3F));
        *d++ = (char)(0x80 | (cp >> 6 & 0x3F));
        *d++ = (char)(0x80 | (cp & 0x3F));
    }
    return d;
}

/* At the 'u' of a \u escape that ends before p. Reads one code point, joining a surrogate
 * pair; advances *qp past the escape(s). 0 ok, -1 with ps->error set. */
static int read_u_escape(struct parser *ps, const char **qp, const char *p, unsigned *out)
{
    const char *q = *qp;
    unsigned cp;
    if (p - q < 5 || hex4(q + 1, &cp) < 0)
        return fail(ps, "bad \\u escape"), -1;
    q += 5;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned lo;
        if (p - q < 6 || q[0] != '\\' || q[1] != 'u' || hex4(q + 2, &lo) < 0 || lo < 0xDC00 ||
            lo > 0xDFFF)
            return fail(ps, "lone surrogate in \\u escape"), -1;
        q += 6;
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        return fail(ps, "lone surrogate in \\u escape"), -1;
    }
    *qp = q;
    *out = cp;
    return 0;
}

/* The single-character escapes, or 0 for one JSON does not have. */
static char simple_escape(char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return 0;
    }
}

/* Decodes the escaped string [q, p) into dst; returns the end of what was written, or NULL
 * with ps->error set. */
static char *unescape(struct parser *ps, const char *q, const char *p, char *dst)
{
    char *d = dst;
    while (q < p) {
        unsigned cp;
        char c;
        if (*q != '\\') {
            *d++ = *q++;
            continue;
        }
        q++;
        if (*q == 'u') {
            if (read_u_escape(ps, &q, p, &cp) < 0)
                return NULL;
            if (cp != 0) /* dropped: strings stay C strings (a citizen never types NUL) */
                d = put_utf8(d, cp);
            continue;
        }
        if (!(c = simple_escape(*q)))
            return fail(ps, "bad escape in a string"), NULL;
        *d++ = c;
        q++;
    }
    return d;
}

/* At the opening quote. Decodes into the arena; sets *out and *outlen. */
static int parse_string(struct parser *ps, const char **out, size_t *outlen)
{
    const char *p = ps->p + 1, *start = p;
    char *dst, *d;
    int plain = 1;
    while (p < ps->end && *p != '"') {
        if ((unsigned char)*p < 0x20)
            return fail(ps, "control character in a string"), -1;
        if (*p == '\\') {
            plain = 0;
            if (++p >= ps->end)
                break;
        }
        p++;
    }
    if (p >= ps->end)
        return fail(ps, "unterminated string"), -1;
    if (!(dst = alloc(ps->a, (size_t)(p - start) + 1)))
        return fail(ps, "out of memory"), -1;
    if (plain) {
        memcpy(dst, start, (size_t)(p - start));
        d = dst + (p - start);
    } else if (!(d = unescape(ps, start, p, dst))) {
        return -1;
    }
    *d = '\0';
    if (!text_utf8_valid(dst, (size_t)(d - dst)))
        return fail(ps, "invalid UTF-8 in a string"), -1;
    *out = dst;
    *outlen = (size_t)(d - dst);
    ps->p = p + 1;
    return 0;
}

static jv *parse_value(struct parser *ps);

static jv *node(struct parser *ps, jv_type t)
{
    jv *v = alloc(ps->a, sizeof *v);
    if (!v)
        return fail(ps, "out of memory");
    memset(v, 0, sizeof *v);
    v->type = t;
    v->raw = ps->p;
    return v;
}

static jv *parse_container(struct parser *ps, int object)
{
    jv *v = node(ps, object ? JV_OBJECT : JV_ARRAY), *last = NULL;
    char close = object ? '}' : ']';
    if (!v)
        return NULL;
    if (++ps->depth > ps->maxdepth)
        return fail(ps, "nested too deeply");
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == close) {
        ps->p++;
        ps->depth--;
        return v;
    }
    for (;;) {
        const char *key = NULL;
        size_t keylen;
        jv *child;
        skip_ws(ps);
        if (object) {
            if (ps->p >= ps->end || *ps->p != '"')
                return fail(ps, "expected a member name");
            if (parse_string(ps, &key, &keylen) < 0)
                return NULL;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p != ':')
                return fail(ps, "expected ':'");
            ps->p++;
            skip_ws(ps);
        }
        if (!(child = parse_value(ps)))
            return NULL;
        child->key = key;
        if (last)
            last->next = child;
        else
            v->child = child;
        last = child;
        v->len++;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == close) {
            ps->p++;
            break;
        }
        return fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    ps->depth--;
    return v;
}

static jv *parse_literal(struct parser *ps, const char *word, jv_type t)
{
    size_t n = strlen(word);
    jv *v;
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return fail(ps, "unexpected character");
    if (!(v = node(ps, t)))
        return NULL;
    ps->p += n;
    return v;
}

static jv *parse_number(struct parser *ps)
{
    const char *p = ps->p, *start = p;
    char *lit;
    jv *v;
    if (p < ps->end && *p == '-')
        p++;
    if (p >= ps->end || !(*p >= '0' && *p <= '9'))
        return fail(ps, "unexpected character");
    if (*p == '0')
        p++;
    else
        while (p < ps->end && *p >= '0' && *p <= '9')
            p++;
    if (p < ps->end && *p == '.') {
        p++;
        if (p >= ps->end || !(*p >= '0' && *p <= '9'))
            return fail(ps, "bad number");
        while (p < ps->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < ps->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < ps->end && (*p == '+' || *p == '-'))
            p++;
        if (p >= ps->end || !(*p >= '0' && *p <= '9'))
            return fail(ps, "bad number");
        while (p < ps->end && *p >= '0' && *p <= '9')
            p++;
    }
    if ((size_t)(p - start) > 64)
        return fail(ps, "number too long");
    if (!(v = node(ps, JV_NUMBER)) || !(lit = alloc(ps->a, (size_t)(p - start) + 1)))
        return fail(ps, "out of memory");
    memcpy(lit, start, (size_t)(p - start));
    lit[p - start] = '\0';
    v->str = lit;
    v->len = (size_t)(p - start);
    ps->p = p;
    return v;
}

static jv *parse_value(struct parser *ps)
{
    jv *v;
    skip_ws(ps);
    if (ps->p >= ps->end)
        return fail(ps, "unexpected end");
    switch (*ps->p) {
    case '{':
        v = parse_container(ps, 1);
        break;
    case '[':
        v = parse_container(ps, 0);
        break;
    case '"':
        if (!(v = node(ps, JV_STRING)) || parse_string(ps, &v->str, &v->len) < 0)
            return NULL;
        break;
    case 't':
        v = parse_literal(ps, "true", JV_TRUE);
        break;
    case 'f':
        v = parse_literal(ps, "false", JV_FALSE);
        break;
    case 'n':
        v = parse_literal(ps, "null", JV_NULL);
        break;
    default:
        v = parse_number(ps);
        break;
    }
    if (v)
        v->rawlen = (size_t)(ps->p - v->raw);
    return v;
}

jscan *jscan_parse(const char *text, size_t len, int maxdepth, jv **root, char *errbuf,
                   size_t errsz)
{
    struct parser ps = {0};
    jscan *a = calloc(1, sizeof *a);
    *root = NULL;
    if (!a) {
        snprintf(errbuf, errsz, "out of memory");
        return NULL;
    }
    ps.a = a;
    ps.s = ps.p = text;
    ps.end = text + len;
    ps.maxdepth = maxdepth;
    *root = parse_value(&ps);
    if (*root) {
        skip_ws(&ps);
        if (ps.p < ps.end) {
            *root = NULL;
            ps.error = "unexpected text after the JSON value";
        }
    }
    if (!*root) {
        snprintf(errbuf, errsz, "%s at byte %zu", ps.error ? ps.error : "parse error",
                 (size_t)(ps.p - ps.s));
        jscan_free(a);
        return NULL;
    }
    return a;
}

const jv *jv_get(const jv *obj, const char *key)
{
    const jv *found = NULL;
    if (!obj || obj->type != JV_OBJECT)
        return NULL;
    for (const jv *c = obj->child; c; c = c->next)
        if (strcmp(c->key, key) == 0)
            found = c;
    return found;
}

const char *jv_str(const jv *v)
{
    return v && v->type == JV_STRING ? v->str : "";
}

const char *jscan_raw(jscan *a, const jv *v)
{
    char *copy;
    if (!v || !(copy = alloc(a, v->rawlen + 1)))
        return "";
    memcpy(copy, v->raw, v->rawlen);
    copy[v->rawlen] = '\0';
    return copy;
}
