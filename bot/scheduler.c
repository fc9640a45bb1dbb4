/* scheduler.c — see scheduler.h. Each duty is one UPDATE ... RETURNING that moves the
 * case past it (escalation_level, sla_reminded_at, satisfaction_reminded_at, status,
 * anonymised_at), so the rows it returns are this pass's to announce, and nobody else's; the
 * messages go to the outbox in the same transaction, keyed by case and SLA clock. The
 * statements on the cases are cases.c's (case_pass); the digests' and the citizens' own
 * traces are here. */
#include "scheduler.h"

#include <errno.h>
#include <json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cases.h"
#include "clock.h"
#include "desk.h"
#include "engine.h"
#include "followers.h"
#include "inbound.h"
#include "log.h"
#include "outbox.h"
#include "rds.h"
#include "surveys.h"
#include "text.h"
#include "vec.h"

#define NOW        "to_timestamp($1::double precision / 1000)"
#define DIGEST_TOP 3 /* most overdue cases named in the digest template */

static const db_stmt st_due_digests = {"sched_due_digests",
                                       "SELECT (" NOW " AT TIME ZONE timezone)::date::text,"
                                       " (" NOW " AT TIME ZONE timezone)::time >= digest_daily_at,"
                                       " lower(to_char(" NOW
                                       " AT TIME ZONE timezone, 'FMday')) = digest_weekly_day"
                                       " FROM districts WHERE digest_daily_at IS NOT NULL",
                                       1};
static const db_stmt st_claim_digest = {
    "sched_claim_digest",
    "INSERT INTO digests (kind, period_end, text, csv) VALUES ($1, $2::date, '', '')"
    " ON CONFLICT (kind, period_end) DO NOTHING RETURNING kind",
    2};
static const db_stmt st_save_digest = {
    "sched_save_digest",
    "UPDATE digests SET text = $3, csv = $4 WHERE kind = $1 AND period_end = $2::date", 4};
/* The district's name and the day it is there at $1 (ms), for the heading and the file names. */
static const db_stmt st_district_name = {
    "sched_district_name",
    "SELECT name->>'hi', code,"
    " to_char(to_timestamp($1::bigint / 1000.0) AT TIME ZONE timezone, 'DD-MM-YYYY'),"
    " to_char(to_timestamp($1::bigint / 1000.0) AT TIME ZONE timezone, 'YYYY-MM-DD') FROM "
    "districts",
    1};

/* Retention, after the closed cases are anonymised (case_pass, CASE_ANONYMISE): those
 * citizens' own traces older than the cut-off ($2 days before the pass's clock): the record of their messages
 * (bodies are never stored; the id, time and profile name are), the conversation sent to them
 * outside any case (menus, the echo of their complaint before it was filed, read receipts),
 * and — once no case of theirs is left and they have not written since — their citizen and
 * contact rows (name, language). Whoever writes again is recorded afresh. */
#define CUTOFF "(" NOW " - $2::int * interval '1 day')"
static const db_stmt st_forget = {
    "sched_forget",
    "WITH p AS (SELECT DISTINCT unnest($3::text[]) AS phone),"
    " inb AS (DELETE FROM inbound_messages i USING p WHERE i.from_phone = p.phone"
    "  AND i.received_at < " CUTOFF "),"
    " outb AS (DELETE FROM outbound_messages o USING p WHERE (o.recipient = p.phone"
    "  OR o.about_phone = p.phone)"
    "  AND o.case_id IS NULL AND o.created_at < " CUTOFF
    " AND o.state NOT IN ('queued', 'sending')),"
    " cit AS (DELETE FROM citizens c USING p WHERE c.phone = p.phone"
    "  AND COALESCE(c.last_inbound_at, '-infinity') < " CUTOFF
    "  AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.citizen_phone = c.phone))"
    " DELETE FROM wa_contacts w USING p WHERE w.phone = p.phone AND w.last_inbound_at < " CUTOFF
    "  AND NOT EXISTS (SELECT 1 FROM staff_phones s WHERE s.phone = w.phone)"
    "  AND NOT EXISTS (SELECT 1 FROM cases k WHERE k.citizen_phone = w.phone)",
    3};

/* Session snapshots (migration 0010) outlive their purpose in seconds; kept two days at most. */
static const db_stmt st_forget_snapshots = {
    "sched_forget_snapshots",
    "UPDATE inbound_messages SET session = NULL, session_base = NULL WHERE wamid IN ("
    " SELECT wamid FROM inbound_messages WHERE session IS NOT NULL"
    " AND processed_at < " NOW " - interval '2 days' LIMIT 5000)",
    1};
/* This year's and next year's tracking-number sequences, made ahead of the first complaint
 * (migration 0011). */
static const db_stmt st_prepare_tracking = {
    "sched_prepare_tracking",
    "SELECT sampark_tracking_prepare(code, extract(year FROM " NOW
    " AT TIME ZONE timezone)::int + k)"
    " FROM districts, generate_series(0, 1) k",
    1};
static const db_stmt st_clock = {"sched_clock",
                                 "SELECT set_config('sampark.clock', (" NOW ")::text, true)", 1};

/* A transaction in which the clock reads now_ms: outbound rows written in it judge the
 * 24-hour window at that time too (migration 0007). */
