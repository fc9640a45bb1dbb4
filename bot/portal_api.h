/* portal_api.h — the portal's read API (SPEC section 10) for a signed-in user, on pool threads:
 * GET /api/cases, /api/cases.csv, /api/cases/{TRACKING}, /api/media/{id}, /api/stats,
 * /api/review. What a user may see follows their role; a case they may not see is 404. */
#ifndef SAMPARK_PORTAL_API_H
#define SAMPARK_PORTAL_API_H

#include "portal.h"

void portal_api(portal_thread *t, const portal_user *u, const portal_request *rq,
                portal_response *rs);

#endif
