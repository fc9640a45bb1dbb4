/* engine.c — the conversation step (see engine.h).
 * Entering a state renders its message; a message, an action's text or a language change
 * chain into the next state at once. Answers are matched forgivingly: the option's id (a
 * tapped button or row), its number, its title in any language, or a match word; case,
 * spaces and punctuation never matter. Nothing here may crash on what a citizen sends. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "text.h"
#include "vec.h"
#include "words.h"

#define MAX_CHAIN 12 /* messages chained without waiting: a guard against author loops */
#define PAGE_ROWS 9  /* rows per page when a list needs a "more" row */
#define MAX_WORDS ENGINE_WORDS_MAX /* words of a typed sentence searched for an intent */
#define WORD_MAX  ENGINE_WORD_MAX

/* Without the catalogue's words (engine_ctx): English for every language. */
static const flow_text more_title = {NULL, "More options", NULL};
static const flow_text more_desc = {NULL, "See the next options", NULL};
static const flow_text default_button = {NULL, "Choose", NULL};

static const flow_text *ctx_text(const flow_text *given, const flow_text *builtin)
{
    return given->hi ? given : builtin;
}
/* The answer words are the desk's too (words.c); at the engine's own yes/no question the digits
 * of its buttons answer as well. */
static const char *const *const yes_words = words_yes_or_1;
static const char *const *const no_words = words_no_or_2;
static const char *const *const more_words = words_more;
static const char *const *const skip_words = words_skip;

/* ---- sessions ------------------------------------------------------------------------------ */

void engine_session_init(engine_session *s)
{
    memset(s, 0, sizeof *s);
}

static void clear_vars(engine_session *s)
{
    for (size_t i = 0; i < s->nvars; i++)
        free(s->vars[i].value);
    s->nvars = 0;
}

void engine_session_clear(engine_session *s)
{
    clear_vars(s);
    engine_session_init(s);
}

/* A variable set to "" says no more than one never set (readers test `v && *v`): when the
 * table is full, a new key takes the first such slot. A long session (a helpdesk question, a
 * subscription, a status look-up, then a complaint with all its media) cleared more than
 * ENGINE_MAX_VARS - 49 values on the way and used to fail here as "out of memory". */
static size_t empty_slot(const engine_session *s)
{
    size_t i = 0;
    while (i < s->nvars && s->vars[i].value && s->vars[i].value[0])
        i++;
    return i;
}

int engine_session_set(engine_session *s, const char *key, const char *value)
{
    char *copy;
    size_t i;
    if (strlen(key) >= sizeof s->vars[0].key)
        return -1;
    for (i = 0; i < s->nvars; i++)
        if (strcmp(s->vars[i].key, key) == 0)
            break;
    if (i == s->nvars && s->nvars == ENGINE_MAX_VARS && (i = empty_slot(s)) == s->nvars)
        return -1;
    if (i < s->nvars && strcmp(s->vars[i].key, key) != 0) /* a reused empty slot */
        snprintf(s->vars[i].key, sizeof s->vars[i].key, "%s", key);
    if (!(copy = strdup(value ? value : "")))
        return -1;
    if (i == s->nvars) {
        snprintf(s->vars[i].key, sizeof s->vars[i].key, "%s", key);
        s->nvars++;
    } else {
        free(s->vars[i].value);
    }
    s->vars[i].value = copy;
    return 0;
}

const char *engine_session_get(const engine_session *s, const char *key)
{
    for (size_t i = 0; i < s->nvars; i++)
        if (strcmp(s->vars[i].key, key) == 0)
            return s->vars[i].value;
    return NULL;
}

/* ---- output -------------------------------------------------------------------------------- */

void engine_result_free(engine_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->out[i].text);
    free(r->out);
    memset(r, 0, sizeof *r);
}