static int begin_at(db *d, int64_t now_ms, err *e)
{
    char now[32];
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    if (db_begin(d, e) < 0)
        return -1;
    if (db_exec(d, &st_clock, (const char *[]){now}, e) < 0) {
        db_rollback(d);
        return -1;
    }
    return 0;
}

/* The event's time is the pass's clock (begin_at). */
static int event(db *d, const char *id, const char *kind, const char *text, const char *detail,
                 err *e)
{
    return case_add_event(d, id, kind, "scheduler", text, detail, NULL, e);
}

/* Sends text to each phone the query returns; keys derive from base so a repeat is a no-op.
 * hint (may be NULL): what the template carries outside the 24-hour window (outbox.h). */
static int send_each(db *d, PGresult *phones, const char *base, const char *text,
                     const char *purpose, const char *case_id, const char *hint, err *e)
{
    for (int i = 0; i < PQntuples(phones); i++) {
        char key[200];
        const char *to = PQgetvalue(phones, i, 0);
        snprintf(key, sizeof key, "%s:%s", base, to);
        if ((hint ? outbox_text_hinted(d, key, to, text, purpose, hint, e)
                  : outbox_text(d, key, to, text, purpose, case_id, e)) < 0)
            return -1;
    }
    return 0;
}

/* Sends text to each phone of role (of department dept for CASE_OFFICERS). */
static int to_phones(db *d, case_role role, const char *dept, const char *base, const char *text,
                     const char *purpose, const char *case_id, const char *hint, err *e)
{
    PGresult *r = case_recipients(d, role, dept, e);
    int rc;
    if (!r)
        return -1;
    rc = send_each(d, r, base, text, purpose, case_id, hint, e);
    PQclear(r);
    return rc;
}

static int reminders(db *d, const catalogue *cat, const char *now, scheduler_stats *st, err *e)
{
    PGresult *r = case_pass(d, CASE_REMIND, now, NULL, e);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        char text[4096], base[120];
        catalogue_put(text, sizeof text, cat, MSG_OFFICER_REMINDER, OFFICER_LANG, "tracking_no",
                      PQgetvalue(r, i, 1), "due", PQgetvalue(r, i, 3), NULL);
        snprintf(base, sizeof base, "remind:%s:%s", PQgetvalue(r, i, 0), now);
        if (to_phones(d, CASE_OFFICERS, PQgetvalue(r, i, 2), base, text, "officer_reminder",
                      PQgetvalue(r, i, 0), NULL, e) < 0 ||
            event(d, PQgetvalue(r, i, 0), "sla_reminder", "officers reminded near the due time",
                  "{}", e) < 0) {
            PQclear(r);
            return -1;
        }
        st->reminded++;
    }
    PQclear(r);
    return 0;
}

static int ladder(db *d, const catalogue *cat, const char *now, int level, scheduler_stats *st,
                  err *e)
{
    char lv[4];
    PGresult *r;
    snprintf(lv, sizeof lv, "%d", level);
    if (!(r = case_pass(d, CASE_ESCALATE, now, lv, e)))
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0), *t = PQgetvalue(r, i, 1);
        int reopen = atoi(PQgetvalue(r, i, 3)), hours = atoi(PQgetvalue(r, i, 5));
        char text[2048], base[120], detail[160], reopened[400] = "", days[16], hh[16];
        size_t k;
        if (reopen)
            catalogue_put(reopened, sizeof reopened, cat, MSG_ESCALATION_REOPENED, OFFICER_LANG,
                          "times", PQgetvalue(r, i, 3), NULL);
        k = strlen(reopened); /* a crowd's case says why it came a rung early */
        if (atoi(PQgetvalue(r, i, 8)) >= CASE_CROWD)
            catalogue_put(reopened + k, sizeof reopened - k, cat, MSG_ESCALATION_FOLLOWERS,
                          OFFICER_LANG, "count", PQgetvalue(r, i, 8), NULL);
        snprintf(days, sizeof days, "%d", hours / 24);
        snprintf(hh, sizeof hh, "%d", hours % 24);
        catalogue_put(text, sizeof text, cat, MSG_ESCALATION, OFFICER_LANG, "mark",
                      level == 1 ? "⚠️" : "🔴", "tracking_no", t, "department",
                      PQgetvalue(r, i, 7), "days", days, "hours", hh, "reopened", reopened,
                      "description", PQgetvalue(r, i, 4), NULL);
        /* One notification per level per SLA clock: a reopened case can climb again. */
        snprintf(base, sizeof base, "esc%d:%s:%s", level, id, PQgetvalue(r, i, 6));
        snprintf(detail, sizeof detail, "{\"level\": %d, \"reopen_count\": %d, \"followers\": %d}",
                 level, reopen, atoi(PQgetvalue(r, i, 8)));
        if (to_phones(d, level == 1 ? CASE_NODAL : CASE_COLLECTOR, NULL, base, text, "escalation",
                      id, NULL, e) < 0 ||
            event(d, id, "escalated",
                  level == 1 ? "past the SLA: nodal officer notified"
                             : "past the collector's threshold: collector notified",
                  detail, e) < 0) {
            PQclear(r);
            return -1;
        }
        if (level == 1)
            st->nodal++;
        else
            st->collector++;
    }
    PQclear(r);
    return 0;
}

