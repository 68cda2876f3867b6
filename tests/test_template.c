/* template.c and the templates a township or county writes: the parser's
 * FILE:LINE:COL messages for broken files, and reports rendered from a
 * township's own template or its own 三、四 (real files, the real writers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "period.h"
#include "placeholders.h"
#include "report.h"
#include "template.h"

static char dir[] = "/tmp/shibao-template-XXXXXX";

static const char *write_file(const char *name, const char *text, size_t len)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    return path;
}

static int setup(void **state)
{
    (void)state;
    log_init("test", -1);
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    placeholders_free();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---------------------------------------------------------------- broken */

static const struct {
    const char *what, *text;
    size_t len; /* 0: strlen(text) */
    const char *msg; /* after "FILE:" */
} BROKEN[] = {
    {"unknown key, nearest suggested", "全镇\n检查{{routine_inspection_distribution}}次",
     0, "2:3: unknown key 'routine_inspection_distribution' (did you mean 'routine_inspections_distribution'?)"},
    {"unknown key in the middle of a line", "一、基本情况\n全镇现有{{registerd_total}}户",
     0, "2:5: unknown key 'registerd_total' (did you mean 'registered_total'?)"},
    {"unclosed placeholder", "第一行\n第二行{{year\n第三行}}", 0,
     "2:4: unclosed placeholder: '{{' without '}}' on the same line"},
    {"unclosed at the end of the file", "{{year}}年{{period", 0,
     "1:10: unclosed placeholder: '{{' without '}}' on the same line"},
    {"empty placeholder", "前{{ }}后", 0, "1:2: empty placeholder"},
    {"not a key inside", "{{镇长}}", 0, "1:1: a placeholder holds a key of letters, digits and _ only"},
    {"two words inside", "{{year period}}", 0,
     "1:1: a placeholder holds one key: 'year' is followed by other text"},
    {"GBK, not UTF-8", "\xd6\xd0\xce\xc4", 0, "1:1: not UTF-8 text (byte 0xd6); save the file as UTF-8"},
    {"invalid byte after good text", "一、\n二、\xff", 0,
     "2:3: not UTF-8 text (byte 0xff); save the file as UTF-8"},
    {"a NUL byte", "ab\0cd", 5, "1:3: not UTF-8 text (a NUL byte)"},
    {"a county key in a township template", "{{towns_silent}}", 0,
     "1:1: unknown key 'towns_silent' (did you mean 'township'?)"},
};

static void test_broken(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BROKEN / sizeof BROKEN[0]; i++) {
        char name[32], err[512], want[512];
        snprintf(name, sizeof name, "broken%zu.txt", i);
        size_t len = BROKEN[i].len ? BROKEN[i].len : strlen(BROKEN[i].text);
        const char *path = write_file(name, BROKEN[i].text, len);
        snprintf(want, sizeof want, "%s:%s", path, BROKEN[i].msg);
        struct template *t = (struct template *)1;
        int rc = template_load(&t, path, placeholder_keys(0), err, sizeof err);
        if (rc != -1 || strcmp(err, want) != 0)
            fail_msg("%s: rc %d, got \"%s\", want \"%s\"", BROKEN[i].what, rc, err, want);
        assert_null(t);
        /* and the reporter refuses it whole, keeping the defaults */
        assert_int_equal(placeholders_load(path, NULL, NULL, err, sizeof err), -1);
        assert_string_equal(err, want);
        assert_int_equal(placeholders_load(NULL, path, NULL, err, sizeof err), -1);
        assert_string_equal(err, want);
    }
}

static void test_missing_file(void **state)
{
    (void)state;
    char err[512], want[512], path[300];
    snprintf(path, sizeof path, "%s/none.txt", dir);
    snprintf(want, sizeof want, "%s: No such file or directory", path);
    assert_int_equal(placeholders_load(path, NULL, NULL, err, sizeof err), -1);
    assert_string_equal(err, want);
}

/* ---------------------------------------------------------------- parsing */

static void test_runs(void **state)
{
    (void)state;
    char err[256];
    struct template *t;
    /* a BOM and CRLF from Notepad, spaces inside the braces */
    const char *src = "\xef\xbb\xbf甲{{ year }}乙\r\n{{period}}";
    assert_int_equal(template_parse(&t, "x", src, strlen(src), placeholder_keys(0), err, sizeof err), 0);
    assert_int_equal(t->nruns, 4);
    assert_int_equal(t->runs[0].kind, TPL_TEXT);
    assert_memory_equal(t->runs[0].s, "甲", t->runs[0].n);
    assert_int_equal(t->runs[1].kind, TPL_KEY);
    assert_string_equal(t->runs[1].s, "year");
    assert_int_equal(t->runs[2].kind, TPL_TEXT);
    assert_int_equal(t->runs[2].n, strlen("乙\n"));
    assert_memory_equal(t->runs[2].s, "乙\n", t->runs[2].n);
    assert_string_equal(t->runs[3].s, "period");
    template_destroy(t);
}

