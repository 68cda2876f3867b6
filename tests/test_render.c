#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "tier.h"

#define SEED_REL "reporter/templates/township-half-year.txt"
#define NR "（未上报）"

/* ---------------------------------------------------------------- helpers */

/* The seed report, from the source tree: the working directory (tests/run.sh
 * runs from the root), else relative to this binary (build/tests/). */
static char *read_seed(void)
{
    char path[PATH_MAX + 64], exe[PATH_MAX];
    FILE *f = fopen(SEED_REL, "rb");
    if (!f) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        if (n > 0) {
            exe[n] = '\0';
            snprintf(path, sizeof path, "%s/../../" SEED_REL, dirname(exe));
            f = fopen(path, "rb");
        }
    }
    if (!f)
        fail_msg("cannot find %s", SEED_REL);
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    char chunk[4096];
    size_t k;
    while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, k, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* s with every occurrence of from replaced by to; malloc'd. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    size_t fl = strlen(from);
    const char *p;
    while ((p = strstr(s, from))) {
        fwrite(s, 1, (size_t)(p - s), m);
        fputs(to, m);
        s = p + fl;
    }
    fputs(s, m);
    fclose(m);
    return buf;
}

static void replace_in(char **s, const char *from, const char *to)
{
    char *r = replace_all(*s, from, to);
    free(*s);
    *s = r;
}

/* The seed with its '*'s replaced in order by vals[1..25]. */
static char *fill_seed(const char *seed, char vals[][160])
{
    char *buf = NULL;
    size_t len = 0;
    int next = 1;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    for (const char *s = seed; *s; s++) {
        if (*s == '*') {
            assert_true(next <= FIGURES_N);
            fputs(vals[next++], m);
        } else {
            fputc(*s, m);
        }
    }
    fclose(m);
    assert_int_equal(next, FIGURES_N + 1);
    return buf;
}

static void expect_period(char **s, const char *year_phrase, const char *phrase)
{
    char since[64];
    snprintf(since, sizeof since, "现将%s来", phrase);
    replace_in(s, "2022年上半年", year_phrase);
    replace_in(s, "现将上半年来", since);
}

static void make_figures(struct figures *f, const char *period, const char *code,
                         const char *name)
{
    struct period p;
    assert_int_equal(period_parse(period, &p), 0);
    figures_init(f, &p);
    snprintf(f->township, sizeof f->township, "%s", code);
    snprintf(f->name, sizeof f->name, "%s", name);
}

/* Every figure present with a distinct value; text figures named after it. */
static void fill_all(struct figures *f)
{
    for (int i = 1; i <= FIGURES_N; i++) {
        f->f[i].present = 1;
        if (f->f[i].type == FIG_TEXT)
            snprintf(f->f[i].text, sizeof f->f[i].text, "名%d", i);
        else
            f->f[i].value = 100 + i;
    }
    f->f[23].value = 3456;
    f->inspections_total = 31;
    f->special_campaign = 32;
    f->three_no_items = 33;
    f->expired_items = 34;
    f->rectifications_ordered = 35;
    f->rectifications_completed = 36;
    f->school_canteen_inspections = 37;
    f->villages_reporting = 38;
}

/* What the report must print for each figure of fill_all. */
static void expected_values(const struct figures *f, char vals[][160])
{
    for (int i = 1; i <= FIGURES_N; i++) {
        if (!f->f[i].present)
            snprintf(vals[i], 160, NR);
        else if (f->f[i].type == FIG_TEXT)
            snprintf(vals[i], 160, "%s", f->f[i].text);
        else if (i == 23)
            snprintf(vals[i], 160, "%" PRId64, render_round_copies(f->f[i].value));
        else
            snprintf(vals[i], 160, "%" PRId64, f->f[i].value);
    }
}

struct out {
    char *buf;
    size_t len;
};

static void render_t(struct out *o, const struct figures *f, enum render_format fmt)
{
    FILE *m = open_memstream(&o->buf, &o->len);
    assert_non_null(m);
    assert_int_equal(render_township(m, f, fmt), 0);
    fclose(m);
}