/* The satisfaction question again, as buttons naming case t (id), to one reader under key. */
static int remind_one(db *d, const catalogue *cat, const char *id, const char *t, const char *to,
                      const char *lang, const char *key, err *e)
{
    engine_out q;
    char body[3200];
    memset(&q, 0, sizeof q);
    q.kind = ENGINE_SEND;
    q.type = ENGINE_BUTTONS;
    catalogue_put(body, sizeof body, cat, MSG_SATISFACTION_REMINDER, lang, "tracking_no", t, NULL);
    q.text = body;
    snprintf(q.opts[0].id, sizeof q.opts[0].id, "sat:yes:%s", t);
    catalogue_put(q.opts[0].title, sizeof q.opts[0].title, cat, MSG_ANSWER_YES, lang, NULL);
    snprintf(q.opts[1].id, sizeof q.opts[1].id, "sat:no:%s", t);
    catalogue_put(q.opts[1].title, sizeof q.opts[1].title, cat, MSG_ANSWER_NO, lang, NULL);
    q.nopts = 2;
    return outbox_engine(d, key, to, &q, "citizen_update", id, e);
}

/* A row of CASE_SAT_REMIND: the citizen (unless they said yes already) and every follower whose
 * own question waits, each under a key of the case, the question's time and the phone. */
static int remind_case(db *d, const catalogue *cat, const PGresult *r, int i, err *e)
{
    const char *id = PQgetvalue(r, i, 0), *t = PQgetvalue(r, i, 1), *asked = PQgetvalue(r, i, 4);
    char key[160];
    PGresult *f;
    int rc = 0;
    snprintf(key, sizeof key, "satremind:%s:%s", id, asked);
    if (PQgetvalue(r, i, 5)[0] != 't' &&
        remind_one(d, cat, id, t, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), key, e) < 0)
        return -1;
    if (!(f = followers_of(d, id, e)))
        return -1;
    for (int k = 0; rc == 0 && k < PQntuples(f); k++) {
        if (PQgetvalue(f, k, 2)[0] || PQgetvalue(f, k, 3)[0] != 't')
            continue; /* answered, or never asked */
        snprintf(key, sizeof key, "satremind:%s:%s:%s", id, asked, PQgetvalue(f, k, 0));
        rc = remind_one(d, cat, id, t, PQgetvalue(f, k, 0), PQgetvalue(f, k, 1), key, e);
    }
    PQclear(f);
    return rc < 0 ? -1 : event(d, id, "satisfaction_reminder", NULL, "{}", e);
}

/* A case closed for want of answers, to one reader: "closed" to whoever said yes, "closed as we
 * did not hear back" to the others. */
static int closed_one(db *d, const catalogue *cat, const char *id, const char *t, const char *to,
                      const char *lang, int said_yes, const char *key, err *e)
{
    char text[4096];
    catalogue_put(text, sizeof text, cat, said_yes ? MSG_CITIZEN_CLOSED : MSG_AUTO_CLOSED, lang,
                  "tracking_no", t, NULL);
    return outbox_text(d, key, to, text, "citizen_update", id, e);
}

/* A row of CASE_AUTO_CLOSE: the citizen and every follower told, the event written. */
static int auto_closed(db *d, const catalogue *cat, const PGresult *r, int i, err *e)
{
    const char *id = PQgetvalue(r, i, 0), *t = PQgetvalue(r, i, 1);
    char key[160];
    PGresult *f;
    int rc = 0;
    snprintf(key, sizeof key, "autoclose:%s", id);
    if (closed_one(d, cat, id, t, PQgetvalue(r, i, 2), PQgetvalue(r, i, 3),
                   PQgetvalue(r, i, 4)[0] == 't', key, e) < 0 ||
        !(f = followers_of(d, id, e)))
        return -1;
    for (int k = 0; rc == 0 && k < PQntuples(f); k++) {
        snprintf(key, sizeof key, "autoclose:%s:%s", id, PQgetvalue(f, k, 0));
        rc = closed_one(d, cat, id, t, PQgetvalue(f, k, 0), PQgetvalue(f, k, 1),
                        !strcmp(PQgetvalue(f, k, 2), "yes"), key, e);
    }
    PQclear(f);
    return rc < 0 ? -1
                  : event(d, id, "auto_closed", "no answer to the satisfaction question", "{}", e);
}

/* Satisfaction questions a day old asked again; those unanswered past the timeout closed (the
 * followers who never answered count as timed out, SPEC section 12). */
static int satisfaction(db *d, const config *c, const catalogue *cat, const char *now,
                        scheduler_stats *st, err *e)
{
    char hours[16];
    PGresult *r;
    int rc = 0;
    snprintf(hours, sizeof hours, "%d", c->satisfaction_timeout_h);
    if (!(r = case_pass(d, CASE_SAT_REMIND, now, hours, e)))
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        if ((rc = remind_case(d, cat, r, i, e)) == 0)
            st->satisfaction_reminders++;
    PQclear(r);
    if (rc < 0 || !(r = case_pass(d, CASE_AUTO_CLOSE, now, hours, e)))
        return -1;
    for (int i = 0; rc == 0 && i < PQntuples(r); i++)
        if ((rc = auto_closed(d, cat, r, i, e)) == 0)
            st->auto_closed++;
    PQclear(r);
    return rc;
}

