/* portal_broadcasts.c — the portal's broadcast routes (see portal_broadcasts.h). Every broadcast
 * is created and steered by bot/broadcast.c's own functions, exactly as `sampark broadcast` does,
 * created_by "web:<phone>"; no SQL here. A file segment is the command line's only: the portal
 * never reads a path on the server. Refusals name the field: template, params, to. */
#include "portal_broadcasts.h"

#include <stdlib.h>
#include <string.h>

#include "broadcast.h"
#include "portal_api.h"
#include "portal_auth.h"
#include "survey.h"
#include "surveys.h"
#include "text.h"

#define PARAMS_MAX  16
#define PARAM_BYTES 1024

/* "scheme_update, scheme_notice" of the directory's templates into out. */
static void template_names(db *pg, char *out, size_t outsz)
{
    err e = {0};
    char *text = broadcast_templates(pg, &e);
    json_object *list = text ? json_tokener_parse(text) : NULL;
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; list && i < json_object_array_length(list) && used < outsz; i++) {
        json_object *name = NULL;
        json_object_object_get_ex(json_object_array_get_idx(list, i), "name", &name);
        used += (size_t)snprintf(out + used, outsz - used, "%s%s", i ? ", " : "",
                                 json_object_get_string(name));
    }
    json_object_put(list);
    free(text);
}

/* The command line's words in a refusal, as the form names them: "--param" is "params". */
static void web_words(const char *msg, char *out, size_t outsz)
{
    size_t n = 0;
    while (*msg && n + 8 < outsz) {
        if (strncmp(msg, "--param", 7) == 0) {
            memcpy(out + n, "params", 6);
            n += 6;
            msg += 7;
        } else {
            out[n++] = *msg++;
        }
    }
    out[n] = '\0';
}

/* broadcast_create's ERR_USER as a 400 naming the field it is about. */
static void create_refused(db *pg, const err *e, portal_response *rs)
{
    char msg[sizeof e->msg], names[512];
    web_words(e->msg, msg, sizeof msg);
    if (strncmp(msg, "--to ", 5) == 0) {
        portal_error(rs, 400, "to: %s", msg + 5);
    } else if (strstr(e->msg, "--param")) {
        portal_error(rs, 400, "params: %s", msg);
    } else if (strncmp(msg, "template ", 9) == 0) {
        template_names(pg, names, sizeof names);
        portal_error(rs, 400, "template: %s (the templates: %s)", msg, names[0] ? names : "none");
    } else {
        portal_error(rs, 400, "%s", msg);
    }
}

/* "params": a list of at most PARAMS_MAX strings, each valid UTF-8 without NUL; pointers into o
 * into params. 0, or -1 with rs answered 400. */
static int params_field(json_object *o, const char **params, size_t *n, portal_response *rs)
{
    json_object *list;
    *n = 0;
    if (!json_object_object_get_ex(o, "params", &list))
        return 0;
    if (!json_object_is_type(list, json_type_array) ||
        json_object_array_length(list) > PARAMS_MAX) {
        portal_error(rs, 400, "params: must be a list of at most %d strings", PARAMS_MAX);
        return -1;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *v = json_object_array_get_idx(list, i);
        const char *s = json_object_get_string(v);
        size_t len = (size_t)json_object_get_string_len(v);
        if (!json_object_is_type(v, json_type_string) || memchr(s, '\0', len) ||
            !text_utf8_valid(s, len) || len >= PARAM_BYTES) {
            portal_error(rs, 400, "params[%zu]: must be UTF-8 text under %d bytes", i, PARAM_BYTES);
            return -1;
        }
        params[(*n)++] = s;
    }
    return 0;
}

/* "survey" (optional, "" none): one of the flows folder's surveys, or 400 naming them. */
static int survey_field(portal_thread *t, json_object *o, char *name, size_t n,
                        portal_response *rs)
{
    err e = {0};
    flow_set *flows;
    char names[1024];
    int rc = 0;
    if (portal_api_string(o, "survey", 0, name, n, rs) < 0)
        return -1;
    if (!name[0])
        return 0;
    if (!(flows = flow_set_load(t->cfg->flows_dir, &e))) {
        portal_error(rs, 503, "surveys: %s", e.msg);
        return -1;
    }
    if (!survey_find(flows, name)) {
        survey_names(flows, names, sizeof names);
        portal_error(rs, 400, "survey: no such survey (the surveys: %s)", names);
        rc = -1;
    }
    flow_set_free(flows);
    return rc;
}

