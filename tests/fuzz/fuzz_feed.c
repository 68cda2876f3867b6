/* libFuzzer harness: the county's feed path.
 *
 * Input: one item payload of the township -> county hop (a FigureBatch). It
 * goes through county_apply (decode under the budget, the whole-batch check,
 * rollup and profile writes) on a real SQLite county database, inside a
 * transaction that is rolled back, twice: as from an anonymous peer with no
 * link origin, and as from the authenticated township 420102001 through the
 * sink the link receiver calls.
 *
 * A feed the county accepted is then carried to where it ends up: the
 * figures of its township and of the county (which also holds a committed
 * baseline township, so county totals add across townships) for the year of
 * its first figure, rendered in every format to /dev/null. Hostile input
 * must harm nothing downstream either: the county's figures must still be
 * computed, and every report rendered.
 *
 * Structured mode: an input starting with 0xff (never a valid protobuf tag)
 * is not a FigureBatch but the choices to build one from (fdp.h): known or
 * raw townships, villages, months, metric names, boundary int64 values and
 * versions, profile entries. The encoded batch then takes the same path. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "codec.h"
#include "fdp.h"
#include "county.h"
#include "db.h"
#include "countyview.h"
#include "figures.h"
#include "link.h"
#include "log.h"
#include "period.h"
#include "report.h"

#define TOWNSHIP "420102001"

static sqlite3 *g_db;
static county_t *g_county;
static FILE *g_null;

static void die(const char *what)
{
    fprintf(stderr, "fuzz_feed: setup failed: %s\n", what);
    abort();
}

/* Another township's honest figures, committed once. */
static void baseline(void)
{
    static const char *const metrics[] = {
        "events.registration", "events.inspection", "events.publicity", "events.staffing",
        "stock.reg.PRODUCTION_ENTERPRISE", "stock.reg.CATERING_LARGE",
        "stock.reg.GROCERY_STORE", "stock.staff.COORDINATOR",
        "stock.staff.INFORMATION_OFFICER", "insp.kind.ROUTINE", "insp.routine_distribution",
        "pub.STUDY_SESSION", "pub.copies", "insp.three_no_items",
    };
    Shibao__V1__Figure figs[sizeof metrics / sizeof *metrics], *pf[sizeof metrics / sizeof *metrics];
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    for (size_t i = 0; i < sizeof metrics / sizeof *metrics; i++) {
        shibao__v1__figure__init(&figs[i]);
        figs[i].village = "420102002201";
        figs[i].month = "2024-03";
        figs[i].metric = (char *)metrics[i];
        figs[i].value = 7;
        figs[i].version = 1;
        pf[i] = &figs[i];
    }
    fb.township = "420102002";
    fb.n_figures = sizeof metrics / sizeof *metrics;
    fb.figures = pf;
    uint8_t *buf;
    size_t len;
    struct link_refusal ref;
    if (codec_encode(&fb.base, &buf, &len) < 0 || db_begin(g_db) < 0 ||
        county_apply(g_county, buf, len, NULL, NULL, &ref) != 0 || db_commit(g_db) < 0)
        die("baseline");
    free(buf);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz", -1);
    setenv("SHIBAO_TODAY", "2024-06-30", 0);
    g_null = fopen("/dev/null", "w");
    if (!g_null)
        die("/dev/null");
    if (sqlite3_open(":memory:", &g_db) != SQLITE_OK || county_new(g_db, &g_county) < 0)
        die("county_new");
    baseline();
    return 0;
}

static void check_refusal(int rc, const struct link_refusal *ref)
{
    /* -1 rolls the batch back unacknowledged and the township resends it
     * for ever: no input may cause it (the database is fine) */
    if (rc != 0 && rc != 1) {
        fprintf(stderr, "fuzz_feed: county_apply returned %d on its input\n", rc);
        abort();
    }
    /* a refusal goes back in the ack: it must be a non-empty string */
    if (rc == 1 && (!memchr(ref->reason, '\0', sizeof ref->reason) || !ref->reason[0]))
        abort();
    if (!memchr(ref->event_id, '\0', sizeof ref->event_id))
        abort();
}

