/* rollup: the sums a county's triggers keep (stock levels, flow totals,
 * events per village) stay the sums of the rollups whatever order rows
 * arrive, change or vanish in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "rollup.h"

#define T "420102001"
#define V1 "420102001201"
#define V2 "420102001202"
#define M "stock.reg.SMALL_SHOP"

struct fx {
    char dir[64], path[96];
    sqlite3 *db;
    rollup_t *r;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_int_equal(fx_tmpdir(f->dir, sizeof f->dir, "rollup"), 0);
    assert_int_equal(fx_db_open(f->dir, "r.db", f->path, sizeof f->path, &f->db), 0);
    assert_int_equal(rollup_new(f->db, ROLLUP_COUNTY, &f->r), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    rollup_destroy(&f->r);
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

/* One integer from sql, or -999 when there is no row. */
static int64_t one(struct fx *f, const char *sql) { return fx_sql_int(f->db, sql, -999); }

static int64_t level(struct fx *f, const char *village, const char *month)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT level FROM stock_level WHERE township = '" T "' AND metric = '" M "'"
             " AND village = '%s' AND month = '%s'", village, month);
    return one(f, sql);
}

static void add(struct fx *f, const char *village, const char *month, int64_t delta)
{
    assert_int_equal(rollup_add(f->r, T, village, month, M, delta, NULL, NULL), 0);
}

/* Deltas after the end of the span, before its start and inside it: every
 * month between holds the running sum, the key its latest level. */
static void test_span_filled_both_ways(void **state)
{
    struct fx *f = *state;
    add(f, V1, "2022-03", 2);
    add(f, V1, "2022-06", 1);  /* after the end: April and May carry 2 */
    add(f, V1, "2021-12", 5);  /* before the start: December to February hold 5 */
    add(f, V1, "2022-04", -1); /* inside */
    assert_int_equal(level(f, V1, "2021-11"), -999);
    assert_int_equal(level(f, V1, "2021-12"), 5);
    assert_int_equal(level(f, V1, "2022-02"), 5);
    assert_int_equal(level(f, V1, "2022-03"), 7);
    assert_int_equal(level(f, V1, "2022-04"), 6);
    assert_int_equal(level(f, V1, "2022-05"), 6);
    assert_int_equal(level(f, V1, "2022-06"), 7);
    assert_int_equal(level(f, V1, "2022-07"), -999);
    assert_int_equal(one(f, "SELECT level FROM stock_keys"), 7);
    assert_int_equal(one(f, "SELECT first_month || last_month = '2021-122022-06' FROM stock_keys"), 1);
    assert_int_equal(rollup_check_sums(f->db), 0);
    /* a flow metric keeps no level */
    assert_int_equal(rollup_add(f->r, T, V1, "2022-03", "events.registration", 4, NULL, NULL), 0);
    assert_int_equal(one(f, "SELECT count(*) FROM stock_keys"), 1);
}

/* "YYYY-MM" of month m from 2021-01 (m < 24). */
static void month_of(int m, char out[8])
{
    snprintf(out, 8, "%04u-%02u", 2021u + (unsigned)m / 12u % 2u, 1u + (unsigned)m % 12u);
}

/* The county's absolute values (rollup_put), replaced and deleted in a
 * random order, against a model of the sums: the triggers agree with it
 * and with rollup_check_sums at every step. */
