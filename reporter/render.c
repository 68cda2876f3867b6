#include "render.h"
#include "csvcell.h"
#include "html.h"
#include "log.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* The seed report (tests/data/township-half-year-report.txt) byte for byte,
 * typos included: the county expects the document it always received. Every
 * '*' is a figure in order 1..25; SEED_PERIOD and SEED_SINCE carry the period;
 * tests compare the rendering against the file itself. */
static const char TEMPLATE[] =
    "2022年上半年以来，在县委、县政府的正确领导下，在县食品药品安全委员会的精心指导下，我镇认真贯彻上级部署，按照“保安全、强监管、促发展“的总体思路，坚持“疏堵结合、打防并举、标本兼治、重在治本”的原则，以推进食品市场整治工作为主线，以实施食品放心工程为重点，强化措施，狠抓落实，食品安全保障水平得到全面提升，促进我镇经济社会健康、快速发展。现将上半年来工作总结报告如下：\n"
    "一、基本情况\n"
    "全镇现有食品生产经营者*户。其中：食品生产企业*家、小作坊*户，餐饮服务单位*家（其中：大型餐饮*家、中型餐饮*家、小型餐饮*家、小餐饮店*家）、学校食堂*个、食品流通经营单位*户（其中：食品批发户*户、商超*家、食杂店*户、小经营店*户）、流动厨师*人。\n"
    "二、工作情况\n"
    "（一）加强领导，健全制度，落实到位\n"
    "我镇从“以人为本、构建和谐社会”的发展战略高度重视产品质量和食品安全监管工作，采取五项措施，落实责任，达到食品药品安全工作群防群治的目的。\n"
    "一是加强领导。成立了以镇长*同志为组长，镇综合行政执法队队长*同志和*市场监督管理所所长*同志为副组长的食品安全领导小组，经镇党委会议研究决定为食品药品安全委员会办公室配备了*名工作人员。\n"
    "二是严格责任。制定完善了全镇食品药品安全考核办法，与各村、各相关单位签订了食品安全目标管理考核责任书。督促各村、各相关单位也成立了食品安全领导小组，形成镇、村两级监管责任体系，使食品安全各项工作落到实处、收到实效。\n"
    "三是完善制度。制定出台了全镇食品药品安全相关规章制度，制定完善了全镇食品药品安全工作计划，明确各村及相关单位职责分工，使食品安全工作有章可循，形成一级抓一级、层层抓落实的工作格局。\n"
    "四是强化监管。建立镇协管员，村信息员监管网络。为全镇*个行政村配备了食品安全协管员和食品安全信息员，进一步明确协管员、信息员工作职责。形成了食品安全日常监管长效机制及食品监管部门协作机制。\n"
    "五是保障经费。镇党委、镇政府对食品安全工作高度重视，把食品安全工作经费列入财政预算，加大对食品安全工作的投入，使食品安全工作经费得到保障。\n"
    "（二）加强宣传，营造氛围\n"
    "按照食品安全知识进机关、进乡村、进学校、进企业的要求，我镇采取发放宣传资料、办宣传栏、召开专题讲座等形式，深入开展食品安全宣传教育。利用横幅、发放宣传资料、召开专题讲座等形式，进行食品安全知识和法律法规的宣传。2022年上半年，共组织各村、各单位主要负责人、食品监管员、协管员集中学习食品安全知识*次，散发宣传资料*余份，各村、各单位工作积极主动、认真扎实，食品安全意识深入人心。\n"
    "（三）突出重点，强化监管。\n"
    "一是抓好食品流通专项整治工作。以粮、油、肉制品、奶制品、豆制品、儿童食品和酒类食品等为重点食品，以集镇作为重点区域，以食品经营单位为主要对像，联合*食场监管所对集镇各类食品经营门店内“三无”食品和过期变食品重点清查。2022年上半年，共组织各村、各单位主要负责人、食品监管员、协管员等人员对各村及镇属各类食品流通单位进行了*次定期检查，进一步加强了全镇食品药品市场的管理和引导，有效地发挥了政府监管的作用。\n"
    "二是抓好饮食行业的专项整治工作。以集镇范围内各类饭店、早餐店等为重点对象，联合镇市场监管所等多个部门全面清查食品原材料、作业场所和环境，核查从事饮食行业的专门人员的从业资格，切实保障群众饮食安全，有效地督促了各饮食店的规范作业。\n"
    "三是抓好单位食堂的食品安全督查工作。联合镇市场监管所对有食堂的企事业单位，积极开展定期、不定期的食品安全督查，对不符合食品安全卫生条件的单位下达整改通知，限期整改。2022年上半年我们协同各单位部门对全镇各学校食堂进行了全面检查，加强对学校食品安全工作的监管，提高学校领导对食品卫生安全意识，切实树立学生健康安全第一的思想，各学校卫生条件有了明显的改善。\n"
    "三、存在的问题\n"
    "虽然我镇食品安全方面不断加强，群众饮食安全环境得到保障，但在日常工作推进中还存在许多不足，主要表现在以下几个方面：一是宣传力度不够，经营者对食品相关安全知识和法律法规一知半解。二是市场监管所人员少、任务重、专业技术人员短缺问题突出；监管部门执法装备不足、执法车辆短缺，影响监管执法效能。\n"
    "四、下一步工作计划\n"
    "虽然我镇食品安全工作取得了一定的成绩，但离上级要求还有一定的距离。在下一步工作中，我们将认真总结工作经验，从以人为本，关爱生命的高度出发，再接再厉，尽职尽责，抓住重点，突破难点，大胆创新，开拓进取，促进我镇食品安全工作再上一个新台阶，为整个经济社会的持续发展作出应有的贡献。一是做到食品安全工作有计划、有安排、有方案，各项工作的开展有真实的资料记录;二是把食品安全工作列入日常常规工作，结合实际开展群众食品安全知识的宣传教育;三是积极推进报告备案登记制度的工作落实，做好报告检查登记的填报工作;四是认真做好全镇范围内的食品经营流通户的管理登记工作，对过期食品和问题食品现场给予销毁或下架处理;五是积极配合相关部门做好食品安全的执法监督检查工作。\n"
    "\n";
