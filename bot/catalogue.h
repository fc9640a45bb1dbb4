/* catalogue.h — the message catalogue: every sentence the bot says outside the flow files (to
 * citizens about their cases, to officers, to the nodal officer and the collector), read from
 * messages.json beside the flows, per language, with named {placeholders}.
 *
 * The code names each message and says which placeholders its text must use (the table in
 * catalogue.c); the file says the words. So a district rewords a message, or adds Chhattisgarhi,
 * without a C change, and `sampark flows check` tells it what is wrong: a message missing, a
 * language missing, a placeholder the code does not fill or one the text leaves out, a text
 * longer than WhatsApp shows where it goes. */
#ifndef SAMPARK_CATALOGUE_H
#define SAMPARK_CATALOGUE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define CATALOGUE_FILE "messages.json"

/* The messages, in the order of the table in catalogue.c (its names are the file's keys). */
typedef enum msg_id {
    MSG_SATISFACTION_ASK,             /* the resolve note and "are you satisfied?" */
    MSG_ANSWER_YES,                   /* a button: yes */
    MSG_ANSWER_NO,                    /* a button: no */
    MSG_CASE_STATUS,                  /* a case's status, asked for by its tracking number */
    MSG_CASE_NOT_FOUND,               /* a tracking number not among the citizen's cases */
    MSG_OFFICER_REMINDER,             /* officers: a case near its due time */
    MSG_ESCALATION,                   /* nodal officer / collector: a case past its time */
    MSG_ESCALATION_REOPENED,          /* escalation's {reopened} */
    MSG_SATISFACTION_REMINDER,        /* citizen: the satisfaction question again */
    MSG_AUTO_CLOSED,                  /* citizen: closed for want of an answer */
    MSG_DOCS_LAPSED,                  /* officer: documents not sent in 7 days */
    MSG_DIGEST_HEAD,                  /* the digest's first two lines */
    MSG_DIGEST_DAILY,                 /* digest_head's {period} */
    MSG_DIGEST_WEEKLY,                /* digest_head's {period} */
    MSG_DIGEST_SATISFACTION,          /* the digest: the citizens' answers */
    MSG_DIGEST_DEPARTMENTS,           /* the digest: the departments' heading */
    MSG_DIGEST_OVERDUE,               /* the digest: a heading */
    MSG_DIGEST_REOPENED,              /* the digest: a heading */
    MSG_DIGEST_ROW,                   /* the digest: one case of a list */
    MSG_DIGEST_ROW_REOPENED,          /* digest_row's {reopened} */
    MSG_DIGEST_NONE,                  /* the digest template: no case overdue */
    MSG_OFFICER_HELP,                 /* officer: the commands */
    MSG_OFFICER_NOT_UNDERSTOOD,       /* officer: before the help */
    MSG_OFFICER_NEED_TRACKING,        /* officer: no tracking number */
    MSG_OFFICER_NO_CASE,              /* officer: no such case */
    MSG_OFFICER_SWIPED_CASE,          /* officer_no_case's case when swiped */
    MSG_OFFICER_NOT_YOURS,            /* officer: another department's case */
    MSG_OFFICER_CASE_CLOSED,          /* officer: the case is closed */
    MSG_OFFICER_EMPTY_TEXT,           /* officer: the command needs a text */
    MSG_OFFICER_NEED_DEPT,            /* officer: transfer to which department? */
    MSG_OFFICER_UNKNOWN_DEPT,         /* officer: no such department */
    MSG_OFFICER_SENT,                 /* officer: done, the citizen has it */
    MSG_OFFICER_RESOLVED,             /* officer: done, resolved */
    MSG_OFFICER_TRANSFERRED,          /* officer: done, moved */
    MSG_CITIZEN_OFFICER_REPLY,        /* citizen: the officer's reply */
    MSG_CITIZEN_DOCS_REQUEST,         /* citizen: what the officer needs */
    MSG_CITIZEN_TRANSFERRED,          /* citizen: the new department */
    MSG_OFFICER_CASES_HEAD,           /* officer: 'cases', a list */
    MSG_OFFICER_CASES_ROW,            /* officer: 'cases', one case */
    MSG_OFFICER_NO_CASES,             /* officer: 'cases', none */
    MSG_OFFICER_CASE_DETAILS,         /* officer: 'show' */
    MSG_OFFICER_CITIZEN_REMOVED,      /* a case's phone after retention */
    MSG_CASE_PLACE,                   /* a case's village or ward */
    MSG_OFFICER_CASE_SUMMARY,         /* officers: a case they get */
    MSG_OFFICER_NEW_CASE,             /* officer_case_summary's headline */
    MSG_OFFICER_URGENT_CASE,          /* officer_case_summary's headline */
    MSG_OFFICER_TRANSFERRED_CASE,     /* officer_case_summary's headline */
    MSG_CITIZEN_URGENT,               /* citizen: an urgent case, who knows */
    MSG_OFFICER_DIGEST_GONE,          /* the digest's 'Show the list', too late */
    MSG_OFFICER_REOPENED,             /* officers: the citizen is not satisfied */
    MSG_NO_REASON_GIVEN,              /* officer_reopened's reason when none came */
    MSG_CITIZEN_REOPENED,             /* citizen: reopened with their reason */
    MSG_CITIZEN_REOPENED_UNEXPLAINED, /* citizen: reopened, no reason came */
    MSG_CITIZEN_CLOSED,               /* citizen: satisfied, closed */
    MSG_CITIZEN_ASK_REASON,           /* citizen: not satisfied, why? */
    MSG_OFFICER_DOCS_TEXT,            /* officer: the citizen answered the request, in words */
    MSG_OFFICER_DOCS_FILE,            /* officer: the citizen answered the request, a file */
    MSG_CITIZEN_DOCS_RECEIVED,        /* citizen: documents passed on */
    MSG_RECENT_CASES,                 /* citizen: their other complaints, a list */
    MSG_RECENT_CASES_BUTTON,          /* recent_cases' list button */
    MSG_HELPDESK_NEW,                 /* officers: a helpdesk question */
    MSG_HELPDESK_HEADLINE_NEW,        /* helpdesk_new's headline: on duty */
    MSG_HELPDESK_HEADLINE_FALLBACK,   /* helpdesk_new's headline: to the fallback phones */
    MSG_HELPDESK_GENERAL,             /* a conversation about no department */
    MSG_HELPDESK_CITIZEN_WROTE,       /* officer: the citizen writes in a conversation */
    MSG_HELPDESK_TAKEN_BY,            /* officer: another officer has the conversation */
    MSG_HELPDESK_YOU_TOOK,            /* officer: the conversation is theirs */
    MSG_HELPDESK_NOT_OPEN,            /* officer: no open conversation by that number */
    MSG_HELPDESK_NOT_REACHED,         /* officer: the question did not go to them */
    MSG_HELPDESK_GONE,                /* officer: no conversation with that citizen is kept */
    MSG_HELPDESK_NEED_ID,             /* officer: which conversation? */
    MSG_HELPDESK_PICK,                /* officer: several open, which one is this for (a list) */
    MSG_HELPDESK_PICK_BUTTON,         /* helpdesk_pick's list button */
    MSG_HELPDESK_ENDED_OFFICER,       /* officer: ended */
    MSG_HELPDESK_CITIZEN_LEFT,        /* officer: the citizen left */
    MSG_HELPDESK_SILENCE_OFFICER,     /* officer: closed after 30 minutes of silence */
    MSG_HELPDESK_UNANSWERED_OFFICER,  /* officers: a question nobody took in a day, closed */
    MSG_HELPDESK_CASE_FILED,          /* officer: a case filed from the conversation */
    MSG_HELPDESK_TRANSCRIPT_HEAD,     /* a case's text filed from a conversation: its first line */
    MSG_HELPDESK_SIDE_CITIZEN,        /* the transcript: the citizen */
    MSG_HELPDESK_SIDE_OFFICER,        /* the transcript: the officer */
    MSG_HELPDESK_LIVE_NOTE,           /* citizen: the question is with the officers on duty */
    MSG_HELPDESK_WAIT_NOTE,           /* citizen: the desk is closed, the question waits */
    MSG_HELPDESK_WHEN_TODAY,          /* helpdesk_wait_note's {when}: today */
    MSG_HELPDESK_WHEN_TOMORROW,       /* helpdesk_wait_note's {when}: tomorrow */
    MSG_HELPDESK_WHEN_DAY,            /* helpdesk_wait_note's {when}: a later day */
    MSG_DAY_MON,                      /* a weekday's name */
    MSG_DAY_TUE,                      /* a weekday's name */
    MSG_DAY_WED,                      /* a weekday's name */
    MSG_DAY_THU,                      /* a weekday's name */
    MSG_DAY_FRI,                      /* a weekday's name */
    MSG_DAY_SAT,                      /* a weekday's name */
    MSG_DAY_SUN,                      /* a weekday's name */
    MSG_HELPDESK_OPENED,              /* citizen: the desk opened, the question went on */
    MSG_HELPDESK_OFFICER_JOINED,      /* citizen: an officer took the conversation */
    MSG_HELPDESK_OFFICER_SAYS,        /* citizen: the officer's message */
    MSG_HELPDESK_KEPT,                /* citizen: a message while the question waits for the desk to open */
    MSG_HELPDESK_RATE,                /* citizen: the conversation ended; did it help? (buttons) */
    MSG_HELPDESK_RATE_YES,            /* helpdesk_rate's button */
    MSG_HELPDESK_RATE_NO,             /* helpdesk_rate's button */
    MSG_HELPDESK_ENDED_BY_OFFICER,    /* helpdesk_rate's {ended}: the officer ended it */
    MSG_HELPDESK_ENDED_SILENCE,       /* helpdesk_rate's {ended}: 30 minutes of silence */
    MSG_HELPDESK_ENDED_LEFT,          /* helpdesk_rate's {ended}: the citizen left */
    MSG_HELPDESK_THANKS,              /* citizen: the rating is kept */
    MSG_HELPDESK_CASE_CITIZEN,        /* citizen: a case filed from the conversation */
    MSG_HELPDESK_ENDED_NOTE,          /* citizen: a reply to a conversation that has ended */
    MSG_HELPDESK_UNANSWERED,          /* citizen: nobody took the question in a day */
    MSG_MEDIA_NOTE,                   /* officer: a file outside the 24-hour window (template) */
    MSG_MORE_OPTIONS,                 /* a list's last row when options overflow */
    MSG_MORE_OPTIONS_DESC,            /* more_options' description */
    MSG_CHOOSE_BUTTON,                /* a list's button when the flow names none */
    MSG_DIGEST_INTERIM,               /* the digest: a heading */
    MSG_OFFICER_BAD_DATE,             /* officer: interim needs a date */
    MSG_OFFICER_INTERIM_SENT,         /* officer: done, interim reply sent */
    MSG_CITIZEN_INTERIM,              /* citizen: interim reply and date */
    MSG_OFFICER_REJECT_ASKED,         /* officer: the nodal officers decide */
    MSG_OFFICER_REJECT_WAITING,       /* officer: a request already waits */
    MSG_NODAL_REJECT,                 /* nodal officers: approve or return */
    MSG_OFFICER_ONLY_NODAL,           /* officer: approve/return are the nodal officers' */
    MSG_OFFICER_NOTHING_TO_DECIDE,    /* nodal officer: no request waits */
    MSG_OFFICER_REJECTED,             /* done: closed as not actionable */
    MSG_CITIZEN_REJECTED,             /* citizen: closed, and why */
    MSG_OFFICER_ASKER_REJECTED,       /* asking officer: approved */
    MSG_OFFICER_RETURNED,             /* nodal officer: done, sent back */
    MSG_OFFICER_ASKER_RETURNED,       /* asking officer: sent back with a note */
    MSG_OFFICER_TRANSFER_LIMIT,       /* officer: past the transfer limit */
    MSG_NODAL_TRANSFER,               /* nodal officers: a transfer past the limit */
    MSG_SIMILAR_ROW,                  /* citizen: a candidate case's row under its number */
    MSG_SIMILAR_AGE,                  /* similar_row's {age}: days ago */
    MSG_SIMILAR_TODAY,                /* similar_row's {age}: filed today */
    MSG_SIMILAR_NEARBY,               /* similar_row's {place}: matched by the map */
    MSG_OFFICER_SAME_REPORTED,        /* officers: another citizen joined a case */
    /* followers (SPEC section 12, issue 19) */
    MSG_SATISFACTION_RECORDED,        /* citizen/follower: yes kept, the others still to answer */
    MSG_CASE_REOPENED_OTHERS,         /* citizen/follower: reopened on someone else's "no" */
    MSG_CASE_MERGED,                  /* citizen: a tracking number merged into another */
    MSG_RECENT_FOLLOWED,              /* recent_cases: a followed case's mark */
    MSG_ESCALATION_FOLLOWERS,         /* escalation's {reopened}: many follow it */
    MSG_DIGEST_ROW_FOLLOWERS,         /* digest_row's {reopened}: many follow it */
    /* duplicate complaints, the officers' subject and merge (issue 19) */
    MSG_OFFICER_SUBJECT_BAD,          /* officer: a subject is one short line */
    MSG_OFFICER_SUBJECT_SET,          /* officer: done, the subject is set */
    MSG_OFFICER_MERGE_NEED_INTO,      /* officer: merge into which case? */
    MSG_OFFICER_MERGE_SELF,           /* officer: a case into itself */
    MSG_OFFICER_MERGE_INTO_CLOSED,    /* officer: the case to merge into is closed */
    MSG_OFFICER_MERGE_DEPTS,          /* officer: another department's case; transfer first */
    MSG_OFFICER_MERGED,               /* officer: done, merged */
    MSG_CITIZEN_MERGED,               /* citizen: their case merged; the number they follow now */
    /* STOP and START (SPEC section 13, issue 20) */
    MSG_BROADCASTS_STOPPED,           /* citizen: STOP, no broadcast reaches them now */
    MSG_BROADCASTS_STOPPED_CASES,     /* the same, with an open case: its updates still come */
    MSG_BROADCASTS_RESUMED,           /* citizen: START, their scheme updates again */
    MSG_BROADCASTS_ALLOWED,           /* citizen: START, never subscribed: broadcasts allowed */
    /* surveys after a broadcast (issue 20): an answer that does not fit, before the question */
    MSG_SURVEY_RETRY_RATING,          /* citizen: please pick 1 to 5 */
    MSG_SURVEY_RETRY_YES_NO,          /* citizen: please answer yes or no */
    MSG_SURVEY_RETRY_TEXT,            /* citizen: please type the answer in words */
    MSG_SURVEY_COMPLAINT_HINT,        /* citizen: after a written answer, how to file a complaint */
    MSG_SURVEY_STOPPED,               /* citizen: the survey's button after STOP: START first */
    MSG_SURVEY_RESUMED,               /* citizen: a survey resumed, how many questions are left */
    MSG_COUNT
} msg_id;

