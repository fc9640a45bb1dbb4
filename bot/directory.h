/* directory.h — the district directory of SPEC section 6: who answers for what.
 * directory_parse is pure (JSON text → validated struct, every problem named by its field);
 * directory_store upserts it in one transaction and refuses to drop a department that still
 * has open cases. Loading the same file twice changes nothing. */
#ifndef SAMPARK_DIRECTORY_H
#define SAMPARK_DIRECTORY_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "err.h"
#include "roster.h"

/* Language codes a directory may declare: Hindi, English, Chhattisgarhi (ISO 639-3). */
#define DIRECTORY_LANGUAGES "hi, en, hne"

typedef struct directory_officer {
    const char *phone;
    const char *name;
} directory_officer;

/* A word that suggests its department (SPEC section 6 "keywords"; README: the directory). */
#define DIRECTORY_KEYWORD_MAX_CHARS 40
#define DIRECTORY_KEYWORDS_MAX      100

typedef struct directory_keyword {
    const char *word;
    int weight;   /* 1..10; 1 when not given */
    int weighted; /* weight given: the word may then also suggest another department */
} directory_keyword;

/* A department's official name may be longer than a menu row (the menu shows its "short" name
 * or cuts it at a word boundary); this bound only keeps a pasted paragraph out of messages. */
#define DIRECTORY_NAME_MAX_CHARS 200
#define DIRECTORY_SUBJECT_MAX_CHARS 60 /* a case's public subject: one short line */

typedef struct directory_department {
    const char *code;
    const char *name_json;        /* {"en":..,"hi":..} compact, for the jsonb column */
    const char *short_json;       /* the menu's name, same form, each ≤ 24; NULL when not given */
    const char *subject_json;     /* the public subject of its cases by default (SPEC section 12),
                                     same form, each ≤ DIRECTORY_SUBJECT_MAX_CHARS; NULL: none */
    const char *description_json; /* NULL when not given */
    const char *name_en, *name_hi;
    int sla_hours; /* 0: not given (nodal after_hours, else 48, applies) */
    int urgent;
    int open_data_counts; /* "open_data": "counts" — kept out of Open311's listings, only
                             counted in the public figures (SPEC section 14); 0: "listed" */
    directory_officer *officers;
    size_t nofficers;
    directory_keyword *keywords;
    size_t nkeywords;
    const char *keywords_json; /* [{"word":..,"weight":N}] for the jsonb column; NULL: none */
} directory_department;

typedef struct directory {
    const char *code;
    const char *name_json;
    const char *name_en, *name_hi;
    const char *state_json; /* {"en": .., "hi": ..} of the district's state, or NULL */
    const char **languages;
    size_t nlanguages;
    directory_department *departments;
    size_t ndepartments;
    const char **nodal_phones;
    size_t nnodal;
    int nodal_after_hours;
    const char **collector_phones;
    size_t ncollector;
    int collector_after_hours;
    const char **digest_phones;
    size_t ndigest;
    const char *daily_at;   /* HH:MM */
    const char *weekly_day; /* monday..sunday */
    const char *timezone;
    const char *templates_json;
    const char *broadcast_templates_json; /* "broadcast_templates" as given, compact ("[]") */
    const char **urgent_keywords; /* words that make a complaint urgent (defaults when not given) */
    size_t nurgent_keywords;
    int urgent_sla_hours;      /* SLA of urgent cases, default 4 */
    roster *helpdesk;          /* SPEC section 11 "helpdesk"; NULL when not given */
    const char *helpdesk_json; /* the block as given, compact, for the jsonb column; or NULL */
    void *priv_;               /* owns the strings above */
} directory;

/* source names the file in error messages. NULL + e on any problem: syntax (with line and
 * column), a missing or unknown field, a duplicate department, a phone that is not digits,
 * an unknown language, an SLA that is not a positive number of hours... */
directory *directory_parse(const char *json, size_t len, const char *source, err *e);
directory *directory_parse_file(const char *path, err *e);
/* The "helpdesk" block alone (as stored by directory_store), validated like directory_parse
 * but without the departments to check codes against: the result has only helpdesk and
 * helpdesk_json set. Free with directory_free. */
directory *directory_helpdesk_parse(const char *json, size_t len, const char *source, err *e);
void directory_free(directory *d);

typedef struct directory_stats {
    int district_added, district_changed;
    int departments_added, departments_changed, departments_retired;
    int officers_added, officers_changed, officers_removed;
} directory_stats;

/* Upserts the directory in one transaction. A second district in the same database and the
 * removal of a department with cases that are not closed are refused (ERR_USER). */
int directory_store(db *d, const directory *dir, directory_stats *st, err *e);

/* Who phone is to the portal (SPEC section 10), from the stored directory: role "collector"
 * (a collector or digest phone), "nodal" or "officer"; departments a JSON array of the
 * officer's department codes; name the officer's name, else the role. 1 found, 0 not in the
 * directory, -1 error. */
int directory_portal_role(db *d, const char *phone, char *role, size_t rolesz, char *departments,
                          size_t depsz, char *name, size_t namesz, err *e);

/* The stored helpdesk (NULL in *helpdesk_json when the directory has none, or no directory is
 * loaded) and the moment at_ms as the district reads it, in digest.timezone: *day 0 = Monday,
 * *minute since midnight, local the "YYYY-MM-DD HH:MM" text. *helpdesk_json is malloc'd. */
int directory_stored_helpdesk(db *d, int64_t at_ms, char **helpdesk_json, int *day, int *minute,
                              char *local, size_t localsz, err *e);
/* The officers' names by phone, {"919800000001": "Executive Engineer, PHE", ...}, as JSON text
 * (malloc'd); a phone in two departments is named by its first department's row. NULL + e. */
char *directory_officer_names(db *d, err *e);
/* `sampark roster show`: the stored roster at at_ms (roster_describe), after a first line
 * naming the moment in the district's time zone. ERR_USER when no directory is loaded or it
 * has no "helpdesk". malloc'd. */
char *directory_roster_show(db *d, int64_t at_ms, err *e);

/* SQL: the district's time zone (digest.timezone; India's when no directory is loaded), for the
 * statements of other modules that show or cut times in local days. */
#define DIRECTORY_SQL_TIMEZONE "COALESCE((SELECT timezone FROM districts LIMIT 1), 'Asia/Kolkata')"

#endif
