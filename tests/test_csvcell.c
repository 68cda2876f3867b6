/* csvcell: the one writer of CSV cells (SECURITY.md finding 7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csvcell.h"

/* The cell csvcell_text writes for s. */
static void expect_text(const char *s, const char *want)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    csvcell_text(m, s);
    fclose(m);
    assert_string_equal(buf, want);
    free(buf);
}

static void test_formula_starts_neutralised(void **state)
{
    (void)state;
    expect_text("=HYPERLINK(\"http://x/\",\"a\")", "\"'=HYPERLINK(\"\"http://x/\"\",\"\"a\"\")\"");
    expect_text("+1", "\"'+1\"");
    expect_text("-2+3", "\"'-2+3\"");
    expect_text("@SUM(A1:A9)", "\"'@SUM(A1:A9)\"");
    expect_text("\t=1", "\"'\t=1\"");
    expect_text("\r=1", "\"'\r=1\"");
    /* a text cell that looks like a negative number is still text */
    expect_text("-2", "\"'-2\"");
    /* full-width forms, in case input conversion turns them into ASCII */
    expect_text("＝1+1", "\"'＝1+1\"");
    expect_text("＋1", "\"'＋1\"");
    expect_text("－1", "\"'－1\"");
    expect_text("＠SUM(1)", "\"'＠SUM(1)\"");
}

static void test_plain_text_unchanged(void **state)
{
    (void)state;
    expect_text("", "");
    expect_text("王芳", "王芳");
    expect_text("a=b", "a=b");          /* only the first character counts */
    expect_text("83.3%", "83.3%");
    expect_text("2022-03", "2022-03");
    expect_text("李,\"四\"", "\"李,\"\"四\"\"\"");
    expect_text("两\n行", "\"两\n行\"");
    assert_int_equal(csvcell_is_formula("=1"), 1);
    assert_int_equal(csvcell_is_formula("1="), 0);
    assert_int_equal(csvcell_is_formula(""), 0);
}

static void test_numbers_stay_numbers(void **state)
{
    (void)state;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    csvcell_number(m, -5);
    fputc(',', m);
    csvcell_number(m, 0);
    fputc(',', m);
    csvcell_number(m, INT64_MAX);
    fclose(m);
    assert_string_equal(buf, "-5,0,9223372036854775807");
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formula_starts_neutralised),
        cmocka_unit_test(test_plain_text_unchanged),
        cmocka_unit_test(test_numbers_stay_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
