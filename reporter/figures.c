#include "figures.h"
#include "metric.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "rollup_read.h"
#include "text.h"
#include "tier.h"
#include "shibao.pb-c.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Out of memory is an error the caller reports, not an exit: an item whose
 * table could not be made is not added (the head stays NULL). */
#define HASH_NONFATAL_OOM 1
#include <uthash.h>


/* The registry figures read straight from one stock (FIGURE_DEFS); the
 * others (1, 4, 10) are sums of them. */
#define N_REG 12

#define M_EV_REG METRIC_EVENTS(registration)
#define M_EV_INSP METRIC_EVENTS(inspection)
#define M_EV_RECT METRIC_EVENTS(rectification)
#define M_EV_PUB METRIC_EVENTS(publicity)
#define M_EV_STAFF METRIC_EVENTS(staffing)
/* the profile key of a village's name: "village.<code>" */
#define VILLAGE_KEY PROFILE_VILLAGE_PREFIX

/* The flows of the period, by what the report needs of them: the
 * township's sum only; per village too; per village only whether there
 * were any (the months it worked). A county database keeps the first as
 * sums per township and the last as one sum per village and month
 * (rollup.h), so it reads only VILLAGE_FLOWS row by row. */
static const char *const TOWNSHIP_FLOWS[] = {
    METRIC_INSP_KIND(SPECIAL_CAMPAIGN), METRIC_THREE_NO_ITEMS, METRIC_EXPIRED_ITEMS,
    METRIC_RECT(COMPLETED), METRIC_INSP_CAT(SCHOOL_CANTEEN),
};
static const char *const VILLAGE_FLOWS[] = {
    METRIC_PUB(STUDY_SESSION), METRIC_COPIES, METRIC_ROUTINE_DISTRIBUTION,
    METRIC_INSP_OUTCOME(RECTIFICATION_ORDERED), METRIC_INSP_OUTCOME(PRODUCTS_REMOVED),
    METRIC_INSP_OUTCOME(PRODUCTS_DESTROYED), M_EV_INSP,
};
static const char *const EVENT_FLOWS[] = {M_EV_REG, M_EV_RECT, M_EV_PUB, M_EV_STAFF};
#define N_OF(a) ((int)(sizeof a / sizeof a[0]))



#define MAX_METRICS 64
#define METRIC_LEN 64

/* Flags of "there is data behind it". */
struct seen {
    int reg, staff, insp, pub;
};

/* Truncates at a character boundary so a long profile entry never leaves
 * half a UTF-8 sequence behind (json output would refuse it). */
static void copy_text(char *dst, size_t n, const char *src)
{
    size_t len = strlen(src);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}


/* ------------------------------------------------------------ per village */

/* Villages seen by a query, with two sums each. The index hands rows over by
 * metric and month, not by village: grouping them here is several times
 * cheaper than SQLite's sorter (measured: 1 ms against 7 ms for 8,400 rows). */
struct vrow {
    char *code;
    int64_t a, b;
    UT_hash_handle hh;
};

/* The village's row, created at zero; NULL when out of memory. */
static struct vrow *vset_get(struct vrow **head, const char *code)
{
    struct vrow *r;
    HASH_FIND_STR(*head, code, r);
    if (r)
        return r;
    if (!(r = calloc(1, sizeof *r)) || !(r->code = strdup(code))) {
        free(r);
        return NULL;
    }
    HASH_ADD_KEYPTR(hh, *head, r->code, strlen(r->code), r);
    if (!*head) {
        free(r->code);
        free(r);
        return NULL;
    }
    return r;
}

static void vset_free(struct vrow **head)
{
    struct vrow *r, *tmp;
    HASH_ITER(hh, *head, r, tmp) {
        HASH_DEL(*head, r);
        free(r->code);
        free(r);
    }
}

/* The figure being read: the township, its period's span, the villages and
 * the figures the rows go into. */
struct ctx {
    rollup_read_t *rd;
    const char *township;
    struct span span;
    struct vmap *vm;
    struct figures *o;
    /* flow rows come ordered by metric, then month: each matched once */
    char prev_metric[METRIC_LEN], prev_month[8];
    int code, month_i;
};

/* Figure 21: villages whose coordinator and information officer stocks are
 * both positive at the end of the period. */
