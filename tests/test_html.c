/* html: a self-contained, valid, print-ready document that carries every
 * figure, escapes every text, and draws well-formed SVG charts. Figures are
 * built by hand (figures_init plus fields), no database. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "log.h"
#include "report.h"

/* ---------------------------------------------------------------- fixtures */

static void make(struct figures *f, const char *period, const char *code, const char *name)
{
    struct period p;
    assert_int_equal(period_parse(period, &p), 0);
    figures_init(f, &p);
    snprintf(f->township, sizeof f->township, "%s", code);
    snprintf(f->name, sizeof f->name, "%s", name);
}

/* Every figure present with a distinct value, villages with varied
 * completeness (one silent, one never reported), publicity per month. */
static void fill(struct figures *f, int base, int nvillages)
{
    for (int i = 1; i <= FIGURES_N; i++) {
        f->f[i].present = 1;
        if (f->f[i].type == FIG_TEXT)
            snprintf(f->f[i].text, sizeof f->f[i].text, "名%d", base + i);
        else
            f->f[i].value = base + 100 + i;
    }
    f->f[23].value = base + 3456;
    f->inspections_total = base + 31;
    f->special_campaign = base + 32;
    f->three_no_items = base + 33;
    f->expired_items = base + 34;
    f->rectifications_ordered = base + 35;
    f->rectifications_completed = base + 36;
    f->school_canteen_inspections = base + 37;
    f->villages_reporting = nvillages - 1;
    f->nmonths = f->period.last_month - f->period.first_month + 1;
    for (int m = 0; m < f->nmonths; m++) {
        f->study_by_month[m] = m + 1;
        f->copies_by_month[m] = 100 * (m + 2);
    }
    f->ontime_days = 10;
    f->silent_months = 2;
    f->nvillages = nvillages;
    f->villages = calloc((size_t)nvillages, sizeof *f->villages);
    assert_non_null(f->villages);
    for (int i = 0; i < nvillages; i++) {
        struct village_figures *v = &f->villages[i];
        snprintf(v->code, sizeof v->code, "%.9s%03u", f->township, (unsigned)(201 + i) % 1000u);
        if (i % 2 == 0)
            snprintf(v->name, sizeof v->name, "第%d村", i + 1);
        v->months_expected = f->nmonths;
        v->months_reported = i == nvillages - 1 ? 0 : f->nmonths - i % 3;
        v->months_ontime = v->months_reported > 0 ? v->months_reported - 1 : 0;
        v->months_nil = i % 2;
        v->silent = i == nvillages - 1 || i == 2;
        if (v->months_reported > 0)
            snprintf(v->last_reported, sizeof v->last_reported, "2022-%02u",
                     (unsigned)(f->nmonths - i % 3) % 100u);
        v->inspections = 10 + i;
        v->inspections_ordered = i;
        v->inspections_removed_destroyed = i / 2;
        v->routine_distribution = 3 + i;
        v->study_sessions = i;
        v->copies = 50 * i;
        v->registered = 7 + i;
        f->months_expected += v->months_expected;
        f->months_reported += v->months_reported;
        f->months_ontime += v->months_ontime;
    }
    f->revision = 2;
    snprintf(f->revised_on, sizeof f->revised_on, "2022-07-20");
}

static void release(struct figures *f)
{
    free(f->villages);
    f->villages = NULL;
    f->nvillages = 0;
}

