#include "completeness.h"
#include "metric.h"
#include "log.h"
#include "rollup_read.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* completeness and revisions, per village and month (aggregator/count.h) */
#define M_FIRST_DAY METRIC_FIRST_DAY
#define M_NIL METRIC_NIL
#define M_LATE_BATCHES METRIC_LATE_BATCHES
#define M_LATE_LAST METRIC_LATE_LAST_DAY
#define M_ENROLLED METRIC_ENROLLED
#define M_CORRECTED METRIC_CORRECTED


/* Read per village and month, every month up to the period's end: the month
 * was reported (a first receipt day, a nil report), revised, or the village
 * became known. The months of the period with events are read with the
 * flows (events.*): a database from before completeness was recorded still
 * shows its villages working in the period. */
static const char *const COMPLETENESS[] = {
    M_FIRST_DAY, M_NIL, M_LATE_BATCHES, M_LATE_LAST, M_ENROLLED, M_CORRECTED,
};
#define N_COMPLETENESS ((int)(sizeof COMPLETENESS / sizeof COMPLETENESS[0]))

/* ------------------------------------------------------------ village model */

/* 1 if the village was revoked (its enrolment sum down to zero) as of
 * month, 0 otherwise. */
static int withdrawn(const struct vacc *a, const char *month)
{
    int out = 0;
    for (int i = 0; i < a->nenrol && strcmp(a->enrol[i].month, month) <= 0; i++)
        out = a->enrol[i].sum <= 0;
    return out;
}

static size_t vhash(const char *s)
{
    uint64_t h = 14695981039346656037ull;  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static int vmap_rehash(struct vmap *m, size_t hcap)
{
    size_t *slot = calloc(hcap, sizeof *slot);
    if (!slot)
        return -1;
    for (size_t k = 0; k < m->n; k++) {
        size_t i = vhash(m->v[k].vf.code) & (hcap - 1);
        while (slot[i])
            i = (i + 1) & (hcap - 1);
        slot[i] = k + 1;
    }
    free(m->slot);
    m->slot = slot;
    m->hcap = hcap;
    return 0;
}

/* The village's accumulator; created (zeroed) when create is set. NULL when
 * absent, out of memory, or the code does not fit. Valid until the next
 * vmap_get with create. */
struct vacc *vmap_get(struct vmap *m, const char *code, int create)
{
    if (m->hcap) {
        size_t i = vhash(code) & (m->hcap - 1);
        for (; m->slot[i]; i = (i + 1) & (m->hcap - 1))
            if (strcmp(m->v[m->slot[i] - 1].vf.code, code) == 0)
                return &m->v[m->slot[i] - 1];
    }
    if (!create || strlen(code) >= sizeof m->v[0].vf.code)
        return NULL;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        struct vacc *v = realloc(m->v, cap * sizeof *v);
        if (!v)
            return NULL;
        m->v = v;
        m->cap = cap;
    }
    if ((m->n + 1) * 2 > m->hcap && vmap_rehash(m, m->hcap ? m->hcap * 2 : 64) < 0)
        return NULL;
    struct vacc *a = &m->v[m->n];
    memset(a, 0, sizeof *a);
    snprintf(a->vf.code, sizeof a->vf.code, "%s", code);
    size_t i = vhash(code) & (m->hcap - 1);
    while (m->slot[i])
        i = (i + 1) & (m->hcap - 1);
    m->slot[i] = ++m->n;
    return a;
}

void vmap_free(struct vmap *m)
{
    free(m->v);
    free(m->slot);
    memset(m, 0, sizeof *m);
}


int span_month_index(const struct span *s, const char *month)
{
    int y, m;
    if (strcmp(month, s->first) < 0 || strcmp(month, s->last) > 0 || !month_parse(month, &y, &m))
        return -1;
    return m - s->p->first_month;
}