static void render_c(struct out *o, const struct figures *total, const struct figures *towns,
                     int n, enum render_format fmt)
{
    FILE *m = open_memstream(&o->buf, &o->len);
    assert_non_null(m);
    assert_int_equal(render_county(m, total, towns, n, fmt), 0);
    fclose(m);
}

static void check_text(const struct figures *f, const char *year_phrase, const char *phrase)
{
    char vals[FIGURES_N + 1][160];
    char *seed = read_seed();
    expected_values(f, vals);
    char *want = fill_seed(seed, vals);
    expect_period(&want, year_phrase, phrase);
    struct out o;
    render_t(&o, f, RENDER_TEXT);
    assert_int_equal(o.len, strlen(want));
    assert_string_equal(o.buf, want);
    free(o.buf);
    free(want);
    free(seed);
}

/* ---------------------------------------------------------------- text */

static void test_text_h1_word_for_word(void **state)
{
    (void)state;
    struct figures f;
    make_figures(&f, "2022H1", "320123101", "城关镇");
    fill_all(&f);
    check_text(&f, "2022年上半年", "上半年");

    /* And the substitution is nothing but that: the seed itself comes back
     * when every figure renders as '*'. */
    for (int i = 1; i <= FIGURES_N; i++) {
        f.f[i].type = FIG_TEXT;
        snprintf(f.f[i].text, sizeof f.f[i].text, "*");
    }
    struct out o;
    char *seed = read_seed();
    render_t(&o, &f, RENDER_TEXT);
    assert_string_equal(o.buf, seed);
    free(o.buf);
    free(seed);
}

static void test_text_periods(void **state)
{
    (void)state;
    struct figures f;
    make_figures(&f, "2022H2", "320123101", "城关镇");
    fill_all(&f);
    check_text(&f, "2022年下半年", "下半年");
    make_figures(&f, "2023Q1", "320123101", "城关镇");
    fill_all(&f);
    check_text(&f, "2023年第一季度", "第一季度");
    make_figures(&f, "2024", "320123101", "城关镇");
    fill_all(&f);
    check_text(&f, "2024年全年", "全年");
    make_figures(&f, "2022-03", "320123101", "城关镇");
    fill_all(&f);
    check_text(&f, "2022年3月", "3月");
}

static void test_text_absent(void **state)
{
    (void)state;
    struct figures f;
    make_figures(&f, "2022H1", "320123101", "");
    check_text(&f, "2022年上半年", "上半年");   /* every figure （未上报） */

    struct out o;
    render_t(&o, &f, RENDER_TEXT);
    assert_non_null(strstr(o.buf, "全镇现有食品生产经营者" NR "户。"));
    assert_non_null(strstr(o.buf, "以镇长" NR "同志为组长"));
    assert_null(strchr(o.buf, '*'));
    free(o.buf);

    /* Mixed: only the registry missing. */
    fill_all(&f);
    for (int i = 1; i <= 15; i++)
        f.f[i].present = 0;
    check_text(&f, "2022年上半年", "上半年");
}

static void test_copies_rounding(void **state)
{
    (void)state;
    assert_int_equal(render_round_copies(3456), 3400);
    assert_int_equal(render_round_copies(99), 99);
    assert_int_equal(render_round_copies(100), 100);
    assert_int_equal(render_round_copies(199), 100);
    assert_int_equal(render_round_copies(0), 0);

    struct figures f;
    struct out o;
    make_figures(&f, "2022H1", "320123101", "城关镇");
    fill_all(&f);
    render_t(&o, &f, RENDER_TEXT);
    assert_non_null(strstr(o.buf, "散发宣传资料3400余份"));
    free(o.buf);
    f.f[23].value = 99;
    render_t(&o, &f, RENDER_TEXT);
    assert_non_null(strstr(o.buf, "散发宣传资料99余份"));
    free(o.buf);
}

/* ---------------------------------------------------------------- md */