static void test_random_order_against_a_model(void **state)
{
    struct fx *f = *state;
    static const char *const villages[] = {V1, V2};
    int64_t model[2][24] = {{0}};
    uint64_t version = 1;
    srand(20221129);
    for (int step = 0; step < 400; step++) {
        int v = rand() % 2, m = rand() % 24;
        char month[8];
        month_of(m, month);
        if (rand() % 5 == 0) {
            char sql[256];
            snprintf(sql, sizeof sql,
                     "DELETE FROM rollup WHERE village = '%s' AND month = '%s'", villages[v], month);
            assert_int_equal(db_exec(f->db, sql), 0);
            model[v][m] = 0;
        } else {
            int64_t value = rand() % 7 - 3;
            assert_int_equal(rollup_put(f->r, T, villages[v], month, M, value, version++), 1);
            model[v][m] = value;
        }
        if (step % 40 == 39)
            assert_int_equal(rollup_check_sums(f->db), 0);
    }
    for (int v = 0; v < 2; v++) {
        int64_t sum = 0, total = 0;
        char sql[256], span[16];
        for (int m = 0; m < 24; m++)
            total += model[v][m];
        snprintf(sql, sizeof sql, "SELECT level FROM stock_keys WHERE village = '%s'", villages[v]);
        assert_int_equal(one(f, sql), total);
        for (int m = 0; m < 24; m++) {
            char month[8];
            month_of(m, month);
            sum += model[v][m];
            int64_t got = level(f, villages[v], month);
            if (got != -999) {
                assert_int_equal(got, sum);
                continue;
            }
            /* no row: the month is outside the key's span, where the level is
             * 0 before it and the key's level after it */
            snprintf(sql, sizeof sql,
                     "SELECT CASE WHEN '%s' < first_month THEN 1 WHEN '%s' > last_month THEN 2"
                     " ELSE 0 END FROM stock_keys WHERE village = '%s'", month, month, villages[v]);
            int64_t where = one(f, sql);
            snprintf(span, sizeof span, "%s", where == 1 ? "before" : where == 2 ? "after" : "inside");
            assert_string_not_equal(span, "inside");
            assert_int_equal(sum, where == 1 ? 0 : total);
        }
    }
    assert_int_equal(rollup_check_sums(f->db), 0);
    /* a level set wrong by hand is found */
    assert_int_equal(db_exec(f->db, "UPDATE stock_keys SET level = level + 1 WHERE village = '" V2 "'"), 0);
    assert_int_equal(rollup_check_sums(f->db), 1);
}

/* Flows put, replaced and deleted in a random order: the township's sum of
 * each metric and month, and each village's events per month, equal a
 * model's, and a total set wrong by hand is found. */
static void test_flow_totals_against_a_model(void **state)
{
    struct fx *f = *state;
    static const char *const villages[] = {V1, V2};
    static const char *const metrics[] = {"events.inspection", "events.registration", "pub.copies"};
    int64_t model[2][3][12] = {{{0}}};
    uint64_t version = 1;
    srand(1129);
    for (int step = 0; step < 400; step++) {
        int v = rand() % 2, k = rand() % 3, m = rand() % 12;
        char month[8], sql[256];
        month_of(m, month);
        if (rand() % 5 == 0) {
            snprintf(sql, sizeof sql,
                     "DELETE FROM rollup WHERE village = '%s' AND metric = '%s' AND month = '%s'",
                     villages[v], metrics[k], month);
            assert_int_equal(db_exec(f->db, sql), 0);
            model[v][k][m] = 0;
        } else {
            int64_t value = rand() % 50;
            assert_int_equal(rollup_put(f->r, T, villages[v], month, metrics[k], value, version++), 1);
            model[v][k][m] = value;
        }
    }
    for (int m = 0; m < 12; m++) {
        char month[8], sql[256];
        month_of(m, month);
        for (int k = 0; k < 3; k++) {
            snprintf(sql, sizeof sql,
                     "SELECT coalesce((SELECT value FROM flow_total WHERE metric = '%s' AND month = '%s'), 0)",
                     metrics[k], month);
            assert_int_equal(one(f, sql), model[0][k][m] + model[1][k][m]);
        }
        for (int v = 0; v < 2; v++) {
            snprintf(sql, sizeof sql,
                     "SELECT coalesce((SELECT events FROM village_events WHERE village = '%s'"
                     " AND month = '%s'), 0)", villages[v], month);
            assert_int_equal(one(f, sql), model[v][0][m] + model[v][1][m]);
        }
    }
    assert_int_equal(rollup_check_sums(f->db), 0);
    assert_int_equal(db_exec(f->db, "UPDATE flow_total SET value = value + 1 WHERE (metric, month) ="
                                    " (SELECT metric, month FROM flow_total LIMIT 1)"), 0);
    assert_int_equal(rollup_check_sums(f->db), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_span_filled_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_random_order_against_a_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_flow_totals_against_a_model, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