/* The body's fields: only template, params, to and survey; to a segment the portal may use. */
static int create_fields(portal_thread *t, json_object *o, char *tpl, size_t tplsz, char *to,
                         size_t tosz, char *sname, size_t snamesz, const char **params,
                         size_t *nparams, portal_response *rs)
{
    broadcast_segment seg;
    err e = {0};
    json_object_object_foreach(o, field, val) {
        (void)val;
        if (strcmp(field, "template") && strcmp(field, "params") && strcmp(field, "to") &&
            strcmp(field, "survey")) {
            portal_error(rs, 400, "%.40s: unknown field (template, params, to, survey)", field);
            return -1;
        }
    }
    if (portal_api_string(o, "template", 1, tpl, tplsz, rs) < 0 ||
        params_field(o, params, nparams, rs) < 0 ||
        portal_api_string(o, "to", 1, to, tosz, rs) < 0 ||
        survey_field(t, o, sname, snamesz, rs) < 0)
        return -1;
    if (broadcast_parse_segment(to, &seg, &e) < 0) {
        portal_error(rs, 400, "to: %s", strncmp(e.msg, "--to ", 5) == 0 ? e.msg + 5 : e.msg);
        return -1;
    }
    if (seg.kind == BROADCAST_TO_FILE) {
        portal_error(rs, 400,
                     "to: file= is for the command line (sampark broadcast create); here: "
                     "subscribers, village=V, block=B or department=D[,days=N]");
        return -1;
    }
    return 0;
}

/* One broadcast as JSON with this status, or 404 / 503. */
static void detail(portal_thread *t, const char *id, unsigned status, portal_response *rs)
{
    err e = {0};
    char *json = broadcast_show_json(t->pg, id, &e);
    if (!json) {
        if (e.kind == ERR_USER)
            portal_error(rs, 404, "no such broadcast");
        else
            portal_api_db_failed(rs, "broadcast", &e);
        return;
    }
    portal_api_json_text(rs, json);
    rs->status = status;
}

static void create(portal_thread *t, const portal_user *u, const portal_request *rq,
                   portal_response *rs)
{
    char tpl[128], to[300], actor[48], sname[128];
    const char *params[PARAMS_MAX];
    size_t nparams;
    broadcast_created out;
    err e = {0};
    json_object *o = portal_auth_body(rq, rs);
    if (!o)
        return;
    if (create_fields(t, o, tpl, sizeof tpl, to, sizeof to, sname, sizeof sname, params, &nparams,
                      rs) < 0)
        goto out;
    snprintf(actor, sizeof actor, "web:%s", u->phone);
    if (broadcast_create(t->pg, tpl, params, nparams, to, actor, sname, stderr, &out, &e) < 0) {
        if (e.kind == ERR_USER)
            create_refused(t->pg, &e, rs);
        else
            portal_api_db_failed(rs, "broadcast create", &e);
        goto out;
    }
    detail(t, out.id, 201, rs);
out:
    json_object_put(o);
}

/* POST /api/broadcasts/{id}/{start|pause|cancel}: the broadcast as it is now, 404, or 409 with
 * why when its state does not allow it. */
static void steer(portal_thread *t, const char *id, const char *verb, portal_response *rs)
{
    int (*act)(db *, const char *, err *) = strcmp(verb, "start") == 0    ? broadcast_start
                                            : strcmp(verb, "pause") == 0  ? broadcast_pause
                                            : strcmp(verb, "cancel") == 0 ? broadcast_cancel
                                                                          : NULL;
    err e = {0};
    if (!act) {
        portal_error(rs, 404, "no such API route");
        return;
    }
    if (act(t->pg, id, &e) == 0)
        return detail(t, id, 200, rs);
    if (e.kind != ERR_USER)
        return portal_api_db_failed(rs, "broadcast", &e);
    detail(t, id, 409, rs); /* 404 when there is none */
    if (rs->status == 409)
        portal_error(rs, 409, "not allowed: %s", e.msg);
}

