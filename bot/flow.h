/* flow.h — flow files (the .json files of SAMPARK_FLOWS; flows/README.md teaches the
 * format) → a validated state machine, and `sampark flows check`. Loading checks everything
 * a flow author can get wrong — syntax, unknown fields, missing translations, WhatsApp's
 * length limits, bad regular expressions, unknown or unreachable states, dead ends — and
 * reports each problem with its file and state. A loaded flow_set is immutable. */
#ifndef SAMPARK_FLOW_H
#define SAMPARK_FLOW_H

#include <stdio.h>

#include "err.h"

/* WhatsApp's limits (SPEC section 5), in Unicode characters. */
#define FLOW_BUTTON_TITLE_MAX     20
#define FLOW_ROW_TITLE_MAX        24
#define FLOW_ROW_DESC_MAX         72
#define FLOW_LIST_BUTTON_MAX      20
#define FLOW_INTERACTIVE_BODY_MAX 1024
#define FLOW_TEXT_BODY_MAX        4096
#define FLOW_MAX_BUTTONS          3
/* The most choices one menu may offer (paged 9 at a time, 12 pages); the department menu
 * too (directory load). A citizen cannot use a longer menu anyway. */
#define FLOW_MAX_CHOICES 100
#define FLOW_MAX_ROWS    10

typedef enum flow_kind {
    FLOW_MESSAGE,
    FLOW_MENU,
    FLOW_DEPARTMENTS,
    FLOW_INPUT,
    FLOW_MEDIA,
    FLOW_CONFIRM,
    FLOW_ACTION,
    FLOW_SIMILAR, /* the open cases a complaint may repeat, as rows, and "mine is different" */
} flow_kind;

typedef enum flow_action {
    FLOW_ACT_CREATE_CASE,
    FLOW_ACT_LOOKUP_CASE,
    FLOW_ACT_HELPDESK,
    FLOW_ACT_SET_LANGUAGE,
    FLOW_ACT_END,
    FLOW_ACT_FIND_SIMILAR, /* look for open cases the draft repeats (SPEC section 12) */
    FLOW_ACT_JOIN_CASE,    /* follow the one chosen instead of filing */
    FLOW_ACT_SUBSCRIBE,    /* scheme updates for the village asked (SPEC section 13) */
} flow_action;

/* What a media state (or an input state, as a whole answer) accepts. */
enum {
    FLOW_ACCEPT_IMAGE = 1,
    FLOW_ACCEPT_AUDIO = 2,
    FLOW_ACCEPT_VIDEO = 4,
    FLOW_ACCEPT_DOCUMENT = 8,
    FLOW_ACCEPT_LOCATION = 16
};

/* A text in several languages; hi and en are always present once loaded. */
typedef struct flow_text {
    const char *hi, *en, *hne; /* hne (Chhattisgarhi) optional: NULL falls back to hi */
} flow_text;

typedef struct flow_choice {
    const char *id;
    flow_text title, description; /* description.hi NULL when absent */
    const char **match;           /* normalized match words (text_normalize) */
    size_t nmatch;
    const char **set_keys, **set_values; /* session variables to set */
    size_t nset;
    int next;
} flow_choice;

typedef struct flow_state {
    const char *name, *file;
    flow_kind kind;
    flow_text text;
    flow_choice *choices; /* menu */
    size_t nchoices;
    flow_text button; /* menu: list button label (hi NULL = default) */
    const char *var;  /* input, media, departments */
    int min, max;     /* input: characters; 0 = no bound */
    void *pattern;    /* input: compiled pcre2_code *, or NULL */
    const char *pattern_src;
    flow_text retry;      /* input, media */
    int retries, on_fail; /* on_fail -1: the menu */
    int has_skip, skip_next;
    flow_text skip_title;
    unsigned accept; /* media, input: FLOW_ACCEPT_* bits (input: media is a whole answer) */
    /* input: what var says for media of kind bit j (image, audio, video, document, location);
     * hi NULL: the var is left empty. A caption follows the text after ": ". */
    flow_text media_text[5];
    flow_text yes_title, no_title; /* confirm */
    /* departments: the one-question suggestion ("suggest"); suggest_text.hi NULL: none */
    flow_text suggest_text, suggest_yes, suggest_other;
    flow_text general; /* departments: the title of a last row for none in particular, or hi NULL */
    /* similar: the last row's title ("mine is different", to next); a case's row goes to
     * yes_next ("join") with the session's "join_case" set to its tracking number */
    flow_text different;
    int yes_next, no_next;
    /* menu (not the main one), departments, media, confirm, similar: "adds_to", the var of the
     * complaint the citizen has told (an input state's). While it holds one, a typed line that is
     * clearly no answer here adds to it and media are attached to it, never a wrong answer, and
     * running out of tries keeps it (engine.c). adds_state: the input state asking it; NULL/-1. */
    const char *adds_to;
    int adds_state;
    flow_action action;   /* action */
    const char *language; /* action set_language */
    int on_error;         /* action; -1: the menu */
    int next;             /* goto; -1 where the kind has none */
} flow_state;

