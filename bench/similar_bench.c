/* similar_bench.c — the duplicate-complaint matching query (similar_find, issue 19) timed from C
 * through libpq, next to a primary-key SELECT of one case on the same connection.
 *   sampark_bench_similar villages N        N villages as TSV (Hindi name, romanised name, the
 *                                           place key of the Hindi name, a point in the district)
 *   sampark_bench_similar run CONNINFO Q    Q queries (fresh random inputs every run), how
 *                                           many plans PostgreSQL made for them, then EXPLAIN
 *                                           (ANALYZE, BUFFERS) of a key and a point query
 * Never writes to the database; the data comes from bench/similar_gen.sql. */
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "place.h"
#include "similar.h"

/* The same parts as bench/portal_gen.sql's villages, each Hindi part beside its romanised twin. */
static const char *const vhi[] = {"राम",   "सीता", "शिव",   "गोपाल", "कृष्ण",   "लक्ष्मी", "देव",
                                  "चंद",    "हरि",  "बल",    "सोन",   "कुसुम",   "भैंसा",   "तिल",
                                  "खम्हार", "धमनी", "पलारी", "सुहेला",  "कसडोल", "लवन"};
static const char *const ven[] = {
    "Ram", "Sita",  "Shiv",    "Gopal", "Krishna", "Laxmi",  "Dev",    "Chand",  "Hari",   "Bal",
    "Son", "Kusum", "Bhainsa", "Til",   "Khamhar", "Dhamni", "Palari", "Suhela", "Kasdol", "Lawan"};
static const char *const shi[] = {"पुर",  "गढ़",   "नगर",  "खेड़ा",  "डीह", "पाली",
                                  "गांव", "टोला", "भाठा", "पारा", "कला", "खुर्द"};
static const char *const sen[] = {"pur",  "garh", "nagar",  "kheda", "dih",  "pali",
                                  "gaon", "tola", "bhatha", "para",  "kala", "khurd"};
#define NV    (sizeof vhi / sizeof vhi[0])
#define NS    (sizeof shi / sizeof shi[0])
#define WARDS 40

static uint64_t rng_state;
static uint64_t rnd(void) /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}
static double unit(void)
{
    return (double)(rnd() >> 11) / 9007199254740992.0;
}

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "sampark_bench_similar: %s: %s\n", what, msg);
    return 1;
}

/* Villages: every (name, suffix, ward) in a fixed shuffled order, keeping the first n whose
 * keys are new, so the same n always gives the same villages (the data is generated once). */
static int villages(long n)
{
    size_t total = NV * NS * WARDS, kept = 0;
    size_t *order = malloc(total * sizeof *order);
    char(*keys)[PLACE_KEY_MAX] = calloc((size_t)n, sizeof *keys);
    if (!order || !keys)
        return die("villages", "out of memory");
    rng_state = 19;
    for (size_t i = 0; i < total; i++)
        order[i] = i;
    for (size_t i = total - 1; i > 0; i--) {
        size_t j = (size_t)(rnd() % (i + 1)), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < total && kept < (size_t)n; i++) {
        size_t v = order[i] % NV, s = order[i] / NV % NS, w = order[i] / NV / NS + 1, k;
        char hi[128], en[128];
        snprintf(hi, sizeof hi, "%s%s वार्ड %zu", vhi[v], shi[s], w);
        snprintf(en, sizeof en, "%s%s ward %zu", ven[v], sen[s], w);
        place_key(hi, keys[kept], sizeof keys[kept]);
        for (k = 0; k < kept && strcmp(keys[k], keys[kept]) != 0; k++)
            ;
        if (k < kept || !keys[kept][0])
            continue;
        /* A district-sized box: 21.5-21.9 N, 81.9-82.4 E (about 44 x 52 km). */
        printf("%zu\t%s\t%s\t%s\t%.6f\t%.6f\n", kept, hi, en, keys[kept], 21.5 + 0.4 * unit(),
               81.9 + 0.5 * unit());
        kept++;
    }
    free(order);
    free(keys);
    return kept == (size_t)n ? 0 : die("villages", "fewer distinct keys than asked for");
}

