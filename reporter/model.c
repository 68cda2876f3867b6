#include "model.h"

#include <stdlib.h>
#include <string.h>

struct fig_def {
    const char *key, *label;
    enum figure_type type;
};

/* Keys are a contract with json/csv consumers: never rename one. */
static const struct fig_def DEFS[FIGURES_N + 1] = {
    [1] = {"registered_total", "食品生产经营者（户）", FIG_COUNT},
    [2] = {"production_enterprises", "食品生产企业（家）", FIG_COUNT},
    [3] = {"small_workshops", "小作坊（户）", FIG_COUNT},
    [4] = {"catering_units", "餐饮服务单位（家）", FIG_COUNT},
    [5] = {"catering_large", "大型餐饮（家）", FIG_COUNT},
    [6] = {"catering_medium", "中型餐饮（家）", FIG_COUNT},
    [7] = {"catering_small", "小型餐饮（家）", FIG_COUNT},
    [8] = {"small_eateries", "小餐饮店（家）", FIG_COUNT},
    [9] = {"school_canteens", "学校食堂（个）", FIG_COUNT},
    [10] = {"distribution_units", "食品流通经营单位（户）", FIG_COUNT},
    [11] = {"wholesalers", "食品批发户（户）", FIG_COUNT},
    [12] = {"supermarkets", "商超（家）", FIG_COUNT},
    [13] = {"grocery_stores", "食杂店（户）", FIG_COUNT},
    [14] = {"small_shops", "小经营店（户）", FIG_COUNT},
    [15] = {"mobile_chefs", "流动厨师（人）", FIG_COUNT},
    [16] = {"township_head", "镇长（食品安全领导小组组长）", FIG_TEXT},
    [17] = {"enforcement_head", "综合行政执法队队长", FIG_TEXT},
    [18] = {"market_office", "市场监督管理所", FIG_TEXT},
    [19] = {"market_director", "市场监督管理所所长", FIG_TEXT},
    [20] = {"office_staff", "食品药品安全委员会办公室工作人员（名）", FIG_COUNT},
    [21] = {"villages_staffed", "配备协管员和信息员的行政村（个）", FIG_COUNT},
    [22] = {"study_sessions", "集中学习食品安全知识（次）", FIG_COUNT},
    [23] = {"materials_copies", "散发宣传资料（份）", FIG_COUNT},
    [24] = {"market_office_joined", "联合检查的市场监管所", FIG_TEXT},
    [25] = {"routine_inspections_distribution", "食品流通单位定期检查（次）", FIG_COUNT},
};

void figures_init(struct figures *out, const struct period *p)
{
    memset(out, 0, sizeof *out);
    if (p)
        out->period = *p;
    for (int i = 1; i <= FIGURES_N; i++) {
        out->f[i].num = i;
        out->f[i].key = DEFS[i].key;
        out->f[i].label = DEFS[i].label;
        out->f[i].type = DEFS[i].type;
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
