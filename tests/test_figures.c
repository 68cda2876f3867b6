/* figures: the 25 figures and their supporting numbers from rollups, on
 * real SQLite files. Over 800 lines: one case per figure rule, kept with
 * the module they test (reporter/figures.c). */
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
#include "countyview.h"
#include "figures.h"
#include "rollup.h"

#define TA "320123101"
#define TB "320123102"
#define TC "320123103"
#define A1 TA "001"
#define A2 TA "002"
#define A3 TA "003"
#define A4 TA "004"
#define A5 TA "005"
#define B1 TB "001"

static int setup(void **state) { return fx_rollup_setup(state, "figures", ROLLUP_COUNTY); }

static int teardown(void **state) { return fx_rollup_teardown(state); }

static void add(struct fx_rollup *fx, const char *town, const char *village, const char *month,
                const char *metric, int64_t delta)
{
    assert_int_equal(rollup_add(fx->r, town, village, month, metric, delta, NULL, NULL), 0);
}

static void prof(struct fx_rollup *fx, const char *town, const char *key, const char *value)
{
    assert_true(profile_put(fx->r, town, key, value, 0, NULL) >= 0);
}

/* A stock change and the event that caused it, as the aggregator records them. */
static void reg(struct fx_rollup *fx, const char *village, const char *month, const char *cat,
                int64_t delta)
{
    char m[64];
    snprintf(m, sizeof m, "stock.reg.%s", cat);
    add(fx, TA, village, month, m, delta);
    add(fx, TA, village, month, "events.registration", delta < 0 ? -delta : delta);
}

static void staff(struct fx_rollup *fx, const char *village, const char *month, const char *role,
                  int64_t delta)
{
    char m[64];
    snprintf(m, sizeof m, "stock.staff.%s", role);
    add(fx, TA, village, month, m, delta);
    add(fx, TA, village, month, "events.staffing", delta < 0 ? -delta : delta);
}

/* Township A, period 2022H1 = 2022-01..2022-06. Rows before the period count
 * for stocks only; rows after it never count. */