static void test_md(void **state)
{
    (void)state;
    struct figures f;
    struct out o;
    make_figures(&f, "2022H1", "320123101", "城关镇");
    fill_all(&f);
    snprintf(f.f[16].text, sizeof f.f[16].text, "张|三");
    f.f[25].present = 0;
    render_t(&o, &f, RENDER_MD);
    assert_true(strncmp(o.buf, "# 城关镇（320123101）2022年上半年", strlen("# 城关镇（320123101）2022年上半年")) == 0);
    assert_non_null(strstr(o.buf, "| # | 项目 | 数值 |\n"));
    assert_non_null(strstr(o.buf, "| 1 | 食品生产经营者（户） | 101 |\n"));
    assert_non_null(strstr(o.buf, "| 23 | 散发宣传资料（份） | 3456 |\n"));
    assert_non_null(strstr(o.buf, "| 16 | 镇长（食品安全领导小组组长） | 张\\|三 |\n"));
    assert_non_null(strstr(o.buf, "| 25 | 食品流通单位定期检查（次） | " NR " |\n"));
    assert_non_null(strstr(o.buf, "有数据上报的行政村（个） | 38 |\n"));
    free(o.buf);
}

/* ---------------------------------------------------------------- csv */

static void test_csv(void **state)
{
    (void)state;
    struct figures f;
    struct out o;
    make_figures(&f, "2022H1", "320123101", "城关镇");
    fill_all(&f);
    snprintf(f.f[17].text, sizeof f.f[17].text, "李,\"四\"");
    f.f[22].present = 0;
    render_t(&o, &f, RENDER_CSV);
    assert_true(o.len > 3);
    assert_memory_equal(o.buf, "\xEF\xBB\xBF", 3);
    assert_true(strncmp(o.buf + 3, "序号,指标,键,数值\r\n", strlen("序号,指标,键,数值\r\n")) == 0);
    /* CRLF only: every LF follows a CR, one line per figure and supporting figure. */
    int lines = 0;
    for (size_t i = 0; i < o.len; i++)
        if (o.buf[i] == '\n') {
            assert_true(i > 0 && o.buf[i - 1] == '\r');
            lines++;
        }
    assert_int_equal(lines, 1 + FIGURES_N + 8);
    assert_non_null(strstr(o.buf, "\r\n1,食品生产经营者（户）,registered_total,101\r\n"));
    assert_non_null(strstr(o.buf, ",enforcement_head,\"李,\"\"四\"\"\"\r\n"));
    assert_non_null(strstr(o.buf, "\r\n22,集中学习食品安全知识（次）,study_sessions,\r\n"));
    assert_non_null(strstr(o.buf, "\r\n,有数据上报的行政村（个）,villages_reporting,38\r\n"));
    free(o.buf);
}

/* ---------------------------------------------------------------- json */

static json_t *parse(const struct out *o)
{
    json_error_t e;
    json_t *j = json_loadb(o->buf, o->len, 0, &e);
    if (!j)
        fail_msg("json: %s at line %d", e.text, e.line);
    return j;
}

static void check_json_figures(json_t *obj, const struct figures *f)
{
    json_t *arr = json_object_get(obj, "figures");
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), FIGURES_N);
    for (int i = 1; i <= FIGURES_N; i++) {
        json_t *e = json_array_get(arr, (size_t)i - 1);
        const struct figure *fg = &f->f[i];
        assert_int_equal(json_integer_value(json_object_get(e, "num")), i);
        assert_string_equal(json_string_value(json_object_get(e, "key")), fg->key);
        assert_string_equal(json_string_value(json_object_get(e, "label")), fg->label);
        assert_int_equal(json_is_true(json_object_get(e, "present")), fg->present);
        json_t *v = json_object_get(e, fg->type == FIG_TEXT ? "text" : "value");
        assert_non_null(v);
        if (!fg->present)
            assert_true(json_is_null(v));
        else if (fg->type == FIG_TEXT)
            assert_string_equal(json_string_value(v), fg->text);
        else
            assert_int_equal(json_integer_value(v), fg->value);
    }
}

