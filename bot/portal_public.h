/* portal_public.h — open data without a login (SPEC section 14, issue 21), on the portal's pool
 * threads: GET /public (the performance page, server-rendered HTML in Hindi or English, no
 * JavaScript), GET /api/public/stats (its figures as JSON, cached per process for up to 5
 * minutes) and Open311 GeoReport v2 (/open311/v2/services.json, requests.json,
 * requests/{TRACKING}.json). Every request counts against its client address (Redis,
 * SAMPARK_PUBLIC_LIMIT_MIN a minute; IPv6 by its /64) → 429 with Retry-After; Redis away lets it
 * through. At most one pool thread runs an Open311 query at a time (503 with Retry-After
 * otherwise) and one more recomputes the figures, so anonymous traffic leaves the officers'
 * portal a thread of its 4 (the media sweep may hold another). Open data
 * answers may be cached by anyone (Cache-Control: public) and read by any site (CORS).
 * Must never answer a phone number, a name or a complaint's words. */
#ifndef SAMPARK_PORTAL_PUBLIC_H
#define SAMPARK_PORTAL_PUBLIC_H

#include "portal.h"

/* Whether path is one of the public routes (no session needed). */
int portal_public_path(const char *path);
void portal_public(portal_thread *t, const portal_request *rq, portal_response *rs);

/* Pure, for tests: the page's language from ?lang= (arg, NULL when absent) and Accept-Language:
 * "hi" or "en" (the listed one of the two with the higher q; Hindi when neither), NULL when arg
 * is neither. */
const char *portal_public_lang(const char *arg, const char *accept_language);

#endif
