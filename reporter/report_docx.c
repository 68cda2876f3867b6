#include "report_docx.h"
#include "chart_png.h"
#include "charts.h"
#include "docx_parts.h"
#include "log.h"
#include "markup.h"
#include "ooxml.h"
#include "report_text.h"
#include "words.h"

#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- paragraphs */

static void run_n(FILE *m, const char *s, size_t n)
{
    /* preserve: a line's leading spaces are words of the text format too */
    fputs("<w:r><w:t xml:space=\"preserve\">", m);
    xml_escape_n(m, s, n);
    fputs("</w:t></w:r>", m);
}

/* One paragraph of style (NULL: 正文), on a new page when page_break. */
static void para_n(FILE *m, const char *style, int page_break, const char *s, size_t n)
{
    fputs("<w:p>", m);
    if (style || page_break) {
        fputs("<w:pPr>", m);
        if (style)
            fprintf(m, "<w:pStyle w:val=\"%s\"/>", style);
        if (page_break)
            fputs("<w:pageBreakBefore/>", m);
        fputs("</w:pPr>", m);
    }
    if (n)
        run_n(m, s, n);
    fputs("</w:p>\n", m);
}

static void para(FILE *m, const char *style, int page_break, const char *s)
{
    para_n(m, style, page_break, s, strlen(s));
}

/* A line of the text report (report_text.h): its level chooses the style. */
static int prose_line(void *arg, enum text_level level, const char *line, size_t n)
{
    FILE *m = arg;
    if (n == 0)
        return 0;
    para_n(m, level == TEXT_SECTION ? DOCX_STYLE_SECTION
              : level == TEXT_SUBSECTION ? DOCX_STYLE_SUBSECTION : NULL,
           0, line, n);
    return 0;
}

/* ---------------------------------------------------------------- tables */

/* A column: its heading, its share of the line's width, and whether its
 * cells are text (left-aligned) rather than numbers and codes (centred). */
struct col {
    const char *head;
    int share;
    int left;
};

struct table {
    FILE *m;
    const struct col *cols;
    int n;
    int width[16];
    int cell; /* the next cell of the row being written */
};

#define BORDER(side) "<w:" side " w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>"

/* The table's properties, its grid and its heading row (repeated on every
 * page the table runs over). */
static void table_open(struct table *t, FILE *m, const struct col *cols, int n)
{
    int total = 0, used = 0;
    t->m = m;
    t->cols = cols;
    t->n = n < 16 ? n : 16;
    for (int i = 0; i < t->n; i++)
        total += cols[i].share;
    for (int i = 0; i < t->n; i++) {
        t->width[i] = i == t->n - 1 ? DOCX_TEXT_W - used : DOCX_TEXT_W * cols[i].share / total;
        used += t->width[i];
    }
    fprintf(m, "<w:tbl><w:tblPr><w:tblW w:w=\"%d\" w:type=\"dxa\"/><w:jc w:val=\"center\"/>"
               "<w:tblBorders>" BORDER("top") BORDER("left") BORDER("bottom") BORDER("right")
               BORDER("insideH") BORDER("insideV") "</w:tblBorders><w:tblLayout w:type=\"fixed\"/>"
               "<w:tblCellMar><w:left w:w=\"57\" w:type=\"dxa\"/><w:right w:w=\"57\" w:type=\"dxa\"/>"
               "</w:tblCellMar><w:tblLook w:val=\"04A0\"/></w:tblPr><w:tblGrid>",
            DOCX_TEXT_W);
    for (int i = 0; i < t->n; i++)
        fprintf(m, "<w:gridCol w:w=\"%d\"/>", t->width[i]);
    fputs("</w:tblGrid>\n<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>", m);
    for (int i = 0; i < t->n; i++) {
        fprintf(m, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/>"
                   "</w:tcPr>", t->width[i]);
        para(m, DOCX_STYLE_HEAD, 0, cols[i].head);
        fputs("</w:tc>", m);
    }
    fputs("</w:tr>\n", m);
    t->cell = -1;
}

