#include "rollup_read.h"
#include "metric.h"
#include "db.h"
#include "log.h"
#include "rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A read transaction, so that every query of one report sees the same
 * snapshot while writers keep committing; skipped when the caller
 * already holds one (a county report around its townships). */
int rollup_snapshot_begin(sqlite3 *db, int *began)
{
    *began = 0;
    if (!sqlite3_get_autocommit(db))
        return 0;
    if (db_exec(db, "BEGIN") < 0)
        return -1;
    *began = 1;
    return 0;
}

void rollup_snapshot_end(sqlite3 *db, int began)
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

/* The query context: parameters ?1 township, ?2 first month, ?3 last month,
 * metric names from ?4 on, so every statement binds the same way. */
struct q {
    sqlite3 *db;
    const char *township;
    const char *first, *last;
    int levels;   /* the database keeps stock levels (common/rollup.h) */
    struct stcache *cache; /* NULL: each statement prepared and finalized */
};

struct rollup_read {
    sqlite3 *db;
    int levels, totals, changes;
    struct stcache cache;
};

/* The end of a query's use: a cached statement is only reset (which ends
 * its read), any other finalized. */
static void q_done(const struct q *q, sqlite3_stmt *st)
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
        log_error("rollup_read: query too long (%d metrics)", n);
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
        log_error("rollup_read: query too long (%d metrics)", n);
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
            log_error("rollup_read: no value for ?%d in: %.60s", i, sql);
            goto out;
        }
        if (sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC) != SQLITE_OK) {
            log_error("rollup_read: bind: %s", sqlite3_errmsg(q->db));
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
        log_error("rollup_read: query too long (%d metrics)", n);
        return -1;
    }
    return prepare_bound(q, sql, metrics, n, out);
}


static int step_error(const struct q *q)
{
    log_error("rollup_read: township %s: %s", q->township, sqlite3_errmsg(q->db));
    return -1;
}

static struct q q_of(rollup_read_t *r, const char *township, const char *first, const char *last)
{
    return (struct q){.db = r->db, .township = township, .first = first ? first : "",
                      .last = last, .levels = r->levels, .cache = &r->cache};
}

int rollup_read_new(sqlite3 *db, rollup_read_t **out)
{
    rollup_read_t *r = calloc(1, sizeof *r);
    if (!r) {
        log_error("rollup_read: out of memory");
        return -1;
    }
    r->db = db;
    r->levels = rollup_has_levels(db);
    r->totals = rollup_has_totals(db);
    r->changes = rollup_has_changes(db);
    if (r->levels < 0 || r->totals < 0 || r->changes < 0) {
        free(r);
        return -1;
    }
    *out = r;
    return 0;
}

void rollup_read_destroy(rollup_read_t **r)
{
    if (!r || !*r)
        return;
    stcache_free(&(*r)->cache);
    free(*r);
    *r = NULL;
}

int rollup_read_totals(const rollup_read_t *r)
{
    return r->totals;
}

/* Steps st to the end, handing each row (village, month, metric, value) to
 * fn; st is done with either way. */
static int each_row(const struct q *q, sqlite3_stmt *st, rollup_row_fn fn, void *arg)
{
    int rc = -1, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2),
               sqlite3_column_int64(st, 3)) < 0)
            goto out;
    if (step != SQLITE_DONE) {
        step_error(q);
        goto out;
    }
    rc = 0;
out:
    q_done(q, st);
    return rc;
}

/* The flow queries: rows (village or NULL, month, metric, value) of the
 * period, for the metrics ?4... */
#define FLOWS_FROM_ROLLUP                                                     \
    "SELECT village, month, metric, value FROM rollup"                         \
    " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN ("
#define FLOWS_FROM_TOTALS                                                     \
    "SELECT NULL, month, metric, value FROM flow_total"                        \
    " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN ("
/* every events.* of a village and month as one row: all the months worked need */
#define FLOWS_FROM_EVENTS                                                     \
    "SELECT village, month, '" METRIC_EVENTS_ANY "', events FROM village_events" \
    " WHERE township = ?1 AND month BETWEEN ?2 AND ?3"

