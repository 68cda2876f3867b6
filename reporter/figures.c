#include "figures.h"
#include "codec.h"
#include "db.h"
#include "log.h"
#include "shibao.pb-c.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fig_def {
    const char *key, *label;
    enum figure_type type;
};

/* Keys are a contract with json/csv consumers: never rename one. */
static const struct fig_def DEFS[FIGURES_N + 1] = {
    [1] = {"registered_total", "食品生产经营者（户）", FIG_COUNT},
    [2] = {"production_enterprises", "食品生产企业（家）", FIG_COUNT},
    [3] = {"small_workshops", "小作坊（户）", FIG_COUNT},
    [4] = {"catering_units", "餐饮服务单位（家）", FIG_COUNT},
    [5] = {"catering_large", "大型餐饮（家）", FIG_COUNT},
    [6] = {"catering_medium", "中型餐饮（家）", FIG_COUNT},
    [7] = {"catering_small", "小型餐饮（家）", FIG_COUNT},
    [8] = {"small_eateries", "小餐饮店（家）", FIG_COUNT},
    [9] = {"school_canteens", "学校食堂（个）", FIG_COUNT},
    [10] = {"distribution_units", "食品流通经营单位（户）", FIG_COUNT},
    [11] = {"wholesalers", "食品批发户（户）", FIG_COUNT},
    [12] = {"supermarkets", "商超（家）", FIG_COUNT},
    [13] = {"grocery_stores", "食杂店（户）", FIG_COUNT},
    [14] = {"small_shops", "小经营店（户）", FIG_COUNT},
    [15] = {"mobile_chefs", "流动厨师（人）", FIG_COUNT},
    [16] = {"township_head", "镇长（食品安全领导小组组长）", FIG_TEXT},
    [17] = {"enforcement_head", "综合行政执法队队长", FIG_TEXT},
    [18] = {"market_office", "市场监督管理所", FIG_TEXT},
    [19] = {"market_director", "市场监督管理所所长", FIG_TEXT},
    [20] = {"office_staff", "食品药品安全委员会办公室工作人员（名）", FIG_COUNT},
    [21] = {"villages_staffed", "配备协管员和信息员的行政村（个）", FIG_COUNT},
    [22] = {"study_sessions", "集中学习食品安全知识（次）", FIG_COUNT},
    [23] = {"materials_copies", "散发宣传资料（份）", FIG_COUNT},
    [24] = {"market_office_joined", "联合检查的市场监管所", FIG_TEXT},
    [25] = {"routine_inspections_distribution", "食品流通单位定期检查（次）", FIG_COUNT},
};

/* Registry figures read straight from a stock; 1, 4 and 10 are sums of them. */
static const struct {
    int num;
    const char *metric;
} REG[] = {
    {2, "stock.reg.PRODUCTION_ENTERPRISE"}, {3, "stock.reg.SMALL_WORKSHOP"},
    {5, "stock.reg.CATERING_LARGE"},        {6, "stock.reg.CATERING_MEDIUM"},
    {7, "stock.reg.CATERING_SMALL"},        {8, "stock.reg.SMALL_EATERY"},
    {9, "stock.reg.SCHOOL_CANTEEN"},        {11, "stock.reg.WHOLESALER"},
    {12, "stock.reg.SUPERMARKET"},          {13, "stock.reg.GROCERY_STORE"},
    {14, "stock.reg.SMALL_SHOP"},           {15, "stock.reg.MOBILE_CHEF"},
};
#define N_REG ((int)(sizeof REG / sizeof REG[0]))

#define M_EV_REG "events.registration"
#define M_EV_INSP "events.inspection"
#define M_EV_RECT "events.rectification"
#define M_EV_PUB "events.publicity"
#define M_EV_STAFF "events.staffing"
#define M_KIND_PREFIX "insp.kind."
#define M_COORD "stock.staff.COORDINATOR"
#define M_INFO "stock.staff.INFORMATION_OFFICER"

