/* engine_suggest.c — which department a citizen's own words point to (issue 15): the
 * directory's per-department keywords, compiled once per load, scored against a draft. Pure:
 * no I/O, no globals; compiled patterns are read-only, so threads may share them. It never
 * guesses: a tie or a close second is "no suggestion" (see engine.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "text.h"

#define NORM_MAX 256 /* text_normalize of a keyword (40 characters of at most 4 bytes) */

/* What may stand between the words of a phrase: nothing, spaces, punctuation, zero-width. */
#define SEP "[\\s\\p{P}\\p{Cf}]*"
/* Around a keyword: no letter, mark (a matra) or digit — a whole word, Unicode-aware. */
#define BEFORE "(?<![\\p{L}\\p{M}\\p{N}])(?:"
#define AFTER  ")(?![\\p{L}\\p{M}\\p{N}])"

struct engine_word {
    pcre2_code *re;
    int weight;
};

struct engine_words {
    size_t n;
    struct engine_word w[];
};

/* Bytes text_normalize drops between words: ASCII that is not a letter or digit, the danda,
 * zero-width joiners. Returns the length of the separator at p, 0 if none. */
static size_t separator(const unsigned char *p)
{
    if (*p < 0x80)
        return !((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'));
    if ((p[0] == 0xE0 && p[1] == 0xA5 && (p[2] == 0xA4 || p[2] == 0xA5)) ||
        (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x8B && p[2] <= 0x8D))
        return 3;
    return 0;
}

/* Appends word as a pattern: its letters literal, any separator run as SEP. out has room for
 * strlen(word) * (1 + strlen(SEP)) bytes. */
static char *append_word(char *out, const char *word)
{
    const unsigned char *p = (const unsigned char *)word;
    int started = 0, gap = 0;
    while (*p) {
        size_t sep = separator(p);
        if (sep) {
            gap = started;
            p += sep;
            continue;
        }
        if (gap) {
            memcpy(out, SEP, strlen(SEP));
            out += strlen(SEP);
            gap = 0;
        }
        *out++ = (char)*p++;
        started = 1;
    }
    return out;
}

/* The weight department d gives the keyword normalised as norm (0: not its keyword). */
static int weight_of(const engine_dept *d, const char *norm)
{
    int w = 0;
    for (size_t k = 0; k < d->nkeywords; k++) {
        char nk[NORM_MAX];
        text_normalize(d->keywords[k].word, nk, sizeof nk);
        if (strcmp(nk, norm) == 0 && d->keywords[k].weight > w)
            w = d->keywords[k].weight;
    }
    return w;
}

/* 1 when department i holds norm alone at the highest weight among all departments. */
static int owns(const engine_dept *depts, size_t n, size_t i, const char *norm, int w)
{
    for (size_t j = 0; j < n; j++)
        if (j != i && weight_of(&depts[j], norm) >= w)
            return 0;
    return 1;
}

/* One pattern for every spelling of the keyword normalised as norm in department d. */
static pcre2_code *compile_group(const engine_dept *d, const char *norm)
{
    size_t size = sizeof BEFORE + sizeof AFTER;
    char *pat, *q;
    pcre2_code *re;
    int code;
    PCRE2_SIZE off;
    for (size_t k = 0; k < d->nkeywords; k++)
        size += strlen(d->keywords[k].word) * (1 + strlen(SEP)) + 1;
    if (!(q = pat = malloc(size)))
        return NULL;
    q = stpcpy(q, BEFORE);
    for (size_t k = 0, first = 1; k < d->nkeywords; k++) {
        char nk[NORM_MAX];
        text_normalize(d->keywords[k].word, nk, sizeof nk);
        if (strcmp(nk, norm) != 0)
            continue;
        if (!first)
            *q++ = '|';
        q = append_word(q, d->keywords[k].word);
        first = 0;
    }
    strcpy(q, AFTER);
    re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED,
                       PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &off, NULL);
    free(pat);
    if (re)
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* without JIT it still matches */
    return re;
}

static int compile_dept(engine_dept *depts, size_t n, size_t i)
{
    engine_dept *d = &depts[i];
    struct engine_words *ws;
    if (!d->nkeywords)
        return 0;
    if (!(ws = calloc(1, sizeof *ws + d->nkeywords * sizeof ws->w[0])))
        return -1;
    d->words_ = ws;
    for (size_t k = 0; k < d->nkeywords; k++) {
        char norm[NORM_MAX];
        size_t prev;
        int w;
        if (!d->keywords[k].word || !text_normalize(d->keywords[k].word, norm, sizeof norm))
            continue;
        for (prev = 0; prev < k; prev++) {
            char np[NORM_MAX];
            if (d->keywords[prev].word &&
                (text_normalize(d->keywords[prev].word, np, sizeof np), strcmp(np, norm) == 0))
                break;
        }
        if (prev < k || !owns(depts, n, i, norm, w = weight_of(d, norm)))
            continue; /* a spelling already compiled, or another department's keyword */
        if (!(ws->w[ws->n].re = compile_group(d, norm)))
            return -1;
        ws->w[ws->n++].weight = w;
    }
    return 0;
}

int engine_keywords_compile(engine_dept *depts, size_t n, err *e)
{
    for (size_t i = 0; i < n; i++)
        depts[i].words_ = NULL;
    for (size_t i = 0; i < n; i++)
        if (compile_dept(depts, n, i) < 0) {
            engine_keywords_free(depts, n);
            return err_set(e, ERR_ENV, "out of memory compiling the keywords of department %s",
                           depts[i].code ? depts[i].code : "?");
        }
    return 0;
}

void engine_keywords_free(engine_dept *depts, size_t n)
{
    for (size_t i = 0; depts && i < n; i++) {
        struct engine_words *ws = depts[i].words_;
        for (size_t k = 0; ws && k < ws->n; k++)
            pcre2_code_free(ws->w[k].re);
        free(ws);
        depts[i].words_ = NULL;
    }
}

static int score(const struct engine_words *ws, const char *text, size_t len, pcre2_match_data *md)
{
    int sum = 0;
    for (size_t k = 0; ws && k < ws->n; k++)
        if (pcre2_match(ws->w[k].re, (PCRE2_SPTR)text, len, 0, 0, md, NULL) >= 0)
            sum += ws->w[k].weight;
    return sum;
}

int engine_suggest_department(const engine_dept *depts, size_t n, const char *text)
{
    pcre2_match_data *md;
    int best = 0, second = 0, at = -1;
    size_t len;
    if (!text || !*text || !(md = pcre2_match_data_create(1, NULL)))
        return -1;
    len = strlen(text);
    for (size_t i = 0; i < n; i++) {
        int s = score(depts[i].words_, text, len, md);
        if (s > best) {
            second = best;
            best = s;
            at = (int)i;
        } else if (s > second)
            second = s;
    }
    pcre2_match_data_free(md);
    return best >= 1 && best >= 2 * second ? at : -1;
}
