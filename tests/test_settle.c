/* settle: when a spool file counts as whole, and a taken file that changes
 * afterwards, with the clock given by the test (so every step is exact). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include "fixture.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "settle.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    return fx_tmpdir(g_dir, sizeof g_dir, "settle");
}

static int teardown(void **state)
{
    (void)state;
    return fx_rmtree(g_dir) == 0 ? 0 : -1;
}

/* Appends text to dir/name and returns its stat. */
static struct stat add(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", g_dir, name);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st;
}

static int scan1(settle_t *s, const char *name, const struct stat *st, int64_t now)
{
    settle_begin(s);
    int r = settle_ready(s, name, st, now);
    settle_end(s);
    return r;
}

/* A file is ready only once unchanged for settle_ms; every change starts
 * the wait again. */
static void test_ready_when_unchanged(void **state)
{
    (void)state;
    settle_t *s = NULL;
    assert_int_equal(settle_new(1000, 0, &s), 0);
    struct stat st = add("a.jsonl", "1\n");
    assert_int_equal(scan1(s, "a.jsonl", &st, 0), 0);
    assert_int_equal(scan1(s, "a.jsonl", &st, 500), 0);
    st = add("a.jsonl", "2\n"); /* a second line comes */
    assert_int_equal(scan1(s, "a.jsonl", &st, 999), 0);
    assert_int_equal(scan1(s, "a.jsonl", &st, 1998), 0);
    assert_int_equal(scan1(s, "a.jsonl", &st, 1999), 1);
    /* gone for one scan: forgotten, the wait starts over */
    settle_begin(s);
    settle_end(s);
    assert_int_equal(scan1(s, "a.jsonl", &st, 2500), 0);
    assert_int_equal(scan1(s, "a.jsonl", &st, 3500), 1);
    settle_destroy(&s);

    /* 0: at once */
    assert_int_equal(settle_new(0, 0, &s), 0);
    assert_int_equal(scan1(s, "a.jsonl", &st, 0), 1);
    settle_destroy(&s);
}

struct seen {
    int calls, lines;
    long long read, now;
};

static void changed(void *arg, const char *path, long long size_read, int lines,
                    long long size_now)
{
    struct seen *c = arg;
    (void)path;
    c->calls++;
    c->lines = lines;
    c->read = size_read;
    c->now = size_now;
}

/* A taken file that grows within the watch is reported once; one left
 * alone is forgotten when its watch ends. */
static void test_watch(void **state)
{
    (void)state;
    settle_t *s = NULL;
    struct seen c = {0};
    char path[128];
    assert_int_equal(settle_new(0, 60000, &s), 0);
    struct stat st = add("b.jsonl", "1\n");
    snprintf(path, sizeof path, "%s/b.jsonl", g_dir);
    assert_int_equal(settle_watch(s, path, &st, 1, 0), 0);
    settle_check(s, 100, changed, &c);
    assert_int_equal(c.calls, 0);
    add("b.jsonl", "2\n3\n");
    settle_check(s, 200, changed, &c);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.lines, 1);
    assert_int_equal(c.read, 2);
    assert_int_equal(c.now, 6);
    settle_check(s, 300, changed, &c); /* reported once */
    assert_int_equal(c.calls, 1);

    st = add("c.jsonl", "1\n");
    snprintf(path, sizeof path, "%s/c.jsonl", g_dir);
    assert_int_equal(settle_watch(s, path, &st, 1, 1000), 0);
    settle_check(s, 61000, changed, &c); /* its watch is over */
    add("c.jsonl", "2\n");
    settle_check(s, 61100, changed, &c);
    assert_int_equal(c.calls, 1);
    settle_destroy(&s);
}

/* Names in a log line: quoted, control bytes escaped, cut to fit. */
static void test_log_quote(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(log_quote("a b.jsonl", b, sizeof b), "\"a b.jsonl\"");
    assert_string_equal(log_quote("x\n2030 y\t\"z\"\\\x1b", b, sizeof b),
                        "\"x\\n2030 y\\t\\\"z\\\"\\\\\\x1b\"");
    assert_string_equal(log_quote("村村村村", b, 12), "\"村村...\"");
    /* never half a character */
    assert_string_equal(log_quote("村村村村", b, 11), "\"村...\"");
}

int main(void)
{
    log_init("test_settle", SB_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ready_when_unchanged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_watch, setup, teardown),
        cmocka_unit_test(test_log_quote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
