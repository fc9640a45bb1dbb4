/* chats_query.c — the portal's reads of helpdesk conversations (see chats_query.h). One
 * statement answers the whole view, so its parts agree on one moment (DB_CLOCK). Times go out as
 * UTC ISO 8601; the portal renders them in the district's zone. */
#include "chats_query.h"

#include <stdlib.h>
#include <string.h>


/* The SQL keeps the layout of its clauses (clang-format would break them mid-word). */
// clang-format off
#define ISO(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
/* $1 the officer's departments (NULL: all), $2 the viewer's phone. */
#define VISIBLE                                                                                  \
    "($1::text IS NULL OR h.department = ANY (ARRAY(SELECT jsonb_array_elements_text($1::jsonb)))" \
    " OR $2::text = ANY (h.reached) OR h.officer_phone = $2::text)"
/* The owner's name: their officer row in the conversation's department first. */
#define OWNER_NAME                                                                               \
    "(SELECT f.name FROM officers f WHERE f.phone = h.officer_phone"                            \
    "  ORDER BY f.department_code IS DISTINCT FROM h.department, f.department_code LIMIT 1)"

static const db_stmt st_desk = {
    "chats_query_desk",
    "WITH o AS (SELECT h.* FROM helpdesk_chats h WHERE h.state <> 'closed' AND " VISIBLE "),"
    " fa AS (SELECT h.department, count(*) AS reached, count(h.answered_at) AS answered,"
    "   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM"
    "     h.answered_at - h.asked_at) / 60) FILTER (WHERE h.answered_at IS NOT NULL))::numeric, 1)"
    "     AS median"
    "   FROM helpdesk_chats h WHERE h.asked_at >= " DB_CLOCK " - interval '30 days'"
    "   AND " VISIBLE " GROUP BY h.department)"
    " SELECT json_build_object("
    "  'open', (SELECT COALESCE(json_agg(json_build_object('id', 'H' || h.id,"
    "    'department', h.department, 'state', h.state,"
    "    'officer', CASE WHEN h.state = 'live' AND h.officer_phone IS NOT NULL THEN"
    "      json_build_object('phone', h.officer_phone, 'name', " OWNER_NAME ") END,"
    "    'created_at', " ISO("h.created_at") ", 'asked_at', " ISO("h.asked_at") ","
    "    'opens_at', " ISO("h.opens_at") ","
    "    'waiting_minutes', greatest(0, floor(extract(epoch FROM " DB_CLOCK
    "      - COALESCE(h.asked_at, h.created_at)) / 60))::int)"
    "    ORDER BY h.created_at, h.id), '[]')"
    "    FROM (SELECT * FROM o ORDER BY created_at, id LIMIT " DB_STR(CHATS_QUERY_OPEN_MAX) ") h),"
    "  'open_total', (SELECT count(*) FROM o),"
    "  'listed_at_most', " DB_STR(CHATS_QUERY_OPEN_MAX) ","
    "  'unanswered', (SELECT json_build_object('count', count(*), 'past_10_min', count(*)"
    "    FILTER (WHERE asked_at < " DB_CLOCK " - interval '" DB_STR(CHATS_QUERY_LATE_MINUTES)
    " minutes')) FROM o WHERE state = 'asked'),"
    "  'first_answer', (SELECT COALESCE(json_agg(json_build_object('department', department,"
    "    'reached', reached, 'answered', answered, 'median_minutes', median)"
    "    ORDER BY department NULLS FIRST), '[]') FROM fa))::text",
    2};
// clang-format on

char *chats_query_desk(db *d, const char *depts, const char *phone, err *e)
{
    return db_text(d, &st_desk, (const char *[]){depts, phone}, e);
}
