/* test_wa_in.c — WhatsApp Cloud API webhook notifications (pure, no services): every kind of
 * message Meta sends in tests/payloads/ parses to the right fields, statuses and other fields
 * are told apart, malformed bodies are refused, hostile-but-valid shapes neither crash nor
 * leave NULL strings, X-Hub-Signature-256 is checked, and the flat field form round-trips. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "wa_in.h"

/* The people and ids in tests/payloads/. */
#define BIZ_PHONE     "917489012345"
#define RAMESH        "919876543210"
#define RAMESH_NAME   "Ramesh Kumar Sahu"
#define SUNITA        "919425012345"
#define SUNITA_NAME   "सुनीता वर्मा"
#define DILIP         "919827123456"
#define DILIP_NAME    "Dilip Yadav"
#define OUT_MENU      "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSMDk0NDc2NEVDRkZENkVEQUE3AA=="
#define OUT_LIST      "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSMDQxQTk2M0FCQUZDODU4NDU0AA=="
#define OUT_TEMPLATE  "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSODc2MjUxM0E2NDI4RTMyODZFAA=="
#define OUT_ACK       "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAERgSNTM3NjEwOUM0QjM4MUFGRTZFAA=="
#define ID_TEXT       "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUOTgyRDlFM0VCOTk2RjU1OUU2MzMAA=="
#define ID_HINDI      "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgURUM4RDMzMDBBNzlCOUZCNTU4QkQAA=="
#define ID_REPLY      "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUOUY5RjhFM0U4RDZFMzE5MkM3OUQAA=="
#define ID_BTN_REPLY  "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUNkM4RDA0OEZGOEI0MTcxQzIyRDcAA=="
#define ID_LIST_REPLY "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgURTA4NzIxQUIwNDlDQ0MzNTU5NkYAA=="
#define ID_BUTTON     "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUQzNFMkQ3OEYzRkYzMzU3MjRCNDAAA=="
#define ID_IMAGE      "wamid.HBgMOTE5ODI3MTIzNDU2FQIAEhgUNjEwNUQ2Q0M3NkFGNDAwMzI1RTkAA=="
#define ID_AUDIO      "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUNkVEODkxOUNFMjA0OTBBNUUzQUQAA=="
#define ID_VIDEO      "wamid.HBgMOTE5ODI3MTIzNDU2FQIAEhgUMENBQjFDOTYxNzQwNEZBRjJCMjQAA=="
#define ID_DOCUMENT   "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUNDNDQzIzRkE1MkI4N0I0Q0MxRDAAA=="
#define ID_STICKER    "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUNTdDNEIxM0E0QzczMzVFNzJGMTYAA=="
#define ID_LOCATION   "wamid.HBgMOTE5ODI3MTIzNDU2FQIAEhgURTZFQUVBMThFODg1RTEwNzg4MjkAA=="
#define ID_CONTACTS   "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUQUE1QUY0MDg0RjM3NDZCQjI5QTIAA=="
#define ID_REACTION   "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUNTExNjM5QTRBOUEyM0NDRUI4M0UAA=="
#define ID_UNREACT    "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUNkU0Qjc4QjdGNDUxOTZCQkY1ODMAA=="
#define ID_UNSUPP     "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUNjA5NDVENDk1MzUzMDBCRThFNDIAA=="
#define ID_ORDER      "wamid.HBgMOTE5ODI3MTIzNDU2FQIAEhgUM0VFQjdFOTZFNTlDRTQwRjlDQjEAA=="
#define ID_EDIT       "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgURURJVDAwMDAwMDAwMDAwMDAwMDEAA=="
#define ID_REVOKE     "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUUkVWT0tFMDAwMDAwMDAwMDAwMDEAA=="
#define ID_EDITED     "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUQzc0RkE0QjI5RjE3RTQ0MjY2QzcAA=="
#define ID_SYSTEM     "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUQkJDNUU2NjFFMTA2QzZEQ0Q4REMAA=="

static const char *const all_payloads[] = {
    "text.json",         "text_hindi.json",     "text_reply_context.json",
    "button_reply.json", "list_reply.json",     "button.json",
    "image.json",        "audio_voice.json",    "video.json",
    "document.json",     "sticker.json",        "location.json",
    "contacts.json",     "reaction.json",       "reaction_removed.json",
    "unsupported.json",  "unknown_type.json",   "system.json",
    "edit.json",         "revoke.json",         "statuses.json",
    "batch.json",        "account_update.json", "template_status.json",
    "missing_id.json",
};
#define NPAYLOADS (sizeof all_payloads / sizeof all_payloads[0])

static double dabs(double x)
{
    return x < 0 ? -x : x;
}

/* Fails when any string of m is NULL: the engine dereferences them all without checking. */
static void check_message_strings(const wa_message *m, size_t i)
{
    const char *const s[] = {m->type_name,
                             m->id,
                             m->from,
                             m->profile_name,
                             m->context_id,
                             m->context_from,
                             m->text,
                             m->reply_id,
                             m->reply_title,
                             m->reply_description,
                             m->media_id,
                             m->mime_type,
                             m->sha256,
                             m->caption,
                             m->filename,
                             m->location_name,
                             m->location_address,
                             m->reaction_to,
                             m->contacts_json,
                             m->error_title,
                             m->phone_number_id};
    for (size_t k = 0; k < sizeof s / sizeof s[0]; k++)
        if (!s[k])
            fail_msg("messages[%zu]: string field #%zu is NULL", i, k);
}

static void check_notification(const wa_notification *n)
{
    if (n->nmessages)
        assert_non_null(n->messages);
    if (n->nstatuses)
        assert_non_null(n->statuses);
    for (size_t i = 0; i < n->nmessages; i++) {
        check_message_strings(&n->messages[i], i);
        if ((unsigned)n->messages[i].kind >= WA_MSG_KIND_COUNT)
            fail_msg("messages[%zu]: kind %d out of range", i, (int)n->messages[i].kind);
    }
    for (size_t i = 0; i < n->nstatuses; i++) {
        const wa_status *s = &n->statuses[i];
        if (!s->status || !s->id || !s->recipient_id || !s->phone_number_id)
            fail_msg("statuses[%zu]: NULL string", i);
    }
}