static engine_out *push(engine_result *r, engine_kind kind)
{
    engine_out *o;
    if (vec_reserve(r->out, r->cap, r->n + 1) < 0)
        return NULL;
    o = &r->out[r->n++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    return o;
}

static const char *lang_of(const engine_session *s)
{
    return s->lang[0] ? s->lang : "hi";
}

/* Extra placeholder values, looked up before the session's (a limit in a fixed reply). */
struct extra {
    const char *const *keys, *const *values;
    size_t n;
};

/* A placeholder's value: x's, the district's name ({district} in the citizen's language,
 * {district_hi}, {district_en}: a bilingual welcome names it twice), {tracking_example}, then
 * the session's. */
static const char *lookup(const engine_ctx *ctx, const engine_session *s, const struct extra *x,
                          const char *key)
{
    for (size_t i = 0; x && i < x->n; i++)
        if (strcmp(x->keys[i], key) == 0)
            return x->values[i];
    if (strcmp(key, "tracking_example") == 0 && ctx->tracking_example)
        return ctx->tracking_example;
    if (strncmp(key, "district", 8) == 0 && ctx->district.hi) {
        const char *lang = key[8] == '_' ? key + 9 : key[8] ? NULL : lang_of(s);
        if (lang)
            return flow_text_get(&ctx->district, lang);
    }
    return engine_session_get(s, key);
}

struct fill {
    const engine_ctx *ctx;
    const engine_session *s;
    const struct extra *x;
};

static const char *fill_value(void *ud, const char *key)
{
    const struct fill *f = ud;
    return lookup(f->ctx, f->s, f->x, key);
}

/* Fills {placeholders} from x, the district and the session; unknown ones vanish. Cuts to
 * limit characters. */
static char *render_with(const engine_ctx *ctx, const engine_session *s, const struct extra *x,
                         const char *tmpl, size_t limit)
{
    struct fill f = {ctx, s, x};
    return text_fill(tmpl, fill_value, &f, limit);
}

static char *render(const engine_ctx *ctx, const engine_session *s, const char *tmpl,
                    size_t limit)
{
    return render_with(ctx, s, NULL, tmpl, limit);
}

static int send_text(const engine_ctx *ctx, engine_result *r, const engine_session *s,
                     const flow_text *t)
{
    engine_out *o = push(r, ENGINE_SEND);
    if (!o || !(o->text = render(ctx, s, flow_text_get(t, lang_of(s)), FLOW_TEXT_BODY_MAX)))
        return -1;
    o->type = ENGINE_TEXT;
    return 0;
}

static void option(engine_out *o, const char *id, const char *title, const char *desc)
{
    engine_option *op = &o->opts[o->nopts++];
    snprintf(op->id, sizeof op->id, "%s", id);
    snprintf(op->title, sizeof op->title, "%s", title);
    text_cut(op->title, FLOW_ROW_TITLE_MAX);
    snprintf(op->desc, sizeof op->desc, "%s", desc ? desc : "");
    text_cut(op->desc, FLOW_ROW_DESC_MAX);
}

static int set_var(engine_session *s, const char *var, const char *suffix, const char *value)
{
    char key[32];
    snprintf(key, sizeof key, "%s%s", var, suffix);
    return engine_session_set(s, key, value);
}

/* ---- rendering a state ---------------------------------------------------------------------- */

struct row {
    char id[72];
    const flow_text *title, *desc;
    const engine_dept *dept; /* a department's row (its title and description are made) */
    flow_text own_title, own_desc; /* a similar case's, from the session (one text for all) */
};

/* The rows of a "similar" state: the candidates the action left in the session (similar_n,
 * similar_<i>, _title, _desc), then "mine is different". */
static size_t similar_rows(const flow_state *st, const engine_session *s, struct row *rows,
                           size_t max)
{
    const char *v = engine_session_get(s, "similar_n");
    int k = v ? atoi(v) : 0;
    size_t n = 0;
    for (int i = 1; i <= k && i <= 9 && n + 1 < max; i++) {
        char key[32], tkey[40], dkey[40];
        const char *t, *title, *desc;
        snprintf(key, sizeof key, "similar_%d", i);
        snprintf(tkey, sizeof tkey, "%s_title", key);
        snprintf(dkey, sizeof dkey, "%s_desc", key);
        if (!(t = engine_session_get(s, key)) || !*t || !(title = engine_session_get(s, tkey)))
            continue;
        desc = engine_session_get(s, dkey);
        snprintf(rows[n].id, sizeof rows[n].id, "s:%s", t);
        rows[n].own_title = (flow_text){title, title, title};
        rows[n].own_desc = (flow_text){desc, desc, desc};
        rows[n].title = &rows[n].own_title;
        rows[n].desc = desc && *desc ? &rows[n].own_desc : NULL;
        rows[n++].dept = NULL;
    }
    if (n < max) {
        snprintf(rows[n].id, sizeof rows[n].id, "s:");
        rows[n].title = &st->different;
        rows[n].desc = NULL;
        rows[n++].dept = NULL;
    }
    return n;
}

/* The rows a menu-like state offers (choices, departments, similar cases), all pages. */
static size_t rows_of(const engine_ctx *ctx, const engine_session *s, const flow_state *st,
                      struct row *rows, size_t max)
{
    size_t n = 0;
    if (st->kind == FLOW_SIMILAR)
        return similar_rows(st, s, rows, max);
    if (st->kind == FLOW_MENU) {
        for (size_t i = 0; i < st->nchoices && n < max; i++, n++) {
            snprintf(rows[n].id, sizeof rows[n].id, "c:%s", st->choices[i].id);
            rows[n].title = &st->choices[i].title;
            rows[n].desc = st->choices[i].description.hi ? &st->choices[i].description : NULL;
            rows[n].dept = NULL;
        }
    } else if (st->kind == FLOW_DEPARTMENTS) {
        for (size_t i = 0; i < ctx->ndepts && n < max; i++, n++) {
            snprintf(rows[n].id, sizeof rows[n].id, "d:%s", ctx->depts[i].code);
            rows[n].title = &ctx->depts[i].name;
            rows[n].desc = ctx->depts[i].description.hi ? &ctx->depts[i].description : NULL;
            rows[n].dept = &ctx->depts[i];
        }
        if (st->general.hi && n < max) { /* none in particular: the var is left empty */
            snprintf(rows[n].id, sizeof rows[n].id, "d:");
            rows[n].title = &st->general;
            rows[n].desc = NULL;
            rows[n++].dept = NULL;
        }
    }
    return n;
}

/* What the menu calls department d in lang: its short name, else its name; cut after a whole
 * word to max characters (text_cut_words; directory load refuses a name that has no word to
 * cut at, but a cut mid-word is the fallback). 1 when that is not the full name. */
static int dept_title(const engine_dept *d, const char *lang, size_t max, char *out, size_t outsz)
{
    const char *t = flow_text_get(d->short_name.hi ? &d->short_name : &d->name, lang);
    if (text_cut_words(t, max, out, outsz) < 0) {
        snprintf(out, outsz, "%s", t);
        text_fit(out);
        text_cut(out, max);
    }
    return strcmp(out, flow_text_get(&d->name, lang)) != 0;
}

/* Up to three rows are buttons, whose titles hold 20 characters and which have no description:
 * departments are buttons only when every title fits whole, else a list that can carry the
 * full names. */
static int fit_buttons(const struct row *rows, size_t n, const char *lang)
{
    for (size_t i = 0; i < n; i++) {
        const engine_dept *d = rows[i].dept;
        if (d && text_utf8_chars(flow_text_get(d->short_name.hi ? &d->short_name : &d->name,
                                               lang)) > FLOW_BUTTON_TITLE_MAX)
            return 0;
    }
    return 1;
}

/* Adds a row as an option. A department whose title is not its full name gets the full name in
 * the description, before its own description: what the title leaves out matters most, and the
 * description is what gets cut (to the row's 72 characters) when both do not fit. */
static void add_row(engine_out *o, const struct row *rw, const char *lang)
{
    int list = o->type == ENGINE_LIST, shortened;
    const char *about = list && rw->desc ? flow_text_get(rw->desc, lang) : NULL;
    char title[100], desc[1024];
    if (!rw->dept) {
        option(o, rw->id, flow_text_get(rw->title, lang), about);
        return;
    }
    shortened = dept_title(rw->dept, lang, list ? FLOW_ROW_TITLE_MAX : FLOW_BUTTON_TITLE_MAX, title,
                           sizeof title);
    if (!list || !shortened) {
        option(o, rw->id, title, about);
        return;
    }
    snprintf(desc, sizeof desc, "%s%s%s", flow_text_get(&rw->dept->name, lang), about ? " — " : "",
             about ? about : "");
    text_fit(desc);
    option(o, rw->id, title, desc);
}

/* Which rows a page shows: [*first, *first + *count), and whether a "more" row follows. */
static void page_span(size_t total, int page, size_t *first, size_t *count, int *more)
{
    size_t start;
    if (total <= FLOW_MAX_ROWS) {
        *first = 0;
        *count = total;
        *more = 0;
        return;
    }
    start = (size_t)page * PAGE_ROWS;
    if (start >= total)
        start = 0;
    *first = start;
    if (total - start <= FLOW_MAX_ROWS) {
        *count = total - start;
        *more = 0;
    } else {
        *count = PAGE_ROWS;
        *more = 1;
    }
}

/* ---- the department suggestion (issue 15) ------------------------------------------------ */

/* The department the session suggests, when st can ask about it; -1 otherwise. */
static int suggested(const engine_ctx *ctx, const engine_session *s, const flow_state *st)
{
    const char *code = engine_session_get(s, ENGINE_SUGGESTED_VAR);
    if (st->kind != FLOW_DEPARTMENTS || !st->suggest_text.hi || !code || !*code)
        return -1;
    for (size_t i = 0; i < ctx->ndepts; i++)
        if (ctx->depts[i].code && strcmp(ctx->depts[i].code, code) == 0)
            return (int)i;
    return -1;
}

static int forget_suggestion(engine_session *s)
{
    const char *v = engine_session_get(s, ENGINE_SUGGESTED_VAR);
    return v && *v ? engine_session_set(s, ENGINE_SUGGESTED_VAR, "") : 0;
}

/* "Is this about {department_name}?" with Yes / Choose another, the name in the citizen's
 * language as the list would show it. */
static int render_suggestion(const engine_ctx *ctx, const engine_session *s, const flow_state *st,
                             int d, engine_result *r)
{
    const char *lang = lang_of(s);
    char key[32];
    const char *keys[1] = {key}, *values[1] = {flow_text_get(&ctx->depts[d].name, lang)};
    struct extra x = {keys, values, 1};
    engine_out *o;
    snprintf(key, sizeof key, "%s_name", st->var);
    if (!(o = push(r, ENGINE_SEND)) ||
        !(o->text = render_with(ctx, s, &x, flow_text_get(&st->suggest_text, lang),
                                FLOW_INTERACTIVE_BODY_MAX)))
        return -1;
    o->type = ENGINE_BUTTONS;
    /* Ids of their own: a confirmation's "yes"/"no" tapped later on this old question (or
     * this one's on a confirmation) must not file or cancel a complaint. */
    option(o, "sg:yes", flow_text_get(&st->suggest_yes, lang), NULL);
    option(o, "sg:no", flow_text_get(&st->suggest_other, lang), NULL);
    return 0;
}

static int render_state(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                        engine_result *r)
{
    const char *lang = lang_of(s);
    engine_out *o;
    int interactive = st->kind == FLOW_MENU || st->kind == FLOW_DEPARTMENTS ||
                      st->kind == FLOW_SIMILAR ||
                      st->kind == FLOW_CONFIRM || st->has_skip;
    int d = suggested(ctx, s, st);
    if (d >= 0)
        return render_suggestion(ctx, s, st, d, r);
    if (!interactive)
        return send_text(ctx, r, s, &st->text);
    if (!(o = push(r, ENGINE_SEND)) ||
        !(o->text = render(ctx, s, flow_text_get(&st->text, lang), FLOW_INTERACTIVE_BODY_MAX)))
        return -1;
    if (st->kind == FLOW_CONFIRM) {
        o->type = ENGINE_BUTTONS;
        option(o, "yes", flow_text_get(&st->yes_title, lang), NULL);
        option(o, "no", flow_text_get(&st->no_title, lang), NULL);
        return 0;
    }
    if (st->kind == FLOW_INPUT || st->kind == FLOW_MEDIA) {
        o->type = ENGINE_BUTTONS;
        option(o, "skip", flow_text_get(&st->skip_title, lang), NULL);
        return 0;
    }
    {
        struct row rows[ENGINE_MAX_CHOICES];
        size_t total = rows_of(ctx, s, st, rows, ENGINE_MAX_CHOICES), first, count;
        int more;
        page_span(total, s->page, &first, &count, &more);
        /* Similar cases are always a list: their rows' descriptions say what each case is. */
        o->type = st->kind != FLOW_SIMILAR && total <= FLOW_MAX_BUTTONS &&
                          fit_buttons(rows, total, lang)
                      ? ENGINE_BUTTONS
                      : ENGINE_LIST;
        for (size_t i = first; i < first + count; i++)
            add_row(o, &rows[i], lang);
        if (more)
            option(o, "more", flow_text_get(ctx_text(&ctx->more_title, &more_title), lang),
                   flow_text_get(ctx_text(&ctx->more_desc, &more_desc), lang));
        if (o->type == ENGINE_LIST)
            snprintf(
                o->button, sizeof o->button, "%s",
                flow_text_get(st->button.hi ? &st->button : ctx_text(&ctx->button, &default_button),
                              lang));
        if (total == 0) { /* a directory with no departments: say it as text */
            o->type = ENGINE_TEXT;
            o->nopts = 0;
        }
    }
    return 0;
}

static int enter(const engine_ctx *ctx, engine_session *s, int idx, engine_result *r, int depth);

/* ---- the complaint told (a state's "adds_to") ------------------------------------------- */

static int draft_pending(const engine_session *s, const char *var);
static const flow_choice *complaint_choice(const flow_set *f);

/* 1 when no choice of menu st goes on with the complaint: each leads to the main menu, which
 * leaves it — but for a language chosen while a first message waits (choose_option). The
 * language question reached by its keyword after the description step is such a menu. */
static int menu_leaves(const flow_set *f, const engine_session *s, const flow_state *st)
{
    int waits = complaint_choice(f) && draft_pending(s, NULL);
    if (st->kind != FLOW_MENU)
        return 0;
    for (size_t i = 0; i < st->nchoices; i++) {
        const flow_choice *c = &st->choices[i];
        int lang = 0;
        for (size_t k = 0; k < c->nset; k++)
            lang |= strcmp(c->set_keys[k], "lang") == 0;
        if (c->next != f->menu || (lang && waits))
            return 0;
    }
    return 1;
}

/* The input state asking the complaint st adds to, when the session holds one (its var's text
 * or media) and st goes on with it; NULL otherwise. */
static const flow_state *told(const engine_ctx *ctx, const engine_session *s, const flow_state *st)
{
    char key[32];
    const char *v, *mv;
    if (!st->adds_to || st->adds_state < 0 || menu_leaves(ctx->flows, s, st))
        return NULL;
    snprintf(key, sizeof key, "%s%s", st->adds_to, ENGINE_MEDIA_SUFFIX);
    v = engine_session_get(s, st->adds_to);
    mv = engine_session_get(s, key);
    return (v && *v) || (mv && *mv) ? &ctx->flows->states[st->adds_state] : NULL;
}

/* Empties the media added to var while questions waited (<var>_more<i>): asked afresh. */
static int forget_more(engine_session *s, const char *var)
{
    for (int i = 1; i <= ENGINE_MORE_MAX; i++) {
        char key[32];
        const char *v;
        snprintf(key, sizeof key, "%s%s%d", var, ENGINE_MORE_SUFFIX, i);
        if ((v = engine_session_get(s, key)) && *v && engine_session_set(s, key, "") < 0)
            return -1;
    }
    return 0;
}

/* At the menu a complaint not filed is left behind: what the states add to is emptied, so a
 * line at the next complaint's department list is never added to the old one. */
static int forget_told(const flow_set *f, engine_session *s)
{
    for (size_t i = 0; i < f->nstates; i++) {
        const char *var = f->states[i].adds_to;
        char key[32];
        if (!var)
            continue;
        snprintf(key, sizeof key, "%s%s", var, ENGINE_MEDIA_SUFFIX);
        if ((engine_session_get(s, var) && engine_session_set(s, var, "") < 0) ||
            (engine_session_get(s, key) && engine_session_set(s, key, "") < 0) ||
            forget_more(s, var) < 0)
            return -1;
    }
    return 0;
}

/* Empties the session but for its language. */
static void start_afresh(engine_session *s)
{
    char lang[4];
    memcpy(lang, s->lang, sizeof lang);
    engine_session_clear(s);
    memcpy(s->lang, lang, sizeof lang);
}

/* 1 when the conversation's first message answered var (any var when var is NULL) and the
 * question asking it is still ahead. */
static int draft_pending(const engine_session *s, const char *var)
{
    const char *v = engine_session_get(s, ENGINE_DRAFT_VAR);
    return v && *v && (!var || strcmp(v, var) == 0);
}

/* Performs what an action state does on entry; pauses for those the caller must do. */
static int enter_action(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                        engine_result *r, int depth)
{
    const flow_set *f = ctx->flows;
    engine_out *o;
    switch (st->action) {
    case FLOW_ACT_SET_LANGUAGE:
        snprintf(s->lang, sizeof s->lang, "%s", st->language ? st->language : "hi");
        if (!(o = push(r, ENGINE_SET_LANGUAGE)) || !(o->text = strdup(s->lang)))
            return -1;
        if (send_text(ctx, r, s, &st->text) < 0)
            return -1;
        return enter(ctx, s, st->next >= 0 ? st->next : f->menu, r, depth + 1);
    case FLOW_ACT_END:
        if (st->text.hi && send_text(ctx, r, s, &st->text) < 0)
            return -1;
        start_afresh(s); /* the next message starts afresh, in the same language */
        return 0;
    default:
        s->waiting = 1;
        return push(r, st->action == FLOW_ACT_CREATE_CASE    ? ENGINE_CREATE_CASE
                       : st->action == FLOW_ACT_LOOKUP_CASE  ? ENGINE_LOOKUP_CASE
                       : st->action == FLOW_ACT_FIND_SIMILAR ? ENGINE_FIND_SIMILAR
                       : st->action == FLOW_ACT_JOIN_CASE    ? ENGINE_JOIN_CASE
                       : st->action == FLOW_ACT_SUBSCRIBE    ? ENGINE_SUBSCRIBE
                                                             : ENGINE_HELPDESK)
                   ? 0
                   : -1;
    }
}

static int enter(const engine_ctx *ctx, engine_session *s, int idx, engine_result *r, int depth)
{
    const flow_set *f = ctx->flows;
    const flow_state *st;
    if (idx < 0 || (size_t)idx >= f->nstates)
        idx = f->menu;
    if (depth > MAX_CHAIN)
        idx = f->menu; /* an author's loop of messages: stop at the menu */
    st = &f->states[idx];
    snprintf(s->state, sizeof s->state, "%s", st->name);
    s->retries = 0;
    s->page = 0;
    s->waiting = 0;
    {
        const char *at = engine_session_get(s, ENGINE_ADDED_VAR);
        if (at && *at && engine_session_set(s, ENGINE_ADDED_VAR, "") < 0)
            return -1;
    }
    if (st->kind == FLOW_MESSAGE) {
        if (send_text(ctx, r, s, &st->text) < 0)
            return -1;
        if (depth > MAX_CHAIN)
            return 0;
        return enter(ctx, s, st->next, r, depth + 1);
    }
    if (st->kind == FLOW_ACTION)
        return enter_action(ctx, s, st, r, depth);
    /* A suggestion left unanswered (the citizen went back to a menu) must not come back
     * uninvited with the citizen's next complaint; nor a first message's answer. The language
     * menu, with the first message waiting, leads back to the question: both are kept. */
    if (st->kind == FLOW_MENU && (idx == f->menu || !draft_pending(s, NULL)) &&
        forget_suggestion(s) < 0)
        return -1;
    if (idx == f->menu && ((engine_session_get(s, ENGINE_DRAFT_VAR) &&
                            engine_session_set(s, ENGINE_DRAFT_VAR, "") < 0) ||
                           forget_told(f, s) < 0))
        return -1;
    /* The question the first message already answered is passed over, once. */
    if (idx == f->first_state && draft_pending(s, st->var)) {
        if (engine_session_set(s, ENGINE_DRAFT_VAR, "") < 0)
            return -1;
        return enter(ctx, s, f->first_next, r, depth + 1);
    }
    /* A question asked again starts empty: an old answer (a tracking number from an earlier
     * lookup, say) must not stand in for one the citizen skips this time. */
    if ((st->kind == FLOW_INPUT || st->kind == FLOW_MEDIA) && st->var &&
        engine_session_get(s, st->var) && engine_session_set(s, st->var, "") < 0)
        return -1;
    if (st->kind == FLOW_INPUT && st->accept && st->var) {
        char key[32];
        snprintf(key, sizeof key, "%s%s", st->var, ENGINE_MEDIA_SUFFIX);
        if (engine_session_get(s, key) && engine_session_set(s, key, "") < 0)
            return -1;
    }
    if (st->kind == FLOW_INPUT && st->var && forget_more(s, st->var) < 0)
        return -1;
    return render_state(ctx, s, st, r);
}

/* ---- matching ------------------------------------------------------------------------------- */

static int word_in(const char *norm, const char *const *words)
{
    return words_in(norm, words);
}

static int title_is(const char *norm, const flow_text *t)
{
    const char *langs[] = {t->hi, t->en, t->hne};
    char w[400];
    for (int i = 0; i < 3; i++)
        if (langs[i]) {
            text_normalize(langs[i], w, sizeof w);
            if (*w && strcmp(norm, w) == 0)
                return 1;
        }
    return 0;
}

/* A typed department: its short name, or the title the menu cut from its name, with or
 * without the "…" (its full name and code are matched with the other rows' titles). */
static int dept_named(const char *norm, const engine_dept *d)
{
    static const char ellipsis[] = "\xE2\x80\xA6";
    const char *names[] = {d->name.hi, d->name.en, d->name.hne};
    char typed[512], cut[100], w[sizeof cut];
    size_t n = strlen(norm);
    if (d->short_name.hi && title_is(norm, &d->short_name))
        return 1;
    if (n >= sizeof typed)
        return 0;
    memcpy(typed, norm, n + 1);
    if (n >= 3 && strcmp(typed + n - 3, ellipsis) == 0)
        typed[n - 3] = '\0';
    for (int i = 0; i < 3; i++)
        if (names[i] && text_cut_words(names[i], FLOW_ROW_TITLE_MAX, cut, sizeof cut) == 1) {
            cut[strlen(cut) - 3] = '\0'; /* the ellipsis text_cut_words ends with */
            text_normalize(cut, w, sizeof w);
            if (*w && strcmp(typed, w) == 0)
                return 1;
        }
    return 0;
}

/* The option a reply id or a typed answer picks among the rows on the current page
 * (-2: "more", -1: none). */
static int pick_row(const engine_ctx *ctx, const engine_session *s, const flow_state *st,
                    const char *reply_id, const char *norm, struct row *rows, size_t total)
{
    size_t first, count;
    int more;
    page_span(total, s->page, &first, &count, &more);
    if (reply_id && *reply_id) {
        if (strcmp(reply_id, "more") == 0)
            return more ? -2 : -1;
        for (size_t i = 0; i < total; i++)
            if (strcmp(rows[i].id, reply_id) == 0)
                return (int)i;
        return -1;
    }
    if (!norm || !*norm)
        return -1;
    /* A number counts the rows shown, "more" last. */
    if (strspn(norm, "0123456789") == strlen(norm) && strlen(norm) < 4) {
        size_t k = (size_t)atoi(norm);
        if (k >= 1 && k <= count)
            return (int)(first + k - 1);
        if (more && k == count + 1)
            return -2;
        return -1;
    }
    if (more &&
        (title_is(norm, ctx_text(&ctx->more_title, &more_title)) || word_in(norm, more_words)))
        return -2;
    for (size_t i = 0; i < total; i++) {
        if (title_is(norm, rows[i].title))
            return (int)i;
        if (st->kind == FLOW_MENU)
            for (size_t m = 0; m < st->choices[i].nmatch; m++)
                if (strcmp(norm, st->choices[i].match[m]) == 0)
                    return (int)i;
        if (st->kind == FLOW_DEPARTMENTS && i < ctx->ndepts) {
            char code[32];
            text_normalize(ctx->depts[i].code, code, sizeof code);
            if (strcmp(norm, code) == 0 || dept_named(norm, &ctx->depts[i]))
                return (int)i;
        }
    }
    return -1;
}

/* The citizen's answer did not fit: say so and ask again; after too many, move on — but a
 * complaint the citizen told is never dropped that way: where moving on would leave it (to the
 * menu), it is kept and the question asked again. */
static int wrong(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                 const flow_text *why, engine_result *r)
{
    const flow_set *f = ctx->flows;
    int limit = st->retries > 0 ? st->retries : 3;
    if (++s->retries >= limit && f->menu >= 0 && (size_t)f->menu != (size_t)(st - f->states)) {
        if (told(ctx, s, st) && (st->on_fail < 0 || st->on_fail == f->menu)) {
            s->retries = 0;
            why = &f->replies[FLOW_REPLY_KEPT];
        } else {
            if (send_text(ctx, r, s, &f->replies[FLOW_REPLY_TOO_MANY_TRIES]) < 0)
                return -1;
            return enter(ctx, s, st->on_fail >= 0 ? st->on_fail : f->menu, r, 0);
        }
    }
    if (send_text(ctx, r, s, why) < 0)
        return -1;
    {
        int retries = s->retries, page = s->page;
        int rc = render_state(ctx, s, st, r);
        s->retries = retries;
        s->page = page;
        return rc;
    }
}

/* ---- intents in a typed sentence (issue 15) ---------------------------------------------- */

size_t engine_words_of(const char *text, char (*w)[WORD_MAX], size_t max)
{
    size_t n = 0;
    while (*text && n < max) {
        size_t len = strcspn(text, " \t\r\n");
        char tok[WORD_MAX];
        if (len > 0 && len < sizeof tok) {
            memcpy(tok, text, len);
            tok[len] = '\0';
            if (text_normalize(tok, w[n], WORD_MAX) > 0)
                n++;
        }
        text += len;
        text += strspn(text, " \t\r\n");
    }
    return n;
}

/* 1 when the words from i on spell phrase (a normalized match word: "shikayatkarnihai"). */
static int phrase_at(char (*w)[WORD_MAX], size_t n, size_t i, const char *phrase)
{
    size_t len = strlen(phrase), at = 0;
    for (; i < n && at < len; i++) {
        size_t wl = strlen(w[i]);
        if (wl > len - at || memcmp(phrase + at, w[i], wl) != 0)
            return 0;
        at += wl;
    }
    return at == len;
}

/* Marks the words wherever phrase is spelled from them ("shikayat karni hai": three words);
 * 1 when it was found at all. */
static int mark_phrase(char (*w)[WORD_MAX], size_t n, const char *phrase, unsigned char *said)
{
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(phrase), at = 0, j = i;
        if (!phrase_at(w, n, i, phrase))
            continue;
        for (; j < n && at < len; j++)
            at += strlen(w[j]);
        memset(said + i, 1, j - i);
        found = 1;
    }
    return found;
}

