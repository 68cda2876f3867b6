#include "report_text.h"
#include "log.h"
#include "words.h"

#include <inttypes.h>
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
#define TOWN "镇"
#define COUNTY "县"

/* ---------------------------------------------------------------- lines */

/* The line being written: the writers below print into m, and end_line()
 * hands it over whole with its level. rc: the first failure, which stops
 * every later line. */
struct lines {
    FILE *m;
    char *buf;
    size_t len;
    text_line_fn fn;
    void *arg;
    int rc;
};

static int lines_open(struct lines *w, text_line_fn fn, void *arg)
{
    memset(w, 0, sizeof *w);
    w->fn = fn;
    w->arg = arg;
    w->m = open_memstream(&w->buf, &w->len);
    if (!w->m) {
        log_error("render: out of memory");
        return -1;
    }
    return 0;
}

static int lines_close(struct lines *w)
{
    if (fclose(w->m) != 0 && w->rc == 0) {
        log_error("render: out of memory");
        w->rc = -1;
    }
    free(w->buf);
    return w->rc;
}

static void end_line(struct lines *w, enum text_level level)
{
    if (fflush(w->m) != 0 && w->rc == 0) {
        log_error("render: out of memory");
        w->rc = -1;
    }
    long n = ftell(w->m);
    if (w->rc == 0 && n >= 0 && w->fn(w->arg, level, w->buf, (size_t)n) < 0)
        w->rc = -1;
    rewind(w->m);
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

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A line of the seed (up to its '\n') is a heading when numbered: 一、
 * through 十、 (and 十一、 …) a section, （一） … a subsection. The seed is
 * the county's own document, byte for byte, so its numbering is the only
 * outline it has. */
static enum text_level seed_level(const char *line)
{
    static const char *const nums[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
    const char *e = strchr(line, '\n');
    size_t n = e ? (size_t)(e - line) : strlen(line);
    const char *s = line;
    if (starts(s, "（"))
        s += strlen("（");
    const char *d = s;
    for (int again = 1; again;) {
        again = 0;
        for (int i = 0; i < 10; i++)
            if (starts(d, nums[i])) {
                d += strlen(nums[i]);
                again = 1;
                break;
            }
    }
    if (d == s || (size_t)(d - line) >= n)
        return TEXT_PARAGRAPH;
    if (s != line)
        return starts(d, "）") ? TEXT_SUBSECTION : TEXT_PARAGRAPH;
    return starts(d, "、") ? TEXT_SECTION : TEXT_PARAGRAPH;
}

/* ---------------------------------------------------------------- text */

static void town_name(FILE *out, const struct figures *t);

/* The revision note after a report whose period received late data. */
static void text_revision(struct lines *w, const struct figures *f)
{
    if (f->revision > 0) {
        fprintf(w->m, "（本报告数据于 %s 修订，第 %d 次修订）",
                f->revised_on[0] ? f->revised_on : "—", f->revision);
        end_line(w, TEXT_PARAGRAPH);
    }
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
static void text_status(struct lines *w, const struct figures *f, const struct figures *towns,
                        int n)
{
    char a[48], b[48];
    FILE *out = w->m;
    fputs("附：上报情况", out);
    end_line(w, TEXT_SECTION);
    fprintf(out, "应报村月%d个，已报%d个（上报率%s），其中按时上报%d个（按时率%s，月末后%d天内收到），"
                 "零报告%d个。",
            f->months_expected, f->months_reported, rate(f->months_reported, f->months_expected, a, sizeof a),
            f->months_ontime, rate(f->months_ontime, f->months_reported, b, sizeof b), f->ontime_days,
            f->months_nil);
    end_line(w, TEXT_PARAGRAPH);
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
    fputs(listed ? "。" : "无。", out);
    end_line(w, TEXT_PARAGRAPH);
}

/* The seed, line by line (it ends with a newline), every * filled. */
static int text_body(struct lines *w, const struct figures *f, int county)
{
    char phrase[32], buf[32];
    FILE *out = w->m;
    period_phrase(&f->period, phrase, sizeof phrase);
    int next = 1;
    const char *s = TEMPLATE, *run = TEMPLATE, *line = TEMPLATE;
    while (*s) {
        size_t skip = 0;
        if (*s == '\n')
            skip = 1;
        else if (*s == '*')
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
        if (*s == '\n') {
            end_line(w, seed_level(line));
            line = s + 1;
        } else if (*s == '*') {
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
    if (s > run) {
        fwrite(run, 1, (size_t)(s - run), out);
        end_line(w, seed_level(line));
    }
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

static void text_town_line(struct lines *w, const struct figures *t)
{
    char b[5][32];
    FILE *out = w->m;
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
    fprintf(out, "食品流通单位定期检查%s次，有数据上报的行政村%d个。",
            report_value(&f[25], b[4], sizeof b[4]), t->villages_reporting);
    end_line(w, TEXT_PARAGRAPH);
    if (!has_status(t))
        return;
    /* the township's completeness, on a line of its own */
    fprintf(out, "  上报率%s（%d/%d），按时率%s，长期未上报的行政村%d个",
            rate(t->months_reported, t->months_expected, b[0], sizeof b[0]), t->months_reported,
            t->months_expected, rate(t->months_ontime, t->months_reported, b[1], sizeof b[1]),
            t->villages_silent);
    if (t->revision > 0)
        fprintf(out, "，数据于 %s 修订（第 %d 次）", t->revised_on, t->revision);
    fputs("。", out);
    end_line(w, TEXT_PARAGRAPH);
}

/* ---------------------------------------------------------------- entry points */

int text_township_lines(const struct figures *f, text_line_fn fn, void *arg)
{
    struct lines w;
    if (lines_open(&w, fn, arg) < 0)
        return -1;
    /* the seed word for word, then (with data behind them) the notes */
    if (text_body(&w, f, 0) < 0)
        w.rc = -1;
    if (w.rc == 0) {
        text_revision(&w, f);
        if (has_status(f))
            text_status(&w, f, NULL, 0);
    }
    return lines_close(&w);
}

int text_county_lines(const struct figures *total, const struct figures *towns, int n,
                      text_line_fn fn, void *arg)
{
    struct lines w;
    if (n < 0 || (n > 0 && !towns)) {
        log_error("render: no townships given");
        return -1;
    }
    if (lines_open(&w, fn, arg) < 0)
        return -1;
    if (text_body(&w, total, 1) < 0)
        w.rc = -1;
    if (w.rc == 0) {
        text_revision(&w, total);
        fputs("附表：各镇主要数据", w.m);
        end_line(&w, TEXT_SECTION);
        for (int i = 0; i < n; i++)
            text_town_line(&w, &towns[i]);
        if (has_status(total))
            text_status(&w, total, towns, n);
    }
    return lines_close(&w);
}

/* The text format's sink: the line and its newline. */
static int put_line(void *arg, enum text_level level, const char *line, size_t n)
{
    FILE *out = arg;
    (void)level;
    fwrite(line, 1, n, out);
    fputc('\n', out);
    return 0;
}

int text_township(FILE *out, const struct figures *f)
{
    return text_township_lines(f, put_line, out);
}

int text_county(FILE *out, const struct figures *total, const struct figures *towns, int n)
{
    return text_county_lines(total, towns, n, put_line, out);
}
