/* test_queue_producer.c — the webhook's enqueue (queue_producer) against the real test Redis, in
 * a database of its own: a turn's notifications share script calls, closed at 128 notifications,
 * 1,024 items or 256 KiB (what Redis ran is watched with MONITOR), and each ticket still gets its
 * own notification's answer (duplicates 0, a full stream -1 for its notification only, health
 * checks 0, nothing but the script's own answer passes); a turn of large bodies is answered
 * truly and its buffers are given back; a connection that breaks mid-turn fails every ticket
 * of the turn and is replaced for the next one. */
#include "testutil.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Starts watching what Redis runs (MONITOR on a connection of its own). */
static redisContext *watch(const config *c)
{
    err e = {0};
    redisContext *mon = rds_connect(c, 10000, &e);
    redisReply *r;
    assert_non_null(mon);
    assert_non_null(r = redisCommand(mon, "MONITOR"));
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    freeReplyObject(r);
    return mon;
}

/* Stops watching: the key count of each script call sent to database 7 since watch(), in
 * order, into numkeys; returns how many there were. Reads until a marker sent after them. */
static int watched_calls(const config *c, redisContext *mon, long long *numkeys, int max)
{
    err e = {0};
    redisContext *ctx = rds_connect(c, 1000, &e);
    redisReply *r;
    int n = 0, end = 0;
    assert_non_null(ctx);
    freeReplyObject(redisCommand(ctx, "ECHO %s", "watched-calls-end"));
    redisFree(ctx);
    while (!end) {
        char from[64], name[16];
        int dbn;
        long long keys;
        assert_int_equal(redisGetReply(mon, (void **)&r), REDIS_OK);
        assert_int_equal(r->type, REDIS_REPLY_STATUS);
        if (sscanf(r->str, "%*f [%d %63[^]]] \"%15[^\"]\" \"%*[^\"]\" \"%lld\"", &dbn, from, name,
                   &keys) == 4 &&
            dbn == 7 && strcmp(from, "lua") != 0 && strcmp(name, "EVALSHA") == 0) {
            assert_true(n < max);
            numkeys[n++] = keys;
        }
        end = strstr(r->str, "\"watched-calls-end\"") != NULL;
        freeReplyObject(r);
    }
    redisFree(mon);
    return n;
}

/* Appends n and frees it; returns its ticket. */
static int append_note(queue_producer *q, wa_notification *n)
{
    int ticket = queue_producer_append(q, n);
    wa_in_free(n);
    return ticket;
}

/* Appends sender's message wamid; returns its ticket. */
static int append(queue_producer *q, const char *sender, const char *wamid)
{
    return append_note(q, note(sender, wamid));
}

/* Connects the producer (a turn of one message) and then starts watching what Redis runs. */
static redisContext *connect_and_watch(queue_producer *q, const config *c)
{
    int result;
    assert_int_equal(append(q, "919800000000", "wamid.connect"), 0);
    assert_int_equal(queue_producer_flush(q, &result, 1), 1);
    assert_int_equal(result, 1);
    return watch(c);
}

static void turn_of_300(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=1000");
    queue_producer *q = queue_producer_new(c);
    int tickets[320], results[320], pings[3], nt = 0;
    long long numkeys[8];
    redisContext *mon;
    (void)state;
    mon = connect_and_watch(q, c);
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
    assert_int_equal(watched_calls(c, mon, numkeys, 8), 3); /* 128 + 128 + 54, two keys each */
    assert_int_equal(numkeys[0], 256);
    assert_int_equal(numkeys[1], 256);
    assert_int_equal(numkeys[2], 108);
    for (int k = 0; k < 300; k++)
        assert_int_equal(results[tickets[k]], 1);
    for (int k = 300; k < 310; k++)
        assert_int_equal(results[tickets[k]], 0); /* a duplicate is answered, not added */
    for (int k = 0; k < 3; k++)
        assert_int_equal(results[pings[k]], 0);
    assert_int_equal(queued(c), 301);
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
    for (int tries = 0; (t[0] = append(q, "919800000001", "wamid.B1")) < 0; tries++) {
        assert_true(tries < 10000); /* it reconnects 250 ms after the drop */
        usleep(1000);
    }
    assert_int_equal(queue_producer_flush(q, results, 3), 1);
    assert_int_equal(results[t[0]], 1);
    queue_producer_free(q);
    config_free(c);
}

