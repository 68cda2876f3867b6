#include "chart_png.h"
#include "log.h"
#include "markup.h"
#include "words.h"

#include <cairo-ft.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { W = 600, SCALE = 2 };

/* ---------------------------------------------------------------- font */

static cairo_font_face_t *cjk_face; /* process-wide, never released */
static pthread_once_t face_once = PTHREAD_ONCE_INIT;

static void find_face(void)
{
    static const char *const FAMILIES[] = {"Noto Sans CJK SC", "WenQuanYi Zen Hei",
                                           "WenQuanYi Micro Hei"};
    FcResult res;
    FcCharSet *cs = NULL;
    FcPattern *pat = FcPatternCreate(), *match = NULL;
    if (!pat)
        goto out;
    for (size_t i = 0; i < sizeof FAMILIES / sizeof FAMILIES[0]; i++)
        FcPatternAddString(pat, FC_FAMILY, (const FcChar8 *)FAMILIES[i]);
    FcPatternAddString(pat, FC_LANG, (const FcChar8 *)"zh-cn");
    FcConfigSubstitute(NULL, pat, FcMatchPattern);
    FcDefaultSubstitute(pat);
    match = FcFontMatch(NULL, pat, &res);
    /* 中: a font without it would draw every label as boxes */
    if (!match || FcPatternGetCharSet(match, FC_CHARSET, 0, &cs) != FcResultMatch ||
        !FcCharSetHasChar(cs, 0x4e2d)) {
        log_warn("docx: no CJK font found (install fonts-noto-cjk): the charts are left out, "
                 "the tables carry their values");
        goto out;
    }
    cjk_face = cairo_ft_font_face_create_for_pattern(match);
    if (cairo_font_face_status(cjk_face) != CAIRO_STATUS_SUCCESS) {
        log_warn("docx: cannot load the CJK font: the charts are left out");
        cairo_font_face_destroy(cjk_face);
        cjk_face = NULL;
    }
out:
    if (match)
        FcPatternDestroy(match);
    if (pat)
        FcPatternDestroy(pat);
}

/* ---------------------------------------------------------------- drawing */

static void color(cairo_t *cr, const char *hex)
{
    unsigned v = (unsigned)strtoul(hex + (hex[0] == '#'), NULL, 16);
    cairo_set_source_rgb(cr, (v >> 16 & 255) / 255.0, (v >> 8 & 255) / 255.0, (v & 255) / 255.0);
}

/* s at (x, baseline y): align -1 starts, 0 centres, 1 ends there. */
static void text(cairo_t *cr, double x, double y, int align, double size, const char *hex,
                 const char *s)
{
    cairo_text_extents_t e;
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &e);
    color(cr, hex);
    cairo_move_to(cr, align < 0 ? x : align == 0 ? x - e.x_advance / 2 : x - e.x_advance, y);
    cairo_show_text(cr, s);
}

static void rect(cairo_t *cr, double x, double y, double w, double h, const char *hex)
{
    color(cr, hex);
    cairo_rectangle(cr, x, y, w, h);
    cairo_fill(cr);
}

static void line(cairo_t *cr, double x1, double y1, double x2, double y2, const char *hex)
{
    color(cr, hex);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, x2, y2);
    cairo_stroke(cr);
}

static void legend(cairo_t *cr, const struct series *s, int ns, double x, double y)
{
    for (int i = 0; i < ns; i++) {
        cairo_text_extents_t e;
        rect(cr, x, y - 10, 12, 12, s[i].color);
        text(cr, x + 16, y, -1, 13, "#222222", s[i].name);
        cairo_text_extents(cr, s[i].name, &e);
        x += 16 + e.x_advance + 22;
    }
}

/* The vertical grid of a horizontal chart: ticks lines from x0 to x1,
 * labelled by label(i) under the rows. */
