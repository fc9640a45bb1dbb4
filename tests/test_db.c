/* test_db.c — the PostgreSQL handle against the real test server: prepared statements with
 * bound parameters, text[] literals, script errors with line numbers, reconnects. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unreachable_server_names_database_url),
        cmocka_unit_test(arrays_and_parameters_round_trip),
        cmocka_unit_test(script_errors_name_the_line),
        cmocka_unit_test(lazy_handle_connects_on_use),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
