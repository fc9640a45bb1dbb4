/* test_migrate.c — `sampark migrate` semantics on a real PostgreSQL: applies in order once,
 * is idempotent, is safe when several processes run it at once, and rolls a broken
 * migration back whole, naming its file and line. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"

#define MIGRATIONS SAMPARK_SOURCE_DIR "/migrations"

static int run(const char *conninfo, const char *dir, int *applied, err *e)
{
    db *d = db_open(conninfo, e);
    int rc;
    if (!d)
        return -1;
    rc = migrate_run(d, dir, NULL, applied, e);
    db_close(d);
    return rc;
}

static void applies_once_then_is_idempotent(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("mig");
    err e = {0};
    int applied = -1;
    char *v;
    if (run(conninfo, MIGRATIONS, &applied, &e) < 0)
        fail_msg("%s", e.msg);
    assert_true(applied >= 1);
    v = tu_scalar(conninfo,
                  "SELECT count(*) FROM information_schema.tables WHERE table_name IN"
                  " ('districts','departments','officers','citizens','cases','case_events',"
                  "'attachments','outbound_messages','inbound_messages','tracking_counters')");
    assert_string_equal(v, "10");
    free(v);
    assert_int_equal(run(conninfo, MIGRATIONS, &applied, &e), 0);
    assert_int_equal(applied, 0);
    v = tu_scalar(conninfo, "SELECT min(version) FROM schema_migrations");
    assert_string_equal(v, "1");
    free(v);
    tu_drop_db(conninfo);
}

static void concurrent_runs_apply_each_migration_once(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("migc");
    enum { N = 6 };
    pid_t pids[N];
    int readers[N], total = 0;
    char *recorded;
    for (int i = 0; i < N; i++) {
        int fds[2];
        if (pipe(fds) < 0)
            fail_msg("pipe");
        if ((pids[i] = fork()) == 0) {
            err e = {0};
            int applied = 0;
            unsigned char out;
            close(fds[0]);
            if (run(conninfo, MIGRATIONS, &applied, &e) < 0) {
                fprintf(stderr, "child: %s\n", e.msg);
                _exit(1);
            }
            out = (unsigned char)applied;
            _exit(write(fds[1], &out, 1) == 1 ? 0 : 1);
        }
        close(fds[1]);
        readers[i] = fds[0];
    }
    for (int i = 0; i < N; i++) {
        int status;
        unsigned char got = 0;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            fail_msg("child %d failed", i);
        assert_int_equal(read(readers[i], &got, 1), 1);
        close(readers[i]);
        total += got;
    }
    recorded = tu_scalar(conninfo, "SELECT count(*) FROM schema_migrations");
    assert_int_equal(total, atoi(recorded)); /* every migration applied by exactly one process */
    assert_true(total >= 1);
    free(recorded);
    tu_drop_db(conninfo);
}

static void broken_migration_rolls_back_whole(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("migb");
    char *dir = tu_tempdir(), path[512];
    err e = {0};
    int applied = 0;
    char *v;
    snprintf(path, sizeof path, "%s/0001_first.sql", dir);
    tu_write(path, "CREATE TABLE first (x int);\n");
    snprintf(path, sizeof path, "%s/0002_broken.sql", dir);
    tu_write(path, "CREATE TABLE second (x int);\nINSERT INTO second VALUES (1);\nINSERT INTO "
                   "nowhere VALUES (1);\n");
    assert_int_equal(run(conninfo, dir, &applied, &e), -1);
    assert_int_equal(applied, 1);
    assert_non_null(strstr(e.msg, "0002_broken.sql"));
    assert_non_null(strstr(e.msg, "line 3"));
    assert_non_null(strstr(e.msg, "nowhere"));
    v = tu_scalar(conninfo,
                  "SELECT count(*) FROM information_schema.tables WHERE table_name = 'second'");
    assert_string_equal(v, "0"); /* its first statements were rolled back too */
    free(v);
    v = tu_scalar(conninfo, "SELECT string_agg(name, ',' ORDER BY version) FROM schema_migrations");
    assert_string_equal(v, "0001_first.sql");
    free(v);
    /* Fixed, it applies on the next run. */
    tu_write(path, "CREATE TABLE second (x int);\n");
    assert_int_equal(run(conninfo, dir, &applied, &e), 0);
    assert_int_equal(applied, 1);
    unlink(path);
    snprintf(path, sizeof path, "%s/0001_first.sql", dir);
    unlink(path);
    rmdir(dir);
    free(dir);
    tu_drop_db(conninfo);
}

static void misnamed_and_duplicate_files_are_refused(void **state)
{
    (void)state;
    char *conninfo = tu_create_db("mign");
    char *dir = tu_tempdir(), a[512], b[512];
    err e = {0};
    int applied = 0;
    snprintf(a, sizeof a, "%s/0001-init.sql", dir);
    tu_write(a, "SELECT 1;\n");
    assert_int_equal(run(conninfo, dir, &applied, &e), -1);
    assert_non_null(strstr(e.msg, "0001-init.sql"));
    assert_int_equal(e.kind, ERR_USER);
    unlink(a);
    snprintf(a, sizeof a, "%s/0001_a.sql", dir);
    snprintf(b, sizeof b, "%s/0001_b.sql", dir);
    tu_write(a, "SELECT 1;\n");
    tu_write(b, "SELECT 1;\n");
    assert_int_equal(run(conninfo, dir, &applied, &e), -1);
    assert_non_null(strstr(e.msg, "share version 0001"));
    unlink(a);
    unlink(b);
    assert_int_equal(run(conninfo, dir, &applied, &e), -1);
    assert_non_null(strstr(e.msg, "no NNNN_name.sql migrations"));
    assert_int_equal(run(conninfo, "/nonexistent", &applied, &e), -1);
    assert_non_null(strstr(e.msg, "/nonexistent"));
    rmdir(dir);
    free(dir);
    tu_drop_db(conninfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(applies_once_then_is_idempotent),
        cmocka_unit_test(concurrent_runs_apply_each_migration_once),
        cmocka_unit_test(broken_migration_rolls_back_whole),
        cmocka_unit_test(misnamed_and_duplicate_files_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