static void grid(cairo_t *cr, double x0, double x1, int y0, int y1, int ticks,
                 const char *(*label)(void *arg, int i, char *buf, size_t n), void *arg)
{
    char buf[32];
    for (int t = 0; t <= ticks; t++) {
        double x = x0 + (x1 - x0) * t / ticks;
        line(cr, x + 0.5, y0 - 4, x + 0.5, y1, t ? "#dddddd" : "#444444");
        text(cr, x, y1 + 16, 0, 11, "#555555", label(arg, t, buf, sizeof buf));
    }
}

static const char *step_label(void *arg, int i, char *buf, size_t n)
{
    return chart_tick(*(const int64_t *)arg, i, buf, n);
}

static const char *percent_label(void *arg, int i, char *buf, size_t n)
{
    (void)arg;
    snprintf(buf, n, "%d%%", 25 * i);
    return buf;
}

enum { X0 = 120, RH = 22, BH = 14 };

static int bars_height(const struct chart *c)
{
    return (c->ns > 1 ? 30 : 10) + c->n * RH + 24;
}

static void draw_bars(cairo_t *cr, const struct chart *c)
{
    enum { X1 = 545 };
    int64_t max = 0;
    for (int i = 0; i < c->n; i++)
        if (chart_bar_total(c, i) > max)
            max = chart_bar_total(c, i);
    int ticks, y0 = c->ns > 1 ? 30 : 10;
    int64_t step = chart_step(max, &ticks);
    double top = (double)step * ticks;
    char buf[32];
    if (c->ns > 1)
        legend(cr, c->series, c->ns, X0, 14);
    grid(cr, X0, X1, y0, y0 + c->n * RH, ticks, step_label, &step);
    for (int i = 0; i < c->n; i++) {
        double y = y0 + i * RH + (RH - BH) / 2, acc = 0;
        text(cr, X0 - 8, y + BH - 3, 1, 13, "#222222", c->bars[i].label);
        for (int k = 0; k < c->ns; k++) {
            double w = (X1 - X0) * (double)pos(c->bars[i].v[k]) / top;
            if (pos(c->bars[i].v[k]) > 0)
                rect(cr, X0 + acc, y, w < 1 ? 1 : w, BH, c->series[k].color);
            acc += w;
        }
        text(cr, X0 + acc + 5, y + BH - 3, -1, 13, "#222222", i64(chart_bar_total(c, i), buf, sizeof buf));
    }
}

