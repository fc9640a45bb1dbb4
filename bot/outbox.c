/* outbox.c — outbound_messages rows (see outbox.h). */
#include "outbox.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"
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
    rc = db_exec(d, &st_insert,
                 (const char *[]){key, to, kind, purpose, json, case_id ? case_id : "",
                                  about ? about : "", hint_copy ? hint_copy : ""},
                 e);
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
    PGresult *r = db_query(d, &st_digest_again, (const char *[]){key, earlier, to}, e);
    int found;
    if (!r)
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

int outbox_read(db *d, const char *key, const char *to, const char *wamid, err *e)
{
    return insert(d, key, to, "read", "read", wa_out_read(wamid), NULL, e);
}
