/* cases_export.c — `sampark export`: grievances and actions as CPGRAMS-layout CSV (see
 * cases_export.h; the README's "Export" section is the column-by-column contract).
 * PostgreSQL does the joins and the district's time zone; C words the statuses, keeps each
 * case's SLA clock as its events stream past (ordered by case, then time) and masks numbers. */
#include "cases_export.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cases_query.h"
#include "directory.h"

// clang-format off
#define TZ_SQL DIRECTORY_SQL_TIMEZONE
#define LOCAL(col) "to_char(" col " AT TIME ZONE " TZ_SQL ", 'YYYY-MM-DD HH24:MI:SS')"
/* The cases received on the district's days $1..$2, both included. */
#define RANGE \
    " c.created_at >= $1::date::timestamp AT TIME ZONE " TZ_SQL \
    " AND c.created_at < ($2::date + 1)::timestamp AT TIME ZONE " TZ_SQL
/* The last event of the case of one of these kinds, "" when none. */
#define LAST_OF(kinds, also) \
    "COALESCE((SELECT x.kind FROM case_events x WHERE x.case_id = c.id AND x.kind IN (" kinds ")" \
    also " ORDER BY x.at DESC, x.id DESC LIMIT 1), '')"

/* Repeatable read: the actions file is of the very cases the grievances file lists. */
static const db_stmt st_snapshot = {
    "cases_export_snapshot", "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", 0};
/* The per-row look-ups make the planner's cost high enough to compile the actions' query (JIT),
 * which cost more than it saved: bench/export, a tenth of 1,000,000 cases, 7.1 s with it and
 * 3.9 s without. For this transaction only. */
static const db_stmt st_no_jit = {"cases_export_no_jit", "SET LOCAL jit = off", 0};
static const db_stmt st_grievances = {
    "cases_export_grievances",
    "DECLARE export_grievances NO SCROLL CURSOR FOR"
    " SELECT c.tracking_no, " LOCAL("c.created_at") ","
    " CASE WHEN c.status = 'closed' THEN " LOCAL("c.closed_at") " ELSE '' END,"
    " COALESCE(t.state->>'en', t.state->>'hi', ''), COALESCE(t.name->>'en', t.name->>'hi', ''),"
    " c.department_code, COALESCE(d.name->>'en', d.name->>'hi', ''), c.description, c.status,"
    " CASE WHEN c.status = 'closed' THEN " LAST_OF("'closed', 'auto_closed', 'rejected', 'merged'",
                                                   " AND NOT x.detail ? 'from'") " ELSE '' END,"
    " COALESCE(m.tracking_no, ''),"
    " " LAST_OF("'satisfied', 'closed', 'not_satisfied'", " AND x.actor <> 'scheduler'")
    " FROM cases c JOIN departments d ON d.code = c.department_code"
    " LEFT JOIN districts t ON true LEFT JOIN cases m ON m.id = c.merged_into"
    " WHERE" RANGE " ORDER BY c.created_at, c.id",
    2};
/* Who acted, without the phone: the case's citizen or a follower (or 'citizen' once anonymised),
 * the machine, an officer of the directory (by name, their own department's row first), a nodal
 * officer, the collector, another citizen; '' for a phone nobody knows any more. Portal actors are
 * "web:<phone>". The first department: where the first transfer took it from, else where it is. */
static const db_stmt st_actions = {
    "cases_export_actions",
    "DECLARE export_actions NO SCROLL CURSOR FOR"
    " SELECT c.tracking_no, e.kind, " LOCAL("e.at") ", (extract(epoch FROM e.at) * 1000)::bigint,"
    " COALESCE(e.detail->>'to', e.detail->>'into', ''), COALESCE(e.detail->>'from', ''),"
    " COALESCE(e.detail->>'level', ''),"
    " CASE WHEN e.actor = 'citizen' OR e.actor = c.citizen_phone OR EXISTS (SELECT 1 FROM"
    "   case_followers f WHERE f.case_id = c.id AND f.phone = e.actor) THEN 'citizen'"
    "  WHEN e.actor IN ('system', 'scheduler', 'whatsapp') THEN 'system'"
    "  WHEN o.name IS NOT NULL THEN 'officer'"
    "  WHEN a.phone = ANY (t.nodal_phones) THEN 'nodal'"
    "  WHEN a.phone = ANY (t.collector_phones) THEN 'collector'"
    "  WHEN EXISTS (SELECT 1 FROM citizens z WHERE z.phone = e.actor) THEN 'citizen' ELSE '' END,"
    " COALESCE(o.name, ''),"
    " COALESCE((SELECT x.detail->>'from' FROM case_events x WHERE x.case_id = c.id"
    "  AND x.kind = 'transferred' ORDER BY x.at, x.id LIMIT 1), c.department_code),"
    " (extract(epoch FROM c.sla_due_at - c.sla_started_at) * 1000)::bigint,"
    " (extract(epoch FROM c.created_at) * 1000)::bigint"
    " FROM cases c JOIN case_events e ON e.case_id = c.id LEFT JOIN districts t ON true"
    " CROSS JOIN LATERAL (SELECT regexp_replace(e.actor, '^web:', '') AS phone) a"
    " LEFT JOIN LATERAL (SELECT name FROM officers WHERE phone = a.phone"
    "  ORDER BY department_code = c.department_code DESC, department_code LIMIT 1) o ON true"
    " WHERE" RANGE " ORDER BY c.created_at, c.id, e.at, e.id",
    2};