static void test_json(void **state)
{
    (void)state;
    struct figures f;
    struct out o;
    make_figures(&f, "2022H1", "320123101", "城关镇");
    fill_all(&f);
    f.f[3].present = 0;
    f.f[18].present = 0;
    render_t(&o, &f, RENDER_JSON);
    /* UTF-8 as is, not \u escapes. */
    assert_non_null(strstr(o.buf, "食品生产经营者"));
    json_t *j = parse(&o);
    assert_string_equal(json_string_value(json_object_get(j, "township")), "320123101");
    assert_string_equal(json_string_value(json_object_get(j, "name")), "城关镇");
    assert_string_equal(json_string_value(json_object_get(j, "period")), "2022H1");
    check_json_figures(j, &f);
    json_t *sup = json_object_get(j, "supporting");
    assert_int_equal(json_integer_value(json_object_get(sup, "inspections_total")), 31);
    assert_int_equal(json_integer_value(json_object_get(sup, "villages_reporting")), 38);
    /* Stable order: the keys come out as written. */
    const char *first_key = json_object_iter_key(json_object_iter(j));
    assert_string_equal(first_key, "township");
    json_decref(j);
    free(o.buf);

    /* All absent: 25 nulls. */
    make_figures(&f, "2022Q3", "320123102", "");
    render_t(&o, &f, RENDER_JSON);
    j = parse(&o);
    assert_true(json_is_null(json_object_get(j, "name")));
    assert_string_equal(json_string_value(json_object_get(j, "period")), "2022Q3");
    check_json_figures(j, &f);
    json_decref(j);
    free(o.buf);
}

/* ---------------------------------------------------------------- county */

static void make_county(struct figures *total, struct figures towns[2])
{
    make_figures(&towns[0], "2022H1", "320123101", "城关镇");
    fill_all(&towns[0]);
    make_figures(&towns[1], "2022H1", "320123102", "");
    fill_all(&towns[1]);
    towns[1].f[23].value = 50;
    towns[1].f[25].present = 0;
    towns[1].f[25].value = 0;
    towns[1].villages_reporting = 2;
    make_figures(total, "2022H1", "", "");
    for (int i = 1; i <= FIGURES_N; i++) {
        if (total->f[i].type == FIG_TEXT || i == 20)
            continue;
        total->f[i].value = towns[0].f[i].value + towns[1].f[i].value;
        total->f[i].present = 1;
    }
}

static void test_county_text(void **state)
{
    (void)state;
    struct figures total, towns[2];
    struct out o;
    char vals[FIGURES_N + 1][160];
    make_county(&total, towns);
    render_c(&o, &total, towns, 2, RENDER_TEXT);

    (void)vals;
    /* The county's own text: how many townships reported, the county
     * totals, the leadership as N of M, no township's holes. */
    assert_non_null(strstr(o.buf, "2022年上半年，全县2个镇中有2个报送了食品安全工作数据，未报送的镇：无。"));
    assert_non_null(strstr(o.buf, "全县现有食品生产经营者202户。"));
    assert_non_null(strstr(o.buf, "2个镇中有2个成立了明确组长人选的食品安全领导小组"));
    assert_null(strstr(o.buf, "以镇长" NR "同志为组长"));
    assert_null(strstr(o.buf, "全镇"));
    const char *tail = strstr(o.buf, "附表：各镇主要数据\n");
    assert_non_null(tail);
    assert_non_null(strstr(tail, "320123101 城关镇：食品生产经营者101户，配备协管员和信息员的行政村121个，"
                                 "集中学习食品安全知识122次，散发宣传资料3400余份，"
                                 "食品流通单位定期检查125次，有数据上报的行政村38个。\n"));
    assert_non_null(strstr(tail, "320123102：食品生产经营者101户，"));
    assert_non_null(strstr(tail, "散发宣传资料50余份，食品流通单位定期检查" NR "次，有数据上报的行政村2个。\n"));
    free(o.buf);
}

