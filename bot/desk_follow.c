/* desk_follow.c — the desk's side of a citizen joining a case (see desk.h, desk_case_joined):
 * the case's officers told in one line, the joining citizen's words kept on the case's trail
 * (for officers only: followers never see each other's words). */
#include "desk_int.h"

#include <stdio.h>

int desk_case_joined(desk_out *o, const char *tracking_no, const char *phone, int people,
                     const char *description, err *e)
{
    case_info c;
    char text[600], count[16];
    int found = case_get(o->pg, tracking_no, &c, e);
    if (found <= 0)
        return found;
    snprintf(count, sizeof count, "%d", people);
    if (desk_event(o, &c, "follower_joined", phone, description, NULL, e) < 0)
        return -1;
    catalogue_put(text, sizeof text, o->cat, MSG_OFFICER_SAME_REPORTED, OFFICER_LANG, "tracking_no",
                  c.tracking_no, "count", count, NULL);
    return desk_notify_dept(o, c.department, text, c.id, "officer_update", 0, 0, e) < 0 ? -1 : 0;
}
