/* helpdesk.h — the live helpdesk's decisions (SPEC section 11), pure: where a citizen's
 * question goes at a moment of the roster, and what an officer's message means to the helpdesk
 * (take, end, case). No I/O: tests/test_helpdesk.c runs them without services; desk_helpdesk.c
 * gathers the facts and acts. */
#ifndef SAMPARK_HELPDESK_H
#define SAMPARK_HELPDESK_H

#include <stddef.h>

#include "roster.h"

#define HELPDESK_MAX_REACH 32 /* phones one question goes to at once */

typedef enum helpdesk_route_kind {
    HELPDESK_ON_DUTY,  /* to the officers on duty (the department's, else everyone's) */
    HELPDESK_FALLBACK, /* the desk is open but nobody sits for it: the fallback phones */
    HELPDESK_WAIT,     /* closed: kept for the next opening (minutes ahead) */
    HELPDESK_NODAL,    /* the district has no roster: the nodal officers, as before issue 18 */
} helpdesk_route_kind;

typedef struct helpdesk_route {
    helpdesk_route_kind kind;
    const char *phones[HELPDESK_MAX_REACH]; /* ON_DUTY, FALLBACK: the roster's strings */
    size_t n;
    int wait_minutes, next_day, next_minute; /* WAIT */
} helpdesk_route;

/* Where a question for dept (NULL: general) goes on day (0 = Monday) at minute, district
 * time. The desk is open when the opening hours say so (or, with no hours, while any slot runs);
 * open, it goes to the department's officers on duty, else to every officer on duty, else to the
 * fallback phones; closed — or open with nobody and no fallback phones — it waits for the
 * department's next slot, else the next slot of any. A roster with no slot at all: the fallback
 * phones, else the nodal officers. r NULL: the nodal officers. */
void helpdesk_route_at(const roster *r, const char *dept, int day, int minute,
                       helpdesk_route *out);

/* An officer's helpdesk command. Whole messages only, so a sentence that starts with "end" is
 * still a message for the citizen: "take H12" / "लें H12", "end" / "समाप्त" with an optional
 * H-number, "case PHE" / "शिकायत PHE" (or मामला) with an optional H-number. */
typedef enum helpdesk_cmd_kind {
    HELPDESK_CMD_NONE,
    HELPDESK_CMD_TAKE,
    HELPDESK_CMD_END,
    HELPDESK_CMD_CASE,
} helpdesk_cmd_kind;

typedef struct helpdesk_cmd {
    helpdesk_cmd_kind kind;
    char id[24];   /* digits of the H-number; "" when none was written */
    char dept[24]; /* case: the department code as written, upper case; "" when none */
    int as_code;   /* case: it was written in capitals ("case PHE", not "case closed") */
} helpdesk_cmd;

/* Parses text (any case, extra spaces allowed). take without a number is still TAKE (the
 * caller says a number is needed). */
void helpdesk_parse(const char *text, helpdesk_cmd *out);

/* "H12" and "h12" and "12" → "12"; 1 when s is such a number, 0 otherwise. */
int helpdesk_id(const char *s, char *out, size_t n);

#endif