/* The longest of c's match words found word by word in the sentence (0: none). */
static size_t longest_match(char (*w)[WORD_MAX], size_t n, const flow_choice *c)
{
    size_t best = 0;
    for (size_t m = 0; m < c->nmatch; m++)
        for (size_t i = 0; i < n; i++)
            if (strlen(c->match[m]) > best && phrase_at(w, n, i, c->match[m]))
                best = strlen(c->match[m]);
    return best;
}

/* The complaint: the main menu's choice that leads to a departments state. */
static const flow_choice *complaint_choice(const flow_set *f)
{
    const flow_state *menu = f->menu >= 0 ? &f->states[f->menu] : NULL;
    for (size_t i = 0; menu && menu->kind == FLOW_MENU && i < menu->nchoices; i++) {
        int next = menu->choices[i].next;
        if (next >= 0 && (size_t)next < f->nstates && f->states[next].kind == FLOW_DEPARTMENTS)
            return &menu->choices[i];
    }
    return NULL;
}

static int keep_draft(const flow_set *f, const flow_state *st, engine_session *s,
                      const wa_message *m, const flow_choice *complaint, int dept);

/* A sentence typed at a menu that names no choice. One holding a complaint word (the complaint
 * choice's match words: "shikayat karni hai") starts the complaint at any menu once the
 * language is known; at the main menu, so does one in which a department clearly wins
 * ("paani nahi aa raha"), and that department is suggested; a sentence that tells the problem
 * is kept as its description (keep_draft). A sentence in which another of
 * the menu's choices speaks as loud ("meri shikayat ka kya hua" tracks) starts nothing: no
 * guess. 1 started, 0 not, -1 out of memory. */