/* Followers' "no" with no reason for a day: the case reopens for all, as for the citizen's. */
static int follower_reasons(db *d, const catalogue *cat, const char *now, scheduler_stats *st,
                            err *e)
{
    PGresult *r = followers_reasons_due(d, now, e);
    int rc = 0;
    if (!r)
        return -1;
    for (int i = 0; rc >= 0 && i < PQntuples(r); i++) {
        char key[160];
        desk_out o = {.pg = d, .key = key, .cat = cat};
        snprintf(key, sizeof key, "noreason:%s:%s:%s", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
                 PQgetvalue(r, i, 2));
        if ((rc = desk_reopen_unexplained(&o, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), e)) > 0)
            st->reopened_unexplained += rc;
    }
    PQclear(r);
    return rc < 0 ? -1 : 0;
}

static int lapses(db *d, const catalogue *cat, const char *now, scheduler_stats *st, err *e)
{
    PGresult *r = case_pass(d, CASE_REASONS_DUE, now, NULL, e);
    if (!r)
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        char key[120];
        desk_out o = {.pg = d, .key = key, .cat = cat};
        int rc;
        snprintf(key, sizeof key, "noreason:%s:%s", PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if ((rc = desk_reopen_unexplained(&o, PQgetvalue(r, i, 0), NULL, e)) < 0) {
            PQclear(r);
            return -1;
        }
        st->reopened_unexplained += rc;
    }
    PQclear(r);
    if (follower_reasons(d, cat, now, st, e) < 0)
        return -1;
    if (!(r = case_pass(d, CASE_DOCS_LAPSE, now, NULL, e)))
        return -1;
    for (int i = 0; i < PQntuples(r); i++) {
        const char *id = PQgetvalue(r, i, 0), *t = PQgetvalue(r, i, 1),
                   *officer = PQgetvalue(r, i, 5)[0] == 't' ? PQgetvalue(r, i, 2) : "";
        char text[4096], key[120];
        catalogue_put(text, sizeof text, cat, MSG_DOCS_LAPSED, OFFICER_LANG, "tracking_no", t,
                      NULL);
        snprintf(key, sizeof key, "docslapse:%s:%s", id, PQgetvalue(r, i, 3));
        if (event(d, id, "docs_request_lapsed", "no documents within 7 days", "{}", e) < 0 ||
            (*officer ? outbox_text(d, key, officer, text, "officer_docs", id, e)
                      : to_phones(d, CASE_OFFICERS, PQgetvalue(r, i, 4), key, text,
                                  "officer_docs", id, NULL, e)) < 0) {
            PQclear(r);
            return -1;
        }
        st->docs_lapsed++;
    }
    PQclear(r);
    return 0;
}

/* One conversation's due step under a savepoint: a conversation it fails on (a message
 * PostgreSQL refuses, say) is logged and left for the next pass, and never holds up the others.
 * -1 only when PostgreSQL itself is away. */
static int one_chat(db *d, desk_out *o, chats_due_kind k, const char *id, int64_t now_ms, err *e)
{
    err ce = {0};
    int rc;
    if (db_script(d, "SAVEPOINT helpdesk_chat", e) < 0)
        return -1;
    if ((rc = desk_helpdesk_due(o, k, id, now_ms, &ce)) >= 0)
        return db_script(d, "RELEASE SAVEPOINT helpdesk_chat", e) < 0 ? -1 : rc;
    log_error("scheduler", "helpdesk conversation H%s not handled, tried again next pass: %s", id,
              ce.msg);
    return db_script(d, "ROLLBACK TO SAVEPOINT helpdesk_chat", e) < 0 ? -1 : 0;
}

/* The live helpdesk's clock (SPEC section 11): questions kept for a slot that has opened go to
 * its officers, questions nobody answered in 10 minutes to the fallback phones, conversations
 * silent for 30 minutes end, questions nobody took in a day close. */
static int helpdesk(db *d, const catalogue *cat, int64_t now_ms, scheduler_stats *st, err *e)
{
    static const char *const names[] = {"open", "fallback", "silent", "unanswered"};
    int *counts[] = {&st->helpdesk_opened, &st->helpdesk_fallback, &st->helpdesk_silent,
                     &st->helpdesk_unanswered};
    for (int k = CHATS_DUE_OPENING; k <= CHATS_DUE_UNANSWERED; k++) {
        PGresult *r = chats_due(d, (chats_due_kind)k, now_ms, e);
        if (!r)
            return -1;
        for (int i = 0; i < PQntuples(r); i++) {
            char key[120];
            desk_out o = {.pg = d, .key = key, .cat = cat};
            int rc;
            snprintf(key, sizeof key, "helpdesk:%s:%s:%lld", names[k], PQgetvalue(r, i, 0),
                     (long long)now_ms / 60000);
            if ((rc = one_chat(d, &o, (chats_due_kind)k, PQgetvalue(r, i, 0), now_ms, e)) < 0) {
                PQclear(r);
                return -1;
            }
            *counts[k] += rc;
        }
        PQclear(r);
    }
    return 0;
}

