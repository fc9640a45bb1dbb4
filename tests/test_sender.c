/* test_sender.c — the pure parts of the sender: template parameter sanitising. */
#include "testutil.h"

#include <string.h>

#include "sender.h"
#include "text.h"

static void sanitizes_template_parameters(void **state)
{
    (void)state;
    char a[] = "line one\nline two\r\n\tand     five spaces  ";
    char b[2000];
    sender_sanitize_param(a);
    assert_string_equal(a, "line one line two and five spaces");
    memset(b, 'x', sizeof b - 1);
    b[sizeof b - 1] = '\0';
    sender_sanitize_param(b);
    assert_true(text_utf8_chars(b) <= 1024);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sanitizes_template_parameters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
