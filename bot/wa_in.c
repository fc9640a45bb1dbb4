/* wa_in.c — Cloud API notification parsing, signature check and queue field form (see
 * wa_in.h). Everything the body says is treated as hostile: wrong types read as absent,
 * entries we cannot use are counted and skipped, and the JSON depth is bounded. */
#include "wa_in.h"

#include "jscan.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

static const char *const kind_names[WA_MSG_KIND_COUNT] = {
    "text",        "button_reply", "list_reply", "button",   "image",    "audio",
    "video",       "document",     "sticker",    "location", "contacts", "reaction",
    "unsupported", "system",       "edit",       "revoke",   "unknown",
};

const char *wa_in_kind_name(wa_msg_kind k)
{
    return (unsigned)k < WA_MSG_KIND_COUNT ? kind_names[k] : "unknown";
}

/* SPEC 4: reactions, edits and deletions are ignored silently. The complaint keeps the text
 * as first sent (an officer may already be acting on it); the edit is recorded, not applied. */
int wa_in_kind_is_silent(wa_msg_kind k)
{
    return k == WA_MSG_REACTION || k == WA_MSG_SYSTEM || k == WA_MSG_EDIT || k == WA_MSG_REVOKE;
}

/* ---- small readers that never fail: wrong type = absent ---------------------------------- */

#define get         jv_get
#define str(o, key) jv_str(jv_get((o), (key)))

static int is_integer(const jv *v)
{
    return v && v->type == JV_NUMBER && !strpbrk(v->str, ".eE");
}

static int64_t timestamp(const jv *o, const char *key)
{
    const jv *v = get(o, key);
    const char *s;
    size_t n;
    int64_t t = 0;
    if (is_integer(v))
        s = v->str;
    else if (v && v->type == JV_STRING)
        s = v->str;
    else
        return 0;
    n = strlen(s);
    if (n == 0 || n > 12 || strspn(s, "0123456789") != n)
        return 0;
    for (; *s; s++)
        t = t * 10 + (*s - '0');
    return t;
}

static int number(const jv *o, const char *key, double *out)
{
    const jv *v = get(o, key);
    char *end;
    if (!v || (v->type != JV_NUMBER && v->type != JV_STRING) || !*v->str)
        return 0;
    *out = strtod(v->str, &end);
    return !*end;
}

static void first_error(const jv *o, int *code, const char **title, const char **detail)
{
    const jv *errs = get(o, "errors"), *e0, *c;
    if (!errs || errs->type != JV_ARRAY || !errs->child)
        return;
    e0 = errs->child;
    c = get(e0, "code");
    if (is_integer(c) && strlen(c->str) < 10)
        *code = atoi(c->str);
    *title = str(e0, "title");
    if (detail) {
        *detail = str(get(e0, "error_data"), "details");
        if (!**detail)
            *detail = str(e0, "message");
    }
}

static int is_wa_id(const char *s)
{
    size_t n = strlen(s);
    return n >= 5 && n <= 20 && strspn(s, "0123456789") == n;
}

/* ---- messages and statuses ----------------------------------------------------------------- */

static void media(wa_message *m, const jv *o)
{
    m->media_id = str(o, "id");
    m->mime_type = str(o, "mime_type");
    m->sha256 = str(o, "sha256");
    m->caption = str(o, "caption");
    m->filename = str(o, "filename");
}

static const char *profile_for(const jv *contacts, const char *from)
{
    if (!contacts || contacts->type != JV_ARRAY)
        return "";
    for (const jv *c = contacts->child; c; c = c->next)
        if (strcmp(str(c, "wa_id"), from) == 0)
            return str(get(c, "profile"), "name");
    return contacts->len == 1 ? str(get(contacts->child, "profile"), "name") : "";
}

static void clear_message(wa_message *m)
{
    static const char empty[] = "";
    memset(m, 0, sizeof *m);
    m->type_name = m->id = m->from = m->profile_name = m->context_id = m->context_from = empty;
    m->text = m->reply_id = m->reply_title = m->reply_description = empty;
    m->media_id = m->mime_type = m->sha256 = m->caption = m->filename = empty;
    m->location_name = m->location_address = m->reaction_to = m->contacts_json = empty;
    m->error_title = m->phone_number_id = empty;
}