/* Parses tests/payloads/<file>. The body is freed before returning: the notification must
 * own its strings. */
static wa_notification *parse_payload(const char *file)
{
    char path[256];
    size_t len;
    char *body;
    err e = {0};
    wa_notification *n;
    snprintf(path, sizeof path, "tests/payloads/%s", file);
    body = tu_read_source(path, &len);
    n = wa_in_parse(body, len, &e);
    free(body);
    if (!n)
        fail_msg("%s refused: %s", file, e.msg);
    check_notification(n);
    return n;
}

static const wa_message *only_message(const wa_notification *n, const char *file)
{
    if (n->nmessages != 1)
        fail_msg("%s: %zu messages, expected 1", file, n->nmessages);
    return &n->messages[0];
}

/* --- every single-message payload: kind, type and the envelope fields --- */

static void single_message_payloads(void **state)
{
    (void)state;
    static const struct {
        const char *file;
        wa_msg_kind kind;
        const char *type_name, *id, *from, *profile_name;
        int64_t timestamp;
    } cases[] = {
        {"text.json", WA_MSG_TEXT, "text", ID_TEXT, RAMESH, RAMESH_NAME, 1717401234},
        {"text_hindi.json", WA_MSG_TEXT, "text", ID_HINDI, SUNITA, SUNITA_NAME, 1717401300},
        {"text_reply_context.json", WA_MSG_TEXT, "text", ID_REPLY, SUNITA, SUNITA_NAME, 1717401420},
        {"button_reply.json", WA_MSG_BUTTON_REPLY, "interactive", ID_BTN_REPLY, RAMESH, RAMESH_NAME,
         1717401500},
        {"list_reply.json", WA_MSG_LIST_REPLY, "interactive", ID_LIST_REPLY, RAMESH, RAMESH_NAME,
         1717401560},
        {"button.json", WA_MSG_BUTTON, "button", ID_BUTTON, RAMESH, RAMESH_NAME, 1717401600},
        {"image.json", WA_MSG_IMAGE, "image", ID_IMAGE, DILIP, DILIP_NAME, 1717401700},
        {"audio_voice.json", WA_MSG_AUDIO, "audio", ID_AUDIO, SUNITA, SUNITA_NAME, 1717401800},
        {"video.json", WA_MSG_VIDEO, "video", ID_VIDEO, DILIP, DILIP_NAME, 1717401900},
        {"document.json", WA_MSG_DOCUMENT, "document", ID_DOCUMENT, RAMESH, RAMESH_NAME,
         1717402000},
        {"sticker.json", WA_MSG_STICKER, "sticker", ID_STICKER, SUNITA, SUNITA_NAME, 1717402100},
        {"location.json", WA_MSG_LOCATION, "location", ID_LOCATION, DILIP, DILIP_NAME, 1717402200},
        {"contacts.json", WA_MSG_CONTACTS, "contacts", ID_CONTACTS, RAMESH, RAMESH_NAME,
         1717402300},
        {"reaction.json", WA_MSG_REACTION, "reaction", ID_REACTION, SUNITA, SUNITA_NAME,
         1717402400},
        {"reaction_removed.json", WA_MSG_REACTION, "reaction", ID_UNREACT, SUNITA, SUNITA_NAME,
         1717402460},
        {"unsupported.json", WA_MSG_UNSUPPORTED, "unsupported", ID_UNSUPP, RAMESH, RAMESH_NAME,
         1717402500},
        {"unknown_type.json", WA_MSG_UNKNOWN, "order", ID_ORDER, DILIP, DILIP_NAME, 1717402600},
        /* Meta sends system messages without a contacts array: no profile name. */
        {"system.json", WA_MSG_SYSTEM, "system", ID_SYSTEM, RAMESH, "", 1717402700},
        {"edit.json", WA_MSG_EDIT, "edit", ID_EDIT, SUNITA, SUNITA_NAME, 1717402800},
        {"revoke.json", WA_MSG_REVOKE, "revoke", ID_REVOKE, SUNITA, SUNITA_NAME, 1717402900},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wa_notification *n = parse_payload(cases[i].file);
        const wa_message *m = only_message(n, cases[i].file);
        if (m->kind != cases[i].kind)
            fail_msg("%s: kind %s, expected %s", cases[i].file, wa_in_kind_name(m->kind),
                     wa_in_kind_name(cases[i].kind));
        assert_string_equal(m->type_name, cases[i].type_name);
        assert_string_equal(m->id, cases[i].id);
        assert_string_equal(m->from, cases[i].from);
        assert_string_equal(m->profile_name, cases[i].profile_name);
        assert_int_equal(m->timestamp, cases[i].timestamp);
        assert_int_equal(n->nstatuses, 0);
        assert_int_equal(n->skipped, 0);
        assert_int_equal(n->ignored_changes, 0);
        wa_in_free(n);
    }
}

/* --- the fields of each kind --- */

static void text_messages(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("text.json");
    const wa_message *m = only_message(n, "text.json");
    assert_string_equal(m->text, "The hand pump near the Shiv mandir in ward 7, Simga has been "
                                 "broken for 10 days. Please send someone to repair it.");
    assert_string_equal(m->context_id, "");
    assert_string_equal(m->context_from, "");
    assert_string_equal(m->media_id, "");
    assert_int_equal(m->has_location, 0);
    assert_int_equal(m->error_code, 0);
    wa_in_free(n);

    n = parse_payload("text_hindi.json");
    m = only_message(n, "text_hindi.json");
    assert_string_equal(m->text, "हमारे गाँव खपरी का हैंडपंप 10 दिन से खराब है, पीने का पानी नहीं "
                                 "मिल रहा। कृपया जल्दी ठीक कराएं।");
    wa_in_free(n);
}