static void fill_a(struct fx_rollup *fx)
{
    assert_int_equal(db_begin(fx->db), 0);
    reg(fx, A1, "2021-11", "PRODUCTION_ENTERPRISE", 3);
    reg(fx, A1, "2022-03", "PRODUCTION_ENTERPRISE", -1);
    reg(fx, A2, "2022-05", "PRODUCTION_ENTERPRISE", 2);
    reg(fx, A1, "2022-08", "PRODUCTION_ENTERPRISE", 10);   /* after */
    reg(fx, A2, "2022-02", "SMALL_WORKSHOP", 5);
    reg(fx, A2, "2022-06", "SMALL_WORKSHOP", -2);
    reg(fx, A1, "2022-01", "CATERING_LARGE", 1);
    reg(fx, A1, "2022-01", "CATERING_MEDIUM", 2);
    reg(fx, A1, "2022-01", "CATERING_SMALL", 3);
    reg(fx, A1, "2022-01", "SMALL_EATERY", 4);
    reg(fx, A3, "2022-04", "SCHOOL_CANTEEN", 2);
    reg(fx, A1, "2022-02", "WHOLESALER", 1);
    reg(fx, A1, "2022-02", "SUPERMARKET", 2);
    reg(fx, A1, "2022-02", "GROCERY_STORE", 8);
    reg(fx, A2, "2022-06", "GROCERY_STORE", -1);
    reg(fx, A1, "2022-02", "SMALL_SHOP", 6);
    reg(fx, A3, "2021-06", "MOBILE_CHEF", 5);
    reg(fx, A3, "2022-07", "MOBILE_CHEF", -5);             /* after */

    staff(fx, A1, "2022-01", "COORDINATOR", 1);             /* A1: both */
    staff(fx, A1, "2022-02", "INFORMATION_OFFICER", 1);
    staff(fx, A2, "2022-01", "COORDINATOR", 1);             /* A2: officer released */
    staff(fx, A2, "2022-02", "INFORMATION_OFFICER", 1);
    staff(fx, A2, "2022-04", "INFORMATION_OFFICER", -1);
    staff(fx, A3, "2022-01", "COORDINATOR", 1);             /* A3: officer too late */
    staff(fx, A3, "2022-08", "INFORMATION_OFFICER", 1);
    staff(fx, A4, "2021-03", "COORDINATOR", 2);             /* A4: both, one released */
    staff(fx, A4, "2021-03", "INFORMATION_OFFICER", 1);
    staff(fx, A4, "2022-03", "COORDINATOR", -1);
    staff(fx, A4, "2022-09", "COORDINATOR", -1);            /* after: still both */

    add(fx, TA, A1, "2022-02", "pub.STUDY_SESSION", 2);
    add(fx, TA, A1, "2022-02", "events.publicity", 2);
    add(fx, TA, A2, "2022-06", "pub.STUDY_SESSION", 1);
    add(fx, TA, A2, "2022-06", "events.publicity", 1);
    add(fx, TA, A1, "2021-12", "pub.STUDY_SESSION", 5);     /* before */
    add(fx, TA, A1, "2021-12", "events.publicity", 5);
    add(fx, TA, A5, "2022-07", "pub.STUDY_SESSION", 4);     /* after */
    add(fx, TA, A5, "2022-07", "events.publicity", 4);
    add(fx, TA, A1, "2022-03", "pub.copies", 3000);
    add(fx, TA, A1, "2022-03", "events.publicity", 1);
    add(fx, TA, A2, "2022-05", "pub.copies", 456);
    add(fx, TA, A2, "2022-05", "events.publicity", 1);
    add(fx, TA, A5, "2022-07", "pub.copies", 1000);         /* after */

    add(fx, TA, A1, "2022-04", "insp.routine_distribution", 7);
    add(fx, TA, A2, "2022-01", "insp.routine_distribution", 1);
    add(fx, TA, A1, "2021-12", "insp.routine_distribution", 9);   /* before */
    add(fx, TA, A1, "2022-04", "insp.kind.ROUTINE", 10);
    add(fx, TA, A1, "2022-04", "events.inspection", 10);
    add(fx, TA, A2, "2022-03", "insp.kind.SPECIAL_CAMPAIGN", 3);
    add(fx, TA, A2, "2022-03", "events.inspection", 3);
    add(fx, TA, A2, "2022-06", "insp.kind.UNSCHEDULED", 2);
    add(fx, TA, A2, "2022-06", "events.inspection", 2);
    add(fx, TA, A1, "2021-12", "insp.kind.ROUTINE", 9);           /* before */
    add(fx, TA, A1, "2021-12", "events.inspection", 9);
    add(fx, TA, A5, "2022-07", "insp.kind.JOINT", 4);             /* after */
    add(fx, TA, A5, "2022-07", "events.inspection", 4);
    add(fx, TA, A2, "2022-03", "insp.three_no_items", 11);
    add(fx, TA, A5, "2022-07", "insp.three_no_items", 100);       /* after */
    add(fx, TA, A1, "2022-04", "insp.expired_items", 6);
    add(fx, TA, A1, "2022-04", "insp.outcome.RECTIFICATION_ORDERED", 4);
    add(fx, TA, A1, "2022-05", "rect.COMPLETED", 3);
    add(fx, TA, A1, "2022-05", "events.rectification", 3);
    add(fx, TA, A5, "2022-07", "rect.COMPLETED", 1);              /* after */
    add(fx, TA, A5, "2022-07", "events.rectification", 1);
    add(fx, TA, A1, "2022-04", "insp.cat.SCHOOL_CANTEEN", 2);

    prof(fx, TA, "name", "城关镇");
    prof(fx, TA, "head", "张三");
    prof(fx, TA, "enforcement_head", "李四");
    prof(fx, TA, "market_office", "城关");
    prof(fx, TA, "market_director", "王五");
    prof(fx, TA, "office_staff", " 3 ");
    assert_int_equal(db_commit(fx->db), 0);
}

/* Township B: publicity only, no registrations, no staffing, no profile. */
static void fill_b(struct fx_rollup *fx)
{
    assert_int_equal(db_begin(fx->db), 0);
    add(fx, TB, B1, "2022-02", "pub.STUDY_SESSION", 1);
    add(fx, TB, B1, "2022-02", "events.publicity", 1);
    add(fx, TB, B1, "2022-04", "pub.copies", 250);
    add(fx, TB, B1, "2022-04", "events.publicity", 1);
    assert_int_equal(db_commit(fx->db), 0);
}

static void period(const char *s, struct period *p)
{
    assert_int_equal(period_parse(s, p), 0);
}

static void assert_count(const struct figures *f, int num, int64_t value)
{
    if (!f->f[num].present || f->f[num].value != value)
        fail_msg("figure %d: present %d value %lld, want %lld", num, f->f[num].present,
                 (long long)f->f[num].value, (long long)value);
}

static void assert_absent(const struct figures *f, int num)
{
    if (f->f[num].present)
        fail_msg("figure %d present, want absent", num);
}

