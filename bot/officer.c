/* officer.c — officer command grammar (see officer.h). Never fails: what it cannot read is
 * OFFICER_UNKNOWN, and the caller answers with how to write it. */
#include "officer.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

/* The command table's names and keywords (officer_commands.def; the desk reads the rest). */
static const struct {
    officer_cmd cmd;
    const char *name, *en, *hi;
} commands[] = {
#define OFFICER_COMMAND(cmd, name, en, hi, needs_case, needs_text, handler) {cmd, name, en, hi},
#include "officer_commands.def"
#undef OFFICER_COMMAND
};

const char *officer_cmd_name(officer_cmd c)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].cmd == c)
            return commands[i].name;
    return "unknown";
}

/* 1 when norm is one of the '|'-separated keywords of list. */
static int keyword_in(const char *norm, const char *list)
{
    char word[64], k[64];
    while (*list) {
        size_t n = strcspn(list, "|");
        snprintf(word, sizeof word, "%.*s", (int)n, list);
        text_normalize(word, k, sizeof k);
        if (strcmp(norm, k) == 0)
            return 1;
        list += n + (list[n] == '|');
    }
    return 0;
}

int officer_find_tracking(const char *s, char out[32], const char **start, const char **end)
{
    for (const char *p = s; *p; p++) {
        const char *q = p;
        char letters[9];
        char digits[11];
        size_t nl = 0, nd = 0;
        if (!isalpha((unsigned char)*p) || (p > s && isalnum((unsigned char)p[-1])))
            continue;
        while (isalpha((unsigned char)*q) && nl < 8)
            letters[nl++] = (char)toupper((unsigned char)*q++);
        if (nl < 2 || isalpha((unsigned char)*q))
            continue;
        letters[nl] = '\0';
        if (*q == '-' || *q == ' ')
            q++;
        while (isdigit((unsigned char)*q) && nd < 4)
            digits[nd++] = *q++;
        if (nd != 4)
            continue;
        if (*q == '-' || *q == ' ')
            q++;
        while (isdigit((unsigned char)*q) && nd < 10)
            digits[nd++] = *q++;
        if (nd != 10 || isdigit((unsigned char)*q))
            continue;
        digits[nd] = '\0';
        snprintf(out, 32, "%s-%.4s-%.6s", letters, digits, digits + 4);
        if (start)
            *start = p;
        if (end)
            *end = q;
        return 1;
    }
    return 0;
}

/* Copies s without [cut_from, cut_to), trimmed and with single spaces where the cut was. */
static void rest(const char *s, const char *cut_from, const char *cut_to, char *out, size_t outsz)
{
    size_t n = 0;
    for (const char *p = s; *p && n + 1 < outsz; p++) {
        if (cut_from && p >= cut_from && p < cut_to)
            continue;
        out[n++] = *p;
    }
    out[n] = '\0';
    text_fit(out); /* a cut character is not UTF-8 that PostgreSQL or WhatsApp take */
    /* trim */
    {
        char *a = out, *b = out + strlen(out);
        while (*a == ' ' || *a == '\n' || *a == '\t' || *a == ':' || *a == ',')
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\n' || b[-1] == '\t'))
            b--;
        memmove(out, a, (size_t)(b - a));
        out[b - a] = '\0';
    }
    /* collapse the double space the cut may leave */
    {
        char *w = out;
        for (char *r = out; *r; r++)
            if (!(*r == ' ' && w > out && w[-1] == ' '))
                *w++ = *r;
        *w = '\0';
    }
}

/* An interim reply's date, the first word of its text: DD-MM-YYYY (or with / or .), a real
 * day of the calendar → YYYY-MM-DD in out, and the word left out of the text. Anything else
 * leaves the date empty and the text as it was (the desk asks for the date). */
static void take_date(officer_command *out)
{
    int d, m, y, n = 0;
    char sep1, sep2;
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (sscanf(out->text, "%2d%c%2d%c%4d%n", &d, &sep1, &m, &sep2, &y, &n) != 5 || n < 8 ||
        !strchr("-/.", sep1) || sep2 != sep1 || (out->text[n] && out->text[n] != ' ' &&
                                                 out->text[n] != '\n' && out->text[n] != ','))
        return;
    if (y < 2000 || y > 2999 || m < 1 || m > 12 || d < 1 || d > days[m - 1] ||
        (m == 2 && d == 29 && (y % 4 || (y % 100 == 0 && y % 400))))
        return;
    snprintf(out->date, sizeof out->date, "%04d-%02d-%02d", y, m, d);
    rest(out->text + n, NULL, NULL, out->text, sizeof out->text);
}

void officer_parse(const char *text, const char *context_id, officer_command *out)
{
    const char *p = text, *word_end, *ts = NULL, *te = NULL;
    char word[64], norm[64];
    size_t wl;
    memset(out, 0, sizeof *out);
    while (*p == ' ' || *p == '\n' || *p == '\t')
        p++;
    word_end = p;
    while (*word_end && *word_end != ' ' && *word_end != '\n' && *word_end != '\t' &&
           *word_end != ':')
        word_end++;
    wl = (size_t)(word_end - p) < sizeof word - 1 ? (size_t)(word_end - p) : sizeof word - 1;
    memcpy(word, p, wl);
    word[wl] = '\0';
    text_normalize(word, norm, sizeof norm);
    for (size_t i = 0; *norm && i < sizeof commands / sizeof commands[0]; i++) {
        if (keyword_in(norm, commands[i].en) || keyword_in(norm, commands[i].hi)) {
            out->cmd = commands[i].cmd;
            break;
        }
    }
    if (out->cmd == OFFICER_UNKNOWN) {
        if (context_id && *context_id) {
            out->cmd = OFFICER_REPLY;
            out->swipe = 1;
            officer_find_tracking(text, out->tracking, NULL, NULL);
            rest(text, NULL, NULL, out->text, sizeof out->text);
        }
        return;
    }
    officer_find_tracking(word_end, out->tracking, &ts, &te);
    rest(word_end, ts, te, out->text, sizeof out->text);
    if (out->cmd == OFFICER_TRANSFER) {
        size_t n = 0;
        const char *q = out->text;
        /* The code ends at a space or punctuation: "transfer T phe, pipeline" is PHE. */
        while (*q && !strchr(" \n\t,;.:", *q) && n + 1 < sizeof out->dept)
            out->dept[n++] = (char)toupper((unsigned char)*q++);
        out->dept[n] = '\0';
        text_fit(out->dept);
    }
    if (out->cmd == OFFICER_INTERIM)
        take_date(out);
    /* merge: the second number is the case to merge into; the words around it ("into") go. */
    if (out->cmd == OFFICER_MERGE && officer_find_tracking(out->text, out->into, &ts, &te))
        rest(out->text, ts, te, out->text, sizeof out->text);
}
