/* outbox.c — outbound_messages rows (see outbox.h): written at once, or, in a conversation
 * transaction (outbox_defer), kept on the db handle and written by one statement. */
#include "outbox.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "vec.h"
#include "wa_out.h"

static const db_stmt st_insert = {
    "outbox_insert",
    "INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload, case_id,"
    " about_phone, template_hint)"
    " VALUES ($1, $2, $3, $4, $5::jsonb, NULLIF($6, '')::bigint, NULLIF($7, ''),"
    " NULLIF($8, '')::jsonb)"
    " ON CONFLICT (idempotency_key) DO NOTHING",
    8};
/* A digest sent to $3 under the key $2, sent again under $1 with its template hint — only to a
 * phone that still reads the digests. */
static const db_stmt st_digest_again = {
    "outbox_digest_again",
    "INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload,"
    " template_hint)"
    " SELECT $1, o.recipient, o.kind, o.purpose, o.payload, o.template_hint"
    " FROM outbound_messages o, districts t WHERE o.idempotency_key = $2 AND o.recipient = $3"
    " AND o.purpose = 'digest' AND o.recipient = ANY(t.digest_phones)"
    " ON CONFLICT (idempotency_key) DO NOTHING"
    " RETURNING 1",
    3};

/* The deferred rows: the columns of st_insert, row after row, in the order written. */
#define OUTBOX_COLS 8
static const db_stmt st_insert_many = {
    "outbox_insert_many",
    "INSERT INTO outbound_messages (idempotency_key, recipient, kind, purpose, payload, case_id,"
    " about_phone, template_hint)"
    " SELECT v.k, v.t, v.kind, v.p, v.j::jsonb, NULLIF(v.c, '')::bigint, NULLIF(v.a, ''),"
    " NULLIF(v.h, '')::jsonb"
    /* arrays behind sub-selects keep the generic plan at any batch size (inbound.c); ids are
     * taken in ord order, so one recipient's rows keep the order they were written in */
    " FROM unnest((SELECT $1::text[]), (SELECT $2::text[]), (SELECT $3::text[]),"
    " (SELECT $4::text[]), (SELECT $5::text[]), (SELECT $6::text[]), (SELECT $7::text[]),"
    " (SELECT $8::text[])) WITH ORDINALITY AS v(k, t, kind, p, j, c, a, h, ord)"
    " ORDER BY v.ord"
    " ON CONFLICT (idempotency_key) DO NOTHING",
    OUTBOX_COLS};

typedef struct deferred {
    int on;       /* outbox_defer was called, outbox_undefer not yet */
    char **cells; /* n rows of OUTBOX_COLS strings (NULL = SQL NULL), owned */
    size_t n, cap;
} deferred;

static void drop_rows(deferred *q)
{
    for (size_t i = 0; i < q->n * OUTBOX_COLS; i++)
        free(q->cells[i]);
    q->n = 0;
}

static void deferred_free(void *p)
{
    deferred *q = p;
    if (!q)
        return;
    drop_rows(q);
    free(q->cells);
    free(q);
}

/* A rolled-back transaction's rows go with it; deferring stays on until outbox_undefer. */
static void deferred_rollback(void *p)
{
    if (p)
        drop_rows(p);
}

void outbox_defer(db *d)
{
    deferred *q = db_slot(d);
    if (!q && (q = calloc(1, sizeof *q)))
        db_set_slot(d, q, deferred_free, deferred_rollback);
    if (q) { /* out of memory: rows are written at once, as outside a transaction */
        drop_rows(q);
        q->on = 1;
    }
}

void outbox_undefer(db *d)
{
    deferred *q = db_slot(d);
    if (q) {
        drop_rows(q);
        q->on = 0;
    }
}

/* Appends one row (copies of the values; json taken over) when d defers: 1 kept, 0 not
 * deferring, -1 out of memory. */
static int keep_row(db *d, const char *const *vals, char *json, err *e)
{
    deferred *q = db_slot(d);
    char **row;
    if (!q || !q->on)
        return 0;
    if (vec_reserve(q->cells, q->cap, (q->n + 1) * OUTBOX_COLS) < 0) {
        free(json);
        return err_set(e, ERR_ENV, "out of memory");
    }
    row = q->cells + q->n * OUTBOX_COLS;
    for (int c = 0; c < OUTBOX_COLS; c++)
        row[c] = c == 4 ? json : vals[c] ? strdup(vals[c]) : NULL;
    for (int c = 0; c < OUTBOX_COLS; c++)
        if (vals[c] && !row[c]) {
            for (int k = 0; k < OUTBOX_COLS; k++)
                free(row[k]);
            return err_set(e, ERR_ENV, "out of memory");
        }
    q->n++;
    return 1;
}

int outbox_flush(db *d, err *e)
{
    deferred *q = db_slot(d);
    char *arrays[OUTBOX_COLS] = {NULL};
    int rc = 0;
    if (!q || !q->n)
        return 0;
    for (int c = 0; c < OUTBOX_COLS && rc == 0; c++) {
        const char **items = malloc(q->n * sizeof *items);
        for (size_t i = 0; items && i < q->n; i++)
            items[i] = q->cells[i * OUTBOX_COLS + c];
        if (!items || !(arrays[c] = db_text_array(items, q->n)))
            rc = err_set(e, ERR_ENV, "out of memory");
        free(items);
    }
    if (rc == 0)
        rc = db_send(d, &st_insert_many, (const char *const *)arrays, e);
    for (int c = 0; c < OUTBOX_COLS; c++)
        free(arrays[c]);
    drop_rows(q);
    return rc;
}

