/* engine_int.h — what the engine's files (engine*.c) share and nobody else uses: a typed
 * sentence split into normalized words, and its letters. Not an API: callers outside the engine include engine.h. */
#ifndef SAMPARK_ENGINE_INT_H
#define SAMPARK_ENGINE_INT_H

#include <stddef.h>

#define ENGINE_WORDS_MAX 64 /* words of a typed sentence looked at */
#define ENGINE_WORD_MAX  128

/* The words of text (split at spaces, tabs and newlines), each text_normalize'd; empty ones
 * (punctuation) and overlong ones left out. At most max. */
size_t engine_words_of(const char *text, char (*w)[ENGINE_WORD_MAX], size_t max);
/* Letters of any script (ASCII letters and code points U+00C0..U+1FFF: Latin, Devanagari and
 * its matras...); digits, punctuation and emoji are not letters. */
size_t engine_letters_of(const char *text);

#endif