static const char *const FLOWS[] = {
    "pub.STUDY_SESSION", "pub.copies", "insp.routine_distribution",
    "insp.three_no_items", "insp.expired_items", "insp.outcome.RECTIFICATION_ORDERED",
    "rect.COMPLETED", "insp.cat.SCHOOL_CANTEEN",
};
#define N_FLOWS ((int)(sizeof FLOWS / sizeof FLOWS[0]))

static const char *const EVENTS[] = {M_EV_REG, M_EV_INSP, M_EV_RECT, M_EV_PUB, M_EV_STAFF};
#define N_EVENTS ((int)(sizeof EVENTS / sizeof EVENTS[0]))

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

void figures_init(struct figures *out, const struct period *p)
{
    memset(out, 0, sizeof *out);
    if (p)
        out->period = *p;
    for (int i = 1; i <= FIGURES_N; i++) {
        out->f[i].num = i;
        out->f[i].key = DEFS[i].key;
        out->f[i].label = DEFS[i].label;
        out->f[i].type = DEFS[i].type;
    }
}

/* A read transaction, so that every query of one report sees the same
 * snapshot while the aggregator keeps committing; skipped when the caller
 * already holds one (figures_county around figures of each township). */
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

/* The query context: parameters ?1 township, ?2 first month, ?3 last month,
 * metric names from ?4 on, so every statement binds the same way. */
struct q {
    sqlite3 *db;
    const char *township;
    char first[8], last[8];
};

/* Prepares sql and binds the context and the metric names (never pasted into
 * the text: naming each metric lets SQLite seek the (township, metric, month)
 * index once per metric rather than scan a LIKE range). */
static int prepare_bound(const struct q *q, const char *sql, const char *const *metrics, int n,
                         sqlite3_stmt **out)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    const char *ctx[3] = {q->township, q->first, q->last};
    if (db_prepare(q->db, sql, &st) < 0)
        goto out;
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
    sqlite3_finalize(st);
    return rc;
}

