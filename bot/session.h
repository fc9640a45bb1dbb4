/* session.h — per-phone conversation state in Redis: one small hash per phone
 * (sampark:sess:<phone>: data, ver) that lives SAMPARK_SESSION_TTL_H, and the language alone
 * (sampark:lang:<phone>) a week longer. A session idle longer than the TTL is reported as
 * expired with its language kept, so a returning citizen is not asked again; its variables
 * (a draft complaint) are gone with it. Saving is compare-and-set on the version, so two
 * workers can never interleave one phone's conversation. */
#ifndef SAMPARK_SESSION_H
#define SAMPARK_SESSION_H

#include <hiredis.h>
#include <stdint.h>

#include "engine.h"
#include "err.h"

/* Loads the session of phone into s (initialised by the caller); *expired = 1 when there
 * was one and it is older than ttl_ms at now_ms. *loaded_version is what to pass to save. */
int session_load(redisContext *c, const char *phone, int64_t now_ms, int64_t ttl_ms,
                 engine_session *s, int *expired, unsigned *loaded_version, err *e);
/* Saves s if the stored version is still loaded_version. Returns 0 saved, 1 when someone
 * else saved first (the caller's step is dropped), -1 on a Redis error. */
int session_save(redisContext *c, const char *phone, int64_t now_ms, int64_t ttl_ms,
                 const engine_session *s, unsigned loaded_version, err *e);
/* The same for n distinct phones in one pipelined round trip (the worker's batches). lost[i]
 * (may be NULL) is set to 1 where someone else saved first. */
int session_load_many(redisContext *c, const char *const *phones, size_t n, int64_t now_ms,
                      int64_t ttl_ms, engine_session *ss, int *expired, unsigned *versions, err *e);
int session_save_many(redisContext *c, const char *const *phones, size_t n, int64_t now_ms,
                      int64_t ttl_ms, const engine_session *const *ss, const unsigned *versions,
                      int *lost, err *e);
/* The packed form Redis stores (NUL-separated fields, see session.c), malloc'd; NULL when out
 * of memory. Conversations also keep it in PostgreSQL with the message that produced it, so
 * a crash between the commit and the Redis save can be repaired (conversation.c). */
char *session_pack(const engine_session *s, int64_t now_ms, size_t *len);
/* Saves n packed sessions with session_save's compare-and-set, in one round trip. */
int session_store_many(redisContext *c, const char *const *phones, const char *const *blobs,
                       const size_t *lens, size_t n, int64_t ttl_ms, const unsigned *versions,
                       int *lost, err *e);
/* session_store_many in two halves, so other commands can share its round trip: appends the
 * saves (sends nothing; -1 out of memory), then reads their n replies. */
int session_store_send(redisContext *c, const char *const *phones, const char *const *blobs,
                       const size_t *lens, size_t n, int64_t ttl_ms, const unsigned *versions);
int session_store_replies(redisContext *c, size_t n, int *lost, err *e);
/* Deletes the session (sampark chat /reset). */
int session_delete(redisContext *c, const char *phone, err *e);

#endif
