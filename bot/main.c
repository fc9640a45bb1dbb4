/* main.c — command-line dispatch only: parse argv, call a module, map errors to exit codes
 * (0 ok, 1 user error, 2 environment error). Every message to the operator is one line on
 * stderr that names what is wrong. The command's own answers — fail(), usage_error() and the
 * `flows check` summary — are printed here whatever SAMPARK_LOG_LEVEL says; what `serve` says
 * while it runs (started, stopped, and the roles' lines) goes through log.h. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "survey.h"
#include "surveys.h"
#include "cases.h"
#include "cases_export.h"
#include "chat.h"
#include "clock.h"
#include "catalogue.h"
#include "config.h"
#include "db.h"
#include "directory.h"
#include "err.h"
#include "flow.h"
#include "log.h"
#include "http.h"
#include "migrate.h"
#include "scheduler.h"
#include "sender.h"
#include "worker.h"

extern char **environ;

#define SAMPARK_VERSION "0.1.0"

static const char usage_text[] =
    "usage: sampark COMMAND [ARGS]\n"
    "  serve [--role all|receiver|worker|sender|scheduler]   serve the webhook and workers\n"
    "  migrate [DIR]                 apply migrations (default: migrations)\n"
    "  directory load FILE           load or update the district directory\n"
    "  flows check [DIR]             validate flow files\n"
    "  case show TRACKING            print a case as JSON\n"
    "  scheduler run-once [--at ISO8601]   one pass of SLA checks, escalations, digests\n"
    "  digest [--at ISO8601]         build and send the collector digest now\n"
    "  roster show [--at ISO8601]    who is on the helpdesk's duty now (or then)\n"
    "  chat [--as PHONE]             terminal simulator of the conversation\n"
    "  export --from DATE --to DATE [--out DIR]   grievances and actions as CPGRAMS-layout CSV\n"
    "  broadcast create --template NAME [--param V]... --to SEGMENT   a template broadcast\n"
    "  broadcast start|pause|cancel|show ID, broadcast list\n"
    "  broadcast create ... --survey NAME   the survey (flows/, kind survey) that follows it\n"
    "  survey results ID             a broadcast's survey answers as CSV\n"
    "Configuration comes from the environment; see README.md.\n";

static int fail(const err *e)
{
    fprintf(stderr, "sampark: %s\n", e->msg);
    return e->kind == ERR_USER ? 1 : 2;
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sampark: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (sampark --help lists the commands)\n");
    return 1;
}

static http_server *serving;
static volatile sig_atomic_t stop_flag, reload_flag;

static void on_hup(int sig)
{
    (void)sig;
    reload_flag++;
}

static void on_signal(int sig)
{
    int saved = errno;
    (void)sig;
    stop_flag = 1;
    if (serving)
        http_stop(serving);
    errno = saved;
}

static void *worker_thread(void *arg)
{
    worker_run(arg, &stop_flag, &reload_flag);
    return NULL;
}

static void *sender_thread(void *arg)
{
    sender_run(arg, &stop_flag, &reload_flag);
    return NULL;
}

static void *scheduler_thread(void *arg)
{
    err e = {0};
    if (scheduler_run(arg, &stop_flag, &reload_flag, &e) < 0)
        fprintf(stderr, "sampark scheduler: %s\n", e.msg);
    return NULL;
}

/* Longer than the rest on purpose: the roles, the threads started for them, and the stop in
 * reverse order read together, so what is started is visibly what is joined and freed. */
