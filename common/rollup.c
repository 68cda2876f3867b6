#include "rollup.h"
#include "db.h"
#include "log.h"
#include "metric.h"

#include <stdlib.h>
#include <string.h>

struct rollup {
    sqlite3 *db;
    sqlite3_stmt *add, *get, *put, *prof_get, *prof_set;
};

/* Clustered by (township, metric, month): every figure is a sum over a
 * contiguous range of one metric's months, read straight from the table's
 * b-tree with its values, no secondary index to maintain or look through. */
static const char *const SCHEMA =
    "CREATE TABLE IF NOT EXISTS rollup ("
    " township TEXT NOT NULL, village TEXT NOT NULL, month TEXT NOT NULL,"
    " metric TEXT NOT NULL, value INTEGER NOT NULL, version INTEGER NOT NULL,"
    " PRIMARY KEY (township, metric, month, village)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS profile ("
    " township TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " version INTEGER NOT NULL, PRIMARY KEY (township, key)) WITHOUT ROWID;";

/* Stock levels. A stock's value at a period's end is the sum of its deltas
 * over every month before: read from rollup, a report's cost would grow
 * with the months of history (at 10^7 events the county report summed
 * 217,000 rows); read as one seek per (metric, village) into a table of
 * running sums, it grew with the keys (9,750 seeks, 28 ms). So the levels
 * are kept dense and by month, and a stock at the end of any month is one
 * contiguous range per metric:
 *
 *   stock_keys(township, metric, village, first_month, last_month, level):
 *     the months of the key's rollup rows span [first_month, last_month];
 *     level is its latest level (the sum of all its deltas);
 *   stock_level(township, month, metric, village, level): a row for every
 *     month of that span, level = the sum of the key's deltas up to and
 *     including the month.
 *
 * At month M a key's level is its stock_level row (first <= M <= last), its
 * stock_keys level (last < M), or 0 (first > M). months lists 2000-01 ...
 * 2999-12 (the months a rollup may hold: validation and county.c refuse the
 * rest) for the triggers to fill a span with: a trigger may not use WITH.
 *
 * Triggers keep them, so every writer of rollup (ingest's deltas, the
 * county's absolute values, a hand-made bench database) keeps them right,
 * in its own transaction. A delta moves the levels of its month and every
 * later month of the span: at the end of the span (the usual case) one row.
 * The invariant above is what `shibao-reporter verify` checks. */
#define KEY_IS(t) "township = " t ".township AND metric = " t ".metric AND village = " t ".village"
/* The key's rows from month m to the end of its span, found by the primary
 * key month by month rather than scanned through the township's rows. */
#define SPAN_FROM(t, m)                                                            \
    "township = " t ".township AND metric = " t ".metric AND village = " t ".village" \
    " AND month IN (SELECT month FROM months WHERE month >= " m " AND month <="    \
    " (SELECT last_month FROM stock_keys WHERE " KEY_IS(t) "))"