static int retention(db *d, const config *c, const char *now, scheduler_stats *st, err *e)
{
    char days[16], *phones;
    const char **list;
    PGresult *r;
    int n, rc;
    if (c->retention_days <= 0)
        return 0; /* keep forever */
    snprintf(days, sizeof days, "%d", c->retention_days);
    if (chats_forget(d, atoll(now) - (int64_t)c->retention_days * 86400000, e) < 0 ||
        surveys_forget(d, now, days, e) < 0)
        return -1;
    if (!(r = case_pass(d, CASE_ANONYMISE, now, days, e)))
        return -1;
    if ((n = PQntuples(r)) == 0) {
        PQclear(r);
        return 0;
    }
    if (!(list = calloc((size_t)n, sizeof *list))) {
        PQclear(r);
        return err_set(e, ERR_ENV, "out of memory");
    }
    for (int i = 0; i < n; i++)
        list[i] = PQgetvalue(r, i, 0);
    phones = db_text_array(list, (size_t)n);
    free(list);
    if (!phones) {
        PQclear(r);
        return err_set(e, ERR_ENV, "out of memory");
    }
    PQclear(r);
    rc = db_exec(d, &st_forget, (const char *[]){now, days, phones}, e);
    free(phones);
    if (rc == 0)
        st->anonymised += n;
    return rc;
}

/* ---- digests -------------------------------------------------------------------------------- */

/* A digest's text, CSV and top list grow as vec_str: a failed addition leaves s NULL. */
static void add(vec_str *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(vec_str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vec_str_vaddf(b, fmt, ap);
    va_end(ap);
}

static int write_file(const char *dir, const char *name, const char *content)
{
    char path[1024];
    FILE *f;
    if (mkdir(dir, 0755) < 0 && errno != EEXIST)
        return -1;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "w")))
        return -1;
    fputs(content, f);
    return fclose(f);
}

/* The digest's lists: the most overdue and the reopened cases, in the text and the CSV, and the
 * first DIGEST_TOP overdue ones for the template (top). Nothing when the query fails: the
 * counts above them still make a digest. */
static void digest_lists(db *d, const catalogue *cat, const char *now, vec_str *text, vec_str *csv,
                         vec_str *top, err *e)
{
    PGresult *r = case_pass(d, CASE_DIGEST_LISTS, now, NULL, e);
    const char *section = "";
    int ntop = 0;
    if (!r)
        return;
    add(csv, "\nlist,tracking_no,department,age_days,age_hours,reopen_count\n");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *k = PQgetvalue(r, i, 0);
        char line[1024], again[300] = "";
        if (strcmp(section, k) != 0) {
            add(text, "\n%s\n",
                catalogue_put(line, sizeof line, cat,
                              !strcmp(k, "overdue")   ? MSG_DIGEST_OVERDUE
                              : !strcmp(k, "interim") ? MSG_DIGEST_INTERIM
                                                      : MSG_DIGEST_REOPENED,
                              OFFICER_LANG, NULL));
            section = k;
        }
        if (strcmp(PQgetvalue(r, i, 5), "0"))
            catalogue_put(again, sizeof again, cat, MSG_DIGEST_ROW_REOPENED, OFFICER_LANG, "times",
                          PQgetvalue(r, i, 5), NULL);
        if (atoi(PQgetvalue(r, i, 6)) >= CASE_CROWD) /* the case many citizens follow */
            catalogue_put(again + strlen(again), sizeof again - strlen(again), cat,
                          MSG_DIGEST_ROW_FOLLOWERS, OFFICER_LANG, "count", PQgetvalue(r, i, 6),
                          NULL);
        add(text, "%s\n",
            catalogue_put(line, sizeof line, cat, MSG_DIGEST_ROW, OFFICER_LANG, "tracking_no",
                          PQgetvalue(r, i, 1), "department", PQgetvalue(r, i, 2), "days",
                          PQgetvalue(r, i, 3), "hours", PQgetvalue(r, i, 4), "reopened", again,
                          NULL));
        add(csv, "%s,%s,%s,%s,%s,%s\n", k, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2),
            PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
        if (!strcmp(k, "overdue") && ntop++ < DIGEST_TOP)
            add(top, "%s%s (%d h)", ntop > 1 ? ", " : "", PQgetvalue(r, i, 1),
                atoi(PQgetvalue(r, i, 3)) * 24 + atoi(PQgetvalue(r, i, 4)));
    }
    PQclear(r);
}

/* The digest's first two lines: the period, its date, the district, the five totals. */
static void digest_head(const catalogue *cat, vec_str *text, const char *kind, const char *when,
                        const char *district, const long tot[5])
{
    char n[5][24], period[200], line[2048];
    for (int k = 0; k < 5; k++)
        snprintf(n[k], sizeof n[k], "%ld", tot[k]);
    catalogue_put(period, sizeof period, cat,
                  !strcmp(kind, "weekly") ? MSG_DIGEST_WEEKLY : MSG_DIGEST_DAILY, OFFICER_LANG,
                  NULL);
    add(text, "%s\n",
        catalogue_put(line, sizeof line, cat, MSG_DIGEST_HEAD, OFFICER_LANG, "period", period,
                      "date", when, "district", district, "received", n[0], "resolved", n[1],
                      "closed", n[2], "reopened", n[3], "overdue", n[4], NULL));
}