#define SEED_PERIOD "2022年上半年"
#define SEED_SINCE "现将上半年来"
#define NOT_REPORTED "（未上报）"
#define TOWN "镇"
#define COUNTY "县"

struct sup_def {
    const char *key, *label;
};

static const struct sup_def SUP[] = {
    {"inspections_total", "检查总次数"},
    {"special_campaign", "专项整治检查（次）"},
    {"three_no_items", "查出“三无”食品（件）"},
    {"expired_items", "查出过期变质食品（件）"},
    {"rectifications_ordered", "下达整改通知（份）"},
    {"rectifications_completed", "完成整改（家）"},
    {"school_canteen_inspections", "学校食堂检查（次）"},
    {"villages_reporting", "有数据上报的行政村（个）"},
};
#define N_SUP ((int)(sizeof SUP / sizeof SUP[0]))

static int64_t sup_value(const struct figures *f, int i)
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

/* The figures of the county appendix: what a county reader compares across
 * townships (size, village network, publicity, supervision). */
static const int TOWN_FIGS[] = {1, 21, 22, 23, 25};
#define N_TOWN_FIGS ((int)(sizeof TOWN_FIGS / sizeof TOWN_FIGS[0]))

int render_format_parse(const char *s)
{
    static const char *const names[] = {"text", "md", "csv", "json", "html"};
    static const enum render_format fmts[] = {RENDER_TEXT, RENDER_MD, RENDER_CSV, RENDER_JSON,
                                              RENDER_HTML};
    for (int i = 0; s && i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return (int)fmts[i];
    return -1;
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

/* The figure as the report prints it: prose rounds figure 23 ("N余份"). */
static const char *report_value(const struct figure *f, char *buf, size_t n)
{
    if (!f->present)
        return NOT_REPORTED;
    if (f->type == FIG_TEXT)
        return f->text;
    snprintf(buf, n, "%" PRId64, f->num == 23 ? render_round_copies(f->value) : f->value);
    return buf;
}

/* The figure as data (md, csv): exact; "" when absent. */
static const char *data_value(const struct figure *f, char *buf, size_t n)
{
    if (!f->present)
        return "";
    if (f->type == FIG_TEXT)
        return f->text;
    snprintf(buf, n, "%" PRId64, f->value);
    return buf;
}

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* ---------------------------------------------------------------- completeness */

static void town_name(FILE *out, const struct figures *t);

/* "83.3%": part of whole to one decimal, rounded; "—" without a whole. */
static const char *rate(int part, int whole, char *buf, size_t n)
{
    if (whole <= 0) {
        snprintf(buf, n, "—");
        return buf;
    }
    long long pm = ((long long)part * 1000 + whole / 2) / whole;
    snprintf(buf, n, "%lld.%lld%%", pm / 10, pm % 10);
    return buf;
}

/* The figures carry completeness (a database always does once it knows a
 * village) or a revision; a model built without a database does not, and
 * renders as before. */
static int has_status(const struct figures *f)
{
    return f->months_expected > 0 || f->nvillages > 0 || f->revision > 0;
}

/* ---------------------------------------------------------------- text */

/* The revision note after a report whose period received late data. */
static void text_revision(FILE *out, const struct figures *f)
{
    if (f->revision > 0)
        fprintf(out, "（本报告数据于 %s 修订，第 %d 次修订）\n",
                f->revised_on[0] ? f->revised_on : "—", f->revision);
}

static void village_label(FILE *out, const struct village_figures *v)
{
    if (v->name[0])
        fprintf(out, "%s（%s）", v->name, v->code);
    else
        fputs(v->code, out);
}

/* t's silent villages, "、" between them; returns how many. */
static int text_silent(FILE *out, const struct figures *t)
{
    int k = 0;
    for (int i = 0; i < t->nvillages; i++)
        if (t->villages[i].silent) {
            if (k++)
                fputs("、", out);
            village_label(out, &t->villages[i]);
        }
    return k;
}

/* 上报情况: rates for f, then the silent villages, of f itself or (a county)
 * of each township. */
static void text_status(FILE *out, const struct figures *f, const struct figures *towns, int n)
{
    char a[48], b[48];
    fputs("附：上报情况\n", out);
    fprintf(out, "应报村月%d个，已报%d个（上报率%s），其中按时上报%d个（按时率%s，月末后%d天内收到），"
                 "零报告%d个。\n",
            f->months_expected, f->months_reported, rate(f->months_reported, f->months_expected, a, sizeof a),
            f->months_ontime, rate(f->months_ontime, f->months_reported, b, sizeof b), f->ontime_days,
            f->months_nil);
    fprintf(out, "长期未上报（超过%d个月无任何上报）的行政村：", f->silent_months);
    int listed = 0;
    if (!towns) {
        listed = text_silent(out, f);
    } else {
        for (int i = 0; i < n; i++) {
            if (!towns[i].villages_silent)
                continue;
            if (listed++)
                fputs("；", out);
            town_name(out, &towns[i]);
            fputs("：", out);
            text_silent(out, &towns[i]);
        }
    }
    fputs(listed ? "。\n" : "无。\n", out);
}

static int text_body(FILE *out, const struct figures *f, int county)
{
    char phrase[32], buf[32];
    period_phrase(&f->period, phrase, sizeof phrase);
    int next = 1;
    const char *s = TEMPLATE, *run = TEMPLATE;
    while (*s) {
        size_t skip = 0;
        if (*s == '*')
            skip = 1;
        else if (starts(s, SEED_PERIOD))
            skip = strlen(SEED_PERIOD);
        else if (starts(s, SEED_SINCE))
            skip = strlen(SEED_SINCE);
        else if (county && (starts(s, "全" TOWN) || starts(s, "我" TOWN)))
            skip = strlen("全" TOWN);
        if (!skip) {
            s++;
            continue;
        }
        fwrite(run, 1, (size_t)(s - run), out);
        if (*s == '*') {
            if (next > FIGURES_N)
                goto miscount;
            fputs(report_value(&f->f[next++], buf, sizeof buf), out);
        } else if (starts(s, SEED_PERIOD)) {
            fprintf(out, "%d年%s", f->period.year, phrase);
        } else if (starts(s, SEED_SINCE)) {
            fprintf(out, "现将%s来", phrase);
        } else {
            /* 全镇 -> 全县, 我镇 -> 我县: keep the first character. */
            fwrite(s, 1, skip - strlen(TOWN), out);
            fputs(COUNTY, out);
        }
        s += skip;
        run = s;
    }
    fwrite(run, 1, (size_t)(s - run), out);
    if (next == FIGURES_N + 1)
        return 0;
miscount:
    log_error("render: the report template does not hold exactly %d placeholders", FIGURES_N);
    return -1;
}

static void town_name(FILE *out, const struct figures *t)
{
    fputs(t->township, out);
    if (t->name[0])
        fprintf(out, " %s", t->name);
}

static void text_town_line(FILE *out, const struct figures *t)
{
    char b[5][32];
    const struct figure *f = t->f;
    town_name(out, t);
    fprintf(out, "：食品生产经营者%s户，配备协管员和信息员的行政村%s个，集中学习食品安全知识%s次，",
            report_value(&f[1], b[0], sizeof b[0]), report_value(&f[21], b[1], sizeof b[1]),
            report_value(&f[22], b[2], sizeof b[2]));
    /* "（未上报）余份" would read as a quantity: the unit goes with a number only. */
    if (f[23].present)
        fprintf(out, "散发宣传资料%s余份，", report_value(&f[23], b[3], sizeof b[3]));
    else
        fputs("散发宣传资料" NOT_REPORTED "，", out);
    fprintf(out, "食品流通单位定期检查%s次，有数据上报的行政村%d个。\n",
            report_value(&f[25], b[4], sizeof b[4]), t->villages_reporting);
    if (!has_status(t))
        return;
    /* the township's completeness, on a line of its own */
    fprintf(out, "  上报率%s（%d/%d），按时率%s，长期未上报的行政村%d个",
            rate(t->months_reported, t->months_expected, b[0], sizeof b[0]), t->months_reported,
            t->months_expected, rate(t->months_ontime, t->months_reported, b[1], sizeof b[1]),
            t->villages_silent);
    if (t->revision > 0)
        fprintf(out, "，数据于 %s 修订（第 %d 次）", t->revised_on, t->revision);
    fputs("。\n", out);
}

/* ---------------------------------------------------------------- md */

static void md_cell(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            fputs("\\|", out);
        else if (*s == '\n' || *s == '\r')
            fputc(' ', out);
        else
            fputc(*s, out);
    }
}

static void md_period(FILE *out, const struct figures *f)
{
    char code[16], first[8], last[8];
    period_format(&f->period, code, sizeof code);
    period_first_month(&f->period, first);
    period_last_month(&f->period, last);
    fprintf(out, "期间：%s（%s 至 %s）", code, first, last);
}

static void md_table(FILE *out, const struct figures *f)
{
    char buf[32];
    fputs("| # | 项目 | 数值 |\n| ---: | --- | ---: |\n", out);
    for (int i = 1; i <= FIGURES_N; i++) {
        fprintf(out, "| %d | %s | ", i, f->f[i].label);
        md_cell(out, f->f[i].present ? data_value(&f->f[i], buf, sizeof buf) : NOT_REPORTED);
        fputs(" |\n", out);
    }
    for (int i = 0; i < N_SUP; i++)
        fprintf(out, "|  | %s | %" PRId64 " |\n", SUP[i].label, sup_value(f, i));
}

/* 上报情况: the rates, the revision, and each village (a township). */
static void md_status(FILE *out, const struct figures *f)
{
    char a[48], b[48];
    if (!has_status(f))
        return;
    fprintf(out, "\n## 上报情况\n\n| 项目 | 数值 |\n| --- | ---: |\n"
                 "| 应报村月 | %d |\n| 已报村月 | %d |\n| 上报率 | %s |\n"
                 "| 按时上报村月（月末后%d天内） | %d |\n| 按时率 | %s |\n| 零报告村月 | %d |\n"
                 "| 长期未上报的行政村（超过%d个月） | %d |\n| 修订次数 | %d |\n| 最近修订日期 | %s |\n",
            f->months_expected, f->months_reported,
            rate(f->months_reported, f->months_expected, a, sizeof a), f->ontime_days,
            f->months_ontime, rate(f->months_ontime, f->months_reported, b, sizeof b),
            f->months_nil, f->silent_months, f->villages_silent, f->revision,
            f->revised_on[0] ? f->revised_on : "—");
    if (!f->nvillages)
        return;
    fputs("\n| 代码 | 行政村 | 应报 | 已报 | 按时 | 零报告 | 最近上报 | 状态 |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | --- | --- |\n", out);
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        fprintf(out, "| %s | ", v->code);
        md_cell(out, v->name);
        fprintf(out, " | %d | %d | %d | %d | %s | %s |\n", v->months_expected, v->months_reported,
                v->months_ontime, v->months_nil, v->last_reported[0] ? v->last_reported : "—",
                v->silent ? "长期未上报" : "正常");
    }
}

