/* sender.c — see sender.h. One loop: ask Redis for this tenth of a second's sending budget,
 * claim that many recipient-queue heads from PostgreSQL (case traffic first; a claim lapses
 * after a minute, so a crashed sender's messages are picked up again) and take the read
 * receipts waiting in Redis (receipts.h), start their requests on the curl multi handle, and
 * record each outcome as it completes. The claim makes the head of a
 * recipient's queue "sending", so the next message to that citizen waits until this one is
 * settled. */
#include "sender.h"

#include <curl/curl.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "broadcast.h"
#include "subscribers.h"
#include "cases.h"
#include "clock.h"
#include "catalogue.h"
#include "db.h"
#include "log.h"
#include "metrics.h"
#include "outbox.h"
#include "rds.h"
#include "receipts.h"
#include "text.h"
#include "wa_out.h"

#define MAX_INFLIGHT 64
#define MAX_ATTEMPTS 30
#define SENT_MAX     (2 * MAX_INFLIGHT)
#define BACK_MAX     (2 * MAX_INFLIGHT) /* read receipts put back in one round trip */
/* After a Redis call found no answer, the loop leaves Redis alone this long: each call waits
 * out the command timeout (2 s), and calls one after another would keep curl from being driven
 * until replies Graph already accepted time out and go twice. */
#define REDIS_REST_MS 1000
/* A broadcast leaves case traffic room at every moment: in-flight slots, and a twentieth of the
 * send rate (so a broadcast alone goes at 95% of SAMPARK_SEND_RATE). */
#define BROADCAST_INFLIGHT_MAX (MAX_INFLIGHT - 8)
#define BROADCAST_RESERVE(rate) ((rate) / 20 > 0 ? (rate) / 20 : (rate) > 1)

/* A claim takes heads of recipients' queues — a queue's oldest unsent message — when they are
 * neither in flight nor waiting out a backoff. Two walks, each over recipients with unsent
 * messages in recipient order from where its last claim stopped (a cursor: every recipient gets
 * a turn, however long another one's queue), one index descent a recipient: first the
 * recipients with case traffic (migration 0028), then those with a broadcast's row — so a
 * citizen's reply never waits for a pass over a broadcast's 200 recipients. A walk finds a
 * recipient's oldest row of its kind; the head is that row, or the recipient's older row of the
 * other kind (a probe of the other index: no index holds every unsent row, migration 0036). A
 * broadcast row is taken whole-queue-head too (a citizen's messages keep their order), and
 * returned marked withdrawn (column 9) when its broadcast stopped running meanwhile (a lapsed
 * claim, a pause). */
#define CLAIM_WALK(walked, other)                                                                  \
    "WITH RECURSIVE w AS ("                                                                        \
    "  (SELECT recipient, id, state, claimed_until, next_attempt_at FROM outbound_messages"       \
    "   WHERE " walked " AND recipient > $3 ORDER BY recipient, id LIMIT 1)"                       \
    "  UNION ALL"                                                                                  \
    "  SELECT n.* FROM w, LATERAL (SELECT recipient, id, state, claimed_until, next_attempt_at"   \
    "   FROM outbound_messages WHERE " walked " AND recipient > w.recipient"                       \
    "   ORDER BY recipient, id LIMIT 1) n),"                                                       \
    " heads AS (SELECT h.* FROM w CROSS JOIN LATERAL ("                                            \
    "   (SELECT id, state, claimed_until, next_attempt_at FROM outbound_messages"                 \
    "    WHERE " other " AND recipient = w.recipient AND id < w.id ORDER BY id LIMIT 1)"           \
    "   UNION ALL SELECT w.id, w.state, w.claimed_until, w.next_attempt_at"                       \
    "   ORDER BY id LIMIT 1) h),"
#define CLAIM_TAKE                                                                                 \
    " pick AS (SELECT id FROM heads WHERE (state = 'queued' OR claimed_until < now())"             \
    "   AND (next_attempt_at IS NULL OR next_attempt_at <= now()) LIMIT $2::int)"                  \
    " UPDATE outbound_messages o SET state = 'sending', claimed_by = $1,"                          \
    " claimed_until = now() + interval '60 seconds', attempts = o.attempts + 1,"                   \
    " updated_at = now()"                                                                          \
    " FROM pick"                                                                                   \
    " WHERE o.id = pick.id AND (o.state = 'queued' OR o.claimed_until < now())"                    \
    " RETURNING o.id, o.recipient, o.kind, COALESCE(o.purpose, ''), o.payload::text, o.attempts,"  \
    "  COALESCE((SELECT tracking_no FROM cases WHERE id = o.case_id), ''),"                        \
    "  COALESCE((SELECT last_inbound_at > GREATEST(o.window_at, now()) - interval '24 hours'"      \
    "   FROM wa_contacts WHERE phone = o.recipient),"                                              \
    "           false), COALESCE(o.template_hint::text, ''),"                                      \
    "  o.purpose = 'broadcast' AND " BROADCAST_SQL_HELD("o.id", "o.recipient")
#define UNSENT          OUTBOX_SQL_UNSENT("")
#define CASE_TRAFFIC    UNSENT " AND purpose IS DISTINCT FROM 'broadcast'"
#define BROADCAST_ROWS  UNSENT " AND purpose = 'broadcast'"
static const db_stmt st_claim_case = {
    "sender_claim_case", CLAIM_WALK(CASE_TRAFFIC, BROADCAST_ROWS) CLAIM_TAKE, 3};
static const db_stmt st_claim_broadcast = {
    "sender_claim_broadcast", CLAIM_WALK(BROADCAST_ROWS, CASE_TRAFFIC) CLAIM_TAKE, 3};
/* Claimed rows of a broadcast no longer running leave the outbox unsent; their recipients go
 * back to the broadcast's queue (paused) or are skipped (cancelled). */
static const db_stmt st_withdraw = {
    "sender_withdraw",
    "WITH d AS (DELETE FROM outbound_messages WHERE id = ANY($1::bigint[]) AND state = 'sending'"
    "  AND claimed_by = $2 RETURNING id) " BROADCAST_SQL_WITHDRAWN("d"),
    2};
#define SENT_CODE "CASE WHEN s.state = 'failed' THEN s.error_code END"
/* Records delivered messages with their wamids. A status Meta reported before the wamid was
 * stored (early_statuses, migration 0013) is applied here at once, a failure on the case too. */
