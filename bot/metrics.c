/* metrics.c — counters and the latency histogram (see metrics.h). */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

static const int statuses[] = {200, 202, 301, 400, 401, 403, 404, 405,
                               409, 411, 413, 429, 500, 502, 503, 0};
#define NSTATUS (sizeof statuses / sizeof statuses[0]) /* last slot: any other */
static const double buckets[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                 0.05,   0.1,   0.25,   0.5,   1};
#define NBUCKET (sizeof buckets / sizeof buckets[0])
static const char *const route_names[METRICS_ROUTE_COUNT] = {
    "webhook_get", "webhook_post", "healthz", "metrics", "portal", "api", "other"};

static atomic_ullong requests[METRICS_ROUTE_COUNT][NSTATUS];
static atomic_ullong latency_le[METRICS_ROUTE_COUNT][NBUCKET];
static atomic_ullong latency_count[METRICS_ROUTE_COUNT];
static atomic_ullong latency_sum_us[METRICS_ROUTE_COUNT];
static atomic_ullong inbound[WA_MSG_KIND_COUNT];
static atomic_ullong duplicates, foreign_number, second_answers;
static atomic_ullong status_in[WA_STATUS_OTHER + 1];
static atomic_ullong processed_ok, processed_failed, dead_letters, batch_fallbacks;
static atomic_ullong sends[3];
static atomic_ullong send_le[NBUCKET], send_count, send_sum_us;
static atomic_ullong limited[LIMIT_KIND_COUNT];