static int menu_intent(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                       const wa_message *m, engine_result *r)
{
    const char *text = m->text;
    const flow_set *f = ctx->flows;
    const flow_choice *c = complaint_choice(f);
    char w[MAX_WORDS][WORD_MAX];
    size_t n, intent, other = 0;
    int at_menu = (size_t)f->menu == (size_t)(st - f->states), d;
    if (!c || !s->lang[0] || !text)
        return 0;
    n = engine_words_of(text, w, MAX_WORDS);
    intent = longest_match(w, n, c);
    for (size_t i = 0; i < st->nchoices; i++)
        if (&st->choices[i] != c) {
            size_t l = longest_match(w, n, &st->choices[i]);
            other = l > other ? l : other;
        }
    if (other > 0) /* "shikayat ka status": another choice's word too — no guessing */
        return 0;
    if (!intent && !at_menu)
        return 0; /* only the main menu reads a department from words alone */
    d = engine_suggest_department(ctx->depts, ctx->ndepts, text);
    if (!intent && d < 0)
        return 0;
    if (d >= 0 && engine_session_set(s, ENGINE_SUGGESTED_VAR, ctx->depts[d].code) < 0)
        return -1;
    /* The sentence that names the problem is its description too, as a first message is. */
    if (f->first_state >= 0 &&
        keep_draft(f, &f->states[f->first_state], s, m, c, d) < 0)
        return -1;
    return enter(ctx, s, c->next, r, 0) < 0 ? -1 : 1;
}

