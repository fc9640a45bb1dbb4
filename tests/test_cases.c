/* test_cases.c — a complaint filed and its officers told, on a real PostgreSQL (issue 22): what
 * case_create fills is what case_get reads, so desk_case_created reads nothing again — one round
 * trip (the officers' phones) for a complaint without files, the files looked for only when the
 * draft had some and sent to the phones asked for once — and a repeat of the same message files nothing twice and tells no officer
 * twice. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "catalogue.h"
#include "db.h"
#include "desk.h"
#include "directory.h"
#include "outbox.h"

#define CITIZEN "919811100101"

struct fixture {
    char *conninfo;
    db *d;
    catalogue *cat;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    err e = {0};
    char *json = tu_read_source("flows/district.json", NULL);
    directory *dir;
    directory_stats st;
    f->conninfo = tu_create_db("cases");
    tu_migrate(f->conninfo);
    f->d = db_open(f->conninfo, &e);
    dir = directory_parse(json, strlen(json), "district.json", &e);
    if (!f->d || !dir || directory_store(f->d, dir, &st, &e) < 0)
        fail_msg("%s", e.msg);
    directory_free(dir);
    free(json);
    if (!(f->cat = catalogue_load(SAMPARK_SOURCE_DIR "/flows", &e)))
        fail_msg("%s", e.msg);
    tu_sql(f->conninfo, "INSERT INTO citizens (phone) VALUES ('" CITIZEN "')");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    catalogue_free(f->cat);
    db_close(f->d);
    tu_drop_db(f->conninfo);
    free(f);
    return 0;
}

/* A draft for PHE; with a photo when media_id is given. */
static void draft(engine_session *s, const char *media_id)
{
    engine_session_init(s);
    assert_int_equal(engine_session_set(s, "department", "PHE"), 0);
    assert_int_equal(engine_session_set(s, "description", "हैंडपंप खराब है, पानी नहीं आ रहा"), 0);
    assert_int_equal(engine_session_set(s, "village", "सिमगा वार्ड 4"), 0);
    if (media_id) {
        assert_int_equal(engine_session_set(s, "attachment", media_id), 0);
        assert_int_equal(engine_session_set(s, "attachment_type", "image"), 0);
    }
}

/* Files the draft from message wamid and tells the officers, in one transaction as a
 * conversation does (outbox rows deferred); the round trips desk_case_created made into *trips
 * (a statement's first use on the connection adds one: its PREPARE). */
static void file(struct fixture *f, const char *media_id, const char *wamid, case_info *ci,
                 long *trips)
{
    engine_session s;
    err e = {0};
    desk_out o = {.pg = f->d, .key = wamid, .cat = f->cat};
    long before;
    draft(&s, media_id);
    assert_int_equal(db_begin(f->d, &e), 0);
    outbox_defer(f->d);
    if (case_create(f->d, CITIZEN, "", "hi", &s, wamid, 1, ci, &e) < 0)
        fail_msg("%s", e.msg);
    before = db_round_trips(f->d);
    if (desk_case_created(&o, ci, &e) < 0)
        fail_msg("%s", e.msg);
    *trips = db_round_trips(f->d) - before;
    if (outbox_flush(f->d, &e) < 0 || db_commit(f->d, &e) < 0)
        fail_msg("%s", e.msg);
    outbox_undefer(f->d);
    engine_session_clear(&s);
}

static long count(struct fixture *f, const char *sql)
{
    char *v = tu_scalar(f->conninfo, sql);
    long n = atol(v);
    free(v);
    return n;
}

/* The desk's view case_create filled is case_get's, field by field. */
static void same_as_read(struct fixture *f, const case_info *ci)
{
    case_info got;
    err e = {0};
    assert_int_equal(case_get(f->d, ci->tracking_no, &got, &e), 1);
    assert_string_equal(ci->id, got.id);
    assert_string_equal(ci->status, got.status);
    assert_string_equal(ci->department, got.department);
    assert_string_equal(ci->citizen, got.citizen);
    assert_string_equal(ci->lang, got.lang);
    assert_string_equal(ci->description, got.description);
    assert_string_equal(ci->place, got.place);
    assert_string_equal(ci->dept_name_hi, got.dept_name_hi);
    assert_string_equal(ci->dept_name_en, got.dept_name_en);
    assert_int_equal(ci->urgent, got.urgent);
    assert_int_equal(ci->reopen_count, got.reopen_count);
    assert_int_equal(ci->transfers, got.transfers);
    assert_int_equal(ci->followers, got.followers);
    assert_string_equal(ci->reject_by, got.reject_by);
}

static void filed_without_files(void **state)
{
    struct fixture *f = *state;
    case_info ci;
    long trips, officers = count(f, "SELECT count(DISTINCT phone) FROM officers WHERE department_code = 'PHE'");
    char sql[300];
    file(f, NULL, "wamid.casecut0", &ci, &trips); /* statements prepared on the connection */
    file(f, NULL, "wamid.casecut1", &ci, &trips);
    assert_int_equal(ci.attached, 0);
    assert_string_equal(ci.citizen, CITIZEN);
    assert_string_equal(ci.place, "सिमगा वार्ड 4");
    assert_string_not_equal(ci.dept_name_hi, "");
    same_as_read(f, &ci);
    /* The officers' phones only: no case_get, no look for files. */
    assert_int_equal(trips, 1);
    assert_true(officers >= 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM outbound_messages WHERE case_id = %s AND purpose = "
             "'officer_new_case' AND kind = 'text' AND payload::text LIKE '%%%s%%'",
             ci.id, ci.tracking_no);
    assert_int_equal(count(f, sql), officers);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM outbound_messages WHERE case_id = %s AND kind = 'image'", ci.id);
    assert_int_equal(count(f, sql), 0);
}

static void filed_with_a_photo_and_again(void **state)
{
    struct fixture *f = *state;
    case_info ci, again;
    long trips, officers = count(f, "SELECT count(DISTINCT phone) FROM officers WHERE department_code = 'PHE'");
    char sql[300];
    file(f, "778899001132", "wamid.casecut3", &ci, &trips); /* statements prepared */
    file(f, "778899001133", "wamid.casecut2", &ci, &trips);
    assert_int_equal(ci.attached, 1);
    same_as_read(f, &ci);
    assert_int_equal(trips, 2); /* the officers' phones (asked once), the case's files */
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM outbound_messages WHERE case_id = %s AND kind = 'image'"
             " AND payload->'image'->>'id' = '778899001133'",
             ci.id);
    assert_int_equal(count(f, sql), officers);

    /* The same message again (a transaction that committed before its entry was acknowledged,
     * say): the same case, read again, its files not counted — and nobody told twice. */
    file(f, "778899001133", "wamid.casecut2", &again, &trips);
    assert_string_equal(again.id, ci.id);
    assert_string_equal(again.tracking_no, ci.tracking_no);
    assert_int_equal(again.attached, -1);
    same_as_read(f, &again);
    assert_int_equal(count(f, "SELECT count(*) FROM cases WHERE source_message_id = 'wamid.casecut2'"), 1);
    assert_int_equal(count(f, sql), officers);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM attachments WHERE case_id = %s", ci.id);
    assert_int_equal(count(f, sql), 1);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM outbound_messages WHERE case_id = %s AND purpose = "
             "'officer_new_case' AND kind = 'text'",
             ci.id);
    assert_int_equal(count(f, sql), officers);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(filed_without_files),
        cmocka_unit_test(filed_with_a_photo_and_again),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
