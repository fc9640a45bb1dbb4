/* subscribers.h — what a citizen said about the district's broadcasts (SPEC section 13,
 * migrations 0025 and 0027): the one module with SQL on `subscribers`. The conversation
 * subscribes (the menu's "Scheme updates"), stops and starts (STOP / START from any state) and
 * learns a contact's village from their complaint; the broadcasts read the table and mark a
 * number that blocked the business. Every call runs in the caller's transaction; phones are
 * digits as WhatsApp sends them. Never decides what to say: the conversation does. */
#ifndef SAMPARK_SUBSCRIBERS_H
#define SAMPARK_SUBSCRIBERS_H

#include "db.h"

/* One phone's row. state: "" (never asked: broadcasts allowed), "subscribed" or "stopped". */
typedef struct subscriber {
    char village[804];
    char village_key[64];
    char block[404];
    char state[16];
    char consent_via[16];
    int has_consent;     /* consent_at is set */
    int ever_subscribed; /* subscribed_at is set: START resumes the subscription */
    int blocked;         /* blocked_at is set */
} subscriber;

/* phone subscribes to scheme updates, now, by via ("menu", "portal"): village (NULL or "":
 * keep the one known — said in a voice note) and block (NULL or "": none). */
int subscribers_subscribe(db *d, const char *phone, const char *village, const char *block,
                          const char *via, err *e);
/* STOP: no broadcast of any kind reaches phone (consent_via 'keyword', consent_at now). */
int subscribers_stop(db *d, const char *phone, err *e);
/* START: only a stopped phone resumes — 2 back to 'subscribed' (they had subscribed), 1 back to
 * never asked (broadcasts allowed again), 0 it was not stopped (nothing changed), -1 error. */
int subscribers_start(db *d, const char *phone, err *e);
/* Graph said phone blocked the business: every later broadcast skips it. */
int subscribers_block(db *d, const char *phone, err *e);
/* The village of a filed complaint, kept as phone's village when none is known yet. Queued
 * (db_send, issue 22): it travels with the handle's next call that waits — the transaction's
 * next statement or its COMMIT — and its failure fails that call. */
int subscribers_learn_village(db *d, const char *phone, const char *village, err *e);
/* phone's row into out: 1 found, 0 none (out zeroed), -1 error. */
int subscribers_get(db *d, const char *phone, subscriber *out, err *e);

/* Graph error codes that mean the number will not take our messages: 131026 (undeliverable:
 * blocked the business, or not on WhatsApp) and 131050 (stopped marketing messages). */
#define SUBSCRIBERS_BLOCKED_CODES "131026, 131050"

/* An outbox row (relation rel, with recipient and purpose) that failed with Graph code `code`
 * marks its recipient blocked: later broadcasts skip it. A CTE body for the statements that
 * record failures (inbound.c's status, sender.c's failure): the table's SQL stays this module's,
 * embedded in theirs so the failure and the mark are one statement. */
/* True when phone (an SQL expression) said STOP: no broadcast may reach it, even one already in
 * the outbox (the sender withdraws it, the feeder pulls it back). */
#define SUBSCRIBERS_SQL_STOPPED(phone)                                                             \
    "EXISTS (SELECT 1 FROM subscribers ss WHERE ss.phone = " phone " AND ss.state = 'stopped')"

#define SUBSCRIBERS_SQL_BLOCKED(rel, code)                                                         \
    "INSERT INTO subscribers AS s (phone, blocked_at) SELECT DISTINCT " rel ".recipient, now()"    \
    " FROM " rel " WHERE " rel ".purpose = 'broadcast' AND (" code                                 \
    ") IN (" SUBSCRIBERS_BLOCKED_CODES ") AND " rel ".recipient ~ '^[0-9]{5,20}$'"                 \
    " ON CONFLICT (phone) DO UPDATE SET blocked_at = COALESCE(s.blocked_at, now()),"               \
    " updated_at = now()"

#endif
