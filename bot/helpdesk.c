/* helpdesk.c — the live helpdesk's pure decisions (see helpdesk.h). */
#include "helpdesk.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

static void to_phones(helpdesk_route *out, helpdesk_route_kind k, const char *const *phones,
                      size_t n)
{
    out->kind = k;
    out->n = n < HELPDESK_MAX_REACH ? n : HELPDESK_MAX_REACH;
    for (size_t i = 0; i < out->n; i++)
        out->phones[i] = phones[i];
}

/* The next opening for dept, else of any slot: 1 found (out filled), 0 none at all. */
static int wait_for(const roster *r, const char *dept, int day, int minute, helpdesk_route *out)
{
    int w = dept ? roster_next_opening(r, dept, day, minute, &out->next_day, &out->next_minute)
                 : -1;
    if (w < 0)
        w = roster_next_opening(r, NULL, day, minute, &out->next_day, &out->next_minute);
    if (w < 0)
        return 0;
    out->kind = HELPDESK_WAIT;
    out->wait_minutes = w;
    return 1;
}

void helpdesk_route_at(const roster *r, const char *dept, int day, int minute, helpdesk_route *out)
{
    const char *on[HELPDESK_MAX_REACH];
    size_t n = 0;
    int open;
    memset(out, 0, sizeof *out);
    out->kind = HELPDESK_NODAL;
    if (!r)
        return;
    if (dept && *dept)
        n = roster_on_duty(r, dept, day, minute, on, HELPDESK_MAX_REACH);
    else
        dept = NULL;
    if (n == 0)
        n = roster_on_duty(r, NULL, day, minute, on, HELPDESK_MAX_REACH);
    open = r->nhours ? roster_is_open(r, day, minute) : n > 0;
    if (open && n > 0) {
        to_phones(out, HELPDESK_ON_DUTY, on, n);
        return;
    }
    if (open && r->nfallback) {
        to_phones(out, HELPDESK_FALLBACK, r->fallback_phones, r->nfallback);
        return;
    }
    if (wait_for(r, dept, day, minute, out))
        return;
    if (r->nfallback)
        to_phones(out, HELPDESK_FALLBACK, r->fallback_phones, r->nfallback);
}

int helpdesk_id(const char *s, char *out, size_t n)
{
    size_t len;
    if (*s == 'H' || *s == 'h' || *s == '#')
        s++;
    len = strlen(s);
    if (len == 0 || len > 18 || strspn(s, "0123456789") != len || len >= n)
        return 0;
    memcpy(out, s, len + 1);
    return 1;
}

/* The words of a command (normalised, any case). */
static const char *const take_words[] = {"take", "लें", "ले", "le", "len", NULL};
static const char *const end_words[] = {"end", "समाप्त", "samapt", "खत्म", "khatam", NULL};
static const char *const case_words[] = {"case", "शिकायत", "मामला", "shikayat", "mamla", NULL};

static int is_word(const char *w, const char *const *list)
{
    char norm[64];
    text_normalize(w, norm, sizeof norm);
    for (const char *const *p = list; *norm && *p; p++)
        if (strcmp(norm, *p) == 0)
            return 1;
    return 0;
}

/* Splits s (copied into buf) into up to max words at spaces. */
static size_t words(const char *s, char *buf, size_t n, char **w, size_t max)
{
    size_t k = 0;
    snprintf(buf, n, "%s", s);
    for (char *p = strtok(buf, " \t\r\n"); p && k <= max; p = strtok(NULL, " \t\r\n"))
        w[k++] = p;
    return k;
}

/* A department code as an officer writes it: letters, digits, '_' and '-', upper-cased. */
static int dept_code(const char *s, char *out, size_t n)
{
    size_t i;
    for (i = 0; s[i] && i + 1 < n; i++) {
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
            return 0;
        out[i] = (char)toupper((unsigned char)s[i]);
    }
    out[i] = '\0';
    return i > 0 && !s[i];
}

void helpdesk_parse(const char *text, helpdesk_cmd *out)
{
    char buf[256], *w[4];
    size_t k;
    memset(out, 0, sizeof *out);
    if (!text || strlen(text) >= sizeof buf || (k = words(text, buf, sizeof buf, w, 3)) == 0 ||
        k > 3)
        return;
    if (is_word(w[0], take_words) && k <= 2) {
        if (k == 1 || helpdesk_id(w[1], out->id, sizeof out->id))
            out->kind = HELPDESK_CMD_TAKE;
    } else if (is_word(w[0], end_words) && k <= 2) {
        if (k == 1 || helpdesk_id(w[1], out->id, sizeof out->id))
            out->kind = HELPDESK_CMD_END;
    } else if (is_word(w[0], case_words) && k >= 2) {
        if (dept_code(w[1], out->dept, sizeof out->dept) &&
            (k == 2 || helpdesk_id(w[2], out->id, sizeof out->id))) {
            out->kind = HELPDESK_CMD_CASE;
            out->as_code = strcmp(w[1], out->dept) == 0;
        }
        else
            out->dept[0] = '\0';
    }
}
