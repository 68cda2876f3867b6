/* config: key = value files turned into options; errors name FILE:LINE: key;
 * the command line wins over the file; --config and the default path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* The shape of a program's options (as the collector's). */
static const char OPTSTRING[] = "o:v:c:hV";
static const struct option LONGOPTS[] = {
    {"outbox", required_argument, NULL, 'o'}, {"village", required_argument, NULL, 'v'},
    {"connect", required_argument, NULL, 'c'}, {"window", required_argument, NULL, 'w'},
    {"log-level", required_argument, NULL, 'L'}, {"insecure", no_argument, NULL, 'I'},
    {"township", required_argument, NULL, 't'}, {"period", required_argument, NULL, 'P'},
    {"format", required_argument, NULL, 'f'}, {"config", required_argument, NULL, 'C'},
    {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static char g_path[64];

static const char *write_file(const char *text)
{
    strcpy(g_path, "/tmp/shibao-config.XXXXXX");
    int fd = mkstemp(g_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return g_path;
}

static void test_load_good_file(void **state)
{
    (void)state;
    struct config_args a;
    char err[512];
    write_file("\xEF\xBB\xBF# the village collector\n"
               "; another comment\n"
               "\n"
               "outbox = /var/lib/shibao/village.db\n"
               "village=420102001201\n"
               "connect = tcp://township:5550 ; inline comment\n"
               "insecure = true\n"
               "window = 64\n"
               "log-level = debug\n");
    assert_int_equal(config_load(g_path, LONGOPTS, &a, err, sizeof err), 0);
    assert_int_equal(a.argc, 6);
    assert_string_equal(a.argv[0], "--outbox=/var/lib/shibao/village.db");
    assert_int_equal(a.line[0], 4);
    assert_string_equal(a.argv[1], "--village=420102001201");
    assert_string_equal(a.argv[2], "--connect=tcp://township:5550");
    assert_string_equal(a.argv[3], "--insecure");
    assert_int_equal(a.line[3], 7);
    assert_string_equal(a.argv[4], "--window=64");
    assert_string_equal(a.argv[5], "--log-level=debug");
    assert_null(a.argv[6]);
    config_args_free(&a);
    unlink(g_path);

    /* false adds nothing; an empty file is fine */
    write_file("insecure = false\n");
    assert_int_equal(config_load(g_path, LONGOPTS, &a, err, sizeof err), 0);
    assert_int_equal(a.argc, 0);
    config_args_free(&a);
    unlink(g_path);
}

static void expect_error(const char *text, const char *needle)
{
    struct config_args a;
    char err[512], want[256];
    write_file(text);
    assert_int_equal(config_load(g_path, LONGOPTS, &a, err, sizeof err), -1);
    assert_int_equal(a.argc, 0);
    assert_null(a.argv);
    snprintf(want, sizeof want, "%s:%s", g_path, needle);
    if (!strstr(err, want))
        fail_msg("error \"%s\" lacks \"%s\"", err, want);
    unlink(g_path);
}

static void test_errors_name_file_line_and_key(void **state)
{
    (void)state;
    expect_error("outbox = x.db\n\ncolour = blue\n", "3: colour: unknown key");
    expect_error("outbox = x.db\ninsecure = maybe\n", "2: insecure: expected true or false");
    expect_error("outbox =\n", "1: outbox: a value is required");
    expect_error("# c\n[collector]\noutbox = x\n", "3: outbox: in [collector]: this file has no sections");
    expect_error("outbox = x\nthis line has no equals sign\n", "2: syntax error");
    expect_error("outbox = x\nvillage = 420102001201\noutbox = y\n", "3: outbox: given twice (first on line 1)");
    expect_error("outbox = x\n  continued\n", "2: outbox: given twice");
    expect_error("config = /etc/other.conf\n", "1: config: not allowed");
    expect_error("\nhelp = true\n", "2: help: not allowed");
    expect_error("village = 42010200120\n", "1: village: expected a 12-digit village code, not \"42010200120\"");
    expect_error("township = 4201020011\n", "1: township: expected a 9-digit township code");
    expect_error("window = 0\n", "1: window: expected a positive number");
    expect_error("window = 12abc\n", "1: window: expected a positive number");
    expect_error("log-level = loud\n", "1: log-level: expected error, warn, info or debug");
    expect_error("period = 2022H3\n", "1: period: expected a period");
    expect_error("format = pdf\n", "1: format: expected text, md, csv, json or html");
    /* a value that does not fit inih's line is refused, not split */
    char big[400];
    snprintf(big, sizeof big, "outbox = /%0300d\nvillage = 1\n", 0);
    expect_error(big, "1: line longer than");
    /* the first error wins, later lines are not reported */
    expect_error("a = 1\nb = 2\n", "1: a: unknown key");

    struct config_args a;
    char err[512];
    assert_int_equal(config_load("/nonexistent/shibao.conf", LONGOPTS, &a, err, sizeof err), -1);
    assert_non_null(strstr(err, "/nonexistent/shibao.conf: cannot read"));
}

/* What a main() does: config_apply, then its getopt_long loop. */
struct parsed {
    const char *outbox, *village, *connect, *log_level;
    int insecure, nargs, rc;
    char *args[8];
};

static struct parsed parse(const char *default_path, int argc, char **argv)
{
    struct parsed p = {0};
    optind = 1;
    p.rc = config_apply("test", default_path, OPTSTRING, LONGOPTS, &argc, &argv);
    if (p.rc)
        return p;
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, OPTSTRING, LONGOPTS, NULL)) != -1) {
        switch (c) {
        case 'o': p.outbox = optarg; break;
        case 'v': p.village = optarg; break;
        case 'c': p.connect = optarg; break;
        case 'L': p.log_level = optarg; break;
        case 'I': p.insecure = 1; break;
        case 'C': break;
        case 'h': case 'V': break;
        default: p.rc = 2; return p;
        }
    }
    for (int i = optind; i < argc && p.nargs < 8; i++)
        p.args[p.nargs++] = argv[i];
    return p;
}