static int md_township(FILE *out, const struct figures *f)
{
    char phrase[32];
    period_phrase(&f->period, phrase, sizeof phrase);
    fputs("# ", out);
    if (f->name[0]) {
        md_cell(out, f->name);
        fputs("（", out);
        md_cell(out, f->township);
        fputs("）", out);
    } else {
        md_cell(out, f->township);
    }
    fprintf(out, "%d年%s食品安全工作情况\n\n", f->period.year, phrase);
    md_period(out, f);
    fputs("\n\n", out);
    md_table(out, f);
    md_status(out, f);
    return 0;
}

/* 各镇上报情况: one row per township, then the silent villages by name. */
static void md_county_status(FILE *out, const struct figures *total, const struct figures *towns,
                             int n)
{
    char a[48], b[48];
    int any = has_status(total);
    for (int i = 0; i < n; i++)
        any |= has_status(&towns[i]);
    if (!any)
        return;
    fputs("\n## 各镇上报情况\n\n| 代码 | 镇 | 应报村月 | 已报村月 | 上报率 | 按时率 | 零报告村月 |"
          " 长期未上报的行政村 | 修订次数 | 最近修订日期 |\n"
          "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n", out);
    for (int i = 0; i <= n; i++) {
        const struct figures *t = i < n ? &towns[i] : total;
        fputs("| ", out);
        md_cell(out, i < n ? t->township : "");
        fputs(" | ", out);
        md_cell(out, i < n ? t->name : "全县");
        fprintf(out, " | %d | %d | %s | %s | %d | %d | %d | %s |\n", t->months_expected,
                t->months_reported, rate(t->months_reported, t->months_expected, a, sizeof a),
                rate(t->months_ontime, t->months_reported, b, sizeof b), t->months_nil,
                t->villages_silent, t->revision, t->revised_on[0] ? t->revised_on : "—");
    }
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        if (!t->villages_silent)
            continue;
        fputs("\n长期未上报：", out);
        md_cell(out, t->name[0] ? t->name : t->township);
        fputs("：", out);
        for (int k = 0, m = 0; k < t->nvillages; k++) {
            const struct village_figures *v = &t->villages[k];
            if (!v->silent)
                continue;
            fputs(m++ ? "、" : "", out);
            if (v->name[0]) {
                md_cell(out, v->name);
                fprintf(out, "（%s）", v->code);
            } else {
                fputs(v->code, out);
            }
        }
        fputc('\n', out);
    }
}