static const db_stmt st_fetch_grievances = {
    "cases_export_fetch_grievances", "FETCH 1000 FROM export_grievances", 0};
static const db_stmt st_fetch_actions = {
    "cases_export_fetch_actions", "FETCH 1000 FROM export_actions", 0};
// clang-format on

/* ---- pure parts ----------------------------------------------------------------------------- */

#define DAY_MS 86400000LL

int cases_export_range(const char *from, const char *to, err *e)
{
    if (!from || !*from)
        return err_set(e, ERR_USER, "--from DATE is required (YYYY-MM-DD)");
    if (!to || !*to)
        return err_set(e, ERR_USER, "--to DATE is required (YYYY-MM-DD)");
    if (cases_date_ok(from) < 0)
        return err_set(e, ERR_USER, "--from '%s' is not a date like 2026-11-25", from);
    if (cases_date_ok(to) < 0)
        return err_set(e, ERR_USER, "--to '%s' is not a date like 2026-11-25", to);
    if (strcmp(from, to) > 0)
        return err_set(e, ERR_USER, "--from %s is after --to %s", from, to);
    return 0;
}

long cases_export_delay(int64_t due_ms, int64_t done_ms)
{
    if (done_ms <= due_ms)
        return 0;
    return (long)((done_ms - due_ms + DAY_MS - 1) / DAY_MS);
}

enum { KEEP, START, STOP, SKIP };

/* Every event kind a case records (cases.c, desk_*.c, scheduler.c, inbound.c), in CPGRAMS-like
 * words, and what it does to the SLA clock. transferred, escalated and merged are worded with
 * their detail (step). A kind not listed is exported as it is named. */
static const struct action_word {
    const char *kind, *words;
    int clock;
} action_words[] = {
    {"created", "Received", START},
    {"from_helpdesk", "Received through the district helpdesk", KEEP},
    {"follower_joined", "Same complaint from another citizen (joined)", KEEP},
    {"reply", "Reply sent to the citizen", KEEP},
    {"docs_requested", "Documents sought from the citizen", KEEP},
    {"docs_received", "Documents received from the citizen", KEEP},
    {"docs_request_lapsed", "Documents not received within 7 days", KEEP},
    {"interim", "Interim reply", KEEP},
    {"transfer_requested", "Transfer referred to the nodal officer", KEEP},
    {"reject_requested", "Closure as not actionable proposed", KEEP},
    {"reject_returned", "Closure as not actionable refused", KEEP},
    {"resolved", "Resolved", STOP},
    {"rejected", "Closed as not actionable", STOP},
    {"satisfied", "Citizen satisfied", KEEP},
    {"not_satisfied", "Citizen not satisfied", KEEP},
    {"closed", "Closed: citizen satisfied", STOP},
    {"auto_closed", "Closed: no feedback from the citizen", STOP},
    {"reopened", "Reopened", START},
    {"transferred", "Transferred", KEEP},
    {"escalated", "Escalated", KEEP},
    {"merged", "Merged", KEEP},
    /* Not actions on the grievance: the desk's own bookkeeping. */
    {"delivery_failed", NULL, SKIP},
    {"satisfaction_reminder", NULL, SKIP},
    {"urgent_limited", NULL, SKIP},
    {"subject", NULL, SKIP},
    {"note", NULL, SKIP},
};

