#include "model.h"
#include "metric.h"
#include "shibao.pb-c.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define C(x) (1u << SHIBAO__V1__CATEGORY__CATEGORY_##x)
#define CATERING (C(CATERING_LARGE) | C(CATERING_MEDIUM) | C(CATERING_SMALL) | C(SMALL_EATERY))
#define DISTRIBUTION (C(WHOLESALER) | C(SUPERMARKET) | C(GROCERY_STORE) | C(SMALL_SHOP))
#define ALL_CATS (C(PRODUCTION_ENTERPRISE) | C(SMALL_WORKSHOP) | CATERING | C(SCHOOL_CANTEEN) | \
                  DISTRIBUTION | C(MOBILE_CHEF))
#define S(x) METRIC_STOCK_REG(x)

/* Keys are a contract with json/csv consumers: never rename one. The
 * metrics of a registry figure are in the order figures.c reads them. */
const struct figure_def FIGURE_DEFS[FIGURES_N + 1] = {
    [1] = {"registered_total", "食品生产经营者（户）", FIG_COUNT, FIG_FROM_REGISTRY, ALL_CATS, NULL,
           {S(PRODUCTION_ENTERPRISE), S(SMALL_WORKSHOP), S(CATERING_LARGE), S(CATERING_MEDIUM),
            S(CATERING_SMALL), S(SMALL_EATERY), S(SCHOOL_CANTEEN), S(WHOLESALER), S(SUPERMARKET),
            S(GROCERY_STORE), S(SMALL_SHOP), S(MOBILE_CHEF)}},
    [2] = {"production_enterprises", "食品生产企业（家）", FIG_COUNT, FIG_FROM_REGISTRY,
           C(PRODUCTION_ENTERPRISE), NULL, {S(PRODUCTION_ENTERPRISE)}},
    [3] = {"small_workshops", "小作坊（户）", FIG_COUNT, FIG_FROM_REGISTRY, C(SMALL_WORKSHOP), NULL,
           {S(SMALL_WORKSHOP)}},
    [4] = {"catering_units", "餐饮服务单位（家）", FIG_COUNT, FIG_FROM_REGISTRY, CATERING, NULL,
           {S(CATERING_LARGE), S(CATERING_MEDIUM), S(CATERING_SMALL), S(SMALL_EATERY)}},
    [5] = {"catering_large", "大型餐饮（家）", FIG_COUNT, FIG_FROM_REGISTRY, C(CATERING_LARGE), NULL,
           {S(CATERING_LARGE)}},
    [6] = {"catering_medium", "中型餐饮（家）", FIG_COUNT, FIG_FROM_REGISTRY, C(CATERING_MEDIUM), NULL,
           {S(CATERING_MEDIUM)}},
    [7] = {"catering_small", "小型餐饮（家）", FIG_COUNT, FIG_FROM_REGISTRY, C(CATERING_SMALL), NULL,
           {S(CATERING_SMALL)}},
    [8] = {"small_eateries", "小餐饮店（家）", FIG_COUNT, FIG_FROM_REGISTRY, C(SMALL_EATERY), NULL,
           {S(SMALL_EATERY)}},
    [9] = {"school_canteens", "学校食堂（个）", FIG_COUNT, FIG_FROM_REGISTRY, C(SCHOOL_CANTEEN), NULL,
           {S(SCHOOL_CANTEEN)}},
    [10] = {"distribution_units", "食品流通经营单位（户）", FIG_COUNT, FIG_FROM_REGISTRY, DISTRIBUTION,
            NULL, {S(WHOLESALER), S(SUPERMARKET), S(GROCERY_STORE), S(SMALL_SHOP)}},
    [11] = {"wholesalers", "食品批发户（户）", FIG_COUNT, FIG_FROM_REGISTRY, C(WHOLESALER), NULL,
            {S(WHOLESALER)}},
    [12] = {"supermarkets", "商超（家）", FIG_COUNT, FIG_FROM_REGISTRY, C(SUPERMARKET), NULL,
            {S(SUPERMARKET)}},
    [13] = {"grocery_stores", "食杂店（户）", FIG_COUNT, FIG_FROM_REGISTRY, C(GROCERY_STORE), NULL,
            {S(GROCERY_STORE)}},
    [14] = {"small_shops", "小经营店（户）", FIG_COUNT, FIG_FROM_REGISTRY, C(SMALL_SHOP), NULL,
            {S(SMALL_SHOP)}},
    [15] = {"mobile_chefs", "流动厨师（人）", FIG_COUNT, FIG_FROM_REGISTRY, C(MOBILE_CHEF), NULL,
            {S(MOBILE_CHEF)}},
    [16] = {"township_head", "镇长（食品安全领导小组组长）", FIG_TEXT, FIG_FROM_PROFILE, 0, PROFILE_KEY_HEAD, {NULL}},
    [17] = {"enforcement_head", "综合行政执法队队长", FIG_TEXT, FIG_FROM_PROFILE, 0, PROFILE_KEY_ENFORCEMENT_HEAD,
            {NULL}},
    [18] = {"market_office", "市场监督管理所", FIG_TEXT, FIG_FROM_PROFILE, 0, PROFILE_KEY_MARKET_OFFICE, {NULL}},
    [19] = {"market_director", "市场监督管理所所长", FIG_TEXT, FIG_FROM_PROFILE, 0, PROFILE_KEY_MARKET_DIRECTOR,
            {NULL}},
    [20] = {"office_staff", "食品药品安全委员会办公室工作人员（名）", FIG_COUNT, FIG_FROM_PROFILE, 0,
            PROFILE_KEY_OFFICE_STAFF, {NULL}},
    [21] = {"villages_staffed", "配备协管员和信息员的行政村（个）", FIG_COUNT, FIG_FROM_STAFFING, 0, NULL,
            {METRIC_STOCK_STAFF(COORDINATOR), METRIC_STOCK_STAFF(INFORMATION_OFFICER)}},
    [22] = {"study_sessions", "集中学习食品安全知识（次）", FIG_COUNT, FIG_FROM_FLOW, 0, NULL,
            {METRIC_PUB(STUDY_SESSION)}},
    [23] = {"materials_copies", "散发宣传资料（份）", FIG_COUNT, FIG_FROM_FLOW, 0, NULL, {METRIC_COPIES}},
    [24] = {"market_office_joined", "联合检查的市场监管所", FIG_TEXT, FIG_FROM_PROFILE, 0,
            PROFILE_KEY_MARKET_OFFICE, {NULL}},
    [25] = {"routine_inspections_distribution", "食品流通单位定期检查（次）", FIG_COUNT, FIG_FROM_FLOW,
            DISTRIBUTION, NULL, {METRIC_ROUTINE_DISTRIBUTION}},
};

int figure_has_category(int num, int category)
{
    return num >= 1 && num <= FIGURES_N && category >= 0 && category < 32 &&
           ((FIGURE_DEFS[num].cats >> category) & 1u);
}

int figure_num(const char *key)
{
    for (int i = 1; i <= FIGURES_N; i++)
        if (strcmp(key, FIGURE_DEFS[i].key) == 0)
            return i;
    return -1;
}

void figures_init(struct figures *out, const struct period *p)
{
    memset(out, 0, sizeof *out);
    if (p)
        out->period = *p;
    for (int i = 1; i <= FIGURES_N; i++) {
        out->f[i].num = i;
        out->f[i].key = FIGURE_DEFS[i].key;
        out->f[i].label = FIGURE_DEFS[i].label;
        out->f[i].type = FIGURE_DEFS[i].type;
    }
}

void figures_free(struct figures *f)
{
    if (!f)
        return;
    free(f->villages);
    f->villages = NULL;
    f->nvillages = 0;
}

const char *data_value(const struct figure *f, char *buf, size_t n)
{
    if (!f->present)
        return "";
    if (f->type == FIG_TEXT)
        return f->text;
    snprintf(buf, n, "%" PRId64, f->value);
    return buf;
}