static const db_stmt st_sent = {
    "sender_sent",
    "WITH v AS (SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, wamid, "
    "template)),"
    " e AS (DELETE FROM early_statuses es USING v, outbound_messages m WHERE es.wamid = v.wamid"
    "  AND m.id = v.id AND m.state = 'sending' RETURNING es.wamid, es.state, es.error_code,"
    "  es.error),"
    " s AS (UPDATE outbound_messages o SET state = COALESCE(e.state, 'sent'), wamid = v.wamid,"
    "  sent_at = now(), failed_at = CASE WHEN e.state = 'failed' THEN now() END,"
    "  template = NULLIF(v.template, ''), claimed_until = NULL, error = e.error,"
    "  error_code = e.error_code, updated_at = now()"
    "  FROM v LEFT JOIN e ON e.wamid = v.wamid WHERE o.id = v.id AND o.state = 'sending'"
    "  RETURNING o.id, o.case_id, o.recipient, o.state, o.error, o.error_code, o.purpose),"
    " bl AS (" SUBSCRIBERS_SQL_BLOCKED("s", SENT_CODE) "),"
    " tr AS (" BROADCAST_SQL_TEMPLATE_REFUSED("s", SENT_CODE) ")"
    " " CASES_SQL_DELIVERY_FAILED("s", "'whatsapp'", "s.error", "s.error_code",
                                  "s.state = 'failed'"),
    3};
static const db_stmt st_retry = {
    "sender_retry",
    "UPDATE outbound_messages SET state = 'queued', claimed_until = NULL,"
    " next_attempt_at = now() + $2::int * interval '1 millisecond',"
    " error_code = NULLIF($3, '')::int, error = $4, updated_at = now()"
    " WHERE id = $1::bigint AND state = 'sending'",
    4};
static const db_stmt st_failed = {
    "sender_failed",
    "WITH f AS (UPDATE outbound_messages SET state = 'failed', failed_at = now(),"
    "  claimed_until = NULL,"
    "  error_code = NULLIF($2, '')::int, error = $3, updated_at = now()"
    "  WHERE id = $1::bigint AND state = 'sending' RETURNING id, case_id, recipient, purpose),"
    /* a broadcast's recipient who blocked the business is skipped by later ones */
    " bl AS (" SUBSCRIBERS_SQL_BLOCKED("f", "NULLIF($2, '')::int") "),"
    " tr AS (" BROADCAST_SQL_TEMPLATE_REFUSED("f", "NULLIF($2, '')::int") ")"
    " " CASES_SQL_DELIVERY_FAILED("f", "'system'", "$3", "NULLIF($2, '')::int", "true"),
    3};
static const db_stmt st_release = {
    "sender_release",
    "UPDATE outbound_messages SET state = 'queued', claimed_until = NULL, attempts = attempts - 1"
    " WHERE id = ANY($1::bigint[]) AND state = 'sending'",
    1};
/* Gives back this sender's claims that it holds no job for. A claim whose answer was lost
 * (PostgreSQL committed it, then the connection broke before the rows arrived), or an outcome
 * that could not be written, leaves rows 'sending' under our name; without this they would
 * block their recipients' queues until the claim lapsed a minute later (faults suite, CI). They
 * wait five seconds first: an outcome PostgreSQL keeps refusing must not become a send loop. */
static const db_stmt st_unclaim = {
    "sender_unclaim",
    "UPDATE outbound_messages SET state = 'queued', claimed_until = NULL, updated_at = now(),"
    " next_attempt_at = GREATEST(next_attempt_at, now() + interval '5 seconds')"
    " WHERE state = 'sending' AND claimed_by = $1 AND id <> ALL($2::bigint[])",
    2};
static const db_stmt st_templates = {"sender_templates", "SELECT templates::text FROM districts",
                                     0};

/* Up to ARGV[1] messages now for the number KEYS[1], at most ARGV[2] a second, released in
 * tenths of the second (by the end of tenth k, (k+1)/10 of the rate), ARGV[3] of it held back
 * (a broadcast's claim leaves that much to case traffic at any moment). Returns {granted,
 * milliseconds until this kind has room again (0: it has now), what is left after the grant
 * (the reserve included), milliseconds left in this tenth}. The wait is until the first tenth
 * that has room: at a low rate, or with the reserve held back, not every tenth does. Spread
 * so: a budget spent in the second's first moments left the senders idle for the rest of it,
 * and a reply queued then waited for the next. */
static const char budget_lua[] =
    "local t = redis.call('TIME')\n"
    "local key = KEYS[1] .. ':' .. t[1]\n"
    "local rate, reserve = tonumber(ARGV[2]), tonumber(ARGV[3])\n"
    "local k = math.floor(tonumber(t[2]) / 100000)\n"
    "local cap = math.ceil(rate * (k + 1) / 10)\n"
    "local left = (k + 1) * 100 - math.floor(tonumber(t[2]) / 1000)\n"
    "local used = tonumber(redis.call('GET', key) or '0')\n"
    "local grant = math.max(math.min(tonumber(ARGV[1]), cap - reserve - used), 0)\n"
    "if grant > 0 then\n"
    "  used = redis.call('INCRBY', key, grant)\n"
    "  redis.call('PEXPIRE', key, 2000)\n"
    "end\n"
    "local wait = 0\n"
    "if cap - reserve <= used then\n"
    "  wait = 1000 - math.floor(tonumber(t[2]) / 1000)\n"
    "  for j = k + 1, 9 do\n"
    "    if math.ceil(rate * (j + 1) / 10) - reserve > used then\n"
    "      wait = left + (j - k - 1) * 100 break end\n"
    "  end\n"
    "end\n"
    "return {grant, wait, math.max(cap - used, 0), left}\n";

struct job {
    CURL *h;
    char id[24], to[32], kind[16], purpose[40], tracking[32], template_name[80];
    int attempts;
    int is_receipt; /* a read receipt taken from Redis (receipts.h), not an outbox row */
    receipt rcpt;
    int window_open; /* the recipient wrote in the last 24 hours */
    char *body;
    char *resp;
    size_t resp_len;
    int64_t t0; /* clock_mono_us() */
};

struct sender {
    const config *cfg;
    db *pg;
    rds *redis;
    CURLM *multi;
    char name[96];
    char url[600], auth[600];
    struct job *jobs[MAX_INFLIGHT];
    int inflight;
    json_object *templates;
    int64_t templates_at;
    catalogue *cat;             /* messages.json beside the flows: the media note's words */
    unsigned seen_reload;       /* SIGHUP's count when cat was loaded */
    int64_t budget_wait_until; /* this tenth's budget is spent: claim nothing until then */
    int64_t bcast_wait_until;  /* the broadcasts' share of it is: claim no broadcast row */
    int budget_room;           /* what the last budget answer left of this tenth's budget */
    int64_t budget_room_until; /* clock_mono_ms of that tenth's end (claim_room) */
    int inflight_bcast;        /* of inflight, broadcast messages */
    char last_problem[256];
    int unclaim; /* a PostgreSQL call failed: claims may be orphaned (give_back_orphans) */
    int64_t redis_rest_until; /* a Redis call found no answer: none until then (REDIS_REST_MS) */
    int receipt_credit;       /* eighths of a send slot read receipts have earned (receipt_share) */
    receipt back[BACK_MAX];   /* read receipts to go back to Redis (flush_put_backs) */
    long back_ms[BACK_MAX];   /* and when each is due again, ms from now */
    size_t nback;
    struct sent {
        char id[24], wamid[272], template_name[80];
    } sent[SENT_MAX];
    size_t nsent;    /* delivered, not yet recorded: one UPDATE for them all (flush_sent) */
    char cursor[32];      /* the recipient the last claim stopped at (st_claim_broadcast) */
    char case_cursor[32]; /* and the last walk over case traffic (st_claim_case) */
    /* Easy handles are kept and reused with their constant options set once: creating and
     * configuring one per message was a third of the sender's CPU (perf, issue 9). */
    CURL *idle[MAX_INFLIGHT];
    int nidle;
    struct curl_slist *headers; /* Authorization and Content-Type, shared by every request */
    broadcast_feeder *feeder;   /* moves broadcast recipients into the outbox (broadcast_feed.c) */
};

