/* wa_in.h — WhatsApp Cloud API webhook notifications → plain C structs. Pure: no I/O, no
 * globals, so it is unit-tested and fuzzed on its own. Also the X-Hub-Signature-256 check and
 * the flat field form in which a message travels through the Redis queue.
 * Never trusts the input: every string is checked for type, and nothing here can crash on a
 * hostile body. */
#ifndef SAMPARK_WA_IN_H
#define SAMPARK_WA_IN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Message kinds. WA_MSG_UNKNOWN keeps the raw type name in type_name. */
typedef enum wa_msg_kind {
    WA_MSG_TEXT,
    WA_MSG_BUTTON_REPLY, /* interactive.button_reply: reply_id, reply_title */
    WA_MSG_LIST_REPLY,   /* interactive.list_reply: reply_id, reply_title, reply_description */
    WA_MSG_BUTTON,       /* template quick reply: reply_id = payload, reply_title = text */
    WA_MSG_IMAGE,
    WA_MSG_AUDIO, /* voice notes too: voice = 1 */
    WA_MSG_VIDEO,
    WA_MSG_DOCUMENT,
    WA_MSG_STICKER,
    WA_MSG_LOCATION,
    WA_MSG_CONTACTS, /* contacts_json: the raw contacts array */
    WA_MSG_REACTION, /* reaction_to, text = emoji ("" when a reaction is removed) */
    WA_MSG_UNSUPPORTED,
    WA_MSG_SYSTEM, /* e.g. user_changed_number: text = body */
    WA_MSG_EDIT,   /* an earlier message edited: reaction_to = its wamid, text = the new text */
    WA_MSG_REVOKE, /* an earlier message deleted: reaction_to = its wamid */
    WA_MSG_UNKNOWN,
    WA_MSG_KIND_COUNT
} wa_msg_kind;

/* One inbound message. All strings are NUL-terminated and owned by the notification (or by
 * the caller's field arrays, for wa_in_message_from_fields); absent ones are "". */
typedef struct wa_message {
    wa_msg_kind kind;
    const char *type_name;    /* the Cloud API "type" as sent */
    const char *id;           /* wamid */
    const char *from;         /* sender's WhatsApp id (digits) */
    const char *profile_name; /* contacts[].profile.name matching from */
    int64_t timestamp;        /* Unix seconds, 0 when absent or malformed */
    const char *context_id;   /* the message this one replies to (swipe-reply) */
    const char *context_from;
    const char *text; /* text body, caption-less text of system messages, reaction emoji */
    const char *reply_id, *reply_title, *reply_description;
    const char *media_id, *mime_type, *sha256, *caption, *filename;
    int voice;
    int has_location;
    double latitude, longitude;
    const char *location_name, *location_address;
    const char *reaction_to;
    const char *contacts_json;
    int error_code; /* first errors[] entry, e.g. 131051 for unsupported */
    const char *error_title;
    /* metadata.phone_number_id of its change: the business number it was sent to. Not part
     * of the queued fields (the receiver filters on it before queueing): "" after from_fields. */
    const char *phone_number_id;
} wa_message;

typedef enum wa_status_kind {
    WA_STATUS_SENT,
    WA_STATUS_DELIVERED,
    WA_STATUS_READ,
    WA_STATUS_FAILED,
    WA_STATUS_OTHER, /* e.g. "deleted", "warning": kept, not acted upon */
} wa_status_kind;

typedef struct wa_status {
    wa_status_kind kind;
    const char *status; /* as sent */
    const char *id;     /* wamid of our outgoing message */
    const char *recipient_id;
    int64_t timestamp;
    int error_code; /* first errors[] entry when failed */
    const char *error_title;
    const char *error_detail;
    const char *phone_number_id; /* as in wa_message: the business number, not queued */
} wa_status;

typedef struct wa_notification {
    wa_message *messages;
    size_t nmessages;
    wa_status *statuses;
    size_t nstatuses;
    size_t skipped;         /* entries without the fields we need (no id, no sender): not queued */
    size_t ignored_changes; /* changes of other fields (account_update, template status...) */
    void *priv_;
} wa_notification;

/* Parses a notification body. Returns the notification, or NULL with e set (ERR_USER) when
 * the body is not JSON, nests deeper than 64 levels, or is not a notification (no "object"
 * or no "entry" array): the webhook answers 400. A notification of another object or field
 * parses to one with no messages and no statuses. */
wa_notification *wa_in_parse(const char *body, size_t len, err *e);
void wa_in_free(wa_notification *n);
/* Drops the messages and statuses that were sent to another business number than
 * phone_number_id (one WhatsApp Business Account may hold several numbers, and a
 * misconfigured webhook may deliver another app's traffic). Returns how many it dropped. */
size_t wa_in_keep_number(wa_notification *n, const char *phone_number_id);

/* X-Hub-Signature-256: "sha256=" + lower- or upper-case hex HMAC-SHA256(secret, body),
 * compared in constant time. 1 when it matches, 0 otherwise (also when header is NULL). */
int wa_in_signature_ok(const char *secret, const char *body, size_t len, const char *header);

const char *wa_in_kind_name(wa_msg_kind k); /* "text", "button_reply"... stable, for metrics */
/* Reactions, system notices and edits/deletions need no answer: the engine stays silent. */
int wa_in_kind_is_silent(wa_msg_kind k);

/* The flat field form of a message in a Redis stream entry: pairs of (name, value) with only
 * non-empty values. wa_in_message_fields fills at most max pairs into names/values (values
 * point into m or into buf, which holds formatted numbers) and returns how many. */
#define WA_IN_MAX_FIELDS 32
size_t wa_in_message_fields(const wa_message *m, const char **names, const char **values, char *buf,
                            size_t bufsz);
/* The reverse: rebuilds m from n pairs. Strings point into values; absent fields become "".
 * Returns 0, or -1 when the pairs have no id or no from. */
int wa_in_message_from_fields(wa_message *m, const char *const *names, const char *const *values,
                              size_t n);

/* The same for a delivery status (fields id, status, to, ts, ecode, etitle, edetail). */
size_t wa_in_status_fields(const wa_status *s, const char **names, const char **values, char *buf,
                           size_t bufsz);
int wa_in_status_from_fields(wa_status *s, const char *const *names, const char *const *values,
                             size_t n);

#endif