static const char *const LEVELS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS months (month TEXT PRIMARY KEY) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stock_keys ("
    " township TEXT NOT NULL, metric TEXT NOT NULL, village TEXT NOT NULL,"
    " first_month TEXT NOT NULL, last_month TEXT NOT NULL, level INTEGER NOT NULL,"
    " PRIMARY KEY (township, metric, village)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS stock_level ("
    " township TEXT NOT NULL, month TEXT NOT NULL, metric TEXT NOT NULL, village TEXT NOT NULL,"
    " level INTEGER NOT NULL, PRIMARY KEY (township, month, metric, village)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS stock_level_insert AFTER INSERT ON rollup"
    " WHEN new.metric GLOB '" METRIC_STOCK_PREFIX "*' BEGIN"
    "  INSERT OR IGNORE INTO stock_keys VALUES (new.township, new.metric, new.village,"
    "   new.month, new.month, 0);"
    /* widen the span: after its end at the latest level, before its start at 0 */
    "  INSERT INTO stock_level SELECT k.township, m.month, k.metric, k.village, k.level"
    "   FROM stock_keys k JOIN months m ON m.month > k.last_month AND m.month <= new.month"
    "   WHERE k." KEY_IS("new") ";"
    "  INSERT INTO stock_level SELECT k.township, m.month, k.metric, k.village, 0"
    "   FROM stock_keys k JOIN months m ON m.month >= new.month AND m.month < k.first_month"
    "   WHERE k." KEY_IS("new") ";"
    "  INSERT OR IGNORE INTO stock_level VALUES (new.township, new.month, new.metric,"
    "   new.village, 0);" /* a new key */
    "  UPDATE stock_keys SET first_month = min(first_month, new.month),"
    "   last_month = max(last_month, new.month), level = level + new.value"
    "   WHERE " KEY_IS("new") ";"
    "  UPDATE stock_level SET level = level + new.value WHERE " SPAN_FROM("new", "new.month") ";"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS stock_level_update AFTER UPDATE OF value ON rollup"
    " WHEN new.metric GLOB '" METRIC_STOCK_PREFIX "*' AND new.value != old.value BEGIN"
    "  UPDATE stock_keys SET level = level + (new.value - old.value) WHERE " KEY_IS("new") ";"
    "  UPDATE stock_level SET level = level + (new.value - old.value)"
    "   WHERE " SPAN_FROM("new", "new.month") ";"
    " END;"
    /* The span is not narrowed: its rows keep the right levels. */
    "CREATE TRIGGER IF NOT EXISTS stock_level_delete AFTER DELETE ON rollup"
    " WHEN old.metric GLOB '" METRIC_STOCK_PREFIX "*' BEGIN"
    "  UPDATE stock_keys SET level = level - old.value WHERE " KEY_IS("old") ";"
    "  UPDATE stock_level SET level = level - old.value WHERE " SPAN_FROM("old", "old.month") ";"
    " END;";

/* The levels as the rollups say they are: the keys, then a row per month
 * of each key's span (a database made before the levels, or with the older
 * sparse ones, gets them once from these). */
#define KEYS_FROM_ROLLUP                                                       \
    "SELECT township, metric, village, min(month), max(month), sum(value)"     \
    " FROM rollup WHERE metric GLOB '" METRIC_STOCK_PREFIX "*' GROUP BY township, metric, village"
#define LEVELS_FROM_ROLLUP                                                                 \
    "SELECT k.township, m.month, k.metric, k.village, sum(coalesce(r.value, 0))"          \
    " OVER (PARTITION BY k.township, k.metric, k.village ORDER BY m.month)"                \
    " FROM stock_keys k JOIN months m ON m.month BETWEEN k.first_month AND k.last_month" \
    " LEFT JOIN rollup r ON r.township = k.township AND r.metric = k.metric"              \
    " AND r.village = k.village AND r.month = m.month"

static const char *const LEVELS_BACKFILL =
    "INSERT OR IGNORE INTO months WITH RECURSIVE m(y, n) AS (SELECT 2000, 1"
    " UNION ALL SELECT y + (n = 12), n % 12 + 1 FROM m WHERE y < 2999 OR n < 12)"
    " SELECT printf('%04d-%02d', y, n) FROM m;"
    "INSERT INTO stock_keys " KEYS_FROM_ROLLUP ";"
    "INSERT INTO stock_level " LEVELS_FROM_ROLLUP ";";

/* The levels, gone: before they were dense (then rebuilt from the
 * rollups), or from a database that is not to keep them. */
static const char *const LEVELS_DROP =
    "DROP TRIGGER IF EXISTS stock_level_insert; DROP TRIGGER IF EXISTS stock_level_update;"
    "DROP TRIGGER IF EXISTS stock_level_delete;"
    "DROP TABLE IF EXISTS stock_level; DROP TABLE IF EXISTS stock_keys;";

/* The stocks (township, metric, village) that break the invariant, each
 * once: a level that is not the sum of its deltas (either way round), a
 * stock rollup row outside its key's span or without a key, a key whose
 * level is not that of the end of its span. */
static const char *const LEVELS_CHECK =
    "SELECT count(*) FROM ("
    " SELECT township, metric, village FROM (" LEVELS_FROM_ROLLUP
    "  EXCEPT SELECT township, month, metric, village, level FROM stock_level)"
    " UNION SELECT township, metric, village FROM ("
    "  SELECT township, month, metric, village, level FROM stock_level"
    "  EXCEPT " LEVELS_FROM_ROLLUP ")"
    " UNION SELECT r.township, r.metric, r.village FROM rollup r"
    "  LEFT JOIN stock_keys k USING (township, metric, village)"
    "  WHERE r.metric GLOB '" METRIC_STOCK_PREFIX "*' AND (k.first_month IS NULL"
    "  OR r.month NOT BETWEEN k.first_month AND k.last_month)"
    " UNION SELECT k.township, k.metric, k.village FROM stock_keys k"
    "  LEFT JOIN stock_level l ON l.township = k.township AND l.month = k.last_month"
    "  AND l.metric = k.metric AND l.village = k.village WHERE l.level IS NOT k.level)";

/* Flow totals. Most of a county report's rows were flows read per village
 * and month only to be summed: for 30 townships at 10^7 events, 72,000 rows,
 * the part of its time that grew with the data. Two sums kept by triggers
 * beside the rollups make them a few rows each:
 *
 *   flow_total(township, metric, month, value): the sum over the villages
 *     of every flow metric (not stock.*);
 *   village_events(township, village, month, events): the sum of the
 *     events.* metrics, i.e. the village's events that month.
 *
 * Invariant: each equals the sum of the rollup rows it covers (a row whose
 * rollup rows were all deleted stays, at 0). */
#define TOTAL_KEY(t) "township = " t ".township AND metric = " t ".metric AND month = " t ".month"
#define EVENTS_KEY(t) "township = " t ".township AND village = " t ".village AND month = " t ".month"
static const char *const TOTALS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS flow_total ("
    " township TEXT NOT NULL, metric TEXT NOT NULL, month TEXT NOT NULL,"
    " value INTEGER NOT NULL, PRIMARY KEY (township, metric, month)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS village_events ("
    " township TEXT NOT NULL, village TEXT NOT NULL, month TEXT NOT NULL,"
    " events INTEGER NOT NULL, PRIMARY KEY (township, village, month)) WITHOUT ROWID;"
    "CREATE TRIGGER IF NOT EXISTS flow_total_insert AFTER INSERT ON rollup"
    " WHEN new.metric NOT GLOB '" METRIC_STOCK_PREFIX "*' BEGIN"
    "  INSERT INTO flow_total VALUES (new.township, new.metric, new.month, new.value)"
    "   ON CONFLICT DO UPDATE SET value = value + excluded.value;"
    "  INSERT INTO village_events SELECT new.township, new.village, new.month, new.value"
    "   WHERE new.metric GLOB '" METRIC_EVENTS_PREFIX "*' ON CONFLICT DO UPDATE SET events = events + excluded.events;"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS flow_total_update AFTER UPDATE OF value ON rollup"
    " WHEN new.metric NOT GLOB '" METRIC_STOCK_PREFIX "*' AND new.value != old.value BEGIN"
    "  UPDATE flow_total SET value = value + (new.value - old.value) WHERE " TOTAL_KEY("new") ";"
    "  UPDATE village_events SET events = events + (new.value - old.value)"
    "   WHERE " EVENTS_KEY("new") " AND new.metric GLOB '" METRIC_EVENTS_PREFIX "*';"
    " END;"
    "CREATE TRIGGER IF NOT EXISTS flow_total_delete AFTER DELETE ON rollup"
    " WHEN old.metric NOT GLOB '" METRIC_STOCK_PREFIX "*' BEGIN"
    "  UPDATE flow_total SET value = value - old.value WHERE " TOTAL_KEY("old") ";"
    "  UPDATE village_events SET events = events - old.value"
    "   WHERE " EVENTS_KEY("old") " AND old.metric GLOB '" METRIC_EVENTS_PREFIX "*';"
    " END;";

#define TOTALS_FROM_ROLLUP                                                          \
    "SELECT township, metric, month, sum(value) FROM rollup"                        \
    " WHERE metric NOT GLOB '" METRIC_STOCK_PREFIX "*' GROUP BY township, metric, month"
#define EVENTS_FROM_ROLLUP                                                          \
    "SELECT township, village, month, sum(value) FROM rollup"                       \
    " WHERE metric GLOB '" METRIC_EVENTS_PREFIX "*' GROUP BY township, village, month"

static const char *const TOTALS_BACKFILL =
    "INSERT INTO flow_total " TOTALS_FROM_ROLLUP ";"
    "INSERT INTO village_events " EVENTS_FROM_ROLLUP ";";

static const char *const TOTALS_DROP =
    "DROP TRIGGER IF EXISTS flow_total_insert; DROP TRIGGER IF EXISTS flow_total_update;"
    "DROP TRIGGER IF EXISTS flow_total_delete;"
    "DROP TABLE IF EXISTS flow_total; DROP TABLE IF EXISTS village_events;";

/* The totals (each key once) that are not what the rollups say, either way
 * round; a kept row at 0 with nothing behind it is right. */
static const char *const TOTALS_CHECK =
    "SELECT (SELECT count(*) FROM ("
    "  SELECT township, metric, month FROM (" TOTALS_FROM_ROLLUP " EXCEPT SELECT * FROM flow_total)"
    "  UNION SELECT township, metric, month FROM (SELECT * FROM flow_total WHERE value != 0"
    "   EXCEPT " TOTALS_FROM_ROLLUP ")))"
    " + (SELECT count(*) FROM ("
    "  SELECT township, village, month FROM (" EVENTS_FROM_ROLLUP " EXCEPT SELECT * FROM village_events)"
    "  UNION SELECT township, village, month FROM (SELECT * FROM village_events WHERE events != 0"
    "   EXCEPT " EVENTS_FROM_ROLLUP ")))";

/* Changes per township. A county-level report keeps each township's
 * computed figures (reporter/cards.c) so that a province need not recompute
 * 1,500 townships from their villages' rows on every report; a kept card is
 * good while its township's count here is the one it was computed at. The
 * triggers count every write to the township's rollups and profile, so no
 * writer can change a township without its cards going stale, and keep the
 * latest month of its events (which half-years are worth keeping cards of;
 * receipt-time rows such as village.enrolled are dated now, not by work).
 *
 *   township_change(township, n, last_month) */
#define CHANGE_TRIGGER(name, op, table, row)                                                   \
    "CREATE TRIGGER IF NOT EXISTS " name " AFTER " op " ON " #table " BEGIN"                   \
    " INSERT INTO township_change VALUES (" row ".township, 1, " MONTH_OF_##table(row) ")"     \
    "  ON CONFLICT DO UPDATE SET n = n + 1,"                                                   \
    "  last_month = max(last_month, excluded.last_month);"                                     \
    " END;"
#define MONTH_OF_rollup(row) "CASE WHEN " row ".metric GLOB '" METRIC_EVENTS_PREFIX "*' THEN " row ".month ELSE '' END"
#define MONTH_OF_profile(row) "''"
static const char *const CHANGES_SCHEMA =
    "CREATE TABLE IF NOT EXISTS township_change ("
    " township TEXT PRIMARY KEY, n INTEGER NOT NULL, last_month TEXT NOT NULL) WITHOUT ROWID;"
    CHANGE_TRIGGER("township_change_rollup_insert", "INSERT", rollup, "new")
    CHANGE_TRIGGER("township_change_rollup_update", "UPDATE", rollup, "new")
    CHANGE_TRIGGER("township_change_rollup_delete", "DELETE", rollup, "old")
    CHANGE_TRIGGER("township_change_profile_insert", "INSERT", profile, "new")
    CHANGE_TRIGGER("township_change_profile_update", "UPDATE", profile, "new")
    CHANGE_TRIGGER("township_change_profile_delete", "DELETE", profile, "old");

/* An older county database's townships, at no change yet: its months are
 * what count (which cards to keep). */
static const char *const CHANGES_BACKFILL =
    "INSERT OR IGNORE INTO township_change SELECT township, 0,"
    " coalesce(max(CASE WHEN metric GLOB '" METRIC_EVENTS_PREFIX "*' THEN month END), '')"
    " FROM rollup GROUP BY township;";

static const char *const CHANGES_DROP =
    "DROP TRIGGER IF EXISTS township_change_rollup_insert;"
    "DROP TRIGGER IF EXISTS township_change_rollup_update;"
    "DROP TRIGGER IF EXISTS township_change_rollup_delete;"
    "DROP TRIGGER IF EXISTS township_change_profile_insert;"
    "DROP TRIGGER IF EXISTS township_change_profile_update;"
    "DROP TRIGGER IF EXISTS township_change_profile_delete;"
    "DROP TABLE IF EXISTS township_change;";

/* 1 if the table has the column, 0 if not (or no such table), -1 on error. */
static int has_column(sqlite3 *db, const char *table, const char *column)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, column, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = sqlite3_column_int(st, 0) > 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int rollup_has_levels(sqlite3 *db) { return has_column(db, "stock_keys", "first_month"); }

int rollup_has_totals(sqlite3 *db) { return has_column(db, "village_events", "events"); }

int rollup_has_changes(sqlite3 *db) { return has_column(db, "township_change", "n"); }

/* The county's sums: made, and filled from the rollups, where missing. */
static int sums_init(sqlite3 *db)
{
    int rc = -1;
    int dense = rollup_has_levels(db), old = has_column(db, "stock_level", "level");
    int totals = rollup_has_totals(db), changes = rollup_has_changes(db);
    if (dense < 0 || old < 0 || totals < 0 || changes < 0 || db_exec(db, "SAVEPOINT sums") < 0)
        goto out;
    if ((!dense && old && db_exec(db, LEVELS_DROP) < 0) ||
        db_exec(db, LEVELS_SCHEMA) < 0 || (!dense && db_exec(db, LEVELS_BACKFILL) < 0) ||
        db_exec(db, TOTALS_SCHEMA) < 0 || (!totals && db_exec(db, TOTALS_BACKFILL) < 0) ||
        db_exec(db, CHANGES_SCHEMA) < 0 || (!changes && db_exec(db, CHANGES_BACKFILL) < 0)) {
        db_exec(db, "ROLLBACK TO sums; RELEASE sums");
        goto out;
    }
    rc = db_exec(db, "RELEASE sums");
out:
    return rc;
}

/* The count query's one integer, or -1. */
static int count_of(sqlite3 *db, const char *sql)
{
    int rc = -1;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db, sql, &st) < 0)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW)
        rc = sqlite3_column_int(st, 0);