int rollup_flows(rollup_read_t *r, const char *township, const char *first, const char *last,
                 const char *const *metrics, int n, rollup_row_fn fn, void *arg)
{
    struct q q = q_of(r, township, first, last);
    sqlite3_stmt *st;
    if (prepare_in(&q, FLOWS_FROM_ROLLUP, ")", metrics, n, &st) < 0)
        return -1;
    return each_row(&q, st, fn, arg);
}

int rollup_flow_totals(rollup_read_t *r, const char *township, const char *first,
                       const char *last, const char *const *metrics, int n, rollup_row_fn fn,
                       void *arg)
{
    struct q q = q_of(r, township, first, last);
    sqlite3_stmt *st;
    if (prepare_in(&q, FLOWS_FROM_TOTALS, ")", metrics, n, &st) < 0)
        return -1;
    return each_row(&q, st, fn, arg);
}

int rollup_village_events(rollup_read_t *r, const char *township, const char *first,
                          const char *last, rollup_row_fn fn, void *arg)
{
    struct q q = q_of(r, township, first, last);
    sqlite3_stmt *st;
    if (prepare_in(&q, FLOWS_FROM_EVENTS, "", NULL, 0, &st) < 0)
        return -1;
    return each_row(&q, st, fn, arg);
}

int rollup_through(rollup_read_t *r, const char *township, const char *last,
                   const char *const *metrics, int n, rollup_row_fn fn, void *arg)
{
    struct q q = q_of(r, township, NULL, last);
    sqlite3_stmt *st;
    if (prepare_in(&q,
                   "SELECT village, month, metric, value FROM rollup"
                   " WHERE township = ?1 AND month <= ?3 AND metric IN (",
                   ")", metrics, n, &st) < 0)
        return -1;
    return each_row(&q, st, fn, arg);
}

int rollup_stocks_at(rollup_read_t *r, const char *township, const char *month,
                     const char *const *metrics, int n, rollup_row_fn fn, void *arg)
{
    struct q q = q_of(r, township, NULL, month);
    sqlite3_stmt *st;
    if (prepare_stocks(&q, "NULL, metric", metrics, n, &st) < 0)
        return -1;
    return each_row(&q, st, fn, arg);
}

int rollup_any(rollup_read_t *r, const char *township, const char *first, const char *last,
               const char *metric, int *any)
{
    struct q q = q_of(r, township, first, last);
    sqlite3_stmt *st;
    const char *m[1] = {metric};
    int rc = -1;
    if (prepare_bound(&q,
                      first ? "SELECT EXISTS (SELECT 1 FROM rollup WHERE township = ?1"
                              " AND metric = ?4 AND month BETWEEN ?2 AND ?3)"
                            : "SELECT EXISTS (SELECT 1 FROM rollup WHERE township = ?1"
                              " AND metric = ?4 AND month <= ?3)",
                      m, 1, &st) < 0)
        return -1;
    if (sqlite3_step(st) != SQLITE_ROW) {
        step_error(&q);
        goto out;
    }
    *any = sqlite3_column_int(st, 0);
    rc = 0;
out:
    q_done(&q, st);
    return rc;
}

int rollup_village_sums(rollup_read_t *r, const char *township, const char *first,
                        const char *last, const char *const *metrics, int n, rollup_row_fn fn,
                        void *arg)
{
    struct q q = q_of(r, township, first, last);
    sqlite3_stmt *st;
    if (prepare_in(&q,
                   first ? "SELECT village, NULL, metric, SUM(value) FROM rollup"
                           " WHERE township = ?1 AND month BETWEEN ?2 AND ?3 AND metric IN ("
                         : "SELECT village, NULL, metric, SUM(value) FROM rollup"
                           " WHERE township = ?1 AND month <= ?3 AND metric IN (",
                   ") GROUP BY village, metric ORDER BY village, metric", metrics, n, &st) < 0)
        return -1;
    return each_row(&q, st, fn, arg);
}