static int md_county(FILE *out, const struct figures *total, const struct figures *towns, int n)
{
    char phrase[32], buf[32];
    period_phrase(&total->period, phrase, sizeof phrase);
    fprintf(out, "# 全县%d年%s食品安全工作情况\n\n", total->period.year, phrase);
    md_period(out, total);
    fprintf(out, "，%d个镇\n\n", n);
    md_table(out, total);
    fputs("\n## 各镇主要数据\n\n| 代码 | 镇 |", out);
    for (int k = 0; k < N_TOWN_FIGS; k++)
        fprintf(out, " %s |", total->f[TOWN_FIGS[k]].label);
    fprintf(out, " %s |\n| --- | --- |", SUP[N_SUP - 1].label);
    for (int k = 0; k <= N_TOWN_FIGS; k++)
        fputs(" ---: |", out);
    fputc('\n', out);
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        fputs("| ", out);
        md_cell(out, t->township);
        fputs(" | ", out);
        md_cell(out, t->name);
        fputs(" |", out);
        for (int k = 0; k < N_TOWN_FIGS; k++) {
            const struct figure *fg = &t->f[TOWN_FIGS[k]];
            fprintf(out, " %s |", fg->present ? data_value(fg, buf, sizeof buf) : NOT_REPORTED);
        }
        fprintf(out, " %d |\n", t->villages_reporting);
    }
    md_county_status(out, total, towns, n);
    return 0;
}