typedef struct flow_keyword {
    const char *word; /* normalized */
    int next;
} flow_keyword;

/* The fixed replies ("replies" in a flow file). Those before FLOW_REPLY_REQUIRED must be in
 * the set; the per-citizen limits' replies (issue 14) came later and fall back to built-in
 * texts, so flow sets written before them still load. {limit} in them is the limit. */
enum {
    FLOW_REPLY_NOT_UNDERSTOOD,
    FLOW_REPLY_UNSUPPORTED,
    FLOW_REPLY_EXPIRED,
    FLOW_REPLY_TOO_MANY_TRIES,
    FLOW_REPLY_REQUIRED,
    FLOW_REPLY_LIMIT_MESSAGES = FLOW_REPLY_REQUIRED,
    FLOW_REPLY_LIMIT_COMPLAINTS,
    FLOW_REPLY_LIMIT_URGENT,
    FLOW_REPLY_LIMIT_HELPDESK,
    /* Said where a state "adds_to" a told complaint (issue: follow-up lines), so required only
     * by a set that has such a state: a line or a voice note added (once per question), and the
     * complaint kept when the tries run out. */
    FLOW_REPLY_ADDED,
    FLOW_REPLY_KEPT,
    FLOW_REPLY_COUNT
};

typedef struct flow_set {
    flow_state *states;
    size_t nstates;
    int start, menu;
    /* "first_message" (issue 15): a conversation's first message that holds a complaint answers
     * the input state first_state (-1: the set has none), which then goes on to first_next;
     * first_text is said before the complaint's next question. A message made only of
     * greetings is never a complaint; words_hi are romanised words that mark Hindi;
     * problem_words ("nahi", "kharab", "broken") tell a problem where another menu choice's
     * word also appears ("yojana ka paisa nahi aaya"). */
    int first_state, first_next;
    flow_text first_text;
    const char **greetings, **words_hi, **problem_words; /* normalized */
    size_t ngreetings, nwords_hi, nproblem_words;
    flow_keyword *keywords;
    size_t nkeywords;
    flow_text replies[FLOW_REPLY_COUNT];
    /* The survey files ("kind": "survey", bot/survey.h), checked with the flows and reloaded
     * with them; a broadcast names one. */
    struct survey **surveys;
    size_t nsurveys;
    void *priv_;
} flow_set;

/* Loads every flow file in dir (files that are not flows, such as district.json, are
 * skipped). NULL + e naming the first problem (and how many there are) on any problem. */
flow_set *flow_set_load(const char *dir, err *e);
void flow_set_free(flow_set *f);

/* One flow file's text already in memory; name stands for its path in messages. */
typedef struct flow_source {
    const char *name;
    const char *text;
    size_t len;
} flow_source;
/* flow_set_load over n texts in the given order instead of a folder's files (the fuzz target
 * uses it; nothing is read from disk). Same checks, same errors. */
flow_set *flow_set_load_sources(const flow_source *src, size_t n, err *e);

/* `sampark flows check`: prints every problem, one per line, to out; returns the number of
 * problems (0: the set is good), or -1 + e when dir cannot be read at all. A one-line
 * summary of a good set goes to out too. */
int flow_check(const char *dir, FILE *out, err *e);

/* PCRE2's defaults allow 10 million backtracking steps a match: a careless author's pattern on
 * a hostile 4096-letter text could hold a worker. These bounds are far above what a sane input
 * pattern needs. Under JIT (used whenever the platform has it) the depth limit is replaced by
 * PCRE2's 32 KiB JIT stack: a pattern that needs more fails the same way. */
#define FLOW_PATTERN_MATCH_LIMIT 100000u
#define FLOW_PATTERN_DEPTH_LIMIT 10000u
/* An input state's pattern on txt, within those bounds: 1 match (or no pattern), 0 no match,
 * a negative PCRE2 error when a bound was hit or memory ran out (the caller treats it as no
 * match: the citizen is asked again). */
int flow_match(const flow_set *f, const flow_state *st, const char *txt);
/* A text object {"hi": "...", "en": "..."[, "hne": "..."]} at key of o into out (pointers into o);
 * limit in characters (0: none). Each problem — missing when required, not an object, an unknown
 * language, a missing hi or en, an empty or too long text — goes to report as one phrase
 * ("\"intro\" has no English text (\"en\")"); the caller says where. 0 when hi and en are
 * there (or it is absent and not required), else -1. Surveys (survey.c) read their texts with it. */
typedef void (*flow_report)(void *ud, const char *msg);
struct json_object;
int flow_text_read(struct json_object *o, const char *key, int required, size_t limit,
                   flow_text *out, flow_report report, void *ud);
/* The state index of a name, or -1. */
int flow_state_index(const flow_set *f, const char *name);
/* The text in lang ("hi", "en", "hne"), falling back to Hindi, then English. */
const char *flow_text_get(const flow_text *t, const char *lang);

#endif
