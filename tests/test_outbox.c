/* test_outbox.c — outbound_messages rows against the real test server: written at once outside a
 * conversation transaction, deferred and written by one statement inside one (outbox_defer /
 * outbox_flush): order per recipient, idempotency keys, NULL columns, a bad row failing the
 * flush as the data's own fault, the digest sent again behind what was deferred before it, and
 * (migration 0036) that no index reads a column a state change writes, so those updates are HOT,
 * and that 0036 dates the settled rows an outbox written before it holds. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "migrate.h"
#include "outbox.h"

typedef struct fixture {
    char *conninfo;
    db *d;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    err e = {0};
    f->conninfo = tu_create_db("outbox");
    tu_migrate(f->conninfo);
    f->d = db_open(f->conninfo, &e);
    assert_non_null(f->d);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    db_close(f->d);
    tu_drop_db(f->conninfo);
    free(f);
    return 0;
}

static long count(fixture *f, const char *sql)
{
    char *v = tu_scalar(f->conninfo, sql);
    long n = atol(v);
    free(v);
    return n;
}

static void at_once_without_defer(void **state)
{
    fixture *f = *state;
    err e = {0};
    assert_int_equal(outbox_text(f->d, "k1", "911", "hello", "test", NULL, &e), 0);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'k1'"), 1);
    /* outbox_flush with nothing deferred is nothing */
    assert_int_equal(outbox_flush(f->d, &e), 0);
}