/* ---------------------------------------------------------------- csv */

/* Every cell goes through csvcell: text neutralised and quoted, figure
 * values as bare numbers (csvcell.h). */
#define CSV_BOM "\xEF\xBB\xBF"

static void csv_text(FILE *out, const char *s)
{
    fputc(',', out);
    csvcell_text(out, s);
}

static void csv_number(FILE *out, int64_t v)
{
    fputc(',', out);
    csvcell_number(out, v);
}

/* A figure's value: a number, its text, or an empty cell when absent. */
static void csv_figure(FILE *out, const struct figure *f)
{
    if (!f->present)
        csv_text(out, "");
    else if (f->type == FIG_TEXT)
        csv_text(out, f->text);
    else
        csv_number(out, f->value);
}

/* One row per figure, then the supporting figures without a number; one
 * value column per struct in cols. */
static void csv_rows(FILE *out, const struct figures *const *cols, int ncols)
{
    for (int i = 1; i <= FIGURES_N; i++) {
        csvcell_number(out, i);
        csv_text(out, cols[0]->f[i].label);
        csv_text(out, cols[0]->f[i].key);
        for (int c = 0; c < ncols; c++)
            csv_figure(out, &cols[c]->f[i]);
        fputs("\r\n", out);
    }
    for (int s = 0; s < N_SUP; s++) {
        csv_text(out, SUP[s].label);
        csv_text(out, SUP[s].key);
        for (int c = 0; c < ncols; c++)
            csv_number(out, sup_value(cols[c], s));
        fputs("\r\n", out);
    }
}