static void swipe_reply_context(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("text_reply_context.json");
    const wa_message *m = only_message(n, "text_reply_context.json");
    assert_string_equal(m->text, "जी हाँ, राशन कार्ड नंबर 221004512345 है");
    assert_string_equal(m->context_id, OUT_ACK);
    assert_string_equal(m->context_from, BIZ_PHONE);
    wa_in_free(n);
}

static void interactive_replies(void **state)
{
    (void)state;
    static const struct {
        const char *file, *reply_id, *reply_title, *reply_description, *context_id;
    } cases[] = {
        /* Titles arrive \u-escaped, as Meta sends them. */
        {"button_reply.json", "dept_PHE", "पेयजल / हैंडपंप", "", OUT_MENU},
        {"list_reply.json", "dept_FOOD", "राशन कार्ड", "Ration card, PDS shop, foodgrain", OUT_LIST},
        {"button.json", "case_resolved_yes", "Yes, it is fixed", "", OUT_TEMPLATE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wa_notification *n = parse_payload(cases[i].file);
        const wa_message *m = only_message(n, cases[i].file);
        assert_string_equal(m->reply_id, cases[i].reply_id);
        assert_string_equal(m->reply_title, cases[i].reply_title);
        assert_string_equal(m->reply_description, cases[i].reply_description);
        assert_string_equal(m->context_id, cases[i].context_id);
        assert_string_equal(m->context_from, BIZ_PHONE);
        wa_in_free(n);
    }
}

static void media_messages(void **state)
{
    (void)state;
    static const struct {
        const char *file, *media_id, *mime_type, *sha256, *caption, *filename;
        int voice;
    } cases[] = {
        {"image.json", "4388466303394700", "image/jpeg",
         "e+ofudg9ILcV5qf/xgbNfdxu4zq2TXlMOBUTuYPAxG4=", "Broken hand pump, ward 7 Simga", "", 0},
        {"audio_voice.json", "5013705729292585", "audio/ogg; codecs=opus",
         "I4Cc+MKqwpPSW/FNV/1MY6uAIBe87R4MkXbjZ6rgzVw=", "", "", 1},
        {"video.json", "5730082326414649", "video/mp4",
         "AeSM3V/p/L8Omk3hfJOBAx0BERwc2+F+x5NmqPqXDe0=", "नाली का पानी सड़क पर बह रहा है", "", 0},
        {"document.json", "3066564596611394", "application/pdf",
         "wG18PhfJoXAAViRB16InQt9mgVV7558oDNzvqkhb9Wk=", "Ration card application receipt",
         "ration_card_receipt_2024.pdf", 0},
        {"sticker.json", "3969874303227215", "image/webp",
         "5KlMsedMApmW4zjOTffCeUSVZmpDnBI1IJu6n/omiLA=", "", "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wa_notification *n = parse_payload(cases[i].file);
        const wa_message *m = only_message(n, cases[i].file);
        assert_string_equal(m->media_id, cases[i].media_id);
        assert_string_equal(m->mime_type, cases[i].mime_type);
        assert_string_equal(m->sha256, cases[i].sha256);
        assert_string_equal(m->caption, cases[i].caption);
        assert_string_equal(m->filename, cases[i].filename);
        assert_int_equal(!!m->voice, cases[i].voice);
        assert_string_equal(m->text, "");
        wa_in_free(n);
    }
}

static void location_message(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("location.json");
    const wa_message *m = only_message(n, "location.json");
    assert_true(m->has_location);
    assert_true(dabs(m->latitude - 21.6566) < 1e-9);
    assert_true(dabs(m->longitude - 82.1589) < 1e-9);
    assert_string_equal(m->location_name, "Government Primary School, Khapri");
    assert_string_equal(m->location_address, "Khapri, Balodabazar, Chhattisgarh 493332");
    wa_in_free(n);
}

static void contacts_message(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("contacts.json");
    const wa_message *m = only_message(n, "contacts.json");
    const char *p = m->contacts_json;
    assert_true(p[0] != '\0');
    while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
        p++;
    assert_int_equal(*p, '['); /* the raw array, re-serialised */
    assert_non_null(strstr(m->contacts_json, DILIP));
    assert_non_null(strstr(m->contacts_json, "Sarpanch Khapri"));
    wa_in_free(n);
}

static void reactions(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("reaction.json");
    const wa_message *m = only_message(n, "reaction.json");
    assert_string_equal(m->reaction_to, OUT_ACK);
    assert_string_equal(m->text, "🙏"); /* sent as the surrogate pair \ud83d\ude4f */
    assert_true(wa_in_kind_is_silent(m->kind));
    wa_in_free(n);

    n = parse_payload("reaction_removed.json");
    m = only_message(n, "reaction_removed.json");
    assert_string_equal(m->reaction_to, OUT_ACK);
    assert_string_equal(m->text, "");
    wa_in_free(n);
}

/* SPEC 4: edits and deletions are ignored silently; what they refer to is kept for the record. */
static void edits_and_deletions(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("edit.json");
    const wa_message *m = only_message(n, "edit.json");
    assert_string_equal(m->reaction_to, ID_EDITED);
    assert_string_equal(m->text, "हैंडपंप तीन दिन से खराब है, वार्ड 7");
    assert_true(wa_in_kind_is_silent(m->kind));
    wa_in_free(n);

    n = parse_payload("revoke.json");
    m = only_message(n, "revoke.json");
    assert_string_equal(m->reaction_to, ID_EDITED);
    assert_string_equal(m->text, "");
    assert_true(wa_in_kind_is_silent(m->kind));
    wa_in_free(n);
}

static void unsupported_and_unknown(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("unsupported.json");
    const wa_message *m = only_message(n, "unsupported.json");
    assert_int_equal(m->error_code, 131051);
    assert_string_equal(m->error_title, "Message type unknown");
    wa_in_free(n);

    n = parse_payload("unknown_type.json");
    m = only_message(n, "unknown_type.json");
    assert_int_equal(m->kind, WA_MSG_UNKNOWN);
    assert_string_equal(m->type_name, "order");
    assert_int_equal(m->error_code, 0);
    wa_in_free(n);
}

static void system_message(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("system.json");
    const wa_message *m = only_message(n, "system.json");
    assert_string_equal(m->text, "Ramesh Kumar Sahu changed from 919876543210 to 919876500001");
    assert_true(wa_in_kind_is_silent(m->kind));
    wa_in_free(n);
}

/* --- statuses, batches, other fields --- */

static void statuses(void **state)
{
    (void)state;
    static const struct {
        wa_status_kind kind;
        const char *status, *id, *recipient_id;
        int64_t timestamp;
    } want[] = {
        {WA_STATUS_SENT, "sent",
         "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSNTdBNThEQ0RDNjQ0QTVCMkY3AA==", RAMESH, 1717403000},
        {WA_STATUS_DELIVERED, "delivered",
         "wamid.HBgMOTE5NDI1MDEyMzQ1FQIAERgSOEY3MDJGQ0E5RjQ4ODNCRTJFAA==", SUNITA, 1717403005},
        {WA_STATUS_READ, "read",
         "wamid.HBgMOTE5ODc2NTQzMjEwFQIAERgSQUMwOUUxNDVCRDU1ODhCMEIxAA==", RAMESH, 1717403060},
        {WA_STATUS_FAILED, "failed",
         "wamid.HBgMOTE5ODI3MTIzNDU2FQIAERgSMUJBQzFCRDBDNjE4REU2RUY1AA==", DILIP, 1717403100},
    };
    wa_notification *n = parse_payload("statuses.json");
    assert_int_equal(n->nmessages, 0);
    assert_int_equal(n->nstatuses, 4);
    for (size_t i = 0; i < 4; i++) {
        const wa_status *s = &n->statuses[i];
        assert_int_equal(s->kind, want[i].kind);
        assert_string_equal(s->status, want[i].status);
        assert_string_equal(s->id, want[i].id);
        assert_string_equal(s->recipient_id, want[i].recipient_id);
        assert_int_equal(s->timestamp, want[i].timestamp);
        if (s->kind != WA_STATUS_FAILED)
            assert_int_equal(s->error_code, 0);
    }
    assert_int_equal(n->statuses[3].error_code, 131047);
    assert_string_equal(n->statuses[3].error_title, "Re-engagement message");
    assert_non_null(n->statuses[3].error_detail);
    assert_true(n->statuses[3].error_detail[0] != '\0');
    wa_in_free(n);
}

static void batch(void **state)
{
    (void)state;
    static const struct {
        const char *id, *from, *profile_name;
    } want[] = {
        {"wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUMTk0NUM3RTNCQjBCOUExNEY5MjIAA==", RAMESH, RAMESH_NAME},
        {"wamid.HBgMOTE5NDI1MDEyMzQ1FQIAEhgUQTE5NzRGRkM2MjM2NEI2NDU4NDUAA==", SUNITA, SUNITA_NAME},
        {"wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUQUY1OEE0MTY1RTFGMThGNzVBQUYAA==", RAMESH, RAMESH_NAME},
    };
    wa_notification *n = parse_payload("batch.json");
    assert_int_equal(n->nmessages, 3);
    assert_int_equal(n->nstatuses, 1);
    assert_int_equal(n->skipped, 0);
    /* Each expected message exactly once, whatever the order, named after its own sender. */
    for (size_t w = 0; w < 3; w++) {
        size_t found = 0;
        for (size_t i = 0; i < n->nmessages; i++) {
            const wa_message *m = &n->messages[i];
            if (strcmp(m->id, want[w].id) != 0)
                continue;
            found++;
            assert_string_equal(m->from, want[w].from);
            assert_string_equal(m->profile_name, want[w].profile_name);
        }
        if (found != 1)
            fail_msg("batch message %zu found %zu times", w, found);
    }
    assert_int_equal(n->statuses[0].kind, WA_STATUS_DELIVERED);
    assert_string_equal(n->statuses[0].recipient_id, SUNITA);
    wa_in_free(n);
}

static void other_fields_ignored(void **state)
{
    (void)state;
    static const char *const files[] = {"account_update.json", "template_status.json"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        wa_notification *n = parse_payload(files[i]);
        assert_int_equal(n->nmessages, 0);
        assert_int_equal(n->nstatuses, 0);
        if (n->ignored_changes < 1)
            fail_msg("%s: ignored_changes is 0", files[i]);
        wa_in_free(n);
    }
}

static void other_object_is_empty(void **state)
{
    (void)state;
    char *body = tu_read_source("tests/payloads/text.json", NULL);
    char *other = tu_replace(body, "\"whatsapp_business_account\"", "\"instagram\"");
    err e = {0};
    wa_notification *n = wa_in_parse(other, strlen(other), &e);
    if (!n)
        fail_msg("another object refused: %s", e.msg);
    assert_int_equal(n->nmessages, 0);
    assert_int_equal(n->nstatuses, 0);
    wa_in_free(n);
    free(other);
    free(body);
}

static void missing_id_is_skipped(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("missing_id.json");
    assert_int_equal(n->skipped, 1);
    assert_int_equal(n->nmessages, 1); /* the other message of the same change is kept */
    assert_string_equal(n->messages[0].id,
                        "wamid.HBgMOTE5ODc2NTQzMjEwFQIAEhgUM0M4RTZEQjFCMzA4RUM1ODI0ODQAA==");
    assert_string_equal(n->messages[0].text, "Hand pump still not repaired");
    wa_in_free(n);
    wa_in_free(NULL);
}

/* Only len bytes are read: the body need not be NUL-terminated (ASan catches overreads). */
static void parse_respects_len(void **state)
{
    (void)state;
    size_t len;
    char *body = tu_read_source("tests/payloads/text.json", &len);
    char *exact = malloc(len);
    err e = {0};
    wa_notification *n;
    assert_non_null(exact);
    memcpy(exact, body, len);
    n = wa_in_parse(exact, len, &e);
    if (!n)
        fail_msg("unterminated body refused: %s", e.msg);
    assert_int_equal(n->nmessages, 1);
    wa_in_free(n);
    err_clear(&e);
    assert_null(wa_in_parse(exact, len / 2, &e)); /* cut in the middle: not JSON */
    assert_int_equal(e.kind, ERR_USER);
    free(exact);
    free(body);
}

/* --- refused and hostile bodies --- */

static void expect_refused(const char *body, size_t len, const char *what)
{
    err e = {0};
    wa_notification *n = wa_in_parse(body, len, &e);
    if (n) {
        wa_in_free(n);
        fail_msg("%s: accepted", what);
    }
    if (e.kind != ERR_USER)
        fail_msg("%s: error kind %d, expected ERR_USER", what, e.kind);
    if (e.msg[0] == '\0')
        fail_msg("%s: no error message", what);
}

static void malformed_bodies(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        "",
        "not json",
        "{",
        "[]",
        "{}",
        "{\"object\":\"whatsapp_business_account\"}",
        "{\"entry\":[]}",
        "{\"object\":\"whatsapp_business_account\",\"entry\":{}}",
        "{\"object\":\"whatsapp_business_account\",\"entry\":\"x\"}",
        "{\"object\":\"whatsapp_business_account\",\"entry\":[]} trailing",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        char what[64];
        snprintf(what, sizeof what, "bodies[%zu]", i);
        expect_refused(bodies[i], strlen(bodies[i]), what);
    }
}

static void too_deep_is_refused(void **state)
{
    (void)state;
    static const char head[] = "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\","
                               "\"changes\":[{\"field\":\"messages\",\"value\":{\"deep\":";
    static const char tail[] = "}}]}]}";
    enum { DEPTH = 100 };
    char body[sizeof head + sizeof tail + 2 * DEPTH];
    size_t len = 0;
    memcpy(body, head, sizeof head - 1);
    len += sizeof head - 1;
    memset(body + len, '[', DEPTH);
    len += DEPTH;
    memset(body + len, ']', DEPTH);
    len += DEPTH;
    memcpy(body + len, tail, sizeof tail); /* with its NUL */
    len += sizeof tail - 1;
    expect_refused(body, len, "100 nested arrays");
}

static void invalid_utf8_is_refused(void **state)
{
    (void)state;
    char *body = tu_read_source("tests/payloads/text.json", NULL);
    char *bad = tu_replace(body, "ward 7, Simga", "ward 7, Sim\xC3\x28ga");
    expect_refused(bad, strlen(bad), "invalid UTF-8 in a string");
    free(bad);
    free(body);
}

#define HEAD                                                                                       \
    "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"287364519204876\","            \
    "\"changes\":[{\"field\":\"messages\",\"value\":{\"messaging_product\":\"whatsapp\","          \
    "\"contacts\":[{\"profile\":{\"name\":\"Ramesh\"},\"wa_id\":\"919876543210\"}],"
#define TAIL "}}]}]}"
#define MSG(rest)                                                                                  \
    "\"messages\":[{\"from\":\"919876543210\",\"id\":\"wamid.X1\",\"timestamp\":"                  \
    "\"1717401234\"," rest "}]"

/* Valid notifications of hostile shapes: never NULL, never a NULL string. -1: any count. */
static void hostile_shapes(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int nmessages, skipped;
    } cases[] = {
        {HEAD "\"messages\":\"hello\"" TAIL, 0, 0},
        {HEAD MSG("\"type\":\"text\",\"text\":42") TAIL, 1, 0},
        {HEAD "\"messages\":[{\"from\":919876543210,\"id\":\"wamid.X1\",\"timestamp\":\"1\","
              "\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]" TAIL,
         0, 1},
        {HEAD "\"messages\":[1,\"x\",null,[],true]" TAIL, 0, -1},
        {HEAD "\"messages\":[{}]" TAIL, 0, 1},
        {HEAD MSG("\"type\":\"text\",\"text\":{\"body\":[\"hi\"]}") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"interactive\",\"interactive\":{\"type\":\"button_reply\"}") TAIL, 1,
         0},
        {HEAD MSG("\"type\":\"interactive\",\"interactive\":\"x\"") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"interactive\",\"interactive\":{\"type\":\"list_reply\","
                  "\"list_reply\":{\"id\":5,\"title\":null}}") TAIL,
         1, 0},
        {HEAD MSG("\"type\":\"button\",\"button\":[]") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"image\",\"image\":{\"id\":123,\"caption\":{}}") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"audio\",\"audio\":{\"voice\":\"yes\"}") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"location\",\"location\":{\"latitude\":\"21.6\","
                  "\"longitude\":null,\"name\":7}") TAIL,
         1, 0},
        {HEAD MSG("\"type\":\"contacts\",\"contacts\":\"x\"") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"reaction\",\"reaction\":{\"message_id\":7,\"emoji\":7}") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"unsupported\",\"errors\":{\"code\":\"x\"}") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"unsupported\",\"errors\":[\"x\",{\"code\":\"131051\"}]") TAIL, 1, 0},
        {HEAD MSG("\"type\":\"system\",\"system\":null") TAIL, 1, 0},
        {HEAD MSG("\"context\":\"x\",\"type\":\"text\",\"text\":{\"body\":\"hi\"}") TAIL, 1, 0},
        {HEAD MSG("\"text\":{\"body\":\"no type\"}") TAIL, -1, -1},
        {HEAD MSG("\"type\":5") TAIL, -1, -1},
        {HEAD MSG("\"type\":\"text\",\"text\":{\"body\":\"x\\u0000y\"}") TAIL, -1, -1},
        {HEAD "\"statuses\":{\"id\":1}" TAIL, 0, -1},
        {HEAD "\"statuses\":[1,{\"id\":5,\"status\":[],\"timestamp\":{},\"recipient_id\":null,"
              "\"errors\":[\"x\"]},{\"id\":\"wamid.S\",\"status\":\"failed\",\"errors\":7}]" TAIL,
         0, -1},
        {"{\"object\":\"whatsapp_business_account\",\"entry\":[1,\"x\",null,{\"changes\":\"x\"},"
         "{\"changes\":[1,{\"value\":\"x\",\"field\":\"messages\"},{\"field\":7},{}]}]}",
         0, -1},
        {"{\"object\":\"whatsapp_business_account\",\"entry\":[{\"changes\":[{\"field\":"
         "\"messages\",\"value\":{\"contacts\":[1,{\"profile\":5,\"wa_id\":6},{\"profile\":"
         "{\"name\":[]},\"wa_id\":\"919876543210\"}]," MSG("\"type\":\"text\","
                                                           "\"text\":{\"body\":\"hi\"}") "}}]}]}",
         1, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        err e = {0};
        wa_notification *n = wa_in_parse(cases[i].body, strlen(cases[i].body), &e);
        if (!n)
            fail_msg("hostile case %zu refused: %s", i, e.msg);
        check_notification(n);
        if (cases[i].nmessages >= 0 && n->nmessages != (size_t)cases[i].nmessages)
            fail_msg("hostile case %zu: %zu messages, expected %d", i, n->nmessages,
                     cases[i].nmessages);
        if (cases[i].skipped >= 0 && n->skipped != (size_t)cases[i].skipped)
            fail_msg("hostile case %zu: %zu skipped, expected %d", i, n->skipped, cases[i].skipped);
        wa_in_free(n);
    }
}

