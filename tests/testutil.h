/* testutil.h — helpers shared by the cmocka tests: fresh PostgreSQL databases on the test
 * server that scripts/test starts, one-value queries, temporary files. */
#ifndef SAMPARK_TESTUTIL_H
#define SAMPARK_TESTUTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the headers above first. */
#include <cmocka.h>

#include <hiredis.h>

#include "config.h"
#include "directory.h"
#include "engine.h"

/* The value of a required environment variable; fails the test with a hint when unset. */
const char *tu_env(const char *name);

/* A connection to TEST_REDIS_URL (AUTH, SELECT done) and the config it was made from (the
 * caller frees both: redisFree, config_free); fails the test when Redis cannot be reached. */
redisContext *tu_redis(config **cfg);

/* Creates an empty database with a unique name on TEST_DATABASE_URL's server and returns a
 * malloc'd conninfo for it. tu_drop_db drops it (with force) and frees conninfo. */
char *tu_create_db(const char *tag);
void tu_drop_db(char *conninfo);
/* Applies the project's migrations to the database. */
void tu_migrate(const char *conninfo);

/* First column of the first row of sql, malloc'd ("" for no row; NULL is "<null>"). */
char *tu_scalar(const char *conninfo, const char *sql);
/* Runs sql and fails the test on error. */
void tu_sql(const char *conninfo, const char *sql);

/* Reads a project file (path relative to the source tree), malloc'd. */
char *tu_read_source(const char *relpath, size_t *len);
/* Writes content to path, failing the test on error. */
void tu_write(const char *path, const char *content);
/* A fresh temporary directory, malloc'd. */
char *tu_tempdir(void);
/* Replaces the first occurrence of from with to in s; returns a malloc'd copy. Fails the
 * test when from is not in s, so a mutation test cannot silently test nothing. */
char *tu_replace(const char *s, const char *from, const char *to);

/* The sample district's departments as the engine sees them — names in every language and
 * keywords compiled, as conversation.c's load_depts gives them — for the pure tests.
 * tu_sample_depts returns NULL after printing why. */
typedef struct tu_depts {
    struct directory *dir;
    engine_dept depts[64];
    engine_keyword keywords[64][DIRECTORY_KEYWORDS_MAX];
    struct json_object *names[64]; /* owns each department's hne name */
    size_t n;
} tu_depts;
tu_depts *tu_sample_depts(void);
void tu_sample_depts_free(tu_depts *d);

#endif