/* The digest's line on the citizens' answers to the satisfaction question. */
static void digest_answers(const catalogue *cat, vec_str *text, long yes, long no)
{
    char pct[24], all[24], y[24], line[1024];
    snprintf(pct, sizeof pct, "%ld", 100 * yes / (yes + no));
    snprintf(all, sizeof all, "%ld", yes + no);
    snprintf(y, sizeof y, "%ld", yes);
    add(text, "%s\n",
        catalogue_put(line, sizeof line, cat, MSG_DIGEST_SATISFACTION, OFFICER_LANG, "percent", pct,
                      "answers", all, "yes", y, NULL));
}

/* The digest's text and CSV, the district's date, and in *top_out the most overdue cases as
 * one line for the template ("BLB-2026-000123 (97 h), ..."; "" when none is overdue). */
static char *build_digest(db *d, const catalogue *cat, int64_t now_ms, const char *kind,
                          char **csv_out, char **top_out, char day[16], err *e)
{
    vec_str text = {0}, csv = {0}, top = {0};
    char now[32], start[64], when[16] = "", heading[512];
    int64_t period_ms = (!strcmp(kind, "weekly") ? 7 : 1) * 24LL * 3600 * 1000;
    time_t st = (time_t)((now_ms - period_ms) / 1000);
    struct tm tm;
    long tot[5] = {0};
    PGresult *r, *rows;
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    gmtime_r(&st, &tm);
    strftime(start, sizeof start, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!(rows = case_pass(d, CASE_DIGEST_COUNTS, now, start, e)))
        return NULL;
    for (int i = 0; i < PQntuples(rows); i++)
        for (int k = 0; k < 5; k++)
            tot[k] += atol(PQgetvalue(rows, i, k + 1));
    if (!(r = db_query(d, &st_district_name, (const char *[]){now}, e))) {
        PQclear(rows);
        return NULL;
    }
    /* The date as the district reads it, in its directory time zone (digest.timezone). */
    st = (time_t)(now_ms / 1000);
    gmtime_r(&st, &tm);
    strftime(day, 16, "%Y-%m-%d", &tm);
    if (PQntuples(r)) {
        db_copy(when, sizeof when, r, 0, 2);
        db_copy(day, 16, r, 0, 3);
    } else {
        strftime(when, sizeof when, "%d-%m-%Y", &tm);
    }
    digest_head(cat, &text, kind, when, PQntuples(r) ? PQgetvalue(r, 0, 0) : "", tot);
    PQclear(r);
    if ((r = case_pass(d, CASE_DIGEST_ANSWERS, now, start, e))) {
        long yes = atol(PQgetvalue(r, 0, 0)), no = atol(PQgetvalue(r, 0, 1));
        if (yes + no)
            digest_answers(cat, &text, yes, no);
        PQclear(r);
    }
    add(&text, "\n%s\n",
        catalogue_put(heading, sizeof heading, cat, MSG_DIGEST_DEPARTMENTS, OFFICER_LANG, NULL));
    add(&csv, "department,received,resolved,closed,reopened,overdue\n");
    for (int i = 0; i < PQntuples(rows); i++) {
        const char *v[6];
        int any = 0;
        for (int k = 0; k < 6; k++) {
            v[k] = PQgetvalue(rows, i, k);
            any |= k && strcmp(v[k], "0") != 0;
        }
        add(&csv, "%s,%s,%s,%s,%s,%s\n", v[0], v[1], v[2], v[3], v[4], v[5]);
        if (any)
            add(&text, "%s: %s/%s/%s/%s/%s\n", v[0], v[1], v[2], v[3], v[4], v[5]);
    }
    PQclear(rows);
    digest_lists(d, cat, now, &text, &csv, &top, e);
    add(&top, "%s", "");
    if (!text.s || !csv.s || !top.s) {
        free(text.s);
        free(csv.s);
        free(top.s);
        err_set(e, ERR_ENV, "out of memory building the digest");
        return NULL;
    }
    *csv_out = csv.s;
    *top_out = top.s;
    return text.s;
}

/* Sends the digest to the digest phones under key, which is also the payload of the template's
 * quick-reply button: outside the collector's 24-hour window the template carries the headline
 * (the text's first two lines, as one) and the most overdue cases, and a tap on "Show the list"
 * brings this text (desk_officer.c, outbox_digest_again). */
static int send_digest(db *d, const catalogue *cat, const char *key, const char *text,
                       const char *top, err *e)
{
    json_object *hint = json_object_new_object(), *params = json_object_new_array(),
                *buttons = json_object_new_array();
    char head[1024], none[200];
    size_t first = strcspn(text, "\n");
    int rc;
    /* "📊 दैनिक रिपोर्ट 03-11-2026 — district: प्राप्त 4 · हल 2 · ..." */
    snprintf(head, sizeof head, "%.*s: %.*s", (int)first, text,
             text[first] ? (int)strcspn(text + first + 1, "\n") : 0,
             text[first] ? text + first + 1 : "");
    json_object_array_add(params, json_object_new_string(head));
    json_object_array_add(
        params, json_object_new_string(*top ? top
                                            : catalogue_put(none, sizeof none, cat, MSG_DIGEST_NONE,
                                                            OFFICER_LANG, NULL)));
    json_object_array_add(buttons, json_object_new_string(key));
    json_object_object_add(hint, "params", params);
    json_object_object_add(hint, "buttons", buttons);
    rc = to_phones(d, CASE_DIGEST, NULL, key, text, "digest", NULL,
                   json_object_to_json_string_ext(hint, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE),
                   e);
    json_object_put(hint);
    return rc;
}