/* Completeness and revision rows after the supporting ones, when any
 * column has them (docs/REPORTS.md). */
static void csv_status_rows(FILE *out, const struct figures *const *cols, int ncols)
{
    static const struct {
        const char *label, *key;
    } rows[] = {
        {"应报村月", "months_expected"},         {"已报村月", "months_reported"},
        {"上报率", "reporting_rate"},            {"按时上报村月", "months_ontime"},
        {"按时率", "ontime_rate"},               {"零报告村月", "months_nil"},
        {"长期未上报的行政村（个）", "villages_silent"}, {"修订次数", "revision"},
        {"最近修订日期", "revised_on"},
    };
    char buf[48];
    int any = 0;
    for (int c = 0; c < ncols; c++)
        any |= has_status(cols[c]);
    if (!any)
        return;
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        csv_text(out, rows[r].label);
        csv_text(out, rows[r].key);
        for (int c = 0; c < ncols; c++) {
            const struct figures *f = cols[c];
            switch (r) {
            case 0: csv_number(out, f->months_expected); break;
            case 1: csv_number(out, f->months_reported); break;
            case 2: csv_text(out, f->months_expected ? rate(f->months_reported, f->months_expected, buf, sizeof buf) : ""); break;
            case 3: csv_number(out, f->months_ontime); break;
            case 4: csv_text(out, f->months_reported ? rate(f->months_ontime, f->months_reported, buf, sizeof buf) : ""); break;
            case 5: csv_number(out, f->months_nil); break;
            case 6: csv_number(out, f->villages_silent); break;
            case 7: csv_number(out, f->revision); break;
            default: csv_text(out, f->revised_on); break;
            }
        }
        fputs("\r\n", out);
    }
}

/* After a blank line, one row per village (a township with villages). */
static void csv_villages(FILE *out, const struct figures *f)
{
    if (!f->nvillages)
        return;
    fputs("\r\n村代码,村名,应报月数,已报月数,按时月数,零报告月数,最近上报,长期未上报,"
          "检查（次）,责令整改（次）,下架或销毁（次）,流通单位定期检查（次）,集中学习（次）,"
          "宣传资料（份）,在营食品经营者（户）\r\n", out);
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        csvcell_text(out, v->code);
        csv_text(out, v->name);
        csv_number(out, v->months_expected);
        csv_number(out, v->months_reported);
        csv_number(out, v->months_ontime);
        csv_number(out, v->months_nil);
        csv_text(out, v->last_reported);
        csv_text(out, v->silent ? "是" : "否");
        csv_number(out, v->inspections);
        csv_number(out, v->inspections_ordered);
        csv_number(out, v->inspections_removed_destroyed);
        csv_number(out, v->routine_distribution);
        csv_number(out, v->study_sessions);
        csv_number(out, v->copies);
        csv_number(out, v->registered);
        fputs("\r\n", out);
    }
}

static int csv_township(FILE *out, const struct figures *f)
{
    fputs(CSV_BOM "序号,指标,键,数值\r\n", out);
    csv_rows(out, &f, 1);
    csv_status_rows(out, &f, 1);
    csv_villages(out, f);
    return 0;
}

