#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "period.h"

static void check_period(const char *s, char kind, int index, int first, int last,
                         const char *m_first, const char *m_last)
{
    struct period p;
    char buf[16];
    assert_int_equal(period_parse(s, &p), 0);
    assert_int_equal(p.kind, kind);
    assert_int_equal(p.index, index);
    assert_int_equal(p.first_month, first);
    assert_int_equal(p.last_month, last);
    period_first_month(&p, buf);
    assert_string_equal(buf, m_first);
    period_last_month(&p, buf);
    assert_string_equal(buf, m_last);
}

static void test_parse_valid(void **state)
{
    (void)state;
    check_period("2022", 'Y', 0, 1, 12, "2022-01", "2022-12");
    check_period("2022H1", 'H', 1, 1, 6, "2022-01", "2022-06");
    check_period("2022H2", 'H', 2, 7, 12, "2022-07", "2022-12");
    check_period("2022Q1", 'Q', 1, 1, 3, "2022-01", "2022-03");
    check_period("2022Q2", 'Q', 2, 4, 6, "2022-04", "2022-06");
    check_period("2022Q3", 'Q', 3, 7, 9, "2022-07", "2022-09");
    check_period("2022Q4", 'Q', 4, 10, 12, "2022-10", "2022-12");
    check_period("2022-03", 'M', 3, 3, 3, "2022-03", "2022-03");
    check_period("2022-12", 'M', 12, 12, 12, "2022-12", "2022-12");
    /* Typed by hand on a command line: lower case is accepted. */
    check_period("2022h2", 'H', 2, 7, 12, "2022-07", "2022-12");
    check_period("2023q1", 'Q', 1, 1, 3, "2023-01", "2023-03");

    struct period p;
    assert_int_equal(period_parse("2031H1", &p), 0);
    assert_int_equal(p.year, 2031);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "", "2022H3", "2022H0", "2022Q5", "2022Q0", "22H1", "2022-13", "2022-00",
        "2022-3", "2022-003", "2022H", "2022Q", "2022H12", "2022H1 ", " 2022H1", "2022X1",
        "abcd", "20a2", "1999", "1999H1", "2022/03", "2022-0a", "202", "H1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct period p;
        if (period_parse(bad[i], &p) != -1)
            fail_msg("period_parse accepted \"%s\"", bad[i]);
    }
}

static void test_format_roundtrip(void **state)
{
    (void)state;
    static const char *const ok[] = {"2022", "2022H1", "2022H2", "2022Q1", "2022Q4",
                                     "2022-01", "2022-11"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        struct period p;
        char buf[16];
        assert_int_equal(period_parse(ok[i], &p), 0);
        period_format(&p, buf, sizeof buf);
        assert_string_equal(buf, ok[i]);
    }
}

static void check_phrase(const char *s, const char *want)
{
    struct period p;
    char buf[32];
    assert_int_equal(period_parse(s, &p), 0);
    const char *got = period_phrase(&p, buf, sizeof buf);
    assert_ptr_equal(got, buf);
    assert_string_equal(got, want);
}

static void test_phrases(void **state)
{
    (void)state;
    check_phrase("2022H1", "上半年");
    check_phrase("2022H2", "下半年");
    check_phrase("2022Q1", "第一季度");
    check_phrase("2022Q2", "第二季度");
    check_phrase("2022Q3", "第三季度");
    check_phrase("2022Q4", "第四季度");
    check_phrase("2022", "全年");
    check_phrase("2022-03", "3月");
    check_phrase("2022-11", "11月");
}