/* ---------------------------------------------------------------- rendering */

static void make_town(struct figures *f)
{
    struct period p;
    assert_int_equal(period_parse("2022Q3", &p), 0);
    figures_init(f, &p);
    snprintf(f->township, sizeof f->township, "320123101");
    snprintf(f->name, sizeof f->name, "城关镇");
    for (int i = 1; i <= FIGURES_N; i++) {
        f->f[i].present = i != 22; /* study sessions: no data */
        if (f->f[i].type == FIG_TEXT)
            snprintf(f->f[i].text, sizeof f->f[i].text, "名%d", i);
        else
            f->f[i].value = 100 + i;
    }
    f->f[23].value = 3456;
}

static char *render(const struct figures *f, enum render_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(render_township(m, f, fmt), 0);
    assert_int_equal(fclose(m), 0);
    return buf;
}

static void test_own_template(void **state)
{
    (void)state;
    char err[512];
    const char *text = "{{name}}{{year}}年{{period}}食品安全工作总结\n"
                       "一、基本情况\n"
                       "本镇在册经营者{{registered_total}}户，检查{{routine_inspections_distribution}}次，"
                       "学习{{study_sessions}}次，资料{{materials_copies}}余份。\n"
                       "二、问题\n"
                       "人手少*急需增援。\n";
    const char *path = write_file("own.txt", text, strlen(text));
    assert_int_equal(placeholders_load(path, NULL, NULL, err, sizeof err), 0);
    struct figures f;
    make_town(&f);
    char *out = render(&f, RENDER_TEXT);
    assert_string_equal(out, "城关镇2022年第三季度食品安全工作总结\n"
                             "一、基本情况\n"
                             "本镇在册经营者101户，检查125次，学习（未上报）次，资料3400余份。\n"
                             "二、问题\n"
                             "人手少*急需增援。\n");
    free(out);
    /* html carries the same words, its headings as headings */
    out = render(&f, RENDER_HTML);
    assert_non_null(strstr(out, "本镇在册经营者101户，检查125次，学习（未上报）次，资料3400余份。"));
    assert_non_null(strstr(out, "二、问题"));
    assert_null(strstr(out, "存在的问题"));
    free(out);
    /* md: the same words, 一、 as a heading, markup in a clerk's text escaped */
    out = render(&f, RENDER_MD);
    assert_non_null(strstr(out, "\n## 一、基本情况\n\n本镇在册经营者101户，检查125次，学习（未上报）次，资料3400余份。\n\n"
                                "## 二、问题\n\n人手少\\*急需增援。\n\n"));
    free(out);
    /* json: the same lines with their level */
    out = render(&f, RENDER_JSON);
    assert_non_null(strstr(out, "\"text\":[{\"level\":\"paragraph\",\"text\":\"城关镇2022年第三季度食品安全工作总结\"},"
                                "{\"level\":\"section\",\"text\":\"一、基本情况\"},"
                                "{\"level\":\"paragraph\",\"text\":\"本镇在册经营者101户，检查125次，学习（未上报）次，资料3400余份。\"}"));
    free(out);
    figures_free(&f);
    placeholders_free();
}

static void test_own_sections(void **state)
{
    (void)state;
    char err[512];
    const char *text = "三、存在的问题\n"
                       "一是{{name}}食杂店{{grocery_stores}}户，检查{{routine_inspections_distribution}}次，仍显不足。\n"
                       "四、下一步工作计划\n"
                       "{{period}}后，每村每月检查一次。\n";
    const char *path = write_file("sections.txt", text, strlen(text));
    assert_int_equal(placeholders_load(NULL, path, NULL, err, sizeof err), 0);
    struct figures f;
    make_town(&f);
    char *out = render(&f, RENDER_TEXT);
    /* the default head word for word, then the township's own 三、四 */
    assert_non_null(strstr(out, "2022年第三季度以来，在县委、县政府的正确领导下"));
    assert_non_null(strstr(out, "以镇长名16同志为组长"));
    const char *three = strstr(out, "三、存在的问题\n");
    assert_non_null(three);
    assert_string_equal(three, "三、存在的问题\n"
                               "一是城关镇食杂店113户，检查125次，仍显不足。\n"
                               "四、下一步工作计划\n"
                               "第三季度后，每村每月检查一次。\n");
    assert_null(strstr(out, "宣传力度不够"));
    free(out);
    figures_free(&f);
    placeholders_free();
}

