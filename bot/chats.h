/* chats.h — the live helpdesk's conversations and their messages (migration 0022): the one
 * module with SQL on helpdesk_chats and helpdesk_messages (the portal's read-only view is
 * chats_query.c). Every call runs in the caller's transaction. Times are the transaction's
 * clock: the scheduler's --at (sampark.clock, migration 0007) when a pass set it, else now(). */
#ifndef SAMPARK_CHATS_H
#define SAMPARK_CHATS_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* A conversation, as the desk acts on it. */
typedef struct chat {
    char id[24];          /* digits; officers see "H" before them */
    char citizen[32];
    char department[24];  /* "" for general */
    char lang[4];
    char state[10];       /* waiting, asked, live, closed */
    char officer[32];     /* the owner, "" until live */
    int reached;          /* chats_get_for: the question went to that phone */
    int fallback;         /* the fallback phones have it */
    char case_id[24];     /* the case filed from it, "" when none */
    char dept_hi[200], dept_en[200]; /* the department's name; "" for general */
    int owner_staff;      /* the owner is still in the directory (1 when there is none) */
    int64_t last_ms, asked_ms; /* the last message; when it reached officers (0: not yet) */
} chat;

/* One relayed message: text and/or media (media by WhatsApp id). */
typedef struct chat_msg {
    const char *side; /* "citizen" or "officer" */
    const char *phone, *wamid, *text;
    const char *media_type, *media_id, *mime_type, *filename; /* NULL when no media */
} chat_msg;

/* Opens a conversation for citizen about dept ("" general) in state "waiting" (opens_ms: when
 * its slot opens) or "asked" (reached: the phones it goes to). 1 opened (*c filled), 0 the
 * citizen already has one open, -1 error. */
int chats_open(db *d, const char *citizen, const char *dept, const char *lang, int64_t opens_ms,
               const char *const *reached, size_t nreached, chat *c, err *e);

/* The citizen's conversation that is not closed, locked for the transaction (c->reached: it
 * went to phone, which may be NULL): 1, 0 none, -1. */
int chats_open_of(db *d, const char *citizen, const char *phone, chat *c, err *e);
/* Every phone conversation id went to: rows (phone). The caller PQclear()s. */
PGresult *chats_reached(db *d, const char *id, err *e);
/* Conversation id (digits), locked; c->reached says whether phone (may be NULL) was reached.
 * 1 found, 0 not, -1 error. */
int chats_get_for(db *d, const char *id, const char *phone, chat *c, err *e);
/* The citizen's latest conversation, whatever its state (not locked): 1, 0 none, -1. */
int chats_latest_of(db *d, const char *citizen, chat *c, err *e);

/* The question went to phones too (fallback: they are the fallback phones). A waiting
 * conversation becomes "asked". */
int chats_reach(db *d, const char *id, const char *const *phones, size_t n, int fallback, err *e);
/* A waiting conversation's slot moved (the roster changed): it now opens at opens_ms. */
int chats_reschedule(db *d, const char *id, int64_t opens_ms, err *e);
/* officer takes an asked conversation: 1 taken, 0 it was not "asked" any more, -1 error. */
int chats_take(db *d, const char *id, const char *officer, err *e);
/* A live conversation whose officer left the directory is asked again (its first answer's
 * time kept): 1, 0 not live. */
int chats_release(db *d, const char *id, err *e);
/* Ends it (reason: officer, citizen, silence, case, unanswered): 1 ended, 0 already closed. */
int chats_close(db *d, const char *id, const char *reason, err *e);
/* The citizen's rating of a closed conversation ("helpful", "not_helpful"), once: 1 kept, 0
 * not theirs, not closed or already rated, -1 error. */
int chats_rate(db *d, const char *id, const char *citizen, const char *rating, err *e);
/* The case filed from it. */
int chats_set_case(db *d, const char *id, const char *case_id, err *e);

/* A message of conversation id (NULL: an officer's message held until they say which
 * conversation it is for; *held gets its id). Moves the conversation's last_at. */
int chats_add(db *d, const char *id, const chat_msg *m, char *held, size_t heldsz, err *e);
/* A held message of officer (its id from chats_add) given to conversation id: its text and
 * media into *m's strings (copied into buf), 1, or 0 when there is no such held message. */
int chats_unhold(db *d, const char *msg_id, const char *officer, const char *id, char *text,
                 size_t textsz, char *media_type, char *media_id, size_t mediasz, err *e);

/* The live conversations officer owns, oldest first: rows (id, citizen, department, last
 * message's text). The caller PQclear()s. */
PGresult *chats_owned(db *d, const char *officer, err *e);
/* Every message of a conversation in order: rows (side, phone, text, media_type, media_id,
 * mime_type, filename, at as "YYYY-MM-DD HH24:MI"). */
PGresult *chats_transcript(db *d, const char *id, err *e);

/* What the scheduler's pass looks for at at_ms (Unix ms). */
typedef enum chats_due_kind {
    CHATS_DUE_OPENING,    /* waiting, and its slot has opened */
    CHATS_DUE_FALLBACK,   /* asked 10 minutes ago, nobody answered, no fallback yet */
    CHATS_DUE_SILENT,     /* live, 30 minutes without a message either way */
    CHATS_DUE_UNANSWERED, /* asked a day ago and still nobody answered */
} chats_due_kind;
#define CHATS_FALLBACK_MIN   10
#define CHATS_SILENCE_MIN    30
#define CHATS_UNANSWERED_MIN 1440 /* a day */
/* Rows (id) due, at most 500 a pass, oldest first. */
PGresult *chats_due(db *d, chats_due_kind k, int64_t at_ms, err *e);

/* Retention (SAMPARK_RETENTION_DAYS): closed conversations ended before the cutoff (Unix ms)
 * are deleted with their messages, and officers' held messages never sent. How many
 * conversations, or -1. */
long chats_forget(db *d, int64_t before_ms, err *e);

#endif