static void text_as_number(void **state)
{
    (void)state;
    static const char body[] = HEAD MSG("\"type\":\"text\",\"text\":42") TAIL;
    err e = {0};
    wa_notification *n = wa_in_parse(body, strlen(body), &e);
    if (!n)
        fail_msg("%s", e.msg);
    check_notification(n);
    assert_int_equal(n->nmessages, 1);
    assert_int_equal(n->messages[0].kind, WA_MSG_TEXT);
    assert_string_equal(n->messages[0].text, "");
    wa_in_free(n);
}

static void malformed_timestamp_is_zero(void **state)
{
    (void)state;
    static const char *const bodies[] = {
        HEAD "\"messages\":[{\"from\":\"919876543210\",\"id\":\"wamid.X1\",\"timestamp\":\"abc\","
             "\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]" TAIL,
        HEAD "\"messages\":[{\"from\":\"919876543210\",\"id\":\"wamid.X1\",\"timestamp\":[],"
             "\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]" TAIL,
        HEAD "\"messages\":[{\"from\":\"919876543210\",\"id\":\"wamid.X1\","
             "\"type\":\"text\",\"text\":{\"body\":\"hi\"}}]" TAIL,
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        err e = {0};
        wa_notification *n = wa_in_parse(bodies[i], strlen(bodies[i]), &e);
        if (!n)
            fail_msg("bodies[%zu]: %s", i, e.msg);
        check_notification(n);
        assert_int_equal(n->nmessages, 1);
        assert_int_equal(n->messages[0].timestamp, 0);
        assert_string_equal(n->messages[0].text, "hi");
        wa_in_free(n);
    }
}

