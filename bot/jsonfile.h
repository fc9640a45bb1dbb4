/* jsonfile.h — reading the hand-edited JSON files (district directory, flows) with json-c:
 * strict syntax, UTF-8 checked, and every syntax error reported as file:line:column so a
 * person can find it in an editor. */
#ifndef SAMPARK_JSONFILE_H
#define SAMPARK_JSONFILE_H

#include <json.h>
#include <stddef.h>

#include "err.h"

/* Parses text (source names it in messages). NULL + e (ERR_USER) on a syntax error. */
json_object *jsonfile_parse(const char *source, const char *text, size_t len, err *e);
/* Reads a whole file (at most 16 MiB) into a malloc'd, NUL-terminated buffer. */
char *jsonfile_read(const char *path, size_t *len, err *e);

#endif
