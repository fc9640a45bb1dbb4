/* fuzz_flow.c — libFuzzer target for the flow file loader (bot/flow.c, through
 * flow_set_load_sources, and jsonfile_parse and text_normalize under it). The input is up to
 * four flow files separated by NUL bytes (JSON never holds a raw NUL), loaded in order as
 * flows/a.json, flows/b.json... For every input it checks that
 *   - loading never crashes, leaks or reads out of bounds (ASan/UBSan do that);
 *   - a refused set comes with an error: user or environment kind, a non-empty message;
 *   - a loaded set keeps the loader's promises: a start and a menu, every goto a real state,
 *     state names unique and of letters, digits and _, hi and en texts present, non-empty,
 *     valid UTF-8 and within WhatsApp's limits, match words and keywords normalized,
 *     non-empty and unique, every state reachable from the start or a keyword (silent end and
 *     find_similar actions, similar lists with their "different" row and "join"), the four
 *     replies present (and "added" and "kept" where a state has "adds_to", which names an
 *     input state's var, never at the menu), flow_state_index and flow_text_get consistent.
 * Any broken property calls abort(), which libFuzzer reports as a crash.
 * Build: see tests/fuzz/README.md. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"
#include "text.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_flow: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#define MAX_FILES 4

/* Non-empty valid UTF-8 of at most limit characters (0: no limit). */
static void check_str(const char *s, size_t limit)
{
    size_t len;
    CHECK(s != NULL);
    len = strlen(s);
    CHECK(len > 0);
    CHECK(text_utf8_valid(s, len));
    CHECK(!limit || text_utf8_chars(s) <= limit);
}

/* hi and en required; hne optional. */
static void check_text(const flow_text *t, size_t limit)
{
    static const char *const langs[] = {"hi", "en", "hne", "xx", NULL};
    check_str(t->hi, limit);
    check_str(t->en, limit);
    if (t->hne)
        check_str(t->hne, limit);
    for (int i = 0; langs[i]; i++)
        CHECK(flow_text_get(t, langs[i]) != NULL);
    CHECK(flow_text_get(t, NULL) == t->hi);
    CHECK(flow_text_get(t, "en") == t->en);
}

static void check_optional_text(const flow_text *t, size_t limit)
{
    if (t->hi || t->en)
        check_text(t, limit);
    else
        CHECK(!t->hne);
}

static void check_next(const flow_set *f, int next, int required)
{
    CHECK(next >= -1 && next < (int)f->nstates);
    CHECK(!required || next >= 0);
}

/* A normalized word: non-empty, and normalizing it again changes nothing. */
static void check_word(const char *w)
{
    size_t len;
    char *again;
    check_str(w, 0);
    len = strlen(w);
    again = malloc(len + 1);
    CHECK(again);
    CHECK(text_normalize(w, again, len + 1) == len && strcmp(again, w) == 0);
    free(again);
}