static void test_county_csv_md_json(void **state)
{
    (void)state;
    struct figures total, towns[2];
    struct out o;
    make_county(&total, towns);

    render_c(&o, &total, towns, 2, RENDER_CSV);
    assert_memory_equal(o.buf, "\xEF\xBB\xBF", 3);
    const char *head = "序号,指标,键,城关镇（320123101）,320123102,全县\r\n";
    assert_true(strncmp(o.buf + 3, head, strlen(head)) == 0);
    assert_non_null(strstr(o.buf, "\r\n1,食品生产经营者（户）,registered_total,101,101,202\r\n"));
    assert_non_null(strstr(o.buf, "\r\n16,镇长（食品安全领导小组组长）,township_head,名16,名16,\r\n"));
    assert_non_null(strstr(o.buf, "\r\n25,食品流通单位定期检查（次）,routine_inspections_distribution,125,,125\r\n"));
    free(o.buf);

    render_c(&o, &total, towns, 2, RENDER_MD);
    assert_non_null(strstr(o.buf, "# 全县2022年上半年"));
    assert_non_null(strstr(o.buf, "## 各镇主要数据"));
    assert_non_null(strstr(o.buf, "| 320123101 | 城关镇 | 101 | 121 | 122 | 3456 | 125 | 38 |\n"));
    assert_non_null(strstr(o.buf, "| 320123102 |  | 101 | 121 | 122 | 50 | " NR " | 2 |\n"));
    free(o.buf);

    render_c(&o, &total, towns, 2, RENDER_JSON);
    json_t *j = parse(&o);
    assert_true(json_is_true(json_object_get(j, "county")));
    assert_string_equal(json_string_value(json_object_get(j, "period")), "2022H1");
    json_t *t = json_object_get(j, "total");
    assert_null(json_object_get(t, "township"));
    check_json_figures(t, &total);
    json_t *arr = json_object_get(j, "townships");
    assert_int_equal(json_array_size(arr), 2);
    check_json_figures(json_array_get(arr, 0), &towns[0]);
    check_json_figures(json_array_get(arr, 1), &towns[1]);
    assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 1), "township")),
                        "320123102");
    json_decref(j);
    free(o.buf);

    /* No township at all still renders (an empty county database). */
    render_c(&o, &total, NULL, 0, RENDER_TEXT);
    assert_non_null(strstr(o.buf, "附表：各镇主要数据\n"));
    free(o.buf);
}

/* A county of large townships: each township's part far past the room first
 * set aside for it (about 4 KB), so the document grows many times while it
 * is built. The bytes are still jansson's own compact dump of the whole
 * tree, and a township that cannot be written (a name cut mid-character)
 * leaves nothing written at all. */
static void test_county_json_large(void **state)
{
    (void)state;
    enum { NT = 40, NV = 300 };
    struct figures total, *towns = calloc(NT, sizeof *towns);
    struct out o;
    assert_non_null(towns);
    make_figures(&total, "2022H1", "", "");
    for (int t = 0; t < NT; t++) {
        char code[16];
        snprintf(code, sizeof code, "320123%03u", (unsigned)(100 + t) % 1000u);
        make_figures(&towns[t], "2022H1", code, "城关镇");
        fill_all(&towns[t]);
        towns[t].nvillages = NV;
        towns[t].villages = calloc(NV, sizeof *towns[t].villages);
        assert_non_null(towns[t].villages);
        for (int v = 0; v < NV; v++) {
            struct village_figures *vf = &towns[t].villages[v];
            snprintf(vf->code, sizeof vf->code, "%.9s%03u", code, (unsigned)v % 1000u);
            snprintf(vf->name, sizeof vf->name, "第%d村", v);
            vf->inspections = t * 1000 + v;
        }
    }
    render_c(&o, &total, towns, NT, RENDER_JSON);
    assert_true(o.len > (size_t)NT * 4096 * 8);
    json_t *j = parse(&o);
    char *again = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(again);
    assert_int_equal(strlen(again) + 1, o.len);
    assert_memory_equal(again, o.buf, strlen(again));
    assert_int_equal(o.buf[o.len - 1], '\n');
    json_t *arr = json_object_get(j, "townships");
    assert_int_equal(json_array_size(arr), NT);
    json_t *last = json_object_get(json_array_get(arr, NT - 1), "villages");
    assert_int_equal(json_array_size(last), NV);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(last, NV - 1), "inspections")),
                     (NT - 1) * 1000 + NV - 1);
    assert_non_null(json_object_get(j, "text"));
    free(again);
    json_decref(j);
    free(o.buf);

    snprintf(towns[NT - 1].name, sizeof towns[NT - 1].name, "\xE5\xBC");
    FILE *m = open_memstream(&o.buf, &o.len);
    assert_non_null(m);
    assert_int_equal(render_county(m, &total, towns, NT, RENDER_JSON), -1);
    fclose(m);
    assert_int_equal(o.len, 0);
    free(o.buf);
    for (int t = 0; t < NT; t++)
        figures_free(&towns[t]);
    free(towns);
}