out:
    sqlite3_finalize(st);
    return rc;
}

int rollup_check_sums(sqlite3 *db)
{
    int levels = rollup_has_levels(db), totals = rollup_has_totals(db);
    int bad_levels = levels > 0 ? count_of(db, LEVELS_CHECK) : levels;
    int bad_totals = totals > 0 ? count_of(db, TOTALS_CHECK) : totals;
    return bad_levels < 0 || bad_totals < 0 ? -1 : bad_levels + bad_totals;
}

/* A township's: none (and none an older version made). */
static int sums_drop(sqlite3 *db)
{
    return db_exec(db, LEVELS_DROP) < 0 || db_exec(db, TOTALS_DROP) < 0 ||
                   db_exec(db, CHANGES_DROP) < 0
               ? -1
               : 0;
}

int rollup_new(sqlite3 *db, enum rollup_kind kind, rollup_t **out)
{
    int rc = -1;
    rollup_t *r = calloc(1, sizeof *r);
    if (!r)
        goto out;
    r->db = db;
    if (db_exec(db, SCHEMA) < 0 ||
        (kind == ROLLUP_COUNTY ? sums_init(db) : sums_drop(db)) < 0)
        goto out;
    if (db_prepare(db,
                   "INSERT INTO rollup(township, village, month, metric, value, version)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, 1)"
                   " ON CONFLICT DO UPDATE SET value = value + excluded.value,"
                   " version = version + 1",
                   &r->add) < 0 ||
        /* Not RETURNING: that made every upsert cost three times as much
         * (an ephemeral table and a statement journal per row), and only a
         * township with a county above needs the new value. */
        db_prepare(db,
                   "SELECT value, version FROM rollup"
                   " WHERE township = ?1 AND village = ?2 AND month = ?3 AND metric = ?4",
                   &r->get) < 0 ||
        db_prepare(db,
                   "INSERT INTO rollup(township, village, month, metric, value, version)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
                   " ON CONFLICT DO UPDATE SET value = excluded.value, version = excluded.version"
                   " WHERE ?7 OR excluded.version > version",
                   &r->put) < 0 ||
        db_prepare(db, "SELECT value, version FROM profile WHERE township = ?1 AND key = ?2",
                   &r->prof_get) < 0 ||
        db_prepare(db,
                   "INSERT INTO profile(township, key, value, version) VALUES (?1, ?2, ?3, ?4)"
                   " ON CONFLICT DO UPDATE SET value = excluded.value, version = excluded.version",
                   &r->prof_set) < 0)
        goto out;
    *out = r;
    r = NULL;
    rc = 0;
out:
    rollup_destroy(&r);
    return rc;
}