static void row_open(struct table *t)
{
    fputs("<w:tr><w:trPr><w:cantSplit/></w:trPr>", t->m);
    t->cell = 0;
}

static void row_close(struct table *t)
{
    fputs("</w:tr>\n", t->m);
    t->cell = -1;
}

static void cell(struct table *t, const char *s)
{
    int i = t->cell++;
    if (i < 0 || i >= t->n)
        return;
    fprintf(t->m, "<w:tc><w:tcPr><w:tcW w:w=\"%d\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>"
                  "<w:p><w:pPr><w:pStyle w:val=\"" DOCX_STYLE_CELL "\"/>%s</w:pPr>",
            t->width[i], t->cols[i].left ? "<w:jc w:val=\"left\"/>" : "");
    if (*s)
        run_n(t->m, s, strlen(s));
    fputs("</w:p></w:tc>", t->m);
}

static void cell_int(struct table *t, int64_t v)
{
    char b[32];
    cell(t, i64(v, b, sizeof b));
}

static void table_close(struct table *t)
{
    fputs("</w:tbl>\n", t->m);
}

/* The names (16-19, 24) and the office's staff (20) belong to each
 * township: a county total has none, which is not "not reported". */
static const char *figure_text(const struct figures *f, const struct figure *fg, char *buf, size_t n)
{
    if (!fg->present)
        return strcmp(scope_of(f), "county") == 0 && (fg->type == FIG_TEXT || fg->num == 20)
                   ? "各镇分列" : NOT_REPORTED;
    return data_value(fg, buf, n);
}

/* The township as a reader names it: 城关镇（420102001）, or the code. */
static const char *town_label(const struct figures *t, char *buf, size_t n)
{
    if (t->name[0])
        snprintf(buf, n, "%s（%s）", t->name, t->township);
    else
        snprintf(buf, n, "%s", t->township);
    return buf;
}

/* ---------------------------------------------------------------- appendices */

static void figure_table(FILE *m, const struct figures *f)
{
    static const struct col cols[] = {{"序号", 8, 0}, {"项目", 62, 1}, {"数值", 30, 0}};
    struct table t;
    char b[32];
    const char *key, *label;
    int64_t v;
    table_open(&t, m, cols, 3);
    for (int i = 1; i <= FIGURES_N; i++) {
        row_open(&t);
        snprintf(b, sizeof b, "%d", i);
        cell(&t, b);
        cell(&t, f->f[i].label);
        cell(&t, figure_text(f, &f->f[i], b, sizeof b));
        row_close(&t);
    }
    for (int i = 0; render_supporting(f, i, &key, &label, &v) == 0; i++) {
        row_open(&t);
        cell(&t, "—");
        cell(&t, label);
        cell_int(&t, v);
        row_close(&t);
    }
    table_close(&t);
}

/* A table of the township's villages, a row each: its code, its name,
 * then rest(); the note instead when it has none. */
static void village_table(FILE *m, const struct figures *f, const struct col *cols, int ncols,
                          const char *none, void (*rest)(struct table *t, const struct village_figures *v))
{
    struct table t;
    if (f->nvillages == 0) {
        para(m, DOCX_STYLE_NOTE, 0, none);
        return;
    }
    table_open(&t, m, cols, ncols);
    for (int i = 0; i < f->nvillages; i++) {
        row_open(&t);
        cell(&t, f->villages[i].code);
        cell(&t, f->villages[i].name);
        rest(&t, &f->villages[i]);
        row_close(&t);
    }
    table_close(&t);
}

static void work_cells(struct table *t, const struct village_figures *v)
{
    for (int k = 0; k < N_VILLAGE_WORK; k++)
        cell_int(t, village_work(v, k));
}