void metrics_http(metrics_route route, int status, double seconds)
{
    size_t s = 0;
    if ((unsigned)route >= METRICS_ROUTE_COUNT)
        route = METRICS_OTHER;
    while (statuses[s] && statuses[s] != status)
        s++;
    atomic_fetch_add_explicit(&requests[route][s], 1, memory_order_relaxed);
    for (size_t b = 0; b < NBUCKET; b++)
        if (seconds <= buckets[b])
            atomic_fetch_add_explicit(&latency_le[route][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_count[route], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&latency_sum_us[route], (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

void metrics_inbound(wa_msg_kind kind)
{
    if ((unsigned)kind < WA_MSG_KIND_COUNT)
        atomic_fetch_add_explicit(&inbound[kind], 1, memory_order_relaxed);
}

void metrics_http_second_answer(void)
{
    atomic_fetch_add_explicit(&second_answers, 1, memory_order_relaxed);
}

void metrics_foreign_number(size_t n)
{
    atomic_fetch_add_explicit(&foreign_number, n, memory_order_relaxed);
}

void metrics_duplicate(size_t n)
{
    atomic_fetch_add_explicit(&duplicates, n, memory_order_relaxed);
}

void metrics_status_in(wa_status_kind kind)
{
    if ((unsigned)kind <= WA_STATUS_OTHER)
        atomic_fetch_add_explicit(&status_in[kind], 1, memory_order_relaxed);
}

void metrics_processed(int ok)
{
    atomic_fetch_add_explicit(ok ? &processed_ok : &processed_failed, 1, memory_order_relaxed);
}

void metrics_send(int outcome)
{
    if (outcome >= 0 && outcome < 3)
        atomic_fetch_add_explicit(&sends[outcome], 1, memory_order_relaxed);
}

void metrics_send_seconds(double seconds)
{
    for (size_t b = 0; b < NBUCKET; b++)
        if (seconds <= buckets[b])
            atomic_fetch_add_explicit(&send_le[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&send_count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&send_sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

void metrics_dead_letter(void)
{
    atomic_fetch_add_explicit(&dead_letters, 1, memory_order_relaxed);
}

void metrics_batch_fallback(void)
{
    atomic_fetch_add_explicit(&batch_fallbacks, 1, memory_order_relaxed);
}

void metrics_limited(limit_kind kind)
{
    if ((unsigned)kind < LIMIT_KIND_COUNT)
        atomic_fetch_add_explicit(&limited[kind], 1, memory_order_relaxed);
}

/* Requests by route and status, refused second answers, and request latency by route. */
static void render_http(vec_str *o)
{
    vec_str_addf(o, "# HELP sampark_http_requests_total HTTP requests by route and status.\n"
                    "# TYPE sampark_http_requests_total counter\n");
    for (int r = 0; r < METRICS_ROUTE_COUNT; r++)
        for (size_t s = 0; s < NSTATUS; s++) {
            unsigned long long v = atomic_load(&requests[r][s]);
            {
                char code[8];
                snprintf(code, sizeof code, "%d", statuses[s]);
                if (v || (r == METRICS_WEBHOOK_POST && s == 0))
                    vec_str_addf(o,
                                 "sampark_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n",
                                 route_names[r], statuses[s] ? code : "other", v);
            }
        }
    vec_str_addf(
        o,
        "# HELP sampark_http_second_answers_total Attempts to answer one request twice (a bug; "
        "refused).\n"
        "# TYPE sampark_http_second_answers_total counter\n"
        "sampark_http_second_answers_total %llu\n",
        atomic_load(&second_answers));
    vec_str_addf(o, "# HELP sampark_http_request_seconds Time from request to response ready.\n"
                    "# TYPE sampark_http_request_seconds histogram\n");
    for (int r = 0; r < METRICS_ROUTE_COUNT; r++) {
        unsigned long long count = atomic_load(&latency_count[r]);
        if (!count && r != METRICS_WEBHOOK_POST)
            continue;
        for (size_t b = 0; b < NBUCKET; b++)
            vec_str_addf(o, "sampark_http_request_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                         route_names[r], buckets[b], atomic_load(&latency_le[r][b]));
        vec_str_addf(o, "sampark_http_request_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
                     route_names[r], count);
        vec_str_addf(o, "sampark_http_request_seconds_sum{route=\"%s\"} %.6f\n", route_names[r],
                     (double)atomic_load(&latency_sum_us[r]) / 1e6);
        vec_str_addf(o, "sampark_http_request_seconds_count{route=\"%s\"} %llu\n", route_names[r],
                     count);
    }
}

/* What the webhook accepted: messages by type, duplicates, foreign numbers, statuses. */
static void render_inbound(vec_str *o)
{
    static const char *const status_names[] = {"sent", "delivered", "read", "failed", "other"};
    vec_str_addf(
        o, "# HELP sampark_inbound_messages_total Messages accepted by the webhook, by type.\n"
           "# TYPE sampark_inbound_messages_total counter\n");
    for (int k = 0; k < WA_MSG_KIND_COUNT; k++)
        vec_str_addf(o, "sampark_inbound_messages_total{type=\"%s\"} %llu\n",
                     wa_in_kind_name((wa_msg_kind)k), atomic_load(&inbound[k]));
    vec_str_addf(o,
                 "# HELP sampark_inbound_duplicates_total Messages Meta delivered again, dropped.\n"
                 "# TYPE sampark_inbound_duplicates_total counter\n"
                 "sampark_inbound_duplicates_total %llu\n",
                 atomic_load(&duplicates));
    vec_str_addf(
        o,
        "# HELP sampark_foreign_number_total Messages and statuses for another business number "
        "than WA_PHONE_NUMBER_ID, ignored.\n"
        "# TYPE sampark_foreign_number_total counter\n"
        "sampark_foreign_number_total %llu\n",
        atomic_load(&foreign_number));
    vec_str_addf(o, "# HELP sampark_inbound_statuses_total Delivery statuses accepted, by status.\n"
                    "# TYPE sampark_inbound_statuses_total counter\n");
    for (int k = 0; k <= WA_STATUS_OTHER; k++)
        vec_str_addf(o, "sampark_inbound_statuses_total{status=\"%s\"} %llu\n", status_names[k],
                     atomic_load(&status_in[k]));
}

/* The workers' results, per-citizen limits, and outgoing sends with their latency. */
static void render_work(vec_str *o)
{
    vec_str_addf(
        o,
        "# HELP sampark_worker_entries_total Queue entries processed by this process's workers.\n"
        "# TYPE sampark_worker_entries_total counter\n"
        "sampark_worker_entries_total{result=\"ok\"} %llu\n"
        "sampark_worker_entries_total{result=\"retry\"} %llu\n"
        "sampark_worker_entries_total{result=\"dead_letter\"} %llu\n"
        "# HELP sampark_batch_fallbacks_total Batches whose transaction failed, then handled one "
        "message at a time.\n"
        "# TYPE sampark_batch_fallbacks_total counter\n"
        "sampark_batch_fallbacks_total %llu\n",
        atomic_load(&processed_ok), atomic_load(&processed_failed), atomic_load(&dead_letters),
        atomic_load(&batch_fallbacks));
    vec_str_addf(
        o, "# HELP sampark_limited_total Citizens' actions past a per-citizen limit, by limit.\n"
           "# TYPE sampark_limited_total counter\n");
    for (int k = 0; k < LIMIT_KIND_COUNT; k++)
        vec_str_addf(o, "sampark_limited_total{limit=\"%s\"} %llu\n", limit_name((limit_kind)k),
                     atomic_load(&limited[k]));
    vec_str_addf(
        o,
        "# HELP sampark_messages_out_total Outgoing messages by result (sent, retried, failed).\n"
        "# TYPE sampark_messages_out_total counter\n"
        "sampark_messages_out_total{result=\"sent\"} %llu\n"
        "sampark_messages_out_total{result=\"retried\"} %llu\n"
        "sampark_messages_out_total{result=\"failed\"} %llu\n",
        atomic_load(&sends[0]), atomic_load(&sends[1]), atomic_load(&sends[2]));
    vec_str_addf(o,
                 "# HELP sampark_send_seconds Graph API request time.\n# TYPE sampark_send_seconds "
                 "histogram\n");
    for (size_t b = 0; b < NBUCKET; b++)
        vec_str_addf(o, "sampark_send_seconds_bucket{le=\"%g\"} %llu\n", buckets[b],
                     atomic_load(&send_le[b]));
    vec_str_addf(o,
                 "sampark_send_seconds_bucket{le=\"+Inf\"} %llu\nsampark_send_seconds_sum "
                 "%.6f\nsampark_send_seconds_count %llu\n",
                 atomic_load(&send_count), (double)atomic_load(&send_sum_us) / 1e6,
                 atomic_load(&send_count));
}

char *metrics_render(const char *extra, size_t *len)
{
    vec_str o = {0};
    render_http(&o);
    render_inbound(&o);
    render_work(&o);
    if (extra)
        vec_str_addf(&o, "%s", extra);
    if (len)
        *len = o.len;
    return vec_str_take(&o);
}
