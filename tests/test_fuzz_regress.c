/* Regression tests for what the fuzzers (tests/fuzz/, `make fuzz`) found, and
 * a replay of their committed seed corpora through the same code paths in
 * the ordinary build, so `make test` and `make asan` run them too.
 *
 * Finding 1 (fuzz_feed): a FigureBatch from a township carries any int64
 * `value`; county_apply stored it, and the figures the reporter computes
 * from the county database added such values in C int64 arithmetic: signed
 * overflow (undefined behaviour; in practice a wrapped, negative figure in
 * an official report) at reporter/figures.c:297 (staffed villages), :378
 * (inspections total), :587-589 (registration subtotals) and :761-771
 * (county totals); and where SQLite's SUM overflows instead, figures_county
 * fails, so one township's feed stops the county report of every township.
 * Either fix is accepted here: the county refuses the absurd figure
 * (county_apply returns 1 with a "figures[i]..." reason), or it stores it and
 * the county's figures are still computed, without a wrapped value (a
 * township's own figures may fail). Under `make asan` (UBSan, no recovery)
 * the overflow itself fails the test. The same values also overflow the
 * HTML charts (reporter/svg.c).
 *
 * Finding 3 (fuzz_wire, structured mode, CI of 2026-12-06): verify's recount
 * refused a village's own retraction that had waited for its event, because
 * in the recount's order another village's event of the same id came first;
 * the township's figures and the recount differed. Its test is written out
 * as events where corrections are tested: test_correct.c,
 * test_own_correction_first_while_another_village_holds_the_id; the
 * minimized input is the seed tests/fuzz/corpus/fuzz_wire/
 * structured_own_correction_first, which every fuzz run starts with. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "county.h"
#include "db.h"
#include "countyview.h"
#include "figures.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "pbjson.h"
#include "period.h"
#include "report.h"
#include "submit.h"
#include "validate.h"

#define TOWN "420102001"
#define TOWN2 "420102002"
#define V1 "420102001201"
#define V2 "420102001202"

/* ------------------------------------------------------------ feeds */

struct fig {
    const char *village, *month, *metric;
    int64_t value;
};

/* One FigureBatch of township town, encoded (caller frees). */
static uint8_t *feed(const char *town, const struct fig *figs, size_t n, size_t *len)
{
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    Shibao__V1__Figure *f = calloc(n, sizeof *f), **pf = calloc(n, sizeof *pf);
    assert_non_null(f);
    assert_non_null(pf);
    for (size_t i = 0; i < n; i++) {
        shibao__v1__figure__init(&f[i]);
        f[i].village = (char *)figs[i].village;
        f[i].month = (char *)figs[i].month;
        f[i].metric = (char *)figs[i].metric;
        f[i].value = figs[i].value;
        f[i].version = 1;
        pf[i] = &f[i];
    }
    fb.township = (char *)town;
    fb.n_figures = n;
    fb.figures = pf;
    uint8_t *buf;
    assert_int_equal(codec_encode(&fb.base, &buf, len), 0);
    free(f);
    free(pf);
    return buf;
}

struct county_fx {
    sqlite3 *db;
    county_t *c;
};

static void county_open(struct county_fx *x)
{
    assert_int_equal(sqlite3_open(":memory:", &x->db), SQLITE_OK);
    assert_int_equal(county_new(x->db, &x->c), 0);
    /* an honest second township, so county totals add across townships */
    static const struct fig honest[] = {
        {"420102002201", "2024-03", "events.registration", 3},
        {"420102002201", "2024-03", "events.inspection", 7},
        {"420102002201", "2024-03", "events.publicity", 3},
        {"420102002201", "2024-03", "stock.reg.CATERING_LARGE", 7},
        {"420102002201", "2024-03", "insp.kind.ROUTINE", 7},
        {"420102002201", "2024-03", "pub.STUDY_SESSION", 7},
    };
    size_t len;
    uint8_t *buf = feed(TOWN2, honest, sizeof honest / sizeof *honest, &len);
    struct link_refusal ref;
    assert_int_equal(county_apply(x->c, buf, len, TOWN2, TOWN2, &ref), 0);
    free(buf);
}

static void county_close(struct county_fx *x)
{
    county_destroy(&x->c);
    sqlite3_close(x->db);
}