static const struct action_word *action_word(const char *kind)
{
    for (size_t i = 0; i < sizeof action_words / sizeof *action_words; i++)
        if (strcmp(action_words[i].kind, kind) == 0)
            return &action_words[i];
    return NULL;
}

/* The words of an event that are worded with its detail; clock may turn into STOP (a merge
 * closes the case merged away). */
static void worded(const cases_export_event *ev, const struct action_word *w, char *out, size_t n,
                   int *clock)
{
    if (strcmp(ev->kind, "transferred") == 0 && *ev->to)
        snprintf(out, n, "Transferred to %s", ev->to);
    else if (strcmp(ev->kind, "escalated") == 0 && strcmp(ev->level, "1") == 0)
        snprintf(out, n, "Escalated to the nodal officer");
    else if (strcmp(ev->kind, "escalated") == 0 && strcmp(ev->level, "2") == 0)
        snprintf(out, n, "Escalated to the collector");
    else if (strcmp(ev->kind, "merged") == 0 && *ev->to) {
        snprintf(out, n, "Closed: merged into %s", ev->to);
        *clock = STOP;
    } else if (strcmp(ev->kind, "merged") == 0 && *ev->from)
        snprintf(out, n, "Duplicate %s merged into this grievance", ev->from);
    else
        snprintf(out, n, "%s", w ? w->words : ev->kind);
}

int cases_export_step(cases_export_clock *c, const cases_export_event *ev, char *status, size_t n,
                      char org[24], long *delay)
{
    const struct action_word *w = action_word(ev->kind);
    int clock = w ? w->clock : KEEP;
    if (clock == SKIP)
        return 0;
    worded(ev, w, status, n, &clock);
    if (clock == START) {
        c->start_ms = ev->at_ms;
        c->stopped_ms = 0;
    }
    *delay = cases_export_delay(c->start_ms + c->sla_ms, c->stopped_ms ? c->stopped_ms : ev->at_ms);
    if (clock == STOP && !c->stopped_ms)
        c->stopped_ms = ev->at_ms;
    /* The transfer is the leaving department's act; what follows is the new one's. */
    snprintf(org, 24, "%s", strcmp(ev->kind, "transferred") == 0 && *ev->from ? ev->from : c->org);
    if (strcmp(ev->kind, "transferred") == 0 && *ev->to)
        snprintf(c->org, sizeof c->org, "%s", ev->to);
    return 1;
}

const char *cases_export_status(const char *status, const char *closed_by, const char *merged_into,
                                char *buf, size_t n)
{
    static const char *const words[][2] = {
        {"open", "Pending"},
        {"in_progress", "Under process"},
        {"reopened", "Reopened, under process"},
        {"resolved", "Resolved, awaiting the citizen's feedback"}};
    const struct action_word *w;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcmp(status, words[i][0]) == 0)
            return words[i][1];
    if (strcmp(status, "closed") != 0)
        return status;
    if (strcmp(closed_by, "merged") == 0 && *merged_into)
        snprintf(buf, n, "Closed: merged into %s", merged_into);
    else if ((w = action_word(closed_by)) && w->clock == STOP)
        snprintf(buf, n, "%s", w->words);
    else
        snprintf(buf, n, "Closed");
    return buf;
}

const char *cases_export_rating(const char *last_answer)
{
    if (strcmp(last_answer, "satisfied") == 0 || strcmp(last_answer, "closed") == 0)
        return "Satisfied";
    return strcmp(last_answer, "not_satisfied") == 0 ? "Not satisfied" : "";
}

const char *cases_export_officer(const char *role, const char *name)
{
    if (strcmp(role, "officer") == 0)
        return name;
    if (strcmp(role, "citizen") == 0)
        return "Citizen";
    if (strcmp(role, "system") == 0)
        return "Sampark (automatic)";
    if (strcmp(role, "nodal") == 0)
        return "Nodal officer";
    return strcmp(role, "collector") == 0 ? "Collector" : "";
}

#define IS_DIGIT(ch) ((ch) >= '0' && (ch) <= '9')

/* Whether a run of digits may go on past the separator at s: one space or hyphen, then a group
 * of 4 digits or more ("+91 98765 43210", "1234 5678 9012" — but not "12-05-2026 10"). */
static int joins(const char *s)
{
    size_t n = 0;
    if (*s != ' ' && *s != '-')
        return 0;
    while (IS_DIGIT(s[1 + n]))
        n++;
    return n >= 4;
}