static char *render(int (*fn)(FILE *, void *), void *arg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(fn(m, arg), 0);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static int do_township(FILE *m, void *arg) { return render_township(m, arg, RENDER_HTML); }

struct county_args {
    struct figures *total, *towns;
    int n;
    const struct html_options *o;
};

static int do_county(FILE *m, void *arg)
{
    struct county_args *a = arg;
    return render_county(m, a->total, a->towns, a->n, RENDER_HTML);
}

static int do_dashboard(FILE *m, void *arg)
{
    struct county_args *a = arg;
    return html_dashboard(m, a->total, a->towns, a->n, a->o);
}

/* HTML_OUT=DIR keeps each rendering as DIR/NAME.html, to look at. */
static void keep(const char *name, const char *html)
{
    const char *dir = getenv("HTML_OUT");
    char path[512];
    if (!dir)
        return;
    snprintf(path, sizeof path, "%s/%s.html", dir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(html, f);
        fclose(f);
    }
}

/* ---------------------------------------------------------------- checks */

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

static int icontains(const char *s, const char *what)
{
    size_t n = strlen(what);
    for (; *s; s++)
        if (strncasecmp(s, what, n) == 0)
            return 1;
    return 0;
}

static int is_void(const char *name)
{
    static const char *const v[] = {"area", "base", "br", "col", "embed", "hr", "img", "input",
                                    "link", "meta", "source", "track", "wbr"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (strcmp(name, v[i]) == 0)
            return 1;
    return 0;
}

/* A tiny well-formedness checker: every element closed in order (void
 * elements excepted), '<' only ever opening a tag, attribute values quoted,
 * no bare '&' outside an entity, <style> skipped as raw text. From s to end
 * (NULL: the whole string). Returns NULL when fine, else what went wrong. */
static const char *check_tags(const char *s, const char *end, char *why, size_t whylen)
{
    char stack[64][32];
    int depth = 0;
    if (!end)
        end = s + strlen(s);
    for (const char *p = s; p < end;) {
        if (*p == '&') {
            const char *q = p + 1;
            while (q < end && (isalnum((unsigned char)*q) || *q == '#'))
                q++;
            if (q == p + 1 || q >= end || *q != ';') {
                snprintf(why, whylen, "bare & at offset %td", p - s);
                return why;
            }
            p = q + 1;
            continue;
        }
        if (*p == '>') {
            snprintf(why, whylen, "bare > at offset %td", p - s);
            return why;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        if (strncmp(p, "<!DOCTYPE html>", 15) == 0) {
            p += 15;
            continue;
        }
        if (strncmp(p, "<!--", 4) == 0) {
            const char *q = strstr(p, "-->");
            if (!q) {
                snprintf(why, whylen, "unclosed comment");
                return why;
            }
            p = q + 3;
            continue;
        }
        int closing = p[1] == '/';
        const char *n = p + 1 + closing;
        char name[32];
        size_t k = 0;
        while (n < end && (isalnum((unsigned char)*n) || *n == '-') && k < sizeof name - 1)
            name[k++] = (char)tolower((unsigned char)*n++);
        name[k] = '\0';
        if (!k) {
            snprintf(why, whylen, "'<' not opening a tag at offset %td", p - s);
            return why;
        }
        /* attributes: name="value" only, values without '<' */
        const char *q = n;
        int self = 0;
        for (;;) {
            while (q < end && isspace((unsigned char)*q))
                q++;
            if (q >= end) {
                snprintf(why, whylen, "unterminated tag <%s", name);
                return why;
            }
            if (*q == '>')
                break;
            if (q[0] == '/' && q[1] == '>') {
                self = 1;
                q++;
                break;
            }
            while (q < end && (isalnum((unsigned char)*q) || *q == '-' || *q == ':'))
                q++;
            if (*q == '=') {
                if (q[1] != '"') {
                    snprintf(why, whylen, "unquoted attribute in <%s", name);
                    return why;
                }
                const char *e = memchr(q + 2, '"', (size_t)(end - q - 2));
                if (!e || memchr(q + 2, '<', (size_t)(e - q - 2))) {
                    snprintf(why, whylen, "bad attribute value in <%s", name);
                    return why;
                }
                q = e + 1;
            } else if (!isspace((unsigned char)*q) && *q != '>' && *q != '/') {
                snprintf(why, whylen, "junk in tag <%s at offset %td", name, q - s);
                return why;
            }
        }
        p = q + 1;
        if (closing) {
            if (depth == 0 || strcmp(stack[depth - 1], name) != 0) {
                snprintf(why, whylen, "</%s> closes <%s> at offset %td", name,
                         depth ? stack[depth - 1] : "(nothing)", p - s);
                return why;
            }
            depth--;
            continue;
        }
        if (self || is_void(name))
            continue;
        if (depth == 64) {
            snprintf(why, whylen, "nesting too deep");
            return why;
        }
        snprintf(stack[depth++], sizeof stack[0], "%s", name);
        if (strcmp(name, "style") == 0) {
            const char *e = strstr(p, "</style>");
            if (!e) {
                snprintf(why, whylen, "unclosed <style>");
                return why;
            }
            p = e;
        }
    }
    if (depth) {
        snprintf(why, whylen, "<%s> never closed", stack[depth - 1]);
        return why;
    }
    return NULL;
}

static void assert_well_formed(const char *html)
{
    char why[160];
    const char *bad = check_tags(html, NULL, why, sizeof why);
    if (bad)
        fail_msg("html not well formed: %s", bad);
}

/* Every <svg>…</svg> well formed on its own, with the namespace and at
 * least one drawing element; returns how many. */
static int check_svgs(const char *html)
{
    int n = 0;
    char why[160];
    for (const char *p = html; (p = strstr(p, "<svg"));) {
        const char *e = strstr(p, "</svg>");
        assert_non_null(e);
        e += strlen("</svg>");
        const char *bad = check_tags(p, e, why, sizeof why);
        if (bad)
            fail_msg("svg %d not well formed: %s", n + 1, bad);
        assert_true(strncmp(p, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ", 53) == 0);
        char *chunk = strndup(p, (size_t)(e - p));
        assert_true(strstr(chunk, "<rect") || strstr(chunk, "<text"));
        free(chunk);
        n++;
        p = e;
    }
    return n;
}

/* data-scope/data-fig/data-value of every figure, with the shown text. */
static void assert_figures(const char *html, const struct figures *f)
{
    char want[512], buf[32];
    const char *scope = f->township[0] ? f->township : "county";
    for (int i = 1; i <= FIGURES_N; i++) {
        const struct figure *fg = &f->f[i];
        const char *v = !fg->present ? "" : fg->type == FIG_TEXT ? fg->text : buf;
        snprintf(buf, sizeof buf, "%" PRId64, fg->value);
        /* a county has no names nor office staff of its own: not "not reported" */
        int na = !fg->present && !f->township[0] && (fg->type == FIG_TEXT || i == 20);
        snprintf(want, sizeof want, "id=\"fig-%s-%s\" data-scope=\"%s\" data-fig=\"%s\" data-value=\"%s\">%s</td>",
                 scope, fg->key, scope, fg->key, v, fg->present ? v : na ? "各镇分列" : "（未上报）");
        if (!strstr(html, want))
            fail_msg("figure %d missing: %s", i, want);
    }
    const char *key, *label;
    int64_t val;
    for (int i = 0; render_supporting(f, i, &key, &label, &val) == 0; i++) {
        snprintf(want, sizeof want, "id=\"fig-%s-%s\" data-scope=\"%s\" data-fig=\"%s\" data-value=\"%" PRId64 "\"",
                 scope, key, scope, key, val);
        if (!strstr(html, want))
            fail_msg("supporting figure %s missing: %s", key, want);
    }
}

static void assert_self_contained(const char *html)
{
    assert_true(strncmp(html, "<!DOCTYPE html>\n<html lang=\"zh-CN\">", 35) == 0);
    assert_non_null(strstr(html, "<meta charset=\"utf-8\">"));
    assert_false(icontains(html, "<script"));
    assert_false(icontains(html, "javascript:"));
    assert_false(icontains(html, "<link"));
    assert_false(icontains(html, "<img"));
    assert_false(icontains(html, "url("));
    assert_false(icontains(html, "@import"));
    assert_false(icontains(html, " src="));
    /* no event handler attributes (on...="...") */
    for (const char *p = html; (p = strstr(p, " on")); p++) {
        const char *q = p + 3;
        while (*q >= 'a' && *q <= 'z')
            q++;
        assert_false(q > p + 3 && *q == '=');
    }
    assert_non_null(strstr(html, "@page{size:A4"));
    assert_non_null(strstr(html, "\"FangSong\""));
    assert_non_null(strstr(html, "\"SimSun\",\"宋体\""));
    assert_non_null(strstr(html, "\"Noto Serif CJK SC\""));
    assert_non_null(strstr(html, "break-before:page"));
    assert_non_null(strstr(html, "</html>\n"));
}

/* ---------------------------------------------------------------- tests */

static void test_format_parse(void **state)
{
    (void)state;
    assert_int_equal(render_format_parse("html"), RENDER_HTML);
    assert_int_equal(render_format_parse("HTML"), -1);
    assert_int_equal(render_format_parse("json"), RENDER_JSON);
}

static void test_township_document(void **state)
{
    (void)state;
    struct figures f;
    make(&f, "2022H1", "420102001", "城关镇");
    fill(&f, 0, 6);
    char *html = render(do_township, &f);
    keep("township", html);
    assert_self_contained(html);
    assert_well_formed(html);
    assert_figures(html, &f);
    /* the report text, every figure filled, the period phrase followed */
    assert_non_null(strstr(html, "<title>城关镇2022年上半年食品安全工作总结</title>"));
    assert_non_null(strstr(html, "全镇现有食品生产经营者101户。"));
    assert_non_null(strstr(html, "散发宣传资料3400余份"));
    assert_non_null(strstr(html, "以镇长名16同志为组长"));
    assert_non_null(strstr(html, "<h2>一、基本情况</h2>"));
    assert_non_null(strstr(html, "<h3>（一）加强领导，健全制度，落实到位</h3>"));
    assert_int_equal(count(html, "2022年上半年"), 6); /* 4 in the text, <title> and <h1> */
    assert_null(strstr(html, "*"));
    /* four charts: categories, inspections, publicity (two panels), rates */
    assert_int_equal(check_svgs(html), 5);
    assert_non_null(strstr(html, "stroke-dasharray")); /* the 100% line */
    assert_int_equal(count(html, "class=\"sheet"), 4);
    assert_int_equal(count(html, "class=\"sheet page\""), 3);
    /* villages: every row; the silent ones listed by name */
    assert_int_equal(count(html, "<tr data-village=\"420102001201\">"), 2);
    assert_non_null(strstr(html, "<li data-village=\"420102001203\">第3村（420102001203）：最近上报2022-04</li>"));
    assert_non_null(strstr(html, "<li data-village=\"420102001206\">420102001206：从未上报</li>"));
    assert_non_null(strstr(html, "<p>（本报告数据于 2022-07-20 修订，第 2 次修订）</p>"));
    assert_non_null(strstr(html, "<h2>附：上报情况</h2>"));
    /* a file has no links and does not reload */
    assert_null(strstr(html, "<a "));
    assert_null(strstr(html, "http-equiv"));
    free(html);
    release(&f);
}

static void test_not_reported_and_empty(void **state)
{
    (void)state;
    struct figures f;
    make(&f, "2022Q3", "420102001", "");
    char *html = render(do_township, &f);
    keep("empty", html);
    assert_self_contained(html);
    assert_well_formed(html);
    assert_figures(html, &f);
    assert_non_null(strstr(html, "<title>4201020012022年第三季度食品安全工作总结</title>"));
    assert_non_null(strstr(html, "全镇现有食品生产经营者（未上报）户"));
    /* no data: the charts say so instead of drawing empty axes */
    assert_int_equal(check_svgs(html), 4);
    assert_non_null(strstr(html, "暂无经营主体登记数据"));
    assert_non_null(strstr(html, "本期暂无宣传活动记录"));
    assert_non_null(strstr(html, "本期暂无行政村数据。"));
    assert_non_null(strstr(html, "无长期未上报的行政村。"));
    assert_null(strstr(html, "已修订"));
    free(html);
}

static void test_escaping(void **state)
{
    (void)state;
    struct figures f;
    make(&f, "2022H1", "420102001", "<script>alert(\"x\")</script>&'镇");
    fill(&f, 0, 3);
    snprintf(f.f[16].text, sizeof f.f[16].text, "张\"伟\"<b>&amp;");
    snprintf(f.villages[0].name, sizeof f.villages[0].name, "村</td><script>");
    f.villages[0].silent = 1;
    char *html = render(do_township, &f);
    assert_false(icontains(html, "<script"));
    assert_false(icontains(html, "<b>"));
    assert_well_formed(html);
    check_svgs(html);
    assert_non_null(strstr(html, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;镇"));
    assert_non_null(strstr(html, "data-value=\"张&quot;伟&quot;&lt;b&gt;&amp;amp;\""));
    assert_non_null(strstr(html, "村&lt;/td&gt;&lt;script&gt;"));
    free(html);
    release(&f);
}

static void test_long_names_clipped_in_charts(void **state)
{
    (void)state;
    struct figures f;
    make(&f, "2022", "420102001", "城关镇");
    fill(&f, 0, 2);
    snprintf(f.villages[0].name, sizeof f.villages[0].name, "%s", "非常非常非常非常长的行政村名字二十一个字");
    char *html = render(do_township, &f);
    assert_well_formed(html);
    assert_int_equal(check_svgs(html), 5);
    assert_non_null(strstr(html, ">非常非常非常非常…</text>"));
    /* the full name is kept in the bar's tooltip and in the table */
    assert_non_null(strstr(html, "<title>420102001201 非常非常非常非常长的行政村名字二十一个字"));
    assert_non_null(strstr(html, "12月</text>"));
    free(html);
    release(&f);
}

/* A figure is whatever int64 a feed carried: extreme or negative values
 * draw (long or empty) bars, never hang, wrap or break the document. */
static void test_extreme_values(void **state)
{
    (void)state;
    static const int64_t vals[] = {INT64_MAX, INT64_MAX - 1, INT64_MIN, -1, 0, 1,
                                   INT64_MAX / 6 + 1, 999999999999999999LL};
    for (size_t k = 0; k < sizeof vals / sizeof vals[0]; k++) {
        struct figures total, towns[2];
        for (int t = 0; t < 2; t++) {
            make(&towns[t], "2022H1", t ? "420102002" : "420102001", "镇");
            fill(&towns[t], 0, 3);
            for (int i = 1; i <= FIGURES_N; i++)
                if (towns[t].f[i].type == FIG_COUNT)
                    towns[t].f[i].value = vals[(k + (size_t)i) % 8];
            towns[t].inspections_total = vals[k];
            for (int m = 0; m < 6; m++) {
                towns[t].study_by_month[m] = vals[(k + (size_t)m) % 8];
                towns[t].copies_by_month[m] = vals[k];
            }
            for (int v = 0; v < 3; v++) {
                towns[t].villages[v].inspections = vals[k];
                towns[t].villages[v].inspections_ordered = vals[(k + 1) % 8];
                towns[t].villages[v].inspections_removed_destroyed = vals[(k + (size_t)v) % 8];
            }
        }
        make(&total, "2022H1", "", "");
        total.f[1].present = 1;
        total.f[1].value = vals[k];
        struct county_args a = {&total, towns, 2, NULL};
        char *html = render(do_county, &a);
        assert_well_formed(html);
        assert_int_equal(check_svgs(html), 5 + 2 * 5);
        assert_null(strstr(html, "nan"));
        assert_null(strstr(html, "inf\""));
        free(html);
        html = render(do_township, &towns[0]);
        assert_well_formed(html);
        free(html);
        release(&towns[0]);
        release(&towns[1]);
    }
}

static void test_county_document(void **state)
{
    (void)state;
    struct figures total, towns[2];
    make(&towns[0], "2022H1", "420102001", "城关镇");
    fill(&towns[0], 0, 4);
    make(&towns[1], "2022H1", "420102002", "河口镇");
    fill(&towns[1], 1000, 3);
    make(&total, "2022H1", "", "");
    fill(&total, 5000, 1);
    release(&total); /* a county total has no villages */
    total.nmonths = 0; /* and may come without monthly series: summed from the townships */
    memset(total.study_by_month, 0, sizeof total.study_by_month);
    for (int k = 16; k <= 24; k++)
        if (total.f[k].type == FIG_TEXT || k == 20)
            total.f[k].present = 0;
    total.f[15].present = 0; /* a county figure without data is still "not reported" */
    struct county_args a = {&total, towns, 2, NULL};
    char *html = render(do_county, &a);
    keep("county", html);
    assert_self_contained(html);
    assert_well_formed(html);
    assert_figures(html, &total);
    assert_figures(html, &towns[0]);
    assert_figures(html, &towns[1]);
    assert_non_null(strstr(html, "<title>全县2022年上半年食品安全工作总结</title>"));
    assert_non_null(strstr(html, "全县现有食品生产经营者5101户。"));
    /* one page per township, after the county's four */
    assert_int_equal(count(html, "<section class=\"sheet page\" data-township="), 2);
    assert_non_null(strstr(html, "<h1>河口镇（420102002）</h1>"));
    /* the per-township table: a row per township, data cells per figure */
    assert_int_equal(count(html, "<tr data-township="), 2);
    assert_non_null(strstr(html, "data-scope=\"420102002\" data-fig=\"registered_total\" data-value=\"1101\""));
    /* county charts (4 + 2 panels) and each township's (5) */
    assert_int_equal(check_svgs(html), 5 + 2 * 5);
    /* monthly publicity summed over townships: Jan = 1 + 1 sessions */
    assert_non_null(strstr(html, "<title>1月：2</title>"));
    /* silent villages of every township, named with their township */
    assert_non_null(strstr(html, "<li data-village=\"420102002203\">河口镇 · 第3村（420102002203）：从未上报</li>"));
    free(html);
    release(&towns[0]);
    release(&towns[1]);
}

static void test_dashboard(void **state)
{
    (void)state;
    struct figures total, towns[1];
    make(&towns[0], "2022H1", "420102001", "城关镇");
    fill(&towns[0], 0, 3);
    make(&total, "2022H1", "", "");
    fill(&total, 0, 1);
    release(&total);
    struct html_options o = {.refresh = 5, .updated = "2022-07-01 10:00:00", .root = "",
                             .query = "period=2022H1", .prev_period = "2021H2",
                             .next_period = "2022H2"};
    struct county_args a = {&total, towns, 1, &o};
    char *html = render(do_dashboard, &a);
    keep("dashboard", html);
    assert_false(icontains(html, "<script"));
    assert_well_formed(html);
    assert_figures(html, &total);
    assert_non_null(strstr(html, "<meta http-equiv=\"refresh\" content=\"5\">"));
    assert_non_null(strstr(html, "<a href=\"township/420102001?period=2022H1\">城关镇（420102001）</a>"));
    assert_non_null(strstr(html, "<a href=\"?period=2021H2\">« 上一期</a>"));
    assert_non_null(strstr(html, "<a href=\"api/county.json?period=2022H1\">"));
    assert_non_null(strstr(html, "data-scope=\"county\" data-fig=\"registered_total\" data-value=\"101\">101<span"));
    assert_non_null(strstr(html, "更新时间 2022-07-01 10:00:00"));
    assert_int_equal(check_svgs(html), 5);
    free(html);
    release(&towns[0]);
}

static void test_township_page_links_back(void **state)
{
    (void)state;
    struct figures f;
    make(&f, "2022H1", "420102001", "城关镇");
    struct html_options o = {.root = "../", .query = "period=2022H1"};
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_int_equal(html_township(m, &f, &o), 0);
    fclose(m);
    assert_well_formed(buf);
    assert_non_null(strstr(buf, "<a href=\"../?period=2022H1\">← 返回数据看板</a>"));
    free(buf);
}

int main(void)
{
    log_init("test_html", -1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_township_document),
        cmocka_unit_test(test_not_reported_and_empty),
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_long_names_clipped_in_charts),
        cmocka_unit_test(test_extreme_values),
        cmocka_unit_test(test_county_document),
        cmocka_unit_test(test_dashboard),
        cmocka_unit_test(test_township_page_links_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