/* Applies figs as township TOWN; then, if the county took them, computes the
 * township's and the county's figures for 2024 and renders them. Returns
 * county_apply's result; *t and *c hold the figures (*ok_t, *ok_c: computed). */
static int apply_bytes_and_compute(const uint8_t *buf, size_t len, struct figures *t,
                                   int *ok_t, struct figures *c, int *ok_c)
{
    struct county_fx x;
    struct link_refusal ref;
    struct period p;
    char err[256];
    county_open(&x);
    memset(&ref, 0xa5, sizeof ref);
    int rc = county_apply(x.c, buf, len, TOWN, TOWN, &ref);
    assert_true(rc == 0 || rc == 1); /* never -1: that is a batch resent for ever */
    *ok_t = *ok_c = 0;
    if (rc == 1) {
        assert_non_null(memchr(ref.reason, '\0', sizeof ref.reason));
        assert_true(strlen(ref.reason) > 0);
        assert_non_null(strstr(ref.reason, "figures["));
    } else {
        FILE *null = fopen("/dev/null", "w");
        assert_non_null(null);
        assert_int_equal(period_parse("2024", &p), 0);
        *ok_t = figures_township(x.db, TOWN, &p, t, err, sizeof err) == 0;
        *ok_c = figures_county(x.db, &p, c, err, sizeof err) == 0;
        if (*ok_t)
            assert_int_equal(render_township(null, t, RENDER_TEXT), 0);
        if (*ok_c)
            assert_int_equal(render_county(null, c, t, *ok_t, RENDER_CSV), 0);
        fclose(null);
        /* the tests read the totals only */
        if (*ok_t)
            figures_free(t);
        if (*ok_c)
            figures_free(c);
    }
    county_close(&x);
    return rc;
}

static int apply_and_compute(const struct fig *figs, size_t n, struct figures *t, int *ok_t,
                             struct figures *c, int *ok_c)
{
    size_t len;
    uint8_t *buf = feed(TOWN, figs, n, &len);
    int rc = apply_bytes_and_compute(buf, len, t, ok_t, c, ok_c);
    free(buf);
    return rc;
}

/* The feed fuzz_feed found (structured mode, minimized, encoded): one flow
 * figure of INT64_MAX, no presence row needed; the county total adds the
 * other township's 7 (figures_county_opt, inspections_total). */
static void test_feed_fuzz_input(void **state)
{
    (void)state;
    static const uint8_t input[] = {
        0x0a, 0x09, 0x34, 0x32, 0x30, 0x31, 0x30, 0x32, 0x30, 0x30, 0x31, 0x12, 0x40, 0x0a,
        0x0c, 0x34, 0x32, 0x30, 0x31, 0x30, 0x32, 0x30, 0x30, 0x31, 0x32, 0x30, 0x32, 0x12,
        0x07, 0x32, 0x30, 0x32, 0x34, 0x2d, 0x30, 0x39, 0x1a, 0x1a, 0x69, 0x6e, 0x73, 0x70,
        0x2e, 0x6b, 0x69, 0x6e, 0x64, 0x2e, 0x53, 0x50, 0x45, 0x43, 0x49, 0x41, 0x4c, 0x5f,
        0x43, 0x41, 0x4d, 0x50, 0x41, 0x49, 0x47, 0x4e, 0x20, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xff, 0xff, 0x7f, 0x28, 0xbf, 0x01,
    };
    struct figures t, c;
    int ok_t, ok_c;
    if (apply_bytes_and_compute(input, sizeof input, &t, &ok_t, &c, &ok_c) == 0) {
        assert_true(ok_c);
        assert_true(c.inspections_total >= 0);
        assert_true(c.special_campaign >= 0);
    }
}

/* figures.c:378: inspections_total += v over insp.kind.* (now over
 * events.inspection, one row per village and month: two villages overflow it) */
static void test_feed_huge_flow(void **state)
{
    (void)state;
    static const struct fig figs[] = {
        {V1, "2024-03", "events.inspection", INT64_MAX},
        {V1, "2024-03", "insp.kind.ROUTINE", INT64_MAX},
        {V2, "2024-03", "events.inspection", 5},
    };
    struct figures t, c;
    int ok_t, ok_c;
    if (apply_and_compute(figs, 3, &t, &ok_t, &c, &ok_c) == 0) {
        if (ok_t)
            assert_true(t.inspections_total >= 0);
        if (ok_c)
            assert_true(c.inspections_total >= 0);
    }
}

