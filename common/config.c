#include "config.h"
#include "log.h"
#include "period.h"
#include "validate.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- typed keys */

static int is_township(const char *v) { return validate_code(v, 9); }
static int is_village(const char *v) { return validate_code(v, 12); }
static int is_level(const char *v) { return log_level_parse(v) >= 0; }

static int is_positive(const char *v)
{
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    return *v && !*end && errno == 0 && n > 0 && n <= 1000000;
}

static int is_period(const char *v)
{
    struct period p;
    return period_parse(v, &p) == 0;
}

static int is_format(const char *v)
{
    static const char *const f[] = {"text", "md", "csv", "json", "html"};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (strcmp(v, f[i]) == 0)
            return 1;
    return 0;
}

static const struct {
    const char *key;
    int (*ok)(const char *value);
    const char *want;
} checks[] = {
    {"township", is_township, "a 9-digit township code"},
    {"village", is_village, "a 12-digit village code"},
    {"window", is_positive, "a positive number"},
    {"log-level", is_level, "error, warn, info or debug"},
    {"period", is_period, "a period (2022, 2022H1, 2022Q3 or 2022-03)"},
    {"format", is_format, "text, md, csv, json or html"},
};

/* 1 true, 0 false, -1 neither. */
static int parse_bool(const char *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0)
            return 1;
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return -1;
}

/* ---------------------------------------------------------------- loading */

struct load_ctx {
    FILE *f;
    int line;             /* the line the reader handed to inih last */
    int too_long;
    const struct option *longopts;
    struct config_args *out;
    int cap;
    char why[256];
    int failed, fail_line;
};

/* Debian's libinih passes no line number to handlers: reading through our
 * own reader gives it (the handler runs while its line is the last read),
 * and lets a line too long for inih's buffer be refused rather than split. */
static char *reader(char *buf, int size, void *arg)
{
    struct load_ctx *c = arg;
    if (c->failed || c->too_long)
        return NULL;
    if (!fgets(buf, size, c->f))
        return NULL;
    c->line++;
    size_t n = strlen(buf);
    if (n == (size_t)size - 1 && buf[n - 1] != '\n' && !feof(c->f)) {
        c->too_long = 1;
        c->failed = 1;
        c->fail_line = c->line;
        snprintf(c->why, sizeof c->why, "line longer than %d bytes", size - 2);
        return NULL;
    }
    return buf;
}

static int fail(struct load_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct load_ctx *c, const char *key, const char *fmt, ...)
{
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(c->why, sizeof c->why, "%s: %s", key, what);
    c->failed = 1;
    c->fail_line = c->line;
    return 0;
}

static int push(struct load_ctx *c, char *word)
{
    struct config_args *a = c->out;
    if (a->argc + 1 >= c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        char **argv = realloc(a->argv, (size_t)cap * sizeof *argv);
        if (argv)
            a->argv = argv;
        int *line = realloc(a->line, (size_t)cap * sizeof *line);
        if (line)
            a->line = line;
        if (!argv || !line) {
            free(word);
            return -1;
        }
        c->cap = cap;
    }
    a->line[a->argc] = c->line;
    a->argv[a->argc++] = word;
    a->argv[a->argc] = NULL;
    return 0;
}

static int on_entry(void *arg, const char *section, const char *key, const char *value)
{
    struct load_ctx *c = arg;
    if (c->failed)
        return 0;
    if (section[0])
        return fail(c, key, "in [%s]: this file has no sections", section);
    if (!strcmp(key, "config") || !strcmp(key, "help") || !strcmp(key, "version"))
        return fail(c, key, "not allowed in a configuration file");
    const struct option *o = c->longopts;
    while (o->name && strcmp(o->name, key) != 0)
        o++;
    if (!o->name)
        return fail(c, key, "unknown key (the keys are the long option names: see --help)");
    /* Every key once: a second one (or an indented continuation line, which
     * inih hands over as the same key again) is a mistake worth naming. */
    size_t klen = strlen(key);
    for (int i = 0; i < c->out->argc; i++) {
        const char *w = c->out->argv[i] + 2;
        if (!strncmp(w, key, klen) && (w[klen] == '=' || !w[klen])) {
            return fail(c, key, "given twice (first on line %d)", c->out->line[i]);
        }
    }
    char *word;
    if (o->has_arg == no_argument) {
        int b = parse_bool(value);
        if (b < 0)
            return fail(c, key, "expected true or false, not \"%s\"", value);
        if (!b)
            return 1;
        if (asprintf(&word, "--%s", key) < 0)
            return fail(c, key, "out of memory");
    } else {
        if (!value[0])
            return fail(c, key, "a value is required");
        for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++)
            if (!strcmp(key, checks[i].key) && !checks[i].ok(value))
                return fail(c, key, "expected %s, not \"%s\"", checks[i].want, value);
        if (asprintf(&word, "--%s=%s", key, value) < 0)
            return fail(c, key, "out of memory");
    }
    if (push(c, word) < 0)
        return fail(c, key, "out of memory");
    return 1;
}

