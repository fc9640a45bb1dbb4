/* engine.h — one conversation step: (session, inbound message, flows, departments) →
 * actions (messages to send, a case to create, a case to look up, the helpdesk to call).
 * Pure: no I/O, no clock, no globals, so it is tested without servers and the same engine
 * runs in `serve` and `sampark chat`. Actions that need the database pause the session in
 * the action state; the caller performs them and calls engine_resume with the results. */
#ifndef SAMPARK_ENGINE_H
#define SAMPARK_ENGINE_H

#include <stddef.h>

#include "err.h"
#include "flow.h"
#include "wa_in.h"

#define ENGINE_MAX_VARS    64 /* a complaint's draft holds up to ~45 (issue 15's media, more) */
#define ENGINE_MAX_OPTIONS 10
#define ENGINE_MAX_CHOICES FLOW_MAX_CHOICES /* refused beyond by flows check, directory load */
/* The session variable holding a suggested department's code (issue 15): a departments state
 * with a "suggest" question asks about it instead of showing the list. Set by the engine at a
 * menu, or by the caller from a first message; cleared once answered and on entering a menu. */
#define ENGINE_SUGGESTED_VAR "suggested_department"
/* The session variable naming the var a conversation's first message answered (the flow set's
 * "first_message"): its state is passed over once, to first_message.goto. Cleared then, and on
 * entering the main menu. */
#define ENGINE_DRAFT_VAR "first_message"
/* Media answering an input state is kept in <var>_media, <var>_media_type, _media_mime,
 * _media_caption, _media_filename (a media state's var holds its own: <var>, <var>_type...). */
#define ENGINE_MEDIA_SUFFIX "_media"
/* Media sent while a question waits on a told complaint (a state's "adds_to": a voice note at
 * "Is this about …?") are attached to it in <var>_more1 .. <var>_more<ENGINE_MORE_MAX>, each
 * with _type, _mime, _caption, _filename; more than that are not kept in the draft (the
 * conversation's record has them). */
#define ENGINE_MORE_SUFFIX "_more"
#define ENGINE_MORE_MAX    3
/* The state whose question was asked again after a line was added to the complaint: said once
 * per question, however many lines follow. Cleared on entering a state. */
#define ENGINE_ADDED_VAR "added_at"

/* A word from the directory's "keywords" that suggests its department. */
typedef struct engine_keyword {
    const char *word; /* a word or a phrase, any language */
    int weight;       /* 1..10 */
} engine_keyword;

/* A department as the citizen's menu shows it (from the directory). The name is the official
 * one, any length: the menu shows short_name, else the name cut after a whole word, with the
 * full name in the row's description; questions and confirmations say the full name. */
typedef struct engine_dept {
    const char *code;
    flow_text name, description; /* description.hi may be NULL */
    flow_text short_name; /* each ≤ FLOW_ROW_TITLE_MAX; short_name.hi NULL when not given */
    const engine_keyword *keywords;
    size_t nkeywords;
    struct engine_words *words_; /* keywords compiled by engine_keywords_compile; NULL: none */
} engine_dept;

typedef struct engine_ctx {
    const flow_set *flows;
    const engine_dept *depts;
    size_t ndepts;
    flow_text district; /* the district's name for {district}...; hi NULL: none */
    /* The words of a list's "more" row, its description and a list button the flow does not
     * name (the catalogue's more_options, more_options_desc, choose_button); hi NULL: the
     * English built in (tests, benchmarks). */
    flow_text more_title, more_desc, button;
    /* {tracking_example}: a tracking number as this district's look ("RPR-2026-000123"), so a
     * flow's "type your number, like …" fits any district; NULL: none */
    const char *tracking_example;
} engine_ctx;

typedef struct engine_var {
    char key[32];
    char *value; /* malloc'd */
} engine_var;

/* The conversation state kept between messages (session.c stores it in Redis). */
typedef struct engine_session {
    char state[64]; /* "" = no conversation yet */
    char lang[4];   /* "hi", "en", "hne"; "" = not chosen */
    int retries;    /* wrong answers in the current state */
    int page;       /* list page shown in the current state */
    int waiting;    /* paused in an action state until engine_resume */
    unsigned version;
    size_t nvars;
    engine_var vars[ENGINE_MAX_VARS];
} engine_session;

typedef enum engine_kind {
    ENGINE_SEND,         /* a message to the citizen */
    ENGINE_CREATE_CASE,  /* file the complaint from the session's variables */
    ENGINE_LOOKUP_CASE,  /* vars: tracking_no (may be empty: the citizen's recent cases) */
    ENGINE_HELPDESK,     /* hand the conversation to the district helpdesk */
    ENGINE_SET_LANGUAGE, /* remember the citizen's language (value in text) */
    ENGINE_FIND_SIMILAR, /* look for open cases the draft repeats; resume with similar_* vars */
    ENGINE_JOIN_CASE,    /* vars: join_case, the tracking number the citizen chose to follow */
    ENGINE_SUBSCRIBE,    /* vars: sub_village (and its _media), sub_block: scheme updates */
} engine_kind;

