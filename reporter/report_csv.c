#include "report_csv.h"
#include "csvcell.h"
#include "log.h"
#include "words.h"

#include <stdlib.h>

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
        for (int k = 0; k < N_VILLAGE_WORK; k++)
            csv_number(out, village_work(v, k));
        fputs("\r\n", out);
    }
}

int csv_township(FILE *out, const struct figures *f)
{
    fputs(CSV_BOM "序号,指标,键,数值\r\n", out);
    csv_rows(out, &f, 1);
    csv_status_rows(out, &f, 1);
    csv_villages(out, f);
    return 0;
}

int csv_county(FILE *out, const struct figures *total, const struct figures *towns, int n)
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
    fprintf(out, ",全%s\r\n", report_area(total, towns, n));
    cols[n] = total;
    csv_rows(out, cols, n + 1);
    csv_status_rows(out, cols, n + 1);
    rc = 0;
out:
    free(cols);
    return rc;
}