void rollup_destroy(rollup_t **pr)
{
    rollup_t *r = pr ? *pr : NULL;
    if (!r)
        return;
    sqlite3_finalize(r->add);
    sqlite3_finalize(r->get);
    sqlite3_finalize(r->put);
    sqlite3_finalize(r->prof_get);
    sqlite3_finalize(r->prof_set);
    free(r);
    *pr = NULL;
}

static void bind_key(sqlite3_stmt *st, const char *township, const char *village,
                     const char *month, const char *metric)
{
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, village, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, month, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, metric, -1, SQLITE_STATIC);
}

int rollup_add(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t delta, int64_t *value_out, uint64_t *version_out)
{
    int rc = -1;
    sqlite3_stmt *st = r->add;
    bind_key(st, township, village, month, metric);
    sqlite3_bind_int64(st, 5, delta);
    if (sqlite3_step(st) != SQLITE_DONE)
        goto sqlerr;
    sqlite3_reset(st);
    if (value_out || version_out) {
        st = r->get;
        bind_key(st, township, village, month, metric);
        if (sqlite3_step(st) != SQLITE_ROW)
            goto sqlerr;
        if (value_out)
            *value_out = sqlite3_column_int64(st, 0);
        if (version_out)
            *version_out = (uint64_t)sqlite3_column_int64(st, 1);
    }
    rc = 0;
    goto out;
sqlerr:
    log_error("rollup: %s", sqlite3_errmsg(r->db));
out:
    sqlite3_reset(st);
    return rc;
}

