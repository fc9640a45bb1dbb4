/* place.h — a village or ward's name as a key two citizens' spellings share (SPEC section 12):
 * "सिमगा वार्ड 4", "Simga ward 4", "SIMGA, Ward No. 4" and "simga vard-4" all give "smgvrd4".
 *
 * How: PCRE2 takes out the words that do not name the place (no., number, gram, village, गांव,
 * ग्राम, post...) and everything that is not a letter or a digit; a transliteration table turns
 * Devanagari into Latin consonants; then only the consonant skeleton is kept — vowels, vowel
 * signs, 'h' and 'y' dropped, aspirates and retroflexes folded into their plain consonant
 * (ख/kh → k, ट/ठ/थ/th → t, श/ष/sh → s; ड़/ढ़ → r as in गढ़/garh), f → p, w → v, z → j, q → k,
 * x → ks, m before p or b → n
 * (the anusvara's sound), a doubled letter once. Digits stay (Devanagari digits too). Vowels are
 * where spellings of one name differ most (Simga/Simaga, Baloda/Balauda); consonants rarely do.
 * Two different places may share a skeleton: the citizen is shown the candidates and chooses, so
 * a near miss costs one tap and a false "different" costs a duplicate case — never a wrong join.
 * Pure (no I/O, thread-safe). */
#ifndef SAMPARK_PLACE_H
#define SAMPARK_PLACE_H

#include <stddef.h>

#define PLACE_KEY_MAX 64 /* bytes of a key, with its NUL; a longer skeleton is cut */

/* The key of text into out (n bytes): "" when nothing names a place. Returns strlen(out). */
size_t place_key(const char *text, char *out, size_t n);

#endif