static void templates(portal_thread *t, portal_response *rs)
{
    err e = {0};
    char *text = broadcast_templates(t->pg, &e);
    json_object *o;
    if (!text && e.kind != ERR_USER)
        return portal_api_db_failed(rs, "broadcast templates", &e);
    o = json_object_new_object();
    json_object_object_add(o, "templates", json_tokener_parse(text ? text : "[]"));
    free(text);
    portal_json(rs, 200, o);
}

/* GET /api/broadcast-surveys: {"surveys": [{name, questions: [{id, type, text: {hi, en}}]}]}. */
static void surveys(portal_thread *t, portal_response *rs)
{
    err e = {0};
    flow_set *flows = flow_set_load(t->cfg->flows_dir, &e);
    json_object *o, *list;
    if (!flows)
        return portal_error(rs, 503, "surveys: %s", e.msg);
    o = json_object_new_object();
    list = json_object_new_array();
    for (size_t i = 0; i < flows->nsurveys; i++)
        json_object_array_add(list, surveys_describe(flows->surveys[i]));
    json_object_object_add(o, "surveys", list);
    flow_set_free(flows);
    portal_json(rs, 200, o);
}

/* GET /api/broadcasts/{id}/survey: the answers' distribution, free text included — the collector
 * and nodal roles, the only ones here, may read every case's words too. */
static void results(portal_thread *t, const char *id, portal_response *rs)
{
    err e = {0};
    flow_set *flows = NULL;
    const survey *s = surveys_of_broadcast(t->pg, t->cfg->flows_dir, id, &flows, &e);
    char *json = s ? surveys_results_json(t->pg, s, id, 1, &e) : NULL;
    flow_set_free(flows);
    if (json)
        return portal_api_json_text(rs, json);
    if (e.kind == ERR_USER)
        portal_error(rs, 404, "%s", e.msg);
    else
        portal_api_db_failed(rs, "survey results", &e);
}

static void list(portal_thread *t, portal_response *rs)
{
    err e = {0};
    char *json = broadcast_list_json(t->pg, &e);
    if (!json)
        return portal_api_db_failed(rs, "broadcast list", &e);
    portal_api_json_text(rs, json);
}

void portal_broadcasts(portal_thread *t, const portal_user *u, const portal_request *rq,
                       portal_response *rs)
{
    const char *rest = rq->path + strlen("/api/broadcasts"), *slash;
    size_t idlen;
    char id[24];
    if (strcmp(u->role, "collector") != 0 && strcmp(u->role, "nodal") != 0) {
        portal_error(rs, 403, "broadcasts are for the collector and nodal roles");
        return;
    }
    if (strcmp(rq->path, "/api/broadcast-templates") == 0)
        return rq->post ? portal_error(rs, 404, "no such API route") : templates(t, rs);
    if (strcmp(rq->path, "/api/broadcast-surveys") == 0)
        return rq->post ? portal_error(rs, 404, "no such API route") : surveys(t, rs);
    if (!*rest)
        return rq->post ? create(t, u, rq, rs) : list(t, rs);
    rest++; /* past the '/' */
    slash = strchr(rest, '/');
    idlen = slash ? (size_t)(slash - rest) : strlen(rest);
    if (!idlen || idlen >= sizeof id || (slash && strchr(slash + 1, '/'))) {
        portal_error(rs, 404, "no such API route");
        return;
    }
    snprintf(id, sizeof id, "%.*s", (int)idlen, rest);
    if (!rq->post && slash && strcmp(slash + 1, "survey") == 0)
        return results(t, id, rs);
    if (rq->post != !!slash) {
        portal_error(rs, 404, "no such API route");
        return;
    }
    if (slash)
        return steer(t, id, slash + 1, rs);
    detail(t, id, 200, rs);
}
