#include "report_text.h"
#include "log.h"
#include "placeholders.h"
#include "words.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The default templates (reporter/templates/, embedded at build time):
 * township.txt with township-sections.txt renders the seed report
 * (township-half-year.txt) byte for byte, typos included: the county
 * expects the document it always received; tests compare the rendering
 * against the seed itself. county.txt is the county's own text. */
#include "embed_township_txt.h"
#include "embed_township-sections_txt.h"
#include "embed_county_txt.h"

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

/* The line in w ends here; its level is read from its filled words. */
static void line_done(struct lines *w)
{
    enum text_level level = TEXT_PARAGRAPH;
    if (fflush(w->m) == 0 && w->buf) {
        long n = ftell(w->m);
        if (n > 0) {
            char *line = strndup(w->buf, (size_t)n);
            if (line)
                level = seed_level(line);
            free(line);
        }
    }
    end_line(w, level);
}

/* ---------------------------------------------------------------- text */

static void town_name(FILE *out, const struct figures *t);

/* The revision note after a report whose period received late data, and
 * the events of the period its villages corrected (更正/撤回). */
static void text_revision(struct lines *w, const struct figures *f)
{
    if (f->revision > 0) {
        fprintf(w->m, "（本报告数据于 %s 修订，第 %d 次修订", f->revised_on[0] ? f->revised_on : "—",
                f->revision);
        if (f->corrected > 0)
            fprintf(w->m, "；其中村更正、撤回记录 %d 条", f->corrected);
        fputs("）", w->m);
        end_line(w, TEXT_PARAGRAPH);
    } else if (f->corrected > 0) {
        fprintf(w->m, "（本期村更正、撤回记录 %d 条）", f->corrected);
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

/* One template's runs, line by line: a line ends at each '\n' of the
 * text; its level is read from what it says once filled. */
static int text_runs(struct lines *w, const struct template *t, const struct tpl_ctx *c)
{
    for (int i = 0; i < t->nruns && w->rc == 0; i++) {
        const struct tpl_run *r = &t->runs[i];
        if (r->kind == TPL_KEY) {
            if (tpl_value(w->m, r->s, c) < 0) {
                log_error("render: the template's key %s has no value here", r->s);
                return -1;
            }
            continue;
        }
        const char *s = r->s, *e = r->s + r->n, *nl;
        while ((nl = memchr(s, '\n', (size_t)(e - s)))) {
            fwrite(s, 1, (size_t)(nl - s), w->m);
            line_done(w);
            s = nl + 1;
        }
        fwrite(s, 1, (size_t)(e - s), w->m);
    }
    return w->rc;
}

/* The body: the head template, then the sections (三、四) template. A
 * last line without its '\n' is still a line. */
static int text_body(struct lines *w, const struct tpl_ctx *c)
{
    const struct template *head, *sections;
    if (text_templates(c->county, &head, &sections) < 0)
        return -1;
    if (text_runs(w, head, c) < 0 || text_runs(w, sections, c) < 0)
        return -1;
    if (ftell(w->m) > 0)
        line_done(w);
    return w->rc;
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
            prose_value(&f[1], b[0], sizeof b[0]), prose_value(&f[21], b[1], sizeof b[1]),
            prose_value(&f[22], b[2], sizeof b[2]));
    /* "（未上报）余份" would read as a quantity: the unit goes with a number only. */
    if (f[23].present)
        fprintf(out, "散发宣传资料%s余份，", prose_value(&f[23], b[3], sizeof b[3]));
    else
        fputs("散发宣传资料" NOT_REPORTED "，", out);
    fprintf(out, "食品流通单位定期检查%s次，有数据上报的行政村%d个。",
            prose_value(&f[25], b[4], sizeof b[4]), t->villages_reporting);
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
    struct tpl_ctx c = {f, NULL, 0, 0};
    if (text_body(&w, &c) < 0)
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
    struct tpl_ctx c = {total, towns, n, 1};
    if (text_body(&w, &c) < 0)
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