static void huge_text(void **state)
{
    (void)state;
    enum { N = 100000 };
    static const char head[] =
        HEAD "\"messages\":[{\"from\":\"919876543210\",\"id\":\"wamid.X1\",\"timestamp\":"
             "\"1717401234\",\"type\":\"text\",\"text\":{\"body\":\"";
    static const char tail[] = "\"}}]" TAIL;
    size_t len = sizeof head - 1 + N + sizeof tail - 1;
    char *body = malloc(len + 1);
    err e = {0};
    wa_notification *n;
    const char *t;
    assert_non_null(body);
    memcpy(body, head, sizeof head - 1);
    memset(body + sizeof head - 1, 'a', N);
    memcpy(body + sizeof head - 1 + N, tail, sizeof tail);
    n = wa_in_parse(body, len, &e);
    free(body);
    if (!n)
        fail_msg("%s", e.msg);
    check_notification(n);
    assert_int_equal(n->nmessages, 1);
    t = n->messages[0].text;
    assert_true(t[0] != '\0');
    assert_int_equal(strspn(t, "a"), strlen(t)); /* whole, or cut but never garbled */
    assert_true(strlen(t) <= N);
    wa_in_free(n);
}

/* --- X-Hub-Signature-256 --- */

static void hex(const unsigned char *md, unsigned mdlen, int upper, char *out)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    for (unsigned i = 0; i < mdlen; i++) {
        out[2 * i] = digits[md[i] >> 4];
        out[2 * i + 1] = digits[md[i] & 15];
    }
    out[2 * mdlen] = '\0';
}