static void village_work_table(FILE *m, const struct figures *f)
{
    static const struct col cols[] = {{"村代码", 17, 0}, {"村名", 17, 1}, {"检查（次）", 9, 0},
                                      {"责令整改", 9, 0}, {"下架销毁", 9, 0}, {"流通定检", 9, 0},
                                      {"集中学习", 9, 0}, {"宣传资料（份）", 11, 0}, {"登记（户）", 10, 0}};
    village_table(m, f, cols, 9, "本期暂无行政村数据。", work_cells);
}

/* What 上报率, 按时 and 长期未上报 mean, as the html says it. */
static void thresholds_note(FILE *m, const struct figures *f)
{
    char b[32], *s = NULL;
    size_t n = 0;
    FILE *w = open_memstream(&s, &n);
    if (!w)
        return;
    fprintf(w, "上报率：已报月数÷应报月数，本期合计%s（%d/%d）",
            rate_text(f->months_reported, f->months_expected, b, sizeof b), f->months_reported,
            f->months_expected);
    if (f->months_reported > 0)
        fprintf(w, "，其中按时上报%s", rate_text(f->months_ontime, f->months_reported, b, sizeof b));
    fputs("。", w);
    if (f->ontime_days > 0)
        fprintf(w, "按时：月末后%d天内收到。", f->ontime_days);
    if (f->silent_months > 0)
        fprintf(w, "长期未上报：超过%d个月无任何上报（含零报告）。", f->silent_months);
    if (fclose(w) == 0)
        para_n(m, DOCX_STYLE_NOTE, 0, s, n);
    free(s);
}

static void rate_cells(struct table *t, const struct village_figures *v)
{
    char b[32];
    cell_int(t, v->months_expected);
    cell_int(t, v->months_reported);
    cell_int(t, v->months_ontime);
    cell_int(t, v->months_nil);
    cell(t, rate_text(v->months_reported, v->months_expected, b, sizeof b));
    cell(t, v->last_reported[0] ? v->last_reported : "从未上报");
    cell(t, v->silent ? "长期未上报" : "正常");
}

static void village_rate_table(FILE *m, const struct figures *f)
{
    static const struct col cols[] = {{"村代码", 17, 0}, {"村名", 17, 1}, {"应报月数", 9, 0},
                                      {"已报月数", 9, 0}, {"按时", 8, 0}, {"零报告", 8, 0},
                                      {"上报率", 9, 0}, {"最近上报", 11, 0}, {"状态", 12, 0}};
    village_table(m, f, cols, 9, "本期暂无行政村上报记录。", rate_cells);
}

/* The silent villages of the given townships (with_town: a column naming
 * the township). */
static void silent_table(FILE *m, const struct figures *towns, int n, int with_town)
{
    static const struct col cols[] = {{"镇", 30, 1}, {"行政村", 40, 1}, {"最近上报", 30, 0}};
    struct table t;
    char b[160];
    int count = 0;
    for (int i = 0; i < n; i++)
        count += town_silent(&towns[i]);
    para(m, DOCX_STYLE_CAPTION, 0, "长期未上报的行政村");
    if (!count) {
        para(m, DOCX_STYLE_NOTE, 0, "无长期未上报的行政村。");
        return;
    }
    table_open(&t, m, with_town ? cols : cols + 1, with_town ? 3 : 2);
    for (int i = 0; i < n; i++)
        for (int k = 0; k < towns[i].nvillages; k++) {
            const struct village_figures *v = &towns[i].villages[k];
            if (!v->silent)
                continue;
            row_open(&t);
            if (with_town)
                cell(&t, town_label(&towns[i], b, sizeof b));
            if (v->name[0])
                snprintf(b, sizeof b, "%s（%s）", v->name, v->code);
            else
                snprintf(b, sizeof b, "%s", v->code);
            cell(&t, b);
            cell(&t, v->last_reported[0] ? v->last_reported : "从未上报");
            row_close(&t);
        }
    table_close(&t);
}

