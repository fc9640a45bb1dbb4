/* fuzz_wa_in.c — libFuzzer target for the webhook notification parser (bot/wa_in.c).
 * The whole input is the POST body. For every input it checks that
 *   - wa_in_parse never crashes, leaks or reads outside data[0..size) (ASan/UBSan do that);
 *   - every string field of every message and status is non-NULL (and readable);
 *   - every parsed message has a non-empty id and a digits-only from, as wa_in_parse promises;
 *   - wa_in_message_fields -> wa_in_message_from_fields gives back the same message, and the
 *     same for statuses (wa_in_status_fields -> wa_in_status_from_fields);
 *   - every message and status carries a phone_number_id, and wa_in_keep_number keeps exactly
 *     those of the number it is given;
 *   - wa_in_signature_ok accepts the true signature (lower- and upper-case hex), rejects a
 *     corrupted one, a NULL header and an empty secret, and survives a header taken from the
 *     input itself.
 * Any broken property calls abort(), which libFuzzer reports as a crash.
 * Build (see tests/fuzz/README or the report):
 *   clang -fsanitize=fuzzer,address,undefined -g -O1 -Ibot tests/fuzz/fuzz_wa_in.c bot/wa_in.c \
 *         bot/jscan.c bot/text.c bot/err.c $(pkg-config --cflags --libs json-c libcrypto) */
#include <math.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wa_in.h"

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz_wa_in: check failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Non-NULL and NUL-terminated: strlen makes ASan read every byte up to the terminator. */
static size_t must_str(const char *s, const char *what)
{
    if (!s) {
        fprintf(stderr, "fuzz_wa_in: string field %s is NULL\n", what);
        abort();
    }
    return strlen(s);
}

#define MSG_STRINGS(X)                                                                             \
    X(type_name)                                                                                   \
    X(id) X(from) X(profile_name) X(context_id) X(context_from) X(text) X(reply_id) X(reply_title) \
        X(reply_description) X(media_id) X(mime_type) X(sha256) X(caption) X(filename)             \
            X(location_name) X(location_address) X(reaction_to) X(contacts_json) X(error_title)

#define STATUS_STRINGS(X) X(status) X(id) X(recipient_id) X(error_title) X(error_detail)

static void check_message_strings(const wa_message *m)
{
#define X(f) must_str(m->f, "message." #f);
    MSG_STRINGS(X)
#undef X
}

static void check_status_strings(const wa_status *s)
{
#define X(f) must_str(s->f, "status." #f);
    STATUS_STRINGS(X)
#undef X
}

static void check_message(const wa_message *m)
{
    const char *names[WA_IN_MAX_FIELDS], *values[WA_IN_MAX_FIELDS];
    char buf[128]; /* the size bot/queue.c uses */
    wa_message r;
    size_t k, idlen, fromlen;

    check_message_strings(m);
    CHECK((unsigned)m->kind < WA_MSG_KIND_COUNT);
    idlen = strlen(m->id);
    fromlen = strlen(m->from);
    CHECK(idlen > 0 && idlen <= 256);
    CHECK(fromlen >= 5 && fromlen <= 20 && strspn(m->from, "0123456789") == fromlen);
    CHECK(m->timestamp >= 0);
    CHECK(!m->has_location ||
          (m->latitude >= -90 && m->latitude <= 90 && m->longitude >= -180 && m->longitude <= 180));
    (void)wa_in_kind_name(m->kind);
    (void)wa_in_kind_is_silent(m->kind);

    memset(names, 0, sizeof names);
    memset(values, 0, sizeof values);
    k = wa_in_message_fields(m, names, values, buf, sizeof buf);
    CHECK(k >= 3 && k <= WA_IN_MAX_FIELDS);
    for (size_t a = 0; a < k; a++) {
        CHECK(names[a] && *names[a] && values[a] && *values[a]);
        for (size_t b = 0; b < a; b++)
            CHECK(strcmp(names[a], names[b]) != 0);
    }
    memset(&r, 0xA5, sizeof r); /* from_fields must set every field */
    CHECK(wa_in_message_from_fields(&r, names, values, k) == 0);
    check_message_strings(&r);
#define X(f) CHECK(strcmp(r.f, m->f) == 0);
    MSG_STRINGS(X)
#undef X
    CHECK(r.kind == m->kind);
    CHECK(r.timestamp == m->timestamp);
    CHECK(!!r.voice == !!m->voice);
    CHECK(!!r.has_location == !!m->has_location);
    CHECK(fabs(r.latitude - m->latitude) <= 1e-6 && fabs(r.longitude - m->longitude) <= 1e-6);
    CHECK(r.error_code == m->error_code);
}

static void check_status(const wa_status *s)
{
    const char *names[WA_IN_MAX_FIELDS], *values[WA_IN_MAX_FIELDS];
    char buf[128];
    wa_status r;
    size_t k;

    check_status_strings(s);
    CHECK(*s->id && strlen(s->id) <= 256 && *s->status);
    CHECK(s->timestamp >= 0);
    k = wa_in_status_fields(s, names, values, buf, sizeof buf);
    CHECK(k >= 2 && k <= 7);
    memset(&r, 0xA5, sizeof r);
    CHECK(wa_in_status_from_fields(&r, names, values, k) == 0);
    check_status_strings(&r);
#define X(f) CHECK(strcmp(r.f, s->f) == 0);
    STATUS_STRINGS(X)
#undef X
    CHECK(r.kind == s->kind);
    CHECK(r.timestamp == s->timestamp);
    CHECK(r.error_code == s->error_code);
}