static int cmd_serve(const config *c, int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {NULL, 0, NULL, 0}};
    static const char *const roles[] = {"all", "receiver", "worker", "sender", "scheduler", NULL};
    const char *role = "all";
    err e = {0};
    int opt, known = 0, rc = 0, run_http, run_worker, run_sender, run_scheduler, have_wtid = 0,
             have_stid = 0, have_ctid = 0;
    worker *w = NULL;
    sender *snd = NULL;
    pthread_t tid, stid, ctid;
    struct sigaction sa;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt != 'r')
            return usage_error("serve: unknown option %s", argv[optind - 1]);
        role = optarg;
    }
    if (optind < argc)
        return usage_error("serve: unexpected argument '%s'", argv[optind]);
    for (const char *const *r = roles; *r; r++)
        known |= strcmp(*r, role) == 0;
    if (!known)
        return usage_error(
            "serve: --role '%s' is not one of all, receiver, worker, sender, scheduler", role);

    run_http = strcmp(role, "all") == 0 || strcmp(role, "receiver") == 0;
    run_worker = strcmp(role, "all") == 0 || strcmp(role, "worker") == 0;
    run_sender = strcmp(role, "all") == 0 || strcmp(role, "sender") == 0;
    run_scheduler = strcmp(role, "all") == 0 || strcmp(role, "scheduler") == 0;
    if (config_check_serve(c, &e) < 0)
        return fail(&e);
    {
        /* A broken flow set or message catalogue never goes live (SPEC: serve refuses to start
         * on one). */
        flow_set *flows = flow_set_load(c->flows_dir, &e);
        catalogue *cat = flows ? catalogue_load(c->flows_dir, &e) : NULL;
        flow_set_free(flows);
        if (!cat)
            return fail(&e);
        catalogue_free(cat);
    }
    /* Redis and PostgreSQL may be down at start: serve anyway; /healthz says 503 until they
     * answer, and every connection reconnects on use. */
    if (run_http && !(serving = http_start(c, &e)))
        return fail(&e);
    if ((run_worker && !(w = worker_new(c, &e))) || (run_sender && !(snd = sender_new(c, &e)))) {
        http_free(serving);
        worker_free(w);
        return fail(&e);
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_hup;
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (run_http)
        log_info(NULL, "serving on %s:%d (role %s, %s sending)", c->listen_host, c->listen_port,
                 role, c->access_token ? "real" : "dry-run");
    else
        log_info(NULL, "running (role %s, %s sending)", role, c->access_token ? "real" : "dry-run");
    /* One thread per role in this process; the HTTP loop (if any) keeps the main thread. */
    if (run_worker && (run_http || run_sender)) {
        if (pthread_create(&tid, NULL, worker_thread, w) != 0)
            stop_flag = 1;
        else
            have_wtid = 1;
    }
    if (run_sender && (run_http || run_worker)) {
        if (pthread_create(&stid, NULL, sender_thread, snd) != 0)
            stop_flag = 1;
        else
            have_stid = 1;
    }
    if (run_scheduler && (run_http || run_worker || run_sender)) {
        if (pthread_create(&ctid, NULL, scheduler_thread, (void *)c) != 0)
            stop_flag = 1;
        else
            have_ctid = 1;
    }
    if (run_http)
        rc = http_run(serving);
    else if (run_worker && !have_wtid)
        rc = worker_run(w, &stop_flag, &reload_flag);
    else if (run_sender && !have_stid)
        rc = sender_run(snd, &stop_flag, &reload_flag);
    else if (run_scheduler && !have_ctid) {
        err se = {0};
        rc = scheduler_run(c, &stop_flag, &reload_flag, &se) < 0 ? fail(&se) : 0;
    } else
        while (!stop_flag)
            pause();
    stop_flag = 1;
    if (have_wtid)
        pthread_join(tid, NULL);
    if (have_stid)
        pthread_join(stid, NULL);
    if (have_ctid)
        pthread_join(ctid, NULL);
    log_info(NULL, "stopped");
    {
        http_server *done = serving;
        serving = NULL; /* a late signal must not reach a freed server */
        http_free(done);
    }
    worker_free(w);
    sender_free(snd);
    return rc < 0 ? 2 : 0;
}

static int cmd_migrate(const config *c, int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "migrations";
    err e = {0};
    int applied = 0, rc;
    db *pg;
    if (argc > 2)
        return usage_error("migrate: unexpected argument '%s'", argv[2]);
    if (!(pg = db_open(c->database_url, &e)))
        return fail(&e);
    rc = migrate_run(pg, dir, stdout, &applied, &e);
    db_close(pg);
    if (rc < 0)
        return fail(&e);
    if (applied == 0)
        printf("database is up to date\n");
    return 0;
}