/* rollup_put, or with over rollup_set. */
static int put_key(rollup_t *r, const char *township, const char *village, const char *month,
                   const char *metric, int64_t value, uint64_t version, int over)
{
    sqlite3_stmt *st = r->put;
    bind_key(st, township, village, month, metric);
    sqlite3_bind_int64(st, 5, value);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)version);
    sqlite3_bind_int(st, 7, over);
    int rc = sqlite3_step(st) == SQLITE_DONE ? (sqlite3_changes(r->db) > 0) : -1;
    if (rc < 0)
        log_error("rollup: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(st);
    return rc;
}

int rollup_put(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t value, uint64_t version)
{
    return put_key(r, township, village, month, metric, value, version, 0);
}

int rollup_set(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t value, uint64_t version)
{
    return put_key(r, township, village, month, metric, value, version, 1) < 0 ? -1 : 0;
}

int rollup_forget(rollup_t *r, const char *township)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    static const char *const sql[] = {"DELETE FROM rollup WHERE township = ?1",
                                      "DELETE FROM profile WHERE township = ?1"};
    for (size_t i = 0; i < 2; i++) {
        if (db_prepare(r->db, sql[i], &st) < 0)
            return -1;
        sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        if (rc < 0)
            log_error("rollup: %s", sqlite3_errmsg(r->db));
        sqlite3_finalize(st);
        if (rc < 0)
            return -1;
    }
    return 0;
}