static int staffed_row(void *arg, const char *v, const char *month, const char *metric,
                       int64_t value)
{
    struct vrow **vs = arg;
    (void)month;
    struct vrow *r = v && metric ? vset_get(vs, v) : NULL;
    if (!r) {
        log_error("figures: out of memory");
        return -1;
    }
    int64_t *acc = strcmp(metric, FIGURE_DEFS[21].metrics[0]) == 0 ? &r->a : &r->b;
    SAT_ADD(*acc, value);
    return 0;
}

static int staffed_villages(const struct ctx *c, int64_t *count)
{
    int rc = -1;
    struct vrow *vs = NULL, *r;
    if (rollup_stocks_at(c->rd, c->township, c->span.last, FIGURE_DEFS[21].metrics, 2,
                         staffed_row, &vs) < 0)
        goto out;
    *count = 0;
    for (r = vs; r; r = r->hh.next)
        if (r->a > 0 && r->b > 0)
            (*count)++;
    rc = 0;
out:
    vset_free(&vs);
    return rc;
}

/* ------------------------------------------------------------ sums */

/* What a flow row counts for, decided once per metric: rows come ordered
 * by metric, so a report does one string match per metric, not per row. */
enum flow_code {
    FC_OTHER, FC_SPECIAL, FC_STUDY, FC_COPIES, FC_ROUTINE_DIST, FC_THREE_NO,
    FC_EXPIRED, FC_ORDERED, FC_REMOVED, FC_RECT_DONE, FC_SCHOOL, FC_EV_INSP, FC_EVENTS,
};

static enum flow_code flow_code(const char *m)
{
    static const struct {
        const char *metric;
        enum flow_code code;
    } codes[] = {
        {METRIC_INSP_KIND(SPECIAL_CAMPAIGN), FC_SPECIAL},
        {METRIC_PUB(STUDY_SESSION), FC_STUDY},
        {METRIC_COPIES, FC_COPIES},
        {METRIC_ROUTINE_DISTRIBUTION, FC_ROUTINE_DIST},
        {METRIC_THREE_NO_ITEMS, FC_THREE_NO},
        {METRIC_EXPIRED_ITEMS, FC_EXPIRED},
        {METRIC_INSP_OUTCOME(RECTIFICATION_ORDERED), FC_ORDERED},
        {METRIC_INSP_OUTCOME(PRODUCTS_REMOVED), FC_REMOVED},
        {METRIC_INSP_OUTCOME(PRODUCTS_DESTROYED), FC_REMOVED},
        {METRIC_RECT(COMPLETED), FC_RECT_DONE},
        {METRIC_INSP_CAT(SCHOOL_CANTEEN), FC_SCHOOL},
        {M_EV_INSP, FC_EV_INSP},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(m, codes[i].metric) == 0)
            return codes[i].code;
    if (strncmp(m, METRIC_EVENTS_PREFIX, strlen(METRIC_EVENTS_PREFIX)) == 0)
        return FC_EVENTS;
    return FC_OTHER;
}

/* A flow row of one village and month (i: its index in the period): the
 * totals, the village's chart counts, the publicity series, and the months
 * it worked. */
static void on_flow(const struct span *q, struct figures *o, struct vacc *a, int i,
                    const char *month, enum flow_code c, int64_t v)
{
    switch (c) { /* the township's sums alone */
    case FC_SPECIAL: SAT_ADD(o->special_campaign, v); return;
    case FC_THREE_NO: SAT_ADD(o->three_no_items, v); return;
    case FC_EXPIRED: SAT_ADD(o->expired_items, v); return;
    case FC_RECT_DONE: SAT_ADD(o->rectifications_completed, v); return;
    case FC_SCHOOL: SAT_ADD(o->school_canteen_inspections, v); return;
    default: break;
    }
    if (!a)
        return; /* a township's sum (flow_total) is only ever one of those */
    struct village_figures *vf = &a->vf;
    switch (c) {
    case FC_STUDY:
        SAT_ADD(o->f[22].value, v);
        SAT_ADD(vf->study_sessions, v);
        if (i >= 0)
            SAT_ADD(o->study_by_month[i], v);
        break;
    case FC_COPIES:
        SAT_ADD(o->f[23].value, v);
        SAT_ADD(vf->copies, v);
        if (i >= 0)
            SAT_ADD(o->copies_by_month[i], v);
        break;
    case FC_ROUTINE_DIST:
        SAT_ADD(o->f[25].value, v);
        SAT_ADD(vf->routine_distribution, v);
        break;
    case FC_ORDERED:
        SAT_ADD(o->rectifications_ordered, v);
        SAT_ADD(vf->inspections_ordered, v);
        break;
    case FC_REMOVED: SAT_ADD(vf->inspections_removed_destroyed, v); break;
    case FC_EV_INSP:
    case FC_EVENTS:
        if (c == FC_EV_INSP) {
            /* every inspection has exactly one kind (validation): the kinds'
             * rows would sum to this, at four times the rows */
            SAT_ADD(o->inspections_total, v);
            SAT_ADD(vf->inspections, v);
        }
        /* any event: the village worked, and reported, that month */
        if (i >= 0)
            a->work[i] = 1;
        if (!a->known[0] || strcmp(month, a->known) < 0)
            snprintf(a->known, sizeof a->known, "%s", month);
        if (strcmp(month, q->ref) <= 0 && strcmp(month, vf->last_reported) > 0)
            snprintf(vf->last_reported, sizeof vf->last_reported, "%s", month);
        break;
    default: break;
    }
}

