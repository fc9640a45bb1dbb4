/* test_db.c — the PostgreSQL handle against the real test server: prepared statements with
 * bound parameters, text[] literals, script errors with line numbers, reconnects, and the
 * statements queued for the next round trip (pipeline mode): counted round trips, failures. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"

static const db_stmt st_echo = {"test_echo", "SELECT $1::text[]::text, array_length($1::text[], 1)",
                                1};
static const db_stmt st_nulls = {
    "test_nulls",
    "SELECT count(*) FILTER (WHERE x IS NULL), string_agg(x, '|' ORDER BY o)"
    " FROM unnest($1::text[]) WITH ORDINALITY AS t(x, o)",
    1};
static const db_stmt st_bad = {"test_bad", "SELECT * FROM no_such_table", 0};
static const db_stmt st_jit = {
    "test_jit", "SELECT current_setting('jit') || ' ' || current_setting('statement_timeout')", 0};

static void unreachable_server_names_database_url(void **state)
{
    (void)state;
    err e = {0};
    assert_null(db_open("host=127.0.0.1 port=1 connect_timeout=2", &e));
    assert_int_equal(e.kind, ERR_ENV);
    assert_non_null(strstr(e.msg, "DATABASE_URL"));
}

static void arrays_and_parameters_round_trip(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("db");
    err e = {0};
    db *d = db_open(conninfo, &e);
    const char *items[] = {"plain", "with \"quotes\"",    "back\\slash", "comma, brace}",
                           "हिंदी",  "'; DROP TABLE x; --"};
    char *arr = db_text_array(items, 6);
    PGresult *r;
    assert_non_null(d);
    r = db_query(d, &st_echo, (const char *[]){arr}, &e);
    if (!r)
        fail_msg("%s", e.msg);
    assert_string_equal(PQgetvalue(r, 0, 1), "6");
    PQclear(r);
    {
        /* A NULL item is SQL NULL; the word "NULL" stays a word. */
        const char *withnull[] = {"a", NULL, "NULL", ""};
        char *arr2 = db_text_array(withnull, 4);
        r = db_query(d, &st_nulls, (const char *[]){arr2}, &e);
        if (!r)
            fail_msg("%s", e.msg);
        assert_string_equal(PQgetvalue(r, 0, 0), "1");
        assert_string_equal(PQgetvalue(r, 0, 1), "a|NULL|");
        PQclear(r);
        free(arr2);
    }
    /* Twice on the same connection: prepared once, reused. */
    r = db_query(d, &st_echo, (const char *[]){"{}"}, &e);
    assert_non_null(r);
    PQclear(r);
    assert_null(db_query(d, &st_bad, NULL, &e));
    assert_non_null(strstr(e.msg, "no_such_table"));
    /* No JIT on Sampark's connections: it made case creation ten times slower (db.c) — and a
     * DATABASE_URL's own options still apply. */
    r = db_query(d, &st_jit, NULL, &e);
    assert_non_null(r);
    assert_string_equal(PQgetvalue(r, 0, 0), "off 0");
    PQclear(r);
    {
        char with_options[600];
        db *o;
        snprintf(with_options, sizeof with_options, "%s options='-c statement_timeout=5s'",
                 conninfo);
        o = db_open(with_options, &e);
        assert_non_null(o);
        r = db_query(o, &st_jit, NULL, &e);
        assert_non_null(r);
        assert_string_equal(PQgetvalue(r, 0, 0), "off 5s");
        PQclear(r);
        db_close(o);
    }
    free(arr);
    db_close(d);
    db_close(NULL);
    tu_drop_db(conninfo);
}

static void script_errors_name_the_line(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("db");
    err e = {0};
    db *d = db_open(conninfo, &e);
    assert_int_equal(db_script(d, "CREATE TABLE a (x int);\n-- comment\nSELEC 1;\n", &e), -1);
    assert_non_null(strstr(e.msg, "at line 3"));
    assert_int_equal(db_script(d, "CREATE TABLE b (x int);", &e), 0);
    db_close(d);
    tu_drop_db(conninfo);
}

static void lazy_handle_connects_on_use(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("db");
    err e = {0};
    db *d = db_new(conninfo);
    assert_int_equal(db_ping(d, &e), 0);
    db_close(d);
    d = db_new("host=127.0.0.1 port=1 connect_timeout=2");
    assert_int_equal(db_ping(d, &e), -1);
    assert_non_null(strstr(e.msg, "cannot connect"));
    db_close(d);
    tu_drop_db(conninfo);
}

