#include "charts.h"
#include "markup.h"
#include "svg.h"
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

void chart_registered(FILE *out, const struct figures *f)
{
    static const struct series s[] = {
        {"生产", C_PROD}, {"餐饮", C_CATER}, {"流通", C_DIST}, {"流动厨师", C_CHEF}};
    struct bar b[N_CATS];
    int any = 0;
    memset(b, 0, sizeof b);
    for (int i = 0; i < N_CATS; i++) {
        const struct figure *fg = &f->f[CATS[i].num];
        snprintf(b[i].label, sizeof b[i].label, "%s", CATS[i].name);
        snprintf(b[i].tip, sizeof b[i].tip, "%s：%s", fg->label,
                 fg->present ? i64(fg->value, (char[24]){0}, 24) : NOT_REPORTED);
        b[i].v[CATS[i].group] = fg->present ? fg->value : 0;
        any |= fg->present;
    }
    svg_hbars(out, s, 4, b, any ? N_CATS : 0, "暂无经营主体登记数据");
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

void chart_village_inspections(FILE *out, const struct figures *f)
{
    struct bar *b = f->nvillages > 0 ? calloc((size_t)f->nvillages, sizeof *b) : NULL;
    if (f->nvillages > 0 && !b) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        snprintf(b[i].label, sizeof b[i].label, "%s", clip(village_short(v), 16, (char[80]){0}, 80));
        snprintf(b[i].tip, sizeof b[i].tip, "%s %s：检查%" PRId64 "次，责令整改%" PRId64 "，下架或销毁%" PRId64,
                 v->code, v->name, v->inspections, v->inspections_ordered,
                 v->inspections_removed_destroyed);
        insp_split(v->inspections, v->inspections_ordered, v->inspections_removed_destroyed, b[i].v);
    }
    svg_hbars(out, INSP_SERIES, 3, b, f->nvillages, "本期暂无检查记录");
    free(b);
}

void chart_township_inspections(FILE *out, const struct figures *towns, int n)
{
    struct bar *b = n > 0 ? calloc((size_t)n, sizeof *b) : NULL;
    if (n > 0 && !b) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        int64_t ordered = 0, removed = 0;
        for (int k = 0; k < t->nvillages; k++) {
            ordered = chart_add(ordered, t->villages[k].inspections_ordered);
            removed = chart_add(removed, t->villages[k].inspections_removed_destroyed);
        }
        snprintf(b[i].label, sizeof b[i].label, "%s",
                 clip(t->name[0] ? t->name : t->township, 16, (char[80]){0}, 80));
        snprintf(b[i].tip, sizeof b[i].tip, "%s %s：检查%" PRId64 "次", t->township, t->name,
                 t->inspections_total);
        insp_split(t->inspections_total, ordered, removed, b[i].v);
    }
    svg_hbars(out, INSP_SERIES, 3, b, n, "本期暂无检查记录");
    free(b);
}

void chart_village_rates(FILE *out, const struct figures *f)
{
    struct rate_row *r = f->nvillages > 0 ? calloc((size_t)f->nvillages, sizeof *r) : NULL;
    if (f->nvillages > 0 && !r) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        snprintf(r[i].label, sizeof r[i].label, "%s", clip(village_short(v), 16, (char[80]){0}, 80));
        snprintf(r[i].tip, sizeof r[i].tip, "%s %s：已报%d个月，应报%d个月", v->code, v->name,
                 v->months_reported, v->months_expected);
        r[i].reported = v->months_reported;
        r[i].expected = v->months_expected;
        r[i].silent = v->silent;
    }
    svg_rates(out, r, f->nvillages, "暂无行政村上报记录");
    free(r);
}


void chart_township_rates(FILE *out, const struct figures *towns, int n)
{
    struct rate_row *r = n > 0 ? calloc((size_t)n, sizeof *r) : NULL;
    if (n > 0 && !r) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        snprintf(r[i].label, sizeof r[i].label, "%s",
                 clip(t->name[0] ? t->name : t->township, 16, (char[80]){0}, 80));
        snprintf(r[i].tip, sizeof r[i].tip, "%s %s：已报%d个村月，应报%d个村月", t->township, t->name,
                 t->months_reported, t->months_expected);
        r[i].reported = t->months_reported;
        r[i].expected = t->months_expected;
        r[i].silent = t->nvillages > 0 && town_silent(t) == t->nvillages;
    }
    svg_rates(out, r, n, "暂无镇上报记录");
    free(r);
}

void chart_publicity(FILE *out, const struct figures *f)
{
    int n = f->nmonths > 12 ? 12 : f->nmonths;
    int64_t any = 0;
    for (int i = 0; i < n; i++)
        any |= f->study_by_month[i] | f->copies_by_month[i];
    if (n <= 0 || !any) {
        svg_empty(out, "本期暂无宣传活动记录");
        return;
    }
    fputs("<div class=\"pair\">", out);
    svg_months(out, "集中学习食品安全知识（次）", &f->period, f->study_by_month, n, C_STUDY);
    svg_months(out, "散发宣传资料（份）", &f->period, f->copies_by_month, n, C_COPIES);
    fputs("</div>", out);
}


/* The county's monthly publicity and completeness: the total's own when
 * figures_county filled them, else the sum of the townships'. */
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
