/* conversation.h — one inbound message from a citizen, end to end: record it once, run the
 * engine on the phone's session, carry out its actions (outbox rows in their final Graph
 * API JSON, case creation and lookup, the language choice) in one PostgreSQL transaction,
 * then save the session. Used by the workers and by `sampark chat`, so both behave alike. */
#ifndef SAMPARK_CONVERSATION_H
#define SAMPARK_CONVERSATION_H

#include "catalogue.h"
#include "config.h"
#include "engine.h"
#include "err.h"
#include "flow.h"
#include "wa_in.h"

typedef struct conv conv;

/* Sees every message the bot sends (chat prints them); json is the Graph API body. */
typedef void (*conv_sink)(void *ud, const char *to, const engine_out *o, const char *json);

/* flows and cat (the message catalogue loaded from the same folder) stay the caller's. */
conv *conv_new(const config *c, const flow_set *flows, const catalogue *cat, err *e);
void conv_free(conv *cv);
/* Whether sent messages go to the outbox (on by default). `sampark chat` turns it off: its
 * conversation is shown on the terminal, never sent. */
void conv_set_outbox(conv *cv, int on);
/* Switches to another flow set and catalogue (SIGHUP); the caller keeps ownership of all. */
void conv_set_flows(conv *cv, const flow_set *flows, const catalogue *cat);

enum { CONV_DONE = 0, CONV_RETRY = -1, CONV_DEAD = -2 };
/* Handles m. CONV_DONE (also for a message seen before, and for officers, whose commands
 * are not conversations), CONV_RETRY when a server was unavailable (nothing was changed),
 * CONV_DEAD when the message can never be handled. */
int conv_handle(conv *cv, const wa_message *m, conv_sink sink, void *ud, err *e);
/* The worker's fast path: messages from n distinct senders (n <= CONV_BATCH_MAX) in one
 * transaction, sessions loaded and saved in one Redis round trip each. 0 when all are done;
 * -1 when anything failed — then either nothing was changed, or the transaction committed but
 * Redis did not take the sessions — and the caller handles them one by one with conv_handle,
 * which sorts out which ones can never be handled and restores sessions from the snapshots. */
#define CONV_BATCH_MAX 32
int conv_handle_many(conv *cv, const wa_message *const *ms, size_t n, err *e);
/* Forgets phone's session (sampark chat /reset). */
int conv_reset(conv *cv, const char *phone, err *e);

#endif
