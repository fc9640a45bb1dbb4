/* conversation.c — see conversation.h. Order of effects: the PostgreSQL transaction
 * (message recorded, outbox rows, case) commits first, then the session is saved; a
 * message redelivered after a crash in between is recognised as recorded and not run again,
 * so nothing is sent or filed twice. */
#include "conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "broadcast.h"
#include "cases.h"
#include "clock.h"
#include "db.h"
#include "desk.h"
#include "followers.h"
#include "outbox.h"
#include "place.h"
#include "inbound.h"
#include "limit.h"
#include "log.h"
#include "metrics.h"
#include "rds.h"
#include "receipts.h"
#include "session.h"
#include "similar.h"
#include "subscribers.h"
#include "survey.h"
#include "survey_chat.h"
#include "text.h"
#include "words.h"

struct conv {
    const config *cfg;
    const flow_set *flows;
    const catalogue *cat;
    db *pg;
    rds *redis;
    engine_dept *depts;
    json_object **kwjson; /* per department: its keywords as read, owning the words */
    engine_keyword **kws; /* per department: its keywords for the engine */
    char **strings;
    size_t ndepts, nstrings;
    flow_text district; /* its name for the flows' {district}, in strings */
    const char *tracking_example; /* {tracking_example}, in strings */
    int64_t depts_loaded_ms;
    int no_outbox;
    redisContext *live; /* during run(): its Redis context, for the per-citizen limits */
    /* During run(): each message's per-citizen limit counts (bot/limit.c), looked up in the
     * batch's one round trip before the transaction; what is to count (a filed complaint, a
     * forwarded question) is stored after the commit, so a rolled-back one never counts. */
    struct limit_slot {
        long rank[LIMIT_KIND_COUNT]; /* by limit_kind; 0 allows */
        unsigned looked, keep;       /* bits by limit_kind */
        int64_t t;                   /* the time its windows are chosen by, once for both trips */
    } slots[CONV_BATCH_MAX];
    size_t cur; /* the message being stepped */
};

static const db_stmt st_depts = {
    "conv_departments",
    "SELECT p.code, p.name->>'hi', p.name->>'en', p.name->>'hne', description->>'hi',"
    " description->>'en', short_name->>'hi', short_name->>'en', short_name->>'hne', keywords,"
    " d.name->>'hi', d.name->>'en', d.name->>'hne',"
    " d.code || '-' || extract(year FROM now() AT TIME ZONE d.timezone)::int || '-000123'"
    " FROM departments p LEFT JOIN districts d ON true WHERE active ORDER BY position, p.code",
    0};
#define DEPT_TEXTS 9 /* st_depts' text columns before keywords; the district's name after them */

/* A catalogue message as the engine takes its words (no placeholders). */
static flow_text catalogue_flow_text(const catalogue *cat, msg_id id)
{
    if (!cat)
        return (flow_text){NULL, NULL, NULL};
    return (flow_text){catalogue_raw(cat, id, "hi"), catalogue_raw(cat, id, "en"),
                       catalogue_raw(cat, id, "hne")};
}

