/* queue.h — the durable inbound queue in Redis Streams.
 * Messages go to one of QUEUE_SHARDS streams chosen by the sender's WhatsApp id, so one
 * citizen's messages stay in order; each shard is leased to one worker at a time, so
 * different citizens run in parallel across workers. Each message id is enqueued once per
 * QUEUE_DEDUPE_TTL_S (Meta redelivers for up to 7 days). Statuses have their own stream.
 * The producer side pipelines: appends cost no I/O, one flush sends them all. */
#ifndef SAMPARK_QUEUE_H
#define SAMPARK_QUEUE_H

#include <stddef.h>

#include "config.h"
#include "err.h"
#include "wa_in.h"

#define QUEUE_SHARDS        16
#define QUEUE_DEDUPE_TTL_S  (7 * 24 * 3600)
#define QUEUE_GROUP         "workers"
#define QUEUE_STATUS_STREAM "sampark:statuses"
#define QUEUE_DEAD_STREAM   "sampark:dead"

/* Shard of a sender, and the stream name of a shard ("sampark:in:07"). */
int queue_shard_of(const char *wa_id);
void queue_stream_name(int shard, char buf[32]);

/* ---- producer (the webhook) ---------------------------------------------------------------- */
typedef struct queue_producer queue_producer;

queue_producer *queue_producer_new(const config *c);
void queue_producer_free(queue_producer *q);
/* Adds the notification's messages (deduplicated) and statuses to the turn's enqueue (script
 * calls of up to 128 notifications, 1,024 items and 256 KiB each; a larger notification alone).
 * Returns a ticket for queue_producer_flush, or -1
 * when Redis is known to be unreachable right now. */
int queue_producer_append(queue_producer *q, const wa_notification *n);
/* A ticket answered by the turn's one PING, for /healthz. */
int queue_producer_append_ping(queue_producer *q);
/* Tickets appended and not yet flushed. */
size_t queue_producer_pending(const queue_producer *q);
/* Sends the pipeline and reads every reply: results[ticket] >= 0 when that notification is
 * durably queued (the number of entries added: duplicates are not; 0 for a PING), -1 when
 * it is not. Returns the number of tickets. */
size_t queue_producer_flush(queue_producer *q, int *results, size_t max);
/* A notification's answer in the reply r to its script call, at pos (-1: a health check's, in
 * the reply to PING): the entries added (>= 0), or -1 when it is refused or r is no such answer
 * (a reply read out of step never passes). *why: Redis's error, if it gave one. */
struct redisReply;
int queue_reply_answer(const struct redisReply *r, int pos, const char **why);
/* Bytes the producer's buffers hold between turns (for tests). */
size_t queue_producer_held(const queue_producer *q);
/* The last connection error, for logs and /healthz. */
const char *queue_producer_error(const queue_producer *q);

/* ---- consumer (the workers) ---------------------------------------------------------------- */
typedef struct queue_consumer queue_consumer;

typedef struct queue_entry {
    int shard; /* 0..QUEUE_SHARDS-1, or -1 for the status stream */
    const char *id;
    const char **names, **values;
    size_t nfields;
} queue_entry;

typedef struct queue_batch {
    queue_entry *entries;
    size_t n;
    void *priv_;
} queue_batch;

/* name identifies this consumer in the group (host:pid is a good choice). */
queue_consumer *queue_consumer_new(const config *c, const char *name, err *e);
void queue_consumer_free(queue_consumer *q);
/* Renews and takes shard leases (a fair share of QUEUE_SHARDS among live workers), takes over
 * what dead workers left pending, then reads up to count entries: this consumer's own
 * pending entries of a shard first, then new ones; waits up to block_ms when there is
 * nothing. Entries of one shard come in stream order. */
int queue_consumer_read(queue_consumer *q, queue_batch *b, size_t count, int block_ms, err *e);
void queue_batch_free(queue_batch *b);
/* Acknowledges a processed entry (it will not be delivered again). */
int queue_consumer_ack(queue_consumer *q, const queue_entry *ent, err *e);
/* Acknowledges several processed entries in one round trip per stream. */
int queue_consumer_ack_many(queue_consumer *q, const queue_entry *const *ents, size_t n, err *e);
/* Processing of this shard failed for a reason that may pass (database down): the entry and
 * those after it stay pending and are read again, in order, on a later read. */
void queue_consumer_retry_shard(queue_consumer *q, int shard);
/* 1 while this consumer surely still holds the shard's lease (renewing it when due); the
 * status stream (-1) is always held. A worker stops handling a shard's entries the moment
 * this says 0: another worker may own them now. */
int queue_consumer_holds(queue_consumer *q, int shard);
/* Moves an entry that can never be processed to QUEUE_DEAD_STREAM with the reason, and acks it. */
int queue_consumer_dead(queue_consumer *q, const queue_entry *ent, const char *why, err *e);
/* Shards currently leased by this consumer (for tests and logs). */
int queue_consumer_owned(const queue_consumer *q);
/* Gives the leases back and leaves the live-worker set (SIGTERM). */
void queue_consumer_release(queue_consumer *q);

/* Stream lengths and pending counts, for /metrics: calls fn once per stream. */
int queue_depths(const config *c,
                 void (*fn)(void *ud, const char *stream, long long len, long long pending,
                            long long lag),
                 void *ud, err *e);

#endif
