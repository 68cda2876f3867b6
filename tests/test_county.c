/* county: absolute, versioned figures; replays and reorderings harmless;
 * malformed or foreign batches refused whole. */
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

#include "codec.h"
#include "county.h"
#include "db.h"
#include "log.h"
#include "outbox.h"

struct fx {
    char dir[64], path[96];
    sqlite3 *db;
    county_t *c;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_int_equal(fx_tmpdir(f->dir, sizeof f->dir, "county"), 0);
    assert_int_equal(fx_db_open(f->dir, "county.db", f->path, sizeof f->path, &f->db), 0);
    assert_int_equal(county_new(f->db, &f->c), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    county_destroy(&f->c);
    db_close(&f->db);
    assert_int_equal(fx_rmtree(f->dir), 0);
    free(f);
    return 0;
}

static int apply_at(struct fx *f, const char *month, const char *town, const char *village,
                    const char *metric, int64_t value, uint64_t version, const char *user,
                    struct link_refusal *ref)
{
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    Shibao__V1__Figure fig = SHIBAO__V1__FIGURE__INIT, *pf = &fig;
    Shibao__V1__ProfileEntry pe = SHIBAO__V1__PROFILE_ENTRY__INIT, *ppe = &pe;
    fb.township = (char *)town;
    fb.n_figures = 1;
    fb.figures = &pf;
    fig.village = (char *)village;
    fig.month = (char *)month;
    fig.metric = (char *)metric;
    fig.value = value;
    fig.version = version;
    fb.n_profile = 1;
    fb.profile = &ppe;
    pe.key = "head";
    pe.value = version > 1 ? "李四" : "张三";
    pe.version = version;
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    int rc = county_apply(f->c, buf, len, town, user, ref);
    free(buf);
    return rc;
}

static int apply(struct fx *f, const char *town, const char *village, const char *metric,
                 int64_t value, uint64_t version, const char *user, struct link_refusal *ref)
{
    return apply_at(f, "2022-03", town, village, metric, value, version, user, ref);
}

static long long value(struct fx *f, const char *sql) { return fx_sql_int(f->db, sql, -1); }

static void test_newer_wins_whatever_the_order(void **state)
{
    struct fx *f = *state;
    struct link_refusal ref;
    assert_int_equal(apply(f, "420102001", "420102001201", "pub.STUDY_SESSION", 5, 2, NULL, &ref), 0);
    assert_int_equal(apply(f, "420102001", "420102001201", "pub.STUDY_SESSION", 3, 1, NULL, &ref), 0);
    assert_int_equal(value(f, "SELECT value FROM rollup"), 5);
    /* a replay of the same version changes nothing */
    assert_int_equal(apply(f, "420102001", "420102001201", "pub.STUDY_SESSION", 5, 2, NULL, &ref), 0);
    assert_int_equal(value(f, "SELECT value FROM rollup"), 5);
    assert_int_equal(apply(f, "420102001", "420102001201", "pub.STUDY_SESSION", 7, 3, NULL, &ref), 0);
    assert_int_equal(value(f, "SELECT value FROM rollup"), 7);
    assert_int_equal(value(f, "SELECT count(*) FROM profile WHERE value = '李四' AND version = 3"), 1);
}

static void test_foreign_or_malformed_refused(void **state)
{
    struct fx *f = *state;
    struct link_refusal ref;
    /* authenticated as another township */
    assert_int_equal(apply(f, "420102001", "420102001201", "m", 1, 1, "420102002", &ref), 1);
    assert_non_null(strstr(ref.reason, "authenticated"));
    /* a village outside the township */
    assert_int_equal(apply(f, "420102001", "420102009201", "m", 1, 1, NULL, &ref), 1);
    assert_non_null(strstr(ref.reason, "village"));
    /* no version */
    assert_int_equal(apply(f, "420102001", "420102001201", "m", 1, 0, NULL, &ref), 1);
    assert_int_equal(county_apply(f->c, (const uint8_t *)"\x0a\xff", 2, NULL, NULL, &ref), 1);
    /* a stock far in the future (its levels would fill every month up to it);
     * a flow then is only a number */
    assert_int_equal(apply_at(f, "2999-12", "420102001", "420102001201", "stock.reg.SMALL_SHOP", 1, 1,
                              NULL, &ref), 1);
    assert_non_null(strstr(ref.reason, "figures[0].month: a stock at 2999-12"));
    assert_int_equal(value(f, "SELECT count(*) FROM rollup"), 0);
    assert_int_equal(value(f, "SELECT count(*) FROM stock_level"), 0);
    /* a bad figure is refused alone: the profile entry beside it (version 1)
     * was applied; the batch refused whole (another township's) left none */
    assert_int_equal(value(f, "SELECT count(*) FROM profile"), 1);
}

/* Findings 6 and 9: one piece carrying an honest village's figure beside
 * poisoned ones (a flow past the county's bound, a stock driven below
 * zero, an unknown metric) and a profile entry forging a line: the honest
 * figure and entry are applied, each bad one refused, and the refusal says
 * which and how many. Upstream gets only what was applied. */
static void test_poisoned_figures_refused_one_by_one(void **state)
{
    struct fx *f = *state;
    struct link_refusal ref;
    outbox_t *ob = NULL;
    assert_int_equal(outbox_new(f->db, &ob), 0);
    assert_int_equal(county_set_upstream(f->c, ob), 0);
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    Shibao__V1__Figure fig[6], *pf[6];
    static const struct {
        const char *village, *month, *metric;
        int64_t value;
    } in[6] = {
        {"420102001201", "2022-03", "insp.expired_items", 1000000000001LL}, /* the flooder */
        {"420102001202", "2022-03", "pub.STUDY_SESSION", 637},              /* honest */
        {"420102001202", "2022-03", "stock.reg.SMALL_SHOP", -999999999888LL},
        {"420102001202", "2022-02", "stock.reg.GROCERY_STORE", -3},        /* level -3 */
        {"420102001202", "2022-03", "registered_total", 5},
        {"420102001203", "2022-01", "stock.reg.GROCERY_STORE", 2},          /* honest stock */
    };
    for (int i = 0; i < 6; i++) {
        shibao__v1__figure__init(&fig[i]);
        fig[i].village = (char *)in[i].village;
        fig[i].month = (char *)in[i].month;
        fig[i].metric = (char *)in[i].metric;
        fig[i].value = in[i].value;
        fig[i].version = 1;
        pf[i] = &fig[i];
    }
    Shibao__V1__ProfileEntry pe[2], *ppe[2] = {&pe[0], &pe[1]};
    shibao__v1__profile_entry__init(&pe[0]);
    shibao__v1__profile_entry__init(&pe[1]);
    pe[0].key = "name";
    pe[0].value = "城关镇\n420102002 西山镇";
    pe[0].version = 1;
    pe[1].key = "head";
    pe[1].value = "张伟";
    pe[1].version = 1;
    fb.township = "420102001";
    fb.n_figures = 6;
    fb.figures = pf;
    fb.n_profile = 2;
    fb.profile = ppe;
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(county_apply(f->c, buf, len, "420102001", "420102001", &ref), 1);
    assert_int_equal(db_commit(f->db), 0);
    free(buf);
    assert_non_null(strstr(ref.reason, "figures[0].value: 1000000000001 is out of range"));
    assert_non_null(strstr(ref.reason, "4 of 6 figures and 1 of 2 profile entries refused, the rest applied"));
    /* the honest figures and entry */
    assert_int_equal(value(f, "SELECT value FROM rollup WHERE metric = 'pub.STUDY_SESSION'"), 637);
    assert_int_equal(value(f, "SELECT value FROM rollup WHERE village = '420102001203'"), 2);
    assert_int_equal(value(f, "SELECT count(*) FROM rollup"), 2);
    assert_int_equal(value(f, "SELECT count(*) FROM stock_level WHERE level < 0"), 0);
    assert_int_equal(value(f, "SELECT count(*) FROM profile WHERE key = 'head'"), 1);
    assert_int_equal(value(f, "SELECT count(*) FROM profile WHERE key = 'name'"), 0);
    /* what goes up is what was applied */
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, "SELECT payload FROM outbox WHERE seq = 1", &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    Shibao__V1__FigureBatch *up =
        codec_decode_figures(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    assert_non_null(up);
    assert_int_equal(up->n_figures, 2);
    assert_int_equal(up->n_profile, 1);
    codec_free(up);

    /* a stock may fall, never below zero: a closing the month after two
     * openings is applied; a late change lowering an earlier month is
     * judged once the whole piece is in (the later month rises with it) */
    fig[0].village = "420102001203";
    fig[0].month = "2022-02";
    fig[0].metric = "stock.reg.GROCERY_STORE";
    fig[0].value = -1;
    fb.n_figures = 1;
    fb.n_profile = 0;
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    assert_int_equal(county_apply(f->c, buf, len, "420102001", "420102001", &ref), 0);
    free(buf);
    fig[0].month = "2022-01";
    fig[0].value = 0;
    fig[0].version = 2;
    fig[1] = fig[0];
    fig[1].month = "2022-02";
    fig[1].value = 0;
    fb.n_figures = 2; /* Jan 2 -> 0 and Feb -1 -> 0 */
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    assert_int_equal(county_apply(f->c, buf, len, "420102001", "420102001", &ref), 0);
    free(buf);
    /* the same lowering alone would leave February at -1: refused */
    fig[0].value = -5;
    fig[0].version = 3;
    fb.n_figures = 1;
    assert_int_equal(codec_encode(&fb.base, &buf, &len), 0);
    assert_int_equal(county_apply(f->c, buf, len, "420102001", "420102001", &ref), 1);
    free(buf);
    assert_non_null(strstr(ref.reason, "below zero"));
    assert_int_equal(value(f, "SELECT value FROM rollup WHERE village = '420102001203' AND month = '2022-01'"), 0);
    outbox_destroy(&ob);
}

/* One figure of town, encoded. */
static void encode(const char *town, const char *village, uint64_t version, uint8_t **buf,
                   size_t *len)
{
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    Shibao__V1__Figure fig = SHIBAO__V1__FIGURE__INIT, *pf = &fig;
    fb.township = (char *)town;
    fb.n_figures = 1;
    fb.figures = &pf;
    fig.village = (char *)village;
    fig.month = "2022-03";
    fig.metric = "pub.STUDY_SESSION";
    fig.value = 4;
    fig.version = version;
    assert_int_equal(codec_encode(&fb.base, buf, len), 0);
}

static int apply_as(struct fx *f, const char *town, const char *origin, const char *user,
                    struct link_refusal *ref)
{
    uint8_t *buf;
    size_t len;
    char village[16];
    snprintf(village, sizeof village, "%.9s201", town);
    encode(town, village, 1, &buf, &len);
    int rc = county_apply(f->c, buf, len, origin, user, ref);
    free(buf);
    return rc;
}

/* Above the county: a county (6 digits) or city (4) speaks for the
 * townships under its code, and for no other. */
static void test_forwarders_speak_for_their_townships(void **state)
{
    struct fx *f = *state;
    struct link_refusal ref;
    assert_int_equal(apply_as(f, "420102001", "420102", "420102", &ref), 0);
    assert_int_equal(apply_as(f, "420102002", "4201", "4201", &ref), 0);
    assert_int_equal(apply_as(f, "420102003", "420102003", "420102003", &ref), 0);
    assert_int_equal(value(f, "SELECT count(DISTINCT township) FROM rollup"), 3);
    /* a county feeding a township outside its code */
    assert_int_equal(apply_as(f, "420103001", "420102", "420102", &ref), 1);
    assert_non_null(strstr(ref.reason, "not the authenticated township 420102 or under it"));
    /* a township speaking for its neighbour, or for a code it is under */
    assert_int_equal(apply_as(f, "420102001", "420102002", "420102002", &ref), 1);
    assert_int_equal(apply_as(f, "420102", "420102", "420102", &ref), 1);
    /* an empty authenticated code speaks for nobody */
    assert_int_equal(apply_as(f, "420102001", "420102001", "", &ref), 1);
    /* unauthenticated: the link origin is held to the same rule */
    assert_int_equal(apply_as(f, "420103001", "420102", NULL, &ref), 1);
    assert_non_null(strstr(ref.reason, "link origin"));
    assert_int_equal(apply_as(f, "420103001", "420103", NULL, &ref), 0);
}

/* Forwarding: an applied batch is queued unchanged in the same transaction;
 * a refused one is not; a rolled-back one leaves nothing queued. */
static void test_upstream_forwards_applied_batches(void **state)
{
    struct fx *f = *state;
    struct link_refusal ref;
    outbox_t *ob = NULL;
    uint8_t *buf;
    size_t len;
    assert_int_equal(outbox_new(f->db, &ob), 0);
    assert_int_equal(county_set_upstream(f->c, ob), 0);
    encode("420102001", "420102001201", 7, &buf, &len);
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(county_apply(f->c, buf, len, "420102001", "420102001", &ref), 0);
    assert_int_equal(db_commit(f->db), 0);
    assert_int_equal((int)outbox_last(ob), 1);
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, "SELECT payload FROM outbox WHERE seq = 1", &st), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal((size_t)sqlite3_column_bytes(st, 0), len);
    assert_memory_equal(sqlite3_column_blob(st, 0), buf, len);
    sqlite3_finalize(st);
    /* refused: nothing queued */
    assert_int_equal(apply_as(f, "420103001", "420102", "420102", &ref), 1);
    assert_int_equal((int)outbox_pending(ob), 1);
    /* applied, then the receiver's transaction rolls back: nothing queued */
    assert_int_equal(db_begin(f->db), 0);
    assert_int_equal(county_apply(f->c, buf, len, "420102001", NULL, &ref), 0);
    db_rollback(f->db);
    assert_int_equal((int)outbox_pending(ob), 1);
    free(buf);
    outbox_destroy(&ob);
}

int main(void)
{
    log_init("test_county", -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_newer_wins_whatever_the_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_or_malformed_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_forwarders_speak_for_their_townships, setup, teardown),
        cmocka_unit_test_setup_teardown(test_upstream_forwards_applied_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_poisoned_figures_refused_one_by_one, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