static int cmd_directory(const config *c, int argc, char **argv)
{
    err e = {0};
    directory *dir;
    directory_stats st;
    db *pg;
    int rc;
    if (argc < 2 || strcmp(argv[1], "load") != 0)
        return usage_error("directory: expected 'directory load FILE'");
    if (argc != 3)
        return usage_error("directory load: expected exactly one FILE");
    if (!(dir = directory_parse_file(argv[2], &e)))
        return fail(&e);
    if (!(pg = db_open(c->database_url, &e))) {
        directory_free(dir);
        return fail(&e);
    }
    rc = directory_store(pg, dir, &st, &e);
    db_close(pg);
    if (rc < 0) {
        directory_free(dir);
        return fail(&e);
    }
    printf("directory %s: %zu departments (%d added, %d changed, %d retired), officers %d added, "
           "%d changed, %d removed%s\n",
           dir->code, dir->ndepartments, st.departments_added, st.departments_changed,
           st.departments_retired, st.officers_added, st.officers_changed, st.officers_removed,
           st.district_added     ? "; district added"
           : st.district_changed ? "; district settings changed"
                                 : "");
    directory_free(dir);
    return 0;
}

/* --at for the commands that take one: 0, or -1 after saying what is wrong. */
static int parse_at(const char *arg, int64_t *at)
{
    if (scheduler_parse_time(arg, at) == 0)
        return 0;
    usage_error("--at '%s' is not ISO 8601 with Z or an offset "
                "(2026-11-25T10:00:00Z, 2026-11-25T15:30:00+05:30)",
                arg);
    return -1;
}

