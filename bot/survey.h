/* survey.h — survey files (flow files with "kind": "survey", SPEC section 13; flows/README.md
 * teaches the format) and the pure decisions of a survey conversation: which typed or tapped
 * answer a question takes, and when a citizen's message starts, continues or leaves a survey.
 * No I/O: flow.c hands it each survey file it reads, and the loaded flow set holds the surveys; the
 * survey's side of a conversation (bot/survey_chat.c) and its table (bot/surveys.c) act on these
 * decisions.
 *
 * A survey is not compiled into the engine's states: its questions are asked by a small walker
 * (survey_chat.c) because a survey belongs to one broadcast (its answers are stored per broadcast,
 * resumed from what is stored, and never reach the main menu's graph checks), while the engine's
 * states are one graph shared by every conversation. The messages it sends are the engine's own
 * kinds — a list (rating), buttons (yes/no), text — so the outbox sends them unchanged. */
#ifndef SAMPARK_SURVEY_H
#define SAMPARK_SURVEY_H

#include <stddef.h>

#include <json.h>

#include "err.h"
#include "flow.h"

#define SURVEY_MAX_QUESTIONS 20   /* more is tiring on a phone, and refused by flows check */
#define SURVEY_ID_MAX        40   /* a question id: letters, digits, '_' */
#define SURVEY_TEXT_MAX_DEF  1000 /* a free-text answer's characters unless "max" says */
#define SURVEY_RATING_MAX    5    /* ratings are 1..5 */
#define SURVEY_ANSWER_WORDS  3    /* a rating or yes/no question takes at most this many words */
#define SURVEY_TRY_WORDS     5    /* ...or this many with a digit ("5 में से 4"): asked again */
#define SURVEY_WINDOW_DAYS   3    /* ...within this many days of the broadcast reaching them */

typedef enum survey_qtype { SURVEY_RATING, SURVEY_YES_NO, SURVEY_TEXT } survey_qtype;

typedef struct survey_question {
    char *id;
    survey_qtype type;
    flow_text text;
    flow_text labels[SURVEY_RATING_MAX]; /* rating: the rows' titles; hi NULL: "N ⭐..." */
    flow_text yes, no;                   /* yes/no: the buttons; hi NULL: the catalogue's */
    flow_text button;                    /* rating: the list's button; hi NULL: the catalogue's */
    int max;                             /* text: characters kept */
} survey_question;

typedef struct survey {
    char *name, *file;
    flow_text intro, thanks;
    survey_question *q;
    size_t nq;
} survey;

/* 1 when a flow file's root says it is a survey ("kind": "survey"). */
int survey_is_file(json_object *root);
/* A survey file's root → a survey (malloc'd, its strings copied: root may go), or NULL when it
 * has problems: each is passed to report as one line "file: question \"id\": what is wrong"
 * (or "file: what is wrong" for the file's own fields). NULL with no report: out of memory. */
typedef void (*survey_report)(void *ud, const char *line);
survey *survey_parse(json_object *root, const char *file, survey_report report, void *ud);
void survey_free(survey *s);

/* The survey of that name among a loaded flow set's (flow.c loads survey files with the flows,
 * so the CLI and the portal load the set to find one), or NULL. */
const survey *survey_find(const flow_set *flows, const char *name);
/* "a, b" of the set's survey names into out (for a refusal naming the known ones); "none". */
void survey_names(const flow_set *flows, char *out, size_t outsz);
/* The question of that id, or -1. */
int survey_question_index(const survey *s, const char *id);
const char *survey_type_name(survey_qtype t); /* "rating", "yes_no", "text" */

/* ---- answers --------------------------------------------------------------------------------- */

/* What a message is, as the walker sees it. */
typedef struct survey_input {
    const char *text;     /* typed text, NULL when none */
    const char *reply_id; /* a tapped row or button ("sv:17:process:4"), NULL when none */
    int media;            /* a photo, voice note, location... (a caption is no answer) */
    const char *broadcast; /* the broadcast whose survey asks: a tap must name it */
} survey_input;

typedef enum survey_verdict {
    SURVEY_ANSWERED,  /* value holds the answer to store */
    SURVEY_ASK_AGAIN, /* not an answer to this question: ask it again, politely */
    SURVEY_LEAVE,     /* not the survey's (a complaint, media, another button): leave it */
} survey_verdict;

/* The answer in to question q: a rating "1".."5" (a row; exactly one digit 1-5 or १-५, maybe
 * followed by '.' or '।'), "yes"/"no" (a button, haan/हाँ/yes, nahi/नहीं/no), or the words (cut to
 * q->max characters). Leaves: media, a location, any tap that is not a survey option (another
 * conversation's: the satisfaction question, a list of cases), a tracking number, and — to a rating
 * or yes/no question — more than SURVEY_ANSWER_WORDS words (unless at most SURVEY_TRY_WORDS with a
 * digit: asked again). A survey option of another question or broadcast is asked again. */
survey_verdict survey_answer(const survey_question *q, const survey_input *in, char *value,
                             size_t valuesz);

/* 1 when in can only be an answer to q: a tap on a survey's option, or a typed rating to a
 * rating question ("4", "४."). Such a reply goes to the survey even while a case waits for the
 * citizen's answer (the case asked for documents or a reason: "4" is the survey's); words and
 * yes/no stay the case's first. */
int survey_exact_answer(const survey_question *q, const survey_input *in);

/* The reply ids of question qid's options: "sv:<broadcast>:<qid>:<v>", v "1".."5", "yes",
 * "no" (at most 3 + 18 + 1 + SURVEY_ID_MAX + 1 + 3 = 66 bytes: engine_option's id holds 72). */
#define SURVEY_REPLY_PREFIX "sv:"
int survey_reply_id(char *out, size_t outsz, const char *bid, const char *qid, const char *v);

/* A template's quick-reply payload "broadcast:ID": ID into id (digits), 1; else 0. */
int survey_button_broadcast(const char *payload, char *id, size_t idsz);
/* 1 when a plain text may start a recent survey whose first unanswered question is q: it is a
 * valid typed answer to q (into value) — a digit 1-5 to a rating, a yes or no word (not "ok") to
 * yes/no; a free-text question is never started by words. So a greeting, a tracking number, a
 * flow keyword or a short complaint ("बिजली नहीं है") always goes on to the flow. */
int survey_start_answer(const survey_question *q, const char *text, char *value, size_t valuesz);
/* 1 when text answers the menu state menu (a row's number, a choice's match word or title): at
 * the menu such a reply is the menu's, never a survey's start. */
int survey_menu_answer(const flow_state *menu, const char *text);
/* 1 when the text is a word that belongs to the flow (menu, help, a flow keyword): it leaves a
 * survey for the conversation. */
int survey_is_flow_word(const flow_set *flows, const char *text);

#endif
