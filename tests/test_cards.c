/* cards: a county-level report read from the kept township cards is the
 * report computed from the villages' rows, and a card is only ever taken
 * while it is good (reporter/cards.h, reporter/countyview.h), on a real
 * SQLite file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cards.h"
#include "countyview.h"
#include "db.h"
#include "figures.h"
#include "report_json.h"
#include "rollup.h"

#define TA "320123101"
#define TB "320123102"

static void add(struct fx_rollup *fx, const char *town, const char *village, const char *month,
                const char *metric, int64_t delta)
{
    assert_int_equal(rollup_add(fx->r, town, village, month, metric, delta, NULL, NULL), 0);
}

/* Two townships with registrations, staffing, inspections, publicity, nil
 * reports and first receipts over 2021-2022. */
static void fill(struct fx_rollup *fx)
{
    static const char *const towns[] = {TA, TB};
    assert_int_equal(db_begin(fx->db), 0);
    for (int t = 0; t < 2; t++)
        for (int v = 1; v <= 4; v++)
            for (int m = 1; m <= 18; m++) {
                char village[32], month[16];
                snprintf(village, sizeof village, "%s%03d", towns[t], v);
                snprintf(month, sizeof month, "%04d-%02d", m <= 12 ? 2021 : 2022,
                         (m - 1) % 12 + 1);
                if ((m + v + t) % 5 == 0) {
                    add(fx, towns[t], village, month, "report.nil", 1);
                    continue;
                }
                add(fx, towns[t], village, month, "report.first_day", 18600 + m * 30 + v);
                add(fx, towns[t], village, month, "stock.reg.SMALL_SHOP", (m + v) % 3 == 0 ? -1 : 2);
                add(fx, towns[t], village, month, "events.registration", 2);
                add(fx, towns[t], village, month, "insp.kind.ROUTINE", v + t);
                add(fx, towns[t], village, month, "insp.outcome.RECTIFICATION_ORDERED", v % 2);
                add(fx, towns[t], village, month, "events.inspection", v + t);
                add(fx, towns[t], village, month, "pub.STUDY_SESSION", 1);
                add(fx, towns[t], village, month, "pub.copies", 100 * v);
                add(fx, towns[t], village, month, "events.publicity", 2);
                if (m == 2) {
                    add(fx, towns[t], village, month, "stock.staff.COORDINATOR", 1);
                    add(fx, towns[t], village, month, "stock.staff.INFORMATION_OFFICER", v % 2);
                    add(fx, towns[t], village, month, "events.staffing", 1 + v % 2);
                }
            }
    assert_true(profile_put(fx->r, TA, "name", "甲镇", 0, NULL) >= 0);
    assert_true(profile_put(fx->r, TB, "name", "乙镇", 0, NULL) >= 0);
    assert_int_equal(db_commit(fx->db), 0);
}

static int setup(void **state)
{
    int rc = fx_rollup_setup(state, "cards", ROLLUP_COUNTY);
    if (rc == 0)
        fill(*state);
    return rc;
}

static int teardown(void **state) { return fx_rollup_teardown(state); }

/* The county report as JSON (every township, its villages, the total), read
 * on a connection of its own as `report` does: malloc'd. */
static char *county_json(struct fx_rollup *fx, const char *period, const char *today, int ontime)
{
    struct figures_options opt;
    struct period p;
    struct county_view v;
    char err[256] = "", *buf = NULL;
    size_t len = 0;
    sqlite3 *ro = NULL;
    figures_options_default(&opt);
    opt.today = today;
    opt.ontime_days = ontime;
    assert_int_equal(period_parse(period, &p), 0);
    assert_int_equal(db_open_readonly(fx->path, &ro), 0);
    assert_int_equal(figures_county_view(ro, &p, &opt, &v, err, sizeof err), 0);
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(json_county(f, &v.total, v.towns, v.n), 0);
    fclose(f);
    figures_county_view_free(&v);
    db_close(&ro);
    return buf;
}

static int refresh(struct fx_rollup *fx, const char *today)
{
    struct figures_options opt;
    int more = 1, made = 0, n;
    figures_options_default(&opt);
    opt.today = today;
    while (more) {
        assert_true((n = countyview_refresh(fx->db, &opt, 1000, &more)) >= 0);
        made += n;
    }
    return made;
}

