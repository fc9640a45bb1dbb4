/* text.c — UTF-8 validation and counting, and masking phones for logs (see text.h). */
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

/* Length of the well-formed UTF-8 sequence at s (before end), or 0 when it is not one. */
static size_t seq_len(const unsigned char *s, const unsigned char *end)
{
    unsigned c = *s, cp;
    size_t n;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 2;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 3;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if ((size_t)(end - s) <= n)
        return 0;
    for (size_t i = 1; i <= n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((n == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    return n + 1;
}

int text_utf8_valid(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str, *end = s + len;
    while (s < end) {
        size_t n = seq_len(s, end);
        if (!n)
            return 0;
        s += n;
    }
    return 1;
}

size_t text_utf8_repair(char *str)
{
    unsigned char *s = (unsigned char *)str, *end = s + strlen(str);
    size_t fixed = 0;
    while (s < end) {
        size_t n = seq_len(s, end);
        if (!n) {
            *s = '?';
            n = 1;
            fixed++;
        }
        s += n;
    }
    return fixed;
}

void text_fit(char *str)
{
    size_t len = strlen(str), i = len, back = 0;
    /* Step back over continuation bytes to the lead byte of the last sequence. */
    while (i > 0 && back < 4 && ((unsigned char)str[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i > 0 && (unsigned char)str[i - 1] >= 0xC0 &&
        seq_len((unsigned char *)str + i - 1, (unsigned char *)str + len) == 0)
        str[i - 1] = '\0';
}

char *text_copy_shown(char *dst, size_t dstsz, const char *src, size_t srclen)
{
    if (!dstsz)
        return dst;
    snprintf(dst, dstsz, "%.*s", (int)(srclen < dstsz ? srclen : dstsz - 1), src ? src : "");
    text_fit(dst);
    text_utf8_repair(dst);
    return dst;
}

size_t text_utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

size_t text_normalize(const char *in, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)in;
    size_t n = 0;
    if (!outsz)
        return 0;
    while (*p) {
        size_t len = *p < 0x80 ? 1 : *p < 0xE0 ? 2 : *p < 0xF0 ? 3 : 4;
        if (len == 1) {
            unsigned char c = *p;
            if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                if (n + 1 >= outsz)
                    break;
                out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
            }
            p++;
            continue;
        }
        /* U+0964/U+0965 danda (E0 A5 A4/A5), U+200B-U+200D zero-width (E2 80 8B-8D). */
        if (len == 3 && ((p[0] == 0xE0 && p[1] == 0xA5 && (p[2] == 0xA4 || p[2] == 0xA5)) ||
                         (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x8B && p[2] <= 0x8D))) {
            p += 3;
            continue;
        }
        /* A sequence cut short by the terminator (in cut mid-character by a caller) ends in:
         * stepping over it would read past the NUL. */
        if (n + len >= outsz || strnlen((const char *)p, len) < len)
            break;
        for (size_t i = 0; i < len; i++)
            out[n++] = (char)p[i];
        p += len;
    }
    out[n] = '\0';
    return n;
}

int text_cut(char *s, size_t maxchars)
{
    size_t chars = 0, keep = 0, space = 0;
    char *p;
    if (text_utf8_chars(s) <= maxchars)
        return 0;
    if (maxchars < 2) {
        s[0] = '\0';
        return 1;
    }
    /* Byte offset after maxchars - 1 characters, leaving room for the ellipsis. */
    for (p = s; *p && chars < maxchars - 1; p++) {
        if (((unsigned char)*p & 0xC0) != 0x80) {
            chars++;
            if (*p == ' ' || *p == '\n')
                space = (size_t)(p - s);
        }
    }
    while (*p && ((unsigned char)*p & 0xC0) == 0x80)
        p++;
    keep = (size_t)(p - s);
    if (space && space * 5 > keep * 4) /* a word boundary in the last fifth */
        keep = space;
    /* The ellipsis takes 3 bytes: step back over whole characters until it fits. */
    while (keep > 0 && keep + 3 > strlen(s)) {
        keep--;
        while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)
            keep--;
    }
    memcpy(s + keep, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
    return 1;
}

int text_cut_words(const char *in, size_t maxchars, char *out, size_t outsz)
{
    size_t chars = 0, cut = 0, len = strlen(in);
    if (text_utf8_chars(in) <= maxchars) {
        if (len >= outsz)
            goto none;
        memcpy(out, in, len + 1);
        return 0;
    }
    /* The last space with at most maxchars - 1 characters before it (the "…" is one). */
    for (size_t i = 0; i < len && chars < maxchars; i++) {
        if (((unsigned char)in[i] & 0xC0) == 0x80)
            continue;
        if (in[i] == ' ')
            cut = i;
        chars++;
    }
    while (cut > 0 && strchr(" ,;:&/(-|", in[cut - 1]))
        cut--;
    if (cut == 0 || cut + 4 > outsz)
        goto none;
    memcpy(out, in, cut);
    memcpy(out + cut, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
    return 1;
none:
    if (outsz)
        out[0] = '\0';
    return -1;
}

/* The masking rule, on n characters that hold one phone number. */
static void mask_span(char *p, size_t n)
{
    size_t head = n >= 10 ? 4 : 0, tail = n >= 5 ? 2 : 0;
    for (size_t i = head; i + tail < n; i++)
        p[i] = '*';
}

const char *text_mask_phone(const char *phone, char *out, size_t outsz)
{
    size_t n;
    if (!outsz)
        return out;
    n = phone ? strlen(phone) : 0;
    if (n >= outsz)
        n = outsz - 1;
    if (n)
        memcpy(out, phone, n);
    out[n] = '\0';
    mask_span(out, n);
    return out;
}

static int word_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

void text_mask_copy(char *dst, size_t dstsz, const char *src)
{
    char *full;
    size_t n;
    if (!dstsz)
        return;
    if (!(full = strdup(src ? src : ""))) {
        snprintf(dst, dstsz, "(detail withheld: out of memory)");
        return;
    }
    text_mask_phones(full);
    n = strlen(full);
    if (n >= dstsz)
        n = dstsz - 1;
    memcpy(dst, full, n);
    dst[n] = '\0';
    text_fit(dst); /* a letter cut at the end goes whole */
    free(full);
}

size_t text_mask_phones(char *s)
{
    size_t masked = 0;
    char *p = s;
    while (*p) {
        char *start = p;
        size_t n;
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        while (*p >= '0' && *p <= '9')
            p++;
        n = (size_t)(p - start);
        if (n >= 10 && n <= 15 && (start == s || !word_char(start[-1])) && !word_char(*p)) {
            mask_span(start, n);
            masked++;
        }
    }
    return masked;
}

/* ---- long numbers in a citizen's text (text_mask_numbers) ------------------------------------ */

/* The code point at s and its length in *len; a byte that starts no well-formed sequence is
 * U+FFFD, length 1 (never a digit, letter or separator). */
static unsigned long code_point(const unsigned char *s, size_t *len)
{
    size_t n = seq_len(s, s + strnlen((const char *)s, 4));
    unsigned long cp;
    if (n <= 1) {
        *len = 1;
        return n == 1 ? *s : 0xFFFD;
    }
    cp = *s & (0xFF >> (n + 1));
    for (size_t i = 1; i < n; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    *len = n;
    return cp;
}

/* The zero of every block of ten decimal digits (Unicode Nd) a citizen in India may type:
 * ASCII, Arabic-Indic and Urdu, Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Tamil, Telugu,
 * Kannada, Malayalam, Sinhala, Ol Chiki, Meetei Mayek, full-width, the mathematical bold,
 * double-struck, sans-serif and monospace digits of "fancy text" keyboards. */
static const unsigned long digit_zeros[] = {
    0x30,  0x660, 0x6F0,  0x966,  0x9E6,  0xA66,   0xAE6,   0xB66,   0xBE6,   0xC66,  0xCE6,
    0xD66, 0xDE6, 0x1C50, 0xABF0, 0xFF10, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6};

/* The value of the digit at s (-1: not a digit), its length in *len. */
static int digit_at(const unsigned char *s, size_t *len)
{
    unsigned long cp = code_point(s, len);
    for (size_t i = 0; i < sizeof digit_zeros / sizeof *digit_zeros; i++)
        if (cp >= digit_zeros[i] && cp < digit_zeros[i] + 10)
            return (int)(cp - digit_zeros[i]);
    return -1;
}

size_t text_digits(const char *s)
{
    size_t n = 0, len;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p += len)
        n += digit_at(p, &len) >= 0;
    return n;
}

enum { SEP_JOIN = 1, SEP_DATE = 2 };

/* What the character at s separates: SEP_JOIN for the separators a phone number's groups are
 * written with (space, '-', '.', no-break, figure and narrow spaces U+00A0 U+2007 U+202F,
 * hyphens and dashes U+2010-U+2014, minus U+2212), SEP_DATE for a date's ('-', '.', '/'); 0. */
static int sep_at(const unsigned char *s, size_t *len)
{
    unsigned long cp = code_point(s, len);
    if (cp == '-' || cp == '.')
        return SEP_JOIN | SEP_DATE;
    if (cp == '/')
        return SEP_DATE;
    if (cp == ' ' || cp == 0xA0 || cp == 0x2007 || cp == 0x202F || (cp >= 0x2010 && cp <= 0x2014) ||
        cp == 0x2212)
        return SEP_JOIN;
    return 0;
}

/* A group: a run of digits, how many, their value (capped) and where the run ends. */
typedef struct digit_group {
    const unsigned char *end;
    size_t n;
    long long value;
} digit_group;

/* The group at s; 0 when s is not a digit. */
static int group_at(const unsigned char *s, digit_group *g)
{
    size_t len;
    int v;
    g->n = 0;
    g->value = 0;
    while ((v = digit_at(s, &len)) >= 0) {
        if (g->value < 100000000000000LL)
            g->value = g->value * 10 + v;
        g->n++;
        s += len;
    }
    g->end = s;
    return g->n > 0;
}

/* The group after g past exactly one separator of the kinds in mask, into next (its
 * separator's first byte into *sep); 0 when none. */
static int group_after(const digit_group *g, int mask, digit_group *next, unsigned char *sep)
{
    size_t len;
    if (!(sep_at(g->end, &len) & mask))
        return 0;
    *sep = *g->end;
    return group_at(g->end + len, next);
}

/* Whether the group g starts a date: d.m.y or m/d/y (day and month 1-31, a year of 2-4
 * digits) or y-m-d (a year of 4 digits, month 1-12, day 1-31), the two separators the same
 * one of '-', '.', '/', and no further group joined by one of them. *end: where it ends. */
static int date_at(const digit_group *g, const unsigned char **end)
{
    digit_group m, y, more;
    unsigned char s1, s2;
    int dmy, ymd;
    if (!group_after(g, SEP_DATE, &m, &s1) || !group_after(&m, SEP_DATE, &y, &s2) || s1 != s2 ||
        group_after(&y, SEP_DATE, &more, &s1))
        return 0;
    dmy = g->n <= 2 && m.n <= 2 && y.n >= 2 && y.n <= 4 && g->value >= 1 && g->value <= 31 &&
          m.value >= 1 && m.value <= 31;
    ymd = g->n == 4 && m.n <= 2 && y.n <= 2 && m.value >= 1 && m.value <= 12 && y.value >= 1 &&
          y.value <= 31;
    *end = y.end;
    return dmy || ymd;
}

/* Whether the group g, right after 2 or more ASCII letters and at most one separator, is the
 * year of a tracking number (BLB-2026-000123, "blb 2026 000123", BLB2026000123): 20xx or 21xx,
 * then 6 digits past at most one separator. *end: where it ends. */
static int tracking_at(const digit_group *g, int after_letters, const unsigned char **end)
{
    digit_group serial;
    unsigned char sep;
    if (!after_letters)
        return 0;
    if (g->n == 10 && g->value / 1000000 >= 2000 && g->value / 1000000 < 2200) {
        *end = g->end;
        return 1;
    }
    if (g->n != 4 || g->value < 2000 || g->value >= 2200 ||
        !group_after(g, SEP_JOIN, &serial, &sep) || serial.n != 6)
        return 0;
    *end = serial.end;
    return 1;
}

/* Copies [from, to) to *w, every digit as one 'X' when mask. */
static void put_span(char **w, const unsigned char *from, const unsigned char *to, int mask)
{
    while (from < to) {
        size_t len;
        if (mask && digit_at(from, &len) >= 0) {
            *(*w)++ = 'X';
        } else {
            code_point(from, &len);
            memmove(*w, from, len);
            *w += len;
        }
        from += len;
    }
}

/* Where the number starting at the group g ends when its groups join (2 or more digits each
 * side of one SEP_JOIN separator, not into a date), its digits into *digits. */
static const unsigned char *number_end(digit_group g, size_t *digits)
{
    digit_group next;
    unsigned char sep;
    const unsigned char *date_end;
    size_t len;
    *digits = g.n;
    while (g.n >= 2 && group_after(&g, SEP_JOIN, &next, &sep) && next.n >= 2) {
        /* After a date's separator the next group cannot start a date (date_at's rule). */
        if (!(sep_at(g.end, &len) & SEP_DATE) && date_at(&next, &date_end))
            break;
        *digits += next.n;
        g = next;
    }
    return g.end;
}

/* One pass, reading ahead of where it writes (an 'X' is never longer than the digit it
 * replaces). letters/gap: the ASCII letters just before and whether one separator followed
 * them; linked: where a group joined to the one before by a date separator would start. */
size_t text_mask_numbers(char *text)
{
    const unsigned char *r = (const unsigned char *)text, *linked = NULL, *end;
    char *w = text;
    size_t masked = 0, letters = 0, len, digits;
    int gap = 0;
    while (*r) {
        digit_group g;
        if (!group_at(r, &g)) {
            unsigned long cp = code_point(r, &len);
            int letter = (cp | 0x20) >= 'a' && (cp | 0x20) <= 'z';
            if (letter && gap)
                letters = gap = 0;
            if (letter)
                letters++;
            else if (letters && !gap && (sep_at(r, &len) & SEP_JOIN))
                gap = 1;
            else
                letters = gap = 0;
            put_span(&w, r, r + len, 0);
            r += len;
            continue;
        }
        if (tracking_at(&g, letters >= 2, &end) || (r != linked && date_at(&g, &end))) {
            digits = 0;
        } else {
            end = number_end(g, &digits);
        }
        put_span(&w, r, end, digits >= 10);
        masked += digits >= 10;
        linked = (sep_at(end, &len) & SEP_DATE) ? end + len : NULL;
        letters = gap = 0;
        r = end;
    }
    *w = '\0';
    return masked;
}

char *text_fill(const char *tmpl, text_value_fn *value, void *ud, size_t limit)
{
    vec_str b = {0};
    size_t len;
    char *out;
    vec_str_add(&b, "", 0); /* an empty template gives an empty text, not NULL */
    for (const char *p = tmpl; *p;) {
        const char *add = p, *close;
        size_t addlen = 1;
        char key[32];
        if (*p == '{' && (close = strchr(p + 1, '}')) && (size_t)(close - p - 1) < sizeof key &&
            close > p + 1 &&
            strspn(p + 1, "abcdefghijklmnopqrstuvwxyz0123456789_") == (size_t)(close - p - 1)) {
            memcpy(key, p + 1, (size_t)(close - p - 1));
            key[close - p - 1] = '\0';
            if (!(add = value(ud, key)))
                add = "";
            addlen = strlen(add);
            p = close + 1;
        } else {
            p++;
        }
        if (vec_str_add(&b, add, addlen) < 0)
            return NULL;
    }
    len = b.len;
    if (!(out = vec_str_take(&b)))
        return NULL;
    /* Invalid UTF-8 cannot come from checked texts or parsed JSON values, but be sure. */
    if (!text_utf8_valid(out, len)) {
        free(out);
        return strdup("");
    }
    if (limit)
        text_cut(out, limit);
    return out;
}