/* A notification of n statuses (each as small as wa_in accepts), well inside the 1 MiB limit. */
static wa_notification *statuses_note(int tag, int n)
{
    size_t cap = 200 + (size_t)n * 48, len;
    char *body = malloc(cap);
    err e = {0};
    wa_notification *w;
    assert_non_null(body);
    len = (size_t)snprintf(body, cap,
                           "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\","
                           "\"changes\":[{\"field\":\"messages\",\"value\":{\"statuses\":[");
    for (int k = 0; k < n; k++)
        len += (size_t)snprintf(body + len, cap - len, "%s{\"id\":\"s%d.%d\",\"status\":\"read\"}",
                                k ? "," : "", tag, k);
    len += (size_t)snprintf(body + len, cap - len, "]}}]}]}");
    assert_true(len < 1024 * 1024);
    w = wa_in_parse(body, len, &e);
    free(body);
    if (!w)
        fail_msg("%s", e.msg);
    return w;
}

/* A notification of one message whose text is size bytes long. */
static wa_notification *long_note(const char *wamid, size_t size)
{
    size_t cap = size + 512;
    char *body = malloc(cap), *text = malloc(size + 1);
    err e = {0};
    wa_notification *w;
    int len;
    assert_non_null(body);
    assert_non_null(text);
    memset(text, 'x', size);
    text[size] = '\0';
    len = snprintf(body, cap,
                   "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":"
                   "[{\"field\":\"messages\",\"value\":{\"messages\":[{\"from\":\"919800000009\","
                   "\"id\":\"%s\",\"timestamp\":\"1700000000\",\"type\":\"text\",\"text\":{"
                   "\"body\":\"%s\"}}]}}]}]}",
                   wamid, text);
    w = wa_in_parse(body, (size_t)len, &e);
    free(body);
    free(text);
    if (!w)
        fail_msg("%s", e.msg);
    return w;
}

/* A call closes before a notification that would take it past 1,024 items or 256 KiB, and a
 * notification past them alone goes in a call of its own. */
static void calls_close_at_their_bounds(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=10000");
    queue_producer *q = queue_producer_new(c);
    int tickets[9], results[9], nt = 0;
    long long numkeys[16], want[] = {2, 2200, 8, 2, 2, 2};
    redisContext *mon;
    (void)state;
    mon = connect_and_watch(q, c);
    tickets[nt++] = append(q, "919800000001", "wamid.C-A");
    tickets[nt++] = append_note(q, statuses_note(1, 1100)); /* past 1,024 items: alone */
    tickets[nt++] = append(q, "919800000002", "wamid.C-C");
    tickets[nt++] = append(q, "919800000003", "wamid.C-D");
    tickets[nt++] = append_note(q, long_note("wamid.C-E", 100000));
    tickets[nt++] = append_note(q, long_note("wamid.C-F", 100000));
    tickets[nt++] = append_note(q, long_note("wamid.C-G", 100000)); /* would pass 256 KiB */
    tickets[nt++] = append_note(q, long_note("wamid.C-H", 300000)); /* past it: alone */
    tickets[nt++] = append(q, "919800000004", "wamid.C-I");
    assert_int_equal(queue_producer_flush(q, results, 9), 9);
    assert_int_equal(watched_calls(c, mon, numkeys, 16), 6);
    for (int k = 0; k < 6; k++)
        assert_int_equal(numkeys[k], want[k]);
    for (int k = 0; k < nt; k++)
        assert_int_equal(results[tickets[k]], k == 1 ? 1100 : 1);
    assert_int_equal(queued(c), 8 + 1);
    queue_producer_free(q);
    config_free(c);
}

/* One turn of 128 notifications of 2,000 statuses each (75 KB bodies): every ticket answers the
 * truth and every status is queued once. In one call of 256,000 items this outlasted the
 * producer's read timeout: every ticket failed although Redis held them all (review of issue 22,
 * 4bcd94a). */
