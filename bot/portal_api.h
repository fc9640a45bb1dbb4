/* portal_api.h — the portal's read API (SPEC section 10) for a signed-in user, on pool threads:
 * GET /api/cases, /api/cases.csv, /api/cases/{TRACKING}, /api/media/{id}, /api/stats,
 * /api/review, and the broadcasts (portal_broadcasts.h). What a user may see follows their role; a
 * case they may not see is 404. */
#ifndef SAMPARK_PORTAL_API_H
#define SAMPARK_PORTAL_API_H

#include "portal.h"

void portal_api(portal_thread *t, const portal_user *u, const portal_request *rq,
                portal_response *rs);

/* ---- shared with the other API modules (portal_broadcasts.c) --------------------------------- */

/* 503 "database unavailable", e logged under what. */
void portal_api_db_failed(portal_response *rs, const char *what, const err *e);
/* A portal task (portal_sweep_media): the media cache's files no attachment names removed
 * (media_cache.h), files younger than an hour left; a line in the log when any went. One at a
 * time: while one runs, the next is skipped (a line in the log). */
void portal_api_media_sweep(portal_thread *t, const char *arg);
/* The body of rs from a JSON text (taken), 200. */
void portal_api_json_text(portal_response *rs, char *json);
/* A string field of o into out, spaces around it trimmed, valid UTF-8 without NUL: 0, or -1 with
 * rs answered 400 naming the field (missing when required, not a string, empty, too long). */
int portal_api_string(json_object *o, const char *name, int required, char *out, size_t n,
                      portal_response *rs);

#endif