static void parse_interactive(wa_message *m, const jv *o)
{
    const jv *sub = get(o, "interactive");
    if (strcmp(str(sub, "type"), "button_reply") == 0) {
        m->kind = WA_MSG_BUTTON_REPLY;
        sub = get(sub, "button_reply");
    } else if (strcmp(str(sub, "type"), "list_reply") == 0) {
        m->kind = WA_MSG_LIST_REPLY;
        sub = get(sub, "list_reply");
        m->reply_description = str(sub, "description");
    } else {
        sub = NULL;
    }
    m->reply_id = str(sub, "id");
    m->reply_title = str(sub, "title");
}

static void parse_location(wa_message *m, const jv *o)
{
    const jv *sub = get(o, "location");
    m->kind = WA_MSG_LOCATION;
    m->has_location = number(sub, "latitude", &m->latitude) &&
                      number(sub, "longitude", &m->longitude) && m->latitude >= -90 &&
                      m->latitude <= 90 && m->longitude >= -180 && m->longitude <= 180;
    if (!m->has_location)
        m->latitude = m->longitude = 0;
    m->location_name = str(sub, "name");
    m->location_address = str(sub, "address");
}

static void parse_edit(wa_message *m, const jv *o)
{
    const jv *edited = get(get(o, "edit"), "message");
    m->kind = WA_MSG_EDIT;
    m->reaction_to = str(get(o, "edit"), "original_message_id");
    m->text = str(get(edited, "text"), "body");
    if (!*m->text) /* media with a new caption */
        m->text = str(get(edited, str(edited, "type")), "caption");
}

/* The part of a message that depends on its type; an unknown type stays WA_MSG_UNKNOWN. */
static void parse_content(jscan *a, wa_message *m, const jv *o, const char *type)
{
    const jv *sub;
    m->kind = WA_MSG_UNKNOWN;
    if (strcmp(type, "text") == 0) {
        m->kind = WA_MSG_TEXT;
        m->text = str(get(o, "text"), "body");
    } else if (strcmp(type, "interactive") == 0) {
        parse_interactive(m, o);
    } else if (strcmp(type, "button") == 0) {
        m->kind = WA_MSG_BUTTON;
        m->reply_id = str(get(o, "button"), "payload");
        m->reply_title = str(get(o, "button"), "text");
    } else if (strcmp(type, "image") == 0 || strcmp(type, "video") == 0 ||
               strcmp(type, "document") == 0 || strcmp(type, "sticker") == 0) {
        m->kind = type[0] == 'i'   ? WA_MSG_IMAGE
                  : type[0] == 'v' ? WA_MSG_VIDEO
                  : type[0] == 'd' ? WA_MSG_DOCUMENT
                                   : WA_MSG_STICKER;
        media(m, get(o, type));
    } else if (strcmp(type, "audio") == 0 || strcmp(type, "voice") == 0) {
        const jv *v;
        m->kind = WA_MSG_AUDIO;
        sub = get(o, type);
        media(m, sub);
        v = get(sub, "voice");
        m->voice = type[0] == 'v' || (v && v->type == JV_TRUE);
    } else if (strcmp(type, "location") == 0) {
        parse_location(m, o);
    } else if (strcmp(type, "contacts") == 0) {
        m->kind = WA_MSG_CONTACTS;
        sub = get(o, "contacts");
        if (sub && sub->type == JV_ARRAY)
            m->contacts_json = jscan_raw(a, sub);
    } else if (strcmp(type, "reaction") == 0) {
        m->kind = WA_MSG_REACTION;
        m->reaction_to = str(get(o, "reaction"), "message_id");
        m->text = str(get(o, "reaction"), "emoji");
    } else if (strcmp(type, "unsupported") == 0) {
        m->kind = WA_MSG_UNSUPPORTED;
    } else if (strcmp(type, "system") == 0) {
        m->kind = WA_MSG_SYSTEM;
        m->text = str(get(o, "system"), "body");
    } else if (strcmp(type, "edit") == 0) {
        parse_edit(m, o);
    } else if (strcmp(type, "revoke") == 0) {
        m->kind = WA_MSG_REVOKE;
        m->reaction_to = str(get(o, "revoke"), "original_message_id");
    }
}

