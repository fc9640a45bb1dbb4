/* roster.c — who is on duty and when the helpdesk next opens (see roster.h). Pure: no clock,
 * no time zones, no I/O; the directory validates a roster before anything asks it questions. */
#include "roster.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const day_short[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
static const char *const day_long[] = {"monday", "tuesday",  "wednesday", "thursday",
                                       "friday", "saturday", "sunday"};

int roster_parse_day(const char *s)
{
    for (int i = 0; i < 7; i++)
        if (strcmp(s, day_short[i]) == 0 || strcmp(s, day_long[i]) == 0)
            return i;
    return -1;
}

int roster_parse_hhmm(const char *s)
{
    int h, m;
    if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
        s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
        return -1;
    h = (s[0] - '0') * 10 + (s[1] - '0');
    m = (s[3] - '0') * 10 + (s[4] - '0');
    return h > 23 || m > 59 ? -1 : h * 60 + m;
}

const char *roster_day_name(int day)
{
    return day >= 0 && day < 7 ? day_short[day] : "?";
}

static int matches(const roster_slot *s, const char *department)
{
    return !department || strcmp(s->department, department) == 0;
}

int roster_slot_runs(const roster_slot *s, int day, int minute)
{
    return day >= 0 && day < 7 && (s->days & (1u << day)) && minute >= s->from && minute < s->to;
}

size_t roster_on_duty(const roster *r, const char *department, int day, int minute,
                      const char **out, size_t max)
{
    size_t n = 0;
    if (!r || day < 0 || day > 6)
        return 0;
    for (size_t i = 0; i < r->nslots; i++) {
        const roster_slot *s = &r->slots[i];
        if (!matches(s, department) || !roster_slot_runs(s, day, minute))
            continue;
        for (size_t j = 0; j < s->nphones; j++) {
            size_t k;
            for (k = 0; k < n && k < max; k++)
                if (strcmp(out[k], s->phones[j]) == 0)
                    break;
            if (k < n && k < max)
                continue;
            if (n < max)
                out[n] = s->phones[j];
            n++;
        }
    }
    return n;
}

int roster_next_opening(const roster *r, const char *department, int day, int minute, int *next_day,
                        int *next_minute)
{
    int best = -1;
    if (!r || day < 0 || day > 6)
        return -1;
    for (size_t i = 0; i < r->nslots; i++) {
        const roster_slot *s = &r->slots[i];
        if (!matches(s, department))
            continue;
        for (int d = 0; d < 7; d++) {
            int wait;
            if (!(s->days & (1u << d)))
                continue;
            wait = ((d - day + 7) % 7) * 1440 + s->from - minute;
            if (wait < 0)
                wait += 7 * 1440;
            if (best < 0 || wait < best) {
                best = wait;
                *next_day = d;
                *next_minute = s->from;
            }
        }
    }
    return best;
}

int roster_is_open(const roster *r, int day, int minute)
{
    for (size_t i = 0; r && day >= 0 && day < 7 && i < r->nhours; i++)
        if (roster_slot_runs(&r->hours[i], day, minute))
            return 1;
    return 0;
}

static void describe_department(FILE *f, const roster *r, const char *dep, int day, int minute)
{
    const char *on[64];
    size_t n = roster_on_duty(r, dep, day, minute, on, 64);
    int nd, nm;
    if (n > 0) {
        fprintf(f, "%s: on duty", dep);
        for (size_t i = 0; i < n && i < 64; i++)
            fprintf(f, " %s", on[i]);
        fputc('\n', f);
    } else if (roster_next_opening(r, dep, day, minute, &nd, &nm) >= 0) {
        fprintf(f, "%s: nobody on duty; next slot %s %02d:%02d\n", dep, roster_day_name(nd),
                nm / 60, nm % 60);
    }
}

char *roster_describe(const roster *r, int day, int minute)
{
    char *text = NULL;
    size_t len = 0;
    int nd, nm;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return NULL;
    if (roster_is_open(r, day, minute))
        fprintf(f, "helpdesk open\n");
    else if (roster_next_opening(r, NULL, day, minute, &nd, &nm) >= 0)
        fprintf(f, "helpdesk closed; opens %s %02d:%02d\n", roster_day_name(nd), nm / 60, nm % 60);
    for (size_t i = 0; i < r->nslots; i++) {
        size_t j;
        for (j = 0; j < i; j++)
            if (strcmp(r->slots[j].department, r->slots[i].department) == 0)
                break;
        if (j == i)
            describe_department(f, r, r->slots[i].department, day, minute);
    }
    fprintf(f, "fallback");
    for (size_t i = 0; i < r->nfallback; i++)
        fprintf(f, " %s", r->fallback_phones[i]);
    fputc('\n', f);
    if (fclose(f) != 0) {
        free(text);
        return NULL;
    }
    return text;
}
