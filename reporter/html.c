#include "html.h"
#include "log.h"
#include "render.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NOT_REPORTED "（未上报）"

/* ---------------------------------------------------------------- text helpers */

void html_escape(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&#39;", out); break;
        default:
            /* C0 controls are not allowed in HTML text: a stray one in a
             * profile value must not make the document invalid. */
            fputc((unsigned char)*s < 0x20 && *s != '\t' && *s != '\n' ? ' ' : *s, out);
        }
    }
}

static void esc_n(FILE *out, const char *s, size_t n)
{
    char buf[512];
    while (n > 0) {
        size_t k = n < sizeof buf - 1 ? n : sizeof buf - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
        html_escape(out, buf);
        s += k;
        n -= k;
    }
}

/* s cut to about max display columns (a CJK character is two), whole UTF-8
 * characters only, with "…" when cut: chart labels have a fixed width. */
static const char *clip(const char *s, int max, char *buf, size_t n)
{
    int cols = 0;
    size_t i = 0;
    while (s[i]) {
        size_t len = 1;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0xF0) len = 4;
        else if (c >= 0xE0) len = 3;
        else if (c >= 0xC0) len = 2;
        int w = c < 0x80 ? 1 : 2;
        if (cols + w > max || i + len + 4 > n) {
            memcpy(buf, s, i);
            memcpy(buf + i, "…", sizeof "…");
            return buf;
        }
        for (size_t k = 1; k < len; k++)
            if (!s[i + k])
                return s; /* truncated sequence: leave it to the escaper */
        cols += w;
        i += len;
    }
    return s;
}

static const char *i64(int64_t v, char *buf, size_t n)
{
    snprintf(buf, n, "%" PRId64, v);
    return buf;
}

/* Exact value for data-value: "" when not reported. */
static const char *data_value(const struct figure *f, char *buf, size_t n)
{
    if (!f->present)
        return "";
    return f->type == FIG_TEXT ? f->text : i64(f->value, buf, n);
}

/* "83%" of a reporting rate, or "—" when nothing was expected. */
static const char *rate_text(int reported, int expected, char *buf, size_t n)
{
    if (expected <= 0)
        return "—";
    snprintf(buf, n, "%d%%", (int)((reported * 200LL + expected) / (2LL * expected)));
    return buf;
}

static const char *scope_of(const struct figures *f)
{
    return f->township[0] ? f->township : "county";
}

/* The township as a reader names it: 城关镇（420102001）, or the code. */
static void town_title(FILE *out, const struct figures *t)
{
    if (t->name[0]) {
        html_escape(out, t->name);
        fputs("（", out);
        html_escape(out, t->township);
        fputs("）", out);
    } else {
        html_escape(out, t->township);
    }
}

static void village_label(const struct village_figures *v, char *buf, size_t n)
{
    snprintf(buf, n, "%s", v->name[0] ? v->name : v->code);
}

/* ---------------------------------------------------------------- style */

#define FONT_BODY "\"FangSong\",\"STFangsong\",\"仿宋\",\"仿宋_GB2312\",\"FangSong_GB2312\"," \
                  "\"SimSun\",\"宋体\",\"Noto Serif CJK SC\",\"Source Han Serif SC\",serif"
#define FONT_TITLE "\"FZXiaoBiaoSong-B05S\",\"方正小标宋简体\",\"方正小标宋_GBK\",\"SimSun\"," \
                   "\"宋体\",\"Noto Serif CJK SC\",\"Source Han Serif SC\",serif"
#define FONT_HEI "\"SimHei\",\"黑体\",\"Heiti SC\",\"Noto Sans CJK SC\",\"Source Han Sans SC\",sans-serif"
#define FONT_KAI "\"KaiTi\",\"STKaiti\",\"楷体\",\"楷体_GB2312\",\"KaiTi_GB2312\"," \
                 "\"Noto Serif CJK SC\",serif"
#define FONT_SONG "\"SimSun\",\"宋体\",\"Songti SC\",\"Noto Serif CJK SC\",\"Source Han Serif SC\",serif"
#define FONT_UI "\"Microsoft YaHei\",\"微软雅黑\",\"PingFang SC\",\"Noto Sans CJK SC\"," \
                "\"Source Han Sans SC\",sans-serif"