/* The reports of the year the feed's first figure belongs to. */
static void downstream(const uint8_t *data, size_t size)
{
    /* by name, so a format added to report.h is covered without an edit */
    static const char *const formats[] = {"text", "md", "csv", "json", "html"};
    char year[5] = "2024", err[256];
    Shibao__V1__FigureBatch *fb = codec_decode_figures(data, size);
    if (!fb)
        abort(); /* county_apply decoded it */
    if (fb->n_figures > 0)
        memcpy(year, fb->figures[0]->month, 4); /* month_parse'd: YYYY-MM */
    codec_free(fb);

    struct period p;
    if (period_parse(year, &p) != 0)
        return; /* a year the reporter refuses to report on */
    struct figures *t = calloc(1, sizeof *t), *c = calloc(1, sizeof *c);
    if (!t || !c)
        abort();
    int have_t = figures_township(g_db, TOWNSHIP, &p, t, err, sizeof err) == 0;
    /* one township's accepted feed must not stop the county's report for
     * every township */
    if (figures_county(g_db, &p, c, err, sizeof err) != 0) {
        fprintf(stderr, "fuzz_feed: county figures failed: %s\n", err);
        abort();
    }
    /* figures that could be computed must render, in every format: a feed
     * that breaks the county's report is a denial of service */
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        int fmt = render_format_parse(formats[i]);
        if (fmt < 0)
            continue;
        if (have_t && render_township(g_null, t, (enum render_format)fmt) != 0) {
            fprintf(stderr, "fuzz_feed: township report (%s) failed\n", formats[i]);
            abort();
        }
        if (render_county(g_null, c, t, have_t, (enum render_format)fmt) != 0) {
            fprintf(stderr, "fuzz_feed: county report (%s) failed\n", formats[i]);
            abort();
        }
    }
    if (have_t)
        figures_free(t);
    figures_free(c);
    free(t);
    free(c);
}

/* ------------------------------------------------------------ structured mode */

static const char *const TOWNSHIPS[] = {TOWNSHIP, TOWNSHIP, TOWNSHIP, "420102002", "42010200",
                                        "4201020011", ""};
static const char *const VILLAGES[] = {"420102001201", "420102001202", "420102001203",
                                       "420102002201", "42010200120", "4201020012011", ""};
static const char *const METRICS[] = {
    "events.registration", "events.inspection", "events.rectification", "events.publicity",
    "events.staffing", "stock.reg.PRODUCTION_ENTERPRISE", "stock.reg.SMALL_WORKSHOP",
    "stock.reg.CATERING_LARGE", "stock.reg.CATERING_MEDIUM", "stock.reg.CATERING_SMALL",
    "stock.reg.SMALL_EATERY", "stock.reg.SCHOOL_CANTEEN", "stock.reg.WHOLESALER",
    "stock.reg.SUPERMARKET", "stock.reg.GROCERY_STORE", "stock.reg.SMALL_SHOP",
    "stock.reg.MOBILE_CHEF", "stock.staff.COORDINATOR", "stock.staff.INFORMATION_OFFICER",
    "reg.OPENED", "reg.CLOSED", "insp.kind.ROUTINE", "insp.kind.UNSCHEDULED",
    "insp.kind.SPECIAL_CAMPAIGN", "insp.kind.JOINT", "insp.outcome.COMPLIANT",
    "insp.outcome.RECTIFICATION_ORDERED", "insp.cat.SCHOOL_CANTEEN", "insp.cat.SMALL_SHOP",
    "insp.routine_distribution", "insp.three_no_items", "insp.expired_items",
    "insp.unqualified_staff", "rect.COMPLETED", "rect.OVERDUE", "pub.STUDY_SESSION",
    "pub.LECTURE", "pub.MATERIALS", "pub.participants", "pub.copies", "stock.", "x",
};
static const char *const KEYS[] = {"name", "head", "enforcement_head", "market_office",
                                   "market_director", "office_staff", "other"};
static const char *const VALUES[] = {"洪山街道", "王五", "12", " 7 ", "99999999999999999999",
                                     "-1", "a,b\"c\r\nd", "<b>&amp;</b>", ""};
