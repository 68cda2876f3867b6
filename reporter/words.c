#include "words.h"
#include "tier.h"

#include <inttypes.h>
#include <string.h>

const int TOWN_FIGS[N_TOWN_FIGS] = {1, 21, 22, 23, 25};

const struct sup_def SUP[N_SUP] = {
    {"inspections_total", "检查总次数"},
    {"special_campaign", "专项整治检查（次）"},
    {"three_no_items", "查出“三无”食品（件）"},
    {"expired_items", "查出过期变质食品（件）"},
    {"rectifications_ordered", "下达整改通知（份）"},
    {"rectifications_completed", "完成整改（家）"},
    {"school_canteen_inspections", "学校食堂检查（次）"},
    {"villages_reporting", "有数据上报的行政村（个）"},
};

int64_t sup_value(const struct figures *f, int i)
{
    switch (i) {
    case 0: return f->inspections_total;
    case 1: return f->special_campaign;
    case 2: return f->three_no_items;
    case 3: return f->expired_items;
    case 4: return f->rectifications_ordered;
    case 5: return f->rectifications_completed;
    case 6: return f->school_canteen_inspections;
    default: return f->villages_reporting;
    }
}

int64_t render_round_copies(int64_t copies)
{
    return copies >= 100 ? copies / 100 * 100 : copies;
}

int render_supporting(const struct figures *f, int i, const char **key, const char **label,
                      int64_t *value)
{
    if (i < 0 || i >= N_SUP)
        return -1;
    *key = SUP[i].key;
    *label = SUP[i].label;
    *value = sup_value(f, i);
    return 0;
}

const char *rate(int part, int whole, char *buf, size_t n)
{
    if (whole <= 0) {
        snprintf(buf, n, "—");
        return buf;
    }
    long long pm = ((long long)part * 1000 + whole / 2) / whole;
    snprintf(buf, n, "%lld.%lld%%", pm / 10, pm % 10);
    return buf;
}

int has_status(const struct figures *f)
{
    return f->months_expected > 0 || f->nvillages > 0 || f->revision > 0 || f->corrected > 0;
}

int town_silent(const struct figures *t)
{
    int s = 0;
    for (int k = 0; k < t->nvillages; k++)
        s += t->villages[k].silent != 0;
    return s;
}

void village_label(FILE *out, const struct village_figures *v)
{
    if (v->name[0])
        fprintf(out, "%s（%s）", v->name, v->code);
    else
        fputs(v->code, out);
}

const char *village_short(const struct village_figures *v)
{
    return v->name[0] ? v->name : v->code;
}

int64_t village_work(const struct village_figures *v, int i)
{
    switch (i) {
    case 0: return v->inspections;
    case 1: return v->inspections_ordered;
    case 2: return v->inspections_removed_destroyed;
    case 3: return v->routine_distribution;
    case 4: return v->study_sessions;
    case 5: return v->copies;
    default: return v->registered;
    }
}

const char *report_area(const struct figures *total, const struct figures *towns, int n)
{
    return tier_area(tier_of(total, towns, n));
}

void report_title(const struct figures *f, int county, const struct figures *towns, int n,
                  char *buf, size_t len)
{
    char phrase[32];
    period_phrase(&f->period, phrase, sizeof phrase);
    if (county)
        snprintf(buf, len, "全%s%d年%s食品安全工作总结", report_area(f, towns, n), f->period.year,
                 phrase);
    else
        snprintf(buf, len, "%s%d年%s食品安全工作总结", f->name[0] ? f->name : f->township,
                 f->period.year, phrase);
}

void report_divisions(const struct figures *total, const struct figures *towns, int n, char *buf,
                      size_t len)
{
    int tier = tier_of(total, towns, n);
    char cities[32] = "";
    if (tier == TIER_PROVINCE)
        snprintf(cities, sizeof cities, "%d个市、", tier_count(towns, n, 4));
    if (tier >= TIER_CITY)
        snprintf(buf, len, "%s%d个县（市、区）、", cities, tier_count(towns, n, 6));
    else if (len)
        buf[0] = '\0';
}

void report_span(const struct figures *total, const struct figures *towns, int n, char *buf,
                 size_t len)
{
    char div[96];
    report_divisions(total, towns, n, div, sizeof div);
    snprintf(buf, len, "%s%d个镇", div, n);
}