static int parse_message(jscan *a, wa_message *m, const jv *o, const jv *contacts)
{
    clear_message(m);
    m->id = str(o, "id");
    m->from = str(o, "from");
    if (!*m->id || strlen(m->id) > 256 || !is_wa_id(m->from))
        return -1;
    m->profile_name = profile_for(contacts, m->from);
    m->timestamp = timestamp(o, "timestamp");
    m->context_id = str(get(o, "context"), "id");
    m->context_from = str(get(o, "context"), "from");
    m->type_name = str(o, "type");
    first_error(o, &m->error_code, &m->error_title, NULL);
    parse_content(a, m, o, m->type_name);
    return 0;
}

static wa_status_kind status_kind(const char *s);

static int parse_status(wa_status *s, const jv *o)
{
    static const char empty[] = "";
    memset(s, 0, sizeof *s);
    s->error_title = s->error_detail = s->phone_number_id = empty;
    s->id = str(o, "id");
    s->status = str(o, "status");
    if (!*s->id || strlen(s->id) > 256 || !*s->status)
        return -1;
    s->recipient_id = str(o, "recipient_id");
    s->timestamp = timestamp(o, "timestamp");
    s->kind = status_kind(s->status);
    first_error(o, &s->error_code, &s->error_title, &s->error_detail);
    return 0;
}

static const jv *array(const jv *v)
{
    return v && v->type == JV_ARRAY ? v->child : NULL;
}

wa_notification *wa_in_parse(const char *body, size_t len, err *e)
{
    jscan *a;
    jv *root;
    const jv *entry;
    wa_notification *n;
    size_t nmsg = 0, nst = 0;
    char why[128];
    if (!(a = jscan_parse(body, len, MAX_DEPTH, &root, why, sizeof why))) {
        err_set(e, ERR_USER, "body is not JSON: %s", why);
        return NULL;
    }
    entry = get(root, "entry");
    if (!get(root, "object") || get(root, "object")->type != JV_STRING || !entry ||
        entry->type != JV_ARRAY) {
        jscan_free(a);
        err_set(e, ERR_USER,
                "not a WhatsApp notification: needs \"object\" and an \"entry\" array");
        return NULL;
    }
    if (!(n = calloc(1, sizeof *n))) {
        jscan_free(a);
        err_set(e, ERR_ENV, "out of memory");
        return NULL;
    }
    n->priv_ = a;
    if (strcmp(str(root, "object"), "whatsapp_business_account") != 0) {
        n->ignored_changes = 1;
        return n;
    }
    /* Two passes: count, then fill, so the arrays are allocated once. */
    for (int pass = 0; pass < 2; pass++) {
        size_t mi = 0, si = 0;
        for (const jv *en = array(entry); en; en = en->next) {
            for (const jv *ch = array(get(en, "changes")); ch; ch = ch->next) {
                const jv *value = get(ch, "value"), *contacts = get(value, "contacts");
                const char *number_id = str(get(value, "metadata"), "phone_number_id");
                if (strcmp(str(ch, "field"), "messages") != 0) {
                    if (pass == 0)
                        n->ignored_changes++;
                    continue;
                }
                for (const jv *m = array(get(value, "messages")); m; m = m->next) {
                    if (pass == 0)
                        nmsg++;
                    else if (parse_message(a, &n->messages[mi], m, contacts) == 0)
                        n->messages[mi++].phone_number_id = number_id;
                    else
                        n->skipped++;
                }
                for (const jv *st = array(get(value, "statuses")); st; st = st->next) {
                    if (pass == 0)
                        nst++;
                    else if (parse_status(&n->statuses[si], st) == 0)
                        n->statuses[si++].phone_number_id = number_id;
                    else
                        n->skipped++;
                }
            }
        }
        if (pass == 0) {
            if ((nmsg && !(n->messages = calloc(nmsg, sizeof *n->messages))) ||
                (nst && !(n->statuses = calloc(nst, sizeof *n->statuses)))) {
                wa_in_free(n);
                err_set(e, ERR_ENV, "out of memory");
                return NULL;
            }
        } else {
            n->nmessages = mi;
            n->nstatuses = si;
        }
    }
    return n;
}