/* figures.c:587: f[4] = f[5] + f[6] + f[7] + f[8] (registration subtotals) */
static void test_feed_huge_stocks(void **state)
{
    (void)state;
    static const struct fig figs[] = {
        {V1, "2024-03", "events.registration", 1},
        {V1, "2024-03", "stock.reg.CATERING_LARGE", INT64_C(1) << 62},
        {V1, "2024-03", "stock.reg.CATERING_MEDIUM", INT64_C(1) << 62},
    };
    struct figures t, c;
    int ok_t, ok_c;
    if (apply_and_compute(figs, 3, &t, &ok_t, &c, &ok_c) == 0) {
        for (int k = 1; k <= 15; k++) {
            if (ok_t)
                assert_true(t.f[k].value >= 0);
            if (ok_c)
                assert_true(c.f[k].value >= 0);
        }
    }
}

/* figures.c:761: the county total adds the townships' figures */
static void test_feed_huge_county_total(void **state)
{
    (void)state;
    static const struct fig figs[] = {
        {V1, "2024-03", "events.publicity", 1},
        {V1, "2024-03", "pub.STUDY_SESSION", INT64_MAX},
        {V1, "2024-03", "events.registration", 1},
        {V1, "2024-03", "stock.reg.CATERING_LARGE", INT64_MAX},
    };
    struct figures t, c;
    int ok_t, ok_c;
    if (apply_and_compute(figs, 4, &t, &ok_t, &c, &ok_c) == 0) {
        /* one township's feed must not stop the county report */
        assert_true(ok_c);
        assert_true(c.f[22].value >= 0);
        for (int k = 1; k <= 15; k++)
            assert_true(c.f[k].value >= 0);
    }
}

/* figures.c:297: a village's staff stock summed over its months */
static void test_feed_huge_staff_stock(void **state)
{
    (void)state;
    static const struct fig figs[] = {
        {V1, "2024-03", "events.staffing", 1},
        {V1, "2024-03", "stock.staff.COORDINATOR", INT64_MAX},
        {V1, "2024-04", "stock.staff.COORDINATOR", 5},
        {V1, "2024-03", "stock.staff.INFORMATION_OFFICER", 1},
    };
    struct figures t, c;
    int ok_t, ok_c;
    if (apply_and_compute(figs, 4, &t, &ok_t, &c, &ok_c) == 0 && ok_t) {
        /* INT64_MAX + 5 coordinators is not "no coordinator" */
        assert_true(t.f[21].value == 1);
    }
}

/* Two months of one flow, each INT64_MAX. Summed by SQLite's SUM, the
 * query fails with "integer overflow" and one township's feed stops the
 * county report for every township; summed in C, it wraps. */
static void test_feed_sum_overflow_county_report(void **state)
{
    (void)state;
    static const struct fig figs[] = {
        {V1, "2024-03", "events.inspection", 1},
        {V1, "2024-03", "insp.kind.ROUTINE", INT64_MAX},
        {V1, "2024-04", "insp.kind.ROUTINE", INT64_MAX},
    };
    struct figures t, c;
    int ok_t, ok_c;
    if (apply_and_compute(figs, 3, &t, &ok_t, &c, &ok_c) == 0) {
        assert_true(ok_c);
        /* wrapped: INT64_MAX + INT64_MAX + 7 reads 5 */
        assert_true(c.inspections_total > 7);
    }
}

/* reporter/svg.c, nice_step() and svg_hbars(): one village's flow of
 * 9e18 overflows "(max + step - 1) / step * step" and the tick loop's
 * "t += step" (fuzz_feed, built without the overflow check, timed out in
 * svg_hbars: the loop never ended). The HTML report must render. */
