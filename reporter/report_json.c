#include "report_json.h"
#include "tier.h"
#include "log.h"
#include "report_text.h"
#include "words.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- json */

/* json_object_set_new / json_array_append_new release v on failure and
 * refuse a NULL v (a failed constructor, or a string that is not UTF-8), so
 * one flag collects every failure of a whole document. */
static void jset(json_t *o, const char *k, json_t *v, int *bad)
{
    if (json_object_set_new(o, k, v) < 0)
        *bad = 1;
}

static void jappend(json_t *a, json_t *v, int *bad)
{
    if (json_array_append_new(a, v) < 0)
        *bad = 1;
}

/* Completeness, revision, the publicity series and (a township) each
 * village: documented in docs/REPORTS.md; keys are never renamed. */
static void json_status(json_t *o, const struct figures *f, int villages, int *bad)
{
    json_t *c = json_object(), *months = json_array();
    jset(c, "months_expected", json_integer(f->months_expected), bad);
    jset(c, "months_reported", json_integer(f->months_reported), bad);
    jset(c, "months_ontime", json_integer(f->months_ontime), bad);
    jset(c, "months_nil", json_integer(f->months_nil), bad);
    jset(c, "villages_silent", json_integer(f->villages_silent), bad);
    jset(c, "ontime_days", json_integer(f->ontime_days), bad);
    jset(c, "silent_months", json_integer(f->silent_months), bad);
    jset(o, "completeness", c, bad);
    jset(o, "revision", json_integer(f->revision), bad);
    jset(o, "revised_on", f->revised_on[0] ? json_string(f->revised_on) : json_null(), bad);
    /* events of the period its villages retracted or replaced */
    jset(o, "corrected", json_integer(f->corrected), bad);
    for (int i = 0; i < f->nmonths && i < 12; i++) {
        json_t *m = json_object();
        char month[8];
        snprintf(month, sizeof month, "%04u-%02u", (unsigned)f->period.year % 10000u,
                 (unsigned)(f->period.first_month + i) % 100u);
        jset(m, "month", json_string(month), bad);
        jset(m, "study_sessions", json_integer(f->study_by_month[i]), bad);
        jset(m, "copies", json_integer(f->copies_by_month[i]), bad);
        jappend(months, m, bad);
    }
    jset(o, "publicity_by_month", months, bad);
    if (!f->township[0] || !villages)
        return; /* a county total has no villages of its own */
    json_t *vs = json_array();
    for (int i = 0; i < f->nvillages; i++) {
        const struct village_figures *v = &f->villages[i];
        json_t *e = json_object();
        jset(e, "code", json_string(v->code), bad);
        jset(e, "name", v->name[0] ? json_string(v->name) : json_null(), bad);
        jset(e, "months_expected", json_integer(v->months_expected), bad);
        jset(e, "months_reported", json_integer(v->months_reported), bad);
        jset(e, "months_ontime", json_integer(v->months_ontime), bad);
        jset(e, "months_nil", json_integer(v->months_nil), bad);
        jset(e, "last_reported", v->last_reported[0] ? json_string(v->last_reported) : json_null(), bad);
        jset(e, "silent", json_boolean(v->silent), bad);
        jset(e, "inspections", json_integer(v->inspections), bad);
        jset(e, "inspections_ordered", json_integer(v->inspections_ordered), bad);
        jset(e, "inspections_removed_destroyed", json_integer(v->inspections_removed_destroyed), bad);
        jset(e, "routine_distribution", json_integer(v->routine_distribution), bad);
        jset(e, "study_sessions", json_integer(v->study_sessions), bad);
        jset(e, "copies", json_integer(v->copies), bad);
        jset(e, "registered", json_integer(v->registered), bad);
        jappend(vs, e, bad);
    }
    jset(o, "villages", vs, bad);
}

static json_t *json_figures(const struct figures *f, int villages, int *bad)
{
    char code[16];
    json_t *o = json_object(), *arr = json_array(), *sup = json_object();
    period_format(&f->period, code, sizeof code);
    if (f->township[0]) {
        jset(o, "township", json_string(f->township), bad);
        jset(o, "name", f->name[0] ? json_string(f->name) : json_null(), bad);
    }
    jset(o, "period", json_string(code), bad);
    for (int i = 1; i <= FIGURES_N; i++) {
        const struct figure *fg = &f->f[i];
        json_t *e = json_object();
        jset(e, "num", json_integer(i), bad);
        jset(e, "key", json_string(fg->key), bad);
        jset(e, "label", json_string(fg->label), bad);
        jset(e, "present", json_boolean(fg->present), bad);
        if (fg->type == FIG_TEXT)
            jset(e, "text", fg->present ? json_string(fg->text) : json_null(), bad);
        else
            jset(e, "value", fg->present ? json_integer(fg->value) : json_null(), bad);
        jappend(arr, e, bad);
    }
    jset(o, "figures", arr, bad);
    for (int s = 0; s < N_SUP; s++)
        jset(sup, SUP[s].key, json_integer(sup_value(f, s)), bad);
    jset(o, "supporting", sup, bad);
    json_status(o, f, villages, bad);
    if (!o)
        *bad = 1;
    return o;
}

/* The report's words, the same lines as the text format (report_text.h):
 * "text": [{"level": "section"|"subsection"|"paragraph", "text": …}]. */
struct json_lines {
    json_t *arr;
    int *bad;
};