typedef enum engine_msg_type { ENGINE_TEXT, ENGINE_BUTTONS, ENGINE_LIST } engine_msg_type;

typedef struct engine_option {
    char id[72];     /* "c:<choice>", "d:<department>", "more", "skip", "yes", "no" */
    char title[100]; /* within WhatsApp's limits (checked when flows load) */
    char desc[300];  /* list rows only; "" when none */
} engine_option;

typedef struct engine_out {
    engine_kind kind;
    engine_msg_type type;
    char *text; /* message body (already within 1024/4096 characters), or the language */
    engine_option opts[ENGINE_MAX_OPTIONS];
    size_t nopts;
    char button[64]; /* list button label */
} engine_out;

typedef struct engine_result {
    engine_out *out;
    size_t n, cap;
} engine_result;

/* Handles one inbound message. expired: the session timed out since the last message (a
 * polite note precedes the restart). s is updated in place; actions are appended to r. */
int engine_step(const engine_ctx *ctx, engine_session *s, const wa_message *m, int expired,
                engine_result *r, err *e);
/* Finishes a paused action: ok, and its results as variables ({tracking_no}, {due},
 * {status}...), then moves on (to goto, or to on_error when !ok). */
int engine_resume(const engine_ctx *ctx, engine_session *s, int ok, const char *const *keys,
                  const char *const *values, size_t n, engine_result *r, err *e);

/* The main menu, the conversation started afresh (its language kept): after the desk has
 * answered something that ends at the menu (a helpdesk conversation left, or one that ended). */
int engine_menu(const engine_ctx *ctx, engine_session *s, engine_result *r, err *e);
/* Says one of the flow's fixed replies (FLOW_REPLY_*), its {placeholders} filled from
 * keys/values first, then from the session. Nothing else changes. */
int engine_say(const engine_ctx *ctx, const engine_session *s, int reply, const char *const *keys,
               const char *const *values, size_t n, engine_result *r, err *e);
/* Abandons the paused action (a limit reached): says the reply, as engine_say, and returns to
 * the menu. The draft stays in the session's variables; the reply tells the citizen. */
int engine_refuse(const engine_ctx *ctx, engine_session *s, int reply, const char *const *keys,
                  const char *const *values, size_t n, engine_result *r, err *e);

void engine_result_free(engine_result *r);

/* Department suggestion (bot/engine_suggest.c). engine_keywords_compile turns every
 * department's keywords into PCRE2 patterns, once per directory load: each keyword matches as a
 * whole word or phrase (letters, Devanagari matras and digits on either side prevent a match:
 * "nal" is not in "final"; spaces and punctuation inside a phrase are free: "hand pump" matches
 * "hand-pump" and "handpump"), any case (Unicode case folding). A keyword (by text_normalize)
 * listed by several departments counts only for the one that gives it the highest weight, and
 * for none when the highest is shared. 0, or -1 with e (out of memory). */
int engine_keywords_compile(engine_dept *depts, size_t n, err *e);
void engine_keywords_free(engine_dept *depts, size_t n);
/* The index of the department that text clearly suggests, or -1. Each department scores the sum
 * of the weights of its keywords found in text (each keyword once); the best wins only when it
 * scores at least 1 and at least twice the runner-up — a tie, or a close second, gives -1 (the
 * list, never a wrong guess). Departments whose keywords were not compiled score 0. */
int engine_suggest_department(const engine_dept *depts, size_t n, const char *text);

/* Follow-up lines (bot/engine_followup.c). A typed line that does not answer a question holding
 * a told complaint (a state with "adds_to"): ENGINE_LINE_MORE when it is clearly more of the
 * complaint — two words with letters or more beside greetings and politeness ("transformer jal
 * gaya", "gaon Kharora", "ट्रांसफार्मर जल गया"), unless it starts with a no or skip word and has at
 * most three ("nahi dusra vibhag": an answer mistyped), starts with a yes ("yes please submit my
 * complaint"), or is only words of replying, filing or leaving ("cancel my complaint") — else
 * ENGINE_LINE_TRY, a try at the answer (one word, a number, "haaa"), which may be wrong. */
typedef enum engine_line { ENGINE_LINE_TRY, ENGINE_LINE_MORE } engine_line;
engine_line engine_followup_line(const flow_set *f, const char *text);
/* The one word a line says beside greetings and politeness ("ji haan" → "haan", "no thanks" →
 * "no", "हाँ जी" → "हाँ"), text_normalize'd into out; "" when it says none or several. */
void engine_followup_core(const flow_set *f, const char *text, char *out, size_t outsz);
/* 1 when every word of text that tells something (engine_followup_line) is a word of one of
 * names[0..nnames) — a department's names and code: "Public Health Engineering", "phe hai",
 * "Civil Supplies wala" — so the line is a try at the list, never more of the complaint. */
int engine_followup_names(const flow_set *f, const char *const *names, size_t nnames,
                          const char *text);

void engine_session_init(engine_session *s);
void engine_session_clear(engine_session *s); /* frees the variables; keeps nothing */
int engine_session_set(engine_session *s, const char *key, const char *value);
const char *engine_session_get(const engine_session *s, const char *key); /* NULL if unset */

#endif