/* The official-document page (GB/T 9704-2012): A4, top 37 mm, binding edge
 * 28 mm, body in 3号 (16 pt) 仿宋, headings 黑体 and 楷体, title 2号 (22 pt)
 * 小标宋. On screen each section is a sheet of paper on a grey desk. No '>'
 * anywhere in the CSS: tests check tag balance over the whole document. */
static const char CSS_DOC[] =
    "@page{size:A4;margin:37mm 26mm 35mm 28mm}"
    "html{background:#e8eaed}"
    "body{margin:0;color:#111;font-family:" FONT_BODY ";font-size:16pt;line-height:1.75}"
    ".sheet{background:#fff;width:210mm;min-height:297mm;margin:16px auto;"
    "padding:37mm 26mm 35mm 28mm;box-sizing:border-box;box-shadow:0 1px 6px rgba(0,0,0,.25)}"
    ".page{break-before:page;page-break-before:always}"
    "h1{font-family:" FONT_TITLE ";font-size:22pt;font-weight:bold;text-align:center;"
    "line-height:1.5;margin:0 0 6pt}"
    ".sub{text-align:center;font-family:" FONT_KAI ";font-size:14pt;margin:0 0 18pt}"
    ".note{text-align:center;font-size:12pt;color:#8a1c1c;margin:-12pt 0 12pt}"
    "h2{font-family:" FONT_HEI ";font-size:16pt;font-weight:normal;margin:0;text-indent:2em}"
    "h3{font-family:" FONT_KAI ";font-size:16pt;font-weight:normal;margin:0;text-indent:2em}"
    "p{margin:0;text-indent:2em;text-align:justify}"
    "h4{font-family:" FONT_HEI ";font-size:14pt;font-weight:normal;margin:0 0 6pt}"
    "h4 small{font-family:" FONT_SONG ";font-size:10.5pt;color:#444;margin-left:1em}"
    "table{border-collapse:collapse;width:100%;font-family:" FONT_SONG ";font-size:10.5pt;"
    "line-height:1.3;margin:0 0 12pt}"
    "th,td{border:1px solid #000;padding:1.5pt 5pt;vertical-align:middle}"
    "th{font-family:" FONT_HEI ";font-weight:normal;background:#f0f0f0}"
    "thead{display:table-header-group}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.c{text-align:center;white-space:nowrap}td.name{white-space:nowrap}"
    "td.silent{color:#c00000}"
    "td.nr,span.nr{color:#8a1c1c}"
    "figure{margin:6pt 0 14pt;break-inside:avoid;page-break-inside:avoid}"
    "figcaption{text-align:center;font-family:" FONT_HEI ";font-size:11pt;margin-top:2pt}"
    "svg{display:block;width:100%;height:auto}"
    ".pair{display:flex;gap:8pt}.pair svg{width:50%}"
    "ul.silent{font-size:12pt;line-height:1.6;margin:0 0 12pt;padding-left:2em}"
    ".empty{font-size:12pt;color:#555;text-indent:0}"
    "a{color:#1f3864}"
    ".nav{max-width:210mm;margin:12px auto 0;font-family:" FONT_UI ";font-size:14px}"
    "@media print{html{background:none}.sheet{width:auto;min-height:0;margin:0;padding:0;"
    "box-shadow:none}.nav{display:none}a{color:inherit;text-decoration:none}}";