/* head + "?4,?5,...,?(3+n)" + tail, then prepare_bound. */
static int prepare_in(const struct q *q, const char *head, const char *tail,
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

static int step_error(const struct q *q)
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

static size_t vhash(const char *s)
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
    static const char *const roles[] = {M_COORD, M_INFO};
    int rc = -1, step;
    sqlite3_stmt *st = NULL;
    struct vset vs = {0};
    if (prepare_bound(q,
                      "SELECT village, metric = ?4, value FROM rollup"
                      " WHERE township = ?1 AND month <= ?3 AND metric IN (?4, ?5)",
                      roles, 2, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        struct vrow *r = v ? vset_get(&vs, v) : NULL;
        if (!r)
            goto oom;
        *(sqlite3_column_int(st, 1) ? &r->a : &r->b) += sqlite3_column_int64(st, 2);
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
    sqlite3_finalize(st);
    vset_free(&vs);
    return rc;
}

/* Villages with any event in the period. */
static int reporting_villages(const struct q *q, int *count)
{
    int rc = -1, step;
    sqlite3_stmt *st = NULL;
    struct vset vs = {0};
    if (prepare_in(q,
                   "SELECT village FROM rollup"
                   " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN (",
                   ")", EVENTS, N_EVENTS, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        if (!v || !vset_get(&vs, v)) {
            log_error("figures: out of memory");
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    *count = (int)vs.n;
    rc = 0;
out:
    sqlite3_finalize(st);
    vset_free(&vs);
    return rc;
}

/* ------------------------------------------------------------ sums */

typedef void (*row_fn)(struct figures *o, const char *metric, int64_t v);

/* Runs a "SELECT metric, SUM(value) ... GROUP BY metric" and hands each row to fn. */
static int grouped(const struct q *q, const char *head, const char *tail,
                   const char *const *metrics, int n, row_fn fn, struct figures *o)
{
    int rc = -1, step;
    sqlite3_stmt *st = NULL;
    if (prepare_in(q, head, tail, metrics, n, &st) < 0)
        goto out;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *m = (const char *)sqlite3_column_text(st, 0);
        if (m)
            fn(o, m, sqlite3_column_int64(st, 1));
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

static void on_flow(struct figures *o, const char *m, int64_t v)
{
    const size_t kp = strlen(M_KIND_PREFIX);
    if (strncmp(m, M_KIND_PREFIX, kp) == 0) {
        o->inspections_total += v;
        if (strcmp(m + kp, "SPECIAL_CAMPAIGN") == 0)
            o->special_campaign = v;
    } else if (strcmp(m, "pub.STUDY_SESSION") == 0) {
        o->f[22].value = v;
    } else if (strcmp(m, "pub.copies") == 0) {
        o->f[23].value = v;
    } else if (strcmp(m, "insp.routine_distribution") == 0) {
        o->f[25].value = v;
    } else if (strcmp(m, "insp.three_no_items") == 0) {
        o->three_no_items = v;
    } else if (strcmp(m, "insp.expired_items") == 0) {
        o->expired_items = v;
    } else if (strcmp(m, "insp.outcome.RECTIFICATION_ORDERED") == 0) {
        o->rectifications_ordered = v;
    } else if (strcmp(m, "rect.COMPLETED") == 0) {
        o->rectifications_completed = v;
    } else if (strcmp(m, "insp.cat.SCHOOL_CANTEEN") == 0) {
        o->school_canteen_inspections = v;
    }
}

static void on_stock(struct figures *o, const char *m, int64_t v)
{
    for (int i = 0; i < N_REG; i++)
        if (strcmp(m, REG[i].metric) == 0) {
            o->f[REG[i].num].value = v;
            return;
        }
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
    sqlite3_finalize(st);
    return rc;
}

/* "insp.kind.<KIND>" for every kind the schema knows, named as the aggregator
 * names them, so that a kind added to the proto is counted in
 * inspections_total without touching this file. */
static int kind_metrics(char names[][METRIC_LEN], int max, int *n)
{
    const ProtobufCEnumDescriptor *d = &shibao__v1__inspection_kind__descriptor;
    *n = 0;
    for (unsigned i = 0; i < d->n_values; i++) {
        const char *suffix = codec_enum_suffix(d, d->values[i].value);
        if (!suffix)
            continue;
        if (*n >= max) {
            log_error("figures: too many inspection kinds");
            return -1;
        }
        int len = snprintf(names[*n], METRIC_LEN, "%s%s", M_KIND_PREFIX, suffix);
        if (len < 0 || len >= METRIC_LEN) {
            log_error("figures: inspection kind name too long: %s", suffix);
            return -1;
        }
        (*n)++;
    }
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

static int read_profile(const struct q *q, struct figures *o)
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
        } else if (strcmp(k, "head") == 0) {
            set_text(&o->f[16], v);
        } else if (strcmp(k, "enforcement_head") == 0) {
            set_text(&o->f[17], v);
        } else if (strcmp(k, "market_office") == 0) {
            set_text(&o->f[18], v);
            set_text(&o->f[24], v);
        } else if (strcmp(k, "market_director") == 0) {
            set_text(&o->f[19], v);
        } else if (strcmp(k, "office_staff") == 0) {
            if (parse_count(v, &o->f[20].value) == 0)
                o->f[20].present = 1;
            else
                log_warn("township %s: profile office_staff is not a number: %.40s",
                         q->township, v);
        }
    }
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* ------------------------------------------------------------ one township */

/* The figures of one township; the caller holds the snapshot. */
static int compute(sqlite3 *db, const char *township, const struct period *p,
                   struct figures *o)
{
    int rc = -1;
    struct seen s = {0};
    struct q q = {.db = db, .township = township};
    char kinds[MAX_METRICS][METRIC_LEN];
    const char *names[MAX_METRICS];
    int nk = 0, n = 0;
    int64_t staffed = 0;

    figures_init(o, p);
    copy_text(o->township, sizeof o->township, township);
    period_first_month(p, q.first);
    period_last_month(p, q.last);

    if (presence(&q, &s) < 0)
        goto out;

    if (kind_metrics(kinds, MAX_METRICS - N_FLOWS, &nk) < 0)
        goto out;
    for (int i = 0; i < N_FLOWS; i++)
        names[n++] = FLOWS[i];
    for (int i = 0; i < nk; i++)
        names[n++] = kinds[i];
    if (grouped(&q,
                "SELECT metric, SUM(value) FROM rollup"
                " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN (",
                ") GROUP BY metric", names, n, on_flow, o) < 0)
        goto out;

    /* Stocks sum every month up to the last: the costly part, skipped when
     * no registration or staffing was ever recorded. */
    n = 0;
    for (int i = 0; i < N_REG; i++)
        names[n++] = REG[i].metric;
    if (s.reg && grouped(&q,
                         "SELECT metric, SUM(value) FROM rollup"
                         " WHERE township = ?1 AND month <= ?3 AND metric IN (",
                         ") GROUP BY metric", names, n, on_stock, o) < 0)
        goto out;
    if (s.staff && staffed_villages(&q, &staffed) < 0)
        goto out;

    if (reporting_villages(&q, &o->villages_reporting) < 0 || read_profile(&q, o) < 0)
        goto out;

    struct figure *f = o->f;
    f[4].value = f[5].value + f[6].value + f[7].value + f[8].value;
    f[10].value = f[11].value + f[12].value + f[13].value + f[14].value;
    f[1].value = f[2].value + f[3].value + f[4].value + f[9].value + f[10].value + f[15].value;
    for (int i = 1; i <= 15; i++)
        f[i].present = s.reg;
    f[21].value = staffed;
    f[21].present = s.staff;
    f[22].present = f[23].present = s.pub;
    f[25].present = s.insp;
    rc = 0;
out:
    return rc;
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

int figures_township(sqlite3 *db, const char *township, const struct period *p,
                     struct figures *out, char *err, size_t errlen)
{
    int rc = -1, began = 0, known = 0, n = 0;
    char **codes = NULL;
    figures_init(out, p);
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
    if (compute(db, township, p, out) < 0) {
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

int figures_county(sqlite3 *db, const struct period *p, struct figures *out, char *err,
                   size_t errlen)
{
    int rc = -1, began = 0, n = 0;
    char **codes = NULL;
    struct figures *t = malloc(sizeof *t);
    figures_init(out, p);
    if (!t) {
        set_err(err, errlen, "out of memory");
        goto out;
    }
    if (snapshot_begin(db, &began) < 0 || figures_townships(db, &codes, &n) < 0) {
        set_err(err, errlen, "cannot read the database: %s", sqlite3_errmsg(db));
        goto out;
    }
    for (int i = 0; i < n; i++) {
        if (strlen(codes[i]) >= sizeof t->township) {
            log_warn("figures: township code too long, skipped: %.32s", codes[i]);
            continue;
        }
        if (compute(db, codes[i], p, t) < 0) {
            set_err(err, errlen, "township %s: cannot compute figures: %s", codes[i],
                    sqlite3_errmsg(db));
            goto out;
        }
        for (int k = 1; k <= FIGURES_N; k++) {
            /* Names and the office's staff belong to one township: no county sum. */
            if (DEFS[k].type == FIG_TEXT || k == 20)
                continue;
            out->f[k].value += t->f[k].value;
            out->f[k].present |= t->f[k].present;
        }
        out->inspections_total += t->inspections_total;
        out->special_campaign += t->special_campaign;
        out->three_no_items += t->three_no_items;
        out->expired_items += t->expired_items;
        out->rectifications_ordered += t->rectifications_ordered;
        out->rectifications_completed += t->rectifications_completed;
        out->school_canteen_inspections += t->school_canteen_inspections;
        out->villages_reporting += t->villages_reporting;
    }
    rc = 0;
out:
    snapshot_end(db, began);
    free_codes(codes, n);
    free(t);
    return rc;
}