static int csv_county(FILE *out, const struct figures *total, const struct figures *towns, int n)
{
    int rc = -1;
    const struct figures **cols = calloc((size_t)n + 1, sizeof *cols);
    if (!cols) {
        log_error("render: out of memory");
        goto out;
    }
    fputs(CSV_BOM "序号,指标,键", out);
    for (int i = 0; i < n; i++) {
        char head[sizeof towns[i].name + sizeof towns[i].township + 8];
        if (towns[i].name[0])
            snprintf(head, sizeof head, "%s（%s）", towns[i].name, towns[i].township);
        else
            snprintf(head, sizeof head, "%s", towns[i].township);
        csv_text(out, head);
        cols[i] = &towns[i];
    }
    fputs(",全县\r\n", out);
    cols[n] = total;
    csv_rows(out, cols, n + 1);
    csv_status_rows(out, cols, n + 1);
    rc = 0;
out:
    free(cols);
    return rc;
}

/* ---------------------------------------------------------------- json */

/* json_object_set_new / json_array_append_new release v on failure and
 * refuse a NULL v (a failed constructor, or a string that is not UTF-8), so
 * one flag collects every failure of a whole document. */
static void jset(json_t *o, const char *k, json_t *v, int *bad)
{
    if (json_object_set_new(o, k, v) < 0)
        *bad = 1;
}

static void jappend(json_t *a, json_t *v, int *bad)
{
    if (json_array_append_new(a, v) < 0)
        *bad = 1;
}

/* Completeness, revision, the publicity series and (a township) each
 * village: documented in docs/REPORTS.md; keys are never renamed. */
static void json_status(json_t *o, const struct figures *f, int *bad)
{
    json_t *c = json_object(), *months = json_array();
    jset(c, "months_expected", json_integer(f->months_expected), bad);
    jset(c, "months_reported", json_integer(f->months_reported), bad);
    jset(c, "months_ontime", json_integer(f->months_ontime), bad);
    jset(c, "months_nil", json_integer(f->months_nil), bad);
    jset(c, "villages_silent", json_integer(f->villages_silent), bad);
    jset(c, "ontime_days", json_integer(f->ontime_days), bad);
    jset(c, "silent_months", json_integer(f->silent_months), bad);
    jset(o, "completeness", c, bad);
    jset(o, "revision", json_integer(f->revision), bad);
    jset(o, "revised_on", f->revised_on[0] ? json_string(f->revised_on) : json_null(), bad);
    for (int i = 0; i < f->nmonths && i < 12; i++) {
        json_t *m = json_object();
        char month[8];
        snprintf(month, sizeof month, "%04u-%02u", (unsigned)f->period.year % 10000u,
                 (unsigned)(f->period.first_month + i) % 100u);
        jset(m, "month", json_string(month), bad);
        jset(m, "study_sessions", json_integer(f->study_by_month[i]), bad);
        jset(m, "copies", json_integer(f->copies_by_month[i]), bad);
        jappend(months, m, bad);
    }
    jset(o, "publicity_by_month", months, bad);
    if (!f->township[0])
        return; /* a county total has no villages of its own */
    json_t *vs = json_array();
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        json_t *e = json_object();
        jset(e, "code", json_string(v->code), bad);
        jset(e, "name", v->name[0] ? json_string(v->name) : json_null(), bad);
        jset(e, "months_expected", json_integer(v->months_expected), bad);
        jset(e, "months_reported", json_integer(v->months_reported), bad);
        jset(e, "months_ontime", json_integer(v->months_ontime), bad);
        jset(e, "months_nil", json_integer(v->months_nil), bad);
        jset(e, "last_reported", v->last_reported[0] ? json_string(v->last_reported) : json_null(), bad);
        jset(e, "silent", json_boolean(v->silent), bad);
        jset(e, "inspections", json_integer(v->inspections), bad);
        jset(e, "inspections_ordered", json_integer(v->inspections_ordered), bad);
        jset(e, "inspections_removed_destroyed", json_integer(v->inspections_removed_destroyed), bad);
        jset(e, "routine_distribution", json_integer(v->routine_distribution), bad);
        jset(e, "study_sessions", json_integer(v->study_sessions), bad);
        jset(e, "copies", json_integer(v->copies), bad);
        jset(e, "registered", json_integer(v->registered), bad);
        jappend(vs, e, bad);
    }
    jset(o, "villages", vs, bad);
}

