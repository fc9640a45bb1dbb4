/* officer.h — the officers' command grammar (SPEC section 8), pure: an officer's WhatsApp
 * message → one command. English and Hindi keywords, any case; the tracking number may
 * stand anywhere in the text (hyphens and case optional). A message with no keyword that
 * swipe-replies to one of our notifications is a reply on that case. */
#ifndef SAMPARK_OFFICER_H
#define SAMPARK_OFFICER_H

#include <stddef.h>

typedef enum officer_cmd {
    OFFICER_UNKNOWN,
    OFFICER_HELP,
    OFFICER_REPLY,    /* reply <TRACKING> <text>, or a swipe-reply */
    OFFICER_DOCS,     /* docs <TRACKING> <what is needed> */
    OFFICER_RESOLVE,  /* resolve <TRACKING> <note> */
    OFFICER_TRANSFER, /* transfer <TRACKING> <DEPT> */
    OFFICER_CASES,    /* cases */
    OFFICER_SHOW,     /* show <TRACKING> */
    OFFICER_INTERIM,  /* interim <TRACKING> <DD-MM-YYYY> <reason> (issue 16's case rules) */
    OFFICER_REJECT,   /* reject <TRACKING> <reason>: close as not actionable, if approved */
    OFFICER_APPROVE,  /* approve <TRACKING>: a nodal officer closes it as rejected */
    OFFICER_RETURN,   /* return <TRACKING> <note>: a nodal officer sends it back */
    OFFICER_SUBJECT,  /* subject <TRACKING> <text>: the case's public subject (issue 19) */
    OFFICER_MERGE,    /* merge <TRACKING> <INTO-TRACKING>: a duplicate closed into another */
} officer_cmd;

typedef struct officer_command {
    officer_cmd cmd;
    int swipe;         /* a reply by swiping a notification (the case comes from context) */
    char tracking[32]; /* canonical BLB-2026-000123, "" when none was written */
    char into[32];     /* merge: the second tracking number, canonical; "" when none */
    char dept[24];     /* transfer target, upper-case */
    char date[11];     /* interim: the expected date as YYYY-MM-DD; "" when none or not a date */
    char text[16400];  /* the rest: reply text, documents needed, resolution note (4096 letters) */
} officer_command;

/* Parses text; context_id non-empty when the officer swipe-replied to a message. */
void officer_parse(const char *text, const char *context_id, officer_command *out);
/* The command's name for messages and events ("reply", "resolve"...). */
const char *officer_cmd_name(officer_cmd c);
/* Finds a tracking number in s and writes its canonical form; 1 found, 0 not. */
int officer_find_tracking(const char *s, char out[32], const char **start, const char **end);

#endif
