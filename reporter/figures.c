#include "figures.h"
#include "query_int.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "rollup.h"
#include "shibao.pb-c.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* The registry figures read straight from one stock (FIGURE_DEFS); the
 * others (1, 4, 10) are sums of them. */
#define N_REG 12

#define M_EV_REG "events.registration"
#define M_EV_INSP "events.inspection"
#define M_EV_RECT "events.rectification"
#define M_EV_PUB "events.publicity"
#define M_EV_STAFF "events.staffing"
/* the profile key of a village's name: "village.<code>" */
#define VILLAGE_KEY "village."

/* The flows of the period, by what the report needs of them: the
 * township's sum only; per village too; per village only whether there
 * were any (the months it worked). A county database keeps the first as
 * sums per township and the last as one sum per village and month
 * (rollup.h), so it reads only VILLAGE_FLOWS row by row. */
static const char *const TOWNSHIP_FLOWS[] = {
    "insp.kind.SPECIAL_CAMPAIGN", "insp.three_no_items", "insp.expired_items",
    "rect.COMPLETED", "insp.cat.SCHOOL_CANTEEN",
};
static const char *const VILLAGE_FLOWS[] = {
    "pub.STUDY_SESSION", "pub.copies", "insp.routine_distribution",
    "insp.outcome.RECTIFICATION_ORDERED", "insp.outcome.PRODUCTS_REMOVED",
    "insp.outcome.PRODUCTS_DESTROYED", M_EV_INSP,
};
static const char *const EVENT_FLOWS[] = {M_EV_REG, M_EV_RECT, M_EV_PUB, M_EV_STAFF};
#define N_OF(a) ((int)(sizeof a / sizeof a[0]))



#define MAX_METRICS 64
#define METRIC_LEN 64

/* Flags of "there is data behind it". */
struct seen {
    int reg, staff, insp, pub;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || !errlen)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

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


/* A read transaction, so that every query of one report sees the same
 * snapshot while the aggregator keeps committing; skipped when the caller
 * already holds one (figures_all_townships around its townships). */
static int snapshot_begin(sqlite3 *db, int *began)
{
    *began = 0;
    if (!sqlite3_get_autocommit(db))
        return 0;
    if (db_exec(db, "BEGIN") < 0)
        return -1;
    *began = 1;
    return 0;
}

static void snapshot_end(sqlite3 *db, int began)
{
    /* Nothing was written: rolling back just releases the snapshot. */
    if (began)
        db_rollback(db);
}

/* The statements of one report, kept from township to township: preparing
 * them again for each was a tenth of the county report's time (30
 * townships x 6 statements with their IN lists). The SQL of a kind of
 * query is the same for every township; only the bindings change. */
#define STCACHE_MAX 12
struct stcache {
    struct {
        char *sql;
        sqlite3_stmt *st;
    } e[STCACHE_MAX];
    int n;
};

static void stcache_free(struct stcache *c)
{
    for (int i = 0; i < c->n; i++) {
        free(c->e[i].sql);
        sqlite3_finalize(c->e[i].st);
    }
    c->n = 0;
}

/* A statement from the cache, reset and unbound, or NULL. */
static sqlite3_stmt *stcache_get(struct stcache *c, const char *sql)
{
    for (int i = 0; c && i < c->n; i++)
        if (strcmp(c->e[i].sql, sql) == 0) {
            sqlite3_reset(c->e[i].st);
            sqlite3_clear_bindings(c->e[i].st);
            return c->e[i].st;
        }
    return NULL;
}

/* Keeps st in the cache: 1 kept, 0 not (no cache, full, out of memory). */
static int stcache_put(struct stcache *c, const char *sql, sqlite3_stmt *st)
{
    char *copy;
    if (!c || c->n == STCACHE_MAX || !(copy = strdup(sql)))
        return 0;
    c->e[c->n].sql = copy;
    c->e[c->n++].st = st;
    return 1;
}

static int stcache_has(const struct stcache *c, sqlite3_stmt *st)
{
    for (int i = 0; c && i < c->n; i++)
        if (c->e[i].st == st)
            return 1;
    return 0;
}

/* The end of a query's use: a cached statement is only reset (which ends
 * its read), any other finalized. */
