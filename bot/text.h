/* text.h — UTF-8 helpers. WhatsApp counts characters, not bytes, and citizens write
 * Devanagari, so every length check in Sampark goes through here. Also the rules by which
 * phone numbers are masked in logs and long numbers in exported texts. Pure; no allocation but
 * text_fill's result. */
#ifndef SAMPARK_TEXT_H
#define SAMPARK_TEXT_H

#include <stddef.h>

/* 1 when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
int text_utf8_valid(const char *s, size_t len);
/* Replaces, in place, every byte that is not part of well-formed UTF-8 with '?'; returns how
 * many. The outbox's last line of defence: one bad byte must not lose a whole transaction. */
size_t text_utf8_repair(char *s);
/* Drops an incomplete UTF-8 sequence at the end of s — what snprintf leaves when it cuts a
 * message at its buffer's size. */
void text_fit(char *s);
/* Copies at most srclen bytes of src (bytes from a client: any) to dst for an error message:
 * cut at a whole character within dstsz-1 bytes, every byte that is not well-formed UTF-8 as
 * '?'. Returns dst. */
char *text_copy_shown(char *dst, size_t dstsz, const char *src, size_t srclen);
/* Code points in a NUL-terminated, valid UTF-8 string. */
size_t text_utf8_chars(const char *s);

/* The form typed answers are compared in: ASCII letters lower-cased; spaces, ASCII
 * punctuation, the Devanagari danda (।, ॥) and zero-width joiners dropped; everything else
 * kept. "  Shikayat! " and "shikayat" compare equal. Writes at most outsz-1 bytes; returns
 * the length written. in must be valid UTF-8. */
size_t text_normalize(const char *in, char *out, size_t outsz);

/* Cuts s in place to at most maxchars characters, at a word boundary when one is near the
 * end, ending with "…"; never splits a UTF-8 sequence. Returns 1 when it cut. */
int text_cut(char *s, size_t maxchars);

/* A name shortened for a menu: copies in to out cut after its last whole word that fits in
 * maxchars characters together with a closing "…", leaving off punctuation that would dangle
 * at the cut (" &", " (", ","). Words end at spaces only. 0: in fits whole (copied as it is);
 * 1: cut; -1: not even the first word fits, or out (outsz bytes) is too small — out is then "". */
int text_cut_words(const char *in, size_t maxchars, char *out, size_t outsz);

/* A text's {placeholders} ({name}: lower-case letters, digits and _) replaced by value(ud,
 * name) — NULL leaves it out — and the result cut to limit characters (text_cut; 0: not cut). A
 * result that would not be valid UTF-8 is "". malloc'd; NULL when out of memory. The flows and the
 * message catalogue speak through it. */
typedef const char *text_value_fn(void *ud, const char *key);
char *text_fill(const char *tmpl, text_value_fn *value, void *ud, size_t limit);

/* Phone numbers in logs: "919812345601" becomes "9198******01" — the country code and the
 * next two digits (the first four characters) and the last two stay, the rest is '*'. A
 * string shorter than 10 characters keeps only its last two (none below 5). Writes at most
 * outsz-1 bytes of phone, masked, to out and returns out; NULL reads as "". Every log line
 * that names a phone goes through this (the terminal simulator `sampark chat` excepted). */
const char *text_mask_phone(const char *phone, char *out, size_t outsz);
/* The same rule, in place, for free text that may contain numbers (a message body, a
 * server's error detail): every run of 10-15 ASCII digits with no ASCII letter or digit on
 * either side is masked, so "+919812345601." is and "wamid.HBgM..." is not. Over-masking a
 * long number that was not a phone is the accepted cost. Returns how many runs it masked. */
size_t text_mask_phones(char *s);
/* Long numbers in a citizen's text (the export's subject_content, SPEC section 14), in place:
 * every number of 10 or more digits — phone, Aadhaar, account numbers — has each digit
 * replaced by one 'X' (a multi-byte digit too, so the text gets shorter). A digit is any
 * Unicode decimal digit of the scripts of India and full-width (text.c: digit_zeros), not
 * only 0-9. A number is a group of digits, or groups of 2 or more digits joined by exactly
 * one separator: space, '-', '.', a no-break, figure or narrow space, a hyphen or dash
 * (U+2010-U+2014) or minus: "98111 27701", "98 11 12 77 01", "981-112-7701", "9811.127.701",
 * "98111–27701", "९८१११२७७०१". Never masked (kept readable):
 * - a date: d-m-y, d.m.y, d/m/y (day and month 1-31, year of 2-4 digits) or y-m-d (4-digit
 *   year), both separators the same, no further group joined to it by '-', '.' or '/';
 *   a date is not joined to the groups around it: "12-05-2026 1030 hrs" stays;
 * - a tracking number: 2+ ASCII letters, at most one separator, a year 2000-2199, at most one
 *   separator, 6 digits (BLB-2026-000123, "blb 2026 000123", BLB2026000123);
 * - amounts and lists: ',' ':' '/' ')' join nothing ("1,50,000", "10:30", "123/45").
 * Digits typed one by one ("9 8 1 1 ...") or a number cut by two separators ("98111 - 27701")
 * are not caught. Returns how many numbers it masked. */
size_t text_mask_numbers(char *text);
/* How many decimal digits s holds, of any script text_mask_numbers knows, wherever they stand:
 * "98765.43210", "९८७६५ ४३२१०" and "98 76 5a 43" all count. The public address's rule
 * (cases_public.c): a text with 7 or more is not published at all. */
size_t text_digits(const char *s);
/* Copies src to dst (at most dstsz-1 bytes, cut at a whole letter) with its phone numbers
 * masked. Masks before it cuts: a number cut short at the end would no longer look like a
 * phone and escape the mask. For every log line made from text of unknown length. */
void text_mask_copy(char *dst, size_t dstsz, const char *src);

#endif