static const db_stmt st_put = {"test_put", "INSERT INTO p (x) VALUES ($1::int)", 1};
static const db_stmt st_count = {"test_count", "SELECT count(*), COALESCE(sum(x), 0) FROM p", 0};
static const db_stmt st_gone = {"test_gone", "INSERT INTO no_such_table VALUES (1)", 0};
static const db_stmt st_kill = {
    "test_kill",
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'victim'", 0};

static long sum_of(db *d, err *e)
{
    PGresult *r = db_query(d, &st_count, NULL, e);
    long n;
    assert_non_null(r);
    n = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    return n;
}

static void queued_statements_travel_in_one_round_trip(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("db");
    err e = {0};
    db *d = db_open(conninfo, &e);
    long trips;
    PGresult *r;
    assert_non_null(d);
    assert_int_equal(db_script(d, "CREATE TABLE p (x int CHECK (x <> 13))", &e), 0);
    /* BEGIN with the first statement (prepared on the way): one round trip */
    trips = db_round_trips(d);
    assert_int_equal(db_send_begin(d, &e), 0);
    r = db_query(d, &st_count, NULL, &e);
    assert_non_null(r);
    PQclear(r);
    assert_int_equal(db_round_trips(d) - trips, 1);
    /* two inserts of a statement not yet prepared (prepared once) and the COMMIT: one */
    trips = db_round_trips(d);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"1"}, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"2"}, &e), 0);
    if (db_commit(d, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(db_round_trips(d) - trips, 1);
    assert_int_equal(sum_of(d, &e), 3);
    /* prepared in the pipeline, used alone afterwards */
    assert_int_equal(db_exec(d, &st_put, (const char *[]){"4"}, &e), 0);
    assert_int_equal(db_affected(d), 1);
    /* a queued statement's data error fails the COMMIT, named, not transient; nothing stays,
     * and no transaction is left open */
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"13"}, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"100"}, &e), 0);
    assert_int_equal(db_commit(d, &e), -1);
    assert_non_null(strstr(e.msg, "test_put"));
    assert_int_equal(db_error_transient(d), 0);
    assert_int_equal(sum_of(d, &e), 7);
    assert_int_equal(db_begin(d, &e), 0);
    assert_int_equal(db_commit(d, &e), 0);
    /* a missing table is for an operator to mend: transient */
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_gone, NULL, &e), 0);
    assert_int_equal(db_commit(d, &e), -1);
    assert_non_null(strstr(e.msg, "no_such_table"));
    assert_int_equal(db_error_transient(d), 1);
    /* an error in an earlier round trip: COMMIT answers ROLLBACK, a failure */
    assert_int_equal(db_begin(d, &e), 0);
    assert_int_equal(db_exec(d, &st_put, (const char *[]){"13"}, &e), -1);
    assert_int_equal(db_commit(d, &e), -1);
    assert_non_null(strstr(e.msg, "rolled back"));
    /* db_rollback drops what was queued */
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"1000"}, &e), 0);
    db_rollback(d);
    assert_int_equal(sum_of(d, &e), 7);
    db_close(d);
    tu_drop_db(conninfo);
}

/* A connection to be killed (d, application_name "victim") and the one that kills it, on a
 * fresh database with table p. */
typedef struct victim {
    char *conninfo;
    db *d, *killer;
} victim;

static victim victim_open(void)
{
    char buf[600];
    err e = {0};
    victim v = {tu_create_db("db"), NULL, NULL};
    snprintf(buf, sizeof buf, "%s application_name=victim", v.conninfo);
    v.d = db_open(buf, &e);
    v.killer = db_open(v.conninfo, &e);
    assert_non_null(v.d);
    assert_non_null(v.killer);
    assert_int_equal(db_script(v.d, "CREATE TABLE p (x int CHECK (x <> 13))", &e), 0);
    return v;
}

static void victim_kill(victim *v)
{
    err e = {0};
    PGresult *r = db_query(v->killer, &st_kill, NULL, &e);
    assert_non_null(r);
    PQclear(r);
}

static void victim_close(victim *v)
{
    db_close(v->killer);
    db_close(v->d);
    tu_drop_db(v->conninfo);
}