int profile_set(rollup_t *r, const char *township, const char *key, const char *value,
                uint64_t version)
{
    sqlite3_stmt *st = r->prof_set;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)version);
    int rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
    if (rc < 0)
        log_error("profile: %s", sqlite3_errmsg(r->db));
    sqlite3_reset(st);
    return rc;
}

int profile_put(rollup_t *r, const char *township, const char *key, const char *value,
                uint64_t version, uint64_t *version_out)
{
    int rc = -1;
    uint64_t stored = 0;
    int same = 0;
    sqlite3_stmt *st = r->prof_get;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        same = v && value && strcmp(v, value) == 0;
        stored = (uint64_t)sqlite3_column_int64(st, 1);
    } else if (s != SQLITE_DONE) {
        log_error("profile: %s", sqlite3_errmsg(r->db));
        sqlite3_reset(st);
        return -1;
    }
    sqlite3_reset(st);

    uint64_t next = version ? version : stored + 1;
    if ((version == 0 && same) || (version != 0 && version <= stored)) {
        if (version_out)
            *version_out = stored;
        return 0;
    }
    st = r->prof_set;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)next);
    if (sqlite3_step(st) != SQLITE_DONE) {
        log_error("profile: %s", sqlite3_errmsg(r->db));
        goto out;
    }
    if (version_out)
        *version_out = next;
    rc = 1;
