/* county: absolute, versioned figures; replays and reorderings harmless;
 * malformed or foreign batches refused whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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
    strcpy(f->dir, "/tmp/shibao-county.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/county.db", f->dir);
    assert_int_equal(db_open(f->path, &f->db), 0);
    assert_int_equal(county_new(f->db, &f->c), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    county_destroy(&f->c);
    db_close(&f->db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
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

static long long value(struct fx *f, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(db_prepare(f->db, sql, &st), 0);
    long long v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return v;
}

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
    assert_int_equal(value(f, "SELECT count(*) FROM profile"), 0);
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
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