/* The live page: a screen dashboard (it prints too, but is not the report). */
static const char CSS_DASH[] =
    "html{background:#eef1f5}"
    "body{margin:0;color:#1b1f24;font-family:" FONT_UI ";font-size:14px;line-height:1.5}"
    "header{background:#9e1b1b;color:#fff;padding:14px 28px;display:flex;"
    "align-items:baseline;justify-content:space-between;border-bottom:4px solid #d4a017}"
    "header h1{margin:0;font-family:" FONT_TITLE ";font-size:26px;font-weight:bold;letter-spacing:2px}"
    "header .when{font-size:13px;opacity:.92}"
    "nav{background:#fff;border-bottom:1px solid #d5dbe3;padding:8px 28px;display:flex;gap:18px;"
    "align-items:center}"
    "nav .period{font-size:17px;font-weight:bold;color:#9e1b1b}"
    "nav a{color:#1f3864;text-decoration:none}nav a:hover{text-decoration:underline}"
    "main{padding:18px 28px 28px;max-width:1400px;margin:0 auto}"
    ".kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:14px;margin-bottom:18px}"
    ".kpi{background:#fff;border:1px solid #d5dbe3;border-top:4px solid #1f3864;padding:10px 16px}"
    ".kpi .k{color:#55606e;font-size:13px}"
    ".kpi .v{font-size:30px;font-weight:bold;color:#1f3864;font-variant-numeric:tabular-nums}"
    ".kpi .u{font-size:13px;color:#55606e;margin-left:4px}"
    ".kpi.warn{border-top-color:#c00000}.kpi.warn .v{color:#c00000}"
    ".grid{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:18px}"
    ".card{background:#fff;border:1px solid #d5dbe3;padding:12px 16px 14px}"
    ".card h2{margin:0 0 8px;font-size:16px;color:#1f3864;border-left:4px solid #9e1b1b;"
    "padding-left:8px}"
    ".card.wide{grid-column:1 / 3}"
    "svg{display:block;width:100%;height:auto}"
    ".pair{display:flex;gap:10px}.pair svg{width:50%}"
    "table{border-collapse:collapse;width:100%;font-size:14px}"
    "th,td{border-bottom:1px solid #e1e5eb;padding:6px 8px}"
    "th{background:#f3f5f8;color:#36404d;font-weight:bold;text-align:center;"
    "border-top:1px solid #d5dbe3}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.c{text-align:center;white-space:nowrap}"
    "td.t{color:#36404d}"
    "td.nr,span.nr{color:#8a1c1c}"
    "td.silent{color:#c00000;font-weight:bold}"
    "tbody tr:nth-child(even){background:#fafbfc}"
    "a{color:#1f3864}"
    "ul.silent{margin:0;padding-left:1.4em;columns:2}"
    ".halves{display:flex;gap:24px;align-items:flex-start}.halves table{flex:1}"
    "table.towns td:first-child{white-space:nowrap}"
    ".empty{color:#55606e}"
    "footer{color:#55606e;font-size:12px;text-align:center;padding:0 0 20px}";

static void head(FILE *out, const char *title, const char *css, const struct html_options *o)
{
    fputs("<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n", out);
    fputs("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n", out);
    fputs("<meta name=\"generator\" content=\"shibao-reporter\">\n", out);
    if (o && o->refresh > 0)
        fprintf(out, "<meta http-equiv=\"refresh\" content=\"%d\">\n", o->refresh);
    fputs("<title>", out);
    html_escape(out, title);
    fputs("</title>\n<style>", out);
    fputs(css, out);
    fputs("</style>\n</head>\n", out);
}

static int link_ok(const struct html_options *o) { return o && o->root; }

/* href="ROOTpath?query" (path already safe: fixed text and digits). */
static void href(FILE *out, const struct html_options *o, const char *path)
{
    fputs(" href=\"", out);
    html_escape(out, o->root);
    html_escape(out, path);
    if (o->query && o->query[0]) {
        fputc('?', out);
        html_escape(out, o->query);
    }
    fputc('"', out);
}

/* ---------------------------------------------------------------- svg charts */

#define C_PROD "#8c564b"
#define C_CATER "#2f5597"
#define C_DIST "#548235"
#define C_CHEF "#bf9000"
#define C_OK "#9dc3e6"
#define C_ORDER "#f4b183"
#define C_REMOVE "#c00000"
#define C_FULL "#548235"
#define C_PART "#bf9000"
#define C_SILENT "#c00000"
#define C_STUDY "#2f5597"
#define C_COPIES "#548235"

#define SVG_OPEN "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" " \
                 "font-family=\"" FONT_SONG_SVG "\" font-size=\"13\">"