static void test_format_parse(void **state)
{
    (void)state;
    assert_int_equal(render_format_parse("text"), RENDER_TEXT);
    assert_int_equal(render_format_parse("md"), RENDER_MD);
    assert_int_equal(render_format_parse("csv"), RENDER_CSV);
    assert_int_equal(render_format_parse("json"), RENDER_JSON);
    assert_int_equal(render_format_parse("pdf"), -1);
    assert_int_equal(render_format_parse(""), -1);
    assert_int_equal(render_format_parse(NULL), -1);
}

static void test_json_refuses_bad_utf8(void **state)
{
    (void)state;
    struct figures f;
    char *buf = NULL;
    size_t len = 0;
    make_figures(&f, "2022H1", "320123101", "城关镇");
    fill_all(&f);
    snprintf(f.f[16].text, sizeof f.f[16].text, "\xE5\xBC");   /* cut in the middle */
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(render_township(m, &f, RENDER_JSON), -1);
    fclose(m);
    free(buf);
}

/* ---------------------------------------------------------------- completeness */

static struct village_figures VILLAGES[2] = {
    {.code = "320123101001", .name = "东村", .months_expected = 12, .months_reported = 12,
     .months_ontime = 11, .months_nil = 2, .last_reported = "2022-06", .silent = 0,
     .inspections = 40, .inspections_ordered = 3, .inspections_removed_destroyed = 4,
     .routine_distribution = 9, .study_sessions = 5, .copies = 600, .registered = 70},
    {.code = "320123101002", .name = "西村", .months_expected = 12, .months_reported = 8,
     .months_ontime = 7, .months_nil = 0, .last_reported = "2022-03", .silent = 1},
};

/* fill_all plus completeness (two villages, one silent) and a revision. */
static void fill_status(struct figures *f, const char *code, const char *name)
{
    make_figures(f, "2022H1", code, name);
    fill_all(f);
    f->months_expected = 24;
    f->months_reported = 20;
    f->months_ontime = 18;
    f->months_nil = 2;
    f->villages_silent = 1;
    f->ontime_days = 10;
    f->silent_months = 2;
    f->revision = 3;
    snprintf(f->revised_on, sizeof f->revised_on, "2022-08-15");
    f->nmonths = 6;
    f->study_by_month[0] = 2;
    f->copies_by_month[5] = 3456;
    f->nvillages = 2;
    f->villages = VILLAGES;
}

static const char STATUS_TAIL[] =
    "（本报告数据于 2022-08-15 修订，第 3 次修订）\n"
    "附：上报情况\n"
    "应报村月24个，已报20个（上报率83.3%），其中按时上报18个（按时率90.0%，月末后10天内收到），零报告2个。\n"
    "长期未上报（超过2个月无任何上报）的行政村：西村（320123101002）。\n";

static void test_text_status(void **state)
{
    (void)state;
    struct figures f;
    char vals[FIGURES_N + 1][160];
    fill_status(&f, "320123101", "城关镇");
    char *seed = read_seed();
    expected_values(&f, vals);
    char *want = fill_seed(seed, vals);
    struct out o;
    render_t(&o, &f, RENDER_TEXT);
    /* the seed word for word, then the notes, nothing else */
    assert_true(o.len == strlen(want) + strlen(STATUS_TAIL));
    assert_memory_equal(o.buf, want, strlen(want));
    assert_string_equal(o.buf + strlen(want), STATUS_TAIL);
    free(o.buf);

    /* No silent village, no revision: no note, and 无. */
    f.revision = 0;
    f.revised_on[0] = '\0';
    f.villages_silent = 0;
    f.nvillages = 1;
    render_t(&o, &f, RENDER_TEXT);
    assert_null(strstr(o.buf, "修订"));
    assert_non_null(strstr(o.buf + strlen(want), "的行政村：无。\n"));
    assert_null(strchr(o.buf, '*'));
    free(o.buf);
    free(want);
    free(seed);
}

