#include "svg.h"
#include "markup.h"
#include "words.h"

#include <inttypes.h>
#include <string.h>

/* ---------------------------------------------------------------- svg charts */

#define SVG_OPEN "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" " \
                 "font-family=\"" FONT_SONG_SVG "\" font-size=\"13\">"
/* In an attribute value: the same stack with single quotes. */
#define FONT_SONG_SVG "SimSun,'宋体','Noto Serif CJK SC','Noto Sans CJK SC',serif"


static void svg_legend(FILE *out, const struct series *s, int ns, int x, int y)
{
    for (int i = 0; i < ns; i++) {
        fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" fill=\"%s\"/>", x, y - 10,
                s[i].color);
        fprintf(out, "<text x=\"%d\" y=\"%d\">", x + 16, y);
        html_escape(out, s[i].name);
        fputs("</text>", out);
        x += 16 + 13 * (int)(strlen(s[i].name) / 3) + 22; /* CJK: 3 bytes, one em */
    }
}

void svg_empty(FILE *out, const char *why)
{
    fprintf(out, SVG_OPEN, 600, 56);
    fputs("<rect x=\"0.5\" y=\"0.5\" width=\"599\" height=\"55\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
          "<text x=\"300\" y=\"33\" text-anchor=\"middle\" fill=\"#666\">", out);
    html_escape(out, why);
    fputs("</text></svg>", out);
}

/* Horizontal bars, one row per bar, stacked by series, the total at the
 * end: rows are villages or categories whose names need the room. */
void svg_hbars(FILE *out, const struct series *s, int ns, const struct bar *b, int nb,
                      const char *empty)
{
    enum { W = 600, X0 = 120, X1 = 545, RH = 22, BH = 14 };
    int64_t max = 0;
    for (int i = 0; i < nb; i++) {
        int64_t t = 0;
        for (int k = 0; k < ns; k++)
            t = chart_add(t, b[i].v[k]);
        if (t > max)
            max = t;
    }
    if (nb == 0 || max == 0) {
        svg_empty(out, empty);
        return;
    }
    int ticks;
    int64_t step = chart_step(max, &ticks);
    double top = (double)step * ticks;
    int y0 = ns > 1 ? 30 : 10, h = y0 + nb * RH + 24;
    char buf[32];
    fprintf(out, SVG_OPEN, W, h);
    if (ns > 1)
        svg_legend(out, s, ns, X0, 14);
    for (int t = 0; t <= ticks; t++) {
        double x = X0 + (double)(X1 - X0) * t / ticks;
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1\"/>",
                x, y0 - 4, x, y0 + nb * RH, t ? "#ddd" : "#444");
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">%s</text>",
                x, y0 + nb * RH + 16, chart_tick(step, t, buf, sizeof buf));
    }
    for (int i = 0; i < nb; i++) {
        int y = y0 + i * RH + (RH - BH) / 2;
        int64_t acc = 0, total = 0;
        fputs("<g><title>", out);
        html_escape(out, b[i].tip);
        fputs("</title>", out);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", X0 - 8, y + BH - 3);
        html_escape(out, b[i].label);
        fputs("</text>", out);
        for (int k = 0; k < ns; k++) {
            int64_t v = pos(b[i].v[k]);
            if (!v)
                continue;
            double x = X0 + (double)(X1 - X0) * (double)acc / top;
            double w = (double)(X1 - X0) * (double)v / top;
            fprintf(out, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", x, y,
                    w < 1 ? 1 : w, BH, s[k].color);
            acc = chart_add(acc, v);
        }
        total = acc;
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" fill=\"#222\">%s</text></g>",
                X0 + (double)(X1 - X0) * (double)total / top + 5, y + BH - 3,
                i64(total, buf, sizeof buf));
    }
    fputs("</svg>", out);
}