static void township_table(FILE *m, const struct figures *total, const struct figures *towns, int n)
{
    struct col cols[6 + N_TOWN_FIGS] = {{"镇", 20, 1}};
    static const struct col tail[] = {{"检查总次数", 8, 0}, {"有数据上报的行政村（个）", 8, 0},
                                      {"上报率", 8, 0}, {"长期未上报村", 7, 0}, {"修订", 11, 0}};
    struct table t;
    char b[160];
    if (n == 0) {
        para(m, DOCX_STYLE_NOTE, 0, "尚无镇上报数据。");
        return;
    }
    for (int k = 0; k < N_TOWN_FIGS; k++)
        cols[1 + k] = (struct col){total->f[TOWN_FIGS[k]].label, 8, 0};
    memcpy(cols + 1 + N_TOWN_FIGS, tail, sizeof tail);
    table_open(&t, m, cols, 6 + N_TOWN_FIGS);
    for (int i = 0; i < n; i++) {
        const struct figures *tw = &towns[i];
        row_open(&t);
        cell(&t, town_label(tw, b, sizeof b));
        for (int k = 0; k < N_TOWN_FIGS; k++)
            cell(&t, figure_text(tw, &tw->f[TOWN_FIGS[k]], b, sizeof b));
        cell_int(&t, tw->inspections_total);
        cell_int(&t, tw->villages_reporting);
        cell(&t, rate_text(tw->months_reported, tw->months_expected, b, sizeof b));
        cell_int(&t, town_silent(tw));
        if (tw->revision > 0)
            snprintf(b, sizeof b, "第%d次%s%s%s", tw->revision, tw->revised_on[0] ? "（" : "",
                     tw->revised_on, tw->revised_on[0] ? "）" : "");
        else
            snprintf(b, sizeof b, "—");
        cell(&t, b);
        row_close(&t);
    }
    table_close(&t);
}

/* The completeness of each township: months expected, reported, on time. */
static void township_rate_table(FILE *m, const struct figures *towns, int n)
{
    static const struct col cols[] = {{"镇", 24, 1}, {"应报村月", 11, 0}, {"已报村月", 11, 0},
                                      {"按时", 10, 0}, {"零报告", 10, 0}, {"上报率", 11, 0},
                                      {"按时率", 11, 0}, {"长期未上报村", 12, 0}};
    struct table t;
    char b[160];
    if (n == 0)
        return;
    table_open(&t, m, cols, 8);
    for (int i = 0; i < n; i++) {
        const struct figures *tw = &towns[i];
        row_open(&t);
        cell(&t, town_label(tw, b, sizeof b));
        cell_int(&t, tw->months_expected);
        cell_int(&t, tw->months_reported);
        cell_int(&t, tw->months_ontime);
        cell_int(&t, tw->months_nil);
        cell(&t, rate_text(tw->months_reported, tw->months_expected, b, sizeof b));
        cell(&t, rate_text(tw->months_ontime, tw->months_reported, b, sizeof b));
        cell_int(&t, town_silent(tw));
        row_close(&t);
    }
    table_close(&t);
}

static void caption(FILE *m, int no, const char *what)
{
    char b[160];
    snprintf(b, sizeof b, "附表%d　%s", no, what);
    para(m, DOCX_STYLE_CAPTION, 1, b);
}

/* ---------------------------------------------------------------- pictures */

/* The document being written: its XML and the pictures it refers to. */
enum { MAX_PICTURES = 8 };
struct doc {
    FILE *m;
    struct chart_picture pic[MAX_PICTURES];
    int npic;
};

/* Chart id as a picture across the type area, its caption (图N) under it;
 * the values stay in the table above it. Left out when the chart is empty
 * or no CJK font is installed (chart_png.h). */