/* In an attribute value: the same stack with single quotes. */
#define FONT_SONG_SVG "SimSun,'宋体','Noto Serif CJK SC','Noto Sans CJK SC',serif"

struct series {
    const char *name, *color;
};

struct bar {
    char label[80];     /* shown, clipped */
    char tip[320];      /* the full name, as the bar's <title> */
    int64_t v[4];
};

/* Chart values: a figure is any int64 a feed carried, so charts clamp
 * negatives to 0 and add without overflowing (a hostile or corrupt value
 * must draw a long bar, not hang or wrap). */
static int64_t pos(int64_t v) { return v > 0 ? v : 0; }

static int64_t sat_add(int64_t a, int64_t b)
{
    a = pos(a);
    b = pos(b);
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The axis of a chart whose largest value is max: a step of 1, 2 or 5
 * times a power of ten giving at most six steps, and *ticks steps to the
 * top (computed as step * ticks in double: it may pass INT64_MAX), so the
 * longest bar fills most of the width. */
static int64_t nice_step(int64_t max, int *ticks)
{
    int64_t want, p = 1, step;
    if (max < 1)
        max = 1;
    want = max / 6 + (max % 6 != 0);
    for (;;) {
        if (p >= want) { step = p; break; }
        if (p <= INT64_MAX / 2 && 2 * p >= want) { step = 2 * p; break; }
        if (p <= INT64_MAX / 5 && 5 * p >= want) { step = 5 * p; break; }
        if (p > INT64_MAX / 10) { step = p; break; }
        p *= 10;
    }
    *ticks = (int)(max / step + (max % step != 0));
    return step;
}

/* The label of tick i: exact as long as it fits, else as a double. */
static const char *tick_label(int64_t step, int i, char *buf, size_t n)
{
    if (i == 0 || step <= INT64_MAX / i)
        snprintf(buf, n, "%" PRId64, step * i);
    else
        snprintf(buf, n, "%.0f", (double)step * i);
    return buf;
}

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

static void svg_empty(FILE *out, const char *why)
{
    fprintf(out, SVG_OPEN, 600, 56);
    fputs("<rect x=\"0.5\" y=\"0.5\" width=\"599\" height=\"55\" fill=\"#fafafa\" stroke=\"#ccc\"/>"
          "<text x=\"300\" y=\"33\" text-anchor=\"middle\" fill=\"#666\">", out);
    html_escape(out, why);
    fputs("</text></svg>", out);
}

/* Horizontal bars, one row per bar, stacked by series, the total at the
 * end: rows are villages or categories whose names need the room. */
static void svg_hbars(FILE *out, const struct series *s, int ns, const struct bar *b, int nb,
                      const char *empty)
{
    enum { W = 600, X0 = 120, X1 = 545, RH = 22, BH = 14 };
    int64_t max = 0;
    for (int i = 0; i < nb; i++) {
        int64_t t = 0;
        for (int k = 0; k < ns; k++)
            t = sat_add(t, b[i].v[k]);
        if (t > max)
            max = t;
    }
    if (nb == 0 || max == 0) {
        svg_empty(out, empty);
        return;
    }
    int ticks;
    int64_t step = nice_step(max, &ticks);
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
                x, y0 + nb * RH + 16, tick_label(step, t, buf, sizeof buf));
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
            acc = sat_add(acc, v);
        }
        total = acc;
        fprintf(out, "<text x=\"%.1f\" y=\"%d\" fill=\"#222\">%s</text></g>",
                X0 + (double)(X1 - X0) * (double)total / top + 5, y + BH - 3,
                i64(total, buf, sizeof buf));
    }
    fputs("</svg>", out);
}

struct rate_row {
    char label[80], tip[320];
    int reported, expected, silent;
};

/* Reporting rate per row (village or township) against a red 100% line. */
static void svg_rates(FILE *out, const struct rate_row *r, int n, const char *empty)
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
static void svg_months(FILE *out, const char *title, const struct period *p, const int64_t *v,
                       int n, const char *color)
{
    enum { W = 300, H = 214, X0 = 40, X1 = 294, Y0 = 38, Y1 = 186 };
    int64_t max = 0;
    char buf[32];
    for (int i = 0; i < n; i++)
        if (v[i] > max)
            max = v[i];
    int ticks;
    int64_t step = nice_step(max, &ticks);
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
                X0 - 4, y + 4, tick_label(step, t, buf, sizeof buf));
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