/* The answer to a suggestion: 1 yes, 0 another department, -1 neither. core: the one word
 * said beside politeness ("ji haan"), or "". */
static int suggestion_answer(const flow_state *st, const char *reply_id, const char *norm,
                             const char *core)
{
    if (reply_id && *reply_id)
        return strcmp(reply_id, "sg:yes") == 0 ? 1 : strcmp(reply_id, "sg:no") == 0 ? 0 : -1;
    if (!norm || !*norm)
        return -1;
    if (word_in(norm, yes_words) || (*core && word_in(core, yes_words)) ||
        title_is(norm, &st->suggest_yes))
        return 1;
    if (word_in(norm, no_words) || (*core && word_in(core, no_words)) ||
        title_is(norm, &st->suggest_other))
        return 0;
    return -1;
}

/* Department d chosen (from the list or the suggestion): var, its name, and on. */
/* Row d of the departments (the state's "general" row after the last, setting "" and its title). */
static int choose_department(const engine_ctx *ctx, engine_session *s, const flow_state *st, int d,
                             engine_result *r)
{
    int general = (size_t)d >= ctx->ndepts;
    if (forget_suggestion(s) < 0 ||
        engine_session_set(s, st->var, general ? "" : ctx->depts[d].code) < 0 ||
        set_var(s, st->var, "_name",
                flow_text_get(general ? &st->general : &ctx->depts[d].name, lang_of(s))) < 0)
        return -1;
    return enter(ctx, s, st->next, r, 0);
}

static int is_media(wa_msg_kind k)
{
    return k == WA_MSG_IMAGE || k == WA_MSG_AUDIO || k == WA_MSG_VIDEO || k == WA_MSG_DOCUMENT ||
           k == WA_MSG_LOCATION;
}

static unsigned accept_bit(wa_msg_kind k)
{
    switch (k) {
    case WA_MSG_IMAGE:
        return FLOW_ACCEPT_IMAGE;
    case WA_MSG_AUDIO:
        return FLOW_ACCEPT_AUDIO;
    case WA_MSG_VIDEO:
        return FLOW_ACCEPT_VIDEO;
    case WA_MSG_DOCUMENT:
        return FLOW_ACCEPT_DOCUMENT;
    case WA_MSG_LOCATION:
        return FLOW_ACCEPT_LOCATION;
    default:
        return 0;
    }
}

static int store_media(engine_session *s, const char *var, const wa_message *m)
{
    if (m->kind == WA_MSG_LOCATION) {
        char ll[64];
        snprintf(ll, sizeof ll, "%.6f,%.6f", m->latitude, m->longitude);
        return engine_session_set(s, var, ll) | set_var(s, var, "_type", "location") |
               set_var(s, var, "_name", m->location_name) |
               set_var(s, var, "_address", m->location_address);
    }
    return engine_session_set(s, var, m->media_id) |
           set_var(s, var, "_type", wa_in_kind_name(m->kind)) |
           set_var(s, var, "_mime", m->mime_type) | set_var(s, var, "_caption", m->caption) |
           set_var(s, var, "_filename", m->filename);
}

/* What input st's var says for media m, from the flow, with the caption after it: "📷 photo:
 * <caption>" (malloc'd; *none when the flow has no words for it: "" then). NULL: out of memory. */
static char *media_said(const engine_session *s, const flow_state *st, const wa_message *m,
                        int *none)
{
    const flow_text *t = NULL;
    char *said;
    size_t len;
    for (unsigned j = 0; j < sizeof st->media_text / sizeof *st->media_text; j++)
        if (accept_bit(m->kind) == 1u << j && st->media_text[j].hi)
            t = &st->media_text[j];
    if ((*none = !t))
        return strdup("");
    len = strlen(flow_text_get(t, lang_of(s))) + strlen(m->caption ? m->caption : "") + 3;
    if (!(said = malloc(len)))
        return NULL;
    snprintf(said, len, "%s%s%s", flow_text_get(t, lang_of(s)),
             m->caption && *m->caption ? ": " : "", m->caption ? m->caption : "");
    if (st->max)
        text_cut(said, (size_t)st->max);
    return said;
}

/* Media as an input's whole answer: kept in <var>_media* (beside a later media step's own
 * var, so neither replaces the other), and var says what it is (media_said). */
static int media_answer(engine_session *s, const flow_state *st, const wa_message *m)
{
    char key[32], *said;
    int rc, none;
    snprintf(key, sizeof key, "%s%s", st->var, ENGINE_MEDIA_SUFFIX);
    if (store_media(s, key, m) < 0 || !(said = media_said(s, st, m, &none)))
        return -1;
    rc = engine_session_set(s, st->var, said);
    free(said);
    return rc;
}

/* ---- the first message (issue 15) ------------------------------------------------------- */

size_t engine_letters_of(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p;) {
        unsigned cp = *p < 0x80 ? *p : *p < 0xE0 ? (*p & 0x1Fu) << 6 | (p[1] & 0x3Fu)
                                  : *p < 0xF0    ? (*p & 0x0Fu) << 12 | (p[1] & 0x3Fu) << 6
                                  : 0x10000;
        size_t len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        n += (cp < 0x80 && ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')) ||
             (cp >= 0xC0 && cp < 0x2000);
        if (strnlen((const char *)p, len) < len)
            break;
        p += len;
    }
    return n;
}

static int in_list(const char *word, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(word, list[i]) == 0)
            return 1;
    return 0;
}

/* The language a first message is written in: Devanagari → Hindi (Chhattisgarhi is written
 * in it too, so it is chosen, never guessed); a romanised Hindi word → Hindi; other Latin
 * letters → English. NULL without either (a photo captioned "🙏", digits, another script):
 * nothing to go by, so the language is asked rather than English remembered. */
static const char *language_of(const flow_set *f, const char *text, char (*w)[WORD_MAX], size_t n)
{
    int latin = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (p[0] == 0xE0 && (p[1] == 0xA4 || p[1] == 0xA5)) /* U+0900..U+097F */
            return "hi";
        latin |= (*p | 0x20) >= 'a' && (*p | 0x20) <= 'z';
    }
    if (!latin)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (in_list(w[i], f->words_hi, f->nwords_hi))
            return "hi";
    return "en";
}

static int any_in_list(char (*w)[WORD_MAX], size_t n, const char *const *list, size_t nlist)
{
    for (size_t i = 0; i < n; i++)
        if (in_list(w[i], list, nlist))
            return 1;
    return 0;
}

/* 1 when the sentence names a choice of the main or the language menu other than the
 * complaint ("meri shikayat ka kya hua", "hindi"), or is a keyword ("menu"): not a draft. */
static int names_other_choice(const flow_set *f, const flow_choice *complaint,
                              char (*w)[WORD_MAX], size_t n, const char *norm)
{
    const int menus[] = {f->menu, f->start};
    for (size_t k = 0; k < f->nkeywords; k++)
        if (strcmp(norm, f->keywords[k].word) == 0)
            return 1;
    for (int j = 0; j < 2; j++) {
        const flow_state *st = menus[j] >= 0 ? &f->states[menus[j]] : NULL;
        for (size_t i = 0; st && st->kind == FLOW_MENU && i < st->nchoices; i++)
            if (&st->choices[i] != complaint && longest_match(w, n, &st->choices[i]) > 0)
                return 1;
    }
    return 0;
}

/* A draft starts a complaint afresh. The answers of an earlier one the citizen abandoned (a voice
 * note as its description, a photo, a place) must not ride into it: the questions the draft
 * passes over are never entered, so never emptied as asked questions are (enter). */
static int forget_answers(const flow_set *f, engine_session *s)
{
    for (size_t i = 0; i < f->nstates; i++) {
        const flow_state *q = &f->states[i];
        char key[32];
        if ((q->kind != FLOW_INPUT && q->kind != FLOW_MEDIA) || !q->var)
            continue;
        snprintf(key, sizeof key, "%s%s", q->var, ENGINE_MEDIA_SUFFIX);
        if ((engine_session_get(s, q->var) && engine_session_set(s, q->var, "") < 0) ||
            (engine_session_get(s, key) && engine_session_set(s, key, "") < 0) ||
            forget_more(s, q->var) < 0)
            return -1;
    }
    return 0;
}

/* Keeps the first message as the answer to the first_message state: a text within its bounds,
 * or media it accepts. 1 kept, 0 not, -1 out of memory. */
