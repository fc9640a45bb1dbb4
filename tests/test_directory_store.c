/* test_directory_store.c — `sampark directory load` on a real PostgreSQL: the sample loads,
 * loading twice changes nothing (not even a timestamp), edits are applied, a department with
 * open cases cannot be removed, a second district is refused, and a refused load leaves
 * every stored row as it was. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "directory.h"

/* A fingerprint of every directory row, timestamps included. */
static const char snapshot_sql[] =
    "SELECT md5(coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM districts t), '')"
    " || coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM departments t), '')"
    " || coalesce((SELECT string_agg(t::text, '|' ORDER BY t::text) FROM officers t), ''))";

struct fixture {
    char *conninfo;
    db *d;
    char *sample;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    err e = {0};
    f->conninfo = tu_create_db("dir");
    tu_migrate(f->conninfo);
    f->d = db_open(f->conninfo, &e);
    f->sample = tu_read_source("flows/district.json", NULL);
    *state = f;
    return f->d ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    db_close(f->d);
    tu_drop_db(f->conninfo);
    free(f->sample);
    free(f);
    return 0;
}

static int load(struct fixture *f, const char *json, directory_stats *st, err *e)
{
    directory *dir = directory_parse(json, strlen(json), "district.json", e);
    int rc;
    if (!dir)
        return -1;
    rc = directory_store(f->d, dir, st, e);
    directory_free(dir);
    return rc;
}

