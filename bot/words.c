/* words.c — the answer words (see words.h). Lists are written as people type them and
 * normalised at comparison, so a word is added here once, in its natural spelling. */
#include "words.h"

#include <string.h>

#include "text.h"

/* हव, हौ, hav: Chhattisgarhi yes; नइ, नई: Chhattisgarhi no. */
#define YES                                                                                        \
    "yes", "y", "ok", "haan", "han", "ha", "ji", "hanji", "haanji", "हाँ", "हां", "जी", "हाँजी",      \
        "हव", "हौ", "hav"
#define NO "no", "n", "nahi", "nahin", "na", "nai", "नहीं", "ना", "नही", "नइ", "नई"

const char *const words_yes[] = {YES, NULL};
const char *const words_no[] = {NO, NULL};
const char *const words_yes_or_1[] = {YES, "1", NULL};
const char *const words_no_or_2[] = {NO, "2", NULL};
const char *const words_skip[] = {"skip",      "chhodo", "chodo", "chhode", "aage",
                                  "aagebadhe", "छोड़ें",    "आगे",    "आगू",     NULL};
const char *const words_more[] = {"more", "aur", "aurvikalp", "और", "औरविकल्प", "next", NULL};
const char *const words_flow[] = {"menu",      "मेनू",     "0",         "help",     "मदद",
                                  "bye",       "goodbye", "alvida",    "अलविदा",    "language",
                                  "भाषा",      "भाखा",     "bhasha",    "bhakha",   "subscribe",
                                  "सदस्यता",   "sadasyata", NULL};

/* A short reply's own words ("thik hai", "abhi nahi", "perhaps later", "kar do", "बने हे"): a line
 * of only these, yes/no/skip words, numbers and greetings answers the question (or tries to) —
 * never more of the complaint (engine_followup_line). No word that tells a problem. */
const char *const words_reply[] = {
    "ok", "okay", "ohk", "k", "fine", "sure", "done", "correct", "right", "wait", "later",
    "maybe", "perhaps", "not", "now", "then", "submit", "send", "cancel", "register", "file",
    "it", "this", "that", "is", "go", "ahead", "one", "minute", "hold", "on", "same", "sorry",
    "what", "why", "how", "hmm", "hm", "thik", "theek", "tik", "hai", "he", "ho", "abhi", "baad",
    "mein", "me", "ruko", "rukiye", "ek", "minat", "kar", "karo", "kariye", "karen", "karein",
    "kijiye", "do", "de", "dijiye", "dena", "darj", "bhej", "bhejo", "bhejiye", "radd", "sahi",
    "yahi", "wahi", "ye", "yeh", "wo", "woh", "kya", "kyu", "kaise", "shayad", "pata", "bas",
    /* asking to file, cancel or leave: "shikayat darj karo", "cancel my complaint", "wapas jao" */
    "complaint", "shikayat", "shikaayat", "my", "mera", "meri", "mere", "mujhe", "karni", "karna",
    "back", "wapas", "vapas", "jao", "pe", "par", "and", "शिकायत", "सिकायत", "मेरा", "मेरी",
    "मेरे", "मुझे", "मोर", "करनी", "करना", "वापस", "जाओ", "पे", "पर",
    /* what the photo step asks about: "photo nahi hai", "I don't have a photo" */
    "photo", "foto", "pic", "picture", "image", "video", "voice", "note", "audio", "document",
    "kagaz", "kagaj", "paas", "koi", "i", "dont", "have", "a", "फोटो", "तस्वीर", "वीडियो", "कागज",
    "कागज़", "दस्तावेज़", "दस्तावेज", "पास", "कोई",
    /* wanting, in English and Hindi: "go back to the menu", "I want to cancel", "nahi chahiye" */
    "to", "the", "want", "wanna", "chahiye", "chahta", "chahti", "hu", "hoon", "चाहिए", "चाहता",
    "चाहती", "हूं", "हूँ",
    /* around a department's name: "Civil Supplies wala", "bijli vibhag ka" */
    "vibhag", "department", "dept", "wala", "wali", "wale", "vala", "ka", "ki", "ke", "विभाग", "वाला",
    "वाली", "वाले", "का", "की", "के",
    "ठीक", "है", "हो", "अभी", "बाद", "में", "रुको", "रुकिए", "एक", "मिनट", "कर", "करो", "करें",
    "कीजिए", "दो", "दें", "दीजिए", "दर्ज", "भेज", "भेजो", "भेजें", "रद्द", "सही", "यही", "वही", "यह",
    "ये", "वो", "क्या", "शायद", "पता", "बस", "बने", "हे", "करव", "देवव", "भेजव", "पाछू", NULL};

/* SPEC section 13: whole messages only, so "nali band hai" is a complaint, not STOP. */
const char *const words_stop[] = {"stop",   "unsubscribe", "बंद",     "रोकें",   "रोको",
                                  "band",   "bandkaro",    "बंदकरो", "बंदकरें", NULL};
const char *const words_start[] = {"start", "शुरू", "shuru", "शुरूकरो", "शुरूकरें", "चालू", "chalu", NULL};

/* Not "0": in a conversation with an officer it is an answer ("how many tankers came?"). */
const char *const words_menu[] = {"menu", "मेनू", "mainmenu", "मुख्यमेनू", "menyu", NULL};

int words_in(const char *norm, const char *const *list)
{
    char w[64];
    for (const char *const *p = list; *p; p++) {
        text_normalize(*p, w, sizeof w);
        if (strcmp(norm, w) == 0)
            return 1;
    }
    return 0;
}
