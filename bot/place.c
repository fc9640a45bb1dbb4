/* place.c — the key of a village or ward's name (see place.h). */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "place.h"

#include <ctype.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

/* Words that say what kind of place it is, not which: taken out before the skeleton is made. */
static const char noise_pattern[] =
    "(?<![\\p{L}\\p{M}\\p{N}])(?:no|nos|number|nambar|numbar|gram|gaon|gaaon|gav|gaav|village|"
    "vill|vil|post|mohalla|muhalla|panchayat|panchayt|gp|"
    "नंबर|नम्बर|नं|क्रमांक|ग्राम|गांव|गाँव|गाव|पोस्ट|मोहल्ला|मुहल्ला|पंचायत)(?![\\p{L}\\p{M}\\p{N}])";

static pcre2_code *noise;
static pthread_once_t noise_once = PTHREAD_ONCE_INIT;

static void compile_noise(void)
{
    int code;
    PCRE2_SIZE at;
    noise = pcre2_compile((PCRE2_SPTR)noise_pattern, PCRE2_ZERO_TERMINATED,
                          PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &code, &at, NULL);
    if (noise)
        pcre2_jit_compile(noise, PCRE2_JIT_COMPLETE); /* without JIT it still matches */
}

/* Devanagari U+0900..U+097F → the consonant it keeps: a letter, "" for none (vowels, signs),
 * 'n' for the nasal signs. Aspirates and retroflexes fold into the plain consonant; ह and य are
 * dropped as 'h' and 'y' are in Latin; ऋ/ृ is 'r' (कृषि, krishi). */
static const char *const deva[128] = {
    [0x01] = "n", [0x02] = "n", /* chandrabindu, anusvara */
    [0x0B] = "r", [0x43] = "r", [0x44] = "r", [0x60] = "r", /* ऋ ृ ॄ ॠ */
    [0x15] = "k", [0x16] = "k", [0x17] = "g", [0x18] = "g", [0x19] = "n",
    [0x1A] = "c", [0x1B] = "c", [0x1C] = "j", [0x1D] = "j", [0x1E] = "n",
    [0x1F] = "t", [0x20] = "t", [0x21] = "d", [0x22] = "d", [0x23] = "n",
    [0x24] = "t", [0x25] = "t", [0x26] = "d", [0x27] = "d", [0x28] = "n", [0x29] = "n",
    [0x2A] = "p", [0x2B] = "p", [0x2C] = "b", [0x2D] = "b", [0x2E] = "m",
    [0x30] = "r", [0x31] = "r", [0x32] = "l", [0x33] = "l", [0x34] = "l", [0x35] = "v",
    [0x36] = "s", [0x37] = "s", [0x38] = "s",
    [0x58] = "k", [0x59] = "k", [0x5A] = "g", [0x5B] = "j", [0x5C] = "r", [0x5D] = "r",
    [0x5E] = "p",
    [0x66] = "0", [0x67] = "1", [0x68] = "2", [0x69] = "3", [0x6A] = "4",
    [0x6B] = "5", [0x6C] = "6", [0x6D] = "7", [0x6E] = "8", [0x6F] = "9",
};

/* A Latin letter (lower case) or digit → what it keeps: vowels, h and y nothing; f → p,
 * w → v, z → j, q → k, x → ks. */
static const char *const ascii[128] = {
    ['b'] = "b", ['c'] = "c", ['d'] = "d", ['f'] = "p", ['g'] = "g", ['j'] = "j", ['k'] = "k",
    ['l'] = "l", ['m'] = "m", ['n'] = "n", ['p'] = "p", ['q'] = "k", ['r'] = "r", ['s'] = "s",
    ['t'] = "t", ['v'] = "v", ['w'] = "v", ['x'] = "ks", ['z'] = "j",
    ['0'] = "0", ['1'] = "1", ['2'] = "2", ['3'] = "3", ['4'] = "4",
    ['5'] = "5", ['6'] = "6", ['7'] = "7", ['8'] = "8", ['9'] = "9",
};

static const char *keeps(uint32_t cp)
{
    if (cp >= 'A' && cp <= 'Z')
        cp += 'a' - 'A';
    if (cp < 0x80)
        return ascii[cp];
    return cp >= 0x900 && cp < 0x980 ? deva[cp - 0x900] : NULL;
}

/* The next code point of s at *i (advanced); invalid bytes are skipped as U+FFFD. */
static uint32_t next_cp(const unsigned char *s, size_t len, size_t *i)
{
    unsigned char c = s[(*i)++];
    int more = c < 0x80             ? 0
               : (c & 0xE0) == 0xC0 ? 1
               : (c & 0xF0) == 0xE0 ? 2
               : (c & 0xF8) == 0xF0 ? 3
                                    : -1;
    uint32_t cp = more == 0 ? c : more == 1 ? c & 0x1F : more == 2 ? c & 0x0F : c & 0x07;
    if (more < 0)
        return 0xFFFD;
    for (int k = 0; k < more; k++) {
        if (*i >= len || (s[*i] & 0xC0) != 0x80)
            return 0xFFFD;
        cp = cp << 6 | (s[(*i)++] & 0x3F);
    }
    return cp;
}

/* The skeleton of s (noise already out): consonants and digits, folded. */
static size_t skeleton(const char *s, size_t len, char *out, size_t n)
{
    size_t i = 0, k = 0;
    while (i < len && k + 1 < n) {
        uint32_t cp = next_cp((const unsigned char *)s, len, &i);
        const char *t = keeps(cp);
        /* ड़ and ढ़ are an r (गढ़, garh), whether written as one letter or with the nukta sign. */
        if ((cp == 0x921 || cp == 0x922) && i + 2 < len &&
            (unsigned char)s[i] == 0xE0 && (unsigned char)s[i + 1] == 0xA4 &&
            (unsigned char)s[i + 2] == 0xBC)
            t = "r";
        for (; t && *t && k + 1 < n; t++) {
            char c = *t;
            if (k > 0 && out[k - 1] == c && !isdigit((unsigned char)c))
                continue; /* a doubled letter once ("Bhatt", "भट्ट"); never a digit: ward 11 */
            if (k > 0 && out[k - 1] == 'm' && (c == 'p' || c == 'b'))
                out[k - 1] = 'n'; /* Champa, चंपा */
            out[k++] = c;
        }
    }
    out[k] = '\0';
    return k;
}

size_t place_key(const char *text, char *out, size_t n)
{
    char clean[1024];
    PCRE2_SIZE cn = sizeof clean;
    size_t len;
    if (!n)
        return 0;
    out[0] = '\0';
    if (!text || !*text)
        return 0;
    pthread_once(&noise_once, compile_noise);
    len = strnlen(text, 900);
    if (!noise || pcre2_substitute(noise, (PCRE2_SPTR)text, len, 0,
                                   PCRE2_SUBSTITUTE_GLOBAL, NULL, NULL,
                                   (PCRE2_SPTR) " ", 1, (PCRE2_UCHAR *)clean, &cn) < 0) {
        /* Not valid UTF-8, or no pattern: the skeleton of the text as it is. */
        memcpy(clean, text, len);
        cn = len;
    }
    return skeleton(clean, cn, out, n < PLACE_KEY_MAX ? n : PLACE_KEY_MAX);
}