static void a_connection_lost_under_a_pipeline(void **state)
{
    (void)state;
    err e = {0};
    victim v = victim_open();
    db *d = v.d;
    victim_kill(&v);
    /* the pipeline finds the connection gone: a transient failure, queue dropped */
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"5"}, &e), 0);
    assert_null(db_query(d, &st_count, NULL, &e));
    assert_int_equal(db_error_transient(d), 1);
    db_rollback(d);
    /* the next transaction connects anew, its BEGIN with it */
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"6"}, &e), 0);
    if (db_commit(d, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(sum_of(d, &e), 6);
    victim_close(&v);
}

/* The guards for a connection already known lost. A queue that does not start
 * with its own BEGIN is refused (its transaction died with the connection), and a COMMIT with
 * nothing queued is never sent on a new connection. */
static void a_known_lost_connection_refuses_a_queue_without_begin(void **state)
{
    (void)state;
    err e = {0};
    victim v = victim_open();
    db *d = v.d, *killer = v.killer;
    assert_int_equal(db_begin(d, &e), 0);
    victim_kill(&v);
    assert_null(db_query(d, &st_count, NULL, &e)); /* not pipelined: the connection is now bad */
    assert_int_equal(db_send(d, &st_put, (const char *[]){"7"}, &e), 0);
    assert_int_equal(db_commit(d, &e), -1);
    assert_non_null(strstr(e.msg, "lost with statements queued"));
    assert_int_equal(db_error_transient(d), 1);
    assert_int_equal(db_commit(d, &e), -1);
    assert_non_null(strstr(e.msg, "COMMIT: the connection was lost"));
    db_rollback(d);
    assert_int_equal(sum_of(killer, &e), 0);
    victim_close(&v);
}

/* A failed pipelined COMMIT costs two round trips when the caller rolls back as
 * conversation.c's transact() does: the pipeline and db_commit's own ROLLBACK — the caller's
 * db_rollback finds nothing open and sends nothing (a review found a third). */
static void a_failed_pipelined_commit_rolls_back_once(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("db");
    err e = {0};
    db *d = db_open(conninfo, &e);
    long trips;
    assert_non_null(d);
    assert_int_equal(db_script(d, "CREATE TABLE p (x int CHECK (x <> 13))", &e), 0);
    assert_int_equal(db_exec(d, &st_put, (const char *[]){"1"}, &e), 0); /* prepared */
    trips = db_round_trips(d);
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"13"}, &e), 0);
    assert_int_equal(db_commit(d, &e), -1);
    db_rollback(d);
    assert_int_equal(db_round_trips(d) - trips, 2);
    db_close(d);
    tu_drop_db(conninfo);
}

/* The connection killed between a transaction's two round trips (as between
 * transact()'s record and its COMMIT): the COMMIT's pipeline finds the socket dead, fails as
 * transient and commits nothing; the next transaction reconnects. */
static void killed_between_the_two_round_trips(void **state)
{
    (void)state;
    err e = {0};
    victim v = victim_open();
    db *d = v.d, *killer = v.killer;
    PGresult *r;
    assert_int_equal(db_send_begin(d, &e), 0);
    r = db_query(d, &st_count, NULL, &e);
    assert_non_null(r);
    PQclear(r);
    victim_kill(&v);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"5"}, &e), 0);
    assert_int_equal(db_commit(d, &e), -1);
    assert_int_equal(db_error_transient(d), 1);
    db_rollback(d);
    assert_int_equal(sum_of(killer, &e), 0);
    assert_int_equal(db_send_begin(d, &e), 0);
    assert_int_equal(db_send(d, &st_put, (const char *[]){"6"}, &e), 0);
    if (db_commit(d, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(sum_of(killer, &e), 6);
    victim_close(&v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unreachable_server_names_database_url),
        cmocka_unit_test(arrays_and_parameters_round_trip),
        cmocka_unit_test(script_errors_name_the_line),
        cmocka_unit_test(lazy_handle_connects_on_use),
        cmocka_unit_test(queued_statements_travel_in_one_round_trip),
        cmocka_unit_test(a_connection_lost_under_a_pipeline),
        cmocka_unit_test(a_known_lost_connection_refuses_a_queue_without_begin),
        cmocka_unit_test(a_failed_pipelined_commit_rolls_back_once),
        cmocka_unit_test(killed_between_the_two_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