int config_load(const char *path, const struct option *longopts, struct config_args *out,
                char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    struct load_ctx c = {.longopts = longopts, .out = out};
    c.f = fopen(path, "r");
    if (!c.f) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    int r = ini_parse_stream(reader, &c, on_entry, &c);
    int read_error = ferror(c.f);
    fclose(c.f);
    if (c.failed)
        snprintf(err, errlen, "%s:%d: %s", path, c.fail_line, c.why);
    else if (r > 0)
        snprintf(err, errlen, "%s:%d: syntax error (expected key = value)", path, r);
    else if (r < 0 || read_error)
        snprintf(err, errlen, "%s: cannot read", path);
    if (c.failed || r != 0 || read_error) {
        config_args_free(out);
        return -1;
    }
    return 0;
}

void config_args_free(struct config_args *a)
{
    for (int i = 0; i < a->argc; i++)
        free(a->argv[i]);
    free(a->argv);
    free(a->line);
    memset(a, 0, sizeof *a);
}

/* ---------------------------------------------------------------- main() side */

/* Kept until exit: getopt's optarg points into these words. */
static struct config_args g_args;
static char **g_argv;

void config_release(void)
{
    config_args_free(&g_args);
    free(g_argv);
    g_argv = NULL;
}

int config_apply(const char *prog, const char *default_path, const char *optstring,
                 const struct option *longopts, int *argc, char ***argv)
{
    int config_val = 0, help_val[2] = {'h', 'V'};
    for (const struct option *o = longopts; o->name; o++) {
        if (!strcmp(o->name, "config"))
            config_val = o->val;
        else if (!strcmp(o->name, "help"))
            help_val[0] = o->val;
        else if (!strcmp(o->name, "version"))
            help_val[1] = o->val;
    }
    /* Where is --config, and is this --help? getopt_long itself answers, on
     * a copy (it permutes), so abbreviations and "-o --config" read exactly
     * as the real pass will read them. Its complaints are left to that pass. */
    const char *path = NULL;
    int quiet = 0, saved_opterr = opterr;
    char **copy = malloc((size_t)(*argc + 1) * sizeof *copy);
    if (!copy) {
        fprintf(stderr, "%s: out of memory\n", prog);
        return 2;
    }
    memcpy(copy, *argv, (size_t)(*argc + 1) * sizeof *copy);
    opterr = 0;
    optind = 0;
    int ch;
    while ((ch = getopt_long(*argc, copy, optstring, longopts, NULL)) != -1) {
        if (config_val && ch == config_val)
            path = optarg;
        else if (ch == help_val[0] || ch == help_val[1])
            quiet = 1;
    }
    free(copy);
    opterr = saved_opterr;
    optind = 0; /* the real pass starts afresh */
    if (quiet || (path && !path[0]))
        return 0;
    struct stat st;
    if (!path) {
        if (!default_path || (stat(default_path, &st) < 0 && errno == ENOENT))
            return 0;
        path = default_path;
    }
    char err[512];
    config_release();
    if (config_load(path, longopts, &g_args, err, sizeof err) < 0) {
        fprintf(stderr, "%s: %s\n", prog, err);
        return 2;
    }
    int n = *argc + g_args.argc;
    g_argv = malloc((size_t)(n + 1) * sizeof *g_argv);
    if (!g_argv) {
        fprintf(stderr, "%s: out of memory\n", prog);
        config_release();
        return 2;
    }
    g_argv[0] = (*argv)[0];
    if (g_args.argc)
        memcpy(g_argv + 1, g_args.argv, (size_t)g_args.argc * sizeof *g_argv);
    memcpy(g_argv + 1 + g_args.argc, *argv + 1, (size_t)*argc * sizeof *g_argv); /* with NULL */
    *argc = n;
    *argv = g_argv;
    return 0;
}