static void write_digest_files(const char *day, const char *kind, const char *dir, const char *text,
                               const char *csv)
{
    char name[64], csvname[128], txtname[128];
    if (!dir || !*dir)
        return;
    snprintf(name, sizeof name, "digest-%s-", day); /* named by the district's date */
    snprintf(csvname, sizeof csvname, "%s%s.csv", name, kind);
    snprintf(txtname, sizeof txtname, "%s%s.txt", name, kind);
    if (write_file(dir, csvname, csv) < 0 || write_file(dir, txtname, text) < 0)
        log_warn(NULL, "warning: could not write the digest files under %s: %s", dir,
                 strerror(errno));
}

char *scheduler_digest(db *d, const config *c, const catalogue *cat, int64_t now_ms,
                       const char *kind, const char *dir, err *e)
{
    char *csv = NULL, *top = NULL, *text, key[96], day[16];
    (void)c;
    if (!(text = build_digest(d, cat, now_ms, kind, &csv, &top, day, e)))
        return NULL;
    snprintf(key, sizeof key, "digest:%s:%lld", kind, (long long)now_ms);
    if (begin_at(d, now_ms, e) < 0 || send_digest(d, cat, key, text, top, e) < 0 ||
        db_commit(d, e) < 0) {
        db_rollback(d);
        free(text);
        free(csv);
        free(top);
        return NULL;
    }
    write_digest_files(day, kind, dir, text, csv);
    free(csv);
    free(top);
    return text;
}

/* One scheduled digest of the local day date: claimed, sent and saved in one transaction. */
static int digest_once(db *d, const config *c, const catalogue *cat, int64_t now_ms,
                       const char *kind, const char *date, scheduler_stats *st, err *e)
{
    char *text, *csv = NULL, *top = NULL, key[96], day[16];
    PGresult *claim = NULL;
    int rc = -1;
    if (!(text = build_digest(d, cat, now_ms, kind, &csv, &top, day, e)))
        return -1;
    snprintf(key, sizeof key, "digest:%s:%s", kind, date);
    if (begin_at(d, now_ms, e) < 0)
        goto out;
    if (!(claim = db_query(d, &st_claim_digest, (const char *[]){kind, date}, e)))
        goto rollback;
    if (PQntuples(claim) == 0) { /* sent already today: another pass got there first */
        rc = 0;
        goto rollback;
    }
    if (send_digest(d, cat, key, text, top, e) < 0 ||
        db_exec(d, &st_save_digest, (const char *[]){kind, date, text, csv}, e) < 0 ||
        db_commit(d, e) < 0)
        goto rollback;
    write_digest_files(day, kind, c->digest_dir, text, csv);
    st->digests++;
    rc = 0;
    goto out;
rollback:
    db_rollback(d);
out:
    PQclear(claim);
    free(text);
    free(csv);
    free(top);
    return rc;
}

/* The scheduled digests, once per local day. */
static int digests(db *d, const config *c, const catalogue *cat, int64_t now_ms,
                   scheduler_stats *st, err *e)
{
    char now[32], date[16];
    int weekly;
    PGresult *r;
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    if (!(r = db_query(d, &st_due_digests, (const char *[]){now}, e)))
        return -1;
    if (PQntuples(r) != 1 || PQgetvalue(r, 0, 1)[0] != 't') {
        PQclear(r);
        return 0;
    }
    db_copy(date, sizeof date, r, 0, 0);
    weekly = PQgetvalue(r, 0, 2)[0] == 't';
    PQclear(r);
    for (int w = 0; w <= weekly; w++)
        if (digest_once(d, c, cat, now_ms, w ? "weekly" : "daily", date, st, e) < 0)
            return -1;
    return 0;
}

/* One duty of a pass in its own transaction, so one that fails (a row it cannot handle, a
 * statement PostgreSQL refuses) does not stop the others — escalations keep going while
 * auto-close is broken, say. */
static int duty(db *d, const config *c, const catalogue *cat, int64_t now_ms, const char *now,
                int k, scheduler_stats *st, err *e)
{
    scheduler_stats before = *st;
    int rc;
    if (begin_at(d, now_ms, e) < 0)
        return -1;
    switch (k) {
    case 0:
        rc = reminders(d, cat, now, st, e);
        break;
    case 1:
        rc = ladder(d, cat, now, 1, st, e);
        break;
    case 2:
        rc = ladder(d, cat, now, 2, st, e);
        break;
    case 3:
        rc = satisfaction(d, c, cat, now, st, e);
        break;
    case 4:
        rc = lapses(d, cat, now, st, e);
        break;
    case 5:
        rc = helpdesk(d, cat, now_ms, st, e);
        break;
    default:
        rc = retention(d, c, now, st, e);
        break;
    }
    if (rc < 0 || db_commit(d, e) < 0) {
        db_rollback(d);
        *st = before; /* nothing of it happened */
        return -1;
    }
    return 0;
}