conv *conv_new(const config *c, const flow_set *flows, const catalogue *cat, err *e)
{
    conv *cv = calloc(1, sizeof *cv);
    if (!cv || !(cv->pg = db_new(c->database_url)) || !(cv->redis = rds_new(c))) {
        conv_free(cv);
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    cv->cfg = c;
    cv->flows = flows;
    cv->cat = cat;
    return cv;
}

static void free_depts(conv *cv)
{
    engine_keywords_free(cv->depts, cv->ndepts);
    for (size_t i = 0; i < cv->nstrings; i++)
        free(cv->strings[i]);
    for (size_t i = 0; cv->kws && cv->kwjson && i < cv->ndepts; i++) {
        json_object_put(cv->kwjson[i]);
        free(cv->kws[i]);
    }
    free(cv->strings);
    free(cv->depts);
    free(cv->kwjson);
    free(cv->kws);
    cv->strings = NULL;
    cv->depts = NULL;
    cv->kwjson = NULL;
    cv->kws = NULL;
    cv->nstrings = cv->ndepts = 0;
    cv->district = (flow_text){NULL, NULL, NULL};
    cv->tracking_example = NULL;
}

void conv_free(conv *cv)
{
    if (!cv)
        return;
    free_depts(cv);
    db_close(cv->pg);
    rds_free(cv->redis);
    free(cv);
}

void conv_set_outbox(conv *cv, int on)
{
    cv->no_outbox = !on;
}

void conv_set_flows(conv *cv, const flow_set *flows, const catalogue *cat)
{
    cv->flows = flows;
    cv->cat = cat;
}

/* Department i's keywords from their jsonb ([{"word":..,"weight":N}], validated by directory
 * load); NULL or unreadable: none, which only means no suggestion. */
static int dept_keywords(conv *cv, size_t i, const char *json)
{
    json_object *a = json ? json_tokener_parse(json) : NULL;
    size_t n = json_object_get_type(a) == json_type_array ? json_object_array_length(a) : 0;
    cv->kwjson[i] = a;
    if (n == 0)
        return 0;
    if (!(cv->kws[i] = calloc(n, sizeof *cv->kws[i])))
        return -1;
    for (size_t k = 0; k < n; k++) {
        json_object *o = json_object_array_get_idx(a, k), *w, *wt;
        if (!json_object_object_get_ex(o, "word", &w) ||
            !json_object_object_get_ex(o, "weight", &wt))
            continue;
        cv->kws[i][cv->depts[i].nkeywords++] =
            (engine_keyword){json_object_get_string(w), json_object_get_int(wt)};
    }
    cv->depts[i].keywords = cv->kws[i];
    return 0;
}

/* The department menu and its keywords (compiled for the suggestion), read from the directory
 * at most once a minute. */
static int load_depts(conv *cv, err *e)
{
    PGresult *r;
    int n;
    if (cv->depts && clock_now_ms() - cv->depts_loaded_ms < 60000)
        return 0;
    if (!(r = db_query(cv->pg, &st_depts, NULL, e)))
        return -1;
    free_depts(cv);
    n = PQntuples(r);
    cv->depts = calloc((size_t)n + 1, sizeof *cv->depts);
    cv->strings = calloc((size_t)n * DEPT_TEXTS + 5, sizeof *cv->strings);
    cv->kwjson = calloc((size_t)n + 1, sizeof *cv->kwjson);
    cv->kws = calloc((size_t)n + 1, sizeof *cv->kws);
    cv->ndepts = (size_t)n; /* free_depts frees what is filled so far */
    if (!cv->depts || !cv->strings || !cv->kwjson || !cv->kws) {
        PQclear(r);
        free_depts(cv);
        return err_set(e, ERR_ENV, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        const char *f[DEPT_TEXTS], *kw;
        for (int k = 0; k < DEPT_TEXTS; k++) {
            f[k] = NULL;
            if (!PQgetisnull(r, i, k) && (cv->strings[cv->nstrings] = strdup(PQgetvalue(r, i, k))))
                f[k] = cv->strings[cv->nstrings++];
        }
        cv->depts[i].code = f[0];
        cv->depts[i].name = (flow_text){f[1], f[2], f[3]};
        cv->depts[i].description = (flow_text){f[4], f[5], NULL};
        cv->depts[i].short_name = (flow_text){f[6], f[7], f[8]};
        kw = PQgetisnull(r, i, DEPT_TEXTS) ? NULL : PQgetvalue(r, i, DEPT_TEXTS);
        if (dept_keywords(cv, (size_t)i, kw) < 0) {
            PQclear(r);
            free_depts(cv);
            return err_set(e, ERR_ENV, "out of memory");
        }
    }
    for (int k = 0; k < 3 && n > 0; k++) { /* the district's name, on every row */
        const char **to = k == 0 ? &cv->district.hi : k == 1 ? &cv->district.en : &cv->district.hne;
        *to = NULL;
        if (!PQgetisnull(r, 0, DEPT_TEXTS + 1 + k) &&
            (cv->strings[cv->nstrings] = strdup(PQgetvalue(r, 0, DEPT_TEXTS + 1 + k))))
            *to = cv->strings[cv->nstrings++];
    }
    cv->tracking_example = NULL; /* like the district's name, on every row */
    if (n > 0 && !PQgetisnull(r, 0, DEPT_TEXTS + 4) &&
        (cv->strings[cv->nstrings] = strdup(PQgetvalue(r, 0, DEPT_TEXTS + 4))))
        cv->tracking_example = cv->strings[cv->nstrings++];
    PQclear(r);
    if (engine_keywords_compile(cv->depts, cv->ndepts, e) < 0) {
        free_depts(cv);
        return -1;
    }
    cv->depts_loaded_ms = clock_now_ms();
    return 0;
}

static void show_desk(void *ud, const char *to, const engine_out *o)
{
    struct {
        conv_sink sink;
        void *ud;
    } *fw = ud;
    if (fw->sink)
        fw->sink(fw->ud, to, o, NULL);
}

/* When the citizen sent m, for the limits' windows: WhatsApp's timestamp (so a backlog worked
 * off at once is not taken for a flood), never later than now. */
static int64_t sent_ms(const wa_message *m)
{
    int64_t now = clock_now_ms();
    return m->timestamp > 0 && m->timestamp * 1000 < now ? m->timestamp * 1000 : now;
}

/* m's ranks among the citizen's actions of kinds[i] in their windows, looked at (not stored)
 * in one round trip, at the time the batch chose for m. 0 where a kind has no limit or Redis
 * could not say — which allows (fail-open: a limit never loses a message). */
static void ranks_of(conv *cv, const wa_message *m, const limit_kind *kinds, size_t n, long *ranks)
{
    int64_t t = cv->slots[cv->cur].t;
    size_t sent = 0, at[LIMIT_KIND_COUNT];
    long got[LIMIT_KIND_COUNT];
    err le = {0};
    memset(ranks, 0, n * sizeof *ranks);
    for (size_t i = 0; i < n && i < LIMIT_KIND_COUNT && cv->live; i++) {
        int max = limit_max(cv->cfg, kinds[i]);
        if (max <= 0)
            continue;
        if (limit_append(cv->live, kinds[i], max, m->from, m->id, t, 0, &le) < 0)
            break;
        at[sent++] = i;
    }
    if (sent && limit_read(cv->live, sent, got, le.msg[0] ? NULL : &le) == 0 && !le.msg[0])
        for (size_t j = 0; j < sent; j++)
            ranks[at[j]] = got[j];
    if (le.msg[0])
        log_warn(NULL, "limits not checked, allowed: %s", le.msg);
}

/* The ranks of the message being stepped: those the batch looked up, the rest asked now (not
 * stored). */
static void slot_ranks(conv *cv, const wa_message *m, const limit_kind *kinds, size_t n,
                       long *ranks)
{
    const struct limit_slot *sl = &cv->slots[cv->cur];
    limit_kind need[LIMIT_KIND_COUNT];
    size_t nn = 0, where[LIMIT_KIND_COUNT];
    long got[LIMIT_KIND_COUNT];
    for (size_t i = 0; i < n && i < LIMIT_KIND_COUNT; i++) {
        if (sl->looked & (1u << kinds[i])) {
            ranks[i] = sl->rank[kinds[i]];
        } else {
            need[nn] = kinds[i];
            where[nn++] = i;
        }
    }
    if (nn) {
        ranks_of(cv, m, need, nn, got);
        for (size_t j = 0; j < nn; j++)
            ranks[where[j]] = got[j];
    }
}

/* The message being stepped counts towards limit k once the transaction commits. */
static void count_after_commit(conv *cv, limit_kind k)
{
    cv->slots[cv->cur].keep |= 1u << k;
}

/* The fixed reply for limit k, {limit} filled in; refuse: also abandon the paused action. */
static int tell_limit(conv *cv, const engine_ctx *ctx, engine_session *s, limit_kind k, int reply,
                      int refuse, engine_result *r, err *e)
{
    char n[16];
    const char *keys[] = {"limit"}, *values[] = {n};
    snprintf(n, sizeof n, "%d", limit_max(cv->cfg, k));
    metrics_limited(k);
    return refuse ? engine_refuse(ctx, s, reply, keys, values, 1, r, e)
                  : engine_say(ctx, s, reply, keys, values, 1, r, e);
}

/* The village of the complaint just filed, as the contact's village when none is known yet
 * (SPEC section 13's segments): only as written — a location or a voice note says no name. */
static int learn_village(conv *cv, const engine_session *s, const char *phone, err *e)
{
    char lat[32], lon[32];
    const char *media = engine_session_get(s, "village" ENGINE_MEDIA_SUFFIX);
    if (media && *media)
        return 0;
    return subscribers_learn_village(cv->pg, phone, case_draft_where(s, lat, lon), e);
}

/* create_case under the day's limits: past the complaints limit nothing is filed (the citizen
 * is told and back at the menu) — unless it is urgent; past the urgent limit, or an urgent one
 * past the complaints limit, the case is filed without the immediate alert to the nodal
 * officers and the collector — a real fire is never refused — and the citizen told. A complaint
 * counts once it is filed (stored after the commit; a message id keeps its rank, so one handled
 * twice counts once). */
static int file_case(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                     engine_result *r, desk_out *out, err *e)
{
    case_info ci;
    const char *lang = s->lang[0] ? s->lang : "hi";
    int ok, urgent_ok, wanted;
    const limit_kind kinds[] = {LIMIT_COMPLAINTS, LIMIT_URGENT};
    long rank[2];
    slot_ranks(cv, m, kinds, 2, rank);
    if (limit_decide(LIMIT_COMPLAINTS, limit_max(cv->cfg, LIMIT_COMPLAINTS), rank[0]) !=
        LIMIT_ALLOW) {
        if ((wanted = case_is_urgent(cv->pg, s, e)) < 0)
            return -1;
        if (!wanted)
            return tell_limit(cv, ctx, s, LIMIT_COMPLAINTS, FLOW_REPLY_LIMIT_COMPLAINTS, 1, r, e);
        urgent_ok = 0;
    } else {
        urgent_ok =
            limit_decide(LIMIT_URGENT, limit_max(cv->cfg, LIMIT_URGENT), rank[1]) == LIMIT_ALLOW;
    }
    ok = case_create(cv->pg, m->from, m->profile_name, lang, s, m->id, urgent_ok, &ci, e) == 0;
    if (!ok && e->kind == ERR_ENV)
        return -1;
    if (ok && learn_village(cv, s, m->from, e) < 0)
        return -1;
    if (ok) {
        count_after_commit(cv, LIMIT_COMPLAINTS);
        if (ci.urgent)
            count_after_commit(cv, LIMIT_URGENT);
        if (desk_case_created(out, &ci, e) < 0 ||
            (ci.urgent_limited &&
             tell_limit(cv, ctx, s, LIMIT_URGENT, FLOW_REPLY_LIMIT_URGENT, 0, r, e) < 0))
            return -1;
    }
    return engine_resume(ctx, s, ok, (const char *[]){"tracking_no", "due", "department_name"},
                         (const char *[]){ci.tracking_no, ci.due, ci.department_name}, ok ? 3 : 0,
                         r, e);
}

/* The question (the flow's "question" input, a voice note or a file as its whole answer) to
 * the live helpdesk, within the hour's limit; the department from the flow's
 * "helpdesk_department" ("" general). {helpdesk_note} tells the citizen whether the officer on
 * duty has it or when the desk opens; with nobody to ask, the flow's on_error state says so. */
static int ask_helpdesk(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                        engine_result *r, desk_out *out, err *e)
{
    const limit_kind kind = LIMIT_HELPDESK;
    char note[1200] = "";
    const char *q = engine_session_get(s, "question"), *d = engine_session_get(s, "helpdesk_department");
    const char *mid = engine_session_get(s, "question" ENGINE_MEDIA_SUFFIX);
    desk_question dq = {d ? d : "", q ? q : "", m->id,
                        engine_session_get(s, "question" ENGINE_MEDIA_SUFFIX "_type"),
                        mid && *mid ? mid : NULL,
                        engine_session_get(s, "question" ENGINE_MEDIA_SUFFIX "_mime"),
                        engine_session_get(s, "question" ENGINE_MEDIA_SUFFIX "_filename")};
    long rank;
    int told;
    slot_ranks(cv, m, &kind, 1, &rank);
    if (limit_decide(LIMIT_HELPDESK, limit_max(cv->cfg, LIMIT_HELPDESK), rank) != LIMIT_ALLOW)
        return tell_limit(cv, ctx, s, LIMIT_HELPDESK, FLOW_REPLY_LIMIT_HELPDESK, 1, r, e);
    if ((told = desk_helpdesk_ask(out, m->from, s->lang[0] ? s->lang : "hi", &dq, note,
                                  sizeof note, e)) < 0)
        return -1;
    if (told)
        count_after_commit(cv, LIMIT_HELPDESK);
    return engine_resume(ctx, s, told, (const char *[]){"helpdesk_note"},
                         (const char *[]){note}, 1, r, e);
}

/* Candidate i's row under its number: the public subject, the place — the citizen's own words for
 * it when the names matched, "within 250 m" when the map did (never the other citizen's text) —,
 * the age, how many report it; subject and place each cut to leave room for the rest. */
static void similar_row(conv *cv, const PGresult *q, int i, const char *lang, const char *village,
                        const char *age, char *out, size_t n)
{
    char subject[256], place[256];
    snprintf(subject, sizeof subject, "%s", PQgetvalue(q, i, 4));
    text_fit(subject);
    text_cut(subject, 26);
    if (PQgetvalue(q, i, 5)[0] == 't')
        snprintf(place, sizeof place, "%s", village);
    else
        catalogue_put(place, sizeof place, cv->cat, MSG_SIMILAR_NEARBY, lang, NULL);
    text_fit(place);
    text_cut(place, 18);
    catalogue_put(out, n, cv->cat, MSG_SIMILAR_ROW, lang, "place", place, "age", age, "people",
                  PQgetvalue(q, i, 3), "subject", subject, NULL);
    text_cut(out, FLOW_ROW_DESC_MAX);
}

/* The open cases the draft may repeat (SPEC section 12), left in the session as the "similar"
 * state's rows (similar_n, similar_<i> the tracking number, _title, _desc in the citizen's
 * language); none: the action fails over to its on_error state, the confirmation. */
static int find_similar(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                        engine_result *r, err *e)
{
    char key[PLACE_KEY_MAX], lat[32], lon[32], k[40], v[400], days[16];
    const char *lang = s->lang[0] ? s->lang : "hi", *dept = engine_session_get(s, "department");
    PGresult *q;
    int n, rc = 0;
    const char *village = case_draft_where(s, lat, lon);
    place_key(village, key, sizeof key);
    if (!(q = similar_find(cv->pg, dept ? dept : "", key, lat, lon, m->from, lang, e)))
        return -1;
    n = PQntuples(q);
    for (int i = 0; i < n && rc == 0; i++) {
        char age[100];
        if (atoi(PQgetvalue(q, i, 2)) > 0)
            catalogue_put(age, sizeof age, cv->cat, MSG_SIMILAR_AGE, lang, "days",
                          PQgetvalue(q, i, 2), NULL);
        else
            catalogue_put(age, sizeof age, cv->cat, MSG_SIMILAR_TODAY, lang, NULL);
        similar_row(cv, q, i, lang, village, age, v, sizeof v);
        snprintf(k, sizeof k, "similar_%d", i + 1);
        rc |= engine_session_set(s, k, PQgetvalue(q, i, 0));
        snprintf(k, sizeof k, "similar_%d_title", i + 1);
        rc |= engine_session_set(s, k, PQgetvalue(q, i, 0));
        snprintf(k, sizeof k, "similar_%d_desc", i + 1);
        rc |= engine_session_set(s, k, v);
    }
    snprintf(days, sizeof days, "%d", n);
    rc |= engine_session_set(s, "similar_n", days);
    PQclear(q);
    if (rc < 0)
        return err_set(e, ERR_ENV, "out of memory in the conversation engine");
    return engine_resume(ctx, s, n > 0, NULL, NULL, 0, r, e);
}

/* The citizen follows the case they chose instead of filing (followers.c): the officers hear
 * one line, the citizen the case's number and status. A case closed meanwhile: on_error (the
 * confirmation, to file their own). */
static int join_case(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                     engine_result *r, desk_out *out, err *e)
{
    const char *t = engine_session_get(s, "join_case"), *lang = s->lang[0] ? s->lang : "hi";
    const char *desc = engine_session_get(s, "description");
    follow_result f;
    case_info ci;
    char people[16];
    int found;
    if (followers_join(cv->pg, t ? t : "", m->from, lang, m->id, &f, e) < 0)
        return -1;
    if (!f.open)
        return engine_resume(ctx, s, 0, NULL, NULL, 0, r, e);
    snprintf(people, sizeof people, "%d", f.followers + 1);
    if (f.joined && desk_case_joined(out, t, m->from, f.followers + 1, desc ? desc : "", e) < 0)
        return -1;
    memset(&ci, 0, sizeof ci);
    if ((found = case_lookup(cv->pg, m->from, t, lang, &ci, e)) < 0)
        return -1;
    return engine_resume(ctx, s, 1,
                         (const char *[]){"tracking_no", "status", "department_name", "people"},
                         (const char *[]){t, ci.status, ci.department_name, people}, 4, r, e);
}

/* The flow's "subscribe" action: scheme updates for the village asked (sub_village: typed; a
 * shared location's name; a voice note names none, so the village known is kept) and the block
 * (sub_block, may be skipped), consent by the menu. {sub_village} is the village kept, else the
 * flow's words for what was sent. */
static int subscribe(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                     engine_result *r, err *e)
{
    const char *v = engine_session_get(s, "sub_village"), *b = engine_session_get(s, "sub_block");
    const char *type = engine_session_get(s, "sub_village" ENGINE_MEDIA_SUFFIX "_type");
    const char *name = engine_session_get(s, "sub_village" ENGINE_MEDIA_SUFFIX "_name");
    if (type && strcmp(type, "location") == 0)
        v = name && *name ? name : NULL;
    else if (type && *type)
        v = NULL;
    if (subscribers_subscribe(cv->pg, m->from, v, b, "menu", e) < 0)
        return -1;
    return engine_resume(ctx, s, 1, (const char *[]){"sub_village"}, (const char *[]){v}, v ? 1 : 0,
                         r, e);
}

/* A case's status for the flow (the number asked, or — none given — the citizen's newest, the
 * others listed after it: recent_after gets its number). A merged case's status says which
 * case it joined. */
static int lookup_case(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                       engine_result *r, char *recent_after, size_t n, err *e)
{
    case_info ci;
    char merged[600];
    const char *status = ci.status, *lang = s->lang[0] ? s->lang : "hi",
               *t = engine_session_get(s, "tracking_no");
    int found = case_lookup(cv->pg, m->from, t ? t : "", lang, &ci, e);
    if (found < 0)
        return -1;
    if (found == 1 && (!t || !*t))
        snprintf(recent_after, n, "%s", ci.tracking_no);
    if (found == 1 && ci.merged_into[0])
        status = catalogue_put(merged, sizeof merged, cv->cat, MSG_CASE_MERGED, lang, "tracking_no",
                               ci.tracking_no, "into", ci.merged_into, NULL);
    return engine_resume(ctx, s, found == 1,
                         (const char *[]){"tracking_no", "status", "department_name",
                                          "last_action", "last_action_at", "due"},
                         (const char *[]){ci.tracking_no, status, ci.department_name,
                                          ci.last_action, ci.last_action_at, ci.due},
                         found == 1 ? 6 : 0, r, e);
}

/* The i-th reply to m: to the outbox (its key derived from m's id) and the sink. */
static int send_out(conv *cv, const wa_message *m, size_t i, const engine_out *o,
                    const char *case_id, conv_sink sink, void *ud, err *e)
{
    char key[320];
    snprintf(key, sizeof key, "%s:%zu", m->id, i);
    if (!cv->no_outbox && outbox_engine(cv->pg, key, m->from, o, "conversation", case_id, e) < 0)
        return -1;
    if (sink)
        sink(ud, m->from, o, NULL);
    return 0;
}

/* STOP / बंद / रोकें and START / शुरू (SPEC section 13): a whole message (or a template's
 * quick-reply button of that title), from any state. STOP ends every broadcast and says, to a
 * citizen with a case not closed, that its updates still come; START resumes only a number
 * that had stopped. The session is not touched: a draft complaint waits for its next answer.
 * 2 STOP answered, 1 START answered, 0 not such a message (the flow's), -1 error. */
static int stop_or_start(conv *cv, const wa_message *m, const char *lang, int in_chat,
                         conv_sink sink, void *ud, err *e)
{
    static const char *const english[] = {"stop", "start", "unsubscribe", NULL};
    const char *words = m->kind == WA_MSG_TEXT     ? m->text
                        : m->kind == WA_MSG_BUTTON ? m->reply_title
                                                   : NULL;
    char norm[64];
    engine_out o = {.kind = ENGINE_SEND, .type = ENGINE_TEXT};
    msg_id id;
    int rc;
    if (!words || text_normalize(words, norm, sizeof norm) == 0 || !norm[0])
        return 0;
    if (in_chat && m->kind == WA_MSG_TEXT && !words_in(norm, english))
        return 0;
    if (words_in(norm, words_stop)) {
        if (subscribers_stop(cv->pg, m->from, e) < 0 ||
            broadcast_forget_phone(cv->pg, m->from, e) < 0 ||
            (rc = case_open_for(cv->pg, m->from, e)) < 0)
            return -1;
        id = rc ? MSG_BROADCASTS_STOPPED_CASES : MSG_BROADCASTS_STOPPED;
    } else if (words_in(norm, words_start)) {
        if ((rc = subscribers_start(cv->pg, m->from, e)) <= 0)
            return rc;
        id = rc == 2 ? MSG_BROADCASTS_RESUMED : MSG_BROADCASTS_ALLOWED;
    } else {
        return 0;
    }
    if (!(o.text = catalogue_text(cv->cat, id, lang, NULL)))
        return err_set(e, ERR_ENV, "out of memory");
    rc = send_out(cv, m, 0, &o, NULL, sink, ud, e);
    free(o.text);
    return rc < 0 ? -1 : id == MSG_BROADCASTS_RESUMED || id == MSG_BROADCASTS_ALLOWED ? 1 : 2;
}

/* Carries out the engine's actions, resuming it with their results (which may add more). */
static int perform(conv *cv, const engine_ctx *ctx, engine_session *s, const wa_message *m,
                   engine_result *r, desk_out *out, conv_sink sink, void *ud, err *e)
{
    char case_id[24] = "", recent_after[32] = "";
    for (size_t i = 0; i < r->n; i++) {
        engine_out *o = &r->out[i];
        switch (o->kind) {
        case ENGINE_SEND:
            if (send_out(cv, m, i, o, case_id[0] ? case_id : NULL, sink, ud, e) < 0)
                return -1;
            break;
        case ENGINE_SET_LANGUAGE:
            if (case_set_language(cv->pg, m->from, o->text, e) < 0)
                return -1;
            break;
        case ENGINE_CREATE_CASE:
            if (file_case(cv, ctx, s, m, r, out, e) < 0)
                return -1;
            break;
        case ENGINE_LOOKUP_CASE:
            if (lookup_case(cv, ctx, s, m, r, recent_after, sizeof recent_after, e) < 0)
                return -1;
            break;
        case ENGINE_HELPDESK:
            if (ask_helpdesk(cv, ctx, s, m, r, out, e) < 0)
                return -1;
            break;
        case ENGINE_FIND_SIMILAR:
            if (find_similar(cv, ctx, s, m, r, e) < 0)
                return -1;
            break;
        case ENGINE_JOIN_CASE:
            if (join_case(cv, ctx, s, m, r, out, e) < 0)
                return -1;
            break;
        case ENGINE_SUBSCRIBE:
            if (subscribe(cv, ctx, s, m, r, e) < 0)
                return -1;
            break;
        }
    }
    if (recent_after[0] && desk_recent_cases(out, m->from, s->lang, recent_after, e) < 0)
        return -1;
    return 0;
}

/* What one message leaves for after the commit: the session to save (save = 1, packed in
 * blob), or, for a repeat whose session never reached Redis, the one to restore. */
typedef struct after {
    int save;
    char *blob;
    size_t len;
    unsigned base; /* the Redis version blob was computed from (compare-and-set) */
} after;

static void after_clear(after *a)
{
    free(a->blob);
    memset(a, 0, sizeof *a);
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* s packed into *af, to be saved once the transaction commits. */
static int keep_session(const engine_session *s, unsigned loaded, after *af, err *e)
{
    if (!(af->blob = session_pack(s, clock_now_ms(), &af->len)))
        return err_set(e, ERR_ENV, "out of memory packing the session");
    af->save = 1;
    af->base = loaded;
    return 0;
}

/* 1 when the citizen is in the middle of a conversation: a flow question waits for an answer
 * (the language asked, a draft's question — at the main menu, only a reply the menu takes), or
 * one of their cases does. A plain reply then never starts a survey. */
static int busy(const conv *cv, const engine_session *s, const wa_message *m, int idx,
                int case_waiting)
{
    if (case_waiting || s->waiting || (idx >= 0 && idx != cv->flows->menu))
        return 1;
    return idx >= 0 && m->kind == WA_MSG_TEXT &&
           survey_menu_answer(&cv->flows->states[idx], m->text);
}

/* A message handled before is never run twice — but the session it left may not have reached
 * Redis (a crash after the commit): its snapshot is restored unless Redis moved past it. */
static void restore_snapshot(const inbound_info *info, unsigned loaded, after *af)
{
    size_t n = info->session_hex ? strlen(info->session_hex) / 2 : 0;
    if (!n || loaded != info->session_base || !(af->blob = malloc(n)))
        return;
    for (size_t i = 0; i < n; i++)
        af->blob[i] = (char)(hexval(info->session_hex[2 * i]) << 4 |
                             hexval(info->session_hex[2 * i + 1]));
    af->len = n;
    af->base = info->session_base;
    af->save = 1;
}

/* Before the flow, what a citizen's message may belong to, in this order: a live helpdesk
 * conversation (everything; "menu" leaves it), a case waiting for their answer (documents, the
 * satisfaction question: before a survey, which leaves for it), the survey a broadcast carries
 * (its button, an answer, a reply that answers its first question), then the rest of the desk (a
 * tracking number...). *handled: DESK_TAKEN or DESK_TAKEN_MENU; *surveyed: the survey's replies
 * are in r. */
static int citizen_desk(conv *cv, const wa_message *m, engine_session *s, int expired, int idx,
                        const inbound_info *info, desk_out *out, engine_result *r, int *handled,
                        int *surveyed, err *e)
{
    int in_confirm = idx >= 0 && (cv->flows->states[idx].kind == FLOW_CONFIRM ||
                                  cv->flows->states[idx].kind == FLOW_INPUT ||
                                  cv->flows->states[idx].kind == FLOW_MEDIA);
    if (info->chat_open) {
        int to_menu = 0, got = desk_helpdesk_citizen(out, m, &to_menu, e);
        if (got < 0)
            return -1;
        *handled = got > 0 ? (to_menu ? DESK_TAKEN_MENU : DESK_TAKEN) : 0;
    }
    if (!*handled && info->case_waiting && !survey_chat_claims(cv->flows, s, m) &&
        desk_citizen(out, m, s->lang, in_confirm, 1, handled, e) < 0)
        return -1;
    if (*handled) {
        if (survey_chat_active(s))
            survey_chat_end(s); /* the case or the helpdesk took it: left, its answers kept */
        return 0;
    }
    if ((*surveyed = survey_chat(cv->pg, cv->flows, cv->cat, s, m, expired,
                                 busy(cv, s, m, idx, info->case_waiting), r, e)) != 0)
        return *surveyed < 0 ? -1 : 0;
    return info->case_waiting ? 0 : desk_citizen(out, m, s->lang, in_confirm, 0, handled, e);
}

/* One message inside an open transaction, recorded (info: what its record said) and with its
 * session already loaded: either the desk (officers, and what belongs to an existing case) or
 * the engine and its actions. Fills *af with what to do with the session once the transaction
 * commits. */
static int step_in_tx(conv *cv, const wa_message *m, const inbound_info *infop, engine_session *s,
                      int expired, unsigned loaded, long rank, after *af, conv_sink sink,
                      void *ud, err *e)
{
    engine_ctx ctx;
    engine_result r = {0};
    const inbound_info info = *infop;
    int handled = 0, idx, rc = -1, surveyed = 0, was_surveying;
    struct {
        conv_sink sink;
        void *ud;
    } fw = {sink, ud};
    desk_out out = {cv->pg, m->id, 0, cv->no_outbox, show_desk, &fw, cv->cat, 0};
    memset(af, 0, sizeof *af);
    if (!info.fresh) {
        restore_snapshot(&info, loaded, af);
        return 0;
    }
    if (info.staff)
        return desk_officer(&out, m, e) < 0 ? -1 : 0;
    if (!s->lang[0])
        snprintf(s->lang, sizeof s->lang, "%s", info.lang);
    ctx = (engine_ctx){cv->flows,
                       cv->depts,
                       cv->ndepts,
                       cv->district,
                       catalogue_flow_text(cv->cat, MSG_MORE_OPTIONS),
                       catalogue_flow_text(cv->cat, MSG_MORE_OPTIONS_DESC),
                       catalogue_flow_text(cv->cat, MSG_CHOOSE_BUTTON),
                       cv->tracking_example};
    switch (limit_decide(LIMIT_MESSAGES, limit_max(cv->cfg, LIMIT_MESSAGES), rank)) {
    case LIMIT_ALLOW:
        break;
    case LIMIT_REFUSE: /* the first message past the limit: one polite answer, no step */
        if (tell_limit(cv, &ctx, s, LIMIT_MESSAGES, FLOW_REPLY_LIMIT_MESSAGES, 0, &r, e) == 0)
            rc = perform(cv, &ctx, s, m, &r, &out, sink, ud, e);
        engine_result_free(&r);
        return rc;
    case LIMIT_REFUSE_QUIET: /* recorded above, and already answered: nothing more */
        metrics_limited(LIMIT_MESSAGES);
        return 0;
    }
    /* STOP and START come before everything a citizen's message may belong to — but in a live
     * helpdesk conversation "बंद" or "चालू" may be the answer to the officer's question: there
     * only the English words and a template's button count. */
    if ((handled = stop_or_start(cv, m, s->lang, info.chat_open, sink, ud, e)) != 0) {
        if (handled != 2 || !survey_chat_active(s)) /* STOP ends a survey; START leaves it be */
            return handled < 0 ? -1 : 0;
        survey_chat_end(s);
        return keep_session(s, loaded, af, e);
    }
    idx = s->state[0] && !expired ? flow_state_index(cv->flows, s->state) : -1;
    was_surveying = survey_chat_active(s);
    if (citizen_desk(cv, m, s, expired, idx, &info, &out, &r, &handled, &surveyed, e) < 0) {
        engine_result_free(&r);
        return -1;
    }
    if (handled == DESK_TAKEN) /* a survey the message left is saved as left */
        return was_surveying && !survey_chat_active(s) ? keep_session(s, loaded, af, e) : 0;
    if ((surveyed                     ? 0
         : handled == DESK_TAKEN_MENU ? engine_menu(&ctx, s, &r, e)
                                      : engine_step(&ctx, s, m, expired, &r, e)) == 0 &&
        perform(cv, &ctx, s, m, &r, &out, sink, ud, e) == 0)
        rc = keep_session(s, loaded, af, e);
    engine_result_free(&r);
    return rc;
}

/* Writes each fresh message's row, with the session it left, in the transaction (migration
 * 0010): one write of the row (inbound.c), queued to go with the COMMIT. */
static int snapshot(conv *cv, const wa_message *const *ms, const after *af,
                    const inbound_info *info, size_t n, err *e)
{
    const char *hexes[CONV_BATCH_MAX] = {0};
    char *hexbuf[CONV_BATCH_MAX] = {0};
    unsigned bases[CONV_BATCH_MAX] = {0};
    int rc = -1;
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        if (!info[i].fresh || !af[i].save || !af[i].blob)
            continue;
        if (!(hexbuf[i] = malloc(2 * af[i].len + 1))) {
            err_set(e, ERR_ENV, "out of memory");
            goto out;
        }
        for (size_t j = 0; j < af[i].len; j++) {
            hexbuf[i][2 * j] = digits[(unsigned char)af[i].blob[j] >> 4];
            hexbuf[i][2 * j + 1] = digits[(unsigned char)af[i].blob[j] & 15];
        }
        hexbuf[i][2 * af[i].len] = '\0';
        hexes[i] = hexbuf[i];
        bases[i] = af[i].base;
    }
    rc = inbound_store_many(cv->pg, ms, n, info, hexes, bases, e);
out:
    for (size_t i = 0; i < n; i++)
        free(hexbuf[i]);
    return rc;
}

/* Every message's read receipt (blue ticks) into rs — repeats too: one whose receipt was
 * lost with the round trip below gets it now, and marking read twice is harmless. None without
 * an outbox (sampark chat). Returns how many. */
static size_t batch_receipts(const conv *cv, const wa_message *const *ms, size_t n, receipt *rs)
{
    size_t k = 0;
    for (size_t i = 0; i < n && !cv->no_outbox; i++) {
        memset(&rs[k], 0, sizeof rs[k]);
        snprintf(rs[k].phone, sizeof rs[k].phone, "%s", ms[i]->from);
        snprintf(rs[k].wamid, sizeof rs[k].wamid, "%s", ms[i]->id);
        rs[k++].ts = ms[i]->timestamp;
    }
    return k;
}

/* After the commit: the sessions and the read receipts into Redis, in one round trip. -1 when
 * Redis did not take them — the caller then leaves the messages unacknowledged, and their
 * redelivery restores the sessions from the snapshots and records the receipts again. */
static int store_sessions(conv *cv, redisContext *rc, const wa_message *const *ms, after *af,
                          size_t n, err *e)
{
    const char *phones[CONV_BATCH_MAX], *blobs[CONV_BATCH_MAX];
    size_t lens[CONV_BATCH_MAX], k = 0;
    unsigned bases[CONV_BATCH_MAX];
    receipt rs[CONV_BATCH_MAX];
    size_t nr = batch_receipts(cv, ms, n, rs);
    int64_t ttl = (int64_t)cv->cfg->session_ttl_h * 3600 * 1000;
    int sent = 0;
    for (size_t i = 0; i < n; i++)
        if (af[i].save) {
            phones[k] = ms[i]->from;
            blobs[k] = af[i].blob;
            lens[k] = af[i].len;
            bases[k++] = af[i].base;
        }
    if ((k && session_store_send(rc, phones, blobs, lens, k, ttl, bases) < 0) ||
        (sent = receipts_append(rc, rs, nr)) < 0)
        err_set(e, ERR_ENV, "out of memory");
    else if ((!k || session_store_replies(rc, k, NULL, e) == 0) &&
             (!sent || receipts_reply(rc, e) == 0))
        return 0;
    rds_reset(cv->redis);
    log_warn(NULL, "sessions or read receipts not saved, their messages will be retried: %s",
             e->msg);
    return -1;
}

/* What a failure means: a message that can never be handled, or a server away for a while. */
static int failure(conv *cv, const err *e)
{
    return e->kind == ERR_USER || (e->kind == ERR_ENV && !db_error_transient(cv->pg) &&
                                   strstr(e->msg, "PostgreSQL"))
               ? CONV_DEAD
               : CONV_RETRY;
}

/* Whether s waits at a confirmation: its next message may file a complaint. */
static int at_confirm(const conv *cv, const engine_session *s, int expired)
{
    int idx = s->state[0] && !expired ? flow_state_index(cv->flows, s->state) : -1;
    return idx >= 0 && cv->flows->states[idx].kind == FLOW_CONFIRM;
}

/* The batch's one round trip of limit counts: every message towards its sender's minute
 * (stored now: staff are counted too, never limited), and for a citizen at a confirmation the
 * day's complaints and urgent complaints, looked at only. -1 when the connection broke, else
 * 0: a count Redis could not give is 0, which allows. */
static int count_batch(conv *cv, redisContext *rc, const wa_message *const *ms,
                       const engine_session *ss, const int *expired, size_t n, err *e)
{
    static const limit_kind kinds[] = {LIMIT_MESSAGES, LIMIT_COMPLAINTS, LIMIT_URGENT};
    struct {
        size_t i;
        limit_kind k;
    } at[CONV_BATCH_MAX * 3];
    long got[CONV_BATCH_MAX * 3];
    size_t sent = 0;
    err le = {0};
    memset(cv->slots, 0, sizeof cv->slots);
    for (size_t i = 0; i < n; i++)
        cv->slots[i].t = sent_ms(ms[i]);
    for (size_t i = 0; i < n && !le.msg[0]; i++) {
        int confirming = at_confirm(cv, &ss[i], expired[i]);
        for (size_t j = 0; j < 3 && !le.msg[0]; j++) {
            int max = limit_max(cv->cfg, kinds[j]);
            if (max <= 0 || (kinds[j] != LIMIT_MESSAGES && !confirming))
                continue;
            if (limit_append(rc, kinds[j], max, ms[i]->from, ms[i]->id, cv->slots[i].t,
                             kinds[j] == LIMIT_MESSAGES, &le) == 0)
                at[sent].i = i, at[sent++].k = kinds[j];
        }
    }
    if (sent && limit_read(rc, sent, got, le.msg[0] ? NULL : &le) == 0 && !le.msg[0])
        for (size_t j = 0; j < sent; j++) {
            cv->slots[at[j].i].rank[at[j].k] = got[j];
            cv->slots[at[j].i].looked |= 1u << at[j].k;
        }
    if (le.msg[0] && rc->err)
        return err_set(e, ERR_ENV, "%s", le.msg);
    if (le.msg[0])
        log_warn(NULL, "limits not checked, allowed: %s", le.msg);
    return 0;
}

/* After the commit: the batch's filed complaints and forwarded questions count, in one round
 * trip. A failure only logs (fail-open). */
static void store_counts(conv *cv, redisContext *rc, const wa_message *const *ms, size_t n)
{
    long got[CONV_BATCH_MAX * LIMIT_KIND_COUNT];
    size_t sent = 0;
    err le = {0};
    for (size_t i = 0; i < n && !le.msg[0]; i++)
        for (int k = 0; k < LIMIT_KIND_COUNT && !le.msg[0]; k++)
            if ((cv->slots[i].keep & (1u << k)) && limit_max(cv->cfg, (limit_kind)k) > 0 &&
                limit_append(rc, (limit_kind)k, limit_max(cv->cfg, (limit_kind)k), ms[i]->from,
                             ms[i]->id, cv->slots[i].t, 1, &le) == 0)
                sent++;
    if (sent)
        limit_read(rc, sent, got, le.msg[0] ? NULL : &le);
    if (le.msg[0])
        log_warn(NULL, "limits not counted: %s", le.msg);
}

/* The batch's transaction: looked up (their ids locked), stepped, its outbox rows (deferred while
 * stepping, then written by one statement) and the messages' rows with their snapshots written,
 * committed. Two round trips besides what a step reads or files (a complaint): BEGIN travels with
 * the lock and record statements, the outbox rows and the messages' rows with the COMMIT
 * (pipelined, db.h). On failure rolled back, and *dead says whether the failure is the data's
 * own. */
static int transact(conv *cv, const wa_message *const *ms, size_t n, engine_session *ss,
                    const int *expired, const unsigned *loaded, after *af, inbound_info *info,
                    conv_sink sink, void *ud, int *dead, err *e)
{
    int rc = -1;
    if (db_send_begin(cv->pg, e) < 0)
        return -1;
    outbox_defer(cv->pg);
    /* The batch's messages looked up in one statement; their rows are written once, at the end
     * (snapshot). A failure of any one — its look-up, its step, or its row or outbox rows in the
     * COMMIT's round trip — fails the whole transaction: the worker then handles each message
     * alone (worker.c), and only the one at fault is dead-lettered or retried. Their read
     * receipts go to Redis after the commit (store_sessions). */
    if (inbound_record_many(cv->pg, ms, n, info, e) < 0)
        goto out;
    for (size_t i = 0; i < n; i++)
        if ((cv->cur = i, step_in_tx(cv, ms[i], &info[i], &ss[i], expired[i], loaded[i],
                                     cv->slots[i].rank[LIMIT_MESSAGES], &af[i], sink, ud, e)) < 0)
            goto out;
    if (outbox_flush(cv->pg, e) < 0 || snapshot(cv, ms, af, info, n, e) < 0 ||
        db_commit(cv->pg, e) < 0)
        goto out;
    rc = 0;
out:
    outbox_undefer(cv->pg);
    if (rc < 0) {
        *dead = failure(cv, e) == CONV_DEAD;
        db_rollback(cv->pg);
    }
    return rc;
}

/* The messages (distinct senders) in one transaction; see conv_handle_many. */
static int run(conv *cv, const wa_message *const *ms, size_t n, conv_sink sink, void *ud, int *dead,
               err *e)
{
    engine_session ss[CONV_BATCH_MAX];
    const char *phones[CONV_BATCH_MAX];
    unsigned loaded[CONV_BATCH_MAX];
    int expired[CONV_BATCH_MAX], ok = 0;
    after af[CONV_BATCH_MAX];
    inbound_info info[CONV_BATCH_MAX];
    redisContext *rc;
    int64_t ttl = (int64_t)cv->cfg->session_ttl_h * 3600 * 1000;
    *dead = 0;
    memset(af, 0, sizeof af);
    memset(info, 0, sizeof info);
    for (size_t i = 0; i < n; i++) {
        phones[i] = ms[i]->from;
        engine_session_init(&ss[i]);
    }
    if (load_depts(cv, e) < 0)
        goto out;
    if (!(rc = rds_get(cv->redis, e)) ||
        session_load_many(rc, phones, n, clock_now_ms(), ttl, ss, expired, loaded, e) < 0) {
        rds_reset(cv->redis);
        goto out;
    }
    if (count_batch(cv, rc, ms, ss, expired, n, e) < 0) {
        rds_reset(cv->redis); /* the connection broke: the batch waits for Redis like any other */
        goto out;
    }
    cv->live = rc;
    if (transact(cv, ms, n, ss, expired, loaded, af, info, sink, ud, dead, e) < 0)
        goto out;
    store_counts(cv, rc, ms, n);
    ok = store_sessions(cv, rc, ms, af, n, e) == 0;
out:
    cv->live = NULL;
    for (size_t i = 0; i < n; i++) {
        engine_session_clear(&ss[i]);
        after_clear(&af[i]);
        inbound_info_clear(&info[i]);
    }
    return ok ? 0 : -1;
}

int conv_handle(conv *cv, const wa_message *m, conv_sink sink, void *ud, err *e)
{
    int dead = 0;
    if (run(cv, &m, 1, sink, ud, &dead, e) == 0)
        return CONV_DONE;
    return dead ? CONV_DEAD : CONV_RETRY;
}

int conv_handle_many(conv *cv, const wa_message *const *ms, size_t n, err *e)
{
    int dead = 0;
    if (n > CONV_BATCH_MAX)
        return err_set(e, ERR_USER, "batch of %zu messages: at most %d", n, CONV_BATCH_MAX);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < i; k++)
            if (strcmp(ms[k]->from, ms[i]->from) == 0)
                return err_set(e, ERR_USER, "a batch holds one message per sender");
    return run(cv, ms, n, NULL, NULL, &dead, e);
}

int conv_reset(conv *cv, const char *phone, err *e)
{
    redisContext *rc = rds_get(cv->redis, e);
    return rc ? session_delete(rc, phone, e) : -1;
}