out:
    sqlite3_reset(st);
    return rc;
}

int rollup_get(rollup_t *r, const char *township, const char *village, const char *month,
               const char *metric, int64_t *value)
{
    sqlite3_stmt *st = r->get;
    bind_key(st, township, village, month, metric);
    int s = sqlite3_step(st), rc = -1;
    if (s == SQLITE_ROW) {
        *value = sqlite3_column_int64(st, 0);
        rc = 1;
    } else if (s == SQLITE_DONE) {
        rc = 0;
    } else {
        log_error("rollup: %s", sqlite3_errmsg(r->db));
    }
    sqlite3_reset(st);
    return rc;
}

int rollup_each(sqlite3 *db, const char *township, const char *metric, rollup_fn *fn, void *arg)
{
    int rc = -1, s;
    sqlite3_stmt *st = NULL;
    /* two statements, so that one metric's rows are one range of the key */
    if (db_prepare(db,
                   metric ? "SELECT village, month, metric, value, version FROM rollup"
                            " WHERE township = ?1 AND metric = ?2"
                          : "SELECT village, month, metric, value, version FROM rollup"
                            " WHERE township = ?1",
                   &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    if (metric)
        sqlite3_bind_text(st, 2, metric, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct rollup_row row = {
            .village = (const char *)sqlite3_column_text(st, 0),
            .month = (const char *)sqlite3_column_text(st, 1),
            .metric = (const char *)sqlite3_column_text(st, 2),
            .value = sqlite3_column_int64(st, 3),
            .version = (uint64_t)sqlite3_column_int64(st, 4),
        };
        if (fn(arg, &row) < 0)
            goto out;
    }
    if (s != SQLITE_DONE) {
        log_error("rollup: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

int profile_each(sqlite3 *db, const char *township, profile_fn *fn, void *arg)
{
    int rc = -1, s;
    sqlite3_stmt *st = NULL;
    if (db_prepare(db, "SELECT key, value, version FROM profile WHERE township = ?1", &st) < 0)
        goto out;
    sqlite3_bind_text(st, 1, township, -1, SQLITE_STATIC);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct profile_row row = {
            .key = (const char *)sqlite3_column_text(st, 0),
            .value = (const char *)sqlite3_column_text(st, 1),
            .version = (uint64_t)sqlite3_column_int64(st, 2),
        };
        if (fn(arg, &row) < 0)
            goto out;
    }
    if (s != SQLITE_DONE) {
        log_error("profile: %s", sqlite3_errmsg(db));
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}
