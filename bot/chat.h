/* chat.h — `sampark chat`: a terminal conversation with the same engine, flows, Redis and
 * PostgreSQL as serve. The bot's messages print with numbered buttons and rows; the user
 * types text or a number, or /photo, /voice, /document, /video, /sticker,
 * /location LAT LON, /reset, /quit. Nothing is sent to WhatsApp. */
#ifndef SAMPARK_CHAT_H
#define SAMPARK_CHAT_H

#include <stdio.h>

#include "config.h"
#include "err.h"

int chat_run(const config *c, const char *phone, FILE *in, FILE *out, err *e);

#endif