static void check_signature(const uint8_t *data, size_t size)
{
    /* Secrets of several lengths (short, exactly a block, longer than a block, longer than the
     * 256-byte cache slot), chosen by the input so the per-thread key cache is exercised. */
    static char longsecret[300];
    const char *secrets[4] = {"fuzz-secret",
                              "0123456789abcdef0123456789abcdef0123456789abcdef0123"
                              "456789abcdef",
                              "a-secret-that-is-longer-than-one-sha256-block-of-sixty-four-bytes"
                              "-so-it-is-hashed-first",
                              longsecret};
    const char *secret;
    unsigned char mac[32];
    unsigned int maclen = 0;
    char lower[7 + 64 + 1], upper[7 + 64 + 1], header[128];
    size_t hl;

    if (!longsecret[0]) {
        memset(longsecret, 'k', sizeof longsecret - 1);
        longsecret[sizeof longsecret - 1] = '\0';
    }
    secret = secrets[size ? data[size - 1] & 3 : 0];
    CHECK(HMAC(EVP_sha256(), secret, (int)strlen(secret), data, size, mac, &maclen));
    CHECK(maclen == 32);
    memcpy(lower, "sha256=", 7);
    memcpy(upper, "sha256=", 7);
    for (int i = 0; i < 32; i++) {
        snprintf(lower + 7 + 2 * i, 3, "%02x", mac[i]);
        snprintf(upper + 7 + 2 * i, 3, "%02X", mac[i]);
    }
    CHECK(wa_in_signature_ok(secret, (const char *)data, size, lower) == 1);
    CHECK(wa_in_signature_ok(secret, (const char *)data, size, upper) == 1);
    lower[7 + (size % 64)] ^= 0x01; /* '0'<->'1', 'a'<->'`' ...: always a different or bad digit */
    CHECK(wa_in_signature_ok(secret, (const char *)data, size, lower) == 0);
    CHECK(wa_in_signature_ok(secret, (const char *)data, size, NULL) == 0);
    CHECK(wa_in_signature_ok("", (const char *)data, size, upper) == 0);
    CHECK(wa_in_signature_ok(NULL, (const char *)data, size, upper) == 0);

    /* A header taken from the input: its first bytes, up to a NUL or 127 bytes. */
    hl = size < sizeof header - 1 ? size : sizeof header - 1;
    memcpy(header, data, hl);
    header[hl] = '\0';
    (void)wa_in_signature_ok(secret, (const char *)data, size, header);
    /* And one that looks right to the format checks: "sha256=" + 64 chars from the input. */
    if (size >= 64) {
        memcpy(header, "sha256=", 7);
        memcpy(header + 7, data, 64);
        header[71] = '\0';
        (void)wa_in_signature_ok(secret, (const char *)data, size, header);
    }
}

/* Keeps the number of the first item (the common case: all ours) and checks what is left. */
static void check_keep_number(wa_notification *n)
{
    const char *keep = n->nmessages   ? n->messages[0].phone_number_id
                       : n->nstatuses ? n->statuses[0].phone_number_id
                                      : "";
    size_t before = n->nmessages + n->nstatuses, want = 0, dropped;
    CHECK(keep);
    for (size_t i = 0; i < n->nmessages; i++) {
        must_str(n->messages[i].phone_number_id, "message.phone_number_id");
        want += strcmp(n->messages[i].phone_number_id, keep) == 0;
    }
    for (size_t i = 0; i < n->nstatuses; i++) {
        must_str(n->statuses[i].phone_number_id, "status.phone_number_id");
        want += strcmp(n->statuses[i].phone_number_id, keep) == 0;
    }
    dropped = wa_in_keep_number(n, keep);
    CHECK(n->nmessages + n->nstatuses == want && dropped == before - want);
    for (size_t i = 0; i < n->nmessages; i++)
        CHECK(strcmp(n->messages[i].phone_number_id, keep) == 0);
    for (size_t i = 0; i < n->nstatuses; i++)
        CHECK(strcmp(n->statuses[i].phone_number_id, keep) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    err e = {0};
    wa_notification *n = wa_in_parse((const char *)data, size, &e);
    if (!n) {
        CHECK(e.kind == ERR_USER || e.kind == ERR_ENV);
        CHECK(e.msg[0] != '\0');
    } else {
        CHECK(n->nmessages == 0 || n->messages);
        CHECK(n->nstatuses == 0 || n->statuses);
        for (size_t i = 0; i < n->nmessages; i++)
            check_message(&n->messages[i]);
        for (size_t i = 0; i < n->nstatuses; i++)
            check_status(&n->statuses[i]);
        check_keep_number(n);
        wa_in_free(n);
    }
    check_signature(data, size);
    return 0;
}