static void test_md_csv_json_status(void **state)
{
    (void)state;
    struct figures f;
    struct out o;
    fill_status(&f, "320123101", "城关镇");

    render_t(&o, &f, RENDER_MD);
    assert_non_null(strstr(o.buf, "\n## 上报情况\n"));
    assert_non_null(strstr(o.buf, "| 上报率 | 83.3% |\n"));
    assert_non_null(strstr(o.buf, "| 修订次数 | 3 |\n| 最近修订日期 | 2022-08-15 |\n"));
    assert_non_null(strstr(o.buf, "| 320123101002 | 西村 | 12 | 8 | 7 | 0 | 2022-03 | 长期未上报 |\n"));
    free(o.buf);

    render_t(&o, &f, RENDER_CSV);
    int lines = 0;
    for (size_t i = 0; i < o.len; i++)
        lines += o.buf[i] == '\n';
    assert_int_equal(lines, 1 + FIGURES_N + 8 + 9 + 2 + 2);
    assert_non_null(strstr(o.buf, "\r\n,上报率,reporting_rate,83.3%\r\n"));
    assert_non_null(strstr(o.buf, "\r\n,修订次数,revision,3\r\n,最近修订日期,revised_on,2022-08-15\r\n"));
    assert_non_null(strstr(o.buf, "\r\n320123101001,东村,12,12,11,2,2022-06,否,40,3,4,9,5,600,70\r\n"));
    assert_non_null(strstr(o.buf, "\r\n320123101002,西村,12,8,7,0,2022-03,是,"));
    free(o.buf);

    render_t(&o, &f, RENDER_JSON);
    json_t *j = parse(&o);
    json_t *c = json_object_get(j, "completeness");
    assert_int_equal(json_integer_value(json_object_get(c, "months_expected")), 24);
    assert_int_equal(json_integer_value(json_object_get(c, "months_reported")), 20);
    assert_int_equal(json_integer_value(json_object_get(c, "months_ontime")), 18);
    assert_int_equal(json_integer_value(json_object_get(c, "months_nil")), 2);
    assert_int_equal(json_integer_value(json_object_get(c, "villages_silent")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "ontime_days")), 10);
    assert_int_equal(json_integer_value(json_object_get(c, "silent_months")), 2);
    assert_int_equal(json_integer_value(json_object_get(j, "revision")), 3);
    assert_string_equal(json_string_value(json_object_get(j, "revised_on")), "2022-08-15");
    json_t *pm = json_object_get(j, "publicity_by_month");
    assert_int_equal(json_array_size(pm), 6);
    assert_string_equal(json_string_value(json_object_get(json_array_get(pm, 5), "month")), "2022-06");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pm, 5), "copies")), 3456);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(pm, 0), "study_sessions")), 2);
    json_t *vs = json_object_get(j, "villages");
    assert_int_equal(json_array_size(vs), 2);
    json_t *v = json_array_get(vs, 1);
    assert_string_equal(json_string_value(json_object_get(v, "code")), "320123101002");
    assert_string_equal(json_string_value(json_object_get(v, "name")), "西村");
    assert_true(json_is_true(json_object_get(v, "silent")));
    assert_string_equal(json_string_value(json_object_get(v, "last_reported")), "2022-03");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(vs, 0), "registered")), 70);
    json_decref(j);
    free(o.buf);

    /* Without completeness: revision 0 and a null date, no villages. */
    make_figures(&f, "2022Q3", "320123102", "");
    render_t(&o, &f, RENDER_JSON);
    j = parse(&o);
    assert_int_equal(json_integer_value(json_object_get(j, "revision")), 0);
    assert_true(json_is_null(json_object_get(j, "revised_on")));
    assert_int_equal(json_array_size(json_object_get(j, "villages")), 0);
    json_decref(j);
    free(o.buf);
}