static void trouble(sender *s, const char *msg)
{
    if (strcmp(s->last_problem, msg) != 0) {
        char shown[512]; /* a server's error detail may quote a row, phones and all */
        text_mask_copy(shown, sizeof shown, msg);
        log_warn("sender", "%s (retrying)", shown);
        snprintf(s->last_problem, sizeof s->last_problem, "%s", msg);
    }
}

/* The Redis connection, or NULL + e while the loop leaves Redis alone after a call that found
 * no answer (redis_failed). */
static redisContext *redis_get(sender *s, err *e)
{
    if (clock_mono_ms() < s->redis_rest_until) {
        err_set(e, ERR_ENV, "Redis: no answer a moment ago, not asked again yet");
        return NULL;
    }
    return rds_get(s->redis, e);
}

/* A Redis call found no answer, or Redis could not be reached (an error answer is no reason to
 * rest): the connection is dropped, and for REDIS_REST_MS nothing asks Redis again — nor claims,
 * which need its budget. A failure of redis_get while resting changes nothing. */
static void redis_failed(sender *s, const char *msg)
{
    int64_t now = clock_mono_ms();
    if (now < s->redis_rest_until)
        return; /* not asked: resting already */
    rds_reset(s->redis);
    s->redis_rest_until = now + REDIS_REST_MS;
    if (s->budget_wait_until < s->redis_rest_until)
        s->budget_wait_until = s->redis_rest_until;
    trouble(s, msg);
}