static void check_state(const flow_set *f, size_t i)
{
    const flow_state *st = &f->states[i];
    int interactive;

    check_str(st->name, 0);
    CHECK(strspn(st->name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
          strlen(st->name));
    CHECK(flow_state_index(f, st->name) == (int)i);
    check_str(st->file, 0);
    CHECK((unsigned)st->kind <= FLOW_SIMILAR);
    interactive = st->kind == FLOW_MENU || st->kind == FLOW_DEPARTMENTS ||
                  st->kind == FLOW_CONFIRM || st->has_skip;
    if (st->kind == FLOW_ACTION && (st->action == FLOW_ACT_END ||
                                    st->action == FLOW_ACT_FIND_SIMILAR))
        check_optional_text(&st->text, FLOW_TEXT_BODY_MAX); /* these may be silent */
    else
        check_text(&st->text, interactive ? FLOW_INTERACTIVE_BODY_MAX : FLOW_TEXT_BODY_MAX);
    check_next(f, st->next, st->kind != FLOW_MENU && st->kind != FLOW_CONFIRM);
    check_next(f, st->on_fail, 0);
    check_next(f, st->on_error, 0);
    check_next(f, st->skip_next, st->has_skip);
    check_next(f, st->yes_next, st->kind == FLOW_CONFIRM || st->kind == FLOW_SIMILAR);
    check_next(f, st->no_next, st->kind == FLOW_CONFIRM);
    if (st->adds_to) {
        CHECK(st->adds_state >= 0 && (size_t)st->adds_state < f->nstates && (int)i != f->menu);
        CHECK(f->states[st->adds_state].kind == FLOW_INPUT &&
              strcmp(f->states[st->adds_state].var, st->adds_to) == 0);
        check_text(&f->replies[FLOW_REPLY_ADDED], FLOW_TEXT_BODY_MAX);
        check_text(&f->replies[FLOW_REPLY_KEPT], FLOW_TEXT_BODY_MAX);
    } else {
        CHECK(st->adds_state == -1);
    }
    if (st->has_skip)
        check_text(&st->skip_title, FLOW_BUTTON_TITLE_MAX);

    switch (st->kind) {
    case FLOW_MENU:
        CHECK(st->nchoices >= 1 && st->choices);
        check_optional_text(&st->button, FLOW_LIST_BUTTON_MAX);
        for (size_t c = 0; c < st->nchoices; c++) {
            const flow_choice *ch = &st->choices[c];
            check_str(ch->id, 0);
            for (size_t d = 0; d < c; d++)
                CHECK(strcmp(st->choices[d].id, ch->id) != 0);
            check_text(&ch->title, st->nchoices <= FLOW_MAX_BUTTONS ? FLOW_BUTTON_TITLE_MAX
                                                                    : FLOW_ROW_TITLE_MAX);
            check_optional_text(&ch->description, FLOW_ROW_DESC_MAX);
            CHECK(!ch->description.hi || st->nchoices > FLOW_MAX_BUTTONS);
            check_next(f, ch->next, 1);
            CHECK(!ch->nmatch || ch->match);
            for (size_t m = 0; m < ch->nmatch; m++) {
                check_word(ch->match[m]);
                /* the same word never picks two choices */
                for (size_t d = 0; d < c; d++)
                    for (size_t x = 0; x < st->choices[d].nmatch; x++)
                        CHECK(strcmp(st->choices[d].match[x], ch->match[m]) != 0);
            }
            CHECK(!ch->nset || (ch->set_keys && ch->set_values));
            for (size_t s = 0; s < ch->nset; s++) {
                CHECK(ch->set_keys[s] && ch->set_values[s]);
                CHECK(text_utf8_valid(ch->set_keys[s], strlen(ch->set_keys[s])));
                CHECK(text_utf8_valid(ch->set_values[s], strlen(ch->set_values[s])));
                if (strcmp(ch->set_keys[s], "lang") == 0)
                    CHECK(!strcmp(ch->set_values[s], "hi") || !strcmp(ch->set_values[s], "en") ||
                          !strcmp(ch->set_values[s], "hne"));
            }
        }
        break;
    case FLOW_DEPARTMENTS:
        check_str(st->var, 0);
        check_optional_text(&st->button, FLOW_LIST_BUTTON_MAX);
        check_optional_text(&st->suggest_text, FLOW_INTERACTIVE_BODY_MAX);
        check_optional_text(&st->general, FLOW_ROW_TITLE_MAX);
        break;
    case FLOW_SIMILAR:
        check_text(&st->different, FLOW_ROW_TITLE_MAX);
        check_optional_text(&st->button, FLOW_LIST_BUTTON_MAX);
        break;
    case FLOW_INPUT:
    case FLOW_MEDIA:
        check_str(st->var, 0);
        check_text(&st->retry, FLOW_TEXT_BODY_MAX);
        CHECK(st->retries >= 1 && st->retries <= 10);
        if (st->kind == FLOW_INPUT) {
            CHECK(st->min >= 0 && st->min <= 4096 && st->max >= 0 && st->max <= 4096);
            CHECK(!st->max || st->min <= st->max);
            CHECK(!st->pattern == !st->pattern_src);
        } else {
            CHECK(st->accept && st->accept < 32);
        }
        break;
    case FLOW_CONFIRM:
        check_text(&st->yes_title, FLOW_BUTTON_TITLE_MAX);
        check_text(&st->no_title, FLOW_BUTTON_TITLE_MAX);
        break;
    case FLOW_ACTION:
        CHECK((unsigned)st->action <= FLOW_ACT_SUBSCRIBE);
        if (st->action == FLOW_ACT_SET_LANGUAGE)
            CHECK(st->language && (!strcmp(st->language, "hi") || !strcmp(st->language, "en") ||
                                   !strcmp(st->language, "hne")));
        break;
    default:
        break;
    }
}

/* Every state is reachable from the start or a keyword (the loader refuses a set where one
 * is not); unset on_fail/on_error lead to the menu, as in the loader and the engine. */
static void check_reachable(const flow_set *f)
{
    size_t n = f->nstates, top = 0;
    char *seen = calloc(n, 1);
    int *stack = calloc(n, sizeof *stack);
    CHECK(seen && stack);
#define PUSH(x)                                                                                    \
    do {                                                                                           \
        int x_ = (x);                                                                              \
        if (x_ >= 0 && !seen[x_]) {                                                                \
            seen[x_] = 1;                                                                          \
            stack[top++] = x_;                                                                     \
        }                                                                                          \
    } while (0)
    PUSH(f->start);
    for (size_t k = 0; k < f->nkeywords; k++)
        PUSH(f->keywords[k].next);
    while (top) {
        const flow_state *st = &f->states[stack[--top]];
        PUSH(st->next);
        for (size_t c = 0; c < st->nchoices; c++)
            PUSH(st->choices[c].next);
        PUSH(st->skip_next);
        PUSH(st->yes_next);
        PUSH(st->no_next);
        if (st->kind == FLOW_INPUT || st->kind == FLOW_MEDIA)
            PUSH(st->on_fail >= 0 ? st->on_fail : f->menu);
        if (st->kind == FLOW_ACTION)
            PUSH(st->on_error >= 0 ? st->on_error : f->menu);
    }
#undef PUSH
    for (size_t i = 0; i < n; i++)
        CHECK(seen[i]);
    free(seen);
    free(stack);
}

static void check_set(const flow_set *f)
{
    CHECK(f->nstates >= 1 && f->states);
    CHECK(f->start >= 0 && f->start < (int)f->nstates);
    CHECK(f->menu >= 0 && f->menu < (int)f->nstates);
    CHECK(flow_state_index(f, f->states[f->start].name) == f->start);
    for (size_t i = 0; i < f->nstates; i++)
        check_state(f, i);
    CHECK(!f->nkeywords || f->keywords);
    for (size_t k = 0; k < f->nkeywords; k++) {
        check_word(f->keywords[k].word);
        check_next(f, f->keywords[k].next, 1);
        for (size_t j = 0; j < k; j++)
            CHECK(strcmp(f->keywords[j].word, f->keywords[k].word) != 0);
    }
    for (int r = 0; r < FLOW_REPLY_COUNT; r++)
        if (r == FLOW_REPLY_ADDED || r == FLOW_REPLY_KEPT)
            check_optional_text(&f->replies[r], FLOW_TEXT_BODY_MAX); /* needed with adds_to */
        else
            check_text(&f->replies[r], FLOW_TEXT_BODY_MAX);
    check_reachable(f);
    CHECK(flow_state_index(f, "") == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[MAX_FILES] = {"flows/a.json", "flows/b.json", "flows/c.json",
                                                 "flows/d.json"};
    flow_source src[MAX_FILES];
    size_t n = 0, off = 0;
    err e = {0};
    flow_set *f;

    /* Split on NUL; the last file takes the rest, NULs and all. */
    while (n < MAX_FILES) {
        const uint8_t *nul = n + 1 < MAX_FILES ? memchr(data + off, '\0', size - off) : NULL;
        size_t len = nul ? (size_t)(nul - (data + off)) : size - off;
        src[n].name = names[n];
        src[n].text = (const char *)data + off;
        src[n].len = len;
        n++;
        if (!nul)
            break;
        off += len + 1;
    }

    f = flow_set_load_sources(src, n, &e);
    if (!f) {
        CHECK(e.kind == ERR_USER || e.kind == ERR_ENV);
        CHECK(e.msg[0] != '\0');
        return 0;
    }
    check_set(f);
    flow_set_free(f);
    return 0;
}
