/* test_portal.c — the portal's pure parts (issue 17): which /portal/ paths name a file of web/
 * (no traversal, no hidden files) and the Content-Type of each; the case list's filters,
 * cursor and CSV quoting (cases_query). No services. */
#include "testutil.h"

#include <string.h>

#include "portal.h"

static void static_names(void **state)
{
    char out[256];
    (void)state;
    assert_int_equal(portal_static_name("/portal/", out, sizeof out), 0);
    assert_string_equal(out, "index.html");
    assert_int_equal(portal_static_name("/portal/app.js", out, sizeof out), 0);
    assert_string_equal(out, "app.js");
    assert_int_equal(portal_static_name("/portal/fonts/NotoSansDevanagari-Regular.woff2", out,
                                        sizeof out),
                     0);
    assert_string_equal(out, "fonts/NotoSansDevanagari-Regular.woff2");
    static const char *const refused[] = {
        "/portal/../README.md", "/portal/..", "/portal/./app.js", "/portal/.git/config",
        "/portal//etc/passwd",  "/portal/a//b", "/portal/a/", "/portal/a/../../b",
        "/portal/a\\b",         "/portal/a b", "/portal/a%2e", "/portal/app.js?x",
        "/portal",              "/api/cases", "/portal/fonts/.hidden", "/portal/\x01",
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        assert_int_equal(portal_static_name(refused[i], out, sizeof out), -1);
    /* A name longer than the buffer is refused, not cut. */
    assert_int_equal(portal_static_name("/portal/abcdefghij.js", out, 8), -1);
}

static void content_types(void **state)
{
    (void)state;
    assert_string_equal(portal_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(portal_content_type("app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(portal_content_type("style.css"), "text/css; charset=utf-8");
    assert_string_equal(portal_content_type("f.woff2"), "font/woff2");
    assert_string_equal(portal_content_type("LICENSE"), "application/octet-stream");
    assert_string_equal(portal_content_type("x.js.bak"), "application/octet-stream");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(static_names),
        cmocka_unit_test(content_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