/* Reporting rate per row (village or township) against a red 100% line. */
void svg_rates(FILE *out, const struct rate_row *r, int n, const char *empty)
{
    enum { W = 600, X0 = 120, X1 = 470, RH = 22, BH = 14 };
    static const struct series legend[] = {
        {"全部按月上报", C_FULL}, {"部分月份未报", C_PART}, {"长期未上报", C_SILENT}};
    int any = 0;
    for (int i = 0; i < n; i++)
        any |= r[i].expected > 0;
    if (!any) {
        svg_empty(out, empty);
        return;
    }
    int y0 = 30, h = y0 + n * RH + 24;
    char buf[32];
    fprintf(out, SVG_OPEN, W, h);
    svg_legend(out, legend, 3, X0, 14);
    for (int t = 0; t <= 4; t++) {
        int x = X0 + (X1 - X0) * t / 4;
        fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"1\"/>",
                x, y0 - 4, x, y0 + n * RH, t ? "#ddd" : "#444");
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" fill=\"#555\" font-size=\"11\">%d%%</text>",
                x, y0 + n * RH + 16, 25 * t);
    }
    for (int i = 0; i < n; i++) {
        int y = y0 + i * RH + (RH - BH) / 2;
        double frac = r[i].expected > 0 ? (double)r[i].reported / r[i].expected : 0;
        if (frac > 1)
            frac = 1;
        const char *c = r[i].silent ? C_SILENT
                      : (r[i].expected > 0 && r[i].reported >= r[i].expected) ? C_FULL : C_PART;
        fputs("<g><title>", out);
        html_escape(out, r[i].tip);
        fputs("</title>", out);
        fprintf(out, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", X0 - 8, y + BH - 3);
        html_escape(out, r[i].label);
        fputs("</text>", out);
        if (frac > 0)
            fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", X0, y,
                    (X1 - X0) * frac, BH, c);
        fprintf(out, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s（%d/%d）</text></g>", X1 + 8, y + BH - 3,
                r[i].silent ? C_SILENT : "#222",
                rate_text(r[i].reported, r[i].expected, buf, sizeof buf), r[i].reported,
                r[i].expected);
    }
    /* The target: every expected month reported. */
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c00000\" stroke-width=\"2\" "
                 "stroke-dasharray=\"6 3\"/>", X1, y0 - 8, X1, y0 + n * RH + 2);
    fputs("</svg>", out);
}

/* Vertical bars per month: publicity has one value per month of the period. */
void svg_months(FILE *out, const char *title, const struct period *p, const int64_t *v,
                       int n, const char *color)
{
    enum { W = 300, H = 214, X0 = 40, X1 = 294, Y0 = 38, Y1 = 186 };
    int64_t max = 0;
    char buf[32];
    for (int i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    int ticks;
    int64_t step = chart_step(max, &ticks);
    double top = (double)step * ticks;
    fprintf(out, SVG_OPEN, W, H);
    fprintf(out, "<text x=\"%d\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" fill=\"#222\">", W / 2);
    html_escape(out, title);
    fputs("</text>", out);
    for (int t = 0; t <= ticks; t++) {
        double y = Y1 - (double)(Y1 - Y0) * t / ticks;
        fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>",
                X0, y, X1, y, t ? "#ddd" : "#444");
        fprintf(out, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" fill=\"#555\" font-size=\"11\">%s</text>",
                X0 - 4, y + 4, chart_tick(step, t, buf, sizeof buf));
    }
    double slot = n > 0 ? (double)(X1 - X0) / n : 0, bw = slot * 0.6;
    for (int i = 0; i < n; i++) {
        double x = X0 + slot * i + (slot - bw) / 2;
        double h = max > 0 ? (double)(Y1 - Y0) * (double)pos(v[i]) / top : 0;
        int month = (p->first_month - 1 + i) % 12 + 1;
        fprintf(out, "<g><title>%d月：%s</title>", month, i64(v[i], buf, sizeof buf));
        if (h > 0)
            fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>", x,
                    Y1 - h, bw, h, color);
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"11\" fill=\"#222\">%s</text>",
                x + bw / 2, Y1 - h - 4, buf);
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" fill=\"#444\">%d月</text></g>",
                x + bw / 2, Y1 + 16, month);
    }
    fputs("</svg>", out);
}

void svg_chart(FILE *out, const struct chart *c)
{
    switch (c->kind) {
    case CHART_BARS:
        svg_hbars(out, c->series, c->ns, c->bars, c->n, c->empty);
        return;
    case CHART_RATES:
        svg_rates(out, c->rates, c->n, c->empty);
        return;
    case CHART_MONTHS:
        fputs("<div class=\"pair\">", out);
        for (int k = 0; k < 2; k++)
            svg_months(out, c->panel[k], &c->period, c->months[k], c->n, c->color[k]);
        fputs("</div>", out);
        return;
    case CHART_EMPTY:
        break;
    }
    svg_empty(out, c->empty ? c->empty : "");
}

void chart_svg(FILE *out, enum chart_id id, const struct figures *f, const struct figures *towns,
               int n)
{
    struct chart c;
    chart_of(&c, id, f, towns, n);
    svg_chart(out, &c);
    chart_free(&c);
}