static int keep_draft(const flow_set *f, const flow_state *st, engine_session *s,
                      const wa_message *m, const flow_choice *complaint, int dept)
{
    char w[MAX_WORDS][WORD_MAX];
    unsigned char said[MAX_WORDS] = {0};
    size_t n, words = 0, letters = 0, need = (size_t)(st->min > 0 ? st->min : 1);
    int intent = 0;
    if (m->kind != WA_MSG_TEXT) {
        if (forget_answers(f, s) < 0 || media_answer(s, st, m) < 0)
            return -1;
    } else {
        /* What tells a problem: three words or more and the state's "min" letters, greetings
         * and politeness ("hello sir", "madad chahiye") and the complaint's own words not
         * counted. A sentence with a complaint word and no department must say twice as much:
         * "I want to register a complaint" is a request, not the problem itself. */
        n = engine_words_of(m->text, w, MAX_WORDS);
        for (size_t k = 0; complaint && k < complaint->nmatch; k++)
            intent |= mark_phrase(w, n, complaint->match[k], said);
        for (size_t i = 0; i < n; i++)
            if (!said[i] && !in_list(w[i], f->greetings, f->ngreetings))
                words++, letters += engine_letters_of(w[i]);
        if (intent && dept < 0)
            need *= 2;
        if (words < 3 || letters < need ||
            (st->max && text_utf8_chars(m->text) > (size_t)st->max) ||
            flow_match(f, st, m->text) != 1)
            return 0;
        if (forget_answers(f, s) < 0 || engine_session_set(s, st->var, m->text) < 0)
            return -1;
    }
    return engine_session_set(s, ENGINE_DRAFT_VAR, st->var) < 0 ? -1 : 1;
}

/* A new conversation's first message that already holds a complaint ("हमारे गांव का हैंडपंप 10
 * दिन से खराब है", a voice note, "paani"): its text or media is kept as the description, the
 * language is taken from its words, and the complaint starts at once — with the suggested
 * department's question when one clearly wins. A greeting, a menu word, a sticker or an emoji
 * (nothing kept, no department) gets the usual welcome. 1 taken, 0 not, -1 out of memory. */
static int first_message(const engine_ctx *ctx, engine_session *s, const wa_message *m,
                         engine_result *r)
{
    const flow_set *f = ctx->flows;
    const flow_state *st = f->first_state >= 0 ? &f->states[f->first_state] : NULL;
    const flow_choice *c = complaint_choice(f);
    int media = m->kind != WA_MSG_TEXT && m->kind != WA_MSG_LOCATION && st &&
                (st->accept & accept_bit(m->kind));
    const char *text = m->kind == WA_MSG_TEXT ? m->text : media ? m->caption : NULL;
    char w[MAX_WORDS][WORD_MAX], norm[512] = "";
    size_t n = text ? engine_words_of(text, w, MAX_WORDS) : 0;
    const char *lang;
    int d, kept, guess;
    if (!st || !c || (m->kind != WA_MSG_TEXT && !media) || (!media && !n))
        return 0;
    if (text)
        text_normalize(text, norm, sizeof norm);
    d = text ? engine_suggest_department(ctx->depts, ctx->ndepts, text) : -1;
    /* Another choice's word ("yojana", "status") makes it no complaint — unless a department
     * clearly wins and a problem is told: "mahtari vandan yojana ka paisa nahi aaya". */
    if (n && names_other_choice(f, c, w, n, norm) &&
        !(d >= 0 && any_in_list(w, n, f->problem_words, f->nproblem_words)))
        return 0;
    lang = !s->lang[0] && n ? language_of(f, text, w, n) : NULL;
    if ((guess = lang != NULL)) /* before the media's words are written in it */
        snprintf(s->lang, sizeof s->lang, "%s", lang);
    if ((kept = keep_draft(f, st, s, m, c, d)) < 0)
        return -1;
    if (!kept && d < 0) {
        if (guess)
            s->lang[0] = '\0'; /* the welcome asks it */
        return 0;
    }
    if (guess) {
        engine_out *o = push(r, ENGINE_SET_LANGUAGE);
        if (!o || !(o->text = strdup(s->lang)))
            return -1;
    }
    if (d >= 0 && engine_session_set(s, ENGINE_SUGGESTED_VAR, ctx->depts[d].code) < 0)
        return -1;
    if (!s->lang[0]) /* a voice note alone (or no word to tell the language by): it is asked
                        first; the complaint waits */
        return enter(ctx, s, f->start, r, 0) < 0 ? -1 : 1;
    if (send_text(ctx, r, s, &f->first_text) < 0)
        return -1;
    return enter(ctx, s, c->next, r, 0) < 0 ? -1 : 1;
}

/* A message as an answer: the id of a tapped button or row, the normalized text typed (or the
 * title tapped), and whether it answers in words at all (not media, a sticker or a contact). */
struct answer {
    const wa_message *m;
    const char *reply_id, *norm;
    const char *core; /* the one word said beside politeness ("ji haan" → "haan"), or "" */
    int typed;
};

/* Adds line to the complaint q asks, after what it holds, on a line of its own; within q's "max"
 * (a complaint is never longer than its question takes): the line alone is cut to the room left,
 * the text before it never; full, nothing is added (the conversation's record keeps the line).
 * 1 added, -1 out of memory. */
static int add_line(engine_session *s, const flow_state *q, const char *line)
{
    const char *old = engine_session_get(s, q->var);
    size_t n, len, max = q->max > 0 ? (size_t)q->max : FLOW_TEXT_BODY_MAX, have;
    char *t;
    int rc;
    old = old ? old : "";
    have = text_utf8_chars(old) + (*old ? 1 : 0); /* with the newline before the line */
    if (have + 2 > max)
        return 1;
    line += strspn(line, " \t\r\n");
    for (n = strlen(line); n && strchr(" \t\r\n", line[n - 1]); n--)
        ;
    len = strlen(old) + n + 2;
    if (!(t = malloc(len)))
        return -1;
    snprintf(t, len, "%s%s%.*s", old, *old ? "\n" : "", (int)n, line);
    text_cut(t + strlen(old) + (*old ? 1 : 0), max - have);
    rc = engine_session_set(s, q->var, t);
    free(t);
    return rc < 0 ? -1 : 1;
}

/* Attaches media m to the complaint q asks, in the first free <var>_more<i>, and adds what it
 * is (media_said: "🎤 voice note") to its text. 1 attached, 0 no place left, -1 out of memory. */
static int add_media(engine_session *s, const flow_state *q, const wa_message *m)
{
    char key[32], *said;
    int rc = 0, none;
    for (int i = 1; i <= ENGINE_MORE_MAX && !rc; i++) {
        const char *v;
        snprintf(key, sizeof key, "%s%s%d", q->var, ENGINE_MORE_SUFFIX, i);
        rc = !(v = engine_session_get(s, key)) || !*v;
    }
    if (!rc)
        return 0;
    if (store_media(s, key, m) < 0 || !(said = media_said(s, q, m, &none)))
        return -1;
    rc = none ? 1 : add_line(s, q, said);
    free(said);
    return rc;
}

/* 1 when a line at menu st names one of its choices among other words ("hindi me baat karo" at
 * the language menu): a try at the answer, never more of the complaint. */
static int names_a_choice(const flow_state *st, const char *text)
{
    char w[MAX_WORDS][WORD_MAX];
    size_t n = st->kind == FLOW_MENU ? engine_words_of(text, w, MAX_WORDS) : 0;
    for (size_t i = 0; n && i < st->nchoices; i++) {
        const flow_choice *c = &st->choices[i];
        const char *titles[] = {c->title.hi, c->title.en, c->title.hne};
        if (longest_match(w, n, c) > 0)
            return 1;
        for (int t = 0; t < 3; t++) {
            char norm[400];
            if (!titles[t] || !text_normalize(titles[t], norm, sizeof norm))
                continue;
            for (size_t k = 0; k < n; k++)
                if (phrase_at(w, n, k, norm))
                    return 1;
        }
    }
    return 0;
}

/* 1 when a line at departments st says nothing but a department's names or code ("Public Health
 * Engineering" of the directory's long official name): a try at the list, never more of the
 * complaint. */
static int names_a_department(const engine_ctx *ctx, const flow_state *st, const char *text)
{
    for (size_t i = 0; st->kind == FLOW_DEPARTMENTS && i < ctx->ndepts; i++) {
        const engine_dept *d = &ctx->depts[i];
        const char *names[] = {d->code,          d->name.hi,       d->name.en,
                               d->name.hne,      d->short_name.hi, d->short_name.en,
                               d->short_name.hne};
        if (engine_followup_names(ctx->flows, names, sizeof names / sizeof *names, text))
            return 1;
    }
    return 0;
}

