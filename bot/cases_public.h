/* cases_public.h — what the public may read of cases (SPEC section 14, issue 21): the performance
 * figures per department for the last 30 and 90 days, and the Open311 GeoReport v2 services and
 * requests. Owner of this SQL (the cases module's public read side). Nothing it answers carries a
 * phone number, a name, a complaint's words or an officer's reply: only counts, department names,
 * times, statuses, the village or ward, and a shared location rounded to 3 decimals.
 * The parsers are pure and name the parameter at fault. */
#ifndef SAMPARK_CASES_PUBLIC_H
#define SAMPARK_CASES_PUBLIC_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"

/* Below this many cases received in a window a department's figures are "too few to say"; so is
 * a figure whose own denominator (resolved cases, known outcomes, answers) is below it. */
#define CASES_PUBLIC_MIN_CASES 10
/* A village is published as a request's address only when this many citizens named it. */
#define CASES_PUBLIC_MIN_PLACE_CITIZENS 3
/* And only when it is short: a village or a ward, not a description of a house. */
#define CASES_PUBLIC_ADDRESS_MAX_CHARS 40
#define CASES_PUBLIC_ADDRESS_MAX_WORDS 5
/* At most this many digits (of any script, wherever they stand): a phone number has 10. */
#define CASES_PUBLIC_ADDRESS_MAX_DIGITS 6
/* Open311: at most this many requests an answer, over at most this many days. */
#define CASES_PUBLIC_MAX_REQUESTS 1000
#define CASES_PUBLIC_MAX_DAYS     90

/* A W3C datetime (ISO 8601 profile): YYYY-MM-DD, or YYYY-MM-DDThh:mm[:ss[.s+]]TZD with TZD "Z" or
 * +hh:mm / -hh:mm (a '+' that a query string turned into a space is taken as '+'). A date alone
 * is that day in India (00:00 +05:30); end_of_day: its end instead (the next day's 00:00).
 * 0 with *ms the Unix milliseconds, -1 when not one. */
int cases_public_datetime(const char *s, int end_of_day, int64_t *ms);

/* The Open311 search of requests.json. */
typedef struct cases_public_search {
    int64_t from_ms, to_ms; /* requested_datetime from (included) to (included) */
    char status[8];         /* "open", "closed", "" both */
    char codes[512];        /* department codes as a JSON array, "" any */
    char ids[2048];         /* service_request_id: tracking numbers as a JSON array, "" none;
                               when given, the other arguments are checked but not applied */
} cases_public_search;

/* args "name=value" (decoded), now_ms the clock: start_date, end_date (defaults: the last 90
 * days; an end_date alone looks back 90 days from it), status (open, closed, comma-separated),
 * service_code (comma-separated), service_request_id (comma-separated tracking numbers),
 * jurisdiction_id and api_key (ignored). A bad date, a window over 90 days or inverted, an
 * unknown status, an unknown or repeated name fail with e->msg starting with the parameter's
 * name (a client's bytes echoed only as valid UTF-8, cut at a whole letter). */
int cases_public_search_parse(const char *const *args, size_t nargs, int64_t now_ms,
                              cases_public_search *s, err *e);

/* Whether a village as a citizen typed it may be published as an Open311 address: at most
 * CASES_PUBLIC_ADDRESS_MAX_DIGITS digits of any script in all (separators between them do not
 * matter: "98765.43210", "९८७६५/४३२१०"), at most CASES_PUBLIC_ADDRESS_MAX_CHARS characters
 * and CASES_PUBLIC_ADDRESS_MAX_WORDS words, valid UTF-8, not empty. Pure. */
int cases_public_address_ok(const char *village);

/* The figures of every department as JSON text (malloc'd; see README "Public figures"), NULL +
 * e. computed_at is the database clock's. */
char *cases_public_stats(db *d, err *e);

/* Open311 services.json: the active departments as a JSON array (malloc'd). */
char *cases_public_services(db *d, err *e);

/* Open311 requests matching s, newest first, at most CASES_PUBLIC_MAX_REQUESTS, as a JSON array
 * (malloc'd); notes: a JSON object of status_notes by status ("open", "in_progress",
 * "reopened", "resolved", "closed", "merged" with "{case}" for the case it joined). */
char *cases_public_requests(db *d, const cases_public_search *s, const char *notes, err *e);
/* The one request tracking_no as a one-element JSON array; "[]" when there is none. */
char *cases_public_request(db *d, const char *tracking_no, const char *notes, err *e);

#endif