static const int YEARS[] = {2024, 2024, 2024, 2023, 2025, 2000, 2999, 1999, 3000};

/* Builds an encoded FigureBatch from the choices in data (caller frees). */
static uint8_t *build_feed(const uint8_t *data, size_t size, size_t *len)
{
    struct fdp f = {data, size};
    enum { MAXF = 24, MAXP = 6 };
    static char sbuf[MAXF * 3 + MAXP * 2 + 1][80];
    static char months[MAXF][16];
    Shibao__V1__Figure figs[MAXF], *pf[MAXF];
    Shibao__V1__ProfileEntry prof[MAXP], *pp[MAXP];
    Shibao__V1__FigureBatch fb = SHIBAO__V1__FIGURE_BATCH__INIT;
    size_t sb = 0;
    fb.township = (char *)fdp_str(&f, TOWNSHIPS, sizeof TOWNSHIPS / sizeof *TOWNSHIPS, sbuf[sb++], 12);
    fb.n_figures = fdp_pick(&f, MAXF + 1);
    for (size_t i = 0; i < fb.n_figures; i++) {
        Shibao__V1__Figure *g = &figs[i];
        shibao__v1__figure__init(g);
        g->village = (char *)fdp_str(&f, VILLAGES, sizeof VILLAGES / sizeof *VILLAGES, sbuf[sb++], 14);
        if (fdp_u8(&f) < 240) {
            /* one read per statement: argument order is unspecified */
            int y = YEARS[fdp_pick(&f, sizeof YEARS / sizeof *YEARS)];
            int m = (int)fdp_pick(&f, 14);
            snprintf(months[i], sizeof months[i], "%04d-%02d", y, m);
        } else
            fdp_raw(&f, months[i], 8);
        g->month = months[i];
        g->metric = (char *)fdp_str(&f, METRICS, sizeof METRICS / sizeof *METRICS, sbuf[sb++], 60);
        g->value = fdp_i64(&f);
        uint8_t v = fdp_u8(&f);
        g->version = v < 200 ? v : v < 250 ? (uint64_t)fdp_i64(&f) : fdp_u64(&f);
        pf[i] = g;
    }
    fb.figures = pf;
    fb.n_profile = fdp_pick(&f, MAXP + 1);
    for (size_t i = 0; i < fb.n_profile; i++) {
        Shibao__V1__ProfileEntry *e = &prof[i];
        shibao__v1__profile_entry__init(e);
        e->key = (char *)fdp_str(&f, KEYS, sizeof KEYS / sizeof *KEYS, sbuf[sb++], 70);
        e->value = (char *)fdp_str(&f, VALUES, sizeof VALUES / sizeof *VALUES, sbuf[sb++], 79);
        uint8_t v = fdp_u8(&f);
        e->version = v < 250 ? v : fdp_u64(&f);
        pp[i] = e;
    }
    fb.profile = pp;
    uint8_t *buf = NULL;
    if (codec_encode(&fb.base, &buf, len) < 0)
        abort();
    return buf;
}

static void run(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size && data[0] == 0xff) {
        size_t len;
        uint8_t *buf = build_feed(data + 1, size - 1, &len);
        run(buf, len);
        free(buf);
    } else {
        run(data, size);
    }
    return 0;
}

static void run(const uint8_t *data, size_t size)
{
    struct link_refusal ref;
    if (db_begin(g_db) < 0)
        abort();

    memset(&ref, 0xa5, sizeof ref);
    int rc = county_apply(g_county, data, size, NULL, NULL, &ref);
    check_refusal(rc, &ref);

    memset(&ref, 0xa5, sizeof ref);
    const struct link_sink *sink = county_sink(g_county);
    struct link_item it = {
        .origin = TOWNSHIP,
        .user_id = TOWNSHIP,
        .stream = "0190a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b",
        .seq = 1,
        .payload = size ? data : (const uint8_t *)"",
        .len = size,
    };
    int rc2 = sink->item(sink->arg, &it, &ref);
    check_refusal(rc2, &ref);

    if (rc == 0 || rc2 == 0)
        downstream(data, size);
    db_rollback(g_db);
}