/* ---------------------------------------------------------------- chart data */

static const struct {
    int num;
    const char *name;
    int group; /* 0 production, 1 catering, 2 distribution, 3 chefs */
} CATS[] = {
    {2, "食品生产企业", 0}, {3, "小作坊", 0},   {5, "大型餐饮", 1},   {6, "中型餐饮", 1},
    {7, "小型餐饮", 1},     {8, "小餐饮店", 1}, {9, "学校食堂", 1},   {11, "食品批发户", 2},
    {12, "商超", 2},        {13, "食杂店", 2},  {14, "小经营店", 2},  {15, "流动厨师", 3},
};
#define N_CATS ((int)(sizeof CATS / sizeof CATS[0]))

static void chart_registered(FILE *out, const struct figures *f)
{
    static const struct series s[] = {
        {"生产", C_PROD}, {"餐饮", C_CATER}, {"流通", C_DIST}, {"流动厨师", C_CHEF}};
    struct bar b[N_CATS];
    int any = 0;
    memset(b, 0, sizeof b);
    for (int i = 0; i < N_CATS; i++) {
        const struct figure *fg = &f->f[CATS[i].num];
        snprintf(b[i].label, sizeof b[i].label, "%s", CATS[i].name);
        snprintf(b[i].tip, sizeof b[i].tip, "%s：%s", fg->label,
                 fg->present ? i64(fg->value, (char[24]){0}, 24) : NOT_REPORTED);
        b[i].v[CATS[i].group] = fg->present ? fg->value : 0;
        any |= fg->present;
    }
    svg_hbars(out, s, 4, b, any ? N_CATS : 0, "暂无经营主体登记数据");
}

static const struct series INSP_SERIES[] = {
    {"合格及其他", C_OK}, {"责令整改", C_ORDER}, {"下架或销毁", C_REMOVE}};

/* Inspections as stacked parts: ordered, removed or destroyed, the rest. */
static void insp_split(int64_t total, int64_t ordered, int64_t removed, int64_t v[4])
{
    int64_t rest = pos(total);
    v[1] = pos(ordered);
    v[2] = pos(removed);
    rest = rest > v[1] ? rest - v[1] : 0;
    rest = rest > v[2] ? rest - v[2] : 0;
    v[0] = rest;
}

static void chart_village_inspections(FILE *out, const struct figures *f)
{
    struct bar *b = f->nvillages > 0 ? calloc((size_t)f->nvillages, sizeof *b) : NULL;
    char lab[80];
    if (f->nvillages > 0 && !b) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        village_label(v, lab, sizeof lab);
        snprintf(b[i].label, sizeof b[i].label, "%s", clip(lab, 16, (char[80]){0}, 80));
        snprintf(b[i].tip, sizeof b[i].tip, "%s %s：检查%" PRId64 "次，责令整改%" PRId64 "，下架或销毁%" PRId64,
                 v->code, v->name, v->inspections, v->inspections_ordered,
                 v->inspections_removed_destroyed);
        insp_split(v->inspections, v->inspections_ordered, v->inspections_removed_destroyed, b[i].v);
    }
    svg_hbars(out, INSP_SERIES, 3, b, f->nvillages, "本期暂无检查记录");
    free(b);
}

static void chart_township_inspections(FILE *out, const struct figures *towns, int n)
{
    struct bar *b = n > 0 ? calloc((size_t)n, sizeof *b) : NULL;
    if (n > 0 && !b) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        int64_t ordered = 0, removed = 0;
        for (int k = 0; k < t->nvillages; k++) {
            ordered = sat_add(ordered, t->villages[k].inspections_ordered);
            removed = sat_add(removed, t->villages[k].inspections_removed_destroyed);
        }
        snprintf(b[i].label, sizeof b[i].label, "%s",
                 clip(t->name[0] ? t->name : t->township, 16, (char[80]){0}, 80));
        snprintf(b[i].tip, sizeof b[i].tip, "%s %s：检查%" PRId64 "次", t->township, t->name,
                 t->inspections_total);
        insp_split(t->inspections_total, ordered, removed, b[i].v);
    }
    svg_hbars(out, INSP_SERIES, 3, b, n, "本期暂无检查记录");
    free(b);
}