/* m answers nothing at st, which holds a told complaint: is it more of it? A typed line that is
 * clearly no answer (engine_followup_line) is added to the complaint's text; a voice note,
 * photo, video or document its question takes is attached. The first time at this question the
 * citizen hears "added" and the question again; later ones, nothing: a fast typist's three lines
 * get one answer, not three. 1 taken, 0 not (a wrong answer after all), -1 out of memory. */
static int follow_up(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                     const struct answer *a, engine_result *r)
{
    const flow_state *q = told(ctx, s, st);
    const wa_message *m = a->m;
    const char *at;
    int rc = 0;
    if (!q)
        return 0;
    if (m->kind == WA_MSG_TEXT && m->text &&
        engine_followup_line(ctx->flows, m->text) == ENGINE_LINE_MORE &&
        !names_a_choice(st, m->text) && !names_a_department(ctx, st, m->text))
        rc = add_line(s, q, m->text);
    else if (m->kind != WA_MSG_LOCATION && is_media(m->kind) && (q->accept & accept_bit(m->kind)))
        rc = add_media(s, q, m);
    if (rc <= 0)
        return rc;
    if ((at = engine_session_get(s, ENGINE_ADDED_VAR)) && strcmp(at, st->name) == 0)
        return 1;
    if (engine_session_set(s, ENGINE_ADDED_VAR, st->name) < 0 ||
        send_text(ctx, r, s, &ctx->flows->replies[FLOW_REPLY_ADDED]) < 0)
        return -1;
    return render_state(ctx, s, st, r) < 0 ? -1 : 1;
}

/* m answers nothing at st: more of a told complaint (follow_up), else a wrong answer. */
static int not_an_answer(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                         const struct answer *a, const flow_text *why, engine_result *r)
{
    int rc = follow_up(ctx, s, st, a, r);
    return rc < 0 ? -1 : rc ? 0 : wrong(ctx, s, st, why, r);
}

/* The skip button, or its word or title typed; its number ("1": it is the only button) too. */
static int skip_pressed(const flow_state *st, const struct answer *a)
{
    return st->has_skip && ((a->reply_id && strcmp(a->reply_id, "skip") == 0) ||
                            (a->norm && *a->norm && !a->reply_id &&
                             (word_in(a->norm, skip_words) || title_is(a->norm, &st->skip_title) ||
                              strcmp(a->norm, "1") == 0)));
}

/* The list, from its first page, instead of the suggested department; the draft stays. */
static int show_list(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                     engine_result *r)
{
    s->page = 0;
    return forget_suggestion(s) < 0 ? -1 : render_state(ctx, s, st, r);
}

/* An answer to the suggestion of department d. 1 when it is none: the state answers it. */
static int answer_suggestion(const engine_ctx *ctx, engine_session *s, const flow_state *st, int d,
                             const struct answer *a, engine_result *r)
{
    const char *norm = a->norm;
    switch (suggestion_answer(st, a->reply_id, norm, a->core)) {
    case 1:
        return choose_department(ctx, s, st, d, r);
    case 0:
        return show_list(ctx, s, st, r);
    default: /* anything else is answered as the list would answer it — but a number would
                pick a row of a list the citizen has not seen */
        if (norm && *norm && strspn(norm, "0123456789") == strlen(norm) && strcmp(norm, "0") != 0)
            return wrong(ctx, s, st, &ctx->flows->replies[FLOW_REPLY_NOT_UNDERSTOOD], r);
        return 1;
    }
}

/* "More": the next page of rows, after the last the first; to the suggestion, the list. */
static int next_page(const engine_ctx *ctx, engine_session *s, const flow_state *st, size_t total,
                     engine_result *r)
{
    size_t first, count;
    int more;
    if (suggested(ctx, s, st) >= 0)
        return show_list(ctx, s, st, r);
    page_span(total, s->page + 1, &first, &count, &more);
    s->page = first == 0 ? 0 : s->page + 1;
    return render_state(ctx, s, st, r);
}

/* Menu choice c chosen: the values it sets (a language is also an output), and on. */
static int choose_option(const engine_ctx *ctx, engine_session *s, const flow_choice *c,
                         engine_result *r)
{
    const flow_set *f = ctx->flows;
    const flow_choice *complaint = complaint_choice(f);
    int next = c->next;
    for (size_t i = 0; i < c->nset; i++) {
        if (strcmp(c->set_keys[i], "lang") == 0) {
            /* A first message waits for its language: the complaint goes on. */
            if (next == f->menu && complaint && draft_pending(s, NULL))
                next = complaint->next;
            engine_out *o = push(r, ENGINE_SET_LANGUAGE);
            snprintf(s->lang, sizeof s->lang, "%s", c->set_values[i]);
            if (!o || !(o->text = strdup(s->lang)))
                return -1;
        } else if (engine_session_set(s, c->set_keys[i], c->set_values[i]) < 0) {
            return -1;
        }
    }
    return enter(ctx, s, next, r, 0);
}

/* An answer at a menu or the departments: a row, "more", or (at a menu) a typed sentence. */
static int answer_rows(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                       const struct answer *a, engine_result *r)
{
    const flow_set *f = ctx->flows;
    struct row rows[ENGINE_MAX_CHOICES];
    size_t total = rows_of(ctx, s, st, rows, ENGINE_MAX_CHOICES);
    int pick;
    if (!a->typed)
        return not_an_answer(ctx, s, st, a, &f->replies[FLOW_REPLY_UNSUPPORTED], r);
    pick = pick_row(ctx, s, st, a->reply_id, a->norm, rows, total);
    if (pick == -2)
        return next_page(ctx, s, st, total, r);
    if (pick < 0 && st->kind == FLOW_MENU && a->m->kind == WA_MSG_TEXT) {
        int rc = menu_intent(ctx, s, st, a->m, r);
        if (rc != 0)
            return rc < 0 ? -1 : 0;
    }
    if (pick < 0)
        return not_an_answer(ctx, s, st, a, &f->replies[FLOW_REPLY_NOT_UNDERSTOOD], r);
    if (st->kind == FLOW_MENU)
        return choose_option(ctx, s, &st->choices[pick], r);
    if (st->kind == FLOW_SIMILAR) { /* a case to join, or "mine is different" (s:) */
        if (!rows[pick].id[2])
            return enter(ctx, s, st->next, r, 0);
        if (engine_session_set(s, "join_case", rows[pick].id + 2) < 0)
            return -1;
        return enter(ctx, s, st->yes_next, r, 0);
    }
    return choose_department(ctx, s, st, pick, r);
}

/* An answer to a question: media it accepts, or text within its bounds that its pattern
 * matches, leading spaces left out. */
static int answer_input(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                        const struct answer *a, engine_result *r)
{
    const flow_set *f = ctx->flows;
    const wa_message *m = a->m;
    const char *txt = m->kind == WA_MSG_TEXT     ? m->text
                      : m->kind == WA_MSG_BUTTON ? m->reply_title
                                                 : NULL;
    size_t chars;
    if (st->accept & accept_bit(m->kind)) {
        if (media_answer(s, st, m) < 0)
            return -1;
        return enter(ctx, s, st->next, r, 0);
    }
    if (!txt) /* media of a kind the state does not take: say what it does take */
        return wrong(ctx, s, st,
                     a->reply_id                       ? &f->replies[FLOW_REPLY_NOT_UNDERSTOOD]
                     : st->accept && is_media(m->kind) ? &st->retry
                                                       : &f->replies[FLOW_REPLY_UNSUPPORTED],
                     r);
    while (*txt == ' ' || *txt == '\n' || *txt == '\t')
        txt++;
    chars = text_utf8_chars(txt);
    if ((st->min && chars < (size_t)st->min) || (st->max && chars > (size_t)st->max))
        return wrong(ctx, s, st, &st->retry, r);
    if (flow_match(f, st, txt) != 1)
        return wrong(ctx, s, st, &st->retry, r);
    if (engine_session_set(s, st->var, txt) < 0)
        return -1;
    return enter(ctx, s, st->next, r, 0);
}

static int answer_media(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                        const struct answer *a, engine_result *r)
{
    const wa_message *m = a->m;
    if (is_media(m->kind) && (st->accept & accept_bit(m->kind))) {
        if (store_media(s, st->var, m) < 0)
            return -1;
        return enter(ctx, s, st->next, r, 0);
    }
    return not_an_answer(ctx, s, st, a,
                         is_media(m->kind) || m->kind == WA_MSG_TEXT
                             ? &st->retry
                             : &ctx->flows->replies[FLOW_REPLY_UNSUPPORTED],
                         r);
}