static void deferred_rows_in_one_statement_in_order(void **state)
{
    fixture *f = *state;
    err e = {0};
    char key[32], text[32];
    assert_int_equal(db_begin(f->d, &e), 0);
    outbox_defer(f->d);
    for (int i = 0; i < 40; i++) { /* more than a batch's 32 messages, three recipients */
        snprintf(key, sizeof key, "d%02d", i);
        snprintf(text, sizeof text, "line %02d \"q\" \\ हिंदी", i);
        assert_int_equal(outbox_text(f->d, key, i % 3 ? "912" : "913", text, "test", NULL, &e), 0);
    }
    /* a key written twice: the first row stays, as when each was written at once */
    assert_int_equal(outbox_text(f->d, "d05", "912", "again", "test", NULL, &e), 0);
    assert_int_equal(outbox_text_about_hinted(f->d, "d40", "913", "x", "test", "914",
                                              "{\"params\": [\"a\"]}", &e),
                     0);
    assert_int_equal(outbox_text(f->d, "d41", "913", "last", "test", NULL, &e), 0);
    /* nothing written before the flush */
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key LIKE 'd%'"), 0);
    if (outbox_flush(f->d, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(db_commit(f->d, &e), 0);
    outbox_undefer(f->d);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key LIKE 'd%'"), 42);
    /* ids follow the order written, for every recipient */
    assert_int_equal(
        count(f, "SELECT count(*) FROM (SELECT idempotency_key, row_number() OVER"
                 " (ORDER BY id) r FROM outbound_messages WHERE idempotency_key ~ "
                 "'^d[0-9]{2}$') x WHERE idempotency_key <> 'd' || lpad((r - 1)::text, 2, '0')"),
        0);
    assert_int_equal(count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'd05'"
                              " AND payload->'text'->>'body' LIKE 'line 05 \"q\" \\\\ हिंदी'"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'd40'"
                              " AND about_phone = '914' AND template_hint->'params'->>0 = 'a'"
                              " AND case_id IS NULL"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'd01'"
                              " AND about_phone IS NULL AND template_hint IS NULL"),
                     1);
    assert_int_equal(count(f, "SELECT count(*) FROM outbound_messages WHERE kind = 'text'"
                              " AND idempotency_key = 'd41' AND recipient = '913'"),
                     1);
    /* after outbox_undefer, at once again */
    assert_int_equal(outbox_text(f->d, "d42", "912", "now", "test", NULL, &e), 0);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'd42'"), 1);
}

static void a_bad_row_fails_the_flush_as_the_datas_fault(void **state)
{
    fixture *f = *state;
    err e = {0};
    tu_sql(f->conninfo, "ALTER TABLE outbound_messages ADD CONSTRAINT test_no_bad"
                        " CHECK (recipient <> '999')");
    assert_int_equal(db_begin(f->d, &e), 0);
    outbox_defer(f->d);
    assert_int_equal(outbox_text(f->d, "b1", "912", "fine", "test", NULL, &e), 0);
    assert_int_equal(outbox_text(f->d, "b2", "999", "refused", "test", NULL, &e), 0);
    /* queued: the COMMIT's round trip carries it, and fails with it */
    assert_int_equal(outbox_flush(f->d, &e), 0);
    assert_int_equal(db_commit(f->d, &e), -1);
    assert_non_null(strstr(e.msg, "outbox_insert_many"));
    assert_non_null(strstr(e.msg, "test_no_bad"));
    assert_int_equal(db_error_transient(f->d), 0);
    outbox_undefer(f->d);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key LIKE 'b%'"), 0);
    /* what a rolled-back transaction deferred and never flushed is gone with it */
    assert_int_equal(db_begin(f->d, &e), 0);
    outbox_defer(f->d);
    assert_int_equal(outbox_text(f->d, "b3", "912", "dropped", "test", NULL, &e), 0);
    db_rollback(f->d);
    assert_int_equal(outbox_flush(f->d, &e), 0);
    outbox_undefer(f->d);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'b3'"), 0);
}

static void digest_again_goes_behind_the_deferred_rows(void **state)
{
    fixture *f = *state;
    err e = {0};
    tu_sql(f->conninfo,
           "INSERT INTO districts (code, name, languages, digest_phones) VALUES"
           " ('TST', '{\"en\": \"Test\"}', '{en}', '{915}');"
           "INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload)"
           " VALUES ('digest:1', '915', 'text', 'digest', '{\"x\": 1}')");
    assert_int_equal(db_begin(f->d, &e), 0);
    outbox_defer(f->d);
    assert_int_equal(outbox_text(f->d, "g1", "915", "before", "test", NULL, &e), 0);
    assert_int_equal(outbox_digest_again(f->d, "g2", "915", "digest:1", &e), 1);
    /* the same key again in the transaction: queued before */
    assert_int_equal(outbox_digest_again(f->d, "g2", "915", "digest:1", &e), 0);
    assert_int_equal(outbox_text(f->d, "g3", "915", "after", "test", NULL, &e), 0);
    if (outbox_flush(f->d, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(db_commit(f->d, &e), 0);
    outbox_undefer(f->d);
    assert_int_equal(
        count(f, "SELECT count(*) FROM (SELECT idempotency_key, row_number() OVER"
                 " (ORDER BY id) r FROM outbound_messages WHERE idempotency_key LIKE 'g%')"
                 " x WHERE idempotency_key <> 'g' || r"),
        0);
}

/* db_rollback drops what the transaction deferred (a review found such rows written by a later
 * flush on the handle, in another transaction, when a caller forgot outbox_undefer); deferring
 * stays on: the next transaction's rows are kept and written by its flush. */
static void deferred_rows_go_with_a_rollback(void **state)
{
    fixture *f = *state;
    err e = {0};
    assert_int_equal(db_begin(f->d, &e), 0);
    outbox_defer(f->d);
    assert_int_equal(outbox_text(f->d, "r1", "912", "from a rolled-back step", "test", NULL, &e),
                     0);
    db_rollback(f->d);
    /* a later, unrelated transaction on the same handle */
    assert_int_equal(db_begin(f->d, &e), 0);
    assert_int_equal(outbox_text(f->d, "r2", "912", "from the next step", "test", NULL, &e), 0);
    assert_int_equal(outbox_flush(f->d, &e), 0);
    assert_int_equal(db_commit(f->d, &e), 0);
    outbox_undefer(f->d);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'r1'"), 0);
    assert_int_equal(
        count(f, "SELECT count(*) FROM outbound_messages WHERE idempotency_key = 'r2'"), 1);
}

/* The columns the sender's claim, retry and release and WhatsApp's statuses (delivered, read)
 * write — in no index, a partial index's predicate included (migration 0036): else PostgreSQL
 * adds an entry to every index of the table for each of those updates instead of updating the
 * row in place (HOT). Only the writes that store the wamid or fail a message may touch one. */
static void state_changes_touch_no_indexed_column(void **state)
{
    fixture *f = *state;
    /* the written columns some index's definition names (a column list, an expression, a
     * predicate); recipient, which indexes do read, proves the test can see one */
    static const char sql[] =
        "SELECT COALESCE(string_agg(c, ',' ORDER BY c), '') FROM unnest($a${%s}$a$::text[]) c"
        " WHERE EXISTS (SELECT 1 FROM pg_index WHERE indrelid = 'outbound_messages'::regclass"
        "  AND pg_get_indexdef(indexrelid) ~ ('\\m' || c || '\\M'))";
    char q[1024], *hit;
    snprintf(q, sizeof q, sql,
             "state,claimed_by,claimed_until,attempts,updated_at,next_attempt_at,error_code,error,"
             "template");
    hit = tu_scalar(f->conninfo, q);
    assert_string_equal(hit, "");
    free(hit);
    snprintf(q, sizeof q, sql, "recipient,state");
    hit = tu_scalar(f->conninfo, q);
    assert_string_equal(hit, "recipient");
    free(hit);
}

/* And so, on a page with room: a claim, a release, a claim, delivered and read in place; the
 * write that stores the wamid is not (it leaves the unsent indexes and enters the wamid's). The
 * transaction's own counts (pg_stat_xact_user_tables) need no wait for the statistics. */
static void a_claim_and_statuses_are_hot_updates(void **state)
{
    fixture *f = *state;
    err e = {0};
    char *counts;
    assert_int_equal(outbox_text(f->d, "k-hot", "914", "hello", "test", NULL, &e), 0);
    counts = tu_scalar(
        f->conninfo,
        "UPDATE outbound_messages SET state = 'sending', claimed_by = 'me', attempts = 1,"
        "  claimed_until = now() + interval '1 minute', updated_at = now();"
        "UPDATE outbound_messages SET state = 'queued', claimed_until = NULL, attempts = 0;"
        "UPDATE outbound_messages SET state = 'sending', claimed_by = 'me', attempts = 1,"
        "  claimed_until = now() + interval '1 minute', updated_at = now();"
        "UPDATE outbound_messages SET state = 'sent', wamid = 'wamid.HOT', sent_at = now(),"
        "  claimed_until = NULL;"
        "UPDATE outbound_messages SET state = 'delivered', updated_at = now();"
        "UPDATE outbound_messages SET state = 'read', updated_at = now();"
        "SELECT n_tup_upd || ' ' || n_tup_hot_upd FROM pg_stat_xact_user_tables"
        " WHERE relname = 'outbound_messages'");
    assert_string_equal(counts, "6 5");
    free(counts);
}

/* Links the project's migrations below version `below` (all: 0) into dir; -1 unlinks them. */
static void link_migrations(const char *dir, int below)
{
    DIR *dh = opendir(SAMPARK_SOURCE_DIR "/migrations");
    struct dirent *ent;
    assert_non_null(dh);
    while ((ent = readdir(dh))) {
        char from[1024], to[1024];
        if (!strstr(ent->d_name, ".sql") || (below > 0 && atoi(ent->d_name) >= below))
            continue;
        snprintf(from, sizeof from, "%s/migrations/%s", SAMPARK_SOURCE_DIR, ent->d_name);
        snprintf(to, sizeof to, "%s/%s", dir, ent->d_name);
        if (below < 0)
            unlink(to);
        else if (access(to, F_OK) != 0)
            assert_int_equal(symlink(from, to), 0);
    }
    closedir(dh);
}

/* An outbox written before 0036 (every state; a sent row without sent_at, as hand-made rows
 * had; a failure reported after the send): after it, exactly the queued and claimed rows are
 * unsent (no sent_at, no failed_at), the failed ones dated, and a wamid still unique. */
static void upgrade_dates_the_settled_rows(void **state)
{
    char *conninfo = tu_create_db("outbox36"), *dir = tu_tempdir(), *v;
    err e = {0};
    int applied = 0;
    db *d = db_open(conninfo, &e);
    (void)state;
    assert_non_null(d);
    link_migrations(dir, 36);
    assert_int_equal(migrate_run(d, dir, NULL, &applied, &e), 0);
    tu_sql(
        conninfo,
        "INSERT INTO outbound_messages (recipient, kind, purpose, payload, state, sent_at, wamid,"
        " claimed_until, updated_at) VALUES"
        " ('911', 'text', 'conversation', '{}', 'queued', NULL, NULL, NULL, now()),"
        " ('911', 'template', 'broadcast', '{}', 'queued', NULL, NULL, NULL, now()),"
        " ('912', 'text', 'conversation', '{}', 'sending', NULL, NULL, now(), now()),"
        " ('913', 'text', 'conversation', '{}', 'sent', NULL, 'w.1', NULL, '2026-01-02'),"
        " ('914', 'text', 'conversation', '{}', 'failed', NULL, NULL, NULL, '2026-01-03'),"
        " ('915', 'text', NULL, '{}', 'failed', now(), 'w.2', NULL, '2026-01-04'),"
        " ('916', 'text', 'conversation', '{}', 'read', now(), 'w.3', NULL, now())");
    link_migrations(dir, 0);
    assert_int_equal(migrate_run(d, dir, NULL, &applied, &e), 0);
    assert_true(applied >= 1);
    v = tu_scalar(conninfo, "SELECT string_agg(recipient || ':' || state, ',' ORDER BY id)"
                            " FROM outbound_messages WHERE " OUTBOX_SQL_UNSENT(""));
    assert_string_equal(v, "911:queued,911:queued,912:sending");
    free(v);
    v = tu_scalar(conninfo, "SELECT string_agg(recipient, ',' ORDER BY id) FROM outbound_messages"
                            " WHERE sent_at IS NULL AND failed_at IS NULL");
    assert_string_equal(v, "911,911,912");
    free(v);
    v = tu_scalar(
        conninfo,
        "SELECT string_agg(recipient || ':' || to_char(failed_at, 'MM-DD'), ',' ORDER BY id)"
        " FROM outbound_messages WHERE failed_at IS NOT NULL");
    assert_string_equal(v, "914:01-03,915:01-04");
    free(v);
    v = tu_scalar(conninfo, "SELECT to_char(sent_at, 'MM-DD') FROM outbound_messages"
                            " WHERE recipient = '913'");
    assert_string_equal(v, "01-02");
    free(v);
    v = tu_scalar(conninfo, "SELECT count(*) FROM pg_indexes WHERE tablename = 'outbound_messages'"
                            " AND indexdef LIKE 'CREATE UNIQUE INDEX % (wamid) WHERE %'");
    assert_string_equal(v, "1");
    free(v);
    db_close(d);
    tu_drop_db(conninfo);
    link_migrations(dir, -1); /* removes the links */
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(at_once_without_defer, setup, teardown),
        cmocka_unit_test_setup_teardown(deferred_rows_in_one_statement_in_order, setup, teardown),
        cmocka_unit_test_setup_teardown(a_bad_row_fails_the_flush_as_the_datas_fault, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(digest_again_goes_behind_the_deferred_rows, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(state_changes_touch_no_indexed_column, setup, teardown),
        cmocka_unit_test_setup_teardown(a_claim_and_statuses_are_hot_updates, setup, teardown),
        cmocka_unit_test(upgrade_dates_the_settled_rows),
        cmocka_unit_test_setup_teardown(deferred_rows_go_with_a_rollback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
