/* words.h — the answer words a citizen types, in one list for the flow engine and the desk:
 * yes, no, skip, more, the words that always belong to the flow (menu, help, language,
 * goodbye), and STOP / START for the broadcasts — in Hindi, English, romanised Hindi and
 * Chhattisgarhi. Pure data and one lookup;
 * never a place for a department's keywords (those are the directory's). */
#ifndef SAMPARK_WORDS_H
#define SAMPARK_WORDS_H

/* NULL-terminated lists, compared after text_normalize (so "Haan ji!" is "haanji"). No digits
 * in words_yes and words_no: "1" and "2" pick menu rows, and a menu may be showing. */
extern const char *const words_yes[];
extern const char *const words_no[];
/* At a yes/no question the engine itself asks (buttons 1 and 2), the digits answer too. */
extern const char *const words_yes_or_1[];
extern const char *const words_no_or_2[];
extern const char *const words_skip[];
extern const char *const words_more[];
/* The words of a short reply to a question ("thik hai", "abhi nahi", "perhaps later"): a line of
 * only these is never more of a told complaint (engine_followup_line). */
extern const char *const words_reply[];
/* The flow's own words: a citizen who types one wants the menu, help or another language, not
 * to answer a case that waits (the flow file names them as keywords too). */
extern const char *const words_flow[];

/* STOP and START (SPEC section 13): a whole message of one of these, from any state, stops every
 * broadcast to the citizen, or resumes them. Never case updates. */
extern const char *const words_stop[];
extern const char *const words_start[];

/* The words that leave a live helpdesk conversation for the menu. */
extern const char *const words_menu[];

/* 1 when norm (already text_normalize'd, non-empty) is one of list's words. */
int words_in(const char *norm, const char *const *list);

#endif
