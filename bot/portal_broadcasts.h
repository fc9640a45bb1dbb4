/* portal_broadcasts.h — broadcasts in the portal (SPEC section 13: "the portal does the same for
 * the collector and nodal roles"), on pool threads: GET /api/broadcasts, /api/broadcasts/{id},
 * /api/broadcast-templates, /api/broadcast-surveys, /api/broadcasts/{id}/survey (the answers'
 * distribution); POST /api/broadcasts {template, params, to, survey?} and
 * /api/broadcasts/{id}/{start|pause|cancel}. Officers are refused (403). */
#ifndef SAMPARK_PORTAL_BROADCASTS_H
#define SAMPARK_PORTAL_BROADCASTS_H

#include "portal.h"

void portal_broadcasts(portal_thread *t, const portal_user *u, const portal_request *rq,
                       portal_response *rs);

#endif