static void test_township_h1(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    fill_a(fx);
    period("2022H1", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);

    assert_string_equal(f.township, TA);
    assert_string_equal(f.name, "城关镇");
    assert_int_equal(f.period.kind, 'H');
    static const int64_t want[16] = {0, 40, 4, 3, 10, 1, 2, 3, 4, 2, 16, 1, 2, 7, 6, 5};
    for (int i = 1; i <= 15; i++)
        assert_count(&f, i, want[i]);
    /* The sums add up, whatever the parts. */
    assert_int_equal(f.f[4].value, f.f[5].value + f.f[6].value + f.f[7].value + f.f[8].value);
    assert_int_equal(f.f[10].value,
                     f.f[11].value + f.f[12].value + f.f[13].value + f.f[14].value);
    assert_int_equal(f.f[1].value, f.f[2].value + f.f[3].value + f.f[4].value + f.f[9].value +
                                       f.f[10].value + f.f[15].value);

    assert_true(f.f[16].present);
    assert_string_equal(f.f[16].text, "张三");
    assert_string_equal(f.f[17].text, "李四");
    assert_string_equal(f.f[18].text, "城关");
    assert_string_equal(f.f[19].text, "王五");
    assert_count(&f, 20, 3);
    assert_count(&f, 21, 2);
    assert_count(&f, 22, 3);
    assert_count(&f, 23, 3456);
    assert_true(f.f[24].present);
    assert_string_equal(f.f[24].text, "城关");
    assert_count(&f, 25, 8);

    assert_int_equal(f.inspections_total, 15);
    assert_int_equal(f.special_campaign, 3);
    assert_int_equal(f.three_no_items, 11);
    assert_int_equal(f.expired_items, 6);
    assert_int_equal(f.rectifications_ordered, 4);
    assert_int_equal(f.rectifications_completed, 3);
    assert_int_equal(f.school_canteen_inspections, 2);
    assert_int_equal(f.villages_reporting, 4);  /* A1-A4; A5 only after the period */

    for (int i = 1; i <= FIGURES_N; i++) {
        assert_int_equal(f.f[i].num, i);
        assert_non_null(f.f[i].key);
        assert_non_null(f.f[i].label);
        assert_int_equal(f.f[i].type, (i >= 16 && i <= 19) || i == 24 ? FIG_TEXT : FIG_COUNT);
    }
    assert_string_equal(f.f[1].key, "registered_total");
    assert_string_equal(f.f[25].key, "routine_inspections_distribution");
    figures_free(&f);
}