static void picture(struct doc *d, enum chart_id id, const struct figures *f,
                    const struct figures *towns, int n, const char *what)
{
    struct chart c;
    char b[160];
    if (d->npic >= MAX_PICTURES)
        return;
    chart_of(&c, id, f, towns, n);
    int rc = chart_png(&c, &d->pic[d->npic]);
    chart_free(&c);
    if (rc != 0)
        return;
    const struct chart_picture *p = &d->pic[d->npic++];
    /* EMU: 635 a twip; the picture keeps its proportions, and a tall one
     * (many villages) is narrowed to leave its caption room on the page */
    long long cx = DOCX_TEXT_W * 635LL, cy = cx * p->height / p->width;
    long long max = (DOCX_PAGE_H - DOCX_MARGIN_TOP - DOCX_MARGIN_BOTTOM) * 635LL * 85 / 100;
    if (cy > max) {
        cx = cx * max / cy;
        cy = max;
    }
    snprintf(b, sizeof b, "图%d　%s", d->npic, what);
    fprintf(d->m, "<w:p><w:pPr><w:keepNext/><w:snapToGrid w:val=\"0\"/>"
                  "<w:spacing w:before=\"120\" w:line=\"240\" w:lineRule=\"auto\"/>"
                  "<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"center\"/></w:pPr>"
                  "<w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\">"
                  "<wp:extent cx=\"%lld\" cy=\"%lld\"/><wp:docPr id=\"%d\" name=\"图%d\" descr=\"",
            cx, cy, d->npic, d->npic);
    xml_escape(d->m, b);
    fprintf(d->m, "\"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/>"
                  "</wp:cNvGraphicFramePr><a:graphic><a:graphicData uri=\"" DOCX_NS_PIC "\">"
                  "<pic:pic><pic:nvPicPr><pic:cNvPr id=\"0\" name=\"chart%d.png\"/><pic:cNvPicPr/>"
                  "</pic:nvPicPr><pic:blipFill><a:blip r:embed=\"rIdChart%d\"/><a:stretch><a:fillRect/>"
                  "</a:stretch></pic:blipFill><pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/>"
                  "<a:ext cx=\"%lld\" cy=\"%lld\"/></a:xfrm><a:prstGeom prst=\"rect\"><a:avLst/>"
                  "</a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic></wp:inline>"
                  "</w:drawing></w:r></w:p>\n",
            d->npic, d->npic, cx, cy);
    fputs("<w:p><w:pPr><w:pStyle w:val=\"" DOCX_STYLE_NOTE "\"/><w:keepNext w:val=\"0\"/>"
          "<w:jc w:val=\"center\"/></w:pPr>", d->m);
    run_n(d->m, b, strlen(b));
    fputs("</w:p>\n", d->m);
}

/* The parts the pictures add: word/media/chartN.png, and the document's
 * relationships with one per picture. 0 or -1 (logged). */
static int add_pictures(ooxml_pkg_t *p, const struct doc *d)
{
    int rc = -1;
    char *rels = NULL, name[64];
    size_t len = 0;
    FILE *r = open_memstream(&rels, &len);
    if (!r) {
        log_error("docx: out of memory");
        return -1;
    }
    fputs(docx_document_rels_head(), r);
    for (int i = 1; i <= d->npic; i++)
        fprintf(r, "<Relationship Id=\"rIdChart%d\" Type=\"" DOCX_REL_IMAGE "\" "
                   "Target=\"media/chart%d.png\"/>", i, i);
    fputs("</Relationships>\n", r);
    if (fclose(r) != 0) {
        log_error("docx: out of memory");
        goto out;
    }
    if (ooxml_pkg_add(p, "word/_rels/document.xml.rels", rels, len) < 0)
        goto out;
    for (int i = 0; i < d->npic; i++) {
        snprintf(name, sizeof name, "word/media/chart%d.png", i + 1);
        if (ooxml_pkg_add(p, name, (const char *)d->pic[i].data, d->pic[i].len) < 0)
            goto out;
    }
    rc = 0;
out:
    free(rels);
    return rc;
}

