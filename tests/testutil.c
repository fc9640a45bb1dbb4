/* testutil.c — see testutil.h. */
#include "testutil.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "db.h"
#include "migrate.h"
#include "rds.h"

const char *tu_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        fail_msg(
            "%s is not set: run the suite with scripts/test, which starts Redis and PostgreSQL",
            name);
    return v;
}

static void quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGconn *admin(void)
{
    PGconn *c = PQconnectdb(tu_env("TEST_DATABASE_URL"));
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("cannot reach TEST_DATABASE_URL: %s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    return c;
}

static void exec_ok(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType s = PQresultStatus(r);
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK)
        fail_msg("SQL failed: %s: %s", sql, PQerrorMessage(c));
    PQclear(r);
}

char *tu_create_db(const char *tag)
{
    static int seq;
    char name[64], sql[160], *conninfo;
    PGconn *c = admin();
    PQconninfoOption *opts = PQconninfo(c), *o;
    const char *host = NULL, *port = NULL, *user = NULL;
    snprintf(name, sizeof name, "t_%s_%d_%d", tag, (int)getpid(), ++seq);
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    exec_ok(c, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", name);
    exec_ok(c, sql);
    for (o = opts; o && o->keyword; o++) {
        if (!o->val)
            continue;
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
    }
    conninfo = malloc(512);
    snprintf(conninfo, 512, "host=%s port=%s user=%s dbname=%s", host ? host : "127.0.0.1",
             port ? port : "5432", user ? user : "sampark", name);
    PQconninfoFree(opts);
    PQfinish(c);
    return conninfo;
}

void tu_drop_db(char *conninfo)
{
    const char *name;
    char sql[160];
    PGconn *c;
    if (!conninfo)
        return;
    name = strstr(conninfo, "dbname=") + 7;
    c = admin();
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", name);
    exec_ok(c, sql);
    PQfinish(c);
    free(conninfo);
}

void tu_migrate(const char *conninfo)
{
    err e = {0};
    int applied = 0;
    db *d = db_open(conninfo, &e);
    if (!d)
        fail_msg("%s", e.msg);
    if (migrate_run(d, SAMPARK_SOURCE_DIR "/migrations", NULL, &applied, &e) < 0)
        fail_msg("migrate: %s", e.msg);
    db_close(d);
}

char *tu_scalar(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    PGresult *r;
    char *out;
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        fail_msg("SQL failed: %s: %s", sql, PQerrorMessage(c));
    out = strdup(PQntuples(r) == 0 ? "" : PQgetisnull(r, 0, 0) ? "<null>" : PQgetvalue(r, 0, 0));
    PQclear(r);
    PQfinish(c);
    return out;
}

void tu_sql(const char *conninfo, const char *sql)
{
    PGconn *c = PQconnectdb(conninfo);
    if (PQstatus(c) != CONNECTION_OK)
        fail_msg("connect: %s", PQerrorMessage(c));
    exec_ok(c, sql);
    PQfinish(c);
}

char *tu_read_source(const char *relpath, size_t *len)
{
    char path[1024];
    FILE *f;
    char *buf;
    long n;
    snprintf(path, sizeof path, "%s/%s", SAMPARK_SOURCE_DIR, relpath);
    if (!(f = fopen(path, "rb")))
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n)
        fail_msg("cannot read %s", path);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

void tu_write(const char *path, const char *content)
{
    FILE *f = fopen(path, "wb");
    if (!f || fputs(content, f) < 0 || fclose(f) != 0)
        fail_msg("cannot write %s", path);
}

char *tu_tempdir(void)
{
    char *t = strdup("/tmp/sampark-test-XXXXXX");
    if (!mkdtemp(t))
        fail_msg("mkdtemp failed");
    return t;
}

char *tu_replace(const char *s, const char *from, const char *to)
{
    const char *at = strstr(s, from);
    size_t n;
    char *out;
    if (!at)
        fail_msg("test bug: '%s' is not in the text to mutate", from);
    n = strlen(s) - strlen(from) + strlen(to);
    out = malloc(n + 1);
    memcpy(out, s, (size_t)(at - s));
    strcpy(out + (at - s), to);
    strcat(out, at + strlen(from));
    return out;
}

tu_depts *tu_sample_depts(void)
{
    err e = {0};
    tu_depts *t = calloc(1, sizeof *t);
    if (!t || !(t->dir = directory_parse_file(SAMPARK_SOURCE_DIR "/flows/district.json", &e))) {
        fprintf(stderr, "sample directory: %s\n", t ? e.msg : "out of memory");
        free(t);
        return NULL;
    }
    for (size_t i = 0; i < t->dir->ndepartments && i < 64; i++, t->n++) {
        const directory_department *d = &t->dir->departments[i];
        json_object *hne;
        t->depts[i].code = d->code;
        t->depts[i].name.hi = d->name_hi;
        t->depts[i].name.en = d->name_en;
        t->names[i] = json_tokener_parse(d->name_json);
        if (json_object_object_get_ex(t->names[i], "hne", &hne))
            t->depts[i].name.hne = json_object_get_string(hne);
        for (size_t k = 0; k < d->nkeywords; k++)
            t->keywords[i][k] = (engine_keyword){d->keywords[k].word, d->keywords[k].weight};
        t->depts[i].keywords = t->keywords[i];
        t->depts[i].nkeywords = d->nkeywords;
    }
    if (engine_keywords_compile(t->depts, t->n, &e) < 0) {
        fprintf(stderr, "sample directory keywords: %s\n", e.msg);
        tu_sample_depts_free(t);
        return NULL;
    }
    return t;
}

void tu_sample_depts_free(tu_depts *t)
{
    if (!t)
        return;
    engine_keywords_free(t->depts, t->n);
    for (size_t i = 0; i < t->n; i++)
        json_object_put(t->names[i]);
    directory_free(t->dir);
    free(t);
}

redisContext *tu_redis(config **cfg)
{
    char entry[300];
    char *env[] = {entry, NULL};
    err e = {0};
    redisContext *c;
    snprintf(entry, sizeof entry, "REDIS_URL=%s", tu_env("TEST_REDIS_URL"));
    if (!(*cfg = config_load(env, &e)) || !(c = rds_connect(*cfg, 2000, &e)))
        fail_msg("%s", e.msg);
    return c;
}