size_t wa_in_keep_number(wa_notification *n, const char *phone_number_id)
{
    size_t mi = 0, si = 0, dropped;
    for (size_t i = 0; i < n->nmessages; i++)
        if (strcmp(n->messages[i].phone_number_id, phone_number_id) == 0)
            n->messages[mi++] = n->messages[i];
    for (size_t i = 0; i < n->nstatuses; i++)
        if (strcmp(n->statuses[i].phone_number_id, phone_number_id) == 0)
            n->statuses[si++] = n->statuses[i];
    dropped = n->nmessages - mi + n->nstatuses - si;
    n->nmessages = mi;
    n->nstatuses = si;
    return dropped;
}

void wa_in_free(wa_notification *n)
{
    if (!n)
        return;
    jscan_free(n->priv_);
    free(n->messages);
    free(n->statuses);
    free(n);
}

/* ---- signature ----------------------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* HMAC-SHA256 with the key's inner and outer pads hashed once per thread and secret, so a
 * request costs two digest copies and no key setup (this runs on every webhook POST). */
struct hmac_cache {
    char secret[256];
    EVP_MD_CTX *inner, *outer, *work;
};
static __thread struct hmac_cache hcache;

static int hmac_prepare(const char *secret)
{
    unsigned char key[64] = {0}, pad[64];
    size_t klen = strlen(secret);
    if (hcache.inner && klen < sizeof hcache.secret && strcmp(hcache.secret, secret) == 0)
        return 0;
    if (!hcache.inner && (!(hcache.inner = EVP_MD_CTX_new()) ||
                          !(hcache.outer = EVP_MD_CTX_new()) || !(hcache.work = EVP_MD_CTX_new())))
        return -1;
    if (klen > 64) {
        unsigned int n = 0;
        if (!EVP_Digest(secret, klen, key, &n, EVP_sha256(), NULL))
            return -1;
    } else {
        memcpy(key, secret, klen);
    }
    for (int i = 0; i < 64; i++)
        pad[i] = key[i] ^ 0x36;
    if (!EVP_DigestInit_ex(hcache.inner, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(hcache.inner, pad, 64))
        return -1;
    for (int i = 0; i < 64; i++)
        pad[i] = key[i] ^ 0x5c;
    if (!EVP_DigestInit_ex(hcache.outer, EVP_sha256(), NULL) ||
        !EVP_DigestUpdate(hcache.outer, pad, 64))
        return -1;
    OPENSSL_cleanse(key, sizeof key);
    snprintf(hcache.secret, sizeof hcache.secret, "%s", klen < sizeof hcache.secret ? secret : "");
    return 0;
}

static int hmac_sha256(const char *secret, const char *body, size_t len, unsigned char out[32])
{
    unsigned char inner[32];
    unsigned int n = 0;
    if (hmac_prepare(secret) < 0 || !EVP_MD_CTX_copy_ex(hcache.work, hcache.inner) ||
        !EVP_DigestUpdate(hcache.work, body, len) || !EVP_DigestFinal_ex(hcache.work, inner, &n) ||
        !EVP_MD_CTX_copy_ex(hcache.work, hcache.outer) ||
        !EVP_DigestUpdate(hcache.work, inner, 32) || !EVP_DigestFinal_ex(hcache.work, out, &n))
        return -1;
    return 0;
}

int wa_in_signature_ok(const char *secret, const char *body, size_t len, const char *header)
{
    unsigned char want[32], got[32];
    if (!secret || !*secret || !header || strncmp(header, "sha256=", 7) != 0 ||
        strlen(header + 7) != 64)
        return 0;
    for (int i = 0; i < 32; i++) {
        int hi = hexval(header[7 + 2 * i]), lo = hexval(header[8 + 2 * i]);
        if (hi < 0 || lo < 0)
            return 0;
        got[i] = (unsigned char)(hi << 4 | lo);
    }
    if (hmac_sha256(secret, body, len, want) < 0)
        return 0;
    return CRYPTO_memcmp(want, got, 32) == 0;
}

/* ---- flat field form ------------------------------------------------------------------------ */

size_t wa_in_message_fields(const wa_message *m, const char **names, const char **values, char *buf,
                            size_t bufsz)
{
    size_t n = 0, used = 0;
#define PUT(name, val)                                                                             \
    do {                                                                                           \
        if ((val) && *(val) && n < WA_IN_MAX_FIELDS) {                                             \
            names[n] = (name);                                                                     \
            values[n++] = (val);                                                                   \
        }                                                                                          \
    } while (0)
#define PUTF(name, ...)                                                                            \
    do {                                                                                           \
        int w_ = snprintf(buf + used, bufsz > used ? bufsz - used : 0, __VA_ARGS__);               \
        if (w_ > 0 && used + (size_t)w_ < bufsz) {                                                 \
            PUT(name, buf + used);                                                                 \
            used += (size_t)w_ + 1;                                                                \
        }                                                                                          \
    } while (0)
    PUT("k", wa_in_kind_name(m->kind));
    PUT("type", m->type_name);
    PUT("id", m->id);
    PUT("from", m->from);
    PUT("name", m->profile_name);
    if (m->timestamp > 0)
        PUTF("ts", "%lld", (long long)m->timestamp);
    PUT("ctx", m->context_id);
    PUT("ctx_from", m->context_from);
    PUT("text", m->text);
    PUT("rid", m->reply_id);
    PUT("rtitle", m->reply_title);
    PUT("rdesc", m->reply_description);
    PUT("media", m->media_id);
    PUT("mime", m->mime_type);
    PUT("sha", m->sha256);
    PUT("caption", m->caption);
    PUT("file", m->filename);
    if (m->voice)
        PUT("voice", "1");
    if (m->has_location) {
        PUTF("lat", "%.7f", m->latitude);
        PUTF("lon", "%.7f", m->longitude);
    }
    PUT("lname", m->location_name);
    PUT("laddr", m->location_address);
    PUT("react", m->reaction_to);
    PUT("contacts", m->contacts_json);
    if (m->error_code)
        PUTF("ecode", "%d", m->error_code);
    PUT("etitle", m->error_title);
#undef PUT
#undef PUTF
    return n;
}

int wa_in_message_from_fields(wa_message *m, const char *const *names, const char *const *values,
                              size_t n)
{
    clear_message(m);
    m->kind = WA_MSG_UNKNOWN;
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        static const struct {
            const char *name;
            size_t off;
        } strs[] = {
            {"type", offsetof(wa_message, type_name)},
            {"id", offsetof(wa_message, id)},
            {"from", offsetof(wa_message, from)},
            {"name", offsetof(wa_message, profile_name)},
            {"ctx", offsetof(wa_message, context_id)},
            {"ctx_from", offsetof(wa_message, context_from)},
            {"text", offsetof(wa_message, text)},
            {"rid", offsetof(wa_message, reply_id)},
            {"rtitle", offsetof(wa_message, reply_title)},
            {"rdesc", offsetof(wa_message, reply_description)},
            {"media", offsetof(wa_message, media_id)},
            {"mime", offsetof(wa_message, mime_type)},
            {"sha", offsetof(wa_message, sha256)},
            {"caption", offsetof(wa_message, caption)},
            {"file", offsetof(wa_message, filename)},
            {"lname", offsetof(wa_message, location_name)},
            {"laddr", offsetof(wa_message, location_address)},
            {"react", offsetof(wa_message, reaction_to)},
            {"contacts", offsetof(wa_message, contacts_json)},
            {"etitle", offsetof(wa_message, error_title)},
        };
        size_t j;
        if (!k || !v)
            continue;
        for (j = 0; j < sizeof strs / sizeof strs[0]; j++)
            if (strcmp(strs[j].name, k) == 0) {
                *(const char **)((char *)m + strs[j].off) = v;
                break;
            }
        if (j < sizeof strs / sizeof strs[0])
            continue;
        if (strcmp(k, "k") == 0) {
            for (int c = 0; c < WA_MSG_KIND_COUNT; c++)
                if (strcmp(kind_names[c], v) == 0)
                    m->kind = (wa_msg_kind)c;
        } else if (strcmp(k, "ts") == 0) {
            m->timestamp = strtoll(v, NULL, 10);
        } else if (strcmp(k, "voice") == 0) {
            m->voice = 1;
        } else if (strcmp(k, "lat") == 0) {
            m->latitude = strtod(v, NULL);
            m->has_location = 1;
        } else if (strcmp(k, "lon") == 0) {
            m->longitude = strtod(v, NULL);
        } else if (strcmp(k, "ecode") == 0) {
            m->error_code = atoi(v);
        }
    }
    /* Queued by a receiver that did not know these kinds yet (a rolling upgrade): still silent. */
    if (m->kind == WA_MSG_UNKNOWN && m->type_name)
        m->kind = !strcmp(m->type_name, "edit")     ? WA_MSG_EDIT
                  : !strcmp(m->type_name, "revoke") ? WA_MSG_REVOKE
                                                    : WA_MSG_UNKNOWN;
    return *m->id && *m->from ? 0 : -1;
}