static int flow_row(void *arg, const char *v, const char *month, const char *m, int64_t value)
{
    struct ctx *c = arg;
    if (!month || !m || strlen(month) != 7)
        return 0;
    if (strcmp(m, c->prev_metric) != 0) {
        c->code = flow_code(m);
        snprintf(c->prev_metric, sizeof c->prev_metric, "%s", m);
    }
    if (strcmp(month, c->prev_month) != 0) {
        c->month_i = span_month_index(&c->span, month);
        memcpy(c->prev_month, month, sizeof c->prev_month);
    }
    if (c->code == FC_OTHER)
        return 0;
    struct vacc *a = v ? vmap_get(c->vm, v, 1) : NULL; /* NULL: the township's */
    if (v && !a) {
        log_error("figures: out of memory");
        return -1;
    }
    on_flow(&c->span, c->o, a, c->month_i, month, (enum flow_code)c->code, value);
    return 0;
}

/* Flows of the period row by row (village, month): rollups hold at most
 * villages x months x metrics rows, so the per-village and per-month views
 * cost no more than the sums. A county database keeps the township's sums
 * and the events per village and month: fewer rows. */
static int flow_rows(struct ctx *c)
{
    const char *names[MAX_METRICS];
    int n = 0, totals = rollup_read_totals(c->rd);
    const char *t = c->township, *first = c->span.first, *last = c->span.last;
    for (int i = 0; i < N_OF(VILLAGE_FLOWS); i++)
        names[n++] = VILLAGE_FLOWS[i];
    if (!totals) {
        for (int i = 0; i < N_OF(TOWNSHIP_FLOWS); i++)
            names[n++] = TOWNSHIP_FLOWS[i];
        for (int i = 0; i < N_OF(EVENT_FLOWS); i++)
            names[n++] = EVENT_FLOWS[i];
    }
    c->prev_metric[0] = c->prev_month[0] = '\0';
    if (rollup_flows(c->rd, t, first, last, names, n, flow_row, c) < 0)
        return -1;
    if (!totals)
        return 0;
    c->prev_metric[0] = c->prev_month[0] = '\0';
    if (rollup_flow_totals(c->rd, t, first, last, TOWNSHIP_FLOWS, N_OF(TOWNSHIP_FLOWS), flow_row,
                           c) < 0)
        return -1;
    c->prev_metric[0] = c->prev_month[0] = '\0';
    return rollup_village_events(c->rd, t, first, last, flow_row, c);
}

/* Registry stocks at the period's end, by category and by village. */
struct stocks {
    struct ctx *c;
    const char *names[N_REG];
    int nums[N_REG], n, num;
    char prev[METRIC_LEN];
};

static int stock_row(void *arg, const char *v, const char *month, const char *m, int64_t value)
{
    struct stocks *k = arg;
    (void)month;
    if (!v || !m)
        return 0;
    if (strcmp(m, k->prev) != 0) { /* rows come by metric: match it once */
        k->num = 0;
        for (int i = 0; i < k->n && !k->num; i++)
            if (strcmp(m, k->names[i]) == 0)
                k->num = k->nums[i];
        snprintf(k->prev, sizeof k->prev, "%s", m);
    }
    struct vacc *a = vmap_get(k->c->vm, v, 1);
    if (!a) {
        log_error("figures: out of memory");
        return -1;
    }
    if (k->num)
        SAT_ADD(k->c->o->f[k->num].value, value);
    SAT_ADD(a->vf.registered, value);
    return 0;
}

