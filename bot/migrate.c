/* migrate.c — the migration runner behind `sampark migrate`.
 * Owns the schema_migrations table. Never edits a migration that was applied: a changed file
 * is reported, because the database already holds what the old text did. */
#include "migrate.h"

#include <ctype.h>
#include <dirent.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

/* "SAMPARK" in ASCII, as a bigint advisory-lock key only migrations use. */
#define MIGRATE_LOCK_KEY "23434223381729867"

static const db_stmt st_lock = {"migrate_lock", "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", 0};
static const db_stmt st_unlock = {"migrate_unlock",
                                  "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", 0};
static const db_stmt st_table = {
    "migrate_table",
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())",
    0};
static const db_stmt st_applied = {
    "migrate_applied", "SELECT sha256 FROM schema_migrations WHERE version = $1::int", 1};
static const db_stmt st_record = {
    "migrate_record",
    "INSERT INTO schema_migrations (version, name, sha256) VALUES ($1::int, $2, $3)", 3};

struct migration {
    int version;
    char name[256];
};

static int by_version(const void *a, const void *b)
{
    return ((const struct migration *)a)->version - ((const struct migration *)b)->version;
}

/* NNNN_lowercase_name.sql */
static int parse_name(const char *name, int *version)
{
    size_t n = strlen(name);
    if (n < 10 || strcmp(name + n - 4, ".sql") != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        if (!isdigit((unsigned char)name[i]))
            return -1;
    if (name[4] != '_')
        return -1;
    for (size_t i = 5; i < n - 4; i++)
        if (!(islower((unsigned char)name[i]) || isdigit((unsigned char)name[i]) || name[i] == '_'))
            return -1;
    *version = atoi(name);
    return 0;
}

static int list_migrations(const char *dir, struct migration **out, size_t *count, err *e)
{
    DIR *dh = opendir(dir);
    struct dirent *ent;
    struct migration *v = NULL;
    size_t n = 0, cap = 0;
    if (!dh)
        return err_set(e, ERR_ENV, "%s: cannot open the migrations directory", dir);
    while ((ent = readdir(dh))) {
        int version;
        size_t len = strlen(ent->d_name);
        if (len < 4 || strcmp(ent->d_name + len - 4, ".sql") != 0)
            continue;
        if (parse_name(ent->d_name, &version) < 0 || len >= sizeof v->name) {
            err_set(e, ERR_USER, "%s/%s: migration files are named NNNN_lowercase_name.sql", dir,
                    ent->d_name);
            goto fail;
        }
        if (vec_reserve(v, cap, n + 1) < 0) {
            err_set(e, ERR_ENV, "out of memory listing migrations");
            goto fail;
        }
        v[n].version = version;
        memcpy(v[n].name, ent->d_name, len + 1);
        n++;
    }
    closedir(dh);
    if (n > 1)
        qsort(v, n, sizeof *v, by_version);
    for (size_t i = 1; i < n; i++)
        if (v[i].version == v[i - 1].version) {
            err_set(e, ERR_USER, "%s: %s and %s share version %04d", dir, v[i - 1].name, v[i].name,
                    v[i].version);
            free(v);
            return -1;
        }
    *out = v;
    *count = n;
    return 0;
fail:
    closedir(dh);
    free(v);
    return -1;
}

static char *read_file(const char *path, err *e)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long len;
    if (!f) {
        err_set(e, ERR_ENV, "%s: cannot be read", path);
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)len + 1)) && fread(buf, 1, (size_t)len, f) == (size_t)len) {
        buf[len] = '\0';
    } else {
        free(buf);
        buf = NULL;
        err_set(e, ERR_ENV, "%s: cannot be read", path);
    }
    fclose(f);
    return buf;
}

static void sha256_hex(const char *s, char hex[65])
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)s, strlen(s), md);
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static int apply_one(db *d, const char *dir, const struct migration *m, FILE *out, int *applied,
                     err *e)
{
    char path[4096], version[16], hex[65];
    char *sql;
    PGresult *r;
    int rc = -1;
    snprintf(path, sizeof path, "%s/%s", dir, m->name);
    snprintf(version, sizeof version, "%d", m->version);
    if (!(sql = read_file(path, e)))
        return -1;
    sha256_hex(sql, hex);
    if (!(r = db_query(d, &st_applied, (const char *[]){version}, e)))
        goto out;
    if (PQntuples(r) > 0) {
        if (out && strcmp(PQgetvalue(r, 0, 0), hex) != 0)
            fprintf(out,
                    "warning: %s changed after it was applied; write a new migration instead\n",
                    path);
        PQclear(r);
        rc = 0;
        goto out;
    }
    PQclear(r);
    if (db_begin(d, e) < 0)
        goto out;
    if (db_script(d, sql, e) < 0 ||
        db_exec(d, &st_record, (const char *[]){version, m->name, hex}, e) < 0 ||
        db_commit(d, e) < 0) {
        db_rollback(d);
        err_prefix(e, "%s", path);
        goto out;
    }
    if (out)
        fprintf(out, "applied %s\n", m->name);
    (*applied)++;
    rc = 0;
out:
    free(sql);
    return rc;
}

int migrate_run(db *d, const char *dir, FILE *out, int *applied, err *e)
{
    struct migration *list = NULL;
    size_t n = 0;
    int rc = -1, locked = 0;
    *applied = 0;
    if (list_migrations(dir, &list, &n, e) < 0)
        return -1;
    if (n == 0) {
        err_set(e, ERR_USER, "%s: no NNNN_name.sql migrations found", dir);
        goto out;
    }
    if (db_exec(d, &st_lock, NULL, e) < 0)
        goto out;
    locked = 1;
    if (db_exec(d, &st_table, NULL, e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if (apply_one(d, dir, &list[i], out, applied, e) < 0)
            goto out;
    rc = 0;
out:
    if (locked) {
        err ignored;
        db_exec(d, &st_unlock, NULL, &ignored);
    }
    free(list);
    return rc;
}