static long long count(struct fx_rollup *fx, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(fx->db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    long long n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

/* Puts TB's card body in TA's place for every period, keys untouched: a
 * report that reads TA's card then shows TB's figures under TB's code. */
static void swap_in_tb(struct fx_rollup *fx)
{
    assert_int_equal(db_exec(fx->db, "UPDATE township_card SET body = (SELECT b.body FROM"
                                     " township_card b WHERE b.township = '" TB "'"
                                     " AND b.period = township_card.period)"
                                     " WHERE township = '" TA "'"),
                     0);
}

/* Ended and running periods, read with cards, equal the computed report;
 * and the cards are what was read. */
static void test_cards_give_the_computed_report(void **state)
{
    struct fx_rollup *fx = *state;
    const char *today = "2022-09-15"; /* 2022H2 runs, 2022H1 and 2021H2 ended */
    char *h1 = county_json(fx, "2022H1", today, 10), *h2 = county_json(fx, "2022H2", today, 10);
    char *y21 = county_json(fx, "2021H2", today, 10);
    /* the current half-year and the one before; the newest data's (2022-06:
     * 2022H1) and the one before it, 2021H2: four periods, two townships */
    assert_int_equal(refresh(fx, today), 6);
    assert_int_equal(count(fx, "SELECT count(DISTINCT period) FROM township_card"), 3);
    assert_int_equal(refresh(fx, today), 0); /* all good: nothing to do */
    char *h1c = county_json(fx, "2022H1", today, 10), *h2c = county_json(fx, "2022H2", today, 10);
    char *y21c = county_json(fx, "2021H2", today, 10);
    assert_string_equal(h1c, h1);
    assert_string_equal(h2c, h2);
    assert_string_equal(y21c, y21);
    assert_non_null(strstr(h1, "\"township\":\"" TA "\""));
    swap_in_tb(fx);
    char *swapped = county_json(fx, "2022H1", today, 10);
    assert_null(strstr(swapped, "\"township\":\"" TA "\"")); /* TA's card was read */
    free(swapped);
    free(h1), free(h2), free(y21), free(h1c), free(h2c), free(y21c);
}

/* Any write to a township's rollups or profile makes its cards stale: the
 * report computes it again, and the next refresh remakes only its cards. */
static void test_a_write_makes_the_card_stale(void **state)
{
    struct fx_rollup *fx = *state;
    const char *today = "2022-09-15";
    assert_int_equal(refresh(fx, today), 6);
    swap_in_tb(fx);
    assert_int_equal(db_begin(fx->db), 0);
    add(fx, TA, TA "001", "2022-03", "insp.kind.ROUTINE", 7);
    add(fx, TA, TA "001", "2022-03", "events.inspection", 7);
    assert_int_equal(db_commit(fx->db), 0);
    char *fresh = county_json(fx, "2022H1", today, 10);
    assert_non_null(strstr(fresh, "\"township\":\"" TA "\"")); /* computed, not the swapped card */
    assert_int_equal(refresh(fx, today), 3);                     /* TA's three periods */
    char *carded = county_json(fx, "2022H1", today, 10);
    assert_string_equal(carded, fresh);
    free(carded);
    /* a profile entry counts as a write too */
    swap_in_tb(fx);
    assert_true(profile_put(fx->r, TA, "head", "张三", 0, NULL) >= 0);
    char *named = county_json(fx, "2022H1", today, 10);
    assert_non_null(strstr(named, "\"township\":\"" TA "\""));
    assert_non_null(strstr(named, "张三"));
    free(named);
    free(fresh);
}

/* A card is only taken when judged alike: other on-time days, or a running
 * period judged in another month, are computed. */
static void test_other_judgement_is_computed(void **state)
{
    struct fx_rollup *fx = *state;
    assert_int_equal(refresh(fx, "2022-09-15"), 6);
    swap_in_tb(fx);
    char *ontime = county_json(fx, "2022H1", "2022-09-15", 3);
    assert_non_null(strstr(ontime, "\"township\":\"" TA "\""));
    assert_non_null(strstr(ontime, "\"ontime_days\":3"));
    char *later = county_json(fx, "2022H2", "2022-10-02", 10); /* running: a month on */
    assert_non_null(strstr(later, "\"township\":\"" TA "\""));
    char *ended = county_json(fx, "2022H1", "2023-03-01", 10); /* ended: same judgement */
    assert_null(strstr(ended, "\"township\":\"" TA "\""));
    free(ontime), free(later), free(ended);
}

/* A card another build wrote (its header differs) is never read as ours. */
static void test_another_builds_card_is_ignored(void **state)
{
    struct fx_rollup *fx = *state;
    assert_int_equal(refresh(fx, "2022-09-15"), 6);
    swap_in_tb(fx);
    assert_int_equal(db_exec(fx->db, "UPDATE township_card SET body = X'00' || substr(body, 2)"
                                     " WHERE township = '" TA "'"),
                     0);
    char *j = county_json(fx, "2022H1", "2022-09-15", 10);
    assert_non_null(strstr(j, "\"township\":\"" TA "\""));
    free(j);
    assert_int_equal(db_exec(fx->db, "UPDATE township_card SET body = X'0102'"
                                     " WHERE township = '" TA "'"),
                     0);
    j = county_json(fx, "2022H1", "2022-09-15", 10);
    assert_non_null(strstr(j, "\"township\":\"" TA "\""));
    free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cards_give_the_computed_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_write_makes_the_card_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_judgement_is_computed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_another_builds_card_is_ignored, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