static json_t *json_figures(const struct figures *f, int *bad)
{
    char code[16];
    json_t *o = json_object(), *arr = json_array(), *sup = json_object();
    period_format(&f->period, code, sizeof code);
    if (f->township[0]) {
        jset(o, "township", json_string(f->township), bad);
        jset(o, "name", f->name[0] ? json_string(f->name) : json_null(), bad);
    }
    jset(o, "period", json_string(code), bad);
    for (int i = 1; i <= FIGURES_N; i++) {
        const struct figure *fg = &f->f[i];
        json_t *e = json_object();
        jset(e, "num", json_integer(i), bad);
        jset(e, "key", json_string(fg->key), bad);
        jset(e, "label", json_string(fg->label), bad);
        jset(e, "present", json_boolean(fg->present), bad);
        if (fg->type == FIG_TEXT)
            jset(e, "text", fg->present ? json_string(fg->text) : json_null(), bad);
        else
            jset(e, "value", fg->present ? json_integer(fg->value) : json_null(), bad);
        jappend(arr, e, bad);
    }
    jset(o, "figures", arr, bad);
    for (int s = 0; s < N_SUP; s++)
        jset(sup, SUP[s].key, json_integer(sup_value(f, s)), bad);
    jset(o, "supporting", sup, bad);
    json_status(o, f, bad);
    if (!o)
        *bad = 1;
    return o;
}

static int json_write(FILE *out, json_t *root, int bad)
{
    if (bad || !root) {
        log_error("render: cannot build json (out of memory or a text that is not UTF-8)");
        return -1;
    }
    /* Built in memory, written at once: json_dumpf writes token by token
     * through stdio, a fifth of a county report's time (550 KB of JSON).
     * Compact, for programs (jq . shows it indented): the indentation made a
     * county report 550 KB instead of 340 and cost a tenth of its time. */
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        log_error("render: cannot build json (out of memory)");
        return -1;
    }
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

static int json_township(FILE *out, const struct figures *f)
{
    int bad = 0;
    json_t *root = json_figures(f, &bad);
    int rc = json_write(out, root, bad);
    json_decref(root);
    return rc;
}

static int json_county(FILE *out, const struct figures *total, const struct figures *towns,
                       int n)
{
    int bad = 0;
    char code[16];
    json_t *root = json_object(), *arr = json_array();
    period_format(&total->period, code, sizeof code);
    jset(root, "county", json_true(), &bad);
    jset(root, "period", json_string(code), &bad);
    jset(root, "total", json_figures(total, &bad), &bad);
    for (int i = 0; i < n; i++)
        jappend(arr, json_figures(&towns[i], &bad), &bad);
    jset(root, "townships", arr, &bad);
    int rc = json_write(out, root, bad);
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------- entry points */

static int finish(FILE *out, int rc)
{
    if (rc == 0 && ferror(out)) {
        log_error("render: write error");
        rc = -1;
    }
    return rc;
}

int render_township(FILE *out, const struct figures *f, enum render_format fmt)
{
    int rc;
    switch (fmt) {
    case RENDER_TEXT:
        /* the seed word for word, then (with data behind them) the notes */
        rc = text_body(out, f, 0);
        if (rc == 0) {
            text_revision(out, f);
            if (has_status(f))
                text_status(out, f, NULL, 0);
        }
        break;
    case RENDER_MD: rc = md_township(out, f); break;
    case RENDER_CSV: rc = csv_township(out, f); break;
    case RENDER_JSON: rc = json_township(out, f); break;
    case RENDER_HTML: rc = html_township(out, f, NULL); break;
    default: log_error("render: unknown format %d", (int)fmt); return -1;
    }
    return finish(out, rc);
}

int render_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                  enum render_format fmt)
{
    int rc;
    if (n < 0 || (n > 0 && !towns)) {
        log_error("render: no townships given");
        return -1;
    }
    switch (fmt) {
    case RENDER_TEXT:
        rc = text_body(out, total, 1);
        if (rc == 0) {
            text_revision(out, total);
            fputs("附表：各镇主要数据\n", out);
            for (int i = 0; i < n; i++)
                text_town_line(out, &towns[i]);
            if (has_status(total))
                text_status(out, total, towns, n);
        }
        break;
    case RENDER_MD: rc = md_county(out, total, towns, n); break;
    case RENDER_CSV: rc = csv_county(out, total, towns, n); break;
    case RENDER_JSON: rc = json_county(out, total, towns, n); break;
    case RENDER_HTML: rc = html_county(out, total, towns, n, NULL); break;
    default: log_error("render: unknown format %d", (int)fmt); return -1;
    }
    return finish(out, rc);
}