static void test_county_status(void **state)
{
    (void)state;
    struct figures total, towns[2];
    struct out o;
    make_county(&total, towns);
    fill_status(&towns[0], "320123101", "城关镇");
    total.months_expected = 30;
    total.months_reported = 25;
    total.months_ontime = 20;
    total.villages_silent = 1;
    total.revision = 3;
    snprintf(total.revised_on, sizeof total.revised_on, "2022-08-15");
    total.ontime_days = 10;
    total.silent_months = 2;

    render_c(&o, &total, towns, 2, RENDER_TEXT);
    assert_non_null(strstr(o.buf, "有数据上报的行政村38个。\n  上报率83.3%（20/24），按时率90.0%，"
                                  "长期未上报的行政村1个，数据于 2022-08-15 修订（第 3 次）。\n"));
    assert_non_null(strstr(o.buf, "（本报告数据于 2022-08-15 修订，第 3 次修订）\n附表：各镇主要数据\n"));
    assert_non_null(strstr(o.buf, "的行政村：320123101 城关镇：西村（320123101002）。\n"));
    free(o.buf);

    render_c(&o, &total, towns, 2, RENDER_MD);
    assert_non_null(strstr(o.buf, "## 各镇上报情况"));
    assert_non_null(strstr(o.buf, "| 320123101 | 城关镇 | 24 | 20 | 83.3% | 90.0% | 2 | 1 | 3 | 2022-08-15 |\n"));
    assert_non_null(strstr(o.buf, "|  | 全县 | 30 | 25 | 83.3% | 80.0% | 0 | 1 | 3 | 2022-08-15 |\n"));
    assert_non_null(strstr(o.buf, "长期未上报：城关镇：西村（320123101002）\n"));
    free(o.buf);

    render_c(&o, &total, towns, 2, RENDER_CSV);
    assert_non_null(strstr(o.buf, "\r\n,已报村月,months_reported,20,0,25\r\n"));
    assert_non_null(strstr(o.buf, "\r\n,最近修订日期,revised_on,2022-08-15,,2022-08-15\r\n"));
    free(o.buf);

    render_c(&o, &total, towns, 2, RENDER_JSON);
    json_t *j = parse(&o);
    json_t *t = json_object_get(j, "total");
    assert_null(json_object_get(t, "villages"));
    assert_int_equal(json_integer_value(json_object_get(t, "revision")), 3);
    json_t *t0 = json_array_get(json_object_get(j, "townships"), 0);
    assert_int_equal(json_array_size(json_object_get(t0, "villages")), 2);
    json_decref(j);
    free(o.buf);
}

/* The divisions a county-level report counts: distinct code prefixes, in
 * one pass over sorted townships, and the same answer unsorted. */
static void test_tier_count(void **state)
{
    (void)state;
    static const char *const codes[] = {"420102001", "420102002", "420103001",
                                        "420201001", "420201002", "430101001"};
    struct figures t[6], u[6];
    for (int i = 0; i < 6; i++) {
        memset(&t[i], 0, sizeof t[i]);
        snprintf(t[i].township, sizeof t[i].township, "%s", codes[i]);
        u[5 - i] = t[i];
    }
    assert_int_equal(tier_count(t, 6, 4), 3); /* 4201 4202 4301 */
    assert_int_equal(tier_count(t, 6, 6), 4); /* 420102 420103 420201 430101 */
    assert_int_equal(tier_count(u, 6, 4), 3);
    assert_int_equal(tier_count(u, 6, 6), 4);
    assert_int_equal(tier_count(t, 0, 6), 0);
    assert_int_equal(tier_guess(t, 6), TIER_PROVINCE);
    assert_int_equal(tier_guess(t, 2), TIER_COUNTY);
    assert_int_equal(tier_guess(t, 3), TIER_CITY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_h1_word_for_word),
        cmocka_unit_test(test_text_periods),
        cmocka_unit_test(test_text_absent),
        cmocka_unit_test(test_copies_rounding),
        cmocka_unit_test(test_md),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_county_text),
        cmocka_unit_test(test_county_csv_md_json),
        cmocka_unit_test(test_county_json_large),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_json_refuses_bad_utf8),
        cmocka_unit_test(test_text_status),
        cmocka_unit_test(test_md_csv_json_status),
        cmocka_unit_test(test_county_status),
        cmocka_unit_test(test_tier_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