static void draw_rates(cairo_t *cr, const struct chart *c)
{
    enum { X1 = 470, Y0 = 30 };
    static const struct series key[] = {
        {"全部按月上报", C_FULL}, {"部分月份未报", C_PART}, {"长期未上报", C_SILENT}};
    char buf[32], note[64];
    legend(cr, key, 3, X0, 14);
    grid(cr, X0, X1, Y0, Y0 + c->n * RH, 4, percent_label, NULL);
    for (int i = 0; i < c->n; i++) {
        const struct rate_row *r = &c->rates[i];
        double y = Y0 + i * RH + (RH - BH) / 2;
        double frac = r->expected > 0 ? (double)r->reported / r->expected : 0;
        const char *hex = r->silent ? C_SILENT : r->expected > 0 && r->reported >= r->expected ? C_FULL
                                                                                           : C_PART;
        text(cr, X0 - 8, y + BH - 3, 1, 13, "#222222", r->label);
        if (frac > 0)
            rect(cr, X0, y, (X1 - X0) * (frac > 1 ? 1 : frac), BH, hex);
        snprintf(note, sizeof note, "%s（%d/%d）", rate_text(r->reported, r->expected, buf, sizeof buf),
                 r->reported, r->expected);
        text(cr, X1 + 8, y + BH - 3, -1, 13, r->silent ? C_SILENT : "#222222", note);
    }
    /* the target: every expected month reported */
    color(cr, C_SILENT);
    cairo_set_line_width(cr, 2);
    cairo_set_dash(cr, (const double[]){6, 3}, 2, 0);
    cairo_move_to(cr, X1, Y0 - 8);
    cairo_line_to(cr, X1, Y0 + c->n * RH + 2);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

/* One panel of monthly bars, 300 wide, at x. */
static void draw_panel(cairo_t *cr, const struct chart *c, int k, double x)
{
    enum { PX0 = 40, PX1 = 294, PY0 = 38, PY1 = 186 };
    int64_t max = 0;
    char buf[32], month[16];
    for (int i = 0; i < c->n; i++)
        if (c->months[k][i] > max)
            max = c->months[k][i];
    int ticks;
    int64_t step = chart_step(max, &ticks);
    double top = (double)step * ticks, slot = (double)(PX1 - PX0) / c->n, bw = slot * 0.6;
    text(cr, x + 150, 16, 0, 13, "#222222", c->panel[k]);
    for (int t = 0; t <= ticks; t++) {
        double y = PY1 - (double)(PY1 - PY0) * t / ticks;
        line(cr, x + PX0, y + 0.5, x + PX1, y + 0.5, t ? "#dddddd" : "#444444");
        text(cr, x + PX0 - 4, y + 4, 1, 11, "#555555", chart_tick(step, t, buf, sizeof buf));
    }
    for (int i = 0; i < c->n; i++) {
        double bx = x + PX0 + slot * i + (slot - bw) / 2;
        double h = max > 0 ? (PY1 - PY0) * (double)pos(c->months[k][i]) / top : 0;
        if (h > 0)
            rect(cr, bx, PY1 - h, bw, h, c->color[k]);
        text(cr, bx + bw / 2, PY1 - h - 4, 0, 11, "#222222", i64(c->months[k][i], buf, sizeof buf));
        snprintf(month, sizeof month, "%d月", (c->period.first_month - 1 + i) % 12 + 1);
        text(cr, bx + bw / 2, PY1 + 16, 0, 13, "#444444", month);
    }
}

/* ---------------------------------------------------------------- png */

static cairo_status_t to_stream(void *arg, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, arg) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* The drawn surface as PNG bytes into p. 0 or -1 (logged). */
static int encode(cairo_surface_t *s, int h, struct chart_picture *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) {
        log_error("docx: out of memory");
        return -1;
    }
    cairo_status_t st = cairo_surface_write_to_png_stream(s, to_stream, m);
    if (fclose(m) != 0 || st != CAIRO_STATUS_SUCCESS) {
        log_error("docx: cannot write a chart as PNG");
        free(buf);
        return -1;
    }
    *p = (struct chart_picture){(unsigned char *)buf, len, W * SCALE, h * SCALE};
    return 0;
}

int chart_png(const struct chart *c, struct chart_picture *p)
{
    memset(p, 0, sizeof *p);
    if (c->kind == CHART_EMPTY)
        return 1;
    pthread_once(&face_once, find_face);
    if (!cjk_face)
        return 1;
    int rc = -1;
    int h = c->kind == CHART_MONTHS ? 214 : c->kind == CHART_BARS ? bars_height(c) : 30 + c->n * RH + 24;
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, W * SCALE, h * SCALE);
    cairo_t *cr = cairo_create(s);
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS) {
        log_error("docx: cannot draw a chart: %s", cairo_status_to_string(cairo_status(cr)));
    } else {
        cairo_scale(cr, SCALE, SCALE);
        rect(cr, 0, 0, W, h, "#ffffff");
        cairo_set_font_face(cr, cjk_face);
        if (c->kind == CHART_BARS)
            draw_bars(cr, c);
        else if (c->kind == CHART_RATES)
            draw_rates(cr, c);
        else
            for (int k = 0; k < 2; k++)
                draw_panel(cr, c, k, k * W / 2);
        cairo_surface_flush(s);
        rc = encode(s, h, p);
    }
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return rc;
}

void chart_png_free(struct chart_picture *p)
{
    free(p->data);
    memset(p, 0, sizeof *p);
}
