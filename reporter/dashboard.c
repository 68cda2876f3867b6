#include "html.h"
#include "charts.h"
#include "svg.h"
#include "markup.h"
#include "report_html.h"
#include "words.h"

#include <inttypes.h>

/* ---------------------------------------------------------------- style */

/* The live page: a screen dashboard (it prints too, but is not the report). */
#include "embed_dashboard_css.h" /* reporter/style/dashboard.css */
#define CSS_DASH embed_dashboard_css

static void kpi(FILE *out, const char *label, const char *scope, const char *key, const char *value,
                const char *shown, const char *unit, int warn)
{
    fprintf(out, "<div class=\"kpi%s\"><div class=\"k\">", warn ? " warn" : "");
    html_escape(out, label);
    fputs("</div><div class=\"v\"", out);
    if (key) {
        fputs(" data-scope=\"", out);
        html_escape(out, scope);
        fprintf(out, "\" data-fig=\"%s\" data-value=\"", key);
        html_escape(out, value);
        fputc('"', out);
    }
    fputc('>', out);
    html_escape(out, shown);
    fputs("<span class=\"u\">", out);
    html_escape(out, unit);
    fputs("</span></div></div>\n", out);
}

static void kpi_fig(FILE *out, const struct figure *fg, const char *label, const char *unit)
{
    char buf[32];
    const char *v = data_value(fg, buf, sizeof buf);
    kpi(out, label, "county", fg->key, v, fg->present ? v : "未上报", fg->present ? unit : "", 0);
}

int html_dashboard(FILE *out, const struct figures *total, const struct figures *towns, int n,
                   const struct html_options *o)
{
    char title[128], phrase[32], code[16], first[8], last[8], b[32], b2[32];
    struct figures c;
    int silent = 0;
    county_sums(total, towns, n, &c);
    for (int i = 0; i < n; i++)
        silent += town_silent(&towns[i]);
    period_phrase(&total->period, phrase, sizeof phrase);
    period_format(&total->period, code, sizeof code);
    period_first_month(&total->period, first);
    period_last_month(&total->period, last);
    const char *area = report_area(total, towns, n);
    snprintf(title, sizeof title, "全%s食品安全工作数据看板 · %d年%s", area, total->period.year, phrase);
    head(out, title, CSS_DASH, o);
    fprintf(out, "<body>\n<header><h1>全%s食品安全工作数据看板</h1><div class=\"when\">", area);
    if (o && o->updated) {
        fputs("更新时间 ", out);
        html_escape(out, o->updated);
    }
    if (o && o->refresh > 0)
        fprintf(out, " · 每%d秒自动刷新", o->refresh);
    fputs("</div></header>\n<nav>", out);
    fprintf(out, "<span class=\"period\">%d年%s</span><span>%s（%s 至 %s）</span>", total->period.year,
            phrase, code, first, last);
    if (link_ok(o)) {
        struct html_options lo = *o;
        if (o->prev_period) {
            snprintf(b, sizeof b, "period=%s", o->prev_period);
            lo.query = b;
            fputs("<a", out);
            href(out, &lo, "");
            fputs(">« 上一期</a>", out);
        }
        if (o->next_period) {
            snprintf(b, sizeof b, "period=%s", o->next_period);
            lo.query = b;
            fputs("<a", out);
            href(out, &lo, "");
            fputs(">下一期 »</a>", out);
        }
        fputs("<a", out);
        href(out, o, "county");
        fprintf(out, ">打印全%s报告</a><a", area);
        href(out, o, "county.docx");
        fputs(">下载 Word</a><a", out);
        href(out, o, "api/county.json");
        fputs(">JSON 数据</a>", out);
    }
    fputs("</nav>\n<main>\n<div class=\"kpis\">\n", out);
    kpi_fig(out, &total->f[1], "食品生产经营者", "户");
    kpi(out, "检查总次数", "county", "inspections_total", i64(total->inspections_total, b, sizeof b), b,
        "次", 0);
    kpi_fig(out, &total->f[25], "流通单位定期检查", "次");
    kpi(out, "行政村上报率", "county", NULL, NULL, rate_text(c.months_reported, c.months_expected, b2, sizeof b2),
        "", 0);
    kpi_fig(out, &total->f[22], "集中学习食品安全知识", "次");
    kpi_fig(out, &total->f[23], "散发宣传资料", "份");
    kpi(out, "有数据上报的行政村", "county", "villages_reporting",
        i64(total->villages_reporting, b, sizeof b), b, "个", 0);
    snprintf(b2, sizeof b2, "%d", silent);
    kpi(out, "长期未上报的行政村", "county", NULL, NULL, b2, "个", silent > 0);
    fputs("</div>\n<div class=\"grid\">\n", out);
    fputs("<section class=\"card\"><h2>各类食品生产经营者（期末在册）</h2>", out);
    chart_svg(out, CHART_REGISTERED, total, NULL, 0);
    fputs("</section>\n<section class=\"card\"><h2>各镇行政村上报率</h2>", out);
    chart_svg(out, CHART_TOWNSHIP_RATES, total, towns, n);
    fputs("</section>\n<section class=\"card\"><h2>宣传工作按月情况</h2>", out);
    chart_svg(out, CHART_PUBLICITY, &c, NULL, 0);
    fputs("</section>\n<section class=\"card\"><h2>各镇检查次数及处理结果</h2>", out);
    chart_svg(out, CHART_TOWNSHIP_INSPECTIONS, total, towns, n);
    fputs("</section>\n<section class=\"card wide\"><h2>各镇主要数据</h2>\n", out);
    township_table(out, total, towns, n, o);
    fputs("</section>\n<section class=\"card wide\"><h2>长期未上报的行政村</h2>\n", out);
    silent_list(out, towns, n, 1);
    fprintf(out, "</section>\n<section class=\"card wide\"><h2>全%s指标明细</h2>\n", area);
    figure_table(out, total, 1, 1);
    fputs("</section>\n</div>\n</main>\n<footer>数据来自各镇上报的汇总数据；每项数字可在镇报告中追溯到原始记录。", out);
    if (link_ok(o)) {
        fputs(" 接口：<a", out);
        href(out, o, "api/county.json");
        fputs(">api/county.json</a>", out);
    }
    fputs("</footer>\n</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}