static wa_status_kind status_kind(const char *s)
{
    return strcmp(s, "sent") == 0        ? WA_STATUS_SENT
           : strcmp(s, "delivered") == 0 ? WA_STATUS_DELIVERED
           : strcmp(s, "read") == 0      ? WA_STATUS_READ
           : strcmp(s, "failed") == 0    ? WA_STATUS_FAILED
                                         : WA_STATUS_OTHER;
}

size_t wa_in_status_fields(const wa_status *s, const char **names, const char **values, char *buf,
                           size_t bufsz)
{
    size_t n = 0;
    int w;
    names[n] = "id", values[n++] = s->id;
    names[n] = "status", values[n++] = s->status;
    if (*s->recipient_id)
        names[n] = "to", values[n++] = s->recipient_id;
    w = snprintf(buf, bufsz, "%lld", (long long)s->timestamp);
    if (s->timestamp > 0 && w > 0 && (size_t)w < bufsz / 2)
        names[n] = "ts", values[n++] = buf;
    w = snprintf(buf + bufsz / 2, bufsz / 2, "%d", s->error_code);
    if (s->error_code && w > 0 && (size_t)w < bufsz / 2)
        names[n] = "ecode", values[n++] = buf + bufsz / 2;
    if (*s->error_title)
        names[n] = "etitle", values[n++] = s->error_title;
    if (*s->error_detail)
        names[n] = "edetail", values[n++] = s->error_detail;
    return n;
}

int wa_in_status_from_fields(wa_status *s, const char *const *names, const char *const *values,
                             size_t n)
{
    static const char empty[] = "";
    memset(s, 0, sizeof *s);
    s->id = s->status = s->recipient_id = s->error_title = s->error_detail = empty;
    s->phone_number_id = empty;
    for (size_t i = 0; i < n; i++) {
        const char *k = names[i], *v = values[i];
        if (!k || !v)
            continue;
        if (strcmp(k, "id") == 0)
            s->id = v;
        else if (strcmp(k, "status") == 0)
            s->status = v;
        else if (strcmp(k, "to") == 0)
            s->recipient_id = v;
        else if (strcmp(k, "ts") == 0)
            s->timestamp = strtoll(v, NULL, 10);
        else if (strcmp(k, "ecode") == 0)
            s->error_code = atoi(v);
        else if (strcmp(k, "etitle") == 0)
            s->error_title = v;
        else if (strcmp(k, "edetail") == 0)
            s->error_detail = v;
    }
    s->kind = status_kind(s->status);
    return *s->id && *s->status ? 0 : -1;
}
