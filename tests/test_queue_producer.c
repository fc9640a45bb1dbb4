/* test_queue_producer.c — the webhook's enqueue (queue_producer) against the real test Redis, in
 * a database of its own: a turn's notifications share script calls of up to 128 and each ticket
 * still gets its own notification's answer (duplicates 0, a full stream -1 for its notification
 * only, health checks 0), and a connection that breaks mid-turn fails every ticket of the turn
 * and is replaced for the next one. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "queue.h"
#include "rds.h"

/* A config on database 7 of the test Redis (emptied), with extra settings. */
static config *fresh_config(const char *extra)
{
    char url[300], *env[] = {url, (char *)extra, NULL};
    const char *base = tu_env("TEST_REDIS_URL");
    size_t slash = strlen(base);
    err e = {0};
    config *c;
    redisContext *ctx;
    while (slash && base[slash - 1] != '/')
        slash--;
    snprintf(url, sizeof url, "REDIS_URL=%.*s7", (int)slash, base);
    assert_non_null(c = config_load(env, &e));
    assert_non_null(ctx = rds_connect(c, 1000, &e));
    freeReplyObject(redisCommand(ctx, "FLUSHDB"));
    redisFree(ctx);
    return c;
}

static wa_notification *note(const char *sender, const char *wamid)
{
    char body[1024];
    err e = {0};
    wa_notification *n;
    int len = snprintf(
        body, sizeof body,
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":[{"
        "\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\",\"metadata\":{"
        "\"display_phone_number\":\"917000000000\",\"phone_number_id\":\"106540352242922\"},"
        "\"messages\":[{\"from\":\"%s\",\"id\":\"%s\",\"timestamp\":\"1700000000\","
        "\"type\":\"text\",\"text\":{\"body\":\"hello\"}}]}}]}]}",
        sender, wamid);
    n = wa_in_parse(body, (size_t)len, &e);
    if (!n)
        fail_msg("%s", e.msg);
    return n;
}

static long long queued(const config *c)
{
    err e = {0};
    redisContext *ctx = rds_connect(c, 1000, &e);
    long long total = 0;
    assert_non_null(ctx);
    for (int s = 0; s < QUEUE_SHARDS; s++) {
        char stream[32];
        redisReply *r;
        queue_stream_name(s, stream);
        r = redisCommand(ctx, "XLEN %s", stream);
        total += r->integer;
        freeReplyObject(r);
    }
    redisFree(ctx);
    return total;
}

/* Appends sender's message wamid; returns its ticket. */
static int append(queue_producer *q, const char *sender, const char *wamid)
{
    wa_notification *n = note(sender, wamid);
    int ticket = queue_producer_append(q, n);
    wa_in_free(n);
    return ticket;
}

static void turn_of_300(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=1000");
    queue_producer *q = queue_producer_new(c);
    int tickets[320], results[320], pings[3], nt = 0;
    (void)state;
    for (int k = 0; k < 300; k++) {
        char sender[16], wamid[32];
        snprintf(sender, sizeof sender, "9198%08d", k % 37);
        snprintf(wamid, sizeof wamid, "wamid.T%03d", k);
        tickets[nt++] = append(q, sender, wamid);
        if (k % 100 == 50)
            pings[k / 100] = queue_producer_append_ping(q);
    }
    for (int k = 0; k < 10; k++) { /* Meta's redelivery of ten of them, in the same turn */
        char wamid[32];
        snprintf(wamid, sizeof wamid, "wamid.T%03d", k * 29);
        tickets[nt++] = append(q, "919800000000", wamid);
    }
    assert_int_equal(queue_producer_pending(q), 313);
    assert_int_equal(queue_producer_flush(q, results, 320), 313);
    for (int k = 0; k < 300; k++)
        assert_int_equal(results[tickets[k]], 1);
    for (int k = 300; k < 310; k++)
        assert_int_equal(results[tickets[k]], 0); /* a duplicate is answered, not added */
    for (int k = 0; k < 3; k++)
        assert_int_equal(results[pings[k]], 0);
    assert_int_equal(queued(c), 300);
    assert_int_equal(queue_producer_pending(q), 0);
    queue_producer_free(q);
    config_free(c);
}

static void full_stream_refuses_only_its_own(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=10");
    queue_producer *q = queue_producer_new(c);
    const char *full = "919811300001", *other = "919811300002";
    int tickets[10], results[10];
    (void)state;
    assert_int_not_equal(queue_shard_of(full), queue_shard_of(other));
    for (int k = 0; k < 10; k++) { /* fills full's stream */
        char wamid[32];
        snprintf(wamid, sizeof wamid, "wamid.F%02d", k);
        tickets[k] = append(q, full, wamid);
    }
    assert_int_equal(queue_producer_flush(q, results, 10), 10);
    for (int k = 0; k < 10; k++)
        assert_int_equal(results[tickets[k]], 1);
    for (int k = 0; k < 8; k++) { /* then a turn for both */
        char wamid[32];
        snprintf(wamid, sizeof wamid, "wamid.G%02d", k);
        tickets[k] = append(q, k % 2 ? other : full, wamid);
    }
    assert_int_equal(queue_producer_flush(q, results, 10), 8);
    for (int k = 0; k < 8; k++)
        assert_int_equal(results[tickets[k]], k % 2 ? 1 : -1);
    assert_non_null(strstr(queue_producer_error(q), "QUEUEFULL"));
    assert_int_equal(queued(c), 14);
    queue_producer_free(q);
    config_free(c);
}

/* Kills the other clients of database 7 (the producer's connection), nobody else's. */
static void kill_producer_connection(const config *c)
{
    err e = {0};
    redisContext *ctx = rds_connect(c, 1000, &e);
    redisReply *me, *list;
    char *line;
    assert_non_null(ctx);
    me = redisCommand(ctx, "CLIENT ID");
    list = redisCommand(ctx, "CLIENT LIST");
    for (line = strtok(list->str, "\n"); line; line = strtok(NULL, "\n")) {
        long long id = 0;
        if (strstr(line, " db=7 ") && sscanf(line, "id=%lld", &id) == 1 && id != me->integer)
            freeReplyObject(redisCommand(ctx, "CLIENT KILL ID %lld", id));
    }
    freeReplyObject(me);
    freeReplyObject(list);
    redisFree(ctx);
}

static void broken_connection_fails_the_turn(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=1000");
    queue_producer *q = queue_producer_new(c);
    int t[3], results[3];
    (void)state;
    assert_int_equal(append(q, "919800000001", "wamid.B0"), 0);
    assert_int_equal(queue_producer_flush(q, results, 3), 1); /* connected */
    t[0] = append(q, "919800000001", "wamid.B1");
    t[1] = queue_producer_append_ping(q);
    kill_producer_connection(c);
    t[2] = append(q, "919800000002", "wamid.B2");
    assert_int_equal(queue_producer_flush(q, results, 3), 3);
    assert_int_equal(results[t[0]], -1);
    assert_int_equal(results[t[1]], -1);
    assert_int_equal(results[t[2]], -1);
    usleep(300 * 1000); /* the producer waits 250 ms before it reconnects */
    t[0] = append(q, "919800000001", "wamid.B1");
    assert_true(t[0] >= 0);
    assert_int_equal(queue_producer_flush(q, results, 3), 1);
    assert_int_equal(results[t[0]], 1);
    queue_producer_free(q);
    config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(turn_of_300),
        cmocka_unit_test(full_stream_refuses_only_its_own),
        cmocka_unit_test(broken_connection_fails_the_turn),
    };
    signal(SIGPIPE, SIG_IGN); /* as serve does: a write to the killed connection is an error */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