static void sample_loads_and_reload_changes_nothing(void **state)
{
    struct fixture *f = *state;
    directory_stats st;
    err e = {0};
    char *before, *after, *v;
    if (load(f, f->sample, &st, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(st.district_added, 1);
    assert_true(st.departments_added >= 13);
    assert_int_equal(st.officers_added, st.departments_added);
    v = tu_scalar(f->conninfo, "SELECT name->>'hi' FROM departments WHERE code = 'PHE'");
    assert_string_equal(v, "पेयजल (पीएचई)");
    free(v);
    /* analysed for the planner: districts is known to hold one row (docs/THROUGHPUT.md) */
    v = tu_scalar(f->conninfo, "SELECT reltuples FROM pg_class WHERE relname = 'districts'");
    assert_string_equal(v, "1");
    free(v);
    v = tu_scalar(
        f->conninfo,
        "SELECT digest_weekly_day || ' ' || digest_daily_at || ' ' || timezone FROM districts");
    assert_string_equal(v, "tuesday 18:00:00 Asia/Kolkata");
    free(v);
    v = tu_scalar(f->conninfo, "SELECT string_agg(k->>'word' || '=' || (k->>'weight'), ',')"
                               " FROM departments, jsonb_array_elements(keywords) k"
                               " WHERE code = 'ULB' AND k->>'word' LIKE 'street%'");
    assert_string_equal(v, "street light=3");
    free(v);
    v = tu_scalar(f->conninfo, "SELECT keywords->0 FROM departments WHERE code = 'PHE'");
    assert_string_equal(v, "{\"word\": \"हैंडपंप\", \"weight\": 1}");
    free(v);
    before = tu_scalar(f->conninfo, snapshot_sql);
    if (load(f, f->sample, &st, &e) < 0)
        fail_msg("%s", e.msg);
    after = tu_scalar(f->conninfo, snapshot_sql);
    assert_string_equal(before, after);
    assert_int_equal(st.district_added + st.district_changed + st.departments_added +
                         st.departments_changed + st.departments_retired + st.officers_added +
                         st.officers_changed + st.officers_removed,
                     0);
    free(before);
    free(after);
}

static void edits_are_applied(void **state)
{
    struct fixture *f = *state;
    directory_stats st;
    err e = {0};
    char *edited, *edited2, *v;
    assert_int_equal(load(f, f->sample, &st, &e), 0);
    edited = tu_replace(f->sample, "\"Executive Engineer, PHE\"", "\"EE PHE (Balodabazar)\"");
    edited2 = tu_replace(edited, "\"phone\": \"919800000002\"", "\"phone\": \"919811111111\"");
    if (load(f, edited2, &st, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(st.officers_changed, 1);
    assert_int_equal(st.officers_added, 1);
    assert_int_equal(st.officers_removed, 1);
    v = tu_scalar(f->conninfo, "SELECT name FROM officers WHERE phone = '919800000001'");
    assert_string_equal(v, "EE PHE (Balodabazar)");
    free(v);
    v = tu_scalar(f->conninfo, "SELECT count(*) FROM officers WHERE phone = '919800000002'");
    assert_string_equal(v, "0");
    free(v);
    free(edited);
    free(edited2);
}

/* A citizen and one case of department dept in the given status, straight into the tables. */
/* An official name longer than a menu row loads; a "short" name is stored beside the name, a
 * change to it is a change, and reloading changes nothing. */
static void official_and_short_names(void **state)
{
    struct fixture *f = *state;
    directory_stats st;
    err e = {0};
    char *longer = tu_replace(f->sample, "\"Ration card (Food)\"",
                              "\"Food & Civil Supplies (Ration card / PDS)\""),
         *shorter = tu_replace(longer, "\"code\": \"FOOD\",",
                               "\"code\": \"FOOD\", \"short\": {\"en\": \"Ration card (PDS)\", "
                               "\"hi\": \"राशन कार्ड\"},"),
         *v;
    if (load(f, longer, &st, &e) < 0)
        fail_msg("%s", e.msg);
    v = tu_scalar(f->conninfo, "SELECT name->>'en' || '|' || coalesce(short_name::text, 'null')"
                               " FROM departments WHERE code = 'FOOD'");
    assert_string_equal(v, "Food & Civil Supplies (Ration card / PDS)|null");
    free(v);
    if (load(f, shorter, &st, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(st.departments_changed, 1);
    v = tu_scalar(f->conninfo, "SELECT short_name->>'en' FROM departments WHERE code = 'FOOD'");
    assert_string_equal(v, "Ration card (PDS)");
    free(v);
    assert_int_equal(load(f, shorter, &st, &e), 0);
    assert_int_equal(st.departments_changed, 0);
    free(longer);
    free(shorter);
}

static void add_case(struct fixture *f, const char *dept, const char *status)
{
    char sql[600];
    snprintf(
        sql, sizeof sql,
        "INSERT INTO citizens (phone, name) VALUES ('919000000001', 'R') ON CONFLICT DO NOTHING;"
        "INSERT INTO cases (tracking_no, status, department_code, citizen_phone, description, "
        "sla_due_at)"
        " VALUES ('BLB-2026-' || lpad((SELECT count(*) + 1 FROM cases)::text, 6, '0'), '%s', '%s',"
        " '919000000001', 'hand pump broken', now() + interval '48 hours')",
        status, dept);
    tu_sql(f->conninfo, sql);
}

static char *without_department(const char *json, const char *code)
{
    /* The sample lists one department per block starting with {"code": ...; cut that block. */
    char key[64];
    const char *start, *end;
    char *out;
    snprintf(key, sizeof key, "\"code\": \"%s\"", code);
    start = strstr(json, key);
    if (!start)
        fail_msg("no department %s", code);
    while (start > json && *start != '{')
        start--;
    end = strstr(start, "\n    }");
    if (!end)
        fail_msg("unexpected sample layout");
    end += strlen("\n    }");
    if (*end == ',')
        end++;
    else /* the last department: drop the comma before it instead */
        while (start > json && *start != ',')
            start--;
    out = malloc(strlen(json) + 1);
    memcpy(out, json, (size_t)(start - json));
    strcpy(out + (start - json), end);
    return out;
}

static void department_with_open_cases_cannot_be_removed(void **state)
{
    struct fixture *f = *state;
    directory_stats st;
    err e = {0};
    char *no_agri = without_department(f->sample, "AGRI"),
         *no_food = without_department(f->sample, "FOOD");
    char *before, *after, *v;
    assert_int_equal(load(f, f->sample, &st, &e), 0);
    add_case(f, "FOOD", "resolved"); /* awaiting the citizen's answer: still open */
    before = tu_scalar(f->conninfo, snapshot_sql);
    assert_int_equal(load(f, no_food, &st, &e), -1);
    assert_int_equal(e.kind, ERR_USER);
    assert_non_null(strstr(e.msg, "department FOOD has 1 case(s) not yet closed"));
    after = tu_scalar(f->conninfo, snapshot_sql);
    assert_string_equal(before, after); /* nothing half-applied */
    free(after);
    /* A department with no cases is retired (kept for history, out of the menu). */
    if (load(f, no_agri, &st, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(st.departments_retired, 1);
    v = tu_scalar(f->conninfo, "SELECT active::text || (SELECT count(*) FROM officers WHERE "
                               "department_code = 'AGRI') FROM departments WHERE code = 'AGRI'");
    assert_string_equal(v, "false0");
    free(v);
    /* Once its case is closed, FOOD may go; putting AGRI back reactivates it. */
    tu_sql(f->conninfo, "UPDATE cases SET status = 'closed' WHERE department_code = 'FOOD'");
    if (load(f, no_food, &st, &e) < 0)
        fail_msg("%s", e.msg);
    assert_int_equal(st.departments_retired, 1);
    v = tu_scalar(f->conninfo, "SELECT string_agg(code || '=' || active::text, ',' ORDER BY code) "
                               "FROM departments WHERE code IN ('AGRI', 'FOOD')");
    assert_string_equal(v, "AGRI=true,FOOD=false"); /* AGRI is back, FOOD retired */
    free(v);
    free(before);
    free(no_agri);
    free(no_food);
}

static void second_district_is_refused(void **state)
{
    struct fixture *f = *state;
    directory_stats st;
    err e = {0};
    char *raipur = tu_replace(f->sample, "\"code\": \"BLB\"", "\"code\": \"RPR\""), *before, *after;
    assert_int_equal(load(f, f->sample, &st, &e), 0);
    before = tu_scalar(f->conninfo, snapshot_sql);
    assert_int_equal(load(f, raipur, &st, &e), -1);
    assert_non_null(strstr(e.msg, "already serves district BLB"));
    after = tu_scalar(f->conninfo, snapshot_sql);
    assert_string_equal(before, after);
    free(before);
    free(after);
    free(raipur);
}

/* The helpdesk block is stored with the district and read back as the district's time zone
 * sees a moment; a directory without one clears it. */
static void helpdesk_is_stored(void **state)
{
    struct fixture *f = *state;
    directory_stats st;
    err e = {0};
    char *text, *bare;
    assert_int_equal(load(f, f->sample, &st, &e), 0);
    /* Monday 7 December 2026, 11:00 in Asia/Kolkata. */
    text = directory_roster_show(f->d, 1796621400000LL, &e);
    if (!text)
        fail_msg("%s", e.msg);
    assert_string_equal(text, "at 2026-12-07 11:00 Asia/Kolkata (mon)\n"
                              "helpdesk open\n"
                              "PHE: on duty 919800000001\n"
                              "REVENUE: nobody on duty; next slot tue 14:00\n"
                              "fallback 919800000090\n");
    free(text);
    /* Sunday 23:59 there: closed until Monday 10:00. */
    text = directory_roster_show(f->d, 1796621400000LL - 11 * 3600000LL - 60000, &e);
    assert_non_null(strstr(text, "at 2026-12-06 23:59 Asia/Kolkata (sun)\nhelpdesk closed; "
                                 "opens mon 10:00\n"));
    free(text);
    assert_int_equal(load(f, f->sample, &st, &e), 0);
    assert_int_equal(st.district_changed, 0);
    {
        const char *from = strstr(f->sample, "  \"helpdesk\": {");
        const char *to = strstr(f->sample, "  \"templates\": {");
        size_t n = strlen(f->sample) - (size_t)(to - from) + 1;
        bare = malloc(n);
        memcpy(bare, f->sample, (size_t)(from - f->sample));
        strcpy(bare + (from - f->sample), to);
    }
    assert_int_equal(load(f, bare, &st, &e), 0);
    assert_int_equal(st.district_changed, 1);
    assert_null(directory_roster_show(f->d, 1796621400000LL, &e));
    assert_int_equal(e.kind, ERR_USER);
    assert_non_null(strstr(e.msg, "no helpdesk roster is loaded"));
    free(bare);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(sample_loads_and_reload_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(edits_are_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(official_and_short_names, setup, teardown),
        cmocka_unit_test_setup_teardown(department_with_open_cases_cannot_be_removed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(second_district_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(helpdesk_is_stored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
