/* test_inbound.c — a message's row against the real test server (issue 22 step 4): looked up at
 * the start of its transaction, written once at the end with its session; a second worker holding
 * the same message meanwhile (a lapsed lease) waits for the first and finds a repeat carrying the
 * session the first left. */
#define _GNU_SOURCE /* pthread_tryjoin_np */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "inbound.h"

static const wa_message msg = {.kind = WA_MSG_TEXT,
                               .type_name = "text",
                               .id = "wamid.race1",
                               .from = "919800000001",
                               .profile_name = "Asha",
                               .timestamp = 0,
                               .text = "hi"};

typedef struct second {
    db *d;
    inbound_info info;
    int rc;
    err e;
} second;

/* The second worker: its look-up, once the first lets go of the message. */
static void *second_worker(void *arg)
{
    second *s = arg;
    const wa_message *ms[] = {&msg};
    s->rc = db_send_begin(s->d, &s->e) < 0 ? -1 : inbound_record_many(s->d, ms, 1, &s->info, &s->e);
    db_rollback(s->d);
    return NULL;
}

/* The race, on a database set up by setup (SQL; NULL for none) before the workers connect. */
static void race(const char *setup)
{
    char *conninfo = tu_create_db("inbound");
    err e = {0};
    const wa_message *ms[] = {&msg};
    inbound_info info = {0};
    second s = {0};
    pthread_t t;
    char *n;
    tu_migrate(conninfo);
    if (setup)
        tu_sql(conninfo, setup);
    db *d = db_open(conninfo, &e);
    assert_non_null(d);
    assert_non_null(s.d = db_open(conninfo, &e));
    assert_int_equal(db_send_begin(d, &e), 0);
    if (inbound_record_many(d, ms, 1, &info, &e) < 0)
        fail_msg("%s", e.msg);
    assert_true(info.fresh);
    n = tu_scalar(conninfo, "SELECT count(*) FROM inbound_messages");
    assert_string_equal(n, "0"); /* no row until the end */
    free(n);
    assert_int_equal(pthread_create(&t, NULL, second_worker, &s), 0);
    for (int tries = 0;; tries++) { /* the second waits on the first's lock (an event, polled) */
        /* this database's message-id locks only: other tests run beside this one (ctest -j),
         * and a process waiting on the migrations' lock in theirs is no sign of the race */
        n = tu_scalar(conninfo,
                      "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                      " AND NOT granted AND classid = 2204 AND objsubid = 2 AND database ="
                      " (SELECT oid FROM pg_database WHERE datname = current_database())");
        int waiting = strcmp(n, "0") != 0;
        free(n);
        if (waiting)
            break;
        if (tries == 5000 || pthread_tryjoin_np(t, NULL) == 0)
            fail_msg("the second worker did not wait for the first (fresh: %d)", s.info.fresh);
    }
    {
        const char *hex[] = {"c0ffee"};
        const unsigned base[] = {7};
        if (inbound_store_many(d, ms, 1, &info, hex, base, &e) < 0 || db_commit(d, &e) < 0)
            fail_msg("%s", e.msg);
    }
    assert_int_equal(pthread_join(t, NULL), 0);
    if (s.rc < 0)
        fail_msg("the second worker's look-up failed: %s", s.e.msg);
    assert_false(s.info.fresh);
    assert_non_null(s.info.session_hex);
    assert_string_equal(s.info.session_hex, "c0ffee");
    assert_int_equal(s.info.session_base, 7);
    n = tu_scalar(conninfo, "SELECT count(*) || ' ' || count(session) FROM inbound_messages");
    assert_string_equal(n, "1 1");
    free(n);
    inbound_info_clear(&info);
    inbound_info_clear(&s.info);
    db_close(s.d);
    db_close(d);
    tu_drop_db(conninfo);
}

static void a_second_worker_waits_and_finds_a_repeat(void **state)
{
    (void)state;
    race(NULL);
}

/* The design needs each statement's own snapshot (READ COMMITTED): under a database default of
 * REPEATABLE READ the second worker's snapshot would be taken by its lock statement, before the
 * first commits, and — its sender known and recently active, so no upsert trips over the first's
 * rows — it would step the message as fresh (its end insert then fails on the primary key, and
 * alone that is a dead letter). Sampark's connections ask for READ COMMITTED (db.c). */
static void the_race_holds_under_a_repeatable_read_default(void **state)
{
    (void)state;
    race("DO $$BEGIN EXECUTE format('ALTER DATABASE %I SET default_transaction_isolation = %L',"
         " current_database(), 'repeatable read'); END$$;"
         " INSERT INTO wa_contacts (phone, profile_name, last_inbound_at)"
         "  VALUES ('919800000001', 'Asha', now());"
         " INSERT INTO citizens (phone, name, last_inbound_at)"
         "  VALUES ('919800000001', 'Asha', now())");
}

/* A row written meanwhile by a writer that skips the lock (none in Sampark; an older worker
 * during an upgrade would): the end insert fails at the COMMIT on the primary key — the data's
 * class, not passing — the transaction is rolled back, the connection is left usable, and the
 * next look-up finds the message a repeat. */
static void a_row_written_meanwhile_fails_the_commit_cleanly(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("inbound");
    err e = {0};
    const wa_message *ms[] = {&msg};
    inbound_info info = {0};
    const char *hex[] = {NULL};
    const unsigned base[] = {0};
    char *n;
    tu_migrate(conninfo);
    db *d = db_open(conninfo, &e);
    assert_non_null(d);
    assert_int_equal(db_send_begin(d, &e), 0);
    if (inbound_record_many(d, ms, 1, &info, &e) < 0)
        fail_msg("%s", e.msg);
    assert_true(info.fresh);
    tu_sql(conninfo, "INSERT INTO inbound_messages (wamid, from_phone, type, received_at)"
                     " VALUES ('wamid.race1', '919800000001', 'text', now())");
    assert_int_equal(inbound_store_many(d, ms, 1, &info, hex, base, &e), 0);
    assert_int_equal(db_commit(d, &e), -1);
    assert_non_null(strstr(e.msg, "PostgreSQL inbound_store"));
    assert_false(db_error_transient(d));
    db_rollback(d);
    memset(&e, 0, sizeof e);
    assert_int_equal(db_send_begin(d, &e), 0);
    if (inbound_record_many(d, ms, 1, &info, &e) < 0)
        fail_msg("the connection after the failed COMMIT: %s", e.msg);
    assert_false(info.fresh);
    if (db_commit(d, &e) < 0)
        fail_msg("%s", e.msg);
    n = tu_scalar(conninfo, "SELECT count(*) FROM inbound_messages");
    assert_string_equal(n, "1");
    free(n);
    inbound_info_clear(&info);
    db_close(d);
    tu_drop_db(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_second_worker_waits_and_finds_a_repeat),
        cmocka_unit_test(the_race_holds_under_a_repeatable_read_default),
        cmocka_unit_test(a_row_written_meanwhile_fails_the_commit_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
