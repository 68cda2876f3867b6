#include "charts.h"
#include "markup.h"
#include "words.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- chart data */

static const struct {
    int num;
    const char *name;
    int group; /* 0 production, 1 catering, 2 distribution, 3 chefs */
} CATS[] = {
    {2, "食品生产企业", 0}, {3, "小作坊", 0},   {5, "大型餐饮", 1},   {6, "中型餐饮", 1},
    {7, "小型餐饮", 1},     {8, "小餐饮店", 1}, {9, "学校食堂", 1},   {11, "食品批发户", 2},
    {12, "商超", 2},        {13, "食杂店", 2},  {14, "小经营店", 2},  {15, "流动厨师", 3},
};
#define N_CATS ((int)(sizeof CATS / sizeof CATS[0]))

/* Each builder fills c (zeroed, kind CHART_EMPTY with its note) and
 * leaves it empty when there is nothing to draw. */
typedef int build_fn(struct chart *c, const struct figures *f, const struct figures *towns, int n);

static int no_memory(struct chart *c)
{
    c->kind = CHART_EMPTY;
    c->empty = "内存不足";
    return -1;
}

static int build_registered(struct chart *c, const struct figures *f, const struct figures *towns,
                            int n)
{
    static const struct series s[] = {
        {"生产", C_PROD}, {"餐饮", C_CATER}, {"流通", C_DIST}, {"流动厨师", C_CHEF}};
    int any = 0;
    (void)towns;
    (void)n;
    c->empty = "暂无经营主体登记数据";
    if (!(c->bars = calloc(N_CATS, sizeof *c->bars)))
        return no_memory(c);
    for (int i = 0; i < N_CATS; i++) {
        const struct figure *fg = &f->f[CATS[i].num];
        struct bar *b = &c->bars[i];
        snprintf(b->label, sizeof b->label, "%s", CATS[i].name);
        snprintf(b->tip, sizeof b->tip, "%s：%s", fg->label,
                 fg->present ? i64(fg->value, (char[24]){0}, 24) : NOT_REPORTED);
        b->v[CATS[i].group] = fg->present ? pos(fg->value) : 0;
        any |= fg->present;
    }
    c->kind = CHART_BARS;
    c->series = s;
    c->ns = 4;
    c->n = any ? N_CATS : 0;
    return 0;
}

static const struct series INSP_SERIES[] = {
    {"合格及其他", C_OK}, {"责令整改", C_ORDER}, {"下架或销毁", C_REMOVE}};

/* Inspections as stacked parts: ordered, removed or destroyed, the rest. */
static void insp_split(int64_t total, int64_t ordered, int64_t removed, int64_t v[4])
{
    int64_t rest = pos(total);
    v[1] = pos(ordered);
    v[2] = pos(removed);
    rest = rest > v[1] ? rest - v[1] : 0;
    rest = rest > v[2] ? rest - v[2] : 0;
    v[0] = rest;
}

/* n rows of bars (or rates), or none. */
static int rows(struct chart *c, enum chart_kind kind, int n, const char *empty)
{
    c->empty = empty;
    if (n <= 0)
        return 0;
    if (kind == CHART_BARS ? !(c->bars = calloc((size_t)n, sizeof *c->bars))
                           : !(c->rates = calloc((size_t)n, sizeof *c->rates)))
        return no_memory(c);
    c->kind = kind;
    c->n = n;
    if (kind == CHART_BARS) {
        c->series = INSP_SERIES;
        c->ns = 3;
    }
    return 0;
}

static const char *town_short(const struct figures *t)
{
    return t->name[0] ? t->name : t->township;
}