/* ---------------------------------------------------------------- appendices */

static void township_appendix(struct doc *d, const struct figures *f)
{
    FILE *m = d->m;
    caption(m, 1, "主要数据");
    para(m, DOCX_STYLE_NOTE, 0, "数值为精确数；正文中的宣传资料份数取整到百。");
    figure_table(m, f);
    picture(d, CHART_REGISTERED, f, NULL, 0, "各类食品生产经营者（期末在册）");
    caption(m, 2, "各行政村工作情况");
    village_work_table(m, f);
    picture(d, CHART_VILLAGE_INSPECTIONS, f, NULL, 0, "各行政村检查次数及处理结果");
    picture(d, CHART_PUBLICITY, f, NULL, 0, "宣传工作按月情况");
    caption(m, 3, "各行政村上报情况");
    thresholds_note(m, f);
    village_rate_table(m, f);
    picture(d, CHART_VILLAGE_RATES, f, NULL, 0, "各行政村上报率");
    silent_table(m, f, 1, 0);
}

static void county_appendix(struct doc *d, const struct figures *total, const struct figures *towns,
                            int n)
{
    FILE *m = d->m;
    struct figures c;
    char what[96];
    const char *area = report_area(total, towns, n);
    county_sums(total, towns, n, &c);
    snprintf(what, sizeof what, "全%s主要数据", area);
    caption(m, 1, what);
    figure_table(m, total);
    snprintf(what, sizeof what, "全%s各类食品生产经营者（期末在册）", area);
    picture(d, CHART_REGISTERED, total, NULL, 0, what);
    caption(m, 2, "各镇主要数据");
    township_table(m, total, towns, n);
    picture(d, CHART_TOWNSHIP_INSPECTIONS, total, towns, n, "各镇检查次数及处理结果");
    snprintf(what, sizeof what, "全%s宣传工作按月情况", area);
    picture(d, CHART_PUBLICITY, &c, NULL, 0, what);
    caption(m, 3, "各镇上报情况");
    thresholds_note(m, &c);
    township_rate_table(m, towns, n);
    picture(d, CHART_TOWNSHIP_RATES, total, towns, n, "各镇行政村上报率");
    silent_table(m, towns, n, 1);
}

/* ---------------------------------------------------------------- package */


/* The page: A4, the standard's margins, 22 lines: linePitch is the type
 * area's 225 mm over 22 lines. The 28 characters of a line are the body
 * style's character spacing (docx_parts.h), not the grid's: LibreOffice
 * gives a character narrower than its font two grid cells. */
static void section(FILE *m)
{
    int pitch = (DOCX_PAGE_H - DOCX_MARGIN_TOP - DOCX_MARGIN_BOTTOM) / 22;
    fprintf(m, "<w:sectPr><w:footerReference w:type=\"default\" r:id=\"" DOCX_RID_FOOTER_ODD "\"/>"
               "<w:footerReference w:type=\"even\" r:id=\"" DOCX_RID_FOOTER_EVEN "\"/>"
               "<w:pgSz w:w=\"%d\" w:h=\"%d\"/><w:pgMar w:top=\"%d\" w:right=\"%d\" w:bottom=\"%d\" "
               "w:left=\"%d\" w:header=\"851\" w:footer=\"1304\" w:gutter=\"0\"/>"
               "<w:cols w:space=\"425\"/><w:docGrid w:type=\"lines\" w:linePitch=\"%d\"/></w:sectPr>",
            DOCX_PAGE_W, DOCX_PAGE_H, DOCX_MARGIN_TOP, DOCX_MARGIN_RIGHT, DOCX_MARGIN_BOTTOM,
            DOCX_MARGIN_LEFT, pitch);
}

static int add_stream(ooxml_pkg_t *p, const char *name, FILE *m, char **buf, size_t *len)
{
    if (fclose(m) != 0) {
        log_error("docx: out of memory");
        return -1;
    }
    return ooxml_pkg_add(p, name, *buf, *len);
}

