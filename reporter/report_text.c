#include "report_text.h"
#include "log.h"
#include "words.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The seed report (reporter/templates/township-half-year.txt, embedded at
 * build time) byte for byte, typos included: the county expects the
 * document it always received. Every '*' is a figure in order 1..25;
 * SEED_PERIOD and SEED_SINCE carry the period; tests compare the rendering
 * against the file itself. */
#include "embed_township-half-year_txt.h"
#define TEMPLATE embed_township_half_year_txt
#define SEED_PERIOD "2022年上半年"
#define SEED_SINCE "现将上半年来"
#define TOWN "镇"
#define COUNTY "县"

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

/* The figure as the report prints it: prose rounds figure 23 ("N余份"). */
static const char *report_value(const struct figure *f, char *buf, size_t n)
{
    if (!f->present)
        return NOT_REPORTED;
    if (f->type == FIG_TEXT)
        return f->text;
    snprintf(buf, n, "%" PRId64, f->num == 23 ? render_round_copies(f->value) : f->value);
    return buf;
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

/* ---------------------------------------------------------------- text */

static void town_name(FILE *out, const struct figures *t);

/* The revision note after a report whose period received late data. */
static void text_revision(struct lines *w, const struct figures *f)
{
    if (f->revision > 0) {
        fprintf(w->m, "（本报告数据于 %s 修订，第 %d 次修订）",
                f->revised_on[0] ? f->revised_on : "—", f->revision);
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

/* The seed, line by line (it ends with a newline), every * filled. */
static int text_body(struct lines *w, const struct figures *f, int county)
{
    char phrase[32], buf[32];
    FILE *out = w->m;
    period_phrase(&f->period, phrase, sizeof phrase);
    int next = 1;
    const char *s = TEMPLATE, *run = TEMPLATE, *line = TEMPLATE;
    while (*s) {
        size_t skip = 0;
        if (*s == '\n')
            skip = 1;
        else if (*s == '*')
            skip = 1;
        else if (starts(s, SEED_PERIOD))
            skip = strlen(SEED_PERIOD);
        else if (starts(s, SEED_SINCE))
            skip = strlen(SEED_SINCE);
        else if (county && (starts(s, "全" TOWN) || starts(s, "我" TOWN)))
            skip = strlen("全" TOWN);
        if (!skip) {
            s++;
            continue;
        }
        fwrite(run, 1, (size_t)(s - run), out);
        if (*s == '\n') {
            end_line(w, seed_level(line));
            line = s + 1;
        } else if (*s == '*') {
            if (next > FIGURES_N)
                goto miscount;
            fputs(report_value(&f->f[next++], buf, sizeof buf), out);
        } else if (starts(s, SEED_PERIOD)) {
            fprintf(out, "%d年%s", f->period.year, phrase);
        } else if (starts(s, SEED_SINCE)) {
            fprintf(out, "现将%s来", phrase);
        } else {
            /* 全镇 -> 全县, 我镇 -> 我县: keep the first character. */
            fwrite(s, 1, skip - strlen(TOWN), out);
            fputs(COUNTY, out);
        }
        s += skip;
        run = s;
    }
    if (s > run) {
        fwrite(run, 1, (size_t)(s - run), out);
        end_line(w, seed_level(line));
    }
    if (next == FIGURES_N + 1)
        return 0;
miscount:
    log_error("render: the report template does not hold exactly %d placeholders", FIGURES_N);
    return -1;
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
            report_value(&f[1], b[0], sizeof b[0]), report_value(&f[21], b[1], sizeof b[1]),
            report_value(&f[22], b[2], sizeof b[2]));
    /* "（未上报）余份" would read as a quantity: the unit goes with a number only. */
    if (f[23].present)
        fprintf(out, "散发宣传资料%s余份，", report_value(&f[23], b[3], sizeof b[3]));
    else
        fputs("散发宣传资料" NOT_REPORTED "，", out);
    fprintf(out, "食品流通单位定期检查%s次，有数据上报的行政村%d个。",
            report_value(&f[25], b[4], sizeof b[4]), t->villages_reporting);
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
    if (text_body(&w, f, 0) < 0)
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
    if (text_body(&w, total, 1) < 0)
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