int rollup_profile(rollup_read_t *r, const char *township,
                   int (*fn)(void *arg, const char *key, const char *value), void *arg)
{
    int rc = -1, step;
    struct q q = q_of(r, township, NULL, "");
    sqlite3_stmt *st;
    if (prepare_bound(&q, "SELECT key, value FROM profile WHERE township = ?1", NULL, 0, &st) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(arg, (const char *)sqlite3_column_text(st, 0),
               (const char *)sqlite3_column_text(st, 1)) < 0)
            goto out;
    if (step != SQLITE_DONE) {
        step_error(&q);
        goto out;
    }
    rc = 0;
out:
    q_done(&q, st);
    return rc;
}

/* sql's statement, prepared on first use and kept: NULL on error (logged). */
static sqlite3_stmt *cached(rollup_read_t *r, const char *sql)
{
    sqlite3_stmt *st = stcache_get(&r->cache, sql);
    if (st)
        return st;
    if (db_prepare(r->db, sql, &st) < 0)
        return NULL;
    if (!stcache_put(&r->cache, sql, st)) {
        sqlite3_finalize(st);
        log_error("rollup_read: out of memory");
        return NULL;
    }
    return st;
}

int rollup_min_level(rollup_read_t *r, const char *township, const char *metric,
                     const char *village, const char *from, int *found, int64_t *level)
{
    static const char sql[] =
        "SELECT min(level) FROM stock_level WHERE township = ?1 AND metric = ?2 AND village = ?3"
        " AND month IN (SELECT month FROM months WHERE month >= ?4 AND month <="
        "  (SELECT last_month FROM stock_keys WHERE township = ?1 AND metric = ?2 AND village = ?3))";
    sqlite3_stmt *st = cached(r, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, from, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    *found = s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    *level = *found ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW) {
        log_error("rollup_read: stock levels: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    return 0;
}

int rollup_township_change(rollup_read_t *r, const char *township, int64_t *n)
{
    static const char sql[] = "SELECT n FROM township_change WHERE township = ?1";
    *n = -1;
    if (!r->changes)
        return 0;
    sqlite3_stmt *st = cached(r, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    *n = s == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE) {
        log_error("rollup_read: township changes: %s", sqlite3_errmsg(r->db));
        return -1;
    }
    return 0;
}

int rollup_latest_month(sqlite3 *db, char month[8])
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    month[0] = '\0';
    int has = rollup_has_changes(db);
    if (has <= 0)
        return has;
    if (db_prepare(db, "SELECT max(last_month) FROM township_change", &st) < 0)
        goto out;
    if (sqlite3_step(st) != SQLITE_ROW) {
        log_error("rollup_read: %s", sqlite3_errmsg(db));
        goto out;
    }
    if (sqlite3_column_type(st, 0) == SQLITE_TEXT)
        snprintf(month, 8, "%.7s", (const char *)sqlite3_column_text(st, 0));
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int rollup_township_known(sqlite3 *db, const char *township, int *known)
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
        log_error("rollup_read: %s", sqlite3_errmsg(db));
        goto out;
    }
    *known = sqlite3_column_int(st, 0);
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

void rollup_townships_free(char **codes, int n)
{
    for (int i = 0; i < n; i++)
        free(codes[i]);
    free(codes);
}

int rollup_townships(sqlite3 *db, char ***codes, int *n)
{
    int rc = -1, cnt = 0, cap = 0, began = 0;
    char **v = NULL;
    sqlite3_stmt *st = NULL;
    /* A loose index scan: each step seeks the next code in the primary keys,
     * so listing costs one seek per township, not a pass over every row.
     * Codes are never empty, so "" starts before the first. */
    if (rollup_snapshot_begin(db, &began) < 0 ||
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
            log_error("rollup_read: %s", sqlite3_errmsg(db));
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
    log_error("rollup_read: out of memory");
out:
    sqlite3_finalize(st);
    rollup_snapshot_end(db, began);
    rollup_townships_free(v, cnt);
    return rc;
}

long long rollup_count_townships(sqlite3 *db)
{
    return db_int(db, "SELECT count(DISTINCT township) FROM rollup");
}

long long rollup_count_rows(sqlite3 *db)
{
    return db_int(db, "SELECT count(*) FROM rollup");
}
