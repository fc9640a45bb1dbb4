/* roster.h — the helpdesk's opening hours and duty roster (SPEC section 11), as plain data, and
 * the pure questions asked of it: who is on duty at a moment, when the desk next opens. Days
 * are 0 = Monday .. 6 = Sunday and times minutes since midnight, both in the district's time
 * zone; converting a Unix time into them is the caller's business (directory_stored_helpdesk). */
#ifndef SAMPARK_ROSTER_H
#define SAMPARK_ROSTER_H

#include <stddef.h>

#define ROSTER_MAX_SLOTS 100 /* per list (hours, roster): a week of many departments */

typedef struct roster_slot {
    unsigned days;          /* bit d set: the slot runs on day d (0 = Monday) */
    int from, to;           /* minutes since midnight, from < to */
    const char *department; /* NULL for an opening-hours entry */
    const char **phones;    /* NULL for an opening-hours entry */
    size_t nphones;
} roster_slot;

typedef struct roster {
    roster_slot *hours;
    size_t nhours;
    roster_slot *slots;
    size_t nslots;
    const char **fallback_phones;
    size_t nfallback;
} roster;

/* "mon".."sun" or "monday".."sunday", lower case → 0..6; -1 otherwise. */
int roster_parse_day(const char *s);
/* "HH:MM", 00:00 to 23:59 → minutes since midnight; -1 otherwise. */
int roster_parse_hhmm(const char *s);
/* Short day name of 0..6 ("mon"). */
const char *roster_day_name(int day);

/* Whether slot s runs on day at minute (from up to, not including, to). */
int roster_slot_runs(const roster_slot *s, int day, int minute);

/* The phones on duty on day at minute: the slots of department, or of every department when
 * department is NULL, that run then; each phone once, in roster order. Fills out (up to max)
 * and returns how many there are (which may exceed max). */
size_t roster_on_duty(const roster *r, const char *department, int day, int minute,
                      const char **out, size_t max);

/* The next slot start (of department, or any when NULL) at or after day/minute, looking a week
 * ahead (so today's earlier slots count as next week's). Fills *next_day and *next_minute and
 * returns the minutes until it; -1 when there is no such slot. */
int roster_next_opening(const roster *r, const char *department, int day, int minute, int *next_day,
                        int *next_minute);

/* Whether day/minute falls within the opening hours. */
int roster_is_open(const roster *r, int day, int minute);

/* What `sampark roster show` prints: for each department of the roster (in roster order), who
 * is on duty at day/minute or when its next slot starts, then the fallback phones. Lines end
 * in newlines; malloc'd, NULL when out of memory. */
char *roster_describe(const roster *r, int day, int minute);

#endif
