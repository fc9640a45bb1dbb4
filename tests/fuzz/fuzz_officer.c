/* fuzz_officer.c — libFuzzer target for the officers' command grammar (bot/officer.c and the
 * text_normalize under it). The input is the officer's message; bytes after a first NUL are
 * the context id of a swipe-reply (none: no NUL). For every input it checks that
 *   - officer_parse never crashes or reads outside the message (ASan/UBSan do that), and gives
 *     the same command twice;
 *   - the command is a known one, its name a string, and only "unknown" is named "unknown";
 *   - tracking, dept and text are NUL-terminated inside their arrays; tracking is "" or
 *     canonical (2-8 capital letters, 4 digits, 6 digits: BLB-2026-000123); dept is set only
 *     by transfer, in capitals and without spaces; text is trimmed with single spaces;
 *   - swipe only for a reply to a context id; an unknown command carries nothing;
 *   - valid UTF-8 in gives valid UTF-8 out (text and dept are stored and sent on);
 *   - officer_find_tracking's start/end lie inside the string in order, and the canonical
 *     form it writes is found again as itself.
 * Any broken property calls abort(), which libFuzzer reports as a crash.
 * Build: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "officer.h"
#include "text.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_officer: check failed at %s:%d: %s\n", __FILE__, __LINE__,       \
                    #cond);                                                                        \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

static int is_upper(char c)
{
    return c >= 'A' && c <= 'Z';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* "" or LETTERS-YYYY-NNNNNN with 2-8 capital letters. */
static void check_tracking(const char *t, size_t cap)
{
    size_t n = 0, len;
    CHECK(memchr(t, '\0', cap) != NULL);
    len = strlen(t);
    if (!len)
        return;
    while (is_upper(t[n]))
        n++;
    CHECK(n >= 2 && n <= 8);
    CHECK(len == n + 12 && t[n] == '-' && t[n + 5] == '-');
    for (size_t i = 1; i <= 4; i++)
        CHECK(is_digit(t[n + i]));
    for (size_t i = 6; i <= 11; i++)
        CHECK(is_digit(t[n + i]));
}

static void check_find(const char *s)
{
    char out[32], again[32];
    const char *start = NULL, *end = NULL, *s2 = NULL, *e2 = NULL;
    size_t len = strlen(s);
    memset(out, 0x5A, sizeof out);
    if (!officer_find_tracking(s, out, &start, &end)) {
        CHECK(start == NULL && end == NULL);
        return;
    }
    check_tracking(out, sizeof out);
    CHECK(*out);
    CHECK(start && end && start >= s && start < end && end <= s + len);
    /* the number found spans at least its letters and its 10 digits */
    CHECK((size_t)(end - start) >= strlen(out) - 2);
    CHECK(officer_find_tracking(out, again, &s2, &e2) == 1);
    CHECK(strcmp(out, again) == 0 && s2 == out && e2 == out + strlen(out));
}

static void check_command(const officer_command *c, const char *text, const char *context)
{
    const char *name = officer_cmd_name(c->cmd);
    size_t tl, n;

    CHECK((unsigned)c->cmd <= OFFICER_MERGE); /* the last command of officer.h */
    CHECK(name && *name);
    CHECK((strcmp(name, "unknown") == 0) == (c->cmd == OFFICER_UNKNOWN));
    CHECK(c->swipe == 0 || c->swipe == 1);
    CHECK(!c->swipe || (c->cmd == OFFICER_REPLY && context && *context));

    check_tracking(c->tracking, sizeof c->tracking);
    check_tracking(c->into, sizeof c->into);
    /* Only merge reads a second number, and only after a first. */
    CHECK(!c->into[0] || (c->cmd == OFFICER_MERGE && c->tracking[0]));

    CHECK(memchr(c->dept, '\0', sizeof c->dept) != NULL);
    CHECK(c->cmd == OFFICER_TRANSFER || !c->dept[0]);
    for (const char *p = c->dept; *p; p++)
        CHECK(*p != ' ' && *p != '\n' && *p != '\t' && !(*p >= 'a' && *p <= 'z'));

    CHECK(memchr(c->text, '\0', sizeof c->text) != NULL);
    tl = strlen(c->text);
    CHECK(tl <= strlen(text));
    if (tl) {
        CHECK(!strchr(" \n\t:,", c->text[0]));
        CHECK(!strchr(" \n\t", c->text[tl - 1]));
        CHECK(!strstr(c->text, "  "));
    }
    if (c->cmd == OFFICER_UNKNOWN)
        CHECK(!c->tracking[0] && !c->dept[0] && !tl && !c->swipe);

    n = strlen(text);
    if (text_utf8_valid(text, n)) {
        CHECK(text_utf8_valid(c->text, tl));
        CHECK(text_utf8_valid(c->dept, strlen(c->dept)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* message \0 context: both as NUL-terminated strings of exactly their own size */
    const uint8_t *nul = memchr(data, '\0', size);
    size_t tlen = nul ? (size_t)(nul - data) : size;
    size_t clen = nul ? size - tlen - 1 : 0;
    char *text = malloc(tlen + 1), *context = NULL;
    officer_command *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    CHECK(text && a && b);
    memcpy(text, data, tlen);
    text[tlen] = '\0';
    if (nul) {
        const uint8_t *cend = memchr(nul + 1, '\0', clen);
        if (cend)
            clen = (size_t)(cend - nul - 1);
        context = malloc(clen + 1);
        CHECK(context);
        memcpy(context, nul + 1, clen);
        context[clen] = '\0';
    }

    memset(a, 0xA5, sizeof *a); /* officer_parse must set every field */
    memset(b, 0x5A, sizeof *b);
    officer_parse(text, context, a);
    officer_parse(text, context, b);
    CHECK(memcmp(a, b, sizeof *a) == 0);
    check_command(a, text, context);
    /* a NULL context is no context */
    if (!context || !*context) {
        officer_parse(text, NULL, b);
        CHECK(memcmp(a, b, sizeof *a) == 0);
    }

    check_find(text);
    if (context)
        check_find(context);

    free(a);
    free(b);
    free(context);
    free(text);
    return 0;
}