sender *sender_new(const config *c, err *e)
{
    sender *s = calloc(1, sizeof *s);
    char host[64] = "host";
    if (!s || !(s->pg = db_new(c->database_url)) || !(s->redis = rds_new(c))) {
        sender_free(s);
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    s->cfg = c;
    if (!(s->feeder = broadcast_feeder_new(c))) {
        sender_free(s);
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    if (!(s->cat = catalogue_load(c->flows_dir, e))) {
        sender_free(s);
        return NULL;
    }
    gethostname(host, sizeof host - 1);
    {
        /* The name marks our claims (st_unclaim gives back those we hold no job for), so it
         * must be ours alone: host and pid repeat across containers, the start time does not. */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        snprintf(s->name, sizeof s->name, "%s:%d:%lx", host, (int)getpid(),
                 (unsigned long)ts.tv_sec ^ ((unsigned long)ts.tv_nsec << 8));
    }
    if (c->access_token) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        if (!(s->multi = curl_multi_init())) {
            sender_free(s);
            err_set(e, ERR_ENV, "libcurl: cannot create a multi handle");
            return NULL;
        }
        curl_multi_setopt(s->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
        curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, 16L);
        snprintf(s->url, sizeof s->url, "%s/%s/messages", c->api_base, c->phone_number_id);
        snprintf(s->auth, sizeof s->auth, "Authorization: Bearer %s", c->access_token);
        struct curl_slist *h = curl_slist_append(NULL, s->auth), *h2 = NULL;
        if (h && !(h2 = curl_slist_append(h, "Content-Type: application/json")))
            curl_slist_free_all(h);
        s->headers = h2;
        if (!s->headers) {
            sender_free(s);
            err_set(e, ERR_ENV, "out of memory");
            return NULL;
        }
    }
    return s;
}

static void job_free(struct job *j)
{
    if (!j)
        return;
    if (j->h)
        curl_easy_cleanup(j->h);
    free(j->body);
    free(j->resp);
    free(j);
}

void sender_free(sender *s)
{
    if (!s)
        return;
    for (int i = 0; i < MAX_INFLIGHT; i++)
        if (s->jobs[i]) {
            curl_multi_remove_handle(s->multi, s->jobs[i]->h);
            job_free(s->jobs[i]);
        }
    for (int i = 0; i < s->nidle; i++)
        curl_easy_cleanup(s->idle[i]);
    curl_slist_free_all(s->headers);
    if (s->multi) {
        curl_multi_cleanup(s->multi);
        curl_global_cleanup();
    }
    json_object_put(s->templates);
    broadcast_feeder_free(s->feeder);
    catalogue_free(s->cat);
    db_close(s->pg);
    rds_free(s->redis);
    free(s);
}

void sender_sanitize_param(char *s)
{
    char *w = s;
    int spaces = 0;
    for (char *r = s; *r; r++) {
        char c = *r == '\n' || *r == '\r' || *r == '\t' ? ' ' : *r;
        if (c == ' ' && (spaces++ || w == s))
            continue;
        if (c != ' ')
            spaces = 0;
        *w++ = c;
    }
    while (w > s && w[-1] == ' ')
        w--;
    *w = '\0';
    text_cut(s, 1024);
}

/* ---- templates outside the 24-hour window -------------------------------------------------- */

static void load_templates(sender *s)
{
    err e = {0};
    PGresult *r;
    if (s->templates && clock_mono_ms() - s->templates_at < 60000)
        return;
    if (!(r = db_query(s->pg, &st_templates, NULL, &e)))
        return;
    if (PQntuples(r) == 1) {
        json_object_put(s->templates);
        s->templates = json_tokener_parse(PQgetvalue(r, 0, 0));
        s->templates_at = clock_mono_ms();
    }
    PQclear(r);
}

/* The text a free-form payload shows: text.body or interactive.body.text. */
static const char *payload_text(json_object *p)
{
    json_object *a, *b;
    if (json_object_object_get_ex(p, "text", &a) && json_object_object_get_ex(a, "body", &b))
        return json_object_get_string(b);
    if (json_object_object_get_ex(p, "interactive", &a) &&
        json_object_object_get_ex(a, "body", &b) && json_object_object_get_ex(b, "text", &a))
        return json_object_get_string(a);
    return "";
}

static json_object *param(const char *text)
{
    json_object *p = json_object_new_object();
    char *copy = strdup(text && *text ? text : "-");
    if (copy)
        sender_sanitize_param(copy);
    json_object_object_add(p, "type", json_object_new_string("text"));
    json_object_object_add(p, "text", json_object_new_string(copy && *copy ? copy : "-"));
    free(copy);
    return p;
}

/* A message's own template parameters and quick-reply payloads (template_hint, migration
 * 0016) instead of those cut from its text: the digest's headline, most overdue cases and the
 * button that brings the full list. 1 when the hint gave the parameters. */
static int hinted(json_object *hint, json_object *params, json_object *comps)
{
    json_object *list, *buttons;
    if (!hint || !json_object_object_get_ex(hint, "params", &list) ||
        !json_object_is_type(list, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(list); i++)
        json_object_array_add(params,
                              param(json_object_get_string(json_object_array_get_idx(list, i))));
    if (!json_object_object_get_ex(hint, "buttons", &buttons) ||
        !json_object_is_type(buttons, json_type_array))
        return 1;
    for (size_t i = 0; i < json_object_array_length(buttons); i++) {
        json_object *b = json_object_new_object(), *bp = json_object_new_array(),
                    *p = json_object_new_object();
        char index[16];
        snprintf(index, sizeof index, "%zu", i);
        json_object_object_add(p, "type", json_object_new_string("payload"));
        json_object_object_add(
            p, "payload",
            json_object_new_string(json_object_get_string(json_object_array_get_idx(buttons, i))));
        json_object_array_add(bp, p);
        json_object_object_add(b, "type", json_object_new_string("button"));
        json_object_object_add(b, "sub_type", json_object_new_string("quick_reply"));
        json_object_object_add(b, "index", json_object_new_string(index));
        json_object_object_add(b, "parameters", bp);
        json_object_array_add(comps, b);
    }
    return 1;
}

/* Rewrites a free-form message as the approved template for its purpose: officers' and
 * the collector's notifications use officer_new_case [tracking, headline, text], a digest
 * uses digest [headline, most overdue] and its button (from the hint; without one, the text's
 * first two lines and "-"), a portal login code uses login_code [code] (from the hint),
 * everything for a citizen uses citizen_update [tracking, text]. */
static char *as_template(sender *s, struct job *j, json_object *payload, json_object *hint)
{
    const char *key = strncmp(j->purpose, "officer", 7) == 0 ||
                              strncmp(j->purpose, "escalat", 7) == 0 ||
                              strcmp(j->purpose, "urgent") == 0
                          ? "officer_new_case"
                      : strcmp(j->purpose, "digest") == 0     ? "digest"
                      : strcmp(j->purpose, "login_code") == 0 ? "login_code"
                                                              : "citizen_update";
    json_object *tpl, *name, *lang, *root, *t, *lobj, *comps, *comp, *params;
    char *text, *nl, *out;
    load_templates(s);
    if (!s->templates || !json_object_object_get_ex(s->templates, key, &tpl) ||
        !json_object_object_get_ex(tpl, "name", &name) ||
        !json_object_object_get_ex(tpl, "language", &lang))
        return NULL;
    snprintf(j->template_name, sizeof j->template_name, "%s", json_object_get_string(name));
    if (strcmp(j->kind, "image") == 0 || strcmp(j->kind, "document") == 0) {
        /* Media cannot travel as a template: say it is there and how to get it (writing
         * "show" opens the window, and the desk then forwards the case's files). */
        text =
            catalogue_text(s->cat, MSG_MEDIA_NOTE, OFFICER_LANG, "tracking_no", j->tracking, NULL);
    } else {
        text = strdup(payload_text(payload));
    }
    if (!text)
        return NULL;
    root = json_object_new_object();
    t = json_object_new_object();
    lobj = json_object_new_object();
    comps = json_object_new_array();
    comp = json_object_new_object();
    params = json_object_new_array();
    json_object_object_add(root, "messaging_product", json_object_new_string("whatsapp"));
    json_object_object_add(root, "recipient_type", json_object_new_string("individual"));
    json_object_object_add(root, "to", json_object_new_string(j->to));
    json_object_object_add(root, "type", json_object_new_string("template"));
    json_object_object_add(t, "name", json_object_new_string(json_object_get_string(name)));
    json_object_object_add(lobj, "code", json_object_new_string(json_object_get_string(lang)));
    json_object_object_add(t, "language", lobj);
    json_object_object_add(comp, "type", json_object_new_string("body"));
    json_object_object_add(comp, "parameters", params);
    json_object_array_add(comps, comp);
    if (hinted(hint, params, comps)) {
        /* the message said what its template carries */
    } else if (strcmp(key, "officer_new_case") == 0) {
        nl = strchr(text, '\n');
        if (nl)
            *nl = '\0';
        json_object_array_add(params, param(j->tracking));
        json_object_array_add(params, param(text));
        json_object_array_add(params, param(nl ? nl + 1 : ""));
    } else if (strcmp(key, "digest") == 0) {
        /* The digest template carries the headline numbers: its first two lines. */
        char *second = strchr(text, '\n');
        if (second && (second = strchr(second + 1, '\n')))
            *second = '\0';
        json_object_array_add(params, param(text));
        json_object_array_add(params, param("-"));
    } else {
        json_object_array_add(params, param(j->tracking));
        json_object_array_add(params, param(text));
    }
    json_object_object_add(t, "components", comps);
    json_object_object_add(root, "template", t);
    out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    free(text);
    return out;
}

/* ---- outcomes ------------------------------------------------------------------------------- */

/* A PostgreSQL call failed: said once, and the claims are looked over when it answers again. */
static void pg_trouble(sender *s, const char *msg)
{
    s->unclaim = 1;
    trouble(s, msg);
}

static void record(sender *s, const db_stmt *st, const char *const *params)
{
    err e = {0};
    /* A lost outcome leaves the row 'sending' under our name: give_back_orphans queues it
     * again, and a repeat is what at-least-once delivery means for WhatsApp messages. */
    if (db_exec(s->pg, st, params, &e) < 0)
        pg_trouble(s, e.msg);
}

/* After a PostgreSQL failure, once every delivery is recorded: rows still 'sending' under
 * this sender's name that are not in flight were never started (or their outcome was lost)
 * and go back to their queues now rather than when the claim lapses. */
static void give_back_orphans(sender *s)
{
    const char *ids[MAX_INFLIGHT];
    size_t n = 0;
    char *arr;
    err e = {0};
    for (int i = 0; i < MAX_INFLIGHT; i++)
        if (s->jobs[i])
            ids[n++] = s->jobs[i]->id;
    if (!(arr = db_text_array(ids, n)))
        return;
    if (db_exec(s->pg, &st_unclaim, (const char *[]){s->name, arr}, &e) < 0) {
        trouble(s, e.msg);
    } else {
        if (db_affected(s->pg) > 0)
            log_info("sender", "%ld claimed messages given back to their queues",
                     db_affected(s->pg));
        s->unclaim = 0;
    }
    free(arr);
}

/* Records every delivery since the last flush in one statement. Graph has accepted these
 * messages: forgetting one would let its claim lapse and send it again, so while PostgreSQL
 * is away they stay here and the loop claims nothing new until they are written (SPEC 9).
 * Returns 0 when nothing is left unrecorded. */
static int flush_sent(sender *s)
{
    const char *ids[SENT_MAX], *wamids[SENT_MAX], *templates[SENT_MAX];
    char *a, *b, *c;
    err e = {0};
    int rc = -1;
    if (!s->nsent)
        return 0;
    for (size_t i = 0; i < s->nsent; i++) {
        ids[i] = s->sent[i].id;
        wamids[i] = s->sent[i].wamid;
        templates[i] = s->sent[i].template_name;
    }
    a = db_text_array(ids, s->nsent);
    b = db_text_array(wamids, s->nsent);
    c = db_text_array(templates, s->nsent);
    if (!a || !b || !c)
        trouble(s, "out of memory");
    else if (db_exec(s->pg, &st_sent, (const char *[]){a, b, c}, &e) < 0)
        pg_trouble(s, e.msg);
    else
        rc = 0;
    free(a);
    free(b);
    free(c);
    if (rc == 0)
        s->nsent = 0;
    return rc;
}

static void mark_sent(sender *s, struct job *j, const char *wamid)
{
    struct sent *t;
    if (s->nsent == SENT_MAX && flush_sent(s) < 0) {
        /* Cannot happen while claims stop with unrecorded deliveries (at most MAX_INFLIGHT
         * are in flight then); said loudly if it ever does. */
        log_warn("sender", "delivery of message %s not recorded (PostgreSQL away)", j->id);
        return;
    }
    t = &s->sent[s->nsent++];
    snprintf(t->id, sizeof t->id, "%s", j->id);
    snprintf(t->wamid, sizeof t->wamid, "%s", wamid);
    snprintf(t->template_name, sizeof t->template_name, "%s", j->template_name);
    metrics_send(0);
}

static long backoff_ms(const sender *s, int attempts)
{
    double base = s->cfg->retry_base_ms, ms = base;
    for (int i = 1; i < attempts && ms < 300000; i++)
        ms *= 2;
    if (ms > 300000)
        ms = 300000;
    return (long)(ms * (0.75 + 0.5 * ((double)rand() / RAND_MAX))); /* jitter ±25% */
}

/* Puts the read receipts collected since the last call back into Redis in one round trip
 * (receipts_put_back: a newer one of the same citizen that arrived meanwhile goes instead).
 * Redis away, or resting after a call that found no answer: they are lost — ticks, not
 * messages — with one log line for them all. */
static void flush_put_backs(sender *s)
{
    err e = {0};
    redisContext *c;
    size_t n = s->nback;
    if (!n)
        return;
    s->nback = 0;
    if ((c = redis_get(s, &e)) && receipts_put_back(c, s->back, s->back_ms, n, &e) >= 0)
        return;
    redis_failed(s, e.msg); /* a failed connect rests too (nothing while resting already) */
    log_warn("sender", "%zu read receipt%s lost, not put back: %s", n, n == 1 ? "" : "s", e.msg);
}

/* A read receipt to go back to Redis, due in delay_ms: its send failed for a passing reason,
 * or it was not started. Collected; flush_put_backs sends them at the end of the claim or reap. */
static void put_back(sender *s, const struct job *j, long delay_ms)
{
    if (s->nback == BACK_MAX)
        flush_put_backs(s);
    s->back[s->nback] = j->rcpt;
    s->back[s->nback].attempts = j->attempts;
    s->back_ms[s->nback++] = delay_ms;
}

/* Up to max read receipts taken from Redis (case traffic's share of the budget, before any
 * broadcast), as jobs in out. Returns how many. */
static int take_receipts(sender *s, int max, struct job **out)
{
    receipt rs[MAX_INFLIGHT];
    err e = {0};
    redisContext *c;
    int got, k = 0;
    if (max <= 0)
        return 0;
    if (!(c = redis_get(s, &e)) ||
        (got = receipts_take(c, max < MAX_INFLIGHT ? max : MAX_INFLIGHT, rs, &e)) < 0) {
        if (!c || c->err)
            redis_failed(s, e.msg);
        else /* Redis answered, with an error (a key of another type?): replies go on */
            trouble(s, e.msg);
        return 0;
    }
    for (int i = 0; i < got; i++) {
        struct job *j = calloc(1, sizeof *j);
        if (!j || !(j->body = wa_out_read(rs[i].wamid))) {
            free(j);
            log_warn("sender", "read receipt lost: out of memory");
            continue;
        }
        j->is_receipt = 1;
        j->rcpt = rs[i];
        j->attempts = rs[i].attempts + 1;
        j->window_open = 1;
        snprintf(j->to, sizeof j->to, "%s", rs[i].phone);
        snprintf(j->kind, sizeof j->kind, "read");
        snprintf(j->purpose, sizeof j->purpose, "read");
        out[k++] = j;
    }
    return k;
}

/* What Graph answered one request. wamid points into resp (json_object_put it). */
struct answer {
    long status;
    int code;          /* Graph's error code, 0 none */
    const char *wamid; /* the message's id, NULL none */
    char why[512];     /* Graph's error message, phones masked */
    json_object *resp;
};

static void read_answer(struct job *j, struct answer *a)
{
    json_object *v, *err_obj;
    memset(a, 0, sizeof *a);
    curl_easy_getinfo(j->h, CURLINFO_RESPONSE_CODE, &a->status);
    if (j->resp)
        a->resp = json_tokener_parse(j->resp);
    if (a->resp && json_object_object_get_ex(a->resp, "messages", &v) &&
        json_object_get_type(v) == json_type_array && json_object_array_length(v) > 0 &&
        json_object_object_get_ex(json_object_array_get_idx(v, 0), "id", &v))
        a->wamid = json_object_get_string(v);
    if (a->resp && json_object_object_get_ex(a->resp, "error", &err_obj)) {
        if (json_object_object_get_ex(err_obj, "code", &v))
            a->code = json_object_get_int(v);
        if (json_object_object_get_ex(err_obj, "message", &v))
            /* masked before it is cut to fit: logged, and a cut number escapes masks */
            text_mask_copy(a->why, sizeof a->why, json_object_get_string(v));
    }
}

/* A send that did not go: tried again with the backoff for a passing reason (network, 429, 5xx,
 * Graph codes 130429 and 131056) up to MAX_ATTEMPTS, else failed for good with one log line. */
static void not_sent(sender *s, struct job *j, CURLcode cc, const struct answer *a)
{
    int retry = cc != CURLE_OK || a->status == 429 || a->status >= 500 || a->code == 130429 ||
                a->code == 131056;
    char codebuf[16] = "", full[700];
    if (a->code)
        snprintf(codebuf, sizeof codebuf, "%d", a->code);
    snprintf(full, sizeof full, "HTTP %ld%s%s: %s", a->status, a->code ? ", Graph code " : "",
             codebuf,
             a->why[0]        ? a->why
             : cc != CURLE_OK ? curl_easy_strerror(cc)
                              : "unexpected answer");
    text_utf8_repair(full); /* Graph's message, cut to fit, may end mid-letter */
    if (retry && j->attempts < MAX_ATTEMPTS) {
        char delay[24];
        long wait = backoff_ms(s, j->attempts);
        snprintf(delay, sizeof delay, "%ld", wait);
        if (j->is_receipt)
            put_back(s, j, wait);
        else
            record(s, &st_retry, (const char *[]){j->id, delay, codebuf, full});
        metrics_send(1);
    } else {
        char to[32], shown[700];
        text_mask_copy(shown, sizeof shown, full);
        log_error("sender", "%s %s to %s failed for good: %s",
                  j->is_receipt ? "read receipt of" : "message",
                  j->is_receipt ? "a message" : j->id, text_mask_phone(j->to, to, sizeof to),
                  shown);
        if (!j->is_receipt)
            record(s, &st_failed, (const char *[]){j->id, codebuf, full});
        metrics_send(2);
    }
}

/* A request completed: delivered (recorded with the next flush_sent; a receipt has nothing to
 * record, it left Redis when it was taken), or not_sent. */
static void finish(sender *s, struct job *j, CURLcode cc)
{
    struct answer a;
    metrics_send_seconds((double)(clock_mono_us() - j->t0) / 1e6);
    read_answer(j, &a);
    if (cc == CURLE_OK && a.status >= 200 && a.status < 300 &&
        (a.wamid || strcmp(j->kind, "read") == 0)) {
        char fallback[40];
        snprintf(fallback, sizeof fallback, "read.%s", j->id);
        if (j->is_receipt)
            metrics_send(0);
        else
            mark_sent(s, j, a.wamid ? a.wamid : fallback);
    } else {
        not_sent(s, j, cc, &a);
    }
    json_object_put(a.resp);
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct job *j = ud;
    size_t len = size * n;
    char *r;
    if (j->resp_len + len > 65536)
        return len; /* the answer's head is all we read */
    if (!(r = realloc(j->resp, j->resp_len + len + 1)))
        return 0;
    memcpy(r + j->resp_len, data, len);
    j->resp = r;
    j->resp_len += len;
    r[j->resp_len] = '\0';
    return len;
}

/* ---- the loop --------------------------------------------------------------------------- */

/* Up to want messages of this tenth's budget for case traffic, or for a broadcast's rows
 * (leaving BROADCAST_RESERVE); when it falls short, that kind waits for the next tenth. */
static int budget(sender *s, int want, int broadcast)
{
    err e = {0};
    redisContext *c = redis_get(s, &e);
    redisReply *r;
    char key[96], want_s[16], rate[16], reserve[16];
    int grant = 0;
    if (!c) {
        redis_failed(s, e.msg);
        return 0;
    }
    snprintf(key, sizeof key, "sampark:rate:%s",
             s->cfg->phone_number_id ? s->cfg->phone_number_id : "dry");
    snprintf(want_s, sizeof want_s, "%d", want);
    snprintf(rate, sizeof rate, "%d", s->cfg->send_rate);
    snprintf(reserve, sizeof reserve, "%d", broadcast ? BROADCAST_RESERVE(s->cfg->send_rate) : 0);
    r = redisCommand(c, "EVAL %s 1 %s %s %s %s", budget_lua, key, want_s, rate, reserve);
    if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 4 &&
        r->element[0]->type == REDIS_REPLY_INTEGER && r->element[1]->type == REDIS_REPLY_INTEGER &&
        r->element[2]->type == REDIS_REPLY_INTEGER && r->element[3]->type == REDIS_REPLY_INTEGER) {
        int64_t now = clock_mono_ms();
        grant = (int)r->element[0]->integer;
        s->budget_room = (int)r->element[2]->integer; /* claim_room */
        s->budget_room_until = now + r->element[3]->integer;
        if (r->element[1]->integer > 0) /* spent: claim nothing of this kind before it has room */
            *(broadcast ? &s->bcast_wait_until : &s->budget_wait_until) =
                now + r->element[1]->integer;
    } else if (r) {
        trouble(s, r->type == REDIS_REPLY_ERROR ? r->str : "Redis: the rate limit's answer");
    } else {
        redis_failed(s, "Redis: no answer to the rate limit");
    }
    freeReplyObject(r);
    return grant;
}

/* A Graph API request handle with the options every message shares. */
static CURL *new_handle(sender *s)
{
    CURL *h = curl_easy_init();
    if (!h)
        return NULL;
    curl_easy_setopt(h, CURLOPT_URL, s->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 15000L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    curl_easy_setopt(h, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    return h;
}

static void start(sender *s, struct job *j)
{
    int slot;
    for (slot = 0; slot < MAX_INFLIGHT && s->jobs[slot]; slot++)
        ;
    if (!s->multi) { /* dry run */
        char *line = strdup(j->body), fake[40], to[32];
        if (line) {
            for (char *p = line; *p; p++)
                if (*p == '\n')
                    *p = ' ';
            text_mask_phones(line); /* the "to" field, and any number the text quotes */
            text_cut(line, 300);
        }
        log_info("sender (dry-run)", "to %s %s%s%s: %s", text_mask_phone(j->to, to, sizeof to),
                 j->kind, j->template_name[0] ? " as template " : "", j->template_name,
                 line ? line : "");
        free(line);
        snprintf(fake, sizeof fake, "dryrun.%s", j->id);
        if (j->is_receipt)
            metrics_send(0);
        else
            mark_sent(s, j, fake);
        job_free(j);
        return;
    }
    if (slot < MAX_INFLIGHT)
        j->h = s->nidle ? s->idle[--s->nidle] : new_handle(s);
    if (!j->h) {
        if (j->is_receipt)
            put_back(s, j, 1000);
        else
            record(s, &st_retry, (const char *[]){j->id, "1000", "", "sender busy"});
        job_free(j);
        return;
    }
    curl_easy_setopt(j->h, CURLOPT_POSTFIELDS, j->body);
    curl_easy_setopt(j->h, CURLOPT_WRITEDATA, j);
    curl_easy_setopt(j->h, CURLOPT_PRIVATE, j);
    j->t0 = clock_mono_us();
    s->jobs[slot] = j;
    s->inflight++;
    s->inflight_bcast += strcmp(j->purpose, "broadcast") == 0;
    curl_multi_add_handle(s->multi, j->h);
}

/* What one claim's rows come to: jobs ready to start, case traffic's (ready[0]) and broadcasts'
 * (ready[1]); rows withdrawn from a broadcast no longer running; and the phones a case message
 * opens a paid conversation with. */
struct claimed {
    struct job *ready[2][MAX_INFLIGHT];
    int nready[2];
    struct job *receipts[MAX_INFLIGHT]; /* read receipts from Redis, case traffic's share */
    int nreceipts;
    const char *withdrawn[MAX_INFLIGHT];
    char wbuf[MAX_INFLIGHT][24];
    int nwithdrawn;
    const char *counted[MAX_INFLIGHT];
    int ncounted;
};

/* A claimed row's job, its body the stored payload or, outside the 24-hour window, the
 * approved template; NULL when it cannot go (recorded as failed). */
static struct job *job_of(sender *s, PGresult *r, int i)
{
    struct job *j = calloc(1, sizeof *j);
    json_object *payload;
    int window_open = PQgetvalue(r, i, 7)[0] == 't';
    if (!j)
        return NULL;
    db_copy(j->id, sizeof j->id, r, i, 0);
    db_copy(j->to, sizeof j->to, r, i, 1);
    db_copy(j->kind, sizeof j->kind, r, i, 2);
    db_copy(j->purpose, sizeof j->purpose, r, i, 3);
    j->attempts = atoi(PQgetvalue(r, i, 5));
    db_copy(j->tracking, sizeof j->tracking, r, i, 6);
    j->window_open = window_open;
    if (!(payload = json_tokener_parse(PQgetvalue(r, i, 4)))) {
        record(s, &st_failed, (const char *[]){j->id, "", "the stored payload is not JSON"});
        job_free(j);
        return NULL;
    }
    /* Free-form messages need the 24-hour window; otherwise the approved template. */
    if (!window_open && (strcmp(j->kind, "text") == 0 || strcmp(j->kind, "interactive") == 0 ||
                         strcmp(j->kind, "image") == 0 || strcmp(j->kind, "document") == 0)) {
        json_object *hint = json_tokener_parse(PQgetvalue(r, i, 8)); /* NULL: none */
        j->body = as_template(s, j, payload, hint);
        json_object_put(hint);
        if (!j->body)
            record(s, &st_failed,
                   (const char *[]){
                       j->id, "", "24-hour window closed and no template in the directory for it"});
    } else {
        j->body = strdup(PQgetvalue(r, i, 4));
    }
    json_object_put(payload);
    if (!j->body) {
        job_free(j);
        return NULL;
    }
    return j;
}

/* Sorts one claim statement's rows into c; all of them as case traffic when case_walk (a
 * broadcast message there heads a queue a case message waits in: it takes the case's budget). */
static void take_rows(sender *s, PGresult *r, int case_walk, struct claimed *c)
{
    for (int i = 0; i < PQntuples(r); i++) {
        struct job *j;
        int k;
        if (PQgetvalue(r, i, 9)[0] == 't') {
            db_copy(c->wbuf[c->nwithdrawn], sizeof c->wbuf[0], r, i, 0);
            c->withdrawn[c->nwithdrawn] = c->wbuf[c->nwithdrawn];
            c->nwithdrawn++;
            continue;
        }
        if (!(j = job_of(s, r, i)))
            continue;
        k = !case_walk && strcmp(j->purpose, "broadcast") == 0;
        c->ready[k][c->nready[k]++] = j;
    }
}

/* One walk (st_claim_case or st_claim_broadcast) for up to n rows from cursor, which moves to
 * the last
 * recipient taken, or back to the start when the walk reached the end. 0, or -1. */
static int walk(sender *s, const db_stmt *st, char *cursor, size_t cursor_size, int n,
                struct claimed *c)
{
    err e = {0};
    char limit[16];
    PGresult *r;
    int got;
    snprintf(limit, sizeof limit, "%d", n);
    if (!(r = db_query(s->pg, st, (const char *[]){s->name, limit, cursor}, &e))) {
        pg_trouble(s, e.msg);
        return -1;
    }
    got = PQntuples(r);
    if (got < n)
        cursor[0] = '\0';
    for (int i = 0; i < got; i++)
        if (got == n && strcmp(PQgetvalue(r, i, 1), cursor) > 0)
            db_copy(cursor, cursor_size, r, i, 1);
    take_rows(s, r, st == &st_claim_case, c);
    PQclear(r);
    return got;
}

/* Case traffic sent as a template opens a business-initiated conversation: it enters the daily
 * limit's window (never refused), where broadcasts' admission sees it. */
static void count_daily(sender *s, struct claimed *c, int started)
{
    err e = {0};
    c->ncounted = 0;
    for (int i = 0; i < started; i++) {
        struct job *j = c->ready[0][i];
        if (!j->window_open && (j->template_name[0] || strcmp(j->kind, "template") == 0))
            c->counted[c->ncounted++] = j->to;
    }
    if (c->ncounted && s->cfg->daily_limit > 0 && clock_mono_ms() >= s->redis_rest_until &&
        broadcast_count_daily(s->cfg, s->redis, c->counted, (size_t)c->ncounted, &e) < 0)
        redis_failed(s, e.msg);
}

/* Starts what the budget grants of jobs[0..n) and gives the rest back to the queue, still at
 * the head of their line. Returns how many started. */
static int start_granted(sender *s, struct job **jobs, int n, int grant)
{
    char ids[MAX_INFLIGHT * 24 + 4], *p = ids;
    if (grant > n)
        grant = n;
    for (int i = 0; i < grant; i++)
        start(s, jobs[i]);
    if (grant == n)
        return grant;
    *p++ = '{';
    for (int i = grant; i < n; i++) {
        p += sprintf(p, "%s%s", i > grant ? "," : "", jobs[i]->id);
        job_free(jobs[i]);
    }
    *p++ = '}';
    *p = '\0';
    record(s, &st_release, (const char *[]){ids});
    return grant;
}

/* Starts the first grant read receipts of jobs[0..n); the rest go back to Redis (put_back), due
 * at once. Returns how many started. */
static int start_receipts(sender *s, struct job **jobs, int n, int grant)
{
    for (int i = 0; i < n; i++) {
        if (i < grant) {
            start(s, jobs[i]);
            continue;
        }
        jobs[i]->attempts--; /* not tried */
        put_back(s, jobs[i], 0);
        job_free(jobs[i]);
    }
    return grant < n ? grant : n;
}

/* How many rows a claim can expect the budget to grant: what the last answer left while its
 * tenth lasts; after it, that plus what the tenths since have released (at most a second's
 * worth: a new second may grant less, and what a claim took that the budget then refuses goes
 * back to its queue). Claiming more only to give it back cost two writes a row: at the
 * default 80 a second, a claim of 64 was granted 8 and released 56, tenth after tenth, while a
 * backlog lasted. */
static int claim_room(const sender *s)
{
    int64_t now = clock_mono_ms(), tenths, room;
    if (now < s->budget_room_until)
        return s->budget_room;
    tenths = 1 + (now - s->budget_room_until) / 100;
    if (tenths > 10)
        return s->cfg->send_rate;
    room = s->budget_room + (s->cfg->send_rate * tenths + 9) / 10;
    return room < s->cfg->send_rate ? (int)room : s->cfg->send_rate;
}

int sender_receipt_share(int *credit, int grant, int rows, int receipts)
{
    int c = *credit + grant, share = grant - rows;
    if (share < c / 8)
        share = c / 8;
    if (share > receipts)
        share = receipts;
    if (share > grant)
        share = grant;
    if (share < 0)
        share = 0;
    c -= 8 * share;
    *credit = c < 0 ? 0 : c > 7 ? 7 : c; /* at most one slot's worth banked: no burst later */
    return share;
}

/* One claim: the read receipts waiting in Redis first (at most a tenth's budget: more could not
 * be granted), then case traffic's rows for the in-flight room less the receipts' share (else a
 * reply backlog would fill the room round after round), then broadcasts with what room they
 * leave (in-flight slots, the budget's reserve), both no more rows than the budget is expected
 * to grant (claim_room). Of this tenth's budget, replies get what the receipts' share leaves
 * (sender_receipt_share); what is not granted goes back, rows to their queues and receipts to
 * Redis in one round trip. Returns how many started. */
static int claim(sender *s, int n)
{
    struct claimed c = {0};
    int tenth = (s->cfg->send_rate + 9) / 10, credit = s->receipt_credit, rows = 0, keep;
    int nb = BROADCAST_INFLIGHT_MAX - s->inflight_bcast, started, want, grant, share;
    int room = claim_room(s), nrows = n < room ? n : room;
    c.nreceipts = take_receipts(s, n < tenth ? n : tenth, c.receipts);
    if (!c.nreceipts && clock_mono_ms() < s->redis_rest_until)
        return 0; /* Redis did not answer: no budget either, so no rows claimed for nothing */
    keep = sender_receipt_share(&credit, n < tenth ? n : tenth, n, c.nreceipts);
    if (nrows > keep && (rows = walk(s, &st_claim_case, s->case_cursor, sizeof s->case_cursor,
                                     nrows - keep, &c)) < 0) {
        if (!c.nreceipts)
            return 0;
        rows = nb = 0; /* PostgreSQL away: the receipts need only Redis */
    }
    if (nb > n - rows - c.nreceipts)
        nb = n - rows - c.nreceipts;
    if (nb > room - BROADCAST_RESERVE(s->cfg->send_rate) - rows - c.nreceipts)
        nb = room - BROADCAST_RESERVE(s->cfg->send_rate) - rows - c.nreceipts;
    if (nb > 0 && clock_mono_ms() >= s->bcast_wait_until)
        walk(s, &st_claim_broadcast, s->cursor, sizeof s->cursor, nb, &c);
    if (c.nwithdrawn) {
        char *ids = db_text_array(c.withdrawn, (size_t)c.nwithdrawn);
        if (ids)
            record(s, &st_withdraw, (const char *[]){ids, s->name});
        free(ids);
    }
    want = c.nready[0] + c.nreceipts < n ? c.nready[0] + c.nreceipts : n;
    grant = want ? budget(s, want, 0) : 0;
    share = sender_receipt_share(&s->receipt_credit, grant, c.nready[0], c.nreceipts);
    grant -= share; /* never more than the rows: the share takes at least what they leave */
    count_daily(s, &c, grant); /* before start: a dry run frees the job */
    started = start_granted(s, c.ready[0], c.nready[0], grant);
    started += start_receipts(s, c.receipts, c.nreceipts, share);
    flush_put_backs(s);
    want = c.nready[1];
    return started + start_granted(s, c.ready[1], want, want ? budget(s, want, 1) : 0);
}

static void reap(sender *s)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(s->multi, &left))) {
        struct job *j = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        curl_multi_remove_handle(s->multi, msg->easy_handle);
        finish(s, j, msg->data.result);
        if (s->nidle < MAX_INFLIGHT) { /* back to the pool, options kept */
            s->idle[s->nidle++] = j->h;
            j->h = NULL;
        }
        for (int i = 0; i < MAX_INFLIGHT; i++)
            if (s->jobs[i] == j)
                s->jobs[i] = NULL;
        s->inflight--;
        s->inflight_bcast -= strcmp(j->purpose, "broadcast") == 0;
        job_free(j);
    }
    flush_sent(s);
    flush_put_backs(s);
}