static void test_township_other_periods(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    fill_a(fx);

    period("2022Q1", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    assert_count(&f, 2, 2);    /* 3 - 1 by March */
    assert_count(&f, 3, 5);
    assert_count(&f, 9, 0);    /* opened in April */
    assert_count(&f, 13, 8);
    assert_count(&f, 21, 3);   /* A1, A2 (released only in April), A4 */
    assert_count(&f, 22, 2);
    assert_count(&f, 23, 3000);
    assert_count(&f, 25, 1);
    assert_int_equal(f.inspections_total, 3);

    period("2022", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    assert_count(&f, 2, 14);
    assert_count(&f, 15, 0);
    assert_count(&f, 21, 2);   /* A1, A3 (officer in August); A4 lost its coordinators */
    assert_count(&f, 22, 7);
    assert_count(&f, 23, 4456);
    assert_int_equal(f.inspections_total, 19);
    assert_int_equal(f.villages_reporting, 5);

    /* Before any event: registration and staffing have no data at all. */
    period("2021-01", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    for (int i = 1; i <= 15; i++)
        assert_absent(&f, i);
    assert_absent(&f, 21);
    assert_absent(&f, 22);
    assert_absent(&f, 25);
    assert_int_equal(f.villages_reporting, 0);
    assert_true(f.f[16].present);  /* the profile has no period */
    figures_free(&f);
}

static void test_staffed_by_month(void **state)
{
    /* Figure 21 is a stock at the end of each month's period. */
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    fill_a(fx);
    period("2022-01", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    assert_count(&f, 21, 1);   /* A4; A1 has no officer yet */
    period("2022-02", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    assert_count(&f, 21, 3);   /* A1, A2, A4 */
    period("2022-04", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    assert_count(&f, 21, 2);   /* A2's officer released */
    figures_free(&f);
}

static void test_no_registrations(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    fill_b(fx);
    period("2022H1", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TB, &p, &f, err, sizeof err), 0);
    for (int i = 1; i <= 15; i++) {
        assert_absent(&f, i);
        assert_int_equal(f.f[i].value, 0);
    }
    for (int i = 16; i <= 21; i++)
        assert_absent(&f, i);
    assert_absent(&f, 24);
    assert_absent(&f, 25);
    assert_count(&f, 22, 1);
    assert_count(&f, 23, 250);
    assert_string_equal(f.name, "");
    assert_int_equal(f.villages_reporting, 1);
    figures_free(&f);
}

static void test_profile_edge_cases(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    char longname[256] = "";
    for (int i = 0; i < 60; i++)
        strcat(longname, "张");            /* 180 bytes, 3 a character */
    fill_b(fx);
    prof(fx, TB, "office_staff", "三名");
    prof(fx, TB, "head", "");
    prof(fx, TB, "enforcement_head", longname);
    period("2022H1", &p);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TB, &p, &f, err, sizeof err), 0);
    assert_absent(&f, 20);   /* not a number: no figure, never a wrong one */
    assert_absent(&f, 16);   /* empty: no data */
    assert_true(f.f[17].present);
    size_t len = strlen(f.f[17].text);
    assert_true(len < sizeof f.f[17].text);
    assert_int_equal(len % 3, 0);     /* cut between characters */
    assert_int_equal(memcmp(f.f[17].text, longname, len), 0);
    figures_free(&f);
}

static void test_townships_and_county(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures a = {0}, b = {0}, c = {0};
    char err[256] = "";
    char **codes = NULL;
    int n = 0;
    fill_a(fx);
    fill_b(fx);
    prof(fx, TC, "name", "新镇");   /* profile only, no rollup yet */
    period("2022H1", &p);

    assert_int_equal(figures_townships(fx->db, &codes, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(codes[0], TA);
    assert_string_equal(codes[1], TB);
    assert_string_equal(codes[2], TC);
    for (int i = 0; i < n; i++)
        free(codes[i]);
    free(codes);

    figures_free(&a);
    assert_int_equal(figures_township(fx->db, TA, &p, &a, err, sizeof err), 0);
    figures_free(&b);
    assert_int_equal(figures_township(fx->db, TB, &p, &b, err, sizeof err), 0);
    figures_free(&c);
    assert_int_equal(figures_county(fx->db, &p, &c, err, sizeof err), 0);
    assert_string_equal(c.township, "");
    assert_string_equal(c.name, "");
    for (int i = 1; i <= FIGURES_N; i++) {
        if ((i >= 16 && i <= 20) || i == 24) {
            assert_absent(&c, i);
            continue;
        }
        assert_int_equal(c.f[i].value, a.f[i].value + b.f[i].value);
        assert_int_equal(c.f[i].present, a.f[i].present || b.f[i].present);
    }
    assert_count(&c, 1, 40);
    assert_count(&c, 21, 2);
    assert_count(&c, 22, 4);
    assert_count(&c, 23, 3706);
    assert_int_equal(c.inspections_total, 15);
    assert_int_equal(c.villages_reporting, 5);

    /* Several townships: the caller must name one; an unknown one is an error. */
    err[0] = '\0';
    figures_free(&a);
    assert_int_equal(figures_township(fx->db, NULL, &p, &a, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    err[0] = '\0';
    figures_free(&a);
    assert_int_equal(figures_township(fx->db, "320999999", &p, &a, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    figures_free(&a);
    assert_int_equal(figures_township(fx->db, TC, &p, &a, err, sizeof err), 0);
    assert_string_equal(a.name, "新镇");
    assert_absent(&a, 1);
    figures_free(&a);
    figures_free(&b);
    figures_free(&c);
}

/* The county view (report --county, the live page): the townships of
 * figures_all_townships and their total, as figures_county gives it. */
static void test_county_view(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct county_view v;
    struct figures c;
    char err[256] = "";
    fill_a(fx);
    fill_b(fx);
    period("2022H1", &p);
    figures_init(&c, &p);
    assert_int_equal(figures_county(fx->db, &p, &c, err, sizeof err), 0);
    assert_int_equal(figures_county_view(fx->db, &p, NULL, &v, err, sizeof err), 0);
    assert_int_equal(v.n, 2);
    assert_string_equal(v.towns[0].township, TA);
    assert_string_equal(v.towns[1].township, TB);
    for (int i = 1; i <= FIGURES_N; i++) {
        assert_int_equal(v.total.f[i].present, c.f[i].present);
        assert_int_equal(v.total.f[i].value, c.f[i].value);
        assert_int_equal(v.total.f[i].value, v.towns[0].f[i].type == FIG_TEXT || i == 20
                                                 ? 0 : v.towns[0].f[i].value + v.towns[1].f[i].value);
    }
    assert_int_equal(v.total.months_expected, c.months_expected);
    assert_int_equal(v.total.inspections_total, 15);
    figures_county_view_free(&v);
    assert_null(v.towns);
    assert_int_equal(v.n, 0);
    figures_free(&c);
}

static void test_single_township_default(void **state)
{
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    period("2022H1", &p);
    /* Empty database: nothing to report on. */
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, NULL, &p, &f, err, sizeof err), -1);
    assert_true(err[0] != '\0');
    figures_free(&f);
    assert_int_equal(figures_county(fx->db, &p, &f, err, sizeof err), 0);
    for (int i = 1; i <= FIGURES_N; i++)
        assert_absent(&f, i);
    fill_b(fx);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, NULL, &p, &f, err, sizeof err), 0);
    assert_string_equal(f.township, TB);
    assert_count(&f, 22, 1);
    figures_free(&f);
}

static void test_inside_caller_transaction(void **state)
{
    /* A caller's open transaction is left open, not ended by the figures. */
    struct fx_rollup *fx = *state;
    struct period p;
    struct figures f = {0};
    char err[256] = "";
    fill_a(fx);
    period("2022H1", &p);
    assert_int_equal(db_exec(fx->db, "BEGIN"), 0);
    figures_free(&f);
    assert_int_equal(figures_county(fx->db, &p, &f, err, sizeof err), 0);
    figures_free(&f);
    assert_int_equal(figures_township(fx->db, TA, &p, &f, err, sizeof err), 0);
    assert_int_equal(sqlite3_get_autocommit(fx->db), 0);
    assert_int_equal(db_exec(fx->db, "COMMIT"), 0);
    assert_count(&f, 1, 40);
    figures_free(&f);
}

/* ------------------------------------------------------------ completeness */

static long day(int y, int m, int d) { return date_days(y, m, d); }

/* Township A's reporting (period 2022H1, judged on 2022-05-20 unless said):
 *   A1 known since 2021-10; Jan on time, Feb late (twice), Mar a nil report,
 *      Apr on time, May nothing: 5 expected, 4 reported, 3 on time, 1 nil.
 *   A2 enrolled in March, nothing since: 3 expected, silent.
 *   A3 known since 2021-06; Jan on time, Feb an event without a receipt day
 *      (a database from before completeness): 5 expected, 2 reported, 1 on
 *      time, silent (latest Feb, more than 2 months before May).
 *   A4 enrolled in August, A5 active from July: not part of 2022H1. */
static void fill_c(struct fx_rollup *fx)
{
    assert_int_equal(db_begin(fx->db), 0);
    add(fx, TA, A1, "2021-10", "events.publicity", 1);
    add(fx, TA, A1, "2021-10", "report.first_day", day(2021, 11, 2));
    add(fx, TA, A1, "2022-01", "events.publicity", 2);
    add(fx, TA, A1, "2022-01", "pub.STUDY_SESSION", 2);
    add(fx, TA, A1, "2022-01", "report.first_day", day(2022, 2, 5));
    add(fx, TA, A1, "2022-02", "events.publicity", 1);
    add(fx, TA, A1, "2022-02", "pub.copies", 300);
    add(fx, TA, A1, "2022-02", "report.first_day", day(2022, 3, 15));
    add(fx, TA, A1, "2022-02", "late.batches", 2);
    add(fx, TA, A1, "2022-02", "late.last_day", day(2022, 3, 15));
    add(fx, TA, A1, "2022-03", "report.first_day", day(2022, 4, 2));
    add(fx, TA, A1, "2022-03", "report.nil", 1);
    add(fx, TA, A1, "2022-04", "events.publicity", 1);
    add(fx, TA, A1, "2022-04", "pub.STUDY_SESSION", 1);
    add(fx, TA, A1, "2022-04", "report.first_day", day(2022, 5, 1));

    add(fx, TA, A2, "2022-03", "village.enrolled", 1);

    reg(fx, A3, "2021-06", "GROCERY_STORE", 5);
    reg(fx, A3, "2021-11", "GROCERY_STORE", -1);
    reg(fx, A3, "2022-08", "SMALL_SHOP", 4);                 /* after */
    add(fx, TA, A3, "2021-12", "late.batches", 5);            /* before: no revision */
    add(fx, TA, A3, "2021-12", "late.last_day", day(2022, 1, 30));
    add(fx, TA, A3, "2022-01", "events.inspection", 4);
    add(fx, TA, A3, "2022-01", "insp.kind.ROUTINE", 4);
    add(fx, TA, A3, "2022-01", "insp.routine_distribution", 3);
    add(fx, TA, A3, "2022-01", "insp.outcome.RECTIFICATION_ORDERED", 1);
    add(fx, TA, A3, "2022-01", "insp.outcome.PRODUCTS_REMOVED", 2);
    add(fx, TA, A3, "2022-01", "insp.outcome.COMPLIANT", 1);
    add(fx, TA, A3, "2022-01", "report.first_day", day(2022, 1, 20));
    add(fx, TA, A3, "2022-02", "events.inspection", 1);
    add(fx, TA, A3, "2022-02", "insp.kind.JOINT", 1);
    add(fx, TA, A3, "2022-02", "insp.outcome.PRODUCTS_DESTROYED", 1);

    add(fx, TA, A4, "2022-08", "village.enrolled", 1);
    add(fx, TA, A5, "2022-07", "events.publicity", 1);
    add(fx, TA, A5, "2022-07", "pub.STUDY_SESSION", 1);
    add(fx, TA, A5, "2022-07", "report.first_day", day(2022, 7, 3));

    prof(fx, TA, "name", "城关镇");
    prof(fx, TA, "village." A1, "东村");
    prof(fx, TA, "village." A2, "西村");
    prof(fx, TA, "village." TA "009", "无此村");
    assert_int_equal(db_commit(fx->db), 0);
}

static const struct village_figures *village(const struct figures *f, const char *code)
{
    for (int i = 0; i < f->nvillages; i++)
        if (strcmp(f->villages[i].code, code) == 0)
            return &f->villages[i];
    fail_msg("village %s not in the figures", code);
    return NULL;
}

static void assert_village(const struct figures *f, const char *code, int expected, int reported,
                           int ontime, int nil, const char *last, int silent)
{
    const struct village_figures *v = village(f, code);
    if (v->months_expected != expected || v->months_reported != reported ||
        v->months_ontime != ontime || v->months_nil != nil || strcmp(v->last_reported, last) ||
        v->silent != silent)
        fail_msg("village %s: expected %d reported %d ontime %d nil %d last \"%s\" silent %d;"
                 " want %d %d %d %d \"%s\" %d", code, v->months_expected, v->months_reported,
                 v->months_ontime, v->months_nil, v->last_reported, v->silent, expected, reported,
                 ontime, nil, last, silent);
}

static void judged(struct fx_rollup *fx, const char *town, const char *period_s, const char *today,
                   int ontime, int silent, struct figures *f)
{
    struct period p;
    struct figures_options o;
    char err[256] = "";
    figures_options_default(&o);
    o.today = today;
    if (ontime >= 0)
        o.ontime_days = ontime;
    if (silent >= 0)
        o.silent_months = silent;
    period(period_s, &p);
    figures_free(f);
    if (figures_township_opt(fx->db, town, &p, &o, f, err, sizeof err) != 0)
        fail_msg("figures: %s", err);
}

static void test_completeness(void **state)
{
    struct fx_rollup *fx = *state;
    struct figures f = {0};
    fill_c(fx);
    judged(fx, TA, "2022H1", "2022-05-20", -1, -1, &f);
    assert_int_equal(f.ontime_days, 10);
    assert_int_equal(f.silent_months, 2);
    assert_int_equal(f.nvillages, 3);
    assert_string_equal(f.villages[0].code, A1);   /* sorted by code */
    assert_string_equal(f.villages[1].code, A2);
    assert_string_equal(f.villages[2].code, A3);
    assert_village(&f, A1, 5, 4, 3, 1, "2022-04", 0);
    assert_village(&f, A2, 3, 0, 0, 0, "", 1);
    assert_village(&f, A3, 5, 2, 1, 0, "2022-02", 1);
    assert_string_equal(village(&f, A1)->name, "东村");
    assert_string_equal(village(&f, A2)->name, "西村");
    assert_string_equal(village(&f, A3)->name, "");
    assert_int_equal(f.months_expected, 13);
    assert_int_equal(f.months_reported, 6);
    assert_int_equal(f.months_ontime, 4);
    assert_int_equal(f.months_nil, 1);
    assert_int_equal(f.villages_silent, 2);
    assert_int_equal(f.villages_reporting, 2);   /* A1 and A3 had events; the nil month is no work */

    /* A wider on-time window, and no tolerance of silence. */
    judged(fx, TA, "2022H1", "2022-05-20", 30, 0, &f);
    assert_village(&f, A1, 5, 4, 4, 1, "2022-04", 1);
    assert_int_equal(f.ontime_days, 30);
    assert_int_equal(f.silent_months, 0);

    /* Judged after the period: every month expected, silence at its end. */
    judged(fx, TA, "2022H1", "2023-01-10", -1, -1, &f);
    assert_village(&f, A1, 6, 4, 3, 1, "2022-04", 0);
    assert_village(&f, A2, 4, 0, 0, 0, "", 1);
    assert_village(&f, A3, 6, 2, 1, 0, "2022-02", 1);

    /* A period not begun yet: nothing expected, nobody silent; villages
     * known by its end are listed. */
    judged(fx, TA, "2022H2", "2022-05-20", -1, -1, &f);
    assert_int_equal(f.nvillages, 5);
    assert_int_equal(f.months_expected, 0);
    assert_int_equal(f.villages_silent, 0);
    for (int i = 0; i < f.nvillages; i++)
        assert_int_equal(f.villages[i].silent, 0);

    /* One month: Feb, judged in May. A1's latest report up to Feb is Feb. */
    judged(fx, TA, "2022-02", "2022-05-20", -1, -1, &f);
    assert_int_equal(f.nvillages, 2);   /* A2 came in March */
    assert_village(&f, A1, 1, 1, 0, 0, "2022-02", 0);
    assert_village(&f, A3, 1, 1, 0, 0, "2022-02", 0);
    figures_free(&f);
    assert_null(f.villages);
    assert_int_equal(f.nvillages, 0);
}

static void test_revisions_and_charts(void **state)
{
    struct fx_rollup *fx = *state;
    struct figures f = {0};
    fill_c(fx);
    judged(fx, TA, "2022H1", "2022-05-20", -1, -1, &f);
    assert_int_equal(f.revision, 2);
    assert_string_equal(f.revised_on, "2022-03-15");
    /* per village */
    const struct village_figures *a1 = village(&f, A1), *a3 = village(&f, A3);
    assert_int_equal(a1->study_sessions, 3);
    assert_int_equal(a1->copies, 300);
    assert_int_equal(a1->inspections, 0);
    assert_int_equal(a3->inspections, 5);
    assert_int_equal(a3->inspections_ordered, 1);
    assert_int_equal(a3->inspections_removed_destroyed, 3);
    assert_int_equal(a3->routine_distribution, 3);
    assert_int_equal(a3->registered, 4);
    assert_int_equal(village(&f, A2)->registered, 0);
    /* per month */
    assert_int_equal(f.nmonths, 6);
    static const int64_t study[6] = {2, 0, 0, 1, 0, 0}, copies[6] = {0, 300, 0, 0, 0, 0};
    for (int i = 0; i < 6; i++) {
        assert_int_equal(f.study_by_month[i], study[i]);
        assert_int_equal(f.copies_by_month[i], copies[i]);
    }
    /* the sums agree with the per-village and per-month views */
    int64_t insp = 0, st = 0, cp = 0, reg13 = 0;
    for (int i = 0; i < f.nvillages; i++) {
        insp += f.villages[i].inspections;
        st += f.villages[i].study_sessions;
        cp += f.villages[i].copies;
        reg13 += f.villages[i].registered;
    }
    assert_int_equal(insp, f.inspections_total);
    assert_int_equal(st, f.f[22].value);
    assert_int_equal(cp, f.f[23].value);
    assert_int_equal(reg13, f.f[1].value);
    assert_count(&f, 25, 3);
    assert_count(&f, 13, 4);

    /* No late data in the period: no revision. */
    judged(fx, TA, "2022Q2", "2022-07-01", -1, -1, &f);
    assert_int_equal(f.revision, 0);
    assert_string_equal(f.revised_on, "");
    assert_int_equal(f.nmonths, 3);
    assert_int_equal(f.study_by_month[0], 1);   /* April */
    figures_free(&f);
}

static void test_county_completeness(void **state)
{
    struct fx_rollup *fx = *state;
    struct figures c = {0}, a = {0};
    struct period p;
    struct figures_options o;
    char err[256] = "";
    fill_c(fx);
    assert_int_equal(db_begin(fx->db), 0);
    add(fx, TB, B1, "2022-01", "events.publicity", 1);
    add(fx, TB, B1, "2022-01", "pub.STUDY_SESSION", 1);
    add(fx, TB, B1, "2022-01", "report.first_day", day(2022, 2, 1));
    add(fx, TB, B1, "2022-05", "report.first_day", day(2022, 6, 20));
    add(fx, TB, B1, "2022-05", "report.nil", 1);
    add(fx, TB, B1, "2022-05", "late.batches", 1);
    add(fx, TB, B1, "2022-05", "late.last_day", day(2022, 6, 20));
    assert_int_equal(db_commit(fx->db), 0);
    period("2022H1", &p);
    figures_options_default(&o);
    o.today = "2022-06-25";
    assert_int_equal(figures_county_opt(fx->db, &p, &o, &c, err, sizeof err), 0);
    assert_int_equal(figures_township_opt(fx->db, TA, &p, &o, &a, err, sizeof err), 0);
    assert_null(c.villages);
    assert_int_equal(c.nvillages, 0);
    /* B1: Jan..Jun expected (known since Jan), Jan and May reported */
    assert_int_equal(c.months_expected, a.months_expected + 6);
    assert_int_equal(c.months_reported, a.months_reported + 2);
    assert_int_equal(c.months_ontime, a.months_ontime + 1);
    assert_int_equal(c.months_nil, a.months_nil + 1);
    assert_int_equal(c.revision, 3);
    assert_string_equal(c.revised_on, "2022-06-20");
    assert_int_equal(c.study_by_month[0], 3);
    assert_int_equal(c.villages_silent, a.villages_silent);   /* B1 reported in May */
    assert_int_equal(c.nmonths, 6);
    /* the same total from the townships computed once each */
    struct figures towns[2], sum;
    memset(towns, 0, sizeof towns);
    assert_int_equal(figures_township_opt(fx->db, TA, &p, &o, &towns[0], err, sizeof err), 0);
    assert_int_equal(figures_township_opt(fx->db, TB, &p, &o, &towns[1], err, sizeof err), 0);
    figures_county_sum(&p, &o, towns, 2, &sum);
    for (int i = 1; i <= FIGURES_N; i++) {
        assert_int_equal(sum.f[i].value, c.f[i].value);
        assert_int_equal(sum.f[i].present, c.f[i].present);
    }
    assert_int_equal(sum.inspections_total, c.inspections_total);
    assert_int_equal(sum.months_expected, c.months_expected);
    assert_int_equal(sum.months_reported, c.months_reported);
    assert_int_equal(sum.revision, c.revision);
    assert_string_equal(sum.revised_on, c.revised_on);
    assert_int_equal(sum.villages_silent, c.villages_silent);
    assert_int_equal(sum.nmonths, 6);
    assert_int_equal(sum.ontime_days, c.ontime_days);
    assert_null(sum.villages);
    figures_free(&towns[0]);
    figures_free(&towns[1]);
    /* bad options are refused */
    o.today = "2022-13-01";
    assert_int_equal(figures_county_opt(fx->db, &p, &o, &c, err, sizeof err), -1);
    assert_non_null(strstr(err, "today"));
    figures_free(&c);
    figures_free(&a);
}


/* Stocks read from the kept levels (one seek per village and metric) equal
 * the sums of every delta up to the period's end, the way a database made
 * before the levels existed is read: for every period, whatever order the
 * deltas came in (a late delta before earlier months moves every later
 * level), and after a delta is rewritten with an absolute value (the
 * county's way). */
static void test_levels_equal_history_sums(void **state)
{
    struct fx_rollup *fx = *state;
    static const char *const periods[] = {"2021H2", "2022Q1", "2022H1", "2022-05", "2022H2", "2022"};
    enum { NP = sizeof periods / sizeof *periods };
    struct figures with[NP], without;
    char err[256] = "";
    fill_a(fx);
    assert_int_equal(db_begin(fx->db), 0);
    add(fx, TA, A1, "2021-06", "stock.reg.GROCERY_STORE", 5);   /* before every month so far */
    add(fx, TA, A2, "2022-02", "stock.staff.COORDINATOR", -1);
    assert_int_equal(rollup_put(fx->r, TA, A1, "2022-03", "stock.reg.GROCERY_STORE", 7, 99), 1);
    assert_int_equal(db_commit(fx->db), 0);
    assert_int_equal(rollup_check_sums(fx->db), 0);
    for (int i = 0; i < NP; i++) {
        struct period p;
        period(periods[i], &p);
        memset(&with[i], 0, sizeof with[i]);
        assert_int_equal(figures_township(fx->db, TA, &p, &with[i], err, sizeof err), 0);
    }
    assert_int_equal(db_exec(fx->db, "DROP TABLE stock_keys"), 0); /* an older database */
    for (int i = 0; i < NP; i++) {
        struct period p;
        period(periods[i], &p);
        memset(&without, 0, sizeof without);
        assert_int_equal(figures_township(fx->db, TA, &p, &without, err, sizeof err), 0);
        for (int n = 1; n <= FIGURES_N; n++) {
            if (with[i].f[n].value != without.f[n].value || with[i].f[n].present != without.f[n].present)
                fail_msg("%s figure %d: levels %lld, history %lld", periods[i], n,
                         (long long)with[i].f[n].value, (long long)without.f[n].value);
        }
        assert_int_equal(with[i].nvillages, without.nvillages);
        for (int v = 0; v < without.nvillages; v++)
            assert_int_equal(with[i].villages[v].registered, without.villages[v].registered);
        figures_free(&without);
        figures_free(&with[i]);
    }
}


/* A revoked village (village.enrolled back to 0) is expected only until the
 * month of its revocation, is never silent after it, and a village revoked
 * before a period and still revoked is not listed in it. */
static void test_revoked_villages(void **state)
{
    struct fx_rollup *fx = *state;
    struct figures f = {0};
    fill_c(fx);
    assert_int_equal(db_begin(fx->db), 0);
    add(fx, TA, A2, "2022-05", "village.enrolled", -1);   /* A2: enrolled March, revoked May */
    add(fx, TA, A4, "2021-01", "village.enrolled", 1);    /* A4: enrolled and revoked in 2021, */
    add(fx, TA, A4, "2021-06", "village.enrolled", -1);   /* back in August 2022 */
    assert_int_equal(db_commit(fx->db), 0);

    judged(fx, TA, "2022H1", "2023-01-10", -1, -1, &f);
    assert_village(&f, A2, 2, 0, 0, 0, "", 0);   /* March, April; not silent once revoked */
    for (int i = 0; i < f.nvillages; i++)
        assert_string_not_equal(f.villages[i].code, A4);   /* gone through the period */
    assert_village(&f, A1, 6, 4, 3, 1, "2022-04", 0);   /* the others as before */
    assert_village(&f, A3, 6, 2, 1, 0, "2022-02", 1);
    assert_int_equal(f.villages_silent, 1);

    /* Judged in May (revoked that month): not silent. In April: expected,
     * and silent since it came. */
    judged(fx, TA, "2022H1", "2022-05-20", -1, 0, &f);
    assert_village(&f, A2, 2, 0, 0, 0, "", 0);
    judged(fx, TA, "2022H1", "2022-04-20", -1, 0, &f);
    assert_village(&f, A2, 2, 0, 0, 0, "", 1);

    /* H2: A4 is enrolled again from August and expected from then. */
    judged(fx, TA, "2022H2", "2023-01-10", -1, -1, &f);
    assert_village(&f, A4, 5, 0, 0, 0, "", 1);
    for (int i = 0; i < f.nvillages; i++)
        assert_string_not_equal(f.villages[i].code, A2);
    figures_free(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_township_h1, setup, teardown),
        cmocka_unit_test_setup_teardown(test_township_other_periods, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staffed_by_month, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_registrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_profile_edge_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_townships_and_county, setup, teardown),
        cmocka_unit_test_setup_teardown(test_county_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_single_township_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_inside_caller_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(test_completeness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revisions_and_charts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_county_completeness, setup, teardown),
        cmocka_unit_test_setup_teardown(test_levels_equal_history_sums, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoked_villages, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