static void test_feed_huge_value_html_chart(void **state)
{
    (void)state;
    static const uint8_t input[] = {
        0x0a, 0x09, 0x34, 0x32, 0x30, 0x31, 0x30, 0x32, 0x30, 0x30, 0x31, 0x12, 0x36, 0x0a,
        0x0c, 0x34, 0x32, 0x30, 0x31, 0x30, 0x32, 0x30, 0x30, 0x31, 0x32, 0x30, 0x31, 0x12,
        0x07, 0x32, 0x30, 0x32, 0x34, 0x2d, 0x30, 0x33, 0x1a, 0x11, 0x65, 0x76, 0x65, 0x6e,
        0x74, 0x73, 0x2e, 0x69, 0x6e, 0x73, 0x70, 0x65, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x20,
        0x80, 0x80, 0x90, 0x94, 0x8e, 0x8a, 0x9b, 0xf3, 0x7c, 0x28, 0x01,
    };
    int fmt = render_format_parse("html");
    if (fmt < 0)
        skip();
    struct county_fx x;
    struct link_refusal ref;
    struct period p;
    char err[256];
    county_open(&x);
    if (county_apply(x.c, input, sizeof input, TOWN, TOWN, &ref) == 0) {
        struct figures *t = calloc(1, sizeof *t);
        FILE *null = fopen("/dev/null", "w");
        assert_non_null(t);
        assert_non_null(null);
        assert_int_equal(period_parse("2024", &p), 0);
        if (figures_township(x.db, TOWN, &p, t, err, sizeof err) == 0) {
            assert_int_equal(render_township(null, t, (enum render_format)fmt), 0);
            figures_free(t);
        }
        fclose(null);
        free(t);
    }
    county_close(&x);
}

/* An honest feed still goes through and is counted (the fix must not
 * refuse ordinary values). */
static void test_feed_ordinary_values_pass(void **state)
{
    (void)state;
    static const struct fig figs[] = {
        {V1, "2024-03", "events.inspection", 1000000},
        {V1, "2024-03", "insp.kind.ROUTINE", 1000000},
        {V1, "2024-03", "events.registration", 1},
        {V1, "2024-03", "stock.reg.CATERING_LARGE", -3},
        {V1, "2024-02", "stock.reg.CATERING_LARGE", 5},
    };
    struct figures t, c;
    int ok_t, ok_c;
    assert_int_equal(apply_and_compute(figs, 5, &t, &ok_t, &c, &ok_c), 0);
    assert_true(ok_t);
    assert_true(ok_c);
    assert_int_equal(t.inspections_total, 1000000);
    assert_int_equal(c.inspections_total, 1000007);
}

/* ------------------------------------------------------------ refusals */

/* Finding 2 (fuzz_wire): a refused event's event_id is copied into the
 * refusal (struct link_refusal.event_id, 64 bytes) and from there into the
 * Ack's Refusal.event_id, a proto3 string. An event_id that is valid UTF-8
 * but not a UUID and longer than 63 bytes was cut in the middle of a UTF-8
 * sequence (aggregator/ingest.c, apply_item), so the ack the aggregator sent
 * was not valid protobuf for Google's runtimes, which refuse a string field
 * holding invalid UTF-8. */
static void test_refusal_event_id_stays_utf8(void **state)
{
    (void)state;
    sqlite3 *db;
    ingest_t *ing;
    char id[128] = "";
    for (int i = 0; i < 40; i++)
        strcat(id, "\xc3\xa9"); /* é: 80 bytes, valid UTF-8, under the 256-byte limit */
    Shibao__V1__Event ev = SHIBAO__V1__EVENT__INIT;
    Shibao__V1__Publicity pub = SHIBAO__V1__PUBLICITY__INIT;
    ev.event_id = id;
    ev.village_id = V1;
    ev.occurred_on = "2024-03-04";
    ev.body_case = SHIBAO__V1__EVENT__BODY_PUBLICITY;
    ev.publicity = &pub;
    pub.kind = SHIBAO__V1__PUBLICITY_KIND__PUBLICITY_KIND_LECTURE;
    uint8_t *buf;
    size_t len;
    assert_int_equal(codec_encode(&ev.base, &buf, &len), 0);

    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(ingest_new(db, TOWN, NULL, &ing), 0);
    assert_int_equal(db_begin(db), 0);
    struct link_refusal ref;
    memset(&ref, 0xa5, sizeof ref);
    assert_int_equal(ingest_event(ing, buf, len, NULL, &ref), 1);
    assert_non_null(strstr(ref.reason, "event_id"));
    const char *end = memchr(ref.event_id, '\0', sizeof ref.event_id);
    assert_non_null(end);
    assert_true(validate_utf8(ref.event_id, (size_t)(end - ref.event_id)));
    assert_true(validate_utf8(ref.reason, strlen(ref.reason)));
    db_rollback(db);
    ingest_destroy(&ing);
    sqlite3_close(db);
    free(buf);
}