static void test_date_parse(void **state)
{
    (void)state;
    int y = 0, m = 0, d = 0;
    assert_int_equal(date_parse("2024-02-29", &y, &m, &d), 1);
    assert_int_equal(y, 2024);
    assert_int_equal(m, 2);
    assert_int_equal(d, 29);
    assert_int_equal(date_parse("2000-02-29", NULL, NULL, NULL), 1);  /* divisible by 400 */
    assert_int_equal(date_parse("1900-02-29", NULL, NULL, NULL), 0);  /* by 100, not 400 */
    assert_int_equal(date_parse("2023-02-29", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2023-02-28", NULL, NULL, NULL), 1);
    assert_int_equal(date_parse("2022-04-31", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2022-12-31", NULL, NULL, NULL), 1);
    assert_int_equal(date_parse("2022-01-00", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2022-13-01", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2022-00-01", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2022-1-01", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2022/01/01", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("2022-01-01 ", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("0000-01-01", NULL, NULL, NULL), 0);
    assert_int_equal(date_parse("", NULL, NULL, NULL), 0);
}

static void test_month_parse(void **state)
{
    (void)state;
    int y = 0, m = 0;
    assert_int_equal(month_parse("2022-07", &y, &m), 1);
    assert_int_equal(y, 2022);
    assert_int_equal(m, 7);
    assert_int_equal(month_parse("2022-13", NULL, NULL), 0);
    assert_int_equal(month_parse("2022-00", NULL, NULL), 0);
    assert_int_equal(month_parse("2022-7", NULL, NULL), 0);
    assert_int_equal(month_parse("2022-07-01", NULL, NULL), 0);
}

static void test_date_days(void **state)
{
    (void)state;
    assert_int_equal(date_days(1970, 1, 1), 0);
    assert_int_equal(date_days(1970, 1, 2), 1);
    assert_int_equal(date_days(2000, 1, 1), 10957);
    /* Consecutive days across month, leap-day and year ends differ by one. */
    assert_int_equal(date_days(2022, 2, 1) - date_days(2022, 1, 31), 1);
    assert_int_equal(date_days(2024, 2, 29) - date_days(2024, 2, 28), 1);
    assert_int_equal(date_days(2024, 3, 1) - date_days(2024, 2, 29), 1);
    assert_int_equal(date_days(2023, 3, 1) - date_days(2023, 2, 28), 1);
    assert_int_equal(date_days(2023, 1, 1) - date_days(2022, 12, 31), 1);
    assert_int_equal(date_days(2025, 1, 1) - date_days(2024, 1, 1), 366);
    assert_int_equal(date_days(2023, 1, 1) - date_days(2022, 1, 1), 365);
    /* Every day of a few years, in order: strictly increasing by one. */
    long prev = date_days(2019, 12, 31);
    for (int y = 2020; y <= 2024; y++)
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d++) {
                char s[40];
                snprintf(s, sizeof s, "%04d-%02d-%02d", y, m, d);
                if (!date_parse(s, NULL, NULL, NULL))
                    continue;
                long cur = date_days(y, m, d);
                assert_int_equal(cur, prev + 1);
                prev = cur;
                /* and back: the inverse gives the same date */
                char back[11];
                date_from_days(cur, back);
                assert_string_equal(back, s);
            }
    char buf[11];
    date_from_days(0, buf);
    assert_string_equal(buf, "1970-01-01");
    date_from_days(-1, buf);
    assert_string_equal(buf, "1969-12-31");
    assert_int_equal(days_in_month(2024, 2), 29);
    assert_int_equal(days_in_month(2100, 2), 28);
    assert_int_equal(days_in_month(2022, 12), 31);
}

static void test_month_add(void **state)
{
    (void)state;
    int y = 2022, m = 1;
    month_add(&y, &m, -1);
    assert_int_equal(y, 2021);
    assert_int_equal(m, 12);
    month_add(&y, &m, 14);
    assert_int_equal(y, 2023);
    assert_int_equal(m, 2);
    month_add(&y, &m, -26);
    assert_int_equal(y, 2020);
    assert_int_equal(m, 12);
    month_add(&y, &m, 0);
    assert_int_equal(y, 2020);
    assert_int_equal(m, 12);
}

static void test_date_today_override(void **state)
{
    (void)state;
    char buf[11];
    assert_int_equal(setenv("SHIBAO_TODAY", "2022-06-30", 1), 0);
    date_today(buf);
    assert_string_equal(buf, "2022-06-30");
    /* An invalid override is ignored: the real date, still a valid one. */
    assert_int_equal(setenv("SHIBAO_TODAY", "2022-02-30", 1), 0);
    date_today(buf);
    assert_int_equal(date_parse(buf, NULL, NULL, NULL), 1);
    unsetenv("SHIBAO_TODAY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_format_roundtrip),
        cmocka_unit_test(test_phrases),
        cmocka_unit_test(test_date_parse),
        cmocka_unit_test(test_month_parse),
        cmocka_unit_test(test_date_days),
        cmocka_unit_test(test_month_add),
        cmocka_unit_test(test_date_today_override),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