/* "YYYY-MM" n months from y-m. */
static void month_str(int y, int m, int n, char out[8])
{
    month_add(&y, &m, n);
    snprintf(out, 8, "%04u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u);
}

/* The rows completeness_read reads, and what they sum to. */
struct comp_rows {
    const struct span *s;
    struct vmap *vm;
    long revised;
    int64_t revision, corrected;
};

static int completeness_row(void *arg, const char *v, const char *month, const char *metric,
                            int64_t value)
{
    struct comp_rows *c = arg;
    if (!v || !month || !metric || !month_parse(month, NULL, NULL))
        return 0;
    struct vacc *a = vmap_get(c->vm, v, 1);
    if (!a) {
        log_error("figures: out of memory");
        return -1;
    }
    if (!a->known[0] || strcmp(month, a->known) < 0)
        snprintf(a->known, sizeof a->known, "%s", month);
    int i = span_month_index(c->s, month);
    if (strcmp(metric, M_ENROLLED) == 0) {
        /* rows of one metric come in month order */
        int64_t sum = (a->nenrol ? a->enrol[a->nenrol - 1].sum : 0) + value;
        if (a->nenrol == MAX_ENROL) {
            memmove(a->enrol, a->enrol + 1, (MAX_ENROL - 1) * sizeof *a->enrol);
            a->nenrol--;
        }
        snprintf(a->enrol[a->nenrol].month, sizeof a->enrol[a->nenrol].month, "%s", month);
        a->enrol[a->nenrol++].sum = sum;
        return 0;
    }
    if (value == 0)
        return 0;
    if (strcmp(metric, M_LATE_BATCHES) == 0) {
        if (i >= 0)
            SAT_ADD(c->revision, value);
        return 0;
    }
    if (strcmp(metric, M_CORRECTED) == 0) {
        if (i >= 0)
            SAT_ADD(c->corrected, value);
        return 0;
    }
    if (strcmp(metric, M_LATE_LAST) == 0) {
        if (i >= 0 && value > c->revised)
            c->revised = (long)value;
        return 0;
    }
    /* a first receipt day or a nil report: the month was reported */
    if (strcmp(month, c->s->ref) <= 0 && strcmp(month, a->vf.last_reported) > 0)
        snprintf(a->vf.last_reported, sizeof a->vf.last_reported, "%s", month);
    if (i < 0)
        return 0;
    if (strcmp(metric, M_FIRST_DAY) == 0)
        a->first_day[i] = (long)value;
    else
        a->nil[i] = 1;
    return 0;
}

int completeness_read(rollup_read_t *rd, const char *township, const struct span *s,
                      struct vmap *vm, struct figures *o)
{
    struct comp_rows c = {.s = s, .vm = vm};
    if (rollup_through(rd, township, s->last, COMPLETENESS, N_COMPLETENESS, completeness_row,
                       &c) < 0)
        return -1;
    o->revision = c.revision < 0 ? 0 : c.revision > INT_MAX ? INT_MAX : (int)c.revision;
    o->corrected = c.corrected < 0 ? 0 : c.corrected > INT_MAX ? INT_MAX : (int)c.corrected;
    /* a day beyond year 9999 is no date: a corrupt value, not shown */
    if (c.revised > 0 && c.revised < date_days(10000, 1, 1))
        date_from_days(c.revised, o->revised_on);
    return 0;
}

static int code_cmp(const void *a, const void *b)
{
    return strcmp(((const struct village_figures *)a)->code,
                  ((const struct village_figures *)b)->code);
}

/* Judges every village known by the period's end and hands them to o,
 * sorted by code, with their sums. */
int finish_villages(const struct span *q, const struct judge *j, struct vmap *vm,
                           struct figures *o)
{
    const struct period *p = q->p;
    int started = strcmp(q->first, j->cur) <= 0, y, m, n = 0;
    char threshold[8] = "";
    if (month_parse(q->ref, &y, &m))
        month_str(y, m, -j->silent_months, threshold);
    if (vm->n) {
        o->villages = calloc(vm->n, sizeof *o->villages);
        if (!o->villages) {
            log_error("figures: out of memory");
            return -1;
        }
    }
    for (size_t k = 0; k < vm->n; k++) {
        struct vacc *a = &vm->v[k];
        struct village_figures *vf = &a->vf;
        if (a->known[0] && strcmp(a->known, q->last) > 0)
            continue; /* came after the period: not part of it */
        int any_work = 0;
        for (int i = 0; i < o->nmonths; i++) {
            char month[8];
            int mm = p->first_month + i;
            month_str(p->year, mm, 0, month);
            any_work |= a->work[i];
            if ((a->known[0] && strcmp(month, a->known) < 0) || strcmp(month, j->cur) > 0)
                continue;
            if (withdrawn(a, month) && !a->work[i] && !a->nil[i] && !a->first_day[i])
                continue; /* revoked: no longer expected */
            vf->months_expected++;
            if (!a->work[i] && !a->nil[i] && !a->first_day[i])
                continue;
            vf->months_reported++;
            if (a->first_day[i] &&
                a->first_day[i] <= date_days(p->year, mm, days_in_month(p->year, mm)) + j->ontime_days)
                vf->months_ontime++;
            if (a->nil[i] && !a->work[i])
                vf->months_nil++;
        }
        if (started) {
            /* never reported: silent since the month before it became known */
            char eff[8];
            int ky, km;
            if (vf->last_reported[0])
                snprintf(eff, sizeof eff, "%s", vf->last_reported);
            else if (month_parse(a->known[0] ? a->known : q->first, &ky, &km))
                month_str(ky, km, -1, eff);
            else
                eff[0] = '\0';
            /* a revoked village is not expected to report, so not silent */
            vf->silent = strcmp(eff, threshold) < 0 && !withdrawn(a, q->ref);
        }
        if (!any_work && !vf->months_reported && withdrawn(a, q->first) && withdrawn(a, q->last))
            continue; /* revoked before the period and gone through it */
        o->villages_reporting += any_work;
        o->villages_silent += vf->silent;
        o->months_expected += vf->months_expected;
        o->months_reported += vf->months_reported;
        o->months_ontime += vf->months_ontime;
        o->months_nil += vf->months_nil;
        o->villages[n++] = *vf;
    }
    o->nvillages = n;
    if (n)
        qsort(o->villages, (size_t)n, sizeof *o->villages, code_cmp);
    return 0;
}

void figures_options_default(struct figures_options *o)
{
    o->ontime_days = FIGURES_ONTIME_DAYS;
    o->silent_months = FIGURES_SILENT_MONTHS;
    o->today = NULL;
    o->tier = 0;
}