int scheduler_pass(db *d, const config *c, const catalogue *cat, int64_t now_ms,
                   scheduler_stats *st, err *e)
{
    static const char *const names[] = {"reminders",    "nodal escalation", "collector escalation",
                                        "satisfaction", "waiting lapses",   "helpdesk",
                                        "retention"};
    char now[32];
    int failed = 0;
    memset(st, 0, sizeof *st);
    snprintf(now, sizeof now, "%lld", (long long)now_ms);
    for (int k = 0; k < (int)(sizeof names / sizeof *names); k++) {
        err de = {0};
        if (duty(d, c, cat, now_ms, now, k, st, &de) == 0)
            continue;
        if (!failed++) {
            if (e) /* the first failure is the pass's error; the others are logged */
                *e = de;
        } else {
            log_error("scheduler", "%s failed: %s", names[k], de.msg);
        }
        if (db_ping(d, &de) < 0)
            return -1; /* PostgreSQL is away: the next pass, in a minute, does it all */
    }
    {
        err de = {0};
        if (digests(d, c, cat, now_ms, st, &de) < 0 && !failed++ && e)
            *e = de;
    }
    {
        err pe = {0};
        if (db_exec(d, &st_prepare_tracking, (const char *[]){now}, &pe) < 0)
            log_warn("scheduler", "tracking numbers for next year not prepared: %s", pe.msg);
        if (db_exec(d, &st_forget_snapshots, (const char *[]){now}, &pe) < 0)
            log_warn("scheduler", "old session snapshots not cleared: %s", pe.msg);
        if (inbound_settle_early_statuses(d, &pe) < 0)
            log_warn("scheduler", "early delivery statuses not settled: %s", pe.msg);
    }
    return failed ? -1 : 0;
}

int scheduler_parse_time(const char *s, int64_t *ms)
{
    int y, mo, da, h, mi, sec = 0, n = 0, oh = 0, om = 0;
    char sign = 'Z';
    const char *p;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &y, &mo, &da, &h, &mi, &n) != 5)
        return -1;
    p = s + n;
    if (*p == ':') {
        int k = 0;
        if (sscanf(p, ":%2d%n", &sec, &k) != 1)
            return -1;
        p += k;
    }
    if (*p == 'Z' && !p[1]) {
        sign = 'Z';
    } else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 &&
               strlen(p) == 6) {
        sign = *p;
    } else {
        return -1;
    }
    if (mo < 1 || mo > 12 || da < 1 || da > 31 || h > 23 || mi > 59 || sec > 60 || oh > 14 ||
        om > 59)
        return -1;
    *ms = clock_utc_ms(y, mo, da, h, mi, sec);
    if (sign != 'Z')
        *ms -= (sign == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60) * 1000;
    return 0;
}

/* ---- the role ---------------------------------------------------------------------------------
 */

static const char lead_lua[] =
    "local v = redis.call('GET', KEYS[1])\n"
    "if v == false then redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) return 1 end\n"
    "if v == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end\n"
    "return 0\n";

int scheduler_run(const config *c, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload,
                  err *e)
{
    db *d = db_new(c->database_url);
    rds *r = rds_new(c);
    catalogue *cat = catalogue_load(c->flows_dir, e);
    char name[96], who[112], host[64] = "host";
    int64_t next_pass = 0;
    int leading = -1; /* unknown: the first answer is logged, leading or standing by */
    unsigned seen_reload = reload ? (unsigned)*reload : 0;
    if (!d || !r || !cat) {
        db_close(d);
        rds_free(r);
        catalogue_free(cat);
        return cat ? err_set(e, ERR_ENV, "out of memory") : -1;
    }
    gethostname(host, sizeof host - 1);
    snprintf(name, sizeof name, "%s:%d", host, (int)getpid());
    snprintf(who, sizeof who, "scheduler %s", name);
    while (!*stop) {
        err le = {0};
        redisContext *ctx = rds_get(r, &le);
        redisReply *rep =
            ctx ? redisCommand(ctx, "EVAL %s 1 sampark:scheduler:leader %s 45000", lead_lua, name)
                : NULL;
        int now_leading = rep && rep->type == REDIS_REPLY_INTEGER && rep->integer == 1;
        int64_t now;
        if (!rep)
            rds_reset(r);
        freeReplyObject(rep);
        if (now_leading != leading)
            log_info(who, "%s", now_leading ? "leading" : "standing by");
        leading = now_leading;
        now = clock_now_ms();
        if (leading && now >= next_pass) {
            scheduler_stats st;
            next_pass = now + 60000;
            if (scheduler_pass(d, c, cat, now, &st, &le) < 0) {
                text_mask_phones(le.msg); /* PostgreSQL's detail may quote a row */
                log_warn("scheduler", "%s (next pass in a minute)", le.msg);
            }
        }
        for (int i = 0; i < 50 && !*stop; i++) { /* 15 s, a signal away */
            struct timespec nap = {0, 300 * 1000000L};
            nanosleep(&nap, NULL);
        }
        if (reload && (unsigned)*reload != seen_reload) {
            err re = {0};
            seen_reload = (unsigned)*reload;
            if (catalogue_reload(&cat, c->flows_dir, &re) < 0)
                log_error(who, "messages not reloaded, keeping the running ones: %s", re.msg);
        }
    }
    db_close(d);
    rds_free(r);
    catalogue_free(cat);
    return 0;
}
