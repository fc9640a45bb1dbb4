/* engine_followup.c — whether a typed line is a try at the question or more of the complaint the
 * citizen already told (a state's "adds_to"): a fast typist's "transformer jal gaya", sent right
 * after "bijli nahi aa rahi 3 din se" while the bot asks "Is this about Electricity?", must add to
 * the complaint, never count as a wrong answer. Pure: words in, a verdict out (see engine.h). It
 * never takes what could be a mistyped answer for the complaint: that is asked again. */
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "engine_int.h"
#include "text.h"
#include "words.h"

/* A word not counted: a greeting or politeness, or one of neither letters nor digits (an emoji:
 * "🙏 ji haan 🙏" says "haan"). */
static int greeting(const flow_set *f, const char *w)
{
    if (!engine_letters_of(w) && strcspn(w, "0123456789") == strlen(w))
        return 1;
    for (size_t i = 0; i < f->ngreetings; i++)
        if (strcmp(w, f->greetings[i]) == 0)
            return 1;
    return 0;
}

/* Digits only: "2", "10" (a normalized word has no spaces or punctuation left). */
static int number(const char *w)
{
    return strspn(w, "0123456789") == strlen(w);
}

static int answer_word(const char *w)
{
    return words_in(w, words_yes_or_1) || words_in(w, words_no_or_2) || words_in(w, words_skip);
}

/* A word that tells something: with letters, no answer's, reply's or the flow's own ("menu pe
 * jao" tells nothing). */
static int tells(const char *w)
{
    return !number(w) && !answer_word(w) && !words_in(w, words_reply) && !words_in(w, words_flow);
}

/* More of the complaint needs two words with letters and one that is not a reply's own ("thik
 * hai", "perhaps later", "cancel my complaint" reply; "gaon Kharora" tells); a no or skip word and
 * at most two words after it is an answer mistyped ("nahi dusra vibhag"); a yes first, however
 * long, is an answer ("yes please submit my complaint": never the officers' text). A no first
 * may still tell ("No power since Monday"): a no is never taken for one. */
engine_line engine_followup_line(const flow_set *f, const char *text)
{
    char w[ENGINE_WORDS_MAX][ENGINE_WORD_MAX];
    size_t n = text ? engine_words_of(text, w, ENGINE_WORDS_MAX) : 0, core = 0, worded = 0;
    size_t telling = 0;
    const char *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (greeting(f, w[i]))
            continue;
        if (!first)
            first = w[i];
        core++;
        worded += !number(w[i]);
        telling += tells(w[i]);
    }
    if (worded < 2 || !telling)
        return ENGINE_LINE_TRY;
    if ((answer_word(first) && core <= 3) || words_in(first, words_yes))
        return ENGINE_LINE_TRY;
    return ENGINE_LINE_MORE;
}

void engine_followup_core(const flow_set *f, const char *text, char *out, size_t outsz)
{
    char w[ENGINE_WORDS_MAX][ENGINE_WORD_MAX];
    size_t n = text ? engine_words_of(text, w, ENGINE_WORDS_MAX) : 0, found = 0, at = 0;
    for (size_t i = 0; i < n; i++)
        if (!greeting(f, w[i]))
            found++, at = i;
    if (outsz)
        out[0] = '\0';
    if (found == 1 && outsz)
        snprintf(out, outsz, "%s", w[at]);
}

/* 1 when w is one of the words of names[0..n) (NULL ones left out). */
static int among(const char *w, const char *const *names, size_t n)
{
    char nw[ENGINE_WORDS_MAX][ENGINE_WORD_MAX];
    for (size_t i = 0; i < n; i++) {
        size_t k = names[i] ? engine_words_of(names[i], nw, ENGINE_WORDS_MAX) : 0;
        for (size_t j = 0; j < k; j++)
            if (strcmp(w, nw[j]) == 0)
                return 1;
    }
    return 0;
}

int engine_followup_names(const flow_set *f, const char *const *names, size_t nnames,
                          const char *text)
{
    char w[ENGINE_WORDS_MAX][ENGINE_WORD_MAX];
    size_t n = text ? engine_words_of(text, w, ENGINE_WORDS_MAX) : 0, named = 0;
    for (size_t i = 0; i < n; i++) {
        if (greeting(f, w[i]) || !tells(w[i]))
            continue;
        if (!among(w[i], names, nnames))
            return 0;
        named++;
    }
    return named > 0;
}