static int insert_hinted(db *d, const char *key, const char *to, const char *kind,
                         const char *purpose, char *json, const char *case_id, const char *about,
                         const char *hint, err *e)
{
    char *hint_copy = NULL;
    int rc;
    if (!json)
        return err_set(e, ERR_ENV, "out of memory");
    /* Every text here is valid UTF-8 unless a fixed buffer cut a message mid-letter; then the
     * stray bytes become '?' rather than failing the whole transaction (and the scheduler's
     * pass, or the citizen's case, with it). */
    text_utf8_repair(json);
    if (hint && !(hint_copy = strdup(hint))) {
        free(json);
        return err_set(e, ERR_ENV, "out of memory");
    }
    if (hint_copy)
        text_utf8_repair(hint_copy); /* the same for a template's parameters */
    {
        const char *vals[OUTBOX_COLS] = {key,
                                         to,
                                         kind,
                                         purpose,
                                         json,
                                         case_id ? case_id : "",
                                         about ? about : "",
                                         hint_copy ? hint_copy : ""};
        if ((rc = keep_row(d, vals, json, e)) != 0) { /* deferred: json is the row's now */
            free(hint_copy);
            return rc < 0 ? -1 : 0;
        }
        rc = db_exec(d, &st_insert, vals, e);
    }
    free(json);
    free(hint_copy);
    return rc;
}

static int insert_about(db *d, const char *key, const char *to, const char *kind,
                        const char *purpose, char *json, const char *case_id, const char *about,
                        err *e)
{
    return insert_hinted(d, key, to, kind, purpose, json, case_id, about, NULL, e);
}

static int insert(db *d, const char *key, const char *to, const char *kind, const char *purpose,
                  char *json, const char *case_id, err *e)
{
    return insert_about(d, key, to, kind, purpose, json, case_id, NULL, e);
}

int outbox_engine(db *d, const char *key, const char *to, const engine_out *o, const char *purpose,
                  const char *case_id, err *e)
{
    return insert(d, key, to, o->type == ENGINE_TEXT || !o->nopts ? "text" : "interactive", purpose,
                  wa_out_message(to, o), case_id, e);
}

int outbox_text(db *d, const char *key, const char *to, const char *text, const char *purpose,
                const char *case_id, err *e)
{
    return outbox_text_about(d, key, to, text, purpose, case_id, NULL, e);
}

/* The Graph API JSON of a plain text message (malloc'd). */
static char *text_json(const char *to, const char *text)
{
    engine_out o;
    memset(&o, 0, sizeof o);
    o.kind = ENGINE_SEND;
    o.type = ENGINE_TEXT;
    o.text = (char *)text;
    return wa_out_message(to, &o);
}

int outbox_text_about(db *d, const char *key, const char *to, const char *text, const char *purpose,
                      const char *case_id, const char *about, err *e)
{
    return insert_about(d, key, to, "text", purpose, text_json(to, text), case_id, about, e);
}

int outbox_text_hinted(db *d, const char *key, const char *to, const char *text,
                       const char *purpose, const char *hint, err *e)
{
    return insert_hinted(d, key, to, "text", purpose, text_json(to, text), NULL, NULL, hint, e);
}

int outbox_text_about_hinted(db *d, const char *key, const char *to, const char *text,
                             const char *purpose, const char *about, const char *hint, err *e)
{
    return insert_hinted(d, key, to, "text", purpose, text_json(to, text), NULL, about, hint, e);
}

int outbox_digest_again(db *d, const char *key, const char *to, const char *earlier, err *e)
{
    PGresult *r;
    int found;
    /* Written at once, so the rows deferred before it go first: they keep their order, and a
     * key queued earlier in this transaction is seen as queued before. */
    if (outbox_flush(d, e) < 0 ||
        !(r = db_query(d, &st_digest_again, (const char *[]){key, earlier, to}, e)))
        return -1;
    found = PQntuples(r) > 0;
    PQclear(r);
    return found;
}

int outbox_media(db *d, const char *key, const char *to, const char *type, const char *media_id,
                 const char *caption, const char *purpose, const char *case_id, err *e)
{
    return outbox_media_about(d, key, to, type, media_id, caption, purpose, case_id, NULL, NULL, e);
}

int outbox_media_about(db *d, const char *key, const char *to, const char *type,
                       const char *media_id, const char *caption, const char *purpose,
                       const char *case_id, const char *about, const char *hint, err *e)
{
    json_object *root = json_object_new_object(), *m = json_object_new_object();
    char *json;
    const char *kind = strcmp(type, "document") == 0 ? "document" : "image";
    json_object_object_add(root, "messaging_product", json_object_new_string("whatsapp"));
    json_object_object_add(root, "recipient_type", json_object_new_string("individual"));
    json_object_object_add(root, "to", json_object_new_string(to));
    json_object_object_add(root, "type", json_object_new_string(type));
    json_object_object_add(m, "id", json_object_new_string(media_id));
    if (caption && *caption && strcmp(type, "audio") != 0)
        json_object_object_add(m, "caption", json_object_new_string(caption));
    json_object_object_add(root, type, m);
    json = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    /* The outbox knows text, interactive, template, image, document: audio and video travel
     * as their own types in the payload but are recorded under the nearest kind. */
    return insert_hinted(d, key, to, kind, purpose, json, case_id, about, hint, e);
}