#define ARGV(...) ((char *[]){__VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){__VA_ARGS__}) / sizeof(char *)))
#define PARSE(dflt, ...) parse(dflt, ARGC(__VA_ARGS__), ARGV(__VA_ARGS__))

static void test_command_line_wins(void **state)
{
    (void)state;
    char path[64];
    write_file("outbox = /var/lib/shibao/village.db\nvillage = 420102001201\n"
               "connect = tcp://township:5550\ninsecure = true\n");
    strcpy(path, g_path);
    /* the default file, when it exists */
    struct parsed p = PARSE(path, "submit", "--village", "420102001299", "a.jsonl", "-");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.outbox, "/var/lib/shibao/village.db");
    assert_string_equal(p.village, "420102001299");
    assert_string_equal(p.connect, "tcp://township:5550");
    assert_int_equal(p.insecure, 1);
    assert_int_equal(p.nargs, 2);
    assert_string_equal(p.args[0], "a.jsonl");
    assert_string_equal(p.args[1], "-");
    config_release();

    /* --config FILE, in either spelling and abbreviated, wherever it stands */
    p = PARSE(NULL, "run", "-o", "mine.db", "--config", path);
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.outbox, "mine.db");
    assert_string_equal(p.village, "420102001201");
    config_release();
    p = PARSE("/nonexistent/default.conf", "run", "--conf=" "/dev/null", "--village=420102001203");
    assert_int_equal(p.rc, 0);
    assert_null(p.outbox);
    assert_string_equal(p.village, "420102001203");
    config_release();
    p = PARSE(NULL, "run", "--config=x", "--config", path, "-c", "ipc:///tmp/a");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.connect, "ipc:///tmp/a");
    assert_string_equal(p.outbox, "/var/lib/shibao/village.db");
    config_release();

    /* "--config" as another option's argument is that argument */
    p = PARSE("/nonexistent/default.conf", "run", "-o", "--config", "x.conf");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.outbox, "--config");
    assert_int_equal(p.nargs, 1);
    config_release();

    /* --config "" reads nothing, not even the default */
    p = PARSE(path, "run", "--config", "");
    assert_int_equal(p.rc, 0);
    assert_null(p.outbox);
    config_release();
    unlink(path);
}

static void test_missing_and_broken_files(void **state)
{
    (void)state;
    /* no default file: nothing read, nothing changed */
    struct parsed p = PARSE("/nonexistent/default.conf", "status", "--outbox", "o.db");
    assert_int_equal(p.rc, 0);
    assert_string_equal(p.outbox, "o.db");
    /* an explicit --config that does not exist is an error */
    p = PARSE(NULL, "status", "--config", "/nonexistent/shibao.conf");
    assert_int_equal(p.rc, 2);
    /* a broken default file is an error... */
    char path[64];
    write_file("outbox = x\nwindow = -3\n");
    strcpy(path, g_path);
    p = PARSE(path, "status");
    assert_int_equal(p.rc, 2);
    /* ...except for --help and --version */
    p = PARSE(path, "status", "--help");
    assert_int_equal(p.rc, 0);
    p = PARSE(path, "shibao-collector", "-V");
    assert_int_equal(p.rc, 0);
    config_release();
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_good_file),
        cmocka_unit_test(test_errors_name_file_line_and_key),
        cmocka_unit_test(test_command_line_wins),
        cmocka_unit_test(test_missing_and_broken_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
