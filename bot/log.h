/* log.h — the one way Sampark's running processes speak to the operator: one line a call on
 * stderr, "sampark <who>: <message>", where <who> names the role that speaks ("sender",
 * "worker host:pid:n", "scheduler host:pid"; NULL for the process itself). Lines below the level
 * set from SAMPARK_LOG_LEVEL (error, warn, info, debug; info by default) are dropped. A line
 * never carries a phone number unmasked: callers pass text through text_mask_phone(s) or
 * text_mask_copy first. The CLI's answers and one-line usage errors are not logs: main.c prints
 * them itself, whatever the level. */
#ifndef SAMPARK_LOG_H
#define SAMPARK_LOG_H

/* Not LOG_INFO and friends: <syslog.h> takes those names. */
typedef enum { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG } log_level;

/* Reads "error", "warn", "info" or "debug"; -1 for anything else. */
int log_level_parse(const char *name, log_level *out);
/* Sets the level for the whole process (main.c, from the configuration, before any thread). */
void log_set_level(log_level level);
int log_enabled(log_level level);

void log_at(log_level level, const char *who, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define log_error(who, ...) log_at(LOG_LEVEL_ERROR, (who), __VA_ARGS__)
#define log_warn(who, ...)  log_at(LOG_LEVEL_WARN, (who), __VA_ARGS__)
#define log_info(who, ...)  log_at(LOG_LEVEL_INFO, (who), __VA_ARGS__)
#define log_debug(who, ...) log_at(LOG_LEVEL_DEBUG, (who), __VA_ARGS__)

#endif