static void big_turn_answers_the_truth(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=10000000");
    queue_producer *q = queue_producer_new(c);
    enum { NOTES = 128, PER = 2000 };
    int tickets[NOTES], results[NOTES];
    err e = {0};
    redisContext *ctx;
    redisReply *r;
    (void)state;
    for (int k = 0; k < NOTES; k++)
        assert_true((tickets[k] = append_note(q, statuses_note(k, PER))) >= 0);
    assert_int_equal(queue_producer_flush(q, results, NOTES), NOTES);
    for (int k = 0; k < NOTES; k++)
        assert_int_equal(results[tickets[k]], PER);
    assert_non_null(ctx = rds_connect(c, 1000, &e));
    r = redisCommand(ctx, "XLEN %s", QUEUE_STATUS_STREAM);
    assert_int_equal(r->integer, (long long)NOTES * PER);
    freeReplyObject(r);
    redisFree(ctx);
    queue_producer_free(q);
    config_free(c);
}

/* After a turn with a notification of 30,000 statuses, the next turn gives the memory back. */
static void buffers_are_given_back(void **state)
{
    config *c = fresh_config("SAMPARK_QUEUE_MAX=100000");
    queue_producer *q = queue_producer_new(c);
    int results[2];
    size_t peak;
    (void)state;
    assert_int_equal(append_note(q, statuses_note(0, 30000)), 0);
    assert_int_equal(queue_producer_flush(q, results, 2), 1);
    assert_int_equal(results[0], 30000);
    peak = queue_producer_held(q);
    assert_true(peak > 2 * 1024 * 1024);
    assert_int_equal(append(q, "919800000001", "wamid.S1"), 0);
    assert_int_equal(queue_producer_flush(q, results, 2), 1);
    assert_int_equal(results[0], 1);
    assert_true(queue_producer_held(q) < 512 * 1024);
    queue_producer_free(q);
    config_free(c);
}

/* A ticket passes only on its own answer: the script's integer at its place, or PING's PONG.
 * Anything else (a reply read out of step, an error) fails it. */
static void only_the_script_answer_passes(void **state)
{
    redisReply pong = {.type = REDIS_REPLY_STATUS, .str = "PONG", .len = 4};
    redisReply two = {.type = REDIS_REPLY_INTEGER, .integer = 2};
    redisReply full = {.type = REDIS_REPLY_ERROR, .str = "QUEUEFULL sampark:in:03", .len = 23};
    redisReply nil = {.type = REDIS_REPLY_NIL};
    redisReply *elements[] = {&two, &full, &pong, &nil};
    redisReply batch = {.type = REDIS_REPLY_ARRAY, .element = elements, .elements = 4};
    redisReply busy = {.type = REDIS_REPLY_ERROR, .str = "WRONGTYPE", .len = 9};
    const char *why;
    (void)state;
    assert_int_equal(queue_reply_answer(&batch, 0, &why), 2);
    assert_null(why);
    assert_int_equal(queue_reply_answer(&batch, 1, &why), -1);
    assert_string_equal(why, "QUEUEFULL sampark:in:03");
    assert_int_equal(queue_reply_answer(&batch, 2, &why), -1); /* not the script's answer */
    assert_int_equal(queue_reply_answer(&batch, 3, &why), -1);
    assert_int_equal(queue_reply_answer(&batch, 4, &why), -1); /* beyond the reply */
    assert_int_equal(queue_reply_answer(&pong, 0, &why), -1);  /* a PONG read for a call */
    assert_int_equal(queue_reply_answer(&two, 0, &why), -1);
    assert_int_equal(queue_reply_answer(NULL, 0, &why), -1);
    assert_int_equal(queue_reply_answer(&busy, 0, &why), -1); /* the whole call failed */
    assert_string_equal(why, "WRONGTYPE");
    assert_int_equal(queue_reply_answer(&pong, -1, &why), 0);
    assert_int_equal(queue_reply_answer(&batch, -1, &why), -1); /* a call's reply for a PING */
    assert_int_equal(queue_reply_answer(&two, -1, &why), -1);
    assert_null(why);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(turn_of_300),
        cmocka_unit_test(full_stream_refuses_only_its_own),
        cmocka_unit_test(broken_connection_fails_the_turn),
        cmocka_unit_test(calls_close_at_their_bounds),
        cmocka_unit_test(big_turn_answers_the_truth),
        cmocka_unit_test(buffers_are_given_back),
        cmocka_unit_test(only_the_script_answer_passes),
    };
    signal(SIGPIPE, SIG_IGN); /* as serve does: a write to the killed connection is an error */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
