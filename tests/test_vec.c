/* test_vec.c — the one growable array (vec.h): typed arrays kept in their owner's fields grow
 * by doubling and keep what they hold; a size past SIZE_MAX is an error that changes nothing;
 * text grows NUL-terminated, and its first failed addition loses it for good, so one check at
 * the end sees it. No services. */
#include "testutil.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

struct pair {
    int a;
    const char *b;
};

static void arrays_grow_and_keep_their_elements(void **state)
{
    struct pair *items = NULL;
    size_t n = 0, cap = 0;
    (void)state;
    assert_int_equal(vec_reserve(items, cap, 0), 0); /* nothing asked, nothing allocated */
    assert_null(items);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(vec_reserve(items, cap, n + 1), 0);
        assert_true(cap >= n + 1);
        items[n++] = (struct pair){i, "x"};
    }
    assert_int_equal(cap, 1024); /* 16, then doubling */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(items[i].a, i);
    {
        struct pair *before = items;
        assert_int_equal(vec_reserve(items, cap, 1024), 0); /* room already: no move */
        assert_ptr_equal(items, before);
    }
    free(items);
}

static void a_jump_past_the_doubling_is_met_at_once(void **state)
{
    unsigned char *bytes = NULL;
    size_t cap = 0;
    (void)state;
    assert_int_equal(vec_reserve(bytes, cap, 5000), 0);
    assert_int_equal(cap, 8192);
    memset(bytes, 7, 5000);
    free(bytes);
}

static void an_impossible_size_fails_and_changes_nothing(void **state)
{
    long *items = NULL;
    size_t cap = 0;
    (void)state;
    assert_int_equal(vec_reserve(items, cap, 3), 0);
    items[0] = 42;
    {
        long *before = items;
        assert_int_equal(vec_reserve(items, cap, SIZE_MAX / 2), -1); /* bytes overflow */
        assert_int_equal(vec_reserve(items, cap, SIZE_MAX), -1);     /* count overflow */
        assert_ptr_equal(items, before);
        assert_int_equal(cap, 16);
        assert_int_equal(items[0], 42);
    }
    free(items);
}

static void text_grows_terminated(void **state)
{
    vec_str b = {0};
    char *s;
    (void)state;
    assert_null(vec_str_take(&b)); /* nothing added: nothing to hand over */
    assert_int_equal(vec_str_add(&b, "", 0), 0);
    assert_non_null(b.s);
    assert_string_equal(b.s, "");
    assert_int_equal(vec_str_add(&b, "शिकायत", strlen("शिकायत")), 0);
    for (int i = 0; i < 200; i++)
        assert_int_equal(vec_str_addf(&b, " %d", i), 0);
    assert_int_equal(vec_str_addf(&b, " %s (%d h)", "PHE", 48), 0);
    assert_int_equal(b.len, strlen(b.s));
    assert_true(strncmp(b.s, "शिकायत 0 1 2", strlen("शिकायत 0 1 2")) == 0);
    assert_string_equal(b.s + b.len - strlen(" 199 PHE (48 h)"), " 199 PHE (48 h)");
    s = vec_str_take(&b);
    assert_null(b.s);
    assert_int_equal(b.len, 0);
    assert_int_equal(vec_str_addf(&b, "%s", "again"), 0); /* taken: it starts afresh */
    assert_string_equal(b.s, "again");
    vec_str_free(&b);
    vec_str_free(&b); /* twice is harmless */
    free(s);
}

static void the_first_failure_loses_the_text_for_good(void **state)
{
    vec_str b = {0};
    (void)state;
    assert_int_equal(vec_str_addf(&b, "digest %d", 1), 0);
    assert_int_equal(vec_str_add(&b, "x", SIZE_MAX - 1), -1); /* cannot fit: nothing copied */
    assert_null(b.s);
    assert_true(b.failed);
    assert_int_equal(vec_str_addf(&b, "more"), -1); /* no piece after a lost one */
    assert_int_equal(vec_str_add(&b, "more", 4), -1);
    assert_null(b.s);
    assert_null(vec_str_take(&b));
    assert_false(b.failed); /* taken: empty and usable again */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(arrays_grow_and_keep_their_elements),
        cmocka_unit_test(a_jump_past_the_doubling_is_met_at_once),
        cmocka_unit_test(an_impossible_size_fails_and_changes_nothing),
        cmocka_unit_test(text_grows_terminated),
        cmocka_unit_test(the_first_failure_loses_the_text_for_good),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