int sender_run(sender *s, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload)
{
    int64_t drain_until = 0;
    srand((unsigned)getpid() ^ (unsigned)time(NULL));
    s->seen_reload = reload ? (unsigned)*reload : 0;
    for (;;) {
        int running = 0, started = 0;
        if (reload && (unsigned)*reload != s->seen_reload) {
            err re = {0};
            s->seen_reload = (unsigned)*reload;
            if (catalogue_reload(&s->cat, s->cfg->flows_dir, &re) < 0)
                log_error("sender", "messages not reloaded, keeping the running ones: %s",
                          re.msg);
        }
        if (*stop && !drain_until)
            drain_until = clock_mono_ms() + 10000;
        if (drain_until &&
            ((s->inflight == 0 && flush_sent(s) == 0) || clock_mono_ms() > drain_until)) {
            if (s->nsent)
                log_warn("sender",
                         "stopping with %zu deliveries not recorded (PostgreSQL away); they will "
                         "be sent again",
                         s->nsent);
            break;
        }
        /* Deliveries not yet recorded come first; nothing new is claimed until they are. */
        if (!drain_until && flush_sent(s) == 0 && s->unclaim)
            give_back_orphans(s);
        if (!drain_until && flush_sent(s) == 0 && clock_mono_ms() >= s->redis_rest_until) {
            /* Broadcasts top the outbox up, below case traffic. A failure here may be the
             * first to meet a broken connection: claims are looked over then, as after any;
             * Redis's failures (their messages name it) let Redis rest as ours do. */
            err fe = {0};
            if (broadcast_feed(s->feeder, s->pg, s->redis, &fe) < 0) {
                pg_trouble(s, fe.msg);
                if (strncmp(fe.msg, "Redis", 5) == 0)
                    redis_failed(s, fe.msg);
            }
        }
        if (!drain_until && flush_sent(s) == 0 && s->inflight < MAX_INFLIGHT &&
            clock_mono_ms() >= s->budget_wait_until) {
            started = claim(s, MAX_INFLIGHT - s->inflight);
            flush_sent(s); /* dry-run "deliveries" happen inside the claim */
        }
        if (s->multi) {
            curl_multi_perform(s->multi, &running);
            reap(s);
            /* Wait for sockets, or a moment when idle so new outbox rows are noticed soon. */
            int wait_ms = started ? 0 : s->inflight ? 20 : 50;
            int64_t budget_in = s->budget_wait_until - clock_mono_ms();
            if (budget_in > 0 && budget_in < wait_ms)
                wait_ms = (int)budget_in + 1;
            curl_multi_poll(s->multi, NULL, 0, wait_ms, NULL);
        } else if (!started) {
            struct timespec ts = {0, 50 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return 0;
}
