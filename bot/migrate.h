/* migrate.h — applies migrations/NNNN_name.sql in order, once each, each in a transaction.
 * Safe when several processes run it at once (a PostgreSQL advisory lock serialises them).
 * Applied versions and a SHA-256 of each file live in schema_migrations. */
#ifndef SAMPARK_MIGRATE_H
#define SAMPARK_MIGRATE_H

#include <stdio.h>

#include "db.h"

/* Applies what is pending from dir. Progress lines ("applied 0001_init.sql") go to out
 * (NULL for silence); *applied receives how many were applied now. A migration that fails
 * is rolled back whole and named with its line. */
int migrate_run(db *d, const char *dir, FILE *out, int *applied, err *e);

#endif
