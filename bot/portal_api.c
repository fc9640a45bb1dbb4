/* portal_api.c — the read API's handlers (see portal_api.h). SQL lives in cases_query.c. */
#include "portal_api.h"

#include <string.h>

void portal_api(portal_thread *t, const portal_user *u, const portal_request *rq,
                portal_response *rs)
{
    (void)t;
    (void)u;
    (void)rq;
    portal_error(rs, 404, "no such API route");
}