/* `roster show [--at T]`: the helpdesk's duty roster at a moment (SPEC section 11). */
static int cmd_roster(const config *c, int argc, char **argv)
{
    static const struct option opts[] = {{"at", required_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    int64_t at = clock_now_ms();
    err e = {0};
    db *pg;
    char *text;
    int opt;
    if (argc < 2 || strcmp(argv[1], "show") != 0)
        return usage_error("roster: expected 'roster show [--at ISO8601]'");
    optind = 1; /* options follow "show" */
    while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (opt != 'a')
            return usage_error("roster show: unknown option %s", argv[optind]);
        if (parse_at(optarg, &at) < 0)
            return 1;
    }
    if (optind < argc - 1)
        return usage_error("unexpected argument '%s'", argv[optind + 1]);
    if (!(pg = db_open(c->database_url, &e)))
        return fail(&e);
    text = directory_roster_show(pg, at, &e);
    db_close(pg);
    if (!text)
        return fail(&e);
    printf("%s", text);
    free(text);
    return 0;
}

/* `scheduler run-once [--at T]` and `digest [--at T] [--weekly]`. */
static int cmd_scheduler(const config *c, int argc, char **argv)
{
    static const struct option opts[] = {{"at", required_argument, NULL, 'a'},
                                         {"weekly", no_argument, NULL, 'w'},
                                         {NULL, 0, NULL, 0}};
    int digest = strcmp(argv[0], "digest") == 0, weekly = 0, opt;
    int64_t at = clock_now_ms();
    err e = {0};
    db *pg;
    catalogue *cat;
    if (!digest) {
        if (argc < 2 || strcmp(argv[1], "run-once") != 0)
            return usage_error("scheduler: expected 'scheduler run-once [--at ISO8601]'");
        argc--;
        argv++;
    }
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 'a') {
            if (parse_at(optarg, &at) < 0)
                return 1;
        } else if (opt == 'w' && digest) {
            weekly = 1;
        } else {
            return usage_error("%s: unknown option %s", digest ? "digest" : "scheduler run-once",
                               argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage_error("unexpected argument '%s'", argv[optind]);
    if (!(cat = catalogue_load(c->flows_dir, &e)))
        return fail(&e);
    if (!(pg = db_open(c->database_url, &e))) {
        catalogue_free(cat);
        return fail(&e);
    }
    if (digest) {
        char *text =
            scheduler_digest(pg, c, cat, at, weekly ? "weekly" : "daily", c->digest_dir, &e);
        db_close(pg);
        catalogue_free(cat);
        if (!text)
            return fail(&e);
        printf("%s", text);
        free(text);
        return 0;
    }
    {
        scheduler_stats st;
        int rc = scheduler_pass(pg, c, cat, at, &st, &e);
        db_close(pg);
        catalogue_free(cat);
        if (rc < 0)
            return fail(&e);
        printf("reminded %d, nodal %d, collector %d, satisfaction reminders %d, auto-closed %d, "
               "reopened without a reason %d, document requests lapsed %d, digests %d, "
               "anonymised %d; helpdesk: opened %d, fallback %d, silent %d, unanswered %d\n",
               st.reminded, st.nodal, st.collector, st.satisfaction_reminders, st.auto_closed,
               st.reopened_unexplained, st.docs_lapsed, st.digests, st.anonymised,
               st.helpdesk_opened, st.helpdesk_fallback, st.helpdesk_silent,
               st.helpdesk_unanswered);
    }
    return 0;
}

static int cmd_case(const config *c, int argc, char **argv)
{
    err e = {0};
    db *pg;
    char *json;
    if (argc != 3 || strcmp(argv[1], "show") != 0)
        return usage_error("case: expected 'case show TRACKING'");
    if (!(pg = db_open(c->database_url, &e)))
        return fail(&e);
    json = case_json(pg, argv[2], &e);
    db_close(pg);
    if (!json)
        return fail(&e);
    printf("%s\n", json);
    free(json);
    return 0;
}

/* `export --from DATE --to DATE [--out DIR]` (SPEC section 14): two CSV files in DIR. */
static int cmd_export(const config *c, int argc, char **argv)
{
    static const struct option opts[] = {{"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"out", required_argument, NULL, 'o'},
                                         {NULL, 0, NULL, 0}};
    const char *from = NULL, *to = NULL, *dir = ".";
    cases_export_result res;
    err e = {0};
    db *pg;
    int opt, rc;
    optind = 1;
    opterr = 0; /* our one line says what is wrong, getopt's would be a second */
    while ((opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (opt == 'f')
            from = optarg;
        else if (opt == 't')
            to = optarg;
        else if (opt == 'o' && *optarg)
            dir = optarg;
        else if (opt == 'o')
            return usage_error("export: --out needs a directory");
        else if (opt == ':')
            return usage_error("export: %s needs a value", argv[optind - 1]);
        else if (optopt) /* "-xy": argv[optind - 1] may be the option before */
            return usage_error("export: unknown option -%c", optopt);
        else
            return usage_error("export: unknown option %s", argv[optind - 1]);
    }
    if (optind < argc)
        return usage_error("export: unexpected argument '%s'", argv[optind]);
    if (cases_export_range(from, to, &e) < 0 || cases_export_out_ok(dir, &e) < 0)
        return usage_error("export: %s", e.msg);
    if (!(pg = db_open(c->database_url, &e)))
        return fail(&e);
    rc = cases_export_run(pg, from, to, dir, &res, &e);
    db_close(pg);
    if (rc < 0)
        return fail(&e);
    printf("%ld grievances in %s\n%ld actions in %s\n", res.grievances, res.grievances_path,
           res.actions, res.actions_path);
    return 0;
}

#define MAX_PARAMS 10

/* --survey NAME: one of the flows folder's surveys, or ERR_USER naming them. */
static int check_survey(const config *c, const char *name, err *e)
{
    flow_set *flows = flow_set_load(c->flows_dir, e);
    char names[1024];
    int rc = 0;
    if (!flows)
        return -1;
    if (!survey_find(flows, name)) {
        survey_names(flows, names, sizeof names);
        rc = err_set(e, ERR_USER, "--survey %s: no such survey in %s (the surveys: %s)", name,
                     c->flows_dir, names);
    }
    flow_set_free(flows);
    return rc;
}

/* `survey results ID`: the answers as CSV on stdout. */
static int cmd_survey(const config *c, int argc, char **argv)
{
    flow_set *flows = NULL;
    const survey *s;
    err e = {0};
    db *pg;
    int rc;
    if (argc != 3 || strcmp(argv[1], "results") != 0)
        return usage_error("survey: expected results ID");
    if (!(pg = db_open(c->database_url, &e)))
        return fail(&e);
    rc = (s = surveys_of_broadcast(pg, c->flows_dir, argv[2], &flows, &e)) &&
                 surveys_results_csv(pg, s, argv[2], stdout, &e) == 0
             ? 0
             : fail(&e);
    flow_set_free(flows);
    db_close(pg);
    return rc;
}

/* `broadcast create --template NAME [--param V]... --to SEGMENT` (SPEC section 13). */
static int cmd_broadcast_create(const config *c, db *pg, int argc, char **argv)
{
    static const struct option opts[] = {{"template", required_argument, NULL, 't'},
                                         {"param", required_argument, NULL, 'p'},
                                         {"to", required_argument, NULL, 'o'},
                                         {"survey", required_argument, NULL, 's'},
                                         {NULL, 0, NULL, 0}};
    const char *tpl = NULL, *to = NULL, *sname = NULL, *params[MAX_PARAMS];
    size_t nparams = 0;
    broadcast_created out;
    err e = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == 't')
            tpl = optarg;
        else if (opt == 'o')
            to = optarg;
        else if (opt == 's')
            sname = optarg;
        else if (opt == 'p' && nparams < MAX_PARAMS)
            params[nparams++] = optarg;
        else
            return usage_error("broadcast create: unknown option %s, or more than %d --param",
                               argv[optind - 1], MAX_PARAMS);
    }
    if (optind < argc)
        return usage_error("broadcast create: unexpected argument '%s'", argv[optind]);
    if (!tpl || !to)
        return usage_error("broadcast create: --template NAME and --to SEGMENT are required");
    if (sname && check_survey(c, sname, &e) < 0)
        return fail(&e);
    if (broadcast_create(pg, tpl, params, nparams, to, "cli", sname, stderr, &out, &e) < 0)
        return fail(&e);
    printf("broadcast %s: %ld recipients, %ld skipped (stopped or blocked); "
           "start it with: sampark broadcast start %s\n",
           out.id, out.recipients, out.skipped, out.id);
    return 0;
}

/* `broadcast create|start|pause|cancel|show|list`. */
static int cmd_broadcast(const config *c, int argc, char **argv)
{
    const char *sub = argc > 1 ? argv[1] : "";
    err e = {0};
    db *pg;
    int rc = 0;
    char *text = NULL;
    if (strcmp(sub, "create") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "start") != 0 &&
        strcmp(sub, "pause") != 0 && strcmp(sub, "cancel") != 0 && strcmp(sub, "show") != 0)
        return usage_error("broadcast: expected create, start, pause, cancel, show or list");
    if (strcmp(sub, "create") != 0 && argc != (strcmp(sub, "list") == 0 ? 2 : 3))
        return usage_error("broadcast %s: expected %s", sub,
                           strcmp(sub, "list") == 0 ? "no argument" : "one broadcast ID");
    if (!(pg = db_open(c->database_url, &e)))
        return fail(&e);
    if (strcmp(sub, "create") == 0)
        rc = cmd_broadcast_create(c, pg, argc - 1, argv + 1);
    else if (strcmp(sub, "list") == 0)
        rc = (text = broadcast_list(pg, &e)) ? 0 : -1;
    else if (strcmp(sub, "show") == 0)
        rc = (text = broadcast_show(pg, argv[2], &e)) ? 0 : -1;
    else if ((strcmp(sub, "start") == 0   ? broadcast_start(pg, argv[2], &e)
              : strcmp(sub, "pause") == 0 ? broadcast_pause(pg, argv[2], &e)
                                          : broadcast_cancel(pg, argv[2], &e)) < 0)
        rc = -1;
    else
        printf("broadcast %s: %s\n", argv[2],
               strcmp(sub, "start") == 0   ? "running"
               : strcmp(sub, "pause") == 0 ? "paused"
                                           : "cancelled");
    db_close(pg);
    if (rc < 0)
        return fail(&e);
    if (text)
        fputs(text, stdout);
    free(text);
    return rc;
}

static int cmd_chat(const config *c, int argc, char **argv)
{
    static const struct option opts[] = {{"as", required_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
    const char *phone = "919999900001";
    err e = {0};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt != 'a')
            return usage_error("chat: unknown option %s", argv[optind - 1]);
        phone = optarg;
    }
    if (optind < argc)
        return usage_error("chat: unexpected argument '%s'", argv[optind]);
    if (strlen(phone) < 8 || strlen(phone) > 15 || strspn(phone, "0123456789") != strlen(phone))
        return usage_error(
            "chat: --as '%s' must be a WhatsApp id: country code and number, digits only", phone);
    if (chat_run(c, phone, stdin, stdout, &e) < 0)
        return fail(&e);
    return 0;
}

/* The directory beside the flows (DIR/district.json, as shipped), when there is one: its
 * mistakes — department keywords included — are found before `directory load` would refuse
 * it. Returns the number of problems (0 or 1: the parser stops at the first). */
static int check_directory_beside(const char *dir)
{
    char path[4096];
    err e = {0};
    directory *d;
    size_t nkw = 0;
    snprintf(path, sizeof path, "%s/district.json", dir);
    if (access(path, F_OK) != 0)
        return 0;
    if (!(d = directory_parse_file(path, &e))) {
        printf("%s\n", e.msg);
        return 1;
    }
    for (size_t i = 0; i < d->ndepartments; i++)
        nkw += d->departments[i].nkeywords;
    printf("%s: %zu departments, %zu keywords: ok\n", path, d->ndepartments, nkw);
    directory_free(d);
    return 0;
}

static int cmd_flows(const config *c, int argc, char **argv)
{
    err e = {0};
    int problems;
    if (argc < 2 || strcmp(argv[1], "check") != 0)
        return usage_error("flows: expected 'flows check [DIR]'");
    if (argc > 3)
        return usage_error("flows check: unexpected argument '%s'", argv[3]);
    problems = flow_check(argc == 3 ? argv[2] : c->flows_dir, stdout, &e);
    if (problems < 0)
        return fail(&e);
    problems += check_directory_beside(argc == 3 ? argv[2] : c->flows_dir);
    problems += catalogue_check(argc == 3 ? argv[2] : c->flows_dir, stdout);
    if (problems > 0) {
        fprintf(stderr, "sampark: %d problem%s in %s\n", problems, problems == 1 ? "" : "s",
                argc == 3 ? argv[2] : c->flows_dir);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    err e = {0};
    config *c;
    int rc;
    if (argc < 2)
        return usage_error("no command given");
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sampark %s\n", SAMPARK_VERSION);
        return 0;
    }
    if (!(c = config_load(environ, &e)))
        return fail(&e);
    log_set_level(c->log_upto);
    if (strcmp(argv[1], "serve") == 0)
        rc = cmd_serve(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "migrate") == 0)
        rc = cmd_migrate(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "directory") == 0)
        rc = cmd_directory(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "flows") == 0)
        rc = cmd_flows(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "chat") == 0)
        rc = cmd_chat(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "case") == 0)
        rc = cmd_case(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "broadcast") == 0)
        rc = cmd_broadcast(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "export") == 0)
        rc = cmd_export(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "survey") == 0)
        rc = cmd_survey(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "roster") == 0)
        rc = cmd_roster(c, argc - 1, argv + 1);
    else if (strcmp(argv[1], "scheduler") == 0 || strcmp(argv[1], "digest") == 0)
        rc = cmd_scheduler(c, argc - 1, argv + 1);
    else
        rc = usage_error("unknown command '%s'", argv[1]);
    config_free(c);
    return rc;
}