static void chart_village_rates(FILE *out, const struct figures *f)
{
    struct rate_row *r = f->nvillages > 0 ? calloc((size_t)f->nvillages, sizeof *r) : NULL;
    char lab[80];
    if (f->nvillages > 0 && !r) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        village_label(v, lab, sizeof lab);
        snprintf(r[i].label, sizeof r[i].label, "%s", clip(lab, 16, (char[80]){0}, 80));
        snprintf(r[i].tip, sizeof r[i].tip, "%s %s：已报%d个月，应报%d个月", v->code, v->name,
                 v->months_reported, v->months_expected);
        r[i].reported = v->months_reported;
        r[i].expected = v->months_expected;
        r[i].silent = v->silent;
    }
    svg_rates(out, r, f->nvillages, "暂无行政村上报记录");
    free(r);
}

static int town_silent(const struct figures *t)
{
    int s = 0;
    for (int k = 0; k < t->nvillages; k++)
        s += t->villages[k].silent != 0;
    return s;
}

static void chart_township_rates(FILE *out, const struct figures *towns, int n)
{
    struct rate_row *r = n > 0 ? calloc((size_t)n, sizeof *r) : NULL;
    if (n > 0 && !r) {
        svg_empty(out, "内存不足");
        return;
    }
    for (int i = 0; i < n; i++) {
        const struct figures *t = &towns[i];
        snprintf(r[i].label, sizeof r[i].label, "%s",
                 clip(t->name[0] ? t->name : t->township, 16, (char[80]){0}, 80));
        snprintf(r[i].tip, sizeof r[i].tip, "%s %s：已报%d个村月，应报%d个村月", t->township, t->name,
                 t->months_reported, t->months_expected);
        r[i].reported = t->months_reported;
        r[i].expected = t->months_expected;
        r[i].silent = t->nvillages > 0 && town_silent(t) == t->nvillages;
    }
    svg_rates(out, r, n, "暂无镇上报记录");
    free(r);
}

/* Publicity per month, two panels: sessions and copies differ by orders of
 * magnitude, so one axis would flatten the sessions. */
static void chart_publicity(FILE *out, const struct figures *f)
{
    int n = f->nmonths > 12 ? 12 : f->nmonths;
    int64_t any = 0;
    for (int i = 0; i < n; i++)
        any |= f->study_by_month[i] | f->copies_by_month[i];
    if (n <= 0 || !any) {
        svg_empty(out, "本期暂无宣传活动记录");
        return;
    }
    fputs("<div class=\"pair\">", out);
    svg_months(out, "集中学习食品安全知识（次）", &f->period, f->study_by_month, n, C_STUDY);
    svg_months(out, "散发宣传资料（份）", &f->period, f->copies_by_month, n, C_COPIES);
    fputs("</div>", out);
}

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

static void figure_table(FILE *out, const struct figures *f, int with_id, int split)
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
static int silent_list(FILE *out, const struct figures *towns, int n, int with_town)
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
static const int TOWN_FIGS[] = {1, 21, 22, 23, 25};
#define N_TOWN_FIGS ((int)(sizeof TOWN_FIGS / sizeof TOWN_FIGS[0]))