void q_done(const struct q *q, sqlite3_stmt *st)
{
    if (stcache_has(q->cache, st))
        sqlite3_reset(st);
    else
        sqlite3_finalize(st);
}

static int prepare_bound(const struct q *q, const char *sql, const char *const *metrics, int n,
                         sqlite3_stmt **out);

/* Stocks at the period's end as rows "village, <what, on metric>, value"
 * for the metrics ?4...: from the kept levels, the keys whose span holds
 * the period's last month, then those whose span ended before it (rollup.c);
 * from an older database without them, every delta up to the end. The
 * caller sums the rows either way. */
static int prepare_stocks(const struct q *q, const char *what, const char *const *metrics, int n,
                          sqlite3_stmt **out)
{
    char sql[2048], in[512];
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof in; i++)
        len += (size_t)snprintf(in + len, sizeof in - len, "%s?%d", i ? "," : "", i + 4);
    if (len >= sizeof in) {
        log_error("figures: query too long (%d metrics)", n);
        return -1;
    }
    if (q->levels)
        len = (size_t)snprintf(sql, sizeof sql,
                               "SELECT village, %s, level FROM stock_level"
                               " WHERE township = ?1 AND month = ?3 AND metric IN (%s)"
                               " UNION ALL SELECT village, %s, level FROM stock_keys"
                               " WHERE township = ?1 AND metric IN (%s) AND last_month < ?3",
                               what, in, what, in);
    else
        len = (size_t)snprintf(sql, sizeof sql,
                               "SELECT village, %s, value FROM rollup"
                               " WHERE township = ?1 AND month <= ?3 AND metric IN (%s)",
                               what, in);
    if (len >= sizeof sql) {
        log_error("figures: query too long (%d metrics)", n);
        return -1;
    }
    return prepare_bound(q, sql, metrics, n, out);
}

/* Prepares sql and binds the context and the metric names (never pasted into
 * the text: naming each metric lets SQLite seek the (township, metric, month)
 * index once per metric rather than scan a LIKE range). */
static int prepare_bound(const struct q *q, const char *sql, const char *const *metrics, int n,
                         sqlite3_stmt **out)
{
    int rc = -1;
    sqlite3_stmt *st = stcache_get(q->cache, sql);
    const char *ctx[3] = {q->township, q->first, q->last};
    if (!st) {
        if (db_prepare(q->db, sql, &st) < 0)
            goto out;
        stcache_put(q->cache, sql, st);
    }
    /* Only up to the highest parameter the statement names: SQLite refuses
     * the others (the profile query needs ?1 alone). */
    int np = sqlite3_bind_parameter_count(st);
    for (int i = 1; i <= np; i++) {
        const char *v = i <= 3 ? ctx[i - 1] : i - 4 < n ? metrics[i - 4] : NULL;
        if (!v) {
            log_error("figures: no value for ?%d in: %.60s", i, sql);
            goto out;
        }
        if (sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) != SQLITE_OK) {
            log_error("figures: bind: %s", sqlite3_errmsg(q->db));
            goto out;
        }
    }
    *out = st;
    st = NULL;
    rc = 0;
out:
    if (st)
        q_done(q, st);
    return rc;
}

/* head + "?4,?5,...,?(3+n)" + tail, then prepare_bound. */
int prepare_in(const struct q *q, const char *head, const char *tail,
                      const char *const *metrics, int n, sqlite3_stmt **out)
{
    char sql[2048];
    size_t len = (size_t)snprintf(sql, sizeof sql, "%s", head);
    for (int i = 0; i < n && len < sizeof sql; i++)
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s?%d", i ? "," : "", i + 4);
    if (len < sizeof sql)
        len += (size_t)snprintf(sql + len, sizeof sql - len, "%s", tail);
    if (len >= sizeof sql) {
        log_error("figures: query too long (%d metrics)", n);
        return -1;
    }
    return prepare_bound(q, sql, metrics, n, out);
}

int step_error(const struct q *q)
{
    log_error("figures: township %s: %s", q->township, sqlite3_errmsg(q->db));
    return -1;
}

/* ------------------------------------------------------------ per village */

/* Villages seen by a query, with two sums each. The index hands rows over by
 * metric and month, not by village: grouping them here is several times
 * cheaper than SQLite's sorter (measured: 1 ms against 7 ms for 8,400 rows). */
struct vrow {
    char *code;
    int64_t a, b;
};

