#include "countyview.h"
#include "cards.h"
#include "db.h"
#include "figures.h"
#include "log.h"
#include "rollup_read.h"
#include "text.h"
#include "tier.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* How a card is judged (cards.h): the options and the current month, which
 * for a period that has ended is its last month (the figures of an ended
 * period no longer change with the date: completeness.c judges silence at
 * min(period end, now) and expects no month after now). */
static void judged_key(const struct period *p, const struct judge *j, char pcode[16],
                       char judged[32])
{
    char last[8];
    period_format(p, pcode, 16);
    period_last_month(p, last);
    snprintf(judged, 32, "%d/%d/%s", j->ontime_days, j->silent_months,
             strcmp(j->cur, last) < 0 ? j->cur : last);
}

/* Adds one township's figures into a county total. */
static void county_add(struct figures *out, const struct figures *t)
{
    for (int k = 1; k <= FIGURES_N; k++) {
        /* Names and the office's staff belong to one township: no county sum. */
        if (out->f[k].type == FIG_TEXT || k == 20)
            continue;
        SAT_ADD(out->f[k].value, t->f[k].value);
        out->f[k].present |= t->f[k].present;
    }
    SAT_ADD(out->inspections_total, t->inspections_total);
    SAT_ADD(out->special_campaign, t->special_campaign);
    SAT_ADD(out->three_no_items, t->three_no_items);
    SAT_ADD(out->expired_items, t->expired_items);
    SAT_ADD(out->rectifications_ordered, t->rectifications_ordered);
    SAT_ADD(out->rectifications_completed, t->rectifications_completed);
    SAT_ADD(out->school_canteen_inspections, t->school_canteen_inspections);
    out->villages_reporting += t->villages_reporting;
    out->villages_silent += t->villages_silent;
    out->months_expected += t->months_expected;
    out->months_reported += t->months_reported;
    out->months_ontime += t->months_ontime;
    out->months_nil += t->months_nil;
    out->revision = t->revision > INT_MAX - out->revision ? INT_MAX : out->revision + t->revision;
    out->corrected = t->corrected > INT_MAX - out->corrected ? INT_MAX : out->corrected + t->corrected;
    if (strcmp(t->revised_on, out->revised_on) > 0)
        memcpy(out->revised_on, t->revised_on, sizeof out->revised_on);
    for (int m = 0; m < t->nmonths && m < 12; m++) {
        SAT_ADD(out->study_by_month[m], t->study_by_month[m]);
        SAT_ADD(out->copies_by_month[m], t->copies_by_month[m]);
    }
}

void figures_county_sum(const struct period *p, const struct figures_options *opt,
                        const struct figures *towns, int n, struct figures *out)
{
    struct figures_options def;
    if (!opt) {
        figures_options_default(&def);
        opt = &def;
    }
    figures_init(out, p);
    out->ontime_days = opt->ontime_days;
    out->silent_months = opt->silent_months;
    out->nmonths = p->last_month - p->first_month + 1;
    for (int i = 0; i < n; i++)
        county_add(out, &towns[i]);
}