/* Yes or no: the button, a yes/no word (not with a tapped reply), or the button's title. */
static int answer_confirm(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                          const struct answer *a, engine_result *r)
{
    const char *reply_id = a->reply_id, *norm = a->norm, *core = a->core;
    if ((reply_id && strcmp(reply_id, "yes") == 0) ||
        (!reply_id && norm && (word_in(norm, yes_words) || (*core && word_in(core, yes_words)))) ||
        (norm && title_is(norm, &st->yes_title)))
        return enter(ctx, s, st->yes_next, r, 0);
    if ((reply_id && strcmp(reply_id, "no") == 0) ||
        (!reply_id && norm && (word_in(norm, no_words) || (*core && word_in(core, no_words)))) ||
        (norm && title_is(norm, &st->no_title)))
        return enter(ctx, s, st->no_next, r, 0);
    return not_an_answer(
        ctx, s, st, a,
        &ctx->flows->replies[a->typed ? FLOW_REPLY_NOT_UNDERSTOOD : FLOW_REPLY_UNSUPPORTED], r);
}

/* The message m at the waiting state st: skip, the suggestion's answer, else the state's. */
static int handle(const engine_ctx *ctx, engine_session *s, const flow_state *st,
                  const wa_message *m, const char *norm, engine_result *r)
{
    char core[WORD_MAX] = "";
    struct answer a = {m, NULL, norm, core, 0};
    int d, rc;
    if (m->kind == WA_MSG_BUTTON_REPLY || m->kind == WA_MSG_LIST_REPLY)
        a.reply_id = m->reply_id;
    a.typed = m->kind == WA_MSG_TEXT || m->kind == WA_MSG_BUTTON || a.reply_id;
    /* Only the yes/no questions look past politeness ("ji haan", "no thanks"). */
    if (m->kind == WA_MSG_TEXT && m->text &&
        (st->kind == FLOW_CONFIRM || suggested(ctx, s, st) >= 0))
        engine_followup_core(ctx->flows, m->text, core, sizeof core);
    if (skip_pressed(st, &a))
        return enter(ctx, s, st->skip_next, r, 0);
    if (a.typed && (d = suggested(ctx, s, st)) >= 0 &&
        (rc = answer_suggestion(ctx, s, st, d, &a, r)) != 1)
        return rc;
    switch (st->kind) {
    case FLOW_MENU:
    case FLOW_DEPARTMENTS:
    case FLOW_SIMILAR:
        return answer_rows(ctx, s, st, &a, r);
    case FLOW_INPUT:
        return answer_input(ctx, s, st, &a, r);
    case FLOW_MEDIA:
        return answer_media(ctx, s, st, &a, r);
    case FLOW_CONFIRM:
        return answer_confirm(ctx, s, st, &a, r);
    default:
        /* A message or action state never waits for input; treat as a fresh start. */
        return enter(ctx, s, ctx->flows->menu, r, 0);
    }
}

/* The text a message answers with, normalized into norm: what was typed or the title tapped. */
static void normalize_answer(const wa_message *m, char *norm, size_t size)
{
    if ((m->kind == WA_MSG_TEXT && m->text) || (m->kind == WA_MSG_BUTTON && m->reply_title))
        text_normalize(m->kind == WA_MSG_TEXT ? m->text : m->reply_title, norm, size);
    else if ((m->kind == WA_MSG_BUTTON_REPLY || m->kind == WA_MSG_LIST_REPLY) && m->reply_title)
        text_normalize(m->reply_title, norm, size);
}

/* A new conversation: greet and ask the language, or, when it is known, go to the menu; after
 * a timeout, say so first. A first message that holds a complaint starts it instead. */
static int new_conversation(const engine_ctx *ctx, engine_session *s, const wa_message *m,
                            int expired, engine_result *r)
{
    const flow_set *f = ctx->flows;
    int rc;
    start_afresh(s);
    if ((rc = first_message(ctx, s, m, r)) != 0)
        return rc < 0 ? -1 : 0;
    if (expired && s->lang[0] && send_text(ctx, r, s, &f->replies[FLOW_REPLY_EXPIRED]) < 0)
        return -1;
    return enter(ctx, s, s->lang[0] ? f->menu : f->start, r, 0);
}

int engine_step(const engine_ctx *ctx, engine_session *s, const wa_message *m, int expired,
                engine_result *r, err *e)
{
    const flow_set *f = ctx->flows;
    char norm[512] = "";
    int idx, rc;
    if (wa_in_kind_is_silent(m->kind))
        return 0; /* reactions, system notices: no answer */
    normalize_answer(m, norm, sizeof norm);
    s->version++;
    idx = s->state[0] ? flow_state_index(f, s->state) : -1;
    if (idx < 0 || expired) {
        rc = new_conversation(ctx, s, m, expired, r);
        goto done;
    }
    /* Global keywords work from anywhere (a whole message that is the keyword). */
    if (*norm && (m->kind == WA_MSG_TEXT || m->kind == WA_MSG_BUTTON))
        for (size_t k = 0; k < f->nkeywords; k++)
            if (strcmp(norm, f->keywords[k].word) == 0) {
                rc = enter(ctx, s, f->keywords[k].next, r, 0);
                goto done;
            }
    if (s->waiting) {
        /* A message while an action is still being carried out (the caller normally resumes
         * in the same step): repeat nothing, just note it. */
        return 0;
    }
    rc = handle(ctx, s, &f->states[idx], m, norm, r);
done:
    if (rc < 0)
        goto oom;
    return 0;
oom:
    return err_set(e, ERR_ENV, "out of memory in the conversation engine");
}

int engine_resume(const engine_ctx *ctx, engine_session *s, int ok, const char *const *keys,
                  const char *const *values, size_t n, engine_result *r, err *e)
{
    const flow_set *f = ctx->flows;
    int idx = flow_state_index(f, s->state);
    const flow_state *st;
    if (idx < 0 || !s->waiting || f->states[idx].kind != FLOW_ACTION)
        return err_set(e, ERR_USER, "no action is waiting in this conversation");
    st = &f->states[idx];
    s->waiting = 0;
    for (size_t i = 0; i < n; i++)
        if (engine_session_set(s, keys[i], values[i]) < 0)
            return err_set(e, ERR_ENV, "out of memory in the conversation engine");
    if (!ok)
        return enter(ctx, s, st->on_error >= 0 ? st->on_error : f->menu, r, 0) < 0
                   ? err_set(e, ERR_ENV, "out of memory in the conversation engine")
                   : 0;
    if (st->text.hi && send_text(ctx, r, s, &st->text) < 0)
        return err_set(e, ERR_ENV, "out of memory in the conversation engine");
    /* A filed (or joined) complaint's draft is spent: none of it (a shared location, a voice
     * note) may ride into the citizen's next complaint, whose steps might not ask for it again. */
    if (st->action == FLOW_ACT_CREATE_CASE || st->action == FLOW_ACT_JOIN_CASE)
        clear_vars(s);
    if (enter(ctx, s, st->next >= 0 ? st->next : f->menu, r, 0) < 0)
        return err_set(e, ERR_ENV, "out of memory in the conversation engine");
    return 0;
}

int engine_menu(const engine_ctx *ctx, engine_session *s, engine_result *r, err *e)
{
    start_afresh(s);
    if (enter(ctx, s, ctx->flows->menu, r, 0) < 0)
        return err_set(e, ERR_ENV, "out of memory in the conversation engine");
    return 0;
}

int engine_say(const engine_ctx *ctx, const engine_session *s, int reply, const char *const *keys,
               const char *const *values, size_t n, engine_result *r, err *e)
{
    struct extra x = {keys, values, n};
    engine_out *o;
    if (reply < 0 || reply >= FLOW_REPLY_COUNT)
        return err_set(e, ERR_USER, "no fixed reply %d", reply);
    if (!(o = push(r, ENGINE_SEND)) ||
        !(o->text = render_with(ctx, s, &x, flow_text_get(&ctx->flows->replies[reply], lang_of(s)),
                                FLOW_TEXT_BODY_MAX)))
        return err_set(e, ERR_ENV, "out of memory in the conversation engine");
    o->type = ENGINE_TEXT;
    return 0;
}

int engine_refuse(const engine_ctx *ctx, engine_session *s, int reply, const char *const *keys,
                  const char *const *values, size_t n, engine_result *r, err *e)
{
    int idx = flow_state_index(ctx->flows, s->state);
    if (idx < 0 || !s->waiting || ctx->flows->states[idx].kind != FLOW_ACTION)
        return err_set(e, ERR_USER, "no action is waiting in this conversation");
    if (engine_say(ctx, s, reply, keys, values, n, r, e) < 0)
        return -1;
    s->waiting = 0;
    return enter(ctx, s, ctx->flows->menu, r, 0) < 0
               ? err_set(e, ERR_ENV, "out of memory in the conversation engine")
               : 0;
}
