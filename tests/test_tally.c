#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tally.h"

static void test_metric_ids(void **state)
{
    (void)state;
    tally_t *t = NULL;
    assert_int_equal(tally_new(&t), 0);
    int a = tally_metric(t, "insp.kind.routine");
    int b = tally_metric(t, "pub.copies");
    assert_true(a >= 0 && b >= 0 && a != b);
    assert_int_equal(tally_metric(t, "insp.kind.routine"), a);
    assert_string_equal(tally_metric_name(t, b), "pub.copies");
    assert_null(tally_metric_name(t, 999));
    char longname[80];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(tally_metric(t, longname), -1);
    tally_destroy(&t);
    assert_null(t);
}

/* Sums per key, zero sums dropped, sorted in the rollup's key order. */
static void test_sums_sorted(void **state)
{
    (void)state;
    tally_t *t = NULL;
    assert_int_equal(tally_new(&t), 0);
    int m1 = tally_metric(t, "stock.reg.restaurant");
    int m2 = tally_metric(t, "events.inspection");
    assert_int_equal(tally_add(t, "420102001202", "2022-03", m1, 1), 0);
    assert_int_equal(tally_add(t, "420102001201", "2022-03", m1, 2), 0);
    assert_int_equal(tally_add(t, "420102001201", "2022-02", m2, 5), 0);
    assert_int_equal(tally_add(t, "420102001202", "2022-03", m1, 3), 0);
    assert_int_equal(tally_add(t, "420102001201", "2022-04", m1, 1), 0);
    assert_int_equal(tally_add(t, "420102001201", "2022-04", m1, -1), 0); /* cancels out */
    assert_int_equal(tally_add(t, "420102001201", "2022-04", m2, 0), 0);
    assert_int_equal(tally_add(t, "420102001201", "2022-04", 77, 1), -1);     /* unknown id */
    assert_int_equal(tally_add(t, "4201020012011234", "2022-04", m1, 1), -1); /* too long */
    assert_int_equal(tally_add(t, "420102001201", "2022-4", m1, 1), -1);

    const struct tally_entry *e = NULL;
    size_t n = 0;
    assert_int_equal(tally_entries(t, &e, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(e[0].metric, "events.inspection");
    assert_string_equal(e[0].month, "2022-02");
    assert_int_equal(e[0].value, 5);
    assert_string_equal(e[1].metric, "stock.reg.restaurant");
    assert_string_equal(e[1].village, "420102001201");
    assert_int_equal(e[1].value, 2);
    assert_string_equal(e[2].village, "420102001202");
    assert_int_equal(e[2].value, 4);

    tally_clear(t);
    assert_int_equal(tally_entries(t, &e, &n), 0);
    assert_int_equal(n, 0);
    /* ids survive a clear; sums start again from zero */
    assert_int_equal(tally_metric(t, "events.inspection"), m2);
    assert_int_equal(tally_add(t, "420102001202", "2022-03", m1, 7), 0);
    assert_int_equal(tally_entries(t, &e, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].value, 7);
    tally_destroy(&t);
}

static void test_marks(void **state)
{
    (void)state;
    tally_t *t = NULL;
    assert_int_equal(tally_new(&t), 0);
    assert_int_equal(tally_mark(t, "420102001201", "2022-03", 1u), 1);
    assert_int_equal(tally_mark(t, "420102001201", "2022-03", 1u), 0);
    assert_int_equal(tally_mark(t, "420102001201", "2022-03", 2u), 1);
    assert_int_equal(tally_mark(t, "420102001202", "2022-03", 1u), 1);
    assert_int_equal(tally_mark(t, "420102001201", "2022-04", 1u), 1);
    /* one bit cleared everywhere, the others kept */
    tally_unmark(t, 1u);
    assert_int_equal(tally_mark(t, "420102001201", "2022-03", 1u), 1);
    assert_int_equal(tally_mark(t, "420102001202", "2022-03", 1u), 1);
    assert_int_equal(tally_mark(t, "420102001201", "2022-03", 2u), 0);
    tally_clear(t);
    assert_int_equal(tally_mark(t, "420102001201", "2022-03", 1u), 1);
    tally_destroy(&t);
}

/* What is held for a key, before it is written. */
static void test_value(void **state)
{
    (void)state;
    tally_t *t = NULL;
    assert_int_equal(tally_new(&t), 0);
    int m = tally_metric(t, "late.last_day");
    assert_int_equal(tally_value(t, "420102001201", "2022-03", m), 0); /* empty tally */
    assert_int_equal(tally_add(t, "420102001201", "2022-03", m, 40), 0);
    assert_int_equal(tally_add(t, "420102001201", "2022-03", m, 2), 0);
    assert_int_equal(tally_value(t, "420102001201", "2022-03", m), 42);
    assert_int_equal(tally_value(t, "420102001202", "2022-03", m), 0);
    assert_int_equal(tally_value(t, "420102001201", "2022-03", tally_metric(t, "other")), 0);
    tally_clear(t);
    assert_int_equal(tally_value(t, "420102001201", "2022-03", m), 0);
    tally_destroy(&t);
}

/* Many keys: the table grows (and is dropped past its size on clear)
 * without losing a sum. */
static void test_many_keys(void **state)
{
    (void)state;
    tally_t *t = NULL;
    assert_int_equal(tally_new(&t), 0);
    int m = tally_metric(t, "events.publicity");
    char village[32], month[32]; /* room for any int: -O1 checks the formats */
    for (int round = 0; round < 2; round++) {
        for (int v = 0; v < 100; v++)
            for (int mo = 0; mo < 60; mo++) {
                snprintf(village, sizeof village, "420102001%03d", v);
                snprintf(month, sizeof month, "%04d-%02d", 2018 + mo / 12, mo % 12 + 1);
                assert_int_equal(tally_add(t, village, month, m, v + 1), 0);
                assert_int_equal(tally_add(t, village, month, m, 1), 0);
            }
        const struct tally_entry *e = NULL;
        size_t n = 0;
        assert_int_equal(tally_entries(t, &e, &n), 0);
        assert_int_equal(n, 6000);
        int64_t total = 0;
        for (size_t i = 0; i < n; i++) {
            total += e[i].value;
            if (i)
                assert_true(strcmp(e[i - 1].month, e[i].month) < 0 ||
                            (strcmp(e[i - 1].month, e[i].month) == 0 &&
                             strcmp(e[i - 1].village, e[i].village) < 0));
        }
        assert_int_equal(total, 60 * (100 * 101 / 2 + 100));
        tally_clear(t);
    }
    tally_destroy(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metric_ids),
        cmocka_unit_test(test_sums_sorted),
        cmocka_unit_test(test_marks),
        cmocka_unit_test(test_value),
        cmocka_unit_test(test_many_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
