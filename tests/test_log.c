/* test_log.c — the one logging function (log.h): a line is "sampark <who>: <message>" (or
 * "sampark: <message>" for the process itself) in one piece, a message longer than the stack
 * buffer is not cut, and lines past the level are dropped. Reads its own stderr through a
 * temporary file. No services. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs fn with stderr going to a temporary file; returns what it wrote (free it). */
static char *captured(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    int saved = dup(2);
    long n;
    char *out;
    assert_non_null(tmp);
    fflush(stderr);
    dup2(fileno(tmp), 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    n = ftell(tmp);
    assert_true(n >= 0);
    out = calloc(1, (size_t)n + 1);
    rewind(tmp);
    assert_int_equal(fread(out, 1, (size_t)n, tmp), (size_t)n);
    fclose(tmp);
    return out;
}

static void speak(void)
{
    log_info(NULL, "serving on %s:%d", "127.0.0.1", 8080);
    log_warn("sender", "%s (retrying)", "Graph API: 500");
    log_error("worker host:1:1", "flows not reloaded, keeping the running set: %s", "zz.json");
    log_debug("sender", "not shown at info");
}

static void lines_name_who_speaks(void **state)
{
    char *out;
    (void)state;
    log_set_level(LOG_LEVEL_INFO);
    out = captured(speak);
    assert_string_equal(out, "sampark: serving on 127.0.0.1:8080\n"
                             "sampark sender: Graph API: 500 (retrying)\n"
                             "sampark worker host:1:1: flows not reloaded, keeping the running "
                             "set: zz.json\n");
    free(out);
}

static void the_level_drops_what_is_past_it(void **state)
{
    char *out;
    (void)state;
    log_set_level(LOG_LEVEL_WARN);
    out = captured(speak);
    assert_null(strstr(out, "serving on"));
    assert_non_null(strstr(out, "(retrying)"));
    assert_non_null(strstr(out, "flows not reloaded"));
    free(out);
    log_set_level(LOG_LEVEL_ERROR);
    out = captured(speak);
    assert_string_equal(out, "sampark worker host:1:1: flows not reloaded, keeping the running "
                             "set: zz.json\n");
    free(out);
    log_set_level(LOG_LEVEL_DEBUG);
    out = captured(speak);
    assert_non_null(strstr(out, "sampark sender: not shown at info\n"));
    free(out);
    assert_true(log_enabled(LOG_LEVEL_ERROR));
    log_set_level(LOG_LEVEL_INFO);
    assert_false(log_enabled(LOG_LEVEL_DEBUG));
}

static char long_text[5000];

static void speak_long(void)
{
    log_info("sender (dry-run)", "to 9198******09 text: %s", long_text);
}

static void a_long_line_is_whole(void **state)
{
    char *out;
    (void)state;
    memset(long_text, 'a', sizeof long_text - 1);
    log_set_level(LOG_LEVEL_INFO);
    out = captured(speak_long);
    assert_int_equal(strlen(out), strlen("sampark sender (dry-run): to 9198******09 text: ") +
                                      sizeof long_text - 1 + 1);
    assert_true(out[strlen(out) - 2] == 'a' && out[strlen(out) - 1] == '\n');
    free(out);
}

static void level_names(void **state)
{
    log_level l;
    (void)state;
    assert_int_equal(log_level_parse("error", &l), 0);
    assert_int_equal(l, LOG_LEVEL_ERROR);
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("INFO", &l), -1);
    assert_int_equal(log_level_parse("", &l), -1);
}

/* The level is the process's: each test leaves it at the default. */
static int back_to_info(void **state)
{
    (void)state;
    log_set_level(LOG_LEVEL_INFO);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(lines_name_who_speaks, back_to_info),
        cmocka_unit_test_teardown(the_level_drops_what_is_past_it, back_to_info),
        cmocka_unit_test_teardown(a_long_line_is_whole, back_to_info),
        cmocka_unit_test(level_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