void cases_export_mask_numbers(char *text)
{
    char *p = text;
    while (*p) {
        char *end = p, *q = p;
        size_t digits = 0;
        if (!IS_DIGIT(*p)) {
            p++;
            continue;
        }
        while (IS_DIGIT(*q) || (q > p && IS_DIGIT(q[-1]) && joins(q))) {
            if (IS_DIGIT(*q)) {
                digits++;
                end = q + 1;
            }
            q++;
        }
        if (digits >= 10)
            for (char *x = p; x < end; x++)
                if (IS_DIGIT(*x))
                    *x = 'X';
        p = end;
    }
}

/* ---- the export ----------------------------------------------------------------------------- */

static const char *const grievance_header[] = {
    "registration_no", "recvd_date", "closing_date",    "state",  "dist_name", "pincode", "sex",
    "org_code",        "CategoryV7", "subject_content", "status", "rating",    NULL};
static const char *const action_header[] = {
    "registration_no", "action_srno", "date_of_action", "action_status",
    "OfficerDetail",   "org_code",    "delay",          NULL};

static void csv_line(FILE *out, const char *const *fields)
{
    for (size_t i = 0; fields[i]; i++)
        cases_csv_field(out, fields[i], !fields[i + 1]);
}

/* Runs the cursor's fetch until it is empty, row by row through put; -1 + e. */
static int drain(db *d, const db_stmt *fetch, FILE *out, long *rows,
                 void (*put)(FILE *, PGresult *, int, void *), void *ud, err *e)
{
    for (;;) {
        PGresult *r = db_query(d, fetch, NULL, e);
        int n;
        if (!r)
            return -1;
        n = PQntuples(r);
        for (int i = 0; i < n; i++)
            put(out, r, i, ud);
        *rows += n;
        PQclear(r);
        if (ferror(out))
            return err_set(e, ERR_ENV, "cannot write the export: %s", strerror(errno));
        if (n == 0)
            return 0;
    }
}

static void put_grievance(FILE *out, PGresult *r, int i, void *ud)
{
    char status[200], *text = strdup(PQgetvalue(r, i, 7));
    const char *v[13];
    (void)ud;
    if (text)
        cases_export_mask_numbers(text);
    for (int col = 0; col < 5; col++)
        v[col] = PQgetvalue(r, i, col);
    v[5] = "";                  /* pincode: Sampark does not ask for it */
    v[6] = "";                  /* sex: nor this */
    v[7] = PQgetvalue(r, i, 5); /* org_code */
    v[8] = PQgetvalue(r, i, 6); /* CategoryV7 */
    v[9] = text ? text : "";
    v[10] = cases_export_status(PQgetvalue(r, i, 8), PQgetvalue(r, i, 9), PQgetvalue(r, i, 10),
                                status, sizeof status);
    v[11] = cases_export_rating(PQgetvalue(r, i, 11));
    v[12] = NULL;
    csv_line(out, v);
    free(text);
}

/* The actions' running state: the case whose events are going past, its clock, its rows. */
struct actions_state {
    char tracking[32];
    cases_export_clock clock;
    long srno;
};

static void put_action(FILE *out, PGresult *r, int i, void *ud)
{
    struct actions_state *s = ud;
    const char *tracking = PQgetvalue(r, i, 0);
    cases_export_event ev = {PQgetvalue(r, i, 1), atoll(PQgetvalue(r, i, 3)), PQgetvalue(r, i, 4),
                             PQgetvalue(r, i, 5), PQgetvalue(r, i, 6)};
    char status[200], org[24], srno[24], delay_s[24];
    long delay;
    if (strcmp(tracking, s->tracking) != 0) {
        snprintf(s->tracking, sizeof s->tracking, "%s", tracking);
        memset(&s->clock, 0, sizeof s->clock);
        s->clock.start_ms = atoll(PQgetvalue(r, i, 11));
        s->clock.sla_ms = atoll(PQgetvalue(r, i, 10));
        snprintf(s->clock.org, sizeof s->clock.org, "%s", PQgetvalue(r, i, 9));
        s->srno = 0;
    }
    if (!cases_export_step(&s->clock, &ev, status, sizeof status, org, &delay))
        return;
    snprintf(srno, sizeof srno, "%ld", ++s->srno);
    snprintf(delay_s, sizeof delay_s, "%ld", delay);
    csv_line(out, (const char *[]){tracking, srno, PQgetvalue(r, i, 2), status,
                                   cases_export_officer(PQgetvalue(r, i, 7), PQgetvalue(r, i, 8)),
                                   org, delay_s, NULL});
}