/* The package: the fixed parts, the document (title, the text writer's
 * lines, then appendix(arg)) and the core properties (the title). */
static int write_docx(FILE *out, const char *title, int (*lines)(FILE *m, const void *arg),
                      void (*appendix)(struct doc *d, const void *arg), const void *arg)
{
    int rc = -1, nfixed;
    char *doc = NULL, *core = NULL;
    size_t doc_len = 0, core_len = 0;
    ooxml_pkg_t *p = NULL;
    FILE *m = NULL, *c = NULL;
    struct doc d = {0};
    const struct docx_part *fixed = docx_fixed_parts(&nfixed);
    if (ooxml_pkg_new(&p) < 0)
        goto out;
    for (int i = 0; i < nfixed; i++)
        if (ooxml_pkg_add(p, fixed[i].name, fixed[i].xml, strlen(fixed[i].xml)) < 0)
            goto out;
    if (!(m = open_memstream(&doc, &doc_len)) || !(c = open_memstream(&core, &core_len))) {
        log_error("docx: out of memory");
        goto out;
    }
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
          "<w:document xmlns:w=\"" DOCX_NS_W "\" xmlns:r=\"" DOCX_NS_R "\" xmlns:wp=\"" DOCX_NS_WP
          "\" xmlns:a=\"" DOCX_NS_A "\" xmlns:pic=\"" DOCX_NS_PIC "\"><w:body>\n", m);
    para(m, DOCX_STYLE_TITLE, 0, title);
    if (lines(m, arg) < 0) {
        log_error("docx: cannot render the report text");
        goto out;
    }
    d.m = m;
    appendix(&d, arg);
    /* Word wants a paragraph, not a table, before the section's end */
    para(m, DOCX_STYLE_NOTE, 0, "");
    section(m);
    fputs("</w:body></w:document>\n", m);
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
          "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" "
          "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>", c);
    xml_escape(c, title);
    fputs("</dc:title><dc:creator>shibao-reporter</dc:creator><dc:language>zh-CN</dc:language>"
          "</cp:coreProperties>\n", c);
    int bad = add_stream(p, "word/document.xml", m, &doc, &doc_len);
    m = NULL;
    bad |= add_stream(p, "docProps/core.xml", c, &core, &core_len);
    c = NULL;
    if (bad || add_pictures(p, &d) < 0 || ooxml_pkg_write(p, out) < 0)
        goto out;
    rc = 0;
out:
    if (m)
        fclose(m);
    if (c)
        fclose(c);
    free(doc);
    free(core);
    for (int i = 0; i < d.npic; i++)
        chart_png_free(&d.pic[i]);
    ooxml_pkg_destroy(&p);
    return rc;
}

/* ---------------------------------------------------------------- entry points */

struct county_args {
    const struct figures *total, *towns;
    int n;
};

static int township_lines(FILE *m, const void *arg)
{
    return text_township_lines(arg, prose_line, m);
}

static void township_appendix_of(struct doc *d, const void *arg)
{
    township_appendix(d, arg);
}

static int county_lines(FILE *m, const void *arg)
{
    const struct county_args *a = arg;
    return text_county_lines(a->total, a->towns, a->n, prose_line, m);
}

static void county_appendix_of(struct doc *d, const void *arg)
{
    const struct county_args *a = arg;
    county_appendix(d, a->total, a->towns, a->n);
}

int docx_township(FILE *out, const struct figures *f)
{
    char title[256];
    report_title(f, 0, NULL, 0, title, sizeof title);
    return write_docx(out, title, township_lines, township_appendix_of, f);
}

int docx_county(FILE *out, const struct figures *total, const struct figures *towns, int n)
{
    char title[256];
    struct county_args a = {total, towns, n};
    report_title(total, 1, towns, n, title, sizeof title);
    return write_docx(out, title, county_lines, county_appendix_of, &a);
}