static void township_table(FILE *out, const struct figures *total, const struct figures *towns,
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
            fputs("</a>", out);
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

static int starts(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

/* 一、 二、 … and the appendices (附：, 附表：) are level-1 headings,
 * （一） … level-2. */
static int heading_level(const char *line, size_t n)
{
    if (starts(line, "附：") || starts(line, "附表："))
        return 2;
    static const char *const nums[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};
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
        return 0;
    if (s != line)
        return starts(d, "）") ? 3 : 0;
    return starts(d, "、") ? 2 : 0;
}

/* The text report, one element per line. */
static int prose(FILE *out, const char *text)
{
    const char *s = text;
    while (*s) {
        const char *e = strchr(s, '\n');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n > 0) {
            int lvl = heading_level(s, n);
            fprintf(out, lvl ? "<h%d>" : "<p>", lvl);
            esc_n(out, s, n);
            fprintf(out, lvl ? "</h%d>\n" : "</p>\n", lvl);
        }
        s += n + (e != NULL);
    }
    return 0;
}

/* The text format into a string (malloc'd), so the html carries exactly the
 * words of the text report, whatever render.c's template says. */
static char *text_of(const struct figures *total, const struct figures *towns, int n, int county)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return NULL;
    int rc = county ? render_county(m, total, towns, n, RENDER_TEXT)
                    : render_township(m, total, RENDER_TEXT);
    if (fclose(m) != 0 || rc < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

static void revision_note(FILE *out, const struct figures *f)
{
    if (f->revision <= 0)
        return;
    fprintf(out, "<p class=\"note\">本期数据在截止后有补报，已修订（第%d次修订", f->revision);
    if (f->revised_on[0]) {
        fputs("，", out);
        html_escape(out, f->revised_on);
    }
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

static void title_of(const struct figures *f, int county, char *buf, size_t n)
{
    char phrase[32];
    period_phrase(&f->period, phrase, sizeof phrase);
    if (county)
        snprintf(buf, n, "全县%d年%s食品安全工作总结", f->period.year, phrase);
    else
        snprintf(buf, n, "%s%d年%s食品安全工作总结", f->name[0] ? f->name : f->township,
                 f->period.year, phrase);
}

static void nav_back(FILE *out, const struct html_options *o)
{
    if (!link_ok(o))
        return;
    fputs("<div class=\"nav\"><a", out);
    href(out, o, "");
    fputs(">← 返回全县数据看板</a></div>\n", out);
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
    chart_registered(out, f);
    figure_close(out, fig, "各类食品生产经营者（期末在册）");
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各行政村工作情况</h4>\n", ++*tab);
    village_work_table(out, f);
    figure_open(out);
    chart_village_inspections(out, f);
    figure_close(out, fig, "各行政村检查次数及处理结果");
    figure_open(out);
    chart_publicity(out, f);
    figure_close(out, fig, "宣传工作按月情况");
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各行政村上报情况</h4>\n", ++*tab);
    thresholds_note(out, f);
    village_rate_table(out, f);
    figure_open(out);
    chart_village_rates(out, f);
    figure_close(out, fig, "各行政村上报率");
    fputs("<h4>长期未上报的行政村</h4>\n", out);
    silent_list(out, f, 1, 0);
    fputs("</section>\n", out);
}

int html_township(FILE *out, const struct figures *f, const struct html_options *o)
{
    char title[256];
    int tab = 0, fig = 0;
    char *text = text_of(f, NULL, 0, 0);
    if (!text) {
        log_error("html: cannot render the report text");
        return -1;
    }
    title_of(f, 0, title, sizeof title);
    head(out, title, CSS_DOC, o);
    fputs("<body>\n", out);
    nav_back(out, o);
    fputs("<section class=\"sheet report\" data-scope=\"", out);
    html_escape(out, scope_of(f));
    fputs("\">\n<h1>", out);
    html_escape(out, title);
    fputs("</h1>\n", out);
    char code[32];
    snprintf(code, sizeof code, "镇代码 %s", f->township);
    period_sub(out, f, f->township[0] ? code : NULL);
    prose(out, text); /* the text carries the revision note itself */
    fputs("</section>\n", out);
    township_sheets(out, f, &tab, &fig, 0);
    fputs("</body>\n</html>\n", out);
    free(text);
    return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- county */

/* The county's monthly publicity and completeness: the total's own when
 * figures_county filled them, else the sum of the townships'. */
static void county_sums(const struct figures *total, const struct figures *towns, int n,
                        struct figures *c)
{
    *c = *total;
    if (c->nmonths == 0 && n > 0) {
        c->nmonths = towns[0].nmonths;
        for (int i = 0; i < n; i++)
            for (int m = 0; m < c->nmonths && m < 12; m++) {
                c->study_by_month[m] = sat_add(c->study_by_month[m], towns[i].study_by_month[m]);
                c->copies_by_month[m] = sat_add(c->copies_by_month[m], towns[i].copies_by_month[m]);
            }
    }
    if (c->months_expected == 0) {
        for (int i = 0; i < n; i++) {
            c->months_expected += towns[i].months_expected;
            c->months_reported += towns[i].months_reported;
            c->months_ontime += towns[i].months_ontime;
        }
    }
    if (!c->ontime_days && n > 0)
        c->ontime_days = towns[0].ontime_days;
    if (!c->silent_months && n > 0)
        c->silent_months = towns[0].silent_months;
}

int html_county(FILE *out, const struct figures *total, const struct figures *towns, int n,
                const struct html_options *o)
{
    char title[256];
    int tab = 0, fig = 0;
    struct figures c;
    char *text = text_of(total, towns, n, 1);
    if (!text) {
        log_error("html: cannot render the report text");
        return -1;
    }
    county_sums(total, towns, n, &c);
    title_of(total, 1, title, sizeof title);
    head(out, title, CSS_DOC, o);
    fputs("<body>\n", out);
    nav_back(out, o);
    fputs("<section class=\"sheet report\" data-scope=\"county\">\n<h1>", out);
    html_escape(out, title);
    fputs("</h1>\n", out);
    char towns_label[32];
    snprintf(towns_label, sizeof towns_label, "共%d个镇", n);
    period_sub(out, total, towns_label);
    prose(out, text);
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　全县主要数据</h4>\n", ++tab);
    figure_table(out, total, 1, 0);
    figure_open(out);
    chart_registered(out, total);
    figure_close(out, &fig, "全县各类食品生产经营者（期末在册）");
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各镇主要数据</h4>\n", ++tab);
    township_table(out, total, towns, n, o);
    figure_open(out);
    chart_township_inspections(out, towns, n);
    figure_close(out, &fig, "各镇检查次数及处理结果");
    figure_open(out);
    chart_publicity(out, &c);
    figure_close(out, &fig, "全县宣传工作按月情况");
    fputs("</section>\n<section class=\"sheet page\">\n", out);
    fprintf(out, "<h4>附表%d　各镇上报情况</h4>\n", ++tab);
    thresholds_note(out, &c);
    figure_open(out);
    chart_township_rates(out, towns, n);
    figure_close(out, &fig, "各镇行政村上报率");
    fputs("<h4>长期未上报的行政村</h4>\n", out);
    silent_list(out, towns, n, 1);
    fputs("</section>\n", out);
    for (int i = 0; i < n; i++)
        township_sheets(out, &towns[i], &tab, &fig, 1);
    fputs("</body>\n</html>\n", out);
    free(text);
    return ferror(out) ? -1 : 0;
}

/* ---------------------------------------------------------------- dashboard */

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
    snprintf(title, sizeof title, "全县食品安全工作数据看板 · %d年%s", total->period.year, phrase);
    head(out, title, CSS_DASH, o);
    fputs("<body>\n<header><h1>全县食品安全工作数据看板</h1><div class=\"when\">", out);
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
        fputs(">打印全县报告</a><a", out);
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
    chart_registered(out, total);
    fputs("</section>\n<section class=\"card\"><h2>各镇行政村上报率</h2>", out);
    chart_township_rates(out, towns, n);
    fputs("</section>\n<section class=\"card\"><h2>宣传工作按月情况</h2>", out);
    chart_publicity(out, &c);
    fputs("</section>\n<section class=\"card\"><h2>各镇检查次数及处理结果</h2>", out);
    chart_township_inspections(out, towns, n);
    fputs("</section>\n<section class=\"card wide\"><h2>各镇主要数据</h2>\n", out);
    township_table(out, total, towns, n, o);
    fputs("</section>\n<section class=\"card wide\"><h2>长期未上报的行政村</h2>\n", out);
    silent_list(out, towns, n, 1);
    fputs("</section>\n<section class=\"card wide\"><h2>全县指标明细</h2>\n", out);
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