/* "sha256=" + hex HMAC-SHA256(secret, body) into out (at least 80 bytes). */
static void sign(const char *secret, const char *body, size_t len, int upper, char *out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    assert_non_null(HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)body,
                         len, md, &mdlen));
    assert_int_equal(mdlen, 32);
    memcpy(out, "sha256=", 7);
    hex(md, mdlen, upper, out + 7);
}

static void signature(void **state)
{
    (void)state;
    static const char secret[] = "b3f1c0e9d2a84c7f9e61a5d0c4b2e8f7";
    size_t len;
    char *body = tu_read_source("tests/payloads/text_hindi.json", &len);
    char lower[80], upper[80], other[80], wrong[80], sha1[80], shorter[80], longer[82],
        wrong_secret[80];

    sign(secret, body, len, 0, lower);
    sign(secret, body, len, 1, upper);
    sign(secret, "{}", 2, 0, other);
    sign("another-app-secret", body, len, 0, wrong_secret);
    memcpy(wrong, lower, sizeof lower);
    wrong[20] = wrong[20] == '0' ? '1' : '0';
    snprintf(sha1, sizeof sha1, "sha1=%s", lower + 7);
    memcpy(shorter, lower, sizeof lower);
    shorter[strlen(shorter) - 1] = '\0';
    snprintf(longer, sizeof longer, "%s0", lower);

    assert_int_equal(wa_in_signature_ok(secret, body, len, lower), 1);
    assert_int_equal(wa_in_signature_ok(secret, body, len, upper), 1);

    static const char *const fixed_bad[] = {"", "sha256=", "sha256", "sha256= "};
    for (size_t i = 0; i < sizeof fixed_bad / sizeof fixed_bad[0]; i++)
        if (wa_in_signature_ok(secret, body, len, fixed_bad[i]))
            fail_msg("accepted \"%s\"", fixed_bad[i]);
    const char *const bad[] = {other, wrong, sha1, shorter, longer, wrong_secret};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (wa_in_signature_ok(secret, body, len, bad[i]))
            fail_msg("accepted bad[%zu] = \"%s\"", i, bad[i]);
    assert_int_equal(wa_in_signature_ok(secret, body, len, NULL), 0);
    assert_int_equal(wa_in_signature_ok(secret, body, len - 1, lower), 0); /* len is honoured */
    free(body);
}