/* Both files from one snapshot, each through its cursor. */
static int write_both(db *d, const char *from, const char *to, FILE *g, FILE *a,
                      cases_export_result *out, err *e)
{
    const char *p[] = {from, to};
    struct actions_state s;
    memset(&s, 0, sizeof s);
    csv_line(g, grievance_header);
    csv_line(a, action_header);
    if (db_begin(d, e) < 0)
        return -1;
    if (db_exec(d, &st_snapshot, NULL, e) < 0 || db_exec(d, &st_no_jit, NULL, e) < 0 ||
        db_exec(d, &st_grievances, p, e) < 0 ||
        drain(d, &st_fetch_grievances, g, &out->grievances, put_grievance, NULL, e) < 0 ||
        db_exec(d, &st_actions, p, e) < 0 ||
        drain(d, &st_fetch_actions, a, &out->actions, put_action, &s, e) < 0) {
        db_rollback(d);
        return -1;
    }
    return db_commit(d, e);
}

/* A temporary file beside path (".name.XXXXXX"), its name into tmp. */
static FILE *open_beside(const char *dir, const char *name, char *tmp, size_t n, err *e)
{
    int fd;
    FILE *f;
    snprintf(tmp, n, "%s/.%s.XXXXXX", dir, name);
    if ((fd = mkstemp(tmp)) < 0) {
        err_set(e, ERR_USER, "--out: cannot write in %s: %s", dir, strerror(errno));
        tmp[0] = '\0';
        return NULL;
    }
    if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
        err_set(e, ERR_ENV, "--out: cannot open %s: %s", tmp, strerror(errno));
        close(fd);
        return NULL;
    }
    return f;
}

/* The directory to write in: there already, or made now (*made). */
static int out_dir(const char *dir, int *made, err *e)
{
    struct stat st;
    *made = 0;
    if (stat(dir, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : err_set(e, ERR_USER, "--out: %s is not a directory", dir);
    if (errno != ENOENT || mkdir(dir, 0755) < 0)
        return err_set(e, ERR_USER, "--out: cannot use %s: %s", dir, strerror(errno));
    *made = 1;
    return 0;
}

static int finish(FILE *f, const char *tmp, err *e)
{
    if (fflush(f) != 0 || fsync(fileno(f)) != 0 || ferror(f)) {
        err_set(e, ERR_ENV, "cannot write %s: %s", tmp, strerror(errno));
        fclose(f);
        return -1;
    }
    return fclose(f) == 0 ? 0 : err_set(e, ERR_ENV, "cannot write %s: %s", tmp, strerror(errno));
}

/* Long for its cleanup: the two temporary files and a directory made here go on any failure. */
int cases_export_run(db *d, const char *from, const char *to, const char *dir,
                     cases_export_result *out, err *e)
{
    char gname[64], aname[64], gtmp[4300] = "", atmp[4300] = "";
    FILE *g = NULL, *a = NULL;
    int made = 0, rc = -1;
    memset(out, 0, sizeof *out);
    if (cases_export_range(from, to, e) < 0 || out_dir(dir, &made, e) < 0)
        return -1;
    snprintf(gname, sizeof gname, "grievances_%s_%s.csv", from, to);
    snprintf(aname, sizeof aname, "actions_%s_%s.csv", from, to);
    snprintf(out->grievances_path, sizeof out->grievances_path, "%s/%s", dir, gname);
    snprintf(out->actions_path, sizeof out->actions_path, "%s/%s", dir, aname);
    if (!(g = open_beside(dir, gname, gtmp, sizeof gtmp, e)) ||
        !(a = open_beside(dir, aname, atmp, sizeof atmp, e)))
        goto out;
    if (write_both(d, from, to, g, a, out, e) < 0)
        goto out;
    rc = finish(g, gtmp, e);
    g = NULL;
    if (finish(a, atmp, e) < 0)
        rc = -1;
    a = NULL;
    if (rc == 0 && (rename(gtmp, out->grievances_path) < 0 || rename(atmp, out->actions_path) < 0))
        rc = err_set(e, ERR_ENV, "cannot rename the export into %s: %s", dir, strerror(errno));
out:
    if (g)
        fclose(g);
    if (a)
        fclose(a);
    if (rc < 0) {
        if (gtmp[0])
            unlink(gtmp);
        if (atmp[0])
            unlink(atmp);
        if (made)
            rmdir(dir);
    }
    return rc;
}
