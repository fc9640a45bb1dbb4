/* similar.c — candidates for a duplicate complaint (see similar.h). */
#include "similar.h"

#define OPEN "status IN ('open', 'in_progress', 'reopened')"
#define RECENT "created_at > now() - interval '" DB_STR(SIMILAR_DAYS) " days'"
/* 250 m of latitude in degrees (1° ≈ 111.2 km); longitude's band widens by 1/cos(latitude). */
#define BAND "0.00225"
/* The point behind sub-selects (issue 22): as plain parameters, a custom plan folded the point's
 * branch to false when there is no point, and knew the band's bounds otherwise, so it always
 * looked cheaper than the generic plan and every call was planned (0.4–1.3 ms on 1M cases,
 * against 0.1–0.2 ms of execution). A sub-select is evaluated once per call and unknown to
 * either plan, so PostgreSQL keeps the generic plan — the same index scans (bench/similar). */
#define LAT "(SELECT NULLIF($3, '')::float8)"
#define LON "(SELECT NULLIF($4, '')::float8)"

static const db_stmt st_find = {
    "similar_find",
    "WITH near AS ("
    " (SELECT id FROM cases WHERE department_code = $1 AND place_key = $2 AND place_key <> ''"
    "  AND " OPEN " AND " RECENT " ORDER BY created_at DESC LIMIT 10)"
    " UNION"
    " (SELECT id FROM cases WHERE department_code = $1 AND " OPEN " AND " RECENT
    "  AND latitude IS NOT NULL AND latitude BETWEEN " LAT " - " BAND " AND " LAT " + " BAND
    "  AND longitude BETWEEN " LON " - " BAND " / cos(radians(" LAT "))"
    "  AND " LON " + " BAND " / cos(radians(" LAT "))"
    "  AND 2 * 6371000 * asin(sqrt(power(sin(radians(latitude - " LAT ") / 2), 2)"
    "   + cos(radians(" LAT ")) * cos(radians(latitude))"
    "   * power(sin(radians(longitude - " LON ") / 2), 2))) <= " DB_STR(SIMILAR_METRES)
    "  ORDER BY created_at DESC LIMIT 10))"
    " SELECT x.tracking_no, COALESCE(x.location_text, ''),"
    " floor(extract(epoch FROM now() - x.created_at) / 86400)::int, x.follower_count + 1,"
    " COALESCE(NULLIF(x.subject, ''), p.subject->>$6, p.subject->>'hi', p.short_name->>$6,"
    "  p.name->>$6, p.name->>'hi', ''),"
    " x.place_key = $2 AND $2 <> ''"
    " FROM cases x JOIN near USING (id) JOIN departments p ON p.code = x.department_code"
    " WHERE x.citizen_phone <> $5"
    " AND NOT EXISTS (SELECT 1 FROM case_followers f WHERE f.case_id = x.id AND f.phone = $5)"
    " ORDER BY x.created_at DESC LIMIT " DB_STR(SIMILAR_MAX),
    6};

PGresult *similar_find(db *d, const char *dept, const char *key, const char *lat, const char *lon,
                       const char *phone, const char *lang, err *e)
{
    return db_query(d, &st_find, (const char *[]){dept, key, lat, lon, phone, lang}, e);
}
