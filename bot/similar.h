/* similar.h — the open cases a new complaint may repeat (SPEC section 12): same department, not
 * closed, filed in the last 30 days, in the same village or ward (place.h's key) or within 250 m
 * of the complaint's point. The SQL reads cases through two partial indexes (migration 0023):
 * never a scan. */
#ifndef SAMPARK_SIMILAR_H
#define SAMPARK_SIMILAR_H

#include "db.h"

#define SIMILAR_MAX      3   /* candidates shown */
#define SIMILAR_DAYS     30  /* how far back */
#define SIMILAR_METRES   250 /* "the same place" by the map */

/* Up to SIMILAR_MAX candidates for a complaint of dept by phone, newest first: rows
 * (tracking_no, village/ward as its citizen wrote it — for officers, never shown to another
 * citizen —, age in days, people who follow it — the filer and the followers —, public subject
 * in lang: the officer's line, else the department's default subject, else its short name or
 * name (a directory without subjects), and 't' when it matched by
 * the place's name rather than by the map). key: place_key of the village ("" none); lat, lon: the point ("" none). The citizen's own
 * cases and those they follow are left out. The caller PQclear()s. */
PGresult *similar_find(db *d, const char *dept, const char *key, const char *lat, const char *lon,
                       const char *phone, const char *lang, err *e);

#endif
