/* text: the one way a value is quoted in a message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "text.h"
#include "validate.h"

static void test_as_is(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(text_quote("食杂店 op-1", 40, b, sizeof b), "食杂店 op-1");
    assert_string_equal(text_quote("", 40, b, sizeof b), "");
}

static void test_controls_masked(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(text_quote("a\nb\rc\033[2Jd\x7f", 40, b, sizeof b), "a?b?c?[2Jd?");
}

/* Cut at max bytes or at what the buffer holds, never inside a character. */
static void test_cut_on_character(void **state)
{
    (void)state;
    char b[64], small[9];
    /* each 镇 is 3 bytes: 4 bytes allow one of them */
    assert_string_equal(text_quote("镇镇镇", 4, b, sizeof b), "镇...");
    assert_string_equal(text_quote("abcdef", 3, b, sizeof b), "abc...");
    /* a buffer of 9 holds 5 bytes and "...": one 镇 */
    assert_string_equal(text_quote("镇镇镇镇", 40, small, sizeof small), "镇...");
    assert_true(validate_utf8(small, strlen(small)));
    for (size_t n = 5; n <= sizeof b; n++) {
        text_quote("张家村张家村张家村张家村", 40, b, n);
        assert_true(strlen(b) < n);
        assert_true(validate_utf8(b, strlen(b)));
    }
}

/* One error helper for every module that hands a message back in a buffer:
 * formatted, cut to the buffer, and a NULL buffer is no crash. */
static void test_set_err(void **state)
{
    (void)state;
    char b[16];
    text_set_err(b, sizeof b, "township %s: %d", "420102001", 7);
    assert_string_equal(b, "township 420102");
    text_set_err(b, sizeof b, "镇 %d", 2);
    assert_string_equal(b, "镇 2");
    text_set_err(NULL, 0, "nothing %d", 1);
    b[0] = 'x';
    text_set_err(b, 0, "nothing");
    assert_int_equal(b[0], 'x');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_as_is),
        cmocka_unit_test(test_controls_masked),
        cmocka_unit_test(test_cut_on_character),
        cmocka_unit_test(test_set_err),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
