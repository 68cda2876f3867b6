/* profile: the township's INI file; errors name FILE:LINE: key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "profile.h"

static char g_path[64];

static void write_file(const char *text)
{
    strcpy(g_path, "/tmp/shibao-profile.XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_good_profile(void **state)
{
    (void)state;
    struct profile p;
    char err[256];
    write_file("; comment\n[township]\nname = 城关镇\nhead = 张伟\noffice_staff = 5\n");
    assert_int_equal(profile_load(g_path, &p, err, sizeof err), 0);
    assert_string_equal(p.values[0], "城关镇");
    assert_string_equal(p.values[1], "张伟");
    assert_null(p.values[2]);
    assert_string_equal(p.values[5], "5");
    profile_clear(&p);
    unlink(g_path);
}

static void test_villages_section(void **state)
{
    (void)state;
    struct profile p;
    char err[256];
    write_file("[township]\nname = 城关镇\n[villages]\n420102001201 = 东湖村\n"
               "420102001202 = 西山村\n420102001201 = 东湖新村\n");
    assert_int_equal(profile_load(g_path, &p, err, sizeof err), 0);
    assert_string_equal(p.values[0], "城关镇");
    assert_int_equal(p.nvillages, 2);
    assert_string_equal(p.villages[0].code, "420102001201");
    assert_string_equal(p.villages[0].name, "东湖新村");   /* the last name wins */
    assert_string_equal(p.villages[1].code, "420102001202");
    assert_string_equal(p.villages[1].name, "西山村");
    profile_clear(&p);
    assert_int_equal(p.nvillages, 0);
    unlink(g_path);
}

static void expect_error(const char *text, const char *needle)
{
    struct profile p;
    char err[256], want[128];
    write_file(text);
    assert_int_equal(profile_load(g_path, &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:%s", g_path, needle);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    unlink(g_path);
}

/* Finding 8: a value holding a newline, a carriage return, an escape or a
 * bidirectional override would forge lines (or reorder text) in the county's
 * report: refused, naming the line and the key. */
static void test_control_characters_refused(void **state)
{
    (void)state;
    expect_error("[township]\nname = 城关镇\x1b[1A420102002 西山镇\n", "2: name: control character U+001B");
    expect_error("[township]\nhead = 张伟\rmayor\n", "2: head: control character U+000D");
    expect_error("[township]\nname = ok\nmarket_office = \xe2\x80\xae关城\n",
                 "3: market_office: control character U+202E");
    expect_error("[villages]\n420102001201 = 东湖村\xc2\x9b\n", "2: 420102001201: control character U+009B");
}

static void test_errors_name_line_and_key(void **state)
{
    (void)state;
    expect_error("[township]\nname = 城关镇\nmayor = 张伟\n", "3: mayor: unknown key");
    expect_error("[township]\noffice_staff = five\n", "2: office_staff: not a number");
    expect_error("[village]\nname = x\n", "2: [village]: unknown section");
    expect_error("[villages]\n4201020012 = 东湖村\n", "2: 4201020012: not a 12-digit village code");
    expect_error("[township]\nthis line has no equals sign\n", "2: syntax error");
    struct profile p;
    char err[256];
    assert_int_equal(profile_load("/nonexistent/profile.ini", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/profile.ini: cannot open"));
}

/* template = and sections = name files of the township's own words: the
 * absolute path is kept (a relative one from the profile's directory, the
 * reporter runs elsewhere); a file that is not there is refused. */
static void test_own_words_files(void **state)
{
    (void)state;
    struct profile p;
    char err[512], dir[] = "/tmp/shibao-profile-dir.XXXXXX", own[600], ini[600], want[700];
    assert_non_null(mkdtemp(dir));
    snprintf(own, sizeof own, "%s/own.txt", dir);
    FILE *f = fopen(own, "w");
    assert_non_null(f);
    fputs("三、存在的问题\n", f);
    fclose(f);
    snprintf(ini, sizeof ini, "%s/profile.ini", dir);
    f = fopen(ini, "w");
    assert_non_null(f);
    fputs("[township]\nname = 城关镇\nsections = own.txt\n", f);
    fclose(f);
    assert_int_equal(profile_load(ini, &p, err, sizeof err), 0);
    char *abs = realpath(own, NULL);
    assert_non_null(abs);
    assert_string_equal(p.values[PROFILE_SECTIONS], abs);
    assert_null(p.values[PROFILE_TEMPLATE]);
    profile_clear(&p);
    f = fopen(ini, "w");
    assert_non_null(f);
    fputs("[township]\nname = 城关镇\ntemplate = missing.txt\n", f);
    fclose(f);
    assert_int_equal(profile_load(ini, &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s:3: template: cannot open %s/missing.txt", ini, dir);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    free(abs);
    unlink(own);
    unlink(ini);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_characters_refused),
        cmocka_unit_test(test_good_profile),
        cmocka_unit_test(test_villages_section),
        cmocka_unit_test(test_errors_name_line_and_key),
        cmocka_unit_test(test_own_words_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