/* --- the flat field form --- */

static void check_round_trip(const wa_message *m, const char *file, size_t i)
{
    const char *names[WA_IN_MAX_FIELDS], *values[WA_IN_MAX_FIELDS];
    char buf[1024];
    wa_message r;
    size_t k = wa_in_message_fields(m, names, values, buf, sizeof buf);
    if (k == 0 || k > WA_IN_MAX_FIELDS)
        fail_msg("%s[%zu]: %zu fields", file, i, k);
    for (size_t a = 0; a < k; a++) {
        if (!names[a] || !names[a][0] || !values[a] || !values[a][0])
            fail_msg("%s[%zu]: field %zu empty or NULL", file, i, a);
        for (size_t b = 0; b < a; b++)
            if (strcmp(names[a], names[b]) == 0)
                fail_msg("%s[%zu]: field \"%s\" twice", file, i, names[a]);
    }
    memset(&r, 0, sizeof r);
    if (wa_in_message_from_fields(&r, names, values, k) != 0)
        fail_msg("%s[%zu]: from_fields failed", file, i);
    check_message_strings(&r, i);
    assert_int_equal(r.kind, m->kind);
    assert_string_equal(r.id, m->id);
    assert_string_equal(r.from, m->from);
    assert_string_equal(r.profile_name, m->profile_name);
    assert_int_equal(r.timestamp, m->timestamp);
    assert_string_equal(r.text, m->text);
    assert_string_equal(r.context_id, m->context_id);
    assert_string_equal(r.reply_id, m->reply_id);
    assert_string_equal(r.reply_title, m->reply_title);
    assert_string_equal(r.media_id, m->media_id);
    assert_string_equal(r.caption, m->caption);
    assert_int_equal(!!r.voice, !!m->voice);
    if (dabs(r.latitude - m->latitude) > 1e-6 || dabs(r.longitude - m->longitude) > 1e-6)
        fail_msg("%s[%zu]: location %f,%f became %f,%f", file, i, m->latitude, m->longitude,
                 r.latitude, r.longitude);
    assert_string_equal(r.reaction_to, m->reaction_to);
    assert_int_equal(r.error_code, m->error_code);
}

static void fields_round_trip(void **state)
{
    (void)state;
    size_t total = 0;
    for (size_t f = 0; f < NPAYLOADS; f++) {
        wa_notification *n = parse_payload(all_payloads[f]);
        for (size_t i = 0; i < n->nmessages; i++)
            check_round_trip(&n->messages[i], all_payloads[f], i);
        total += n->nmessages;
        wa_in_free(n);
    }
    assert_true(total >= 20);
}

/* Copies the pairs of text.json's message without the one whose value is `drop`. */
static size_t fields_without(const char **names, const char **values, size_t k, const char *drop)
{
    size_t out = 0, dropped = 0;
    for (size_t a = 0; a < k; a++) {
        if (strcmp(values[a], drop) == 0) {
            dropped++;
            continue;
        }
        names[out] = names[a];
        values[out] = values[a];
        out++;
    }
    assert_int_equal(dropped, 1);
    return out;
}

static void from_fields_needs_id_and_from(void **state)
{
    (void)state;
    const char *const drops[] = {ID_TEXT, RAMESH};
    wa_notification *n = parse_payload("text.json");
    const wa_message *m = only_message(n, "text.json");
    for (size_t d = 0; d < sizeof drops / sizeof drops[0]; d++) {
        const char *names[WA_IN_MAX_FIELDS], *values[WA_IN_MAX_FIELDS];
        char buf[1024];
        wa_message r;
        size_t k = wa_in_message_fields(m, names, values, buf, sizeof buf);
        k = fields_without(names, values, k, drops[d]);
        memset(&r, 0, sizeof r);
        assert_int_equal(wa_in_message_from_fields(&r, names, values, k), -1);
    }
    {
        const char *names[1] = {"x"}, *values[1] = {"y"};
        wa_message r;
        memset(&r, 0, sizeof r);
        assert_int_equal(wa_in_message_from_fields(&r, names, values, 0), -1);
        assert_int_equal(wa_in_message_from_fields(&r, names, values, 1), -1);
    }
    {
        /* Queued by an older receiver, which called edits and deletions "unknown": still silent. */
        const char *names[4] = {"k", "type", "id", "from"};
        const char *values[4] = {"unknown", "revoke", ID_REVOKE, SUNITA};
        wa_message r;
        memset(&r, 0, sizeof r);
        assert_int_equal(wa_in_message_from_fields(&r, names, values, 4), 0);
        assert_int_equal(r.kind, WA_MSG_REVOKE);
        assert_true(wa_in_kind_is_silent(r.kind));
    }
    wa_in_free(n);
}

