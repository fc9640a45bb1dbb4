/* wa_out.h — outgoing messages → Graph API JSON (SPEC section 5). WhatsApp's limits live
 * here: at most 3 buttons (titles ≤ 20 characters), at most 10 list rows (titles ≤ 24,
 * descriptions ≤ 72, button label ≤ 20), bodies ≤ 1024 in interactive messages and ≤ 4096
 * in text, everything counted in characters and cut at a word boundary, never mid-UTF-8.
 * Pure: builds strings, sends nothing. */
#ifndef SAMPARK_WA_OUT_H
#define SAMPARK_WA_OUT_H

#include "engine.h"

/* The JSON body of POST /{phone-number-id}/messages for one engine message to `to`; malloc'd,
 * or NULL when out of memory. The message type is "text" or "interactive". */
char *wa_out_message(const char *to, const engine_out *o);
/* The "mark as read" body for an inbound message id. */
char *wa_out_read(const char *wamid);

#endif