/* The input fuzz_wire found (minimized): a bare Event whose event_id is 98
 * bytes of control characters and Chinese text, valid UTF-8 without NUL; the
 * 63 bytes copied into the refusal end inside a character. */
static void test_refusal_event_id_fuzz_input(void **state)
{
    (void)state;
    static const uint8_t input[] = {
        0x0a, 0x62, 0x2d, 0x37, 0x63, 0x38, 0x64, 0x39, 0x65, 0x30, 0x66, 0x31,
        0x61, 0x32, 0x63, 0x12, 0x0c, 0x34, 0x32, 0x30, 0x31, 0x30, 0x32, 0x30,
        0x30, 0x31, 0x32, 0x30, 0x31, 0x1a, 0x0a, 0x32, 0x30, 0x7c, 0x34, 0x2d,
        0x30, 0x32, 0x2d, 0x30, 0x31, 0x52, 0x1b, 0x0a, 0x04, 0x6f, 0x70, 0x2d,
        0x37, 0x12, 0x0f, 0xe5, 0xbc, 0xa0, 0xe8, 0xae, 0xb0, 0xe5, 0xb0, 0x8f,
        0xe5, 0x8d, 0x96, 0xe9, 0x83, 0xa8, 0x18, 0x0a, 0x20, 0x01, 0x22, 0x61,
        0x12, 0x5d, 0x0a, 0x39, 0x30, 0x61, 0x31, 0x62, 0x32, 0x2d, 0x63, 0x33,
        0x64, 0x34, 0x36, 0x62, 0x2d, 0x00, 0x00, 0x00, 0x02, 0x36, 0x62, 0x2d,
        0x00, 0x00, 0x00, 0x02,
    };
    sqlite3 *db;
    ingest_t *ing;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(ingest_new(db, TOWN, NULL, &ing), 0);
    assert_int_equal(db_begin(db), 0);
    struct link_refusal ref;
    memset(&ref, 0xa5, sizeof ref);
    assert_int_equal(ingest_event(ing, input, sizeof input, NULL, &ref), 1);
    assert_non_null(strstr(ref.reason, "event_id"));
    const char *end = memchr(ref.event_id, '\0', sizeof ref.event_id);
    assert_non_null(end);
    assert_true(validate_utf8(ref.event_id, (size_t)(end - ref.event_id)));
    db_rollback(db);
    ingest_destroy(&ing);
    sqlite3_close(db);
}

/* ------------------------------------------------------------ corpus replay */

typedef void (*replay_fn)(const uint8_t *data, size_t len);

static int replay_dir(const char *dir, replay_fn fn)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int n = 0;
    struct dirent *e;
    static uint8_t buf[1 << 20];
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        FILE *f = fopen(path, "rb");
        if (!f)
            continue;
        size_t len = fread(buf, 1, sizeof buf, f);
        fclose(f);
        fn(buf, len);
        n++;
    }
    closedir(d);
    return n;
}

static void replay(const char *harness, replay_fn fn)
{
    char dir[256];
    snprintf(dir, sizeof dir, "tests/fuzz/corpus/%s", harness);
    int n = replay_dir(dir, fn);
    if (n < 0) {
        print_message("no %s (run from the repository root): skipped\n", dir);
        skip();
    }
    assert_true(n > 0);
}

static sqlite3 *g_db;
static ingest_t *g_ing;
static outbox_t *g_ob;
static county_t *g_county;

static void check_ref(int rc, const struct link_refusal *ref)
{
    assert_true(rc == 0 || rc == 1);
    if (rc == 1) {
        assert_non_null(memchr(ref->reason, '\0', sizeof ref->reason));
        assert_true(ref->reason[0] != '\0');
    }
}