/* --- kinds --- */

static void kind_names(void **state)
{
    (void)state;
    for (int k = 0; k < WA_MSG_KIND_COUNT; k++) {
        const char *name = wa_in_kind_name((wa_msg_kind)k);
        if (!name || !name[0])
            fail_msg("kind %d has no name", k);
        for (int j = 0; j < k; j++)
            if (strcmp(name, wa_in_kind_name((wa_msg_kind)j)) == 0)
                fail_msg("kinds %d and %d are both \"%s\"", j, k, name);
    }
    assert_string_equal(wa_in_kind_name(WA_MSG_TEXT), "text");
    assert_string_equal(wa_in_kind_name(WA_MSG_BUTTON_REPLY), "button_reply");
    assert_true(wa_in_kind_is_silent(WA_MSG_REACTION));
    assert_true(wa_in_kind_is_silent(WA_MSG_SYSTEM));
    assert_false(wa_in_kind_is_silent(WA_MSG_TEXT));
}

/* --- each message and status knows the business number it was sent to (issue 14 item 5a) --- */
#define OUR_NUMBER_ID "318845267930215"

static void phone_number_id_recorded(void **state)
{
    (void)state;
    wa_notification *n = parse_payload("batch.json");
    for (size_t i = 0; i < n->nmessages; i++)
        assert_string_equal(n->messages[i].phone_number_id, OUR_NUMBER_ID);
    for (size_t i = 0; i < n->nstatuses; i++)
        assert_string_equal(n->statuses[i].phone_number_id, OUR_NUMBER_ID);
    wa_in_free(n);
}

/* Two changes in one notification, one for our number and one for another: only ours stay. */
static void keep_number_drops_foreign(void **state)
{
    (void)state;
    static const char body[] =
        "{\"object\":\"whatsapp_business_account\",\"entry\":[{\"id\":\"1\",\"changes\":["
        "{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"111\"},"
        "\"messages\":[{\"from\":\"919800000001\",\"id\":\"wamid.A\",\"type\":\"text\","
        "\"text\":{\"body\":\"ours\"}}],"
        "\"statuses\":[{\"id\":\"wamid.S1\",\"status\":\"read\"}]}},"
        "{\"field\":\"messages\",\"value\":{\"metadata\":{\"phone_number_id\":\"222\"},"
        "\"messages\":[{\"from\":\"919800000002\",\"id\":\"wamid.B\",\"type\":\"text\","
        "\"text\":{\"body\":\"theirs\"}},{\"from\":\"919800000003\",\"id\":\"wamid.C\","
        "\"type\":\"text\",\"text\":{\"body\":\"theirs too\"}}],"
        "\"statuses\":[{\"id\":\"wamid.S2\",\"status\":\"sent\"}]}},"
        "{\"field\":\"messages\",\"value\":{"
        "\"messages\":[{\"from\":\"919800000004\",\"id\":\"wamid.D\",\"type\":\"text\","
        "\"text\":{\"body\":\"no metadata\"}}]}}]}]}";
    err e = {0};
    wa_notification *n = wa_in_parse(body, sizeof body - 1, &e);
    assert_non_null(n);
    assert_int_equal(n->nmessages, 4);
    assert_int_equal(n->nstatuses, 2);
    assert_string_equal(n->messages[3].phone_number_id, "");
    assert_int_equal(wa_in_keep_number(n, "111"), 4);
    assert_int_equal(n->nmessages, 1);
    assert_string_equal(n->messages[0].id, "wamid.A");
    assert_string_equal(n->messages[0].text, "ours");
    assert_int_equal(n->nstatuses, 1);
    assert_string_equal(n->statuses[0].id, "wamid.S1");
    assert_int_equal(wa_in_keep_number(n, "111"), 0);
    assert_int_equal(wa_in_keep_number(n, "333"), 2);
    assert_int_equal(n->nmessages + n->nstatuses, 0);
    wa_in_free(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(single_message_payloads),
        cmocka_unit_test(text_messages),
        cmocka_unit_test(swipe_reply_context),
        cmocka_unit_test(interactive_replies),
        cmocka_unit_test(media_messages),
        cmocka_unit_test(location_message),
        cmocka_unit_test(contacts_message),
        cmocka_unit_test(reactions),
        cmocka_unit_test(edits_and_deletions),
        cmocka_unit_test(unsupported_and_unknown),
        cmocka_unit_test(system_message),
        cmocka_unit_test(statuses),
        cmocka_unit_test(batch),
        cmocka_unit_test(other_fields_ignored),
        cmocka_unit_test(other_object_is_empty),
        cmocka_unit_test(missing_id_is_skipped),
        cmocka_unit_test(parse_respects_len),
        cmocka_unit_test(malformed_bodies),
        cmocka_unit_test(too_deep_is_refused),
        cmocka_unit_test(invalid_utf8_is_refused),
        cmocka_unit_test(hostile_shapes),
        cmocka_unit_test(text_as_number),
        cmocka_unit_test(malformed_timestamp_is_zero),
        cmocka_unit_test(huge_text),
        cmocka_unit_test(signature),
        cmocka_unit_test(fields_round_trip),
        cmocka_unit_test(from_fields_needs_id_and_from),
        cmocka_unit_test(kind_names),
        cmocka_unit_test(phone_number_id_recorded),
        cmocka_unit_test(keep_number_drops_foreign),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