typedef struct catalogue catalogue;

/* Loads dir/messages.json. NULL + e naming the first problem (and how many there are). */
catalogue *catalogue_load(const char *dir, err *e);
void catalogue_free(catalogue *c);
/* SIGHUP: dir's catalogue replaces *cur when it loads cleanly (0); otherwise *cur stays and e
 * says why (-1). */
int catalogue_reload(catalogue **cur, const char *dir, err *e);
/* `flows check`: every problem of dir/messages.json, one line each, to out; the number of
 * problems (a missing file is one). */
int catalogue_check(const char *dir, FILE *out);
/* The text of id in lang ("hi", "en", "hne"; a missing hne is the Hindi), its placeholders
 * filled from keys/values (n pairs), cut to the message's limit. malloc'd; NULL when out of
 * memory. */
char *catalogue_say(const catalogue *c, msg_id id, const char *lang, const char *const *keys,
                    const char *const *values, size_t n);
/* catalogue_say with the placeholders written as name, value pairs ended by NULL:
 * catalogue_text(c, MSG_CASE_NOT_FOUND, lang, "tracking_no", t, NULL). malloc'd; NULL when out
 * of memory. */
char *catalogue_text(const catalogue *c, msg_id id, const char *lang, ...)
    __attribute__((sentinel));
/* The same into out (n bytes; a longer text is cut at a whole letter, an out-of-memory one is
 * ""); returns out. */
const char *catalogue_put(char *out, size_t n, const catalogue *c, msg_id id, const char *lang, ...)
    __attribute__((sentinel));
/* The language officers, the nodal officer and the collector are written to (the directory
 * does not record theirs). */
#define OFFICER_LANG "hi"
/* The text of id in lang as written ("hi", "en", "hne"), placeholders and all; NULL when the
 * file gives none in lang (hne is optional). For words another module fills itself. */
const char *catalogue_raw(const catalogue *c, msg_id id, const char *lang);
/* The message's name in the file ("case_status"). */
const char *catalogue_name(msg_id id);

#endif