static void wire_one(const uint8_t *data, size_t len)
{
    struct link_refusal ref;
    assert_int_equal(db_begin(g_db), 0);
    Shibao__V1__LinkMessage *m = codec_decode_link(data, len, 0);
    if (m && m->kind_case == SHIBAO__V1__LINK_MESSAGE__KIND_BATCH) {
        for (size_t i = 0; i < m->batch->n_items; i++) {
            const Shibao__V1__Item *it = m->batch->items[i];
            int rc = ingest_event(g_ing, it->payload.data ? it->payload.data : (const uint8_t *)"",
                                  it->payload.len, NULL, &ref);
            check_ref(rc, &ref);
        }
    }
    codec_free(m);
    check_ref(ingest_event(g_ing, data, len, NULL, &ref), &ref);
    check_ref(ingest_event(g_ing, data, len, V1, &ref), &ref);
    assert_int_equal(ingest_flush(g_ing), 0);
    db_rollback(g_db);
}

static void test_replay_wire(void **state)
{
    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &g_db), SQLITE_OK);
    assert_int_equal(outbox_new(g_db, &g_ob), 0);
    assert_int_equal(ingest_new(g_db, TOWN, g_ob, &g_ing), 0);
    replay("fuzz_wire", wire_one);
    ingest_destroy(&g_ing);
    outbox_destroy(&g_ob);
    sqlite3_close(g_db);
}

static void feed_one(const uint8_t *data, size_t len)
{
    struct link_refusal ref;
    assert_int_equal(db_begin(g_db), 0);
    check_ref(county_apply(g_county, data, len, NULL, NULL, &ref), &ref);
    check_ref(county_apply(g_county, data, len, TOWN, TOWN, &ref), &ref);
    db_rollback(g_db);
}

static void test_replay_feed(void **state)
{
    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &g_db), SQLITE_OK);
    assert_int_equal(county_new(g_db, &g_county), 0);
    replay("fuzz_feed", feed_one);
    county_destroy(&g_county);
    sqlite3_close(g_db);
}

static void jsonl_one(const uint8_t *data, size_t len)
{
    FILE *null = fopen("/dev/null", "w");
    struct submit_result r;
    ProtobufCMessage *m = NULL;
    char err[256];
    assert_non_null(null);
    int rc = submit_buffer(g_db, g_ob, V1, "seed", (const char *)data, len, null, &r);
    assert_true(rc == 0 || rc == 1);
    if (rc == 1)
        assert_int_equal(r.stored, 0);
    fclose(null);
    assert_int_equal(sqlite3_exec(g_db, "DELETE FROM outbox; DELETE FROM outbox_keys;", NULL,
                                  NULL, NULL),
                     SQLITE_OK);
    if (pbjson_parse(&shibao__v1__event__descriptor, (const char *)data, len, &m, err,
                     sizeof err) == 0)
        codec_free(m);
    else
        assert_true(err[0] != '\0');
}

static void test_replay_jsonl(void **state)
{
    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &g_db), SQLITE_OK);
    assert_int_equal(outbox_new(g_db, &g_ob), 0);
    replay("fuzz_jsonl", jsonl_one);
    outbox_destroy(&g_ob);
    sqlite3_close(g_db);
}

static void period_one(const uint8_t *data, size_t len)
{
    char s[128], buf[64];
    if (len >= sizeof s)
        len = sizeof s - 1;
    memcpy(s, data, len);
    s[len] = '\0';
    struct period p;
    if (period_parse(s, &p) == 0) {
        period_format(&p, buf, sizeof buf);
        period_phrase(&p, buf, sizeof buf);
    }
    date_parse(s, NULL, NULL, NULL);
    month_parse(s, NULL, NULL);
}

static void test_replay_period(void **state)
{
    (void)state;
    replay("fuzz_period", period_one);
}

int main(void)
{
    log_init("test_fuzz_regress", -1);
    setenv("SHIBAO_TODAY", "2024-06-30", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_feed_huge_flow),
        cmocka_unit_test(test_feed_huge_stocks),
        cmocka_unit_test(test_feed_huge_county_total),
        cmocka_unit_test(test_feed_huge_staff_stock),
        cmocka_unit_test(test_feed_sum_overflow_county_report),
        cmocka_unit_test(test_feed_fuzz_input),
        cmocka_unit_test(test_feed_huge_value_html_chart),
        cmocka_unit_test(test_feed_ordinary_values_pass),
        cmocka_unit_test(test_refusal_event_id_stays_utf8),
        cmocka_unit_test(test_refusal_event_id_fuzz_input),
        cmocka_unit_test(test_replay_wire),
        cmocka_unit_test(test_replay_feed),
        cmocka_unit_test(test_replay_jsonl),
        cmocka_unit_test(test_replay_period),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