int figures_all_townships(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                          struct figures **towns, int *ntowns, char *err, size_t errlen)
{
    int rc = -1, began = 0, n = 0, done = 0;
    char **codes = NULL;
    struct judge j;
    rollup_read_t *rd = NULL;
    cards_t *cards = NULL;
    struct figures *t = NULL;
    *towns = NULL;
    *ntowns = 0;
    char pcode[16], judged[32];
    if (figures_judge(opt, &j, err, errlen) < 0)
        goto out;
    judged_key(p, &j, pcode, judged);
    if (rollup_snapshot_begin(db, &began) < 0 || rollup_townships(db, &codes, &n) < 0 ||
        rollup_read_new(db, &rd) < 0 || cards_new(db, 0, &cards) < 0) {
        text_set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (!(t = calloc(n ? (size_t)n : 1, sizeof *t))) {
        text_set_err(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (strlen(codes[i]) >= sizeof t->township) {
            log_warn("figures: township code too long, skipped: %.32s", codes[i]);
            continue;
        }
        int64_t change;
        int got = 0;
        if (rollup_township_change(rd, codes[i], &change) < 0 ||
            (change >= 0 && (got = cards_get(cards, codes[i], pcode, judged, change, &t[done])) < 0)) {
            text_set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
            goto out;
        }
        if (!got && figures_compute(rd, codes[i], p, &j, &t[done]) < 0) {
            text_set_err(err, errlen, "township %s: cannot compute figures: %s", codes[i],
                    sqlite3_errmsg(db));
            goto out;
        }
        done++;
    }
    *towns = t;
    *ntowns = done;
    t = NULL;
    rc = 0;
out:
    cards_destroy(&cards);
    rollup_read_destroy(&rd);
    rollup_snapshot_end(db, began);
    rollup_townships_free(codes, n);
    for (int i = 0; t && i < done; i++)
        figures_free(&t[i]);
    free(t);
    return rc;
}

int figures_county_opt(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                       struct figures *out, char *err, size_t errlen)
{
    struct figures *towns = NULL;
    int n = 0;
    figures_init(out, p);
    if (figures_all_townships(db, p, opt, &towns, &n, err, errlen) < 0)
        return -1;
    figures_county_sum(p, opt, towns, n, out);
    for (int i = 0; i < n; i++)
        figures_free(&towns[i]);
    free(towns);
    return 0;
}

int figures_county_view(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                        struct county_view *v, char *err, size_t errlen)
{
    memset(v, 0, sizeof *v);
    figures_init(&v->total, p);
    if (figures_all_townships(db, p, opt, &v->towns, &v->n, err, errlen) < 0)
        return -1;
    /* the total from the townships just computed: each is computed once */
    figures_county_sum(p, opt, v->towns, v->n, &v->total);
    v->total.tier = opt && opt->tier ? opt->tier : tier_of_db(db, v->towns, v->n);
    return 0;
}

void figures_county_view_free(struct county_view *v)
{
    for (int i = 0; i < v->n; i++)
        figures_free(&v->towns[i]);
    free(v->towns);
    figures_free(&v->total);
    memset(v, 0, sizeof *v);
}


int figures_county(sqlite3 *db, const struct period *p, struct figures *out, char *err,
                   size_t errlen)
{
    return figures_county_opt(db, p, NULL, out, err, errlen);
}

/* ------------------------------------------------------------ upkeep */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The half-year holding month "YYYY-MM", and the one before it, into
 * out[*n...] as period codes unless already there. */
static void add_halves(const char *month, char out[4][16], int *n)
{
    int y, m;
    if (!month_parse(month, &y, &m))
        return;
    int h = m <= 6 ? 1 : 2;
    for (int k = 0; k < 2; k++) {
        char code[16];
        snprintf(code, sizeof code, "%04dH%d", y % 10000, h);
        int dup = 0;
        for (int i = 0; i < *n; i++)
            dup |= strcmp(out[i], code) == 0;
        if (!dup && *n < 4)
            snprintf(out[(*n)++], 16, "%s", code);
        if (--h == 0) {
            h = 2;
            y--;
        }
    }
}

int countyview_refresh(sqlite3 *db, const struct figures_options *opt, int budget_ms, int *more)
{
    int rc = -1, n = 0, nper = 0, made = 0, began = 0;
    char **codes = NULL, periods[4][16], latest[8], err[200];
    const char *keep[4];
    struct judge j;
    rollup_read_t *rd = NULL;
    cards_t *cards = NULL;
    int64_t t0 = now_ms();
    *more = 0;
    if (figures_judge(opt, &j, err, sizeof err) < 0) {
        log_error("cards: %s", err);
        goto out;
    }
    if (rollup_latest_month(db, latest) < 0)
        goto out;
    add_halves(j.cur, periods, &nper);
    add_halves(latest, periods, &nper);
    if (db_begin(db) < 0)
        goto out;
    began = 1;
    if (cards_new(db, 1, &cards) < 0 || rollup_read_new(db, &rd) < 0 ||
        rollup_townships(db, &codes, &n) < 0)
        goto out;
    for (int k = 0; k < nper; k++) {
        struct period p;
        char pcode[16], judged[32];
        keep[k] = periods[k];
        if (period_parse(periods[k], &p) < 0)
            continue;
        judged_key(&p, &j, pcode, judged);
        for (int i = 0; i < n && !*more; i++) {
            int64_t change;
            int good;
            if (rollup_township_change(rd, codes[i], &change) < 0 ||
                (good = cards_good(cards, codes[i], pcode, judged, change)) < 0)
                goto out;
            if (good || change < 0)
                continue;
            struct figures f;
            if (figures_compute(rd, codes[i], &p, &j, &f) < 0)
                goto out;
            int put = cards_put(cards, codes[i], pcode, judged, change, &f);
            figures_free(&f);
            if (put < 0)
                goto out;
            made++;
            *more = now_ms() - t0 >= budget_ms;
        }
    }
    if (nper && cards_prune(cards, keep, nper) < 0)
        goto out;
    rc = 0;
out:
    cards_destroy(&cards);
    rollup_read_destroy(&rd);
    rollup_townships_free(codes, n);
    if (began && db_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK") < 0)
        rc = -1;
    return rc < 0 ? -1 : made;
}
