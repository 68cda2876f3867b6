#include "report_html.h"
#include "charts.h"
#include "svg.h"
#include "log.h"
#include "markup.h"
#include "report_text.h"
#include "words.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- style */


/* The official-document page (GB/T 9704-2012): A4, top 37 mm, binding edge
 * 28 mm, body in 3号 (16 pt) 仿宋, headings 黑体 and 楷体, title 2号 (22 pt)
 * 小标宋. On screen each section is a sheet of paper on a grey desk. The style
 * sheet is reporter/style/report.css, embedded at build time; no '>' in
 * it: tests check tag balance over the whole document. */
#include "embed_report_css.h"
#define CSS_DOC embed_report_css

static void figure_open(FILE *out) { fputs("<figure>", out); }

static void figure_close(FILE *out, int *no, const char *caption)
{
    fprintf(out, "<figcaption>图%d　", ++*no);
    html_escape(out, caption);
    fputs("</figcaption></figure>\n", out);
}

/* ---------------------------------------------------------------- tables */

/* The names (16-19, 24) and the office's staff (20) belong to each
 * township: a county total has none, which is not "not reported". */
static int county_only_absent(const char *scope, const struct figure *fg)
{
    return !fg->present && strcmp(scope, "county") == 0 && (fg->type == FIG_TEXT || fg->num == 20);
}

static void value_cell(FILE *out, const char *scope, const struct figure *fg, int with_id)
{
    char buf[32];
    const char *v = data_value(fg, buf, sizeof buf);
    if (county_only_absent(scope, fg)) {
        fputs("<td class=\"t\"", out);
        if (with_id) {
            fputs(" id=\"fig-", out);
            html_escape(out, scope);
            fprintf(out, "-%s\"", fg->key);
        }
        fprintf(out, " data-scope=\"county\" data-fig=\"%s\" data-value=\"\">各镇分列</td>", fg->key);
        return;
    }
    fprintf(out, "<td class=\"%s\"", !fg->present ? "nr" : fg->type == FIG_TEXT ? "t" : "n");
    if (with_id) {
        fputs(" id=\"fig-", out);
        html_escape(out, scope);
        fprintf(out, "-%s\"", fg->key);
    }
    fputs(" data-scope=\"", out);
    html_escape(out, scope);
    fprintf(out, "\" data-fig=\"%s\" data-value=\"", fg->key);
    html_escape(out, v);
    fputs("\">", out);
    html_escape(out, fg->present ? v : NOT_REPORTED);
    fputs("</td>", out);
}

static void int_cell(FILE *out, const char *scope, const char *key, int64_t v, int with_id)
{
    char buf[32];
    fputs("<td class=\"n\"", out);
    if (with_id) {
        fputs(" id=\"fig-", out);
        html_escape(out, scope);
        fprintf(out, "-%s\"", key);
    }
    fputs(" data-scope=\"", out);
    html_escape(out, scope);
    fprintf(out, "\" data-fig=\"%s\" data-value=\"%s\">%s</td>", key, i64(v, buf, sizeof buf), buf);
}

/* The 25 figures and the supporting ones, with ids: the table a reader or a
 * test checks the prose against. split: two tables side by side (a wide
 * screen), the second from figure 14 on. */
static void figure_rows_open(FILE *out)
{
    fputs("<table class=\"figs\"><thead><tr><th>序号</th><th>项目</th><th>数值</th></tr></thead><tbody>\n", out);
}