static int json_line(void *arg, enum text_level level, const char *line, size_t n)
{
    static const char *const LEVELS[] = {"paragraph", "section", "subsection"};
    struct json_lines *j = arg;
    json_t *e = json_object();
    jset(e, "level", json_string(LEVELS[level]), j->bad);
    jset(e, "text", json_stringn(line, n), j->bad);
    jappend(j->arr, e, j->bad);
    return 0;
}

static void json_text(json_t *root, const struct figures *f, const struct figures *towns, int n,
                      int county, int *bad)
{
    struct json_lines j = {json_array(), bad};
    if (!j.arr) {
        *bad = 1;
        return;
    }
    if ((county ? text_county_lines(f, towns, n, json_line, &j) : text_township_lines(f, json_line, &j)) < 0)
        *bad = 1;
    jset(root, "text", j.arr, bad);
}

static int json_write(FILE *out, json_t *root, int bad)
{
    if (bad || !root) {
        log_error("render: cannot build json (out of memory or a text that is not UTF-8)");
        return -1;
    }
    /* Built in memory, written at once: json_dumpf writes token by token
     * through stdio, a fifth of a county report's time (550 KB of JSON).
     * Compact, for programs (jq . shows it indented): the indentation made a
     * county report 550 KB instead of 340 and cost a tenth of its time. */
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        log_error("render: cannot build json (out of memory)");
        return -1;
    }
    fputs(text, out);
    fputc('\n', out);
    free(text);
    return 0;
}

int json_township(FILE *out, const struct figures *f)
{
    int bad = 0;
    json_t *root = json_figures(f, 1, &bad);
    if (root)
        json_text(root, f, NULL, 0, 0, &bad);
    int rc = json_write(out, root, bad);
    json_decref(root);
    return rc;
}

/* The county document, built in one buffer and written at once: nothing
 * of a report that fails. Each part is dumped (json_dumpb) straight into the
 * buffer's free room, which doubles when a part did not fit: a province's
 * 5.6 MB through open_memstream and a string per township were a third of
 * its report's time, most of it the kernel zeroing the pages of each
 * larger copy. */
struct doc {
    char *p;
    size_t len, cap;
};

static int doc_room(struct doc *d, size_t need)
{
    if (d->cap - d->len >= need)
        return 0;
    size_t cap = d->cap ? d->cap : 65536;
    while (cap - d->len < need)
        cap *= 2;
    char *p = realloc(d->p, cap);
    if (!p)
        return -1;
    d->p = p;
    d->cap = cap;
    return 0;
}

static int doc_put(struct doc *d, const char *s, size_t n)
{
    if (doc_room(d, n) < 0)
        return -1;
    memcpy(d->p + d->len, s, n);
    d->len += n;
    return 0;
}

/* o's compact text, without its first `skip` and last `cut` bytes (the
 * braces of an object whose keys are spliced into the document). */
static int doc_dump(struct doc *d, const json_t *o, size_t skip, size_t cut)
{
    for (;;) {
        size_t room = d->cap - d->len;
        size_t need = json_dumpb(o, d->p ? d->p + d->len : NULL, room,
                                 JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (need < skip + cut || need == 0)
            return -1;
        if (need <= room) {
            memmove(d->p + d->len, d->p + d->len + skip, need - skip - cut);
            d->len += need - skip - cut;
            return 0;
        }
        if (doc_room(d, need) < 0)
            return -1;
    }
}

/* {"county":true,"period":…,"total":…,"townships":[…],"text":[…]}: the
 * same bytes as one tree dumped at once, but each township built, dumped
 * and freed in turn: a province's 1,500 held at once were most of its
 * report's memory and a third of its time (malloc's consolidations). */
int json_county(FILE *dst, const struct figures *total, const struct figures *towns,
                       int n)
{
    int bad = 0, rc = -1;
    char code[16];
    struct doc d = {0};
    json_t *h = json_object(), *t = json_object();
    period_format(&total->period, code, sizeof code);
    jset(h, "county", json_true(), &bad);
    jset(h, "period", json_string(code), &bad);
    jset(h, "total", json_figures(total, 0, &bad), &bad);
    if (t)
        json_text(t, total, towns, n, 1, &bad);
    /* about 4 KB a township's figures: one allocation for most reports */
    if (bad || !h || !t || doc_room(&d, (size_t)n * 4096 + 65536) < 0 ||
        doc_dump(&d, h, 0, 1) < 0 || doc_put(&d, ",\"townships\":[", 14) < 0)
        goto out;
    /* A city's or a province's report is about its divisions: each
     * township's villages are in its county's report (docs/REPORTS.md), and
     * a province's 30,000 of them were 11 MB and most of its time. */
    int villages = tier_of(total, towns, n) < TIER_CITY;
    for (int i = 0; i < n; i++) {
        json_t *o = json_figures(&towns[i], villages, &bad);
        int failed = bad || !o || (i && doc_put(&d, ",", 1) < 0) || doc_dump(&d, o, 0, 0) < 0;
        json_decref(o);
        if (failed)
            goto out;
    }
    if (doc_put(&d, "],", 2) < 0 || doc_dump(&d, t, 1, 0) < 0 || doc_put(&d, "\n", 1) < 0)
        goto out;
    if (fwrite(d.p, 1, d.len, dst) == d.len)
        rc = 0;
out:
    if (rc < 0)
        log_error("render: cannot build json (out of memory or a text that is not UTF-8)");
    free(d.p);
    json_decref(h);
    json_decref(t);
    return rc;
}
