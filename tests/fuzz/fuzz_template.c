/* libFuzzer harness: a report template as a clerk might save it
 * (template_parse against the county keys), then every key it holds
 * filled from a township and a county of no townships (tpl_value).
 * Invariants: a refusal is "fuzz.txt:LINE:COL: reason" with LINE, COL >= 1;
 * an accepted template written back (text runs, {{key}}) parses to the
 * same runs; every accepted key has a value in a county report. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "period.h"
#include "placeholders.h"
#include "template.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_init("fuzz", -1);
    return 0;
}

static void check_refusal(const char *err)
{
    int line = 0, col = 0, n = 0;
    if (strncmp(err, "fuzz.txt:", 9) != 0 || sscanf(err + 9, "%d:%d: %n", &line, &col, &n) != 2 ||
        n == 0 || line < 1 || col < 1 || !err[9 + n])
        abort();
}

/* t written back as a template: the same runs must come out of it. */
static void check_round_trip(const struct template *t, const struct tpl_keys *keys)
{
    char *buf = NULL, err[512];
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
        return;
    for (int i = 0; i < t->nruns; i++)
        if (t->runs[i].kind == TPL_KEY)
            fprintf(m, "{{%s}}", t->runs[i].s);
        else
            fwrite(t->runs[i].s, 1, t->runs[i].n, m);
    if (fclose(m) != 0)
        return;
    struct template *u;
    if (template_parse(&u, "fuzz.txt", buf, len, keys, err, sizeof err) < 0)
        abort();
    /* text runs may change (a second BOM or CR is stripped on the way
     * back): the keys, in order, may not */
    int i = 0, j = 0;
    for (;; i++, j++) {
        while (i < t->nruns && t->runs[i].kind != TPL_KEY)
            i++;
        while (j < u->nruns && u->runs[j].kind != TPL_KEY)
            j++;
        if (i == t->nruns || j == u->nruns)
            break;
        if (strcmp(t->runs[i].s, u->runs[j].s) != 0)
            abort();
    }
    if (i != t->nruns || j != u->nruns)
        abort();
    template_destroy(u);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct tpl_keys *keys = placeholder_keys(1);
    char err[512];
    struct template *t;
    if (template_parse(&t, "fuzz.txt", (const char *)data, size, keys, err, sizeof err) < 0) {
        check_refusal(err);
        return 0;
    }
    check_round_trip(t, keys);

    struct period p;
    struct figures f;
    if (period_parse("2022H1", &p) < 0)
        abort();
    figures_init(&f, &p);
    struct tpl_ctx town = {&f, NULL, 0, 0}, county = {&f, NULL, 0, 1};
    FILE *null = fopen("/dev/null", "w");
    for (int i = 0; null && i < t->nruns; i++)
        if (t->runs[i].kind == TPL_KEY) {
            (void)tpl_value(null, t->runs[i].s, &town);
            if (tpl_value(null, t->runs[i].s, &county) < 0)
                abort();
        }
    if (null)
        fclose(null);
    figures_free(&f);
    template_destroy(t);
    return 0;
}