typedef struct village {
    char hi[128], en[128];
    double lat, lon;
} village;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
static double pct(const double *sorted, size_t n, double p)
{
    size_t i = (size_t)(p * (double)n);
    return sorted[i < n ? i : n - 1];
}

static const db_stmt st_villages = {
    "bench_villages", "SELECT name_hi, name_en, lat, lon FROM bench_villages ORDER BY k", 0};
static const db_stmt st_depts = {"bench_depts",
                                 "SELECT code FROM departments WHERE active ORDER BY code", 0};
static const db_stmt st_shape = {"bench_shape",
                                 "SELECT max(id), (SELECT count(*) FROM citizens) FROM cases", 0};
/* The reference: one case by its primary key, through the same connection and db_query. */
static const db_stmt st_ref = {
    "bench_ref", "SELECT tracking_no, status, location_text FROM cases WHERE id = $1", 1};

/* The query's text as this connection prepared it, EXPLAINed on a second connection, and how
 * often this connection planned it: custom plans on every call cost more than the query runs
 * (issue 22), so the generic plan's count should be nearly every call. */
static const db_stmt st_text = {
    "bench_similar_text",
    "SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements"
    " WHERE name LIKE 'similar\\_find%'",
    0};

static void explain(PGconn *c, const char *title, const char *stmt, const char *const p[6])
{
    PGresult *r = PQexecParams(
        c,
        "SELECT format('EXPLAIN (ANALYZE, BUFFERS) EXECUTE %I(%L, %L, "
        "%L, %L, %L, %L)', $1::text, $2::text, $3::text, $4::text, $5::text, "
        "$6::text, $7::text)",
        7, NULL, (const char *[]){stmt, p[0], p[1], p[2], p[3], p[4], p[5]}, NULL, NULL, 0);
    char sql[1024];
    snprintf(sql, sizeof sql, "%s",
             PQresultStatus(r) == PGRES_TUPLES_OK ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    r = NULL;
    printf("\n%s: %s(%s, %s, %s, %s, %s, %s)\n", title, stmt, p[0], p[1][0] ? p[1] : "''",
           p[2][0] ? p[2] : "''", p[3][0] ? p[3] : "''", p[4], p[5]);
    for (int i = 0; i < 6; i++) { /* the 6th execution: the plan cache's choice, as in the run */
        PQclear(r);
        r = PQexec(c, sql);
    }
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        printf("  EXPLAIN failed: %s", PQerrorMessage(c));
    for (int i = 0; i < PQntuples(r); i++)
        printf("  %s\n", PQgetvalue(r, i, 0));
    PQclear(r);
}

static int run(const char *conninfo, long nq)
{
    err e = {0};
    db *d = db_open(conninfo, &e);
    PGresult *r;
    village *vs = NULL;
    char(*depts)[32] = NULL;
    size_t nv, nd;
    long maxid, ncitizens;
    double *lat_sim, *lat_ref;
    size_t *pairs;
    long rows = 0, got_any = 0;
    char explain_key[6][128], explain_point[6][128];
    int rc = 1;
    if (!d)
        return die("connect", e.msg);
    if (!(r = db_query(d, &st_villages, NULL, &e)))
        return die("villages", e.msg);
    nv = (size_t)PQntuples(r);
    vs = calloc(nv ? nv : 1, sizeof *vs);
    for (size_t i = 0; i < nv; i++) {
        db_copy(vs[i].hi, sizeof vs[i].hi, r, (int)i, 0);
        db_copy(vs[i].en, sizeof vs[i].en, r, (int)i, 1);
        vs[i].lat = atof(PQgetvalue(r, (int)i, 2));
        vs[i].lon = atof(PQgetvalue(r, (int)i, 3));
    }
    PQclear(r);
    if (!(r = db_query(d, &st_depts, NULL, &e)))
        return die("departments", e.msg);
    nd = (size_t)PQntuples(r);
    depts = calloc(nd ? nd : 1, sizeof *depts);
    for (size_t i = 0; i < nd; i++)
        db_copy(depts[i], sizeof depts[i], r, (int)i, 0);
    PQclear(r);
    if (!(r = db_query(d, &st_shape, NULL, &e)))
        return die("cases", e.msg);
    maxid = atol(PQgetvalue(r, 0, 0));
    ncitizens = atol(PQgetvalue(r, 0, 1));
    PQclear(r);
    if (!nv || !nd || maxid < 1 || ncitizens < 1)
        return die("data", "no villages, departments, cases or citizens: run bench/similar");

    /* Fresh inputs every run, and distinct within it: (department, village) pairs drawn without
     * replacement (14 x 5,000 = 70,000 of them), each with its own point and citizen. */
    rng_state = (uint64_t)clock_now_ms() ^ ((uint64_t)getpid() << 32);
    pairs = malloc(nd * nv * sizeof *pairs);
    lat_sim = malloc((size_t)nq * sizeof *lat_sim);
    lat_ref = malloc((size_t)nq * sizeof *lat_ref);
    if (!pairs || !lat_sim || !lat_ref)
        return die("run", "out of memory");
    for (size_t i = 0; i < nd * nv; i++)
        pairs[i] = i;
    for (size_t i = 0; i < nd * nv && i < (size_t)nq; i++) { /* a partial Fisher-Yates */
        size_t j = i + (size_t)(rnd() % (nd * nv - i)), t = pairs[i];
        pairs[i] = pairs[j];
        pairs[j] = t;
    }
    for (long q = -200; q < nq; q++) { /* 200 unmeasured first: the statements get prepared */
        size_t pair = q < 0 ? (size_t)(rnd() % (nd * nv)) : pairs[q % (long)(nd * nv)];
        const village *v = &vs[pair % nv];
        const char *dept = depts[pair / nv];
        int by_point = (q & 1) != 0;
        char key[PLACE_KEY_MAX], lat[32] = "", lon[32] = "", phone[16], id[24];
        int64_t t0, t1, t2;
        /* The citizen writes the village in either script; the key is made as the bot makes it. */
        place_key(rnd() & 1 ? v->hi : v->en, key, sizeof key);
        if (by_point) { /* a shared location: within ~450 m of the village's centre */
            snprintf(lat, sizeof lat, "%.6f", v->lat + (unit() - 0.5) * 0.008);
            snprintf(lon, sizeof lon, "%.6f", v->lon + (unit() - 0.5) * 0.008);
        }
        snprintf(phone, sizeof phone, "9170%08ld", 1 + (long)(rnd() % (uint64_t)ncitizens));
        snprintf(id, sizeof id, "%ld", 1 + (long)(rnd() % (uint64_t)maxid));
        const char *params[6] = {dept, key, lat, lon, phone, rnd() & 1 ? "en" : "hi"};
        t0 = clock_mono_us();
        if (!(r = similar_find(d, dept, key, lat, lon, phone, params[5], &e)))
            return die("similar_find", e.msg);
        t1 = clock_mono_us();
        if (q >= 0) {
            rows += PQntuples(r);
            got_any += PQntuples(r) > 0;
        }
        PQclear(r);
        if (!(r = db_query(d, &st_ref, (const char *[]){id}, &e)))
            return die("reference", e.msg);
        t2 = clock_mono_us();
        PQclear(r);
        if (q < 0)
            continue;
        lat_sim[q] = (double)(t1 - t0) / 1000.0;
        lat_ref[q] = (double)(t2 - t1) / 1000.0;
        if (q == nq - 2 || q == nq - 1)
            for (int i = 0; i < 6; i++)
                snprintf(by_point ? explain_point[i] : explain_key[i], 128, "%s", params[i]);
    }

    {
        double sum_sim = 0, sum_ref = 0;
        for (long q = 0; q < nq; q++) {
            sum_sim += lat_sim[q];
            sum_ref += lat_ref[q];
        }
        qsort(lat_sim, (size_t)nq, sizeof *lat_sim, cmp_double);
        qsort(lat_ref, (size_t)nq, sizeof *lat_ref, cmp_double);
        printf("%-26s %9s %9s %9s %10s\n", "query (ms)", "p50", "p99", "max", "queries/s");
        printf("%-26s %9.3f %9.3f %9.3f %10.0f\n", "similar_find", pct(lat_sim, (size_t)nq, 0.5),
               pct(lat_sim, (size_t)nq, 0.99), lat_sim[nq - 1], 1000.0 * (double)nq / sum_sim);
        printf("%-26s %9.3f %9.3f %9.3f %10.0f\n", "reference: case by id",
               pct(lat_ref, (size_t)nq, 0.5), pct(lat_ref, (size_t)nq, 0.99), lat_ref[nq - 1],
               1000.0 * (double)nq / sum_ref);
        printf("%ld queries (half by place key, half by point with its key), %ld with candidates, "
               "%.2f candidates a query\n",
               nq, got_any, (double)rows / (double)nq);
        printf("similar: p50 %.2f ms, p99 %.2f ms, max %.2f ms, %.0f queries/s · reference (case "
               "by id) "
               "p50 %.2f ms, p99 %.2f ms\n",
               pct(lat_sim, (size_t)nq, 0.5), pct(lat_sim, (size_t)nq, 0.99), lat_sim[nq - 1],
               1000.0 * (double)nq / sum_sim, pct(lat_ref, (size_t)nq, 0.5),
               pct(lat_ref, (size_t)nq, 0.99));
    }

    /* The plans: the statement's own text, prepared again on a second connection. */
    if (!(r = db_query(d, &st_text, NULL, &e)) || PQntuples(r) < 1)
        return die("the prepared statements' text", r ? "not found" : e.msg);
    for (int i = 0; i < PQntuples(r); i++)
        printf("plans of %s over %ld calls: %s generic, %s custom\n", PQgetvalue(r, i, 0),
               nq + 200, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3));
    {
        PGconn *c = PQconnectdb(conninfo);
        PGresult *p;
        const char *kp[6], *pp[6];
        if (PQstatus(c) != CONNECTION_OK)
            return die("second connection", PQerrorMessage(c));
        PQclear(PQexec(c, "SET jit = off")); /* as bot/db.c */
        /* similar.c may keep a statement per shape: the key query takes similar_find_place. */
        const char *by_key = "similar_find";
        for (int i = 0; i < PQntuples(r); i++) {
            p = PQprepare(c, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), 6, NULL);
            if (PQresultStatus(p) != PGRES_COMMAND_OK)
                return die("prepare", PQerrorMessage(c));
            PQclear(p);
            if (strcmp(PQgetvalue(r, i, 0), "similar_find_place") == 0)
                by_key = "similar_find_place";
        }
        for (int i = 0; i < 6; i++) {
            kp[i] = explain_key[i];
            pp[i] = explain_point[i];
        }
        kp[2] = kp[3] = "";
        explain(c, "EXPLAIN of a query by place key", by_key, kp);
        explain(c, "EXPLAIN of a query by point (and its key)", "similar_find", pp);
        PQfinish(c);
        rc = 0;
    }
    PQclear(r);
    free(pairs);
    free(lat_sim);
    free(lat_ref);
    free(vs);
    free(depts);
    db_close(d);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "villages") == 0)
        return villages(atol(argv[2]));
    if (argc == 4 && strcmp(argv[1], "run") == 0 && atol(argv[3]) > 0)
        return run(argv[2], atol(argv[3]));
    fprintf(stderr, "usage: sampark_bench_similar villages N | run CONNINFO QUERIES\n");
    return 2;
}