struct vset {
    struct vrow *rows;
    size_t cap, n;  /* cap a power of two, at most half full */
};

size_t vhash(const char *s)
{
    uint64_t h = 14695981039346656037ull;  /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

static int vset_grow(struct vset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    struct vrow *rows = calloc(cap, sizeof *rows);
    if (!rows)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->rows[i].code)
            continue;
        size_t j = vhash(s->rows[i].code) & (cap - 1);
        while (rows[j].code)
            j = (j + 1) & (cap - 1);
        rows[j] = s->rows[i];
    }
    free(s->rows);
    s->rows = rows;
    s->cap = cap;
    return 0;
}

/* The village's row, created at zero; NULL when out of memory. */
static struct vrow *vset_get(struct vset *s, const char *code)
{
    if ((s->n + 1) * 2 > s->cap && vset_grow(s) < 0)
        return NULL;
    size_t i = vhash(code) & (s->cap - 1);
    while (s->rows[i].code) {
        if (strcmp(s->rows[i].code, code) == 0)
            return &s->rows[i];
        i = (i + 1) & (s->cap - 1);
    }
    if (!(s->rows[i].code = strdup(code)))
        return NULL;
    s->n++;
    return &s->rows[i];
}

static void vset_free(struct vset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->rows[i].code);
    free(s->rows);
    memset(s, 0, sizeof *s);
}

/* Figure 21: villages whose coordinator and information officer stocks are
 * both positive at the end of the period. */