static int build_village_inspections(struct chart *c, const struct figures *f,
                                     const struct figures *towns, int n)
{
    (void)towns;
    (void)n;
    if (rows(c, CHART_BARS, f->nvillages, "本期暂无检查记录") < 0)
        return -1;
    for (int i = 0; i < c->n; i++) {
        const struct village_figures *v = &f->villages[i];
        struct bar *b = &c->bars[i];
        snprintf(b->label, sizeof b->label, "%s", clip(village_short(v), 16, (char[80]){0}, 80));
        snprintf(b->tip, sizeof b->tip, "%s %s：检查%" PRId64 "次，责令整改%" PRId64 "，下架或销毁%" PRId64,
                 v->code, v->name, v->inspections, v->inspections_ordered,
                 v->inspections_removed_destroyed);
        insp_split(v->inspections, v->inspections_ordered, v->inspections_removed_destroyed, b->v);
    }
    return 0;
}

static int build_township_inspections(struct chart *c, const struct figures *f,
                                      const struct figures *towns, int n)
{
    (void)f;
    if (rows(c, CHART_BARS, n, "本期暂无检查记录") < 0)
        return -1;
    for (int i = 0; i < c->n; i++) {
        const struct figures *t = &towns[i];
        struct bar *b = &c->bars[i];
        int64_t ordered = 0, removed = 0;
        for (int k = 0; k < t->nvillages; k++) {
            ordered = chart_add(ordered, t->villages[k].inspections_ordered);
            removed = chart_add(removed, t->villages[k].inspections_removed_destroyed);
        }
        snprintf(b->label, sizeof b->label, "%s", clip(town_short(t), 16, (char[80]){0}, 80));
        snprintf(b->tip, sizeof b->tip, "%s %s：检查%" PRId64 "次", t->township, t->name,
                 t->inspections_total);
        insp_split(t->inspections_total, ordered, removed, b->v);
    }
    return 0;
}

static int build_village_rates(struct chart *c, const struct figures *f,
                               const struct figures *towns, int n)
{
    (void)towns;
    (void)n;
    if (rows(c, CHART_RATES, f->nvillages, "暂无行政村上报记录") < 0)
        return -1;
    for (int i = 0; i < c->n; i++) {
        const struct village_figures *v = &f->villages[i];
        struct rate_row *r = &c->rates[i];
        snprintf(r->label, sizeof r->label, "%s", clip(village_short(v), 16, (char[80]){0}, 80));
        snprintf(r->tip, sizeof r->tip, "%s %s：已报%d个月，应报%d个月", v->code, v->name,
                 v->months_reported, v->months_expected);
        r->reported = v->months_reported;
        r->expected = v->months_expected;
        r->silent = v->silent;
    }
    return 0;
}

static int build_township_rates(struct chart *c, const struct figures *f,
                                const struct figures *towns, int n)
{
    (void)f;
    if (rows(c, CHART_RATES, n, "暂无镇上报记录") < 0)
        return -1;
    for (int i = 0; i < c->n; i++) {
        const struct figures *t = &towns[i];
        struct rate_row *r = &c->rates[i];
        snprintf(r->label, sizeof r->label, "%s", clip(town_short(t), 16, (char[80]){0}, 80));
        snprintf(r->tip, sizeof r->tip, "%s %s：已报%d个村月，应报%d个村月", t->township, t->name,
                 t->months_reported, t->months_expected);
        r->reported = t->months_reported;
        r->expected = t->months_expected;
        r->silent = t->nvillages > 0 && town_silent(t) == t->nvillages;
    }
    return 0;
}

/* Publicity per month, two panels: sessions and copies differ by orders of
 * magnitude, so one axis would flatten the sessions. */
static int build_publicity(struct chart *c, const struct figures *f, const struct figures *towns,
                           int n)
{
    int months = f->nmonths > 12 ? 12 : f->nmonths;
    int64_t any = 0;
    (void)towns;
    (void)n;
    c->empty = "本期暂无宣传活动记录";
    for (int i = 0; i < months; i++) {
        c->months[0][i] = f->study_by_month[i];
        c->months[1][i] = f->copies_by_month[i];
        any |= f->study_by_month[i] | f->copies_by_month[i];
    }
    if (months <= 0 || !any)
        return 0;
    c->kind = CHART_MONTHS;
    c->n = months;
    c->period = f->period;
    c->panel[0] = "集中学习食品安全知识（次）";
    c->panel[1] = "散发宣传资料（份）";
    c->color[0] = C_STUDY;
    c->color[1] = C_COPIES;
    return 0;
}

