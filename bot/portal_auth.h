/* portal_auth.h — login by WhatsApp code and portal sessions (SPEC section 10), on pool
 * threads. Codes and sessions live in Redis only; a code is stored as a salted SHA-256, never
 * in clear, and never written to a log by this module. */
#ifndef SAMPARK_PORTAL_AUTH_H
#define SAMPARK_PORTAL_AUTH_H

#include "portal.h"

/* POST /api/login {"phone"}: always 202 {"sent": true} unless malformed (400) or limited (429). */
void portal_auth_login(portal_thread *t, const portal_request *rq, portal_response *rs);
/* POST /api/login/verify {"phone", "code"}: 200 with the user and a session cookie, 401, 429. */
void portal_auth_verify(portal_thread *t, const portal_request *rq, portal_response *rs);
/* POST /api/logout: ends the session (already checked by portal_auth_session). */
void portal_auth_logout(portal_thread *t, const portal_user *u, const portal_request *rq,
                        portal_response *rs);
/* The request's session: 0 and u filled (its 12 hours start again), or -1 with rs answered:
 * 401 without a live session, 403 for a POST without the session's X-CSRF-Token, 503. */
int portal_auth_session(portal_thread *t, const portal_request *rq, portal_user *u,
                        portal_response *rs);
/* A POST's body as a JSON object (at most 8 deep, nothing after it), or NULL with rs answered
 * 400 naming "body". */
json_object *portal_auth_body(const portal_request *rq, portal_response *rs);
/* The user as the API shows it: {"phone","name","role","departments","csrf"}. */
json_object *portal_auth_user_json(const portal_user *u);

#endif