/* A city's report of townships from two counties: 全市, counting counties;
 * the silent township and the one without a named head by name. */
static void test_city(void **state)
{
    (void)state;
    struct figures total, towns[3];
    const char *codes[3] = {"420102001", "420102002", "420103001"};
    const char *names[3] = {"城关镇", "东山镇", "西河镇"};
    for (int i = 0; i < 3; i++) {
        make_town(&towns[i]);
        snprintf(towns[i].township, sizeof towns[i].township, "%s", codes[i]);
        snprintf(towns[i].name, sizeof towns[i].name, "%s", names[i]);
        towns[i].villages_reporting = 2;
    }
    /* 西河镇: its profile only, nothing from its villages */
    for (int k = 1; k <= FIGURES_N; k++)
        if (k < 16 || k > 20)
            towns[2].f[k].present = 0;
    towns[2].villages_reporting = 0;
    towns[1].f[16].present = 0; /* 东山镇 names no head */
    towns[0].f[25].value = 300;  /* 城关镇 inspects most per distribution unit */
    make_town(&total);
    total.township[0] = '\0';
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(render_county(m, &total, towns, 3, RENDER_TEXT), 0);
    assert_int_equal(fclose(m), 0);
    assert_non_null(strstr(buf, "2022年第三季度，全市2个县（市、区）、3个镇中有2个报送了食品安全工作数据，未报送的镇：西河镇。"));
    assert_non_null(strstr(buf, "\n3个镇中有2个成立了明确组长人选的食品安全领导小组，尚未明确的镇：东山镇。"));
    assert_non_null(strstr(buf, "定期检查最多的是城关镇（每户2.7次），最少的是东山镇（每户1.1次）。"));
    assert_null(strstr(buf, "全县"));
    free(buf);
    for (int i = 0; i < 3; i++)
        figures_free(&towns[i]);
    figures_free(&total);
}

static char *render_all(const struct figures *total, const struct figures *towns, int n,
                        enum render_format fmt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(render_county(m, total, towns, n, fmt), 0);
    assert_int_equal(fclose(m), 0);
    return buf;
}

/* The tiers above a county: townships of two cities are a province's
 * (全省, counting its cities and counties) in the text, md and csv; the
 * tier given (--tier city) makes one county's townships a city's report. */
static void test_tiers(void **state)
{
    (void)state;
    struct figures total, towns[3];
    const char *codes[3] = {"420102001", "420103001", "420201001"};
    for (int i = 0; i < 3; i++) {
        make_town(&towns[i]);
        snprintf(towns[i].township, sizeof towns[i].township, "%s", codes[i]);
        towns[i].villages_reporting = 1;
    }
    make_town(&total);
    total.township[0] = '\0';
    char *text = render_all(&total, towns, 3, RENDER_TEXT);
    char *md = render_all(&total, towns, 3, RENDER_MD);
    char *csv = render_all(&total, towns, 3, RENDER_CSV);
    assert_non_null(strstr(text, "2022年第三季度，全省2个市、3个县（市、区）、3个镇中有3个报送了"));
    assert_non_null(strstr(md, "# 全省2022年第三季度食品安全工作情况"));
    assert_non_null(strstr(md, "2个市、3个县（市、区）、3个镇"));
    assert_non_null(strstr(csv, ",全省\r\n"));
    for (const char *const *b = (const char *const[]){text, md, csv, NULL}; *b; b++)
        assert_true(!strstr(*b, "全县") && !strstr(*b, "全市"));
    free(text);
    free(md);
    free(csv);
    /* one county's townships, the tier given as a city's */
    total.tier = TIER_CITY;
    text = render_all(&total, towns, 1, RENDER_TEXT);
    assert_non_null(strstr(text, "2022年第三季度，全市1个县（市、区）、1个镇中有1个报送了"));
    assert_null(strstr(text, "全县"));
    free(text);
    total.tier = 0;
    text = render_all(&total, towns, 1, RENDER_TEXT);
    assert_non_null(strstr(text, "2022年第三季度，全县1个镇中有1个报送了"));
    free(text);
    for (int i = 0; i < 3; i++)
        figures_free(&towns[i]);
    figures_free(&total);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_broken),       cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_runs),         cmocka_unit_test(test_own_template),
        cmocka_unit_test(test_own_sections), cmocka_unit_test(test_city),
        cmocka_unit_test(test_tiers),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