static build_fn *const BUILD[] = {
    [CHART_REGISTERED] = build_registered,
    [CHART_VILLAGE_INSPECTIONS] = build_village_inspections,
    [CHART_TOWNSHIP_INSPECTIONS] = build_township_inspections,
    [CHART_VILLAGE_RATES] = build_village_rates,
    [CHART_TOWNSHIP_RATES] = build_township_rates,
    [CHART_PUBLICITY] = build_publicity,
};

int64_t chart_bar_total(const struct chart *c, int i)
{
    int64_t t = 0;
    for (int k = 0; k < c->ns; k++)
        t = chart_add(t, c->bars[i].v[k]);
    return t;
}

/* Nothing to draw: no bar longer than 0, no row expected to report. */
static void settle(struct chart *c)
{
    int any = 0;
    for (int i = 0; i < c->n && !any; i++)
        any = c->kind == CHART_BARS ? chart_bar_total(c, i) > 0
            : c->kind == CHART_RATES ? c->rates[i].expected > 0 : 1;
    if (!any)
        c->kind = CHART_EMPTY;
}

int chart_of(struct chart *c, enum chart_id id, const struct figures *f,
             const struct figures *towns, int n)
{
    memset(c, 0, sizeof *c);
    c->kind = CHART_EMPTY;
    if ((unsigned)id >= sizeof BUILD / sizeof BUILD[0])
        return -1;
    int rc = BUILD[id](c, f, towns, n);
    settle(c);
    return rc;
}

void chart_free(struct chart *c)
{
    free(c->bars);
    free(c->rates);
    c->bars = NULL;
    c->rates = NULL;
    c->n = 0;
}

/* The axis of a chart whose largest value is max: a step of 1, 2 or 5
 * times a power of ten giving at most six steps, and *ticks steps to the
 * top (computed as step * ticks in double: it may pass INT64_MAX), so the
 * longest bar fills most of the width. */
int64_t chart_step(int64_t max, int *ticks)
{
    int64_t want, p = 1, step;
    if (max < 1)
        max = 1;
    want = max / 6 + (max % 6 != 0);
    for (;;) {
        if (p >= want) { step = p; break; }
        if (p <= INT64_MAX / 2 && 2 * p >= want) { step = 2 * p; break; }
        if (p <= INT64_MAX / 5 && 5 * p >= want) { step = 5 * p; break; }
        if (p > INT64_MAX / 10) { step = p; break; }
        p *= 10;
    }
    *ticks = (int)(max / step + (max % step != 0));
    return step;
}

/* The label of tick i: exact as long as it fits, else as a double. */
const char *chart_tick(int64_t step, int i, char *buf, size_t n)
{
    if (i == 0 || step <= INT64_MAX / i)
        snprintf(buf, n, "%" PRId64, step * i);
    else
        snprintf(buf, n, "%.0f", (double)step * i);
    return buf;
}

void county_sums(const struct figures *total, const struct figures *towns, int n,
                 struct figures *c)
{
    *c = *total;
    if (c->nmonths == 0 && n > 0) {
        c->nmonths = towns[0].nmonths;
        for (int i = 0; i < n; i++)
            for (int m = 0; m < c->nmonths && m < 12; m++) {
                c->study_by_month[m] = chart_add(c->study_by_month[m], towns[i].study_by_month[m]);
                c->copies_by_month[m] = chart_add(c->copies_by_month[m], towns[i].copies_by_month[m]);
            }
    }
    if (c->months_expected == 0) {
        for (int i = 0; i < n; i++) {
            c->months_expected += towns[i].months_expected;
            c->months_reported += towns[i].months_reported;
            c->months_ontime += towns[i].months_ontime;
        }
    }
    if (!c->ontime_days && n > 0)
        c->ontime_days = towns[0].ontime_days;
    if (!c->silent_months && n > 0)
        c->silent_months = towns[0].silent_months;
}
