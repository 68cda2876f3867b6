#include "report_md.h"
#include "report_text.h"
#include "words.h"

#include <inttypes.h>
#include <string.h>

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

/* One line of the report's words (report_text.h): 一、 as ##, （一） as
 * ###, a paragraph as one; what Markdown would read as markup is escaped,
 * so a template's words come out as written. */
static int md_line(void *arg, enum text_level level, const char *line, size_t n)
{
    FILE *out = arg;
    if (n == 0)
        return 0;
    fputs(level == TEXT_SECTION ? "## " : level == TEXT_SUBSECTION ? "### " : "", out);
    for (size_t i = 0; i < n; i++) {
        if (line[i] && strchr("\\`*_[]<>|#~", line[i]))
            fputc('\\', out);
        fputc(line[i], out);
    }
    fputs("\n\n", out);
    return 0;
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

int md_township(FILE *out, const struct figures *f)
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
    if (text_township_lines(f, md_line, out) < 0)
        return -1;
    fputs("## 附表：主要数据\n\n", out);
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
        char all[16];
        snprintf(all, sizeof all, "全%s", report_area(total, towns, n));
        md_cell(out, i < n ? t->name : all);
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

int md_county(FILE *out, const struct figures *total, const struct figures *towns, int n)
{
    char phrase[32], buf[32];
    period_phrase(&total->period, phrase, sizeof phrase);
    const char *area = report_area(total, towns, n);
    char span[96];
    report_span(total, towns, n, span, sizeof span);
    fprintf(out, "# 全%s%d年%s食品安全工作情况\n\n", area, total->period.year, phrase);
    md_period(out, total);
    fprintf(out, "，%s\n\n", span);
    if (text_county_lines(total, towns, n, md_line, out) < 0)
        return -1;
    fprintf(out, "## 附表：全%s主要数据\n\n", area);
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
