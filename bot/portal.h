/* portal.h — the collectorate portal of SPEC section 10 behind `sampark serve`'s listener:
 * static files of web/ under /portal/ (answered on the loop: small local files) and the JSON API
 * under /api/ (answered on a portal_pool thread: PostgreSQL, Redis and the Graph API block).
 * http.c owns the connection; this module turns a request into an answer and never calls lws
 * from a pool thread. */
#ifndef SAMPARK_PORTAL_H
#define SAMPARK_PORTAL_H

#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "err.h"
#include "portal_pool.h"

struct lws;
struct lws_context;
struct portal_thread;

/* Largest JSON body a POST /api/ request may carry; more is 400 naming "body". */
#define PORTAL_BODY_MAX (16u * 1024)

typedef struct portal portal;

/* What the pool thread needs of a request, copied off the connection on the loop. */
typedef struct portal_request {
    int post;
    char path[256]; /* the decoded path, "/api/cases" */
    char **args;    /* decoded "name=value" query arguments */
    size_t nargs;
    char *body; /* POST body (owned), NUL-terminated */
    size_t len;
    char session[64];          /* the sampark_session cookie, "" when none */
    char device[64];           /* the sampark_device cookie (portal_auth.c), "" when none */
    char csrf[80];             /* X-CSRF-Token, "" when none */
    char client[64];           /* the client's address (a local proxy's last X-Forwarded-For) */
    char accept_language[128]; /* Accept-Language, "" when none (the public page's default) */
    int https;                 /* came over TLS or with X-Forwarded-Proto: https */
    int json; /* Content-Type: application/json (a cross-site form cannot send it) */
} portal_request;

typedef struct portal_response {
    unsigned status;
    const char *ctype; /* static string */
    char *body;        /* malloc'd */
    size_t len;
    char set_cookie[2][256]; /* Set-Cookie headers: [0] the session, [1] the device; "" none */
    const char *disposition; /* Content-Disposition, static string or NULL */
    const char *location;    /* Location of a redirect, static string or NULL */
    int retry_after;         /* Retry-After in seconds of a 429 or 503, 0 when none */
    int cors;    /* open data: Access-Control-Allow-Origin: * (any site's script may read it) */
    int max_age; /* > 0: a 200 may be cached (Cache-Control: public, max-age=N), not no-store */
    FILE *file;  /* when set, the answer's len bytes are read from here (a CSV, a media file) a
                    chunk at a time by the loop, which closes it; body is then unused */
} portal_response;

/* One API request travelling to a pool thread and back. owner is the loop's request state: set
 * to NULL by the loop when the client goes away, then the answer is dropped. */
typedef struct portal_job {
    pool_job base;
    portal *portal;
    void *owner;
    /* A task queued by a handler (portal_defer): no client waits for it, so it has no answer. */
    void (*task)(struct portal_thread *t, const char *arg);
    portal_request rq;
    portal_response rs;
} portal_job;

/* Starts the pool threads; wake is the lws context to cancel when a job is done. */
portal *portal_new(const config *c, struct lws_context *wake, err *e);
/* Stops the threads (running jobs finish); what was queued comes back from portal_done. */
void portal_stop(portal *p);
void portal_free(portal *p);

/* GET /portal/...: the file of web/ for path, or 404; on the loop. The answer carries
 * Content-Type from the file's extension; ".." or any hidden or odd name is 404. */
void portal_static(const portal *p, const char *path, portal_response *rs);

/* A job for an /api/ request, its headers and arguments copied from wsi (the loop's side);
 * the body is added by the caller. NULL when out of memory. */
portal_job *portal_job_new(portal *p, struct lws *wsi, const char *path, int post);
/* Queues it: 0, or -1 when the portal is busy (answer 503). */
int portal_submit(portal *p, portal_job *j);
/* The finished jobs (a list linked by base.next); the caller answers and frees each. */
portal_job *portal_done(portal *p);
void portal_job_free(portal_job *j);

/* Pure, for tests: whether a /portal/ path names a file that may be served, and the file name
 * relative to web/ ("index.html" for "/portal/"). 0 ok, -1 refuse. */
int portal_static_name(const char *path, char *out, size_t outsz);
/* The Content-Type for a file name by extension. */
const char *portal_content_type(const char *name);

/* ---- for the handler modules (portal_auth.c, portal_api.c), on pool threads ---------------- */

#include <hiredis.h>
#include <json.h>

#include "db.h"

/* A pool thread's own connections. */
typedef struct portal_thread {
    const config *cfg;
    portal *portal;
    db *pg;
    redisContext *redis; /* NULL until connected; dropped after an error, reconnected on use */
    /* The desk's words for the case actions (messages.json beside the flows): read on first use
     * and again when the file changes, as SIGHUP does for the other roles. */
    struct catalogue *cat;
    long long cat_mtime;
} portal_thread;

/* The signed-in person, as the directory says now (not as it said at login). */
typedef struct portal_user {
    char phone[32];
    char name[200];
    char role[16];         /* collector, nodal, officer */
    char departments[512]; /* JSON array of department codes (officer: theirs) */
    char csrf[40];
    char session[40];
} portal_user;

/* rs := status with {"error": message}. */
void portal_error(portal_response *rs, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* rs := status with obj as compact JSON; takes obj. */
void portal_json(portal_response *rs, unsigned status, json_object *obj);
/* A Redis command on the thread's connection (connecting first); NULL when Redis is down. */
redisReply *portal_redis(portal_thread *t, const char *fmt, ...);
/* INCR of a Redis counter that lives window_s from its first count: the new count, -1 when Redis
 * is away; ttl_s (may be NULL) := the seconds the counter has left. */
long long portal_count(portal_thread *t, const char *key, int window_s, int *ttl_s);
/* One log line "sampark portal: what: detail", numbers in detail masked (a database error's
 * detail may quote one). Never pass complaint text. */
void portal_log(const char *what, const char *detail);
/* Queues task(t, arg) to run later on a pool thread, after the current answer (arg is copied).
 * For work the client must not be able to time. 0, or -1 when the portal is busy. */
int portal_defer(portal_thread *t, void (*task)(portal_thread *, const char *), const char *arg);
/* On the loop, every SAMPARK_MEDIA_SWEEP_S: the media cache's sweep queued for a pool thread
 * (portal_api_media_sweep). -1 when it could not be queued (the next one will be). */
int portal_sweep_media(portal *p);
/* The value of query argument name, or NULL. */
const char *portal_arg(const portal_request *rq, const char *name);

#endif