static int staffed_villages(const struct q *q, int64_t *count)
{
    const char *const *roles = FIGURE_DEFS[21].metrics;
    int rc = -1, step;
    sqlite3_stmt *st = NULL;
    struct vset vs = {0};
    if (prepare_stocks(q, "metric = ?4", roles, 2, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        struct vrow *r = v ? vset_get(&vs, v) : NULL;
        if (!r)
            goto oom;
        int64_t *acc = sqlite3_column_int(st, 1) ? &r->a : &r->b;
        SAT_ADD(*acc, sqlite3_column_int64(st, 2));
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    *count = 0;
    for (size_t i = 0; i < vs.cap; i++)
        if (vs.rows[i].code && vs.rows[i].a > 0 && vs.rows[i].b > 0)
            (*count)++;
    rc = 0;
    goto out;
oom:
    log_error("figures: out of memory");
out:
    q_done(q, st);
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
        {"insp.kind.SPECIAL_CAMPAIGN", FC_SPECIAL},
        {"pub.STUDY_SESSION", FC_STUDY},
        {"pub.copies", FC_COPIES},
        {"insp.routine_distribution", FC_ROUTINE_DIST},
        {"insp.three_no_items", FC_THREE_NO},
        {"insp.expired_items", FC_EXPIRED},
        {"insp.outcome.RECTIFICATION_ORDERED", FC_ORDERED},
        {"insp.outcome.PRODUCTS_REMOVED", FC_REMOVED},
        {"insp.outcome.PRODUCTS_DESTROYED", FC_REMOVED},
        {"rect.COMPLETED", FC_RECT_DONE},
        {"insp.cat.SCHOOL_CANTEEN", FC_SCHOOL},
        {M_EV_INSP, FC_EV_INSP},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (strcmp(m, codes[i].metric) == 0)
            return codes[i].code;
    if (strncmp(m, "events.", strlen("events.")) == 0)
        return FC_EVENTS;
    return FC_OTHER;
}

/* A flow row of one village and month (i: its index in the period): the
 * totals, the village's chart counts, the publicity series, and the months
 * it worked. */
static void on_flow(const struct q *q, struct figures *o, struct vacc *a, int i,
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

/* flow_rows' queries: rows (village or NULL, month, metric, value) of the
 * period, for the metrics ?4... */
#define FLOWS_FROM_ROLLUP                                                     \
    "SELECT village, month, metric, value FROM rollup"                         \
    " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN ("
#define FLOWS_FROM_TOTALS                                                     \
    "SELECT NULL, month, metric, value FROM flow_total"                        \
    " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN ("
/* every events.* of a village and month as one row: all the months worked need */
#define FLOWS_FROM_EVENTS                                                     \
    "SELECT village, month, 'events.any', events FROM village_events"         \
    " WHERE township = ?1 AND month BETWEEN ?2 AND ?3"

/* Flows of the period row by row (village, month): rollups hold at most
 * villages x months x metrics rows, so the per-village and per-month views
 * cost no more than the sums. */
static int flow_rows(const struct q *q, const char *head, const char *const *names, int n,
                     struct vmap *vm, struct figures *o)
{
    int rc = -1, step, i = -1;
    char prev_metric[METRIC_LEN] = "", prev_month[8] = "";
    enum flow_code code = FC_OTHER;
    sqlite3_stmt *st = NULL;
    if (prepare_in(q, head, n ? ")" : "", names, n, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0); /* NULL: the township's */
        const char *month = (const char *)sqlite3_column_text(st, 1);
        const char *m = (const char *)sqlite3_column_text(st, 2);
        if (!month || !m || strlen(month) != 7)
            continue;
        if (strcmp(m, prev_metric) != 0) {
            code = flow_code(m);
            snprintf(prev_metric, sizeof prev_metric, "%s", m);
        }
        if (strcmp(month, prev_month) != 0) {
            i = month_index(q, month);
            memcpy(prev_month, month, sizeof prev_month);
        }
        if (code == FC_OTHER)
            continue;
        struct vacc *a = v ? vmap_get(vm, v, 1) : NULL;
        if (v && !a) {
            log_error("figures: out of memory");
            goto out;
        }
        on_flow(q, o, a, i, month, code, sqlite3_column_int64(st, 3));
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    rc = 0;
out:
    q_done(q, st);
    return rc;
}

/* Registry stocks at the period's end, by category and by village. */
static int stock_rows(const struct q *q, struct vmap *vm, struct figures *o)
{
    int rc = -1, step, num = 0;
    char prev[METRIC_LEN] = "";
    const char *names[N_REG];
    int nums[N_REG], n = 0;
    sqlite3_stmt *st = NULL;
    for (int i = 1; i <= FIGURES_N && n < N_REG; i++)
        if (FIGURE_DEFS[i].source == FIG_FROM_REGISTRY && !FIGURE_DEFS[i].metrics[1]) {
            nums[n] = i;
            names[n++] = FIGURE_DEFS[i].metrics[0];
        }
    if (prepare_stocks(q, "metric", names, n, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        const char *m = (const char *)sqlite3_column_text(st, 1);
        int64_t value = sqlite3_column_int64(st, 2);
        if (!v || !m)
            continue;
        if (strcmp(m, prev) != 0) { /* rows come by metric: match it once */
            num = 0;
            for (int i = 0; i < n && !num; i++)
                if (strcmp(m, names[i]) == 0)
                    num = nums[i];
            snprintf(prev, sizeof prev, "%s", m);
        }
        struct vacc *a = vmap_get(vm, v, 1);
        if (!a) {
            log_error("figures: out of memory");
            goto out;
        }
        if (num)
            SAT_ADD(o->f[num].value, value);
        SAT_ADD(a->vf.registered, value);
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    rc = 0;
out:
    q_done(q, st);
    return rc;
}

/* "There is data behind it": any event row, a seek each. */
static int presence(const struct q *q, struct seen *s)
{
    static const char *const ev[] = {M_EV_REG, M_EV_STAFF, M_EV_INSP, M_EV_PUB};
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (prepare_bound(q,
                      "SELECT"
                      " EXISTS (SELECT 1 FROM rollup WHERE township = ?1 AND metric = ?4"
                      " AND month <= ?3),"
                      " EXISTS (SELECT 1 FROM rollup WHERE township = ?1 AND metric = ?5"
                      " AND month <= ?3),"
                      " EXISTS (SELECT 1 FROM rollup WHERE township = ?1 AND metric = ?6"
                      " AND month BETWEEN ?2 AND ?3),"
                      " EXISTS (SELECT 1 FROM rollup WHERE township = ?1 AND metric = ?7"
                      " AND month BETWEEN ?2 AND ?3)",
                      ev, 4, &st) < 0)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        step_error(q);
        goto out;
    }
    s->reg = sqlite3_column_int(st, 0);
    s->staff = sqlite3_column_int(st, 1);
    s->insp = sqlite3_column_int(st, 2);
    s->pub = sqlite3_column_int(st, 3);
    rc = 0;
out:
    q_done(q, st);
    return rc;
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

static int read_profile(const struct q *q, struct figures *o, struct vmap *vm)
{
    int rc = -1, step;
    sqlite3_stmt *st = NULL;
    if (prepare_bound(q, "SELECT key, value FROM profile WHERE township = ?1", NULL, 0, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(st, 0);
        const char *v = (const char *)sqlite3_column_text(st, 1);
        /* An empty entry is no data: the report must not read "以镇长同志为组长". */
        if (!k || !v || !*v)
            continue;
        if (strcmp(k, "name") == 0) {
            copy_text(o->name, sizeof o->name, v);
        } else if (strncmp(k, VILLAGE_KEY, strlen(VILLAGE_KEY)) == 0) {
            /* only villages the figures know: a name alone expects nothing */
            struct vacc *a = vmap_get(vm, k + strlen(VILLAGE_KEY), 0);
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
                    log_warn("township %s: profile %s is not a number: %.40s", q->township, k, v);
            }
        }
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    rc = 0;
out:
    q_done(q, st);
    return rc;
}

/* ------------------------------------------------------------ one township */

/* The figures of one township; the caller holds the snapshot. On failure
 * o holds no villages. */
/* What the database keeps beside the rollups (common/rollup.h), read once
 * per report rather than per township. */
struct kept {
    int levels, totals;
};

static int kept_of(sqlite3 *db, struct kept *k)
{
    k->levels = rollup_has_levels(db);
    k->totals = rollup_has_totals(db);
    return k->levels < 0 || k->totals < 0 ? -1 : 0;
}

static int compute(sqlite3 *db, struct stcache *cache, const struct kept *k,
                   const char *township, const struct period *p, const struct judge *j,
                   struct figures *o)
{
    int rc = -1;
    struct seen s = {0};
    struct q q = {.db = db, .township = township, .p = p, .levels = k->levels,
                  .totals = k->totals, .cache = cache};
    struct vmap vm = {0};
    const char *names[MAX_METRICS];
    int n = 0;
    int64_t staffed = 0;

    figures_init(o, p);
    copy_text(o->township, sizeof o->township, township);
    period_first_month(p, q.first);
    period_last_month(p, q.last);
    o->ontime_days = j->ontime_days;
    o->silent_months = j->silent_months;
    o->nmonths = p->last_month - p->first_month + 1;
    /* silence and the latest report are judged at the period's end, or now
     * while it runs */
    snprintf(q.ref, sizeof q.ref, "%s", strcmp(q.last, j->cur) < 0 ? q.last : j->cur);

    if (presence(&q, &s) < 0 || completeness_rows(&q, &vm, o) < 0)
        goto out;

    for (int i = 0; i < N_OF(VILLAGE_FLOWS); i++)
        names[n++] = VILLAGE_FLOWS[i];
    if (!q.totals) {
        for (int i = 0; i < N_OF(TOWNSHIP_FLOWS); i++)
            names[n++] = TOWNSHIP_FLOWS[i];
        for (int i = 0; i < N_OF(EVENT_FLOWS); i++)
            names[n++] = EVENT_FLOWS[i];
    }
    if (flow_rows(&q, FLOWS_FROM_ROLLUP, names, n, &vm, o) < 0 ||
        (q.totals && (flow_rows(&q, FLOWS_FROM_TOTALS, TOWNSHIP_FLOWS, N_OF(TOWNSHIP_FLOWS), &vm, o) < 0 ||
                      flow_rows(&q, FLOWS_FROM_EVENTS, NULL, 0, &vm, o) < 0)))
        goto out;

    /* Stocks: skipped when no registration or staffing was ever recorded. */
    if (s.reg && stock_rows(&q, &vm, o) < 0)
        goto out;
    if (s.staff && staffed_villages(&q, &staffed) < 0)
        goto out;

    if (read_profile(&q, o, &vm) < 0 || finish_villages(&q, j, &vm, o) < 0)
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
static int judge_of(const struct figures_options *opt, struct judge *j, char *err, size_t errlen)
{
    struct figures_options def;
    char today[11];
    if (!opt) {
        figures_options_default(&def);
        opt = &def;
    }
    if (opt->ontime_days < 0 || opt->silent_months < 0) {
        set_err(err, errlen, "on-time days and silent months must not be negative");
        return -1;
    }
    if (opt->today)
        snprintf(today, sizeof today, "%s", opt->today);
    else
        date_today(today);
    if (!date_parse(today, NULL, NULL, NULL)) {
        set_err(err, errlen, "today: \"%.10s\" is not a date YYYY-MM-DD", today);
        return -1;
    }
    j->ontime_days = opt->ontime_days;
    j->silent_months = opt->silent_months;
    snprintf(j->cur, sizeof j->cur, "%.7s", today);
    return 0;
}

static int township_known(sqlite3 *db, const char *township, int *known)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db,
                   "SELECT EXISTS (SELECT 1 FROM rollup WHERE township = ?1)"
                   " OR EXISTS (SELECT 1 FROM profile WHERE township = ?1)",
                   &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        log_error("figures: %s", sqlite3_errmsg(db));
        goto out;
    }
    *known = sqlite3_column_int(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static void free_codes(char **codes, int n)
{
    for (int i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
}

int figures_townships(sqlite3 *db, char ***codes, int *n)
{
    int rc = -1, cnt = 0, cap = 0, began = 0;
    char **v = NULL;
    sqlite3_stmt *st = NULL;
    /* A loose index scan: each step seeks the next code in the primary keys,
     * so listing costs one seek per township, not a pass over every row.
     * Codes are never empty, so "" starts before the first. */
    if (snapshot_begin(db, &began) < 0 ||
        db_prepare(db,
                   "SELECT MIN(t) FROM ("
                   "SELECT MIN(township) AS t FROM rollup WHERE township > ?1"
                   " UNION ALL SELECT MIN(township) FROM profile WHERE township > ?1)",
                   &st) < 0)
        goto out;
    const char *prev = "";
    for (;;) {
        sqlite3_bind_text(st, 1, prev, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_ROW) {
            log_error("figures: %s", sqlite3_errmsg(db));
            goto out;
        }
        const char *code = (const char *)sqlite3_column_text(st, 0);
        if (!code)
            break;
        if (cnt == cap) {
            int ncap = cap ? cap * 2 : 16;
            char **nv = realloc(v, (size_t)ncap * sizeof *nv);
            if (!nv)
                goto oom;
            v = nv;
            cap = ncap;
        }
        if (!(v[cnt] = strdup(code)))
            goto oom;
        prev = v[cnt++];
        sqlite3_reset(st);
    }
    *codes = v;
    *n = cnt;
    v = NULL;
    cnt = 0;
    rc = 0;
    goto out;
oom:
    log_error("figures: out of memory");
out:
    sqlite3_finalize(st);
    snapshot_end(db, began);
    free_codes(v, cnt);
    return rc;
}

int figures_township_opt(sqlite3 *db, const char *township, const struct period *p,
                         const struct figures_options *opt, struct figures *out, char *err,
                         size_t errlen)
{
    int rc = -1, began = 0, known = 0, n = 0;
    char **codes = NULL;
    struct judge j;
    figures_init(out, p);
    if (judge_of(opt, &j, err, errlen) < 0)
        goto out;
    if (snapshot_begin(db, &began) < 0) {
        set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (!township) {
        if (figures_townships(db, &codes, &n) < 0) {
            set_err(err, errlen, "cannot list townships: %s", sqlite3_errmsg(db));
            goto out;
        }
        if (n == 0) {
            set_err(err, errlen, "the database holds no township data");
            goto out;
        }
        if (n > 1) {
            set_err(err, errlen, "the database holds %d townships: name one", n);
            goto out;
        }
        township = codes[0];
    } else {
        if (township_known(db, township, &known) < 0) {
            set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
            goto out;
        }
        if (!known) {
            set_err(err, errlen, "township %.32s: no data in the database", township);
            goto out;
        }
    }
    if (strlen(township) >= sizeof out->township) {
        set_err(err, errlen, "township code too long: %.32s", township);
        goto out;
    }
    struct kept k;
    if (kept_of(db, &k) < 0 || compute(db, NULL, &k, township, p, &j, out) < 0) {
        set_err(err, errlen, "township %s: cannot compute figures: %s", township,
                sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    snapshot_end(db, began);
    free_codes(codes, n);
    return rc;
}

int figures_township(sqlite3 *db, const char *township, const struct period *p,
                     struct figures *out, char *err, size_t errlen)
{
    return figures_township_opt(db, township, p, NULL, out, err, errlen);
}

/* Adds one township's figures into a county total. */
static void county_add(struct figures *out, const struct figures *t)
{
    for (int k = 1; k <= FIGURES_N; k++) {
        /* Names and the office's staff belong to one township: no county sum. */
        if (out->f[k].type == FIG_TEXT || k == 20)
            continue;
        SAT_ADD(out->f[k].value, t->f[k].value);
        out->f[k].present |= t->f[k].present;
    }
    SAT_ADD(out->inspections_total, t->inspections_total);
    SAT_ADD(out->special_campaign, t->special_campaign);
    SAT_ADD(out->three_no_items, t->three_no_items);
    SAT_ADD(out->expired_items, t->expired_items);
    SAT_ADD(out->rectifications_ordered, t->rectifications_ordered);
    SAT_ADD(out->rectifications_completed, t->rectifications_completed);
    SAT_ADD(out->school_canteen_inspections, t->school_canteen_inspections);
    out->villages_reporting += t->villages_reporting;
    out->villages_silent += t->villages_silent;
    out->months_expected += t->months_expected;
    out->months_reported += t->months_reported;
    out->months_ontime += t->months_ontime;
    out->months_nil += t->months_nil;
    out->revision = t->revision > INT_MAX - out->revision ? INT_MAX : out->revision + t->revision;
    if (strcmp(t->revised_on, out->revised_on) > 0)
        memcpy(out->revised_on, t->revised_on, sizeof out->revised_on);
    for (int m = 0; m < t->nmonths && m < 12; m++) {
        SAT_ADD(out->study_by_month[m], t->study_by_month[m]);
        SAT_ADD(out->copies_by_month[m], t->copies_by_month[m]);
    }
}

void figures_county_sum(const struct period *p, const struct figures_options *opt,
                        const struct figures *towns, int n, struct figures *out)
{
    struct figures_options def;
    if (!opt) {
        figures_options_default(&def);
        opt = &def;
    }
    figures_init(out, p);
    out->ontime_days = opt->ontime_days;
    out->silent_months = opt->silent_months;
    out->nmonths = p->last_month - p->first_month + 1;
    for (int i = 0; i < n; i++)
        county_add(out, &towns[i]);
}

int figures_all_townships(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                          struct figures **towns, int *ntowns, char *err, size_t errlen)
{
    int rc = -1, began = 0, n = 0, done = 0;
    char **codes = NULL;
    struct judge j;
    struct stcache cache = {0};
    struct kept k;
    struct figures *t = NULL;
    *towns = NULL;
    *ntowns = 0;
    if (judge_of(opt, &j, err, errlen) < 0)
        goto out;
    if (snapshot_begin(db, &began) < 0 || figures_townships(db, &codes, &n) < 0 ||
        kept_of(db, &k) < 0) {
        set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (!(t = calloc(n ? (size_t)n : 1, sizeof *t))) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (strlen(codes[i]) >= sizeof t->township) {
            log_warn("figures: township code too long, skipped: %.32s", codes[i]);
            continue;
        }
        if (compute(db, &cache, &k, codes[i], p, &j, &t[done]) < 0) {
            set_err(err, errlen, "township %s: cannot compute figures: %s", codes[i],
                    sqlite3_errmsg(db));
            goto out;
        }
        done++;
    }
    *towns = t;
    *ntowns = done;
    t = NULL;
    rc = 0;
out:
    stcache_free(&cache);
    snapshot_end(db, began);
    free_codes(codes, n);
    for (int i = 0; t && i < done; i++)
        figures_free(&t[i]);
    free(t);
    return rc;
}

int figures_county_opt(sqlite3 *db, const struct period *p, const struct figures_options *opt,
                       struct figures *out, char *err, size_t errlen)
{
    struct figures *towns = NULL;
    int n = 0;
    figures_init(out, p);
    if (figures_all_townships(db, p, opt, &towns, &n, err, errlen) < 0)
        return -1;
    figures_county_sum(p, opt, towns, n, out);
    for (int i = 0; i < n; i++)
        figures_free(&towns[i]);
    free(towns);
    return 0;
}

int figures_county(sqlite3 *db, const struct period *p, struct figures *out, char *err,
                   size_t errlen)
{
    return figures_county_opt(db, p, NULL, out, err, errlen);
}