void figure_table(FILE *out, const struct figures *f, int with_id, int split)
{
    const char *scope = scope_of(f), *key, *label;
    int64_t v;
    if (split)
        fputs("<div class=\"halves\">", out);
    figure_rows_open(out);
    for (int i = 1; i <= FIGURES_N; i++) {
        if (split && i == 14) {
            fputs("</tbody></table>\n", out);
            figure_rows_open(out);
        }
        fprintf(out, "<tr><td class=\"c\">%d</td><td>", i);
        html_escape(out, f->f[i].label);
        fputs("</td>", out);
        value_cell(out, scope, &f->f[i], with_id);
        fputs("</tr>\n", out);
    }
    for (int i = 0; render_supporting(f, i, &key, &label, &v) == 0; i++) {
        fputs("<tr><td class=\"c\">—</td><td>", out);
        html_escape(out, label);
        fputs("</td>", out);
        int_cell(out, scope, key, v, with_id);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
    if (split)
        fputs("</div>\n", out);
}

/* Per village: the work of the period. */
static void village_work_table(FILE *out, const struct figures *f)
{
    char buf[32];
    if (f->nvillages == 0) {
        fputs("<p class=\"empty\">本期暂无行政村数据。</p>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>村代码</th><th>村名</th><th>检查<br>（次）</th><th>责令<br>整改</th>"
          "<th>下架<br>销毁</th><th>流通<br>定检</th><th>集中<br>学习</th><th>宣传<br>资料（份）</th>"
          "<th>登记<br>（户）</th></tr></thead><tbody>\n", out);
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        const int64_t vals[] = {v->inspections, v->inspections_ordered, v->inspections_removed_destroyed,
                                v->routine_distribution, v->study_sessions, v->copies, v->registered};
        fputs("<tr data-village=\"", out);
        html_escape(out, v->code);
        fputs("\"><td class=\"c\">", out);
        html_escape(out, v->code);
        fputs("</td><td class=\"name\">", out);
        html_escape(out, v->name);
        fputs("</td>", out);
        for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++)
            fprintf(out, "<td class=\"n\">%s</td>", i64(vals[k], buf, sizeof buf));
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

static void thresholds_note(FILE *out, const struct figures *f)
{
    char b[32];
    fputs("<p class=\"empty\">", out);
    fprintf(out, "上报率：已报月数÷应报月数，本期合计%s（%d/%d）", rate_text(f->months_reported,
            f->months_expected, b, sizeof b), f->months_reported, f->months_expected);
    if (f->months_reported > 0)
        fprintf(out, "，其中按时上报%s", rate_text(f->months_ontime, f->months_reported, b, sizeof b));
    fputs("。", out);
    if (f->ontime_days > 0)
        fprintf(out, "按时：月末后%d天内收到。", f->ontime_days);
    if (f->silent_months > 0)
        fprintf(out, "长期未上报：超过%d个月无任何上报（含零报告）。", f->silent_months);
    fputs("</p>\n", out);
}

/* Per village: reporting months, on time, nil reports, silence. */
static void village_rate_table(FILE *out, const struct figures *f)
{
    char b[32];
    if (f->nvillages == 0) {
        fputs("<p class=\"empty\">本期暂无行政村上报记录。</p>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>村代码</th><th>村名</th><th>应报<br>月数</th><th>已报<br>月数</th>"
          "<th>按时</th><th>零报告</th><th>上报率</th><th>最近<br>上报</th><th>状态</th></tr></thead><tbody>\n",
          out);
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        fputs("<tr data-village=\"", out);
        html_escape(out, v->code);
        fputs("\"><td class=\"c\">", out);
        html_escape(out, v->code);
        fputs("</td><td class=\"name\">", out);
        html_escape(out, v->name);
        fprintf(out, "</td><td class=\"n\">%d</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
                     "<td class=\"n\">%d</td><td class=\"n\">%s</td><td class=\"c\">",
                v->months_expected, v->months_reported, v->months_ontime, v->months_nil,
                rate_text(v->months_reported, v->months_expected, b, sizeof b));
        html_escape(out, v->last_reported[0] ? v->last_reported : "从未上报");
        fprintf(out, "</td><td class=\"%s\">%s</td></tr>\n", v->silent ? "c silent" : "c",
                v->silent ? "长期未上报" : "正常");
    }
    fputs("</tbody></table>\n", out);
}

/* Silent villages of the given townships, by name. Returns how many. */
int silent_list(FILE *out, const struct figures *towns, int n, int with_town)
{
    int count = 0;
    for (int i = 0; i < n; i++)
        count += town_silent(&towns[i]);
    if (!count) {
        fputs("<p class=\"empty\">无长期未上报的行政村。</p>\n", out);
        return 0;
    }
    fputs("<ul class=\"silent\">\n", out);
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        for (int k = 0; k < t->nvillages; k++) {
            const struct village_figures *v = &t->villages[k];
            if (!v->silent)
                continue;
            fputs("<li data-village=\"", out);
            html_escape(out, v->code);
            fputs("\">", out);
            if (with_town) {
                html_escape(out, t->name[0] ? t->name : t->township);
                fputs(" · ", out);
            }
            html_escape(out, v->name[0] ? v->name : v->code);
            if (v->name[0]) {
                fputs("（", out);
                html_escape(out, v->code);
                fputs("）", out);
            }
            fputs("：", out);
            if (v->last_reported[0]) {
                fputs("最近上报", out);
                html_escape(out, v->last_reported);
            } else {
                fputs("从未上报", out);
            }
            fputs("</li>\n", out);
        }
    }
    fputs("</ul>\n", out);
    return count;
}

/* The county's table: one row per township; the township linked to its
 * report on the live page. */
void township_table(FILE *out, const struct figures *total, const struct figures *towns,
                           int n, const struct html_options *o)
{
    char b[32];
    if (n == 0) {
        fputs("<p class=\"empty\">尚无镇上报数据。</p>\n", out);
        return;
    }
    fputs("<table class=\"towns\"><thead><tr><th>镇</th>", out);
    for (int k = 0; k < N_TOWN_FIGS; k++) {
        fputs("<th>", out);
        html_escape(out, total->f[TOWN_FIGS[k]].label);
        fputs("</th>", out);
    }
    fputs("<th>检查总次数</th><th>有数据上报的行政村（个）</th><th>上报率</th><th>长期未上报村</th>"
          "<th>修订</th></tr></thead><tbody>\n", out);
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        fputs("<tr data-township=\"", out);
        html_escape(out, t->township);
        fputs("\"><td>", out);
        if (link_ok(o)) {
            char path[48];
            snprintf(path, sizeof path, "township/%s", t->township);
            fputs("<a", out);
            href(out, o, path);
            fputc('>', out);
            town_title(out, t);
            /* the same report as a Word document, beside its print view */
            snprintf(path, sizeof path, "township/%s.docx", t->township);
            fputs("</a> <a class=\"word\"", out);
            href(out, o, path);
            fputs(">下载 Word</a>", out);
        } else {
            town_title(out, t);
        }
        fputs("</td>", out);
        for (int k = 0; k < N_TOWN_FIGS; k++)
            value_cell(out, t->township, &t->f[TOWN_FIGS[k]], 0);
        int_cell(out, t->township, "inspections_total", t->inspections_total, 0);
        int_cell(out, t->township, "villages_reporting", t->villages_reporting, 0);
        fprintf(out, "<td class=\"n\">%s</td>", rate_text(t->months_reported, t->months_expected, b, sizeof b));
        int s = town_silent(t);
        fprintf(out, "<td class=\"%s\">%d</td>", s ? "n silent" : "n", s);
        fputs("<td class=\"c\">", out);
        if (t->revision > 0) {
            fprintf(out, "第%d次", t->revision);
            if (t->revised_on[0]) {
                fputs("（", out);
                html_escape(out, t->revised_on);
                fputs("）", out);
            }
        } else {
            fputs("—", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n", out);
}

/* ---------------------------------------------------------------- prose */

/* A line of the text report (report_text.h) as one element: the text
 * writer's sections are <h2>, its subsections <h3>, the rest paragraphs;
 * empty lines are dropped. */
static int prose_line(void *arg, enum text_level level, const char *line, size_t n)
{
    FILE *out = arg;
    int h = level == TEXT_SECTION ? 2 : level == TEXT_SUBSECTION ? 3 : 0;
    if (n == 0)
        return 0;
    fprintf(out, h ? "<h%d>" : "<p>", h);
    esc_n(out, line, n);
    fprintf(out, h ? "</h%d>\n" : "</p>\n", h);
    return 0;
}

/* A township's revisions and its villages' corrections (更正/撤回), as the
 * text's revision line says them. */
static void revision_note(FILE *out, const struct figures *f)
{
    if (f->revision <= 0) {
        if (f->corrected > 0)
            fprintf(out, "<p class=\"note\">本期村更正、撤回记录 %d 条</p>\n", f->corrected);
        return;
    }
    fprintf(out, "<p class=\"note\">本期数据在截止后有补报，已修订（第%d次修订", f->revision);
    if (f->revised_on[0]) {
        fputs("，", out);
        html_escape(out, f->revised_on);
    }
    if (f->corrected > 0)
        fprintf(out, "；其中村更正、撤回记录 %d 条", f->corrected);
    fputs("）</p>\n", out);
}

static void period_sub(FILE *out, const struct figures *f, const char *code_label)
{
    char code[16], first[8], last[8];
    period_format(&f->period, code, sizeof code);
    period_first_month(&f->period, first);
    period_last_month(&f->period, last);
    fputs("<p class=\"sub\">", out);
    if (code_label) {
        html_escape(out, code_label);
        fputs("　", out);
    }
    fprintf(out, "统计期间：%s（%s 至 %s）</p>\n", code, first, last);
}

/* docx: the path of this report as a Word document. */
static void nav_back(FILE *out, const struct html_options *o, const char *docx)
{
    if (!link_ok(o))
        return;
    fputs("<div class=\"nav\"><a", out);
    href(out, o, "");
    fputs(">← 返回数据看板</a> <a", out);
    href(out, o, docx);
    fputs(">下载 Word</a></div>\n", out);
}

/* ---------------------------------------------------------------- township */

/* The appendix sheets of one township: figures, villages, charts; in the
 * county's document they start with the township's name. tab and fig number
 * the tables and charts across the whole document. */
static void township_sheets(FILE *out, const struct figures *f, int *tab, int *fig, int in_county)
{
    if (in_county) {
        fputs("<section class=\"sheet page\" data-township=\"", out);
        html_escape(out, f->township);
        fputs("\">\n<h1>", out);
        town_title(out, f);
        fputs("</h1>\n", out);
        period_sub(out, f, NULL);
        revision_note(out, f);
    } else {
        fputs("<section class=\"sheet page\">\n", out);
    }
    fprintf(out, "<h4>附表%d　主要数据<small>数值为精确数；正文中的宣传资料份数取整到百</small></h4>\n", ++*tab);
    figure_table(out, f, 1, 0);
    figure_open(out);
    chart_svg(out, CHART_REGISTERED, f, NULL, 0);
    figure_close(out, fig, "各类食品生产经营者（期末在册）");
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各行政村工作情况</h4>\n", ++*tab);
    village_work_table(out, f);
    figure_open(out);
    chart_svg(out, CHART_VILLAGE_INSPECTIONS, f, NULL, 0);
    figure_close(out, fig, "各行政村检查次数及处理结果");
    figure_open(out);
    chart_svg(out, CHART_PUBLICITY, f, NULL, 0);
    figure_close(out, fig, "宣传工作按月情况");
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各行政村上报情况</h4>\n", ++*tab);
    thresholds_note(out, f);
    village_rate_table(out, f);
    figure_open(out);
    chart_svg(out, CHART_VILLAGE_RATES, f, NULL, 0);
    figure_close(out, fig, "各行政村上报率");
    fputs("<h4>长期未上报的行政村</h4>\n", out);
    silent_list(out, f, 1, 0);
    fputs("</section>\n", out);
}

int html_township(FILE *out, const struct figures *f, const struct html_options *o)
{
    char title[256];
    int tab = 0, fig = 0;
    report_title(f, 0, NULL, 0, title, sizeof title);
    head(out, title, CSS_DOC, o);
    char docx[48];
    snprintf(docx, sizeof docx, "township/%s.docx", f->township);
    fputs("<body>\n", out);
    nav_back(out, o, docx);
    fputs("<section class=\"sheet report\" data-scope=\"", out);
    html_escape(out, scope_of(f));
    fputs("\">\n<h1>", out);
    html_escape(out, title);
    fputs("</h1>\n", out);
    char code[32];
    snprintf(code, sizeof code, "镇代码 %s", f->township);
    period_sub(out, f, f->township[0] ? code : NULL);
    /* the text carries the revision note itself */
    if (text_township_lines(f, prose_line, out) < 0) {
        log_error("html: cannot render the report text");
        return -1;
    }
    fputs("</section>\n", out);
    township_sheets(out, f, &tab, &fig, 0);
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}

int html_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                const struct html_options *o)
{
    char title[256];
    int tab = 0, fig = 0;
    struct figures c;
    county_sums(total, towns, n, &c);
    report_title(total, 1, towns, n, title, sizeof title);
    head(out, title, CSS_DOC, o);
    fputs("<body>\n", out);
    nav_back(out, o, "county.docx");
    fputs("<section class=\"sheet report\" data-scope=\"county\">\n<h1>", out);
    html_escape(out, title);
    fputs("</h1>\n", out);
    char towns_label[128], span[96];
    report_span(total, towns, n, span, sizeof span);
    snprintf(towns_label, sizeof towns_label, "共%s", span);
    period_sub(out, total, towns_label);
    if (text_county_lines(total, towns, n, prose_line, out) < 0) {
        log_error("html: cannot render the report text");
        return -1;
    }
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    const char *area = report_area(total, towns, n);
    char cap[128];
    fprintf(out, "<h4>附表%d　全%s主要数据</h4>\n", ++tab, area);
    figure_table(out, total, 1, 0);
    figure_open(out);
    chart_svg(out, CHART_REGISTERED, total, NULL, 0);
    snprintf(cap, sizeof cap, "全%s各类食品生产经营者（期末在册）", area);
    figure_close(out, &fig, cap);
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各镇主要数据</h4>\n", ++tab);
    township_table(out, total, towns, n, o);
    figure_open(out);
    chart_svg(out, CHART_TOWNSHIP_INSPECTIONS, total, towns, n);
    figure_close(out, &fig, "各镇检查次数及处理结果");
    figure_open(out);
    chart_svg(out, CHART_PUBLICITY, &c, NULL, 0);
    snprintf(cap, sizeof cap, "全%s宣传工作按月情况", area);
    figure_close(out, &fig, cap);
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各镇上报情况</h4>\n", ++tab);
    thresholds_note(out, &c);
    figure_open(out);
    chart_svg(out, CHART_TOWNSHIP_RATES, total, towns, n);
    figure_close(out, &fig, "各镇行政村上报率");
    fputs("<h4>长期未上报的行政村</h4>\n", out);
    silent_list(out, towns, n, 1);
    fputs("</section>\n", out);
    for (int i = 0; i < n; i++)
        township_sheets(out, &towns[i], &tab, &fig, 1);
    fputs("</body>\n</html>\n", out);
    return ferror(out) ? -1 : 0;
}