static int stock_rows(struct ctx *c)
{
    struct stocks k = {.c = c};
    for (int i = 1; i <= FIGURES_N && k.n < N_REG; i++)
        if (FIGURE_DEFS[i].source == FIG_FROM_REGISTRY && !FIGURE_DEFS[i].metrics[1]) {
            k.nums[k.n] = i;
            k.names[k.n++] = FIGURE_DEFS[i].metrics[0];
        }
    return rollup_stocks_at(c->rd, c->township, c->span.last, k.names, k.n, stock_row, &k);
}

/* "There is data behind it": any event row, a seek each (registrations
 * and staffing ever, inspections and publicity in the period). */
static int presence(const struct ctx *c, struct seen *s)
{
    const char *t = c->township, *first = c->span.first, *last = c->span.last;
    if (rollup_any(c->rd, t, NULL, last, M_EV_REG, &s->reg) < 0 ||
        rollup_any(c->rd, t, NULL, last, M_EV_STAFF, &s->staff) < 0 ||
        rollup_any(c->rd, t, first, last, M_EV_INSP, &s->insp) < 0 ||
        rollup_any(c->rd, t, first, last, M_EV_PUB, &s->pub) < 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ profile */

/* Digits only, surrounding blanks allowed: a head count typed in the profile. */
static int parse_count(const char *s, int64_t *v)
{
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s < '0' || *s > '9')
        return -1;
    int64_t x = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (x > (INT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (*s - '0');
    }
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s)
        return -1;
    *v = x;
    return 0;
}

static void set_text(struct figure *f, const char *v)
{
    copy_text(f->text, sizeof f->text, v);
    f->present = 1;
}

static int profile_row(void *arg, const char *k, const char *v)
{
    struct ctx *c = arg;
    struct figures *o = c->o;
    /* An empty entry is no data: the report must not read "以镇长同志为组长". */
    if (!k || !v || !*v)
        return 0;
    if (strcmp(k, "name") == 0) {
        copy_text(o->name, sizeof o->name, v);
    } else if (strcmp(k, PROFILE_KEY_TEMPLATE) == 0 || strcmp(k, PROFILE_KEY_SECTIONS) == 0) {
        char *dst = strcmp(k, PROFILE_KEY_TEMPLATE) == 0 ? o->own_template : o->own_sections;
        /* a path cut short names another file: none rather than that */
        if (strlen(v) < sizeof o->own_template)
            strcpy(dst, v);
    } else if (strncmp(k, VILLAGE_KEY, strlen(VILLAGE_KEY)) == 0) {
        /* only villages the figures know: a name alone expects nothing */
        struct vacc *a = vmap_get(c->vm, k + strlen(VILLAGE_KEY), 0);
        if (a)
            copy_text(a->vf.name, sizeof a->vf.name, v);
    } else {
        for (int i = 1; i <= FIGURES_N; i++) {
            const struct figure_def *d = &FIGURE_DEFS[i];
            if (d->source != FIG_FROM_PROFILE || strcmp(k, d->profile_key) != 0)
                continue;
            if (d->type == FIG_TEXT)
                set_text(&o->f[i], v);
            else if (parse_count(v, &o->f[i].value) == 0)
                o->f[i].present = 1;
            else
                log_warn("township %s: profile %s is not a number: %.40s", c->township, k, v);
        }
    }
    return 0;
}

/* ------------------------------------------------------------ one township */

/* The figures of one township; the caller holds the snapshot. On failure
 * o holds no villages. */
int figures_compute(rollup_read_t *rd, const char *township, const struct period *p,
                    const struct judge *j, struct figures *o)
{
    int rc = -1;
    struct seen s = {0};
    struct vmap vm = {0};
    struct ctx c = {.rd = rd, .township = township, .span = {.p = p}, .vm = &vm, .o = o};
    struct span *q = &c.span;
    int64_t staffed = 0;

    figures_init(o, p);
    copy_text(o->township, sizeof o->township, township);
    period_first_month(p, q->first);
    period_last_month(p, q->last);
    o->ontime_days = j->ontime_days;
    o->silent_months = j->silent_months;
    o->nmonths = p->last_month - p->first_month + 1;
    /* silence and the latest report are judged at the period's end, or now
     * while it runs */
    snprintf(q->ref, sizeof q->ref, "%s", strcmp(q->last, j->cur) < 0 ? q->last : j->cur);

    if (presence(&c, &s) < 0 || completeness_read(rd, township, q, &vm, o) < 0 ||
        flow_rows(&c) < 0)
        goto out;

    /* Stocks: skipped when no registration or staffing was ever recorded. */
    if (s.reg && stock_rows(&c) < 0)
        goto out;
    if (s.staff && staffed_villages(&c, &staffed) < 0)
        goto out;

    if (rollup_profile(rd, township, profile_row, &c) < 0 || finish_villages(q, j, &vm, o) < 0)
        goto out;

    struct figure *f = o->f;
    f[4].value = sat_add(sat_add(f[5].value, f[6].value), sat_add(f[7].value, f[8].value));
    f[10].value = sat_add(sat_add(f[11].value, f[12].value), sat_add(f[13].value, f[14].value));
    f[1].value = f[2].value;
    SAT_ADD(f[1].value, f[3].value);
    SAT_ADD(f[1].value, f[4].value);
    SAT_ADD(f[1].value, f[9].value);
    SAT_ADD(f[1].value, f[10].value);
    SAT_ADD(f[1].value, f[15].value);
    for (int i = 1; i <= 15; i++)
        f[i].present = s.reg;
    f[21].value = staffed;
    f[21].present = s.staff;
    f[22].present = f[23].present = s.pub;
    f[25].present = s.insp;
    rc = 0;
out:
    vmap_free(&vm);
    if (rc < 0)
        figures_free(o);
    return rc;
}

/* The options, checked, and the current month. 0 or -1 with err. */
int figures_judge(const struct figures_options *opt, struct judge *j, char *err, size_t errlen)
{
    struct figures_options def;
    char today[11];
    if (!opt) {
        figures_options_default(&def);
        opt = &def;
    }
    if (opt->ontime_days < 0 || opt->silent_months < 0) {
        text_set_err(err, errlen, "on-time days and silent months must not be negative");
        return -1;
    }
    if (opt->today)
        snprintf(today, sizeof today, "%s", opt->today);
    else
        date_today(today);
    if (!date_parse(today, NULL, NULL, NULL)) {
        text_set_err(err, errlen, "today: \"%.10s\" is not a date YYYY-MM-DD", today);
        return -1;
    }
    j->ontime_days = opt->ontime_days;
    j->silent_months = opt->silent_months;
    snprintf(j->cur, sizeof j->cur, "%.7s", today);
    return 0;
}

int figures_townships(sqlite3 *db, char ***codes, int *n)
{
    return rollup_townships(db, codes, n);
}

int figures_township_opt(sqlite3 *db, const char *township, const struct period *p,
                         const struct figures_options *opt, struct figures *out, char *err,
                         size_t errlen)
{
    int rc = -1, began = 0, known = 0, n = 0;
    char **codes = NULL;
    struct judge j;
    rollup_read_t *rd = NULL;
    figures_init(out, p);
    if (figures_judge(opt, &j, err, errlen) < 0)
        goto out;
    if (rollup_snapshot_begin(db, &began) < 0) {
        text_set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (!township) {
        if (rollup_townships(db, &codes, &n) < 0) {
            text_set_err(err, errlen, "cannot list townships: %s", sqlite3_errmsg(db));
            goto out;
        }
        if (n == 0) {
            text_set_err(err, errlen, "the database holds no township data");
            goto out;
        }
        if (n > 1) {
            text_set_err(err, errlen, "the database holds %d townships: name one", n);
            goto out;
        }
        township = codes[0];
    } else {
        if (rollup_township_known(db, township, &known) < 0) {
            text_set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
            goto out;
        }
        if (!known) {
            text_set_err(err, errlen, "township %.32s: no data in the database", township);
            goto out;
        }
    }
    if (strlen(township) >= sizeof out->township) {
        text_set_err(err, errlen, "township code too long: %.32s", township);
        goto out;
    }
    if (rollup_read_new(db, &rd) < 0 || figures_compute(rd, township, p, &j, out) < 0) {
        text_set_err(err, errlen, "township %s: cannot compute figures: %s", township,
                sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    rollup_read_destroy(&rd);
    rollup_snapshot_end(db, began);
    rollup_townships_free(codes, n);
    return rc;
}

int figures_township(sqlite3 *db, const char *township, const struct period *p,
                     struct figures *out, char *err, size_t errlen)
{
    return figures_township_opt(db, township, p, NULL, out, err, errlen);
}